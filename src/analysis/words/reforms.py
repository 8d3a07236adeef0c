"""Every reform in words and tables: the policy report's and the brief's reform sections.

``results.reforms`` holds one ``ReformEvaluation`` per reform of the reforms table (its own cohorts,
the headline interval the Monte Carlo gate checks, variants, event studies, diagnostics, HonestDiD);
``results.reforms_not_evaluated`` the reforms the data could not evaluate, each with a reason code that
is put here in the reader's language (``REASON_KEYS``). A notebook passes ``selected`` (the names a run
asks for; empty means every reform) and shows, for each reform, ``heading``, ``sentence``, ``how`` and
the tables; then ``not_evaluated``. Reform and district names go into Markdown through
``words.escape.markdown``: they print as written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.results import montecarlo
from analysis.results.estimates import Estimate, NotEvaluatedReform, ReformEvaluation, Results
from analysis.words import escape
from analysis.words import narrative as nr
from analysis.words.i18n import t, translator
from analysis.words.messages import say
from analysis.words.uncertainty import (
    gate_note,
    gate_sentence,
    level_text,
    plain_range,
    pp_size,
    printable,
    technical_note,
    variant_label,
)

REASON_KEYS = {"not_in_table": "reform.reason.not_in_table", "unknown_units": "reform.reason.unknown_units",
               "outside_window": "reform.reason.outside_window", "no_comparison": "reform.reason.no_comparison",
               "no_pre_period": "reform.reason.no_pre_period", "estimation_failed": "reform.reason.failed"}


def names_of(selected: str | list | tuple) -> list[str]:
    """Reform names asked for: a list, or a notebook parameter's text with one name per line."""
    items = selected.splitlines() if isinstance(selected, str) else selected
    return [str(s).strip() for s in items if str(s).strip()]


def chosen(results: Results, selected: str | list | tuple = ()) -> list[ReformEvaluation]:
    """The reforms evaluated, or those of them named in ``selected``."""
    wanted = set(names_of(selected))
    return [r for r in results.reforms if not wanted or r.name in wanted]


def not_evaluated_list(results: Results, selected: str | list | tuple = ()) -> list[NotEvaluatedReform]:
    """The reforms that could not be evaluated (among ``selected``), and names asked for that the table lacks."""
    wanted = names_of(selected)
    missing = [r for r in results.reforms_not_evaluated if not wanted or r.name in wanted]
    known = {r.name for r in results.reforms} | {r.name for r in results.reforms_not_evaluated}
    missing += [NotEvaluatedReform(name=w, reason="not_in_table", values={}, detail="") for w in wanted
                if w not in known]
    return missing


def name(reform: str) -> str:
    """A reform's name for Markdown (printed as written)."""
    return escape.markdown(reform)


def heading(ev: ReformEvaluation, lang: str = "vi", level: int = 3) -> str:
    return "#" * level + " " + translator(lang)("Cải cách: ", "Reform: ") + name(ev.name)


# ---------------------------------------------------------------------------------------------
# sentences
# ---------------------------------------------------------------------------------------------

def reform_text(e: Estimate | None, lang: str = "vi", *, reason: str = "", names: dict | None = None) -> str:
    """One reform's headline in words; ``names`` turns district codes into names."""
    names = names or {}
    if e is None:
        return say("no_reform", lang, reason=reason)
    if not printable(e):
        return gate_note(e, lang)
    reform = name(e.extras["reform"])
    if e.excludes_zero:
        text = say("reform.change", lang, reform=reform,
                   direction=say("direction.fell" if e.estimate < 0 else "direction.rose", lang),
                   size=pp_size(e.estimate, lang), range=plain_range(nr.pp(e.conf_low, 2, lang),
                                                                     nr.pp(e.conf_high, 2, lang), lang),
                   mde=pp_size(e.mde, lang))
    else:
        text = say("reform.none", lang, reform=reform, estimate=nr.pp(e.estimate, 2, lang),
                   low=nr.pp(e.conf_low, 2, lang), high=nr.pp(e.conf_high, 2, lang), mde=pp_size(e.mde, lang))
    if e.extras["dominant_share"] > 0.5:
        dominant = names.get(e.extras["dominant"], e.extras["dominant"])
        text += " " + say("reform.dominance", lang, name=escape.markdown(dominant),
                          share=nr.pct(100 * e.extras["dominant_share"], 0, lang),
                          g_star=nr.number(e.extras["g_star_empirical"], 1, lang))
    return text


def sentence(ev: ReformEvaluation, results: Results, lang: str = "vi") -> str:
    return reform_text(ev.estimate, lang, names=results.districts)


def how(ev: ReformEvaluation, lang: str = "vi") -> str:
    """How the reform was evaluated: comparison districts, TWFE beside it, HonestDiD, the gate, the note."""
    e = ev.estimate
    text = say("reform.how", lang, n_never=e.extras["n_never"], n_adopters=e.extras["n_adopters"],
               n_assignments=nr.number(e.extras["n_assignments"], 0, lang))
    if "policy_reform_variants" in ev:
        twfe = ev["policy_reform_variants"].set_index("estimator")["estimate"].get("TWFE")
        if twfe is not None:
            text += " " + say("reform.twfe", lang, twfe=nr.pp(float(twfe), 2, lang))
    value = ev.honest_breakdown
    if value is not None:
        text += " " + (say("reform.honest", lang, breakdown=nr.number(value, 1, lang)) if value > 0
                       else say("reform.honest.none", lang))
    if ev.skipped:
        text += " " + say("reform.partial", lang, n=len(ev.skipped))
    return text + " " + gate_sentence(e, lang) + "\n\n" + technical_note(e, lang)


def reason_text(item: NotEvaluatedReform, results: Results, lang: str = "vi") -> str:
    """Why a reform could not be evaluated, in ``lang`` (the estimator's own words only in English)."""
    v = item.values
    units = ", ".join(escape.markdown(results.districts.get(u, u)) for u in v.get("units", []))
    text = say(REASON_KEYS.get(item.reason, "reform.reason.failed"), lang, units=units,
               dates=", ".join(v.get("dates", [])), first=v.get("first", ""), last=v.get("last", ""))
    if lang == "en" and item.reason == "estimation_failed" and item.detail:
        text += f" ({escape.markdown(item.detail)})"
    return text


def not_evaluated(results: Results, lang: str = "vi", selected: str | list | tuple = ()) -> str:
    """A list of the reforms not evaluated, each with its reason; empty when there are none."""
    items = not_evaluated_list(results, selected)
    if not items:
        return ""
    lines = [say("reform.not_evaluated", lang, n=len(items)), ""]
    lines += [f"- **{name(i.name)}**: {reason_text(i, results, lang)}" for i in items]
    return "\n".join(lines)


def summary(results: Results, lang: str = "vi", selected: str | list | tuple = ()) -> str:
    """The brief's reform paragraph: one sentence per reform evaluated, then those that could not be."""
    if not results.has_reforms_table:
        return say("no_reform", lang, reason=say("reform.reason.no_table", lang))
    parts = [f"**{name(ev.name)}**: " + sentence(ev, results, lang) for ev in chosen(results, selected)]
    missing = not_evaluated(results, lang, selected)
    if len(parts) > 1:
        parts.insert(0, say("reform.count", lang, n=len(parts)))
    return "\n\n".join(p for p in [*parts, missing] if p)


def none_text(results: Results, lang: str = "vi", selected: str | list | tuple = ()) -> str:
    """What the policy report says when no reform was evaluated (no table, or none could be)."""
    if not results.has_reforms_table:
        return say("no_reform", lang, reason=say("reform.reason.no_table", lang))
    if chosen(results, selected):
        return ""
    return say("reform.none_evaluated", lang)


# ---------------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------------

def estimates_table(ev: ReformEvaluation, lang: str = "vi") -> pd.DataFrame:
    """The primary estimate and its variants and cohorts; intervals only where the gate passed."""
    tr = translator(lang)
    e = ev.estimate
    ok = printable(e)
    rows = [(tr("CS, suy luận hoán vị (chính)", "CS, randomization inference (primary)"), e.estimate,
             e.conf_low if ok else np.nan, e.conf_high if ok else np.nan, e.mde)]
    if "policy_reform_variants" in ev:
        for r in ev["policy_reform_variants"].itertuples():
            gate = montecarlo.gate("reform", r.estimator, term="ATT", inference=r.inference)
            shown = bool(gate and gate["passes"])
            rows.append((variant_label(r.estimator, r.inference, lang), r.estimate, r.conf_low if shown else np.nan,
                         r.conf_high if shown else np.nan, np.nan))
    if "policy_cs_group" in ev:
        for r in ev["policy_cs_group"].itertuples():
            if r.term != "ATT":
                cohort = str(r.term).removeprefix("cohort::")
                rows.append((tr(f"CS, đợt {cohort}", f"CS, cohort {cohort}"), r.estimate, np.nan, np.nan, np.nan))
    return pd.DataFrame(rows, columns=[tr("Ước lượng", "Estimator"), tr("Tác động (điểm %)", "Effect (pp)"),
                                       tr(f"Cận dưới {level_text(lang)}", f"{level_text(lang)} low"),
                                       tr(f"Cận trên {level_text(lang)}", f"{level_text(lang)} high"),
                                       tr("Tác động nhỏ nhất phát hiện được", "Minimum detectable")])


def clusters_table(ev: ReformEvaluation, results: Results, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    c = ev["policy_reform_clusters"].sort_values("variance_share", ascending=False)
    return pd.DataFrame({t("district", lang): c["cluster"].map(lambda d: results.districts.get(d, d)),
                         tr("Đợt áp dụng", "Adoption"): c["cohort"].map(lambda g: _period_label(g, lang)),
                         t("groups", lang): c["units"],
                         tr("Tỷ trọng trong độ bất định (%)",
                            "Share of the uncertainty (%)"): 100 * c["variance_share"]})


def _period_label(period: int, lang: str) -> str:
    if period == 0:
        return translator(lang)("chưa áp dụng", "never")
    from analysis.policy import period_label

    return period_label(int(period), "month")


def diagnostics_table(ev: ReformEvaluation, results: Results, lang: str = "vi") -> pd.DataFrame:
    """Pre-trend test, placebo date, leave-one-out extremes and effective clusters (those computed)."""
    tr = translator(lang)
    e = ev.estimate
    rows = []
    if "policy_pretrend" in ev:
        pre = ev["policy_pretrend"].iloc[0]
        rows.append((tr("Kiểm định đồng thời xu hướng trước", "Joint pre-trend test"), float(pre["statistic"]),
                     float(pre["p_value"]), tr("kiểm định Wald trên các hệ số trước áp dụng",
                                               "Wald test on the pre-adoption coefficients")))
    if "policy_placebo_dates" in ev:
        placebo = ev["policy_placebo_dates"].iloc[0]
        rows.append((tr("Ngày áp dụng giả (sớm 12 tháng)", "Placebo adoption 12 months early"),
                     float(placebo["estimate"]), float(placebo["p_value"]),
                     tr("tác động giả nên gần 0", "should be near 0")))
    if "policy_leave_one_out" in ev:
        loo = ev["policy_leave_one_out"].dropna(subset=["estimate"])
        if not loo.empty:
            for label, pick in ((tr("Bỏ lần lượt từng huyện: nhỏ nhất", "Leave one district out: smallest"),
                                 loo["estimate"].idxmin()),
                                (tr("Bỏ lần lượt từng huyện: lớn nhất", "Leave one district out: largest"),
                                 loo["estimate"].idxmax())):
                dropped = str(loo.loc[pick, "dropped"])
                rows.append((label, float(loo.loc[pick, "estimate"]), float("nan"),
                             results.districts.get(dropped, dropped)))
    rows.append((tr("Số cụm hiệu dụng (Carter-Schnepel-Steigerwald)",
                    "Effective clusters (Carter-Schnepel-Steigerwald)"), float(e.extras["g_star"]), float("nan"),
                 tr(f"trên {e.n_clusters} huyện", f"of {e.n_clusters} districts")))
    return pd.DataFrame(rows, columns=[tr("Kiểm định", "Check"), tr("Giá trị", "Value"), "p", tr("Ghi chú", "Note")])


HONEST_METHODS = {"relative_magnitude": ("độ lớn tương đối", "relative magnitude")}


def honest_table(ev: ReformEvaluation, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    if "policy_honest" not in ev or ev["policy_honest"].empty:
        return pd.DataFrame({tr("Độ nhạy", "Sensitivity"): [tr("không áp dụng", "not applicable")]})
    h = ev["policy_honest"]
    i = 0 if lang == "vi" else 1
    method = h["method"].map(lambda m: HONEST_METHODS.get(str(m), (str(m), str(m)))[i])
    return pd.DataFrame({tr("Giới hạn", "Restriction"): method, "M̄": h["parameter"],
                         tr(f"Cận dưới {level_text(lang)}", f"{level_text(lang)} low"): h["conf_low"],
                         tr(f"Cận trên {level_text(lang)}", f"{level_text(lang)} high"): h["conf_high"]})


def event_study_intervals(ev: ReformEvaluation | None = None) -> list[bool]:
    """Which series of the event-study figure may show intervals (CS, Sun-Abraham, TWFE): only those
    whose method passed the gate ("CS event study (quarterly)")."""
    cs = montecarlo.gate("reform", "CS event study (quarterly)", term="event_time")
    return [bool(cs and cs["passes"]), False, False]


def event_studies(ev: ReformEvaluation) -> tuple[list, list[str], list[bool]]:
    """The event studies computed for the reform (CS first), their names and whether intervals show."""
    names = {"cs_dynamic_q": "Callaway-Sant'Anna", "sunab_event_q": "Sun-Abraham", "twfe_event_q": "TWFE"}
    shown = dict(zip(names, event_study_intervals(ev)))
    found = [(ev.event_study(key), label, shown[key]) for key, label in names.items()]
    found = [f for f in found if f[0] is not None]
    return [f[0] for f in found], [f[1] for f in found], [f[2] for f in found]


def figure_title(ev: ReformEvaluation, lang: str = "vi") -> str:
    """The event-study figure's title, naming the reform (figures print text as written)."""
    return translator(lang)("Tác động theo quý kể từ khi áp dụng", "Effect by quarter since adoption") + ": " + \
        escape.plain(ev.name)


def caption(kind: str, ev: ReformEvaluation, lang: str = "vi") -> str:
    """A table caption naming the reform (captions are plain text: escaped by the table itself)."""
    tr = translator(lang)
    text = {"estimates": tr("Ước lượng chính, các biến thể và các đợt áp dụng; khoảng chỉ in khi phương pháp qua "
                            "kiểm tra mô phỏng", "Primary estimate, variants and adoption cohorts; intervals printed "
                            "only when the method passed the simulation check"),
            "diagnostics": tr("Kiểm định xu hướng trước, giả định và độ nhạy", "Pre-trend, placebo and sensitivity "
                              "checks"),
            "clusters": tr("Mỗi huyện đóng góp bao nhiêu vào độ bất định của ước lượng",
                           "How much each district contributes to the uncertainty"),
            "honest": tr("HonestDiD (Rambachan-Roth 2023): khoảng giá trị khi xu hướng sau áp dụng được phép lệch tới "
                         "M̄ lần độ lệch lớn nhất trước áp dụng", "HonestDiD (Rambachan-Roth 2023): ranges when "
                         "post-adoption trends may depart by up to M̄ times the largest pre-adoption departure")}[kind]
    return f"{ev.name}: {text}"
