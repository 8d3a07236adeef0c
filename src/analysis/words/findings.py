"""Findings in words and tables for the drivers, policy and evidence-brief reports.

Everything here reads the typed ``Results`` (``analysis.results``) and the Monte Carlo gate
(``words.uncertainty``: an interval is printed only when its method passed the gate; otherwise the
sentence says so). Reforms, one section each: ``words.reforms``.
Prose comes from the message catalogue (``analysis.words.messages``), numbers from ``narrative``.
Figures live in ``analysis.plots``; nothing here fits a model or draws.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from analysis.constants import ALPHA, LEVEL, POWER
from analysis.data.contract import DIRECTIVE_40_MONTH
from analysis.data.privacy import MIN_BORROWERS
from analysis.results.estimates import Estimate, Results
from analysis.words import escape, reforms
from analysis.words import narrative as nr
from analysis.words.i18n import t, translator
from analysis.words.messages import say
from analysis.words.reforms import clusters_table, diagnostics_table, honest_table, reform_text  # noqa: F401
from analysis.words.uncertainty import (  # noqa: F401 - gate_note, printable...: used by words.national too
    DESIGN_OF,
    VARIANTS,
    gate_note,
    gate_row,
    gate_sentence,
    level_text,
    plain_range,
    printable,
    technical_note,
    variant_label,
)
from analysis.words.uncertainty import pp_size as _pp_size

CHECK_STEP = 0.05  # "checking 5% more borrowers in a month": the step the sentences use


def _pct_change(beta: float) -> float:
    return 100 * (math.exp(beta) - 1)


def _province_ratio(results: Results) -> float:
    return float(results["ratio_province_m"]["overdue_ratio"].iloc[-1])


# ---------------------------------------------------------------------------------------------
# drivers of overdue
# ---------------------------------------------------------------------------------------------

def meetings_effect(results: Results) -> dict:
    """The FE Poisson meetings effect in % and, on today's province ratio, in pp."""
    e = results.meetings
    ratio = _province_ratio(results)
    return {"pct": _pct_change(e.estimate), "pct_low": _pct_change(e.conf_low), "pct_high": _pct_change(e.conf_high),
            "pp": ratio * (math.exp(e.estimate) - 1), "ratio": ratio, "p_value": e.p_value}


def checks_effect(results: Results, step: float = CHECK_STEP) -> dict:
    """Effect of checking ``step`` more of a group's borrowers in a month (FE Poisson)."""
    e = results.checks
    ratio = _province_ratio(results)
    f = lambda b: 100 * (math.exp(b * step) - 1)  # noqa: E731
    return {"step_pct_points": 100 * step, "pct": f(e.estimate), "pct_low": f(e.conf_low),
            "pct_high": f(e.conf_high), "pp": ratio * f(e.estimate) / 100, "ratio": ratio}


def meetings_sentence(results: Results, lang: str = "vi") -> str:
    e, c = meetings_effect(results), checks_effect(results)
    return say("meetings.fe", lang, pct=nr.pct(e["pct"], 1, lang),
               range=plain_range(nr.pct(e["pct_low"], 1, lang), nr.pct(e["pct_high"], 1, lang), lang),
               pp=nr.pp(e["pp"], 2, lang), ratio=nr.pct(e["ratio"], 2, lang),
               step=nr.pct(c["step_pct_points"], 0, lang), check_pct=nr.pct(c["pct"], 1, lang),
               check_range=plain_range(nr.pct(c["pct_low"], 1, lang), nr.pct(c["pct_high"], 1, lang), lang))


def pooled_vs_fe_sentence(results: Results, lang: str = "vi") -> str:
    pooled = _row(results["model_pooled_poisson"], "group_meetings").estimate
    fe = results.meetings.estimate
    return say("meetings.pooled", lang, pooled=nr.pct(_pct_change(pooled), 1, lang), fe=nr.pct(_pct_change(fe), 1,
                                                                                               lang))


MODEL_NAMES = {"Pooled OLS": ("OLS gộp", "Pooled OLS"), "FE OLS": ("OLS hiệu ứng cố định", "FE OLS"),
               "Pooled Poisson": ("Poisson gộp", "Pooled Poisson"),
               "FE Poisson": ("Poisson hiệu ứng cố định", "FE Poisson"),
               "Fractional logit": ("Logit phân số", "Fractional logit")}
MODEL_ROWS = {"Intercept": ("Hằng số", "Intercept"), "N": ("Số quan sát", "Observations"),
              "clusters": ("Số cụm", "Clusters"), "standard errors": ("Sai số chuẩn", "Standard errors"),
              "fixed effects": ("Hiệu ứng cố định", "Fixed effects"), "r2": ("R²", "R²"),
              "r2_within": ("R² trong nhóm", "Within R²"), "deviance": ("Độ lệch (deviance)", "Deviance"),
              "quasi_loglik": ("Log hợp lý giả (quasi-log-likelihood)", "Quasi-log-likelihood")}
MODEL_WORDS = {"district": ("huyện", "district"), "cluster": ("cụm", "cluster"), "group_id": ("tổ", "group"),
               "month": ("tháng", "month")}
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_FACTOR = re.compile(r"^C\((\w+)\)\[T\.(.+)\]$")


def model_table(results: Results, lang: str = "vi") -> pd.DataFrame:
    """The models side by side (``model_compare``) in the reader's language: row and model names, numbers
    with the language's separators (``narrative``), significance stars kept."""
    i = 0 if lang == "vi" else 1
    table = results["model_compare"]
    out = pd.DataFrame({"": table["index"].map(lambda label: _model_row(str(label), lang))})
    for column in table.columns.drop("index"):
        out[MODEL_NAMES.get(column, (column, column))[i]] = table[column].fillna("").map(
            lambda cell: _model_cell(str(cell), lang))
    return out


def _model_row(label: str, lang: str) -> str:
    i = 0 if lang == "vi" else 1
    se = label.endswith(" (s.e.)")
    term = label.removesuffix(" (s.e.)")
    if term in MODEL_ROWS:
        name = MODEL_ROWS[term][i]
    elif m := _FACTOR.match(term):
        level = t(m.group(2), lang) if m.group(1) == "association" else m.group(2)
        name = f"{t(m.group(1), lang)}: {level}"
    else:
        name = t(term, lang) if term in ("group_meetings", "check_share") else term
    return name + (translator(lang)(" (sai số chuẩn)", " (s.e.)") if se else "")


def _model_cell(cell: str, lang: str) -> str:
    def number(match: re.Match) -> str:
        text = match.group(0)
        digits = len(text.split(".")[1]) if "." in text else 0
        return nr.number(float(text.replace(",", "")), digits, lang)

    cell = _NUMBER.sub(number, cell)
    for word, names in MODEL_WORDS.items():
        cell = re.sub(rf"\b{word}\b", names[0 if lang == "vi" else 1], cell)
    return cell


def _row(table: pd.DataFrame, term: str) -> pd.Series:
    hit = table[table["term"] == term]
    if hit.empty:
        raise KeyError(f"term {term!r} not in results; have {list(table['term'])}")
    return hit.iloc[0]


def bootstrap_table(results: Results, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    cr1 = _row(results["model_fe_ols"], "group_meetings")
    boot = results["model_wild_bootstrap"].iloc[0]
    bound = pd.to_numeric(pd.Series([boot.get("p_value_bound")]), errors="coerce").iloc[0]
    boot_p = nr.p_below(float(bound), lang) if bound > 0 else boot.p_value
    return pd.DataFrame({
        tr("Suy luận", "Inference"): [tr("CR1, t(G-1)", "CR1, t(G-1)"),
                                      tr("Bootstrap cụm hoang dã (WCR, Webb)", "Wild cluster bootstrap (WCR, Webb)")],
        tr("Hệ số (điểm %)", "Coefficient (pp)"): [100 * cr1.estimate, 100 * boot.estimate],
        "p": [cr1.p_value, boot_p],
        tr(f"Cận dưới {level_text(lang)}", f"{level_text(lang)} low"): [100 * cr1.conf_low, 100 * boot.conf_low],
        tr(f"Cận trên {level_text(lang)}", f"{level_text(lang)} high"): [100 * cr1.conf_high, 100 * boot.conf_high],
    })


def ame_table(results: Results, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    ame = results["model_fractional_logit_ame"]
    ame = ame[ame["term"].isin(["group_meetings", "check_share"])]
    return pd.DataFrame({
        tr("Biến", "Variable"): ame["term"].map(lambda x: t(x, lang)),
        tr("Hiệu ứng biên (điểm %)", "Marginal effect (pp)"): 100 * ame["estimate"],
        tr(f"Cận dưới {level_text(lang)}", f"{level_text(lang)} low"): 100 * ame["conf_low"],
        tr(f"Cận trên {level_text(lang)}", f"{level_text(lang)} high"): 100 * ame["conf_high"],
    }).reset_index(drop=True)


def variance_table(results: Results, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    v = results["mixed_variance"]
    return pd.DataFrame({tr("Cấp", "Level"): v["component"], tr("Phương sai", "Variance"): v["variance"],
                         tr("Độ lệch chuẩn", "Std. dev."): v["std_dev"], tr("Tỷ trọng", "Share"): v["share"]})


def ordered_table(results: Results, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    tab = results["model_ordered_logit"]
    tab = tab[~tab["term"].str.startswith("C(year)")]
    names = {"meetings_mean": tr("Họp tổ bình quân/tháng", "Meetings per month"),
             "check_cover": tr("Tỷ lệ hộ được kiểm tra trong năm", "Share of borrowers checked in the year"),
             "overdue_pct": tr("Nợ quá hạn bình quân (%)", "Mean overdue share (%)")}
    return pd.DataFrame({tr("Hệ số", "Term"): tab["term"].map(lambda x: names.get(x, x)),
                         tr("Ước lượng", "Estimate"): tab["estimate"], tr("Sai số chuẩn",
                                                                          "Std. error"): tab["std_error"],
                         tr(f"Cận dưới {level_text(lang)}", f"{level_text(lang)} low"): tab["conf_low"],
                         tr(f"Cận trên {level_text(lang)}", f"{level_text(lang)} high"): tab["conf_high"]})


def truth_rows(results: Results) -> list[dict]:
    """Known truth of the synthetic generator next to the estimates that target it."""
    truth = results.truth
    if not truth:
        return []
    om, rm = truth["overdue_model"], truth["rating_model"]
    rows = []

    def add(name, true, low, high, est, target=True):
        rows.append({"parameter": name, "truth": true, "estimate": est, "conf_low": low, "conf_high": high,
                     "covered": bool(low <= true <= high), "targets_truth": target})

    def add_row(name, true, table, term, scale=1.0, target=True):
        r = _row(results[table], term)
        add(name, true, r.conf_low * scale, r.conf_high * scale, r.estimate * scale, target)

    add_row("beta_meetings (FE Poisson)", om["beta_meetings"], "model_fe_poisson", "group_meetings")
    add_row("beta_check_share (FE Poisson)", om["beta_check_share"], "model_fe_poisson", "check_share")
    add_row("beta_meetings (pooled Poisson)", om["beta_meetings"], "model_pooled_poisson", "group_meetings",
            target=False)
    add_row("meetings, pp (FE OLS)", om["linear_fe_pseudo_true_pp"]["group_meetings"], "model_fe_ols",
            "group_meetings", 100)
    add_row("check_share, pp (FE OLS)", om["linear_fe_pseudo_true_pp"]["check_share"], "model_fe_ols", "check_share",
            100)
    for k, v in rm["theta"].items():
        add_row(f"rating: {k} (ordered logit)", v, "model_ordered_logit", k)
    d40 = truth.get("directive40", {})
    if results.directive is not None and "level_change_pp" in d40:
        e = results.directive
        add("Directive 40 level change, pp (province series, GLS-ARMA)", d40["level_change_pp"], e.conf_low,
            e.conf_high, e.estimate)
    if results.dose is not None and "slope_pp_per_meeting" in d40.get("dose_response", {}):
        e = results.dose
        add("Directive 40 by dose, pp per meeting (dose DiD)", d40["dose_response"]["slope_pp_per_meeting"],
            e.conf_low, e.conf_high, e.estimate)
    same_reform = [r.name for r in results.reforms] == [truth.get("reforms", {}).get("reform")]
    if results.reform is not None and same_reform and "att_simple_pp" in truth.get("reforms", {}):
        e = results.reform
        add("reform ATT, pp (CS, randomization inference)", truth["reforms"]["att_simple_pp"], e.conf_low,
            e.conf_high, e.estimate)
    return rows


TRUTH_VI = {
    "beta_meetings (FE Poisson)": "hệ số họp tổ (Poisson hiệu ứng cố định)",
    "beta_check_share (FE Poisson)": "hệ số tỷ lệ hộ được kiểm tra (Poisson hiệu ứng cố định)",
    "beta_meetings (pooled Poisson)": "hệ số họp tổ (Poisson gộp)",
    "meetings, pp (FE OLS)": "họp tổ, điểm % (OLS hiệu ứng cố định)",
    "check_share, pp (FE OLS)": "tỷ lệ hộ được kiểm tra, điểm % (OLS hiệu ứng cố định)",
    "Directive 40 level change, pp (province series, GLS-ARMA)":
        "Chỉ thị 40, thay đổi mức, điểm % (chuỗi toàn tỉnh, GLS-ARMA)",
    "Directive 40 by dose, pp per meeting (dose DiD)":
        "Chỉ thị 40 theo mức cần cải thiện, điểm % mỗi buổi họp (DiD theo liều)",
    "reform ATT, pp (CS, randomization inference)": "cải cách, ATT, điểm % (CS, suy luận hoán vị)",
}
RATING_TERMS = {"meetings_mean": "họp tổ bình quân/tháng", "check_cover": "tỷ lệ hộ được kiểm tra trong năm",
                "overdue_pct": "nợ quá hạn bình quân (%)"}


def _truth_label(parameter: str, lang: str) -> str:
    """A truth-table row's name in ``lang`` (the generator's parameters are named in English)."""
    if lang != "vi":
        return parameter
    if parameter.startswith("rating: "):
        term = parameter.removeprefix("rating: ").removesuffix(" (ordered logit)")
        return f"xếp loại: {RATING_TERMS.get(term, term)} (logit thứ bậc)"
    return TRUTH_VI.get(parameter, parameter)


def truth_table(results: Results, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    rows = pd.DataFrame(truth_rows(results))
    if rows.empty:
        return rows
    yes, no = tr("có", "yes"), tr("không", "no")
    names = rows["parameter"].map(lambda p: _truth_label(p, lang))
    return pd.DataFrame({
        tr("Tham số", "Parameter"): names, tr("Giá trị thật", "Truth"): rows["truth"],
        tr("Ước lượng", "Estimate"): rows["estimate"],
        tr(f"Cận dưới {level_text(lang)}", f"{level_text(lang)} low"): rows["conf_low"],
        tr(f"Cận trên {level_text(lang)}", f"{level_text(lang)} high"): rows["conf_high"],
        tr("Khoảng chứa giá trị thật", "Interval covers truth"): rows["covered"].map({True: yes, False: no}),
        tr("Ước lượng nhắm đúng tham số", "Estimator targets it"): rows["targets_truth"].map({True: yes, False: no}),
    })


# ---------------------------------------------------------------------------------------------
# policy: Directive 40
# ---------------------------------------------------------------------------------------------

def directive_month(lang: str) -> str:
    return nr.month(pd.Period(DIRECTIVE_40_MONTH, "M"), lang)


def directive_sentence(results: Results, lang: str = "vi") -> str:
    """The Directive 40 headline in words a district official can use."""
    reason = results.skipped.get("directive", "") if lang == "en" else say("reason.generic", lang)
    return directive_text(results.directive, lang, reason=escape.markdown(reason))


def directive_text(e: Estimate | None, lang: str = "vi", *, reason: str = "", scope: str = "province") -> str:
    """``directive_sentence`` for any Directive estimate (``scope`` "province", or "national" for the
    national series)."""
    if e is None:
        return say("no_directive", lang, reason=reason)
    if not printable(e):
        return gate_note(e, lang)
    if e.excludes_zero:
        return say("directive.change", lang, month=directive_month(lang), where=say(f"where.{scope}", lang),
                   direction=say("direction.fell" if e.estimate < 0 else "direction.rose", lang),
                   size=_pp_size(e.estimate, lang), range=plain_range(nr.pp(e.conf_low, 2, lang),
                                                                      nr.pp(e.conf_high, 2, lang), lang),
                   mde=_pp_size(e.mde, lang))
    return say("directive.none", lang, month=directive_month(lang), where=say(f"where.{scope}", lang),
               estimate=nr.pp(e.estimate, 2, lang),
               low=nr.pp(e.conf_low, 2, lang), high=nr.pp(e.conf_high, 2, lang), mde=_pp_size(e.mde, lang))


def directive_how(results: Results, lang: str = "vi") -> str:
    e = results.directive
    if e is None:
        return ""
    window = f"{nr.month(pd.Period(e.window[0], 'M'), lang)} – {nr.month(pd.Period(e.window[1], 'M'), lang)}"
    text = say("directive.how", lang, window=window, pre=e.extras["pre_months"], post=e.extras["post_months"])
    return text + " " + gate_sentence(e, lang) + "\n\n" + technical_note(e, lang)


def directive_variants_sentence(results: Results, lang: str = "vi") -> str:
    if "policy_directive_variants" not in results:
        return ""
    v = results["policy_directive_variants"]
    i = 0 if lang == "vi" else 1
    estimates = "; ".join(f"{VARIANTS.get(r.estimator, (r.estimator,) * 2)[i]}: {nr.pp(r.estimate, 2, lang)}"
                          for r in v.itertuples())
    return say("directive.variants", lang, estimates=estimates)


def directive_table(results: Results, lang: str = "vi") -> pd.DataFrame:
    """The headline's rows (level, slope, overdue avoided) and the placebo breaks, with intervals only
    where the method passed the gate, and the minimum detectable effect."""
    tr = translator(lang)
    e = results.directive
    names = {"level_change_pp": tr("Thay đổi mức (điểm %)", "Level change (pp)"),
             "slope_change_pp_per_month": tr("Thay đổi độ dốc (điểm %/tháng)", "Slope change (pp/month)"),
             "pre_trend_pp_per_month": tr("Xu hướng trước (điểm %/tháng)", "Pre-trend (pp/month)"),
             "overdue_avoided_mvnd": tr("Nợ quá hạn tránh được (triệu đồng)", "Overdue avoided (million VND)")}
    show = e is not None and printable(e)
    rows = []
    for r in results["policy_directive"].itertuples():
        rows.append((tr("Chuỗi toàn tỉnh (chính)", "Province series (primary)"), names.get(r.term, r.term), r.estimate,
                     r.conf_low if show else np.nan, r.conf_high if show else np.nan, r.mde))
    for r in results["policy_directive_placebo"].itertuples():
        rows.append((tr(f"Ngày gãy giả {r.placebo_month}", f"Placebo break {r.placebo_month}"),
                     names.get(r.term, r.term), r.estimate, r.conf_low if show else np.nan,
                     r.conf_high if show else np.nan, r.mde))
    return pd.DataFrame(rows, columns=[tr("Mô hình", "Model"), tr("Đại lượng", "Quantity"), tr("Ước lượng", "Estimate"),
                                       tr(f"Cận dưới {level_text(lang)}", f"{level_text(lang)} low"),
                                       tr(f"Cận trên {level_text(lang)}", f"{level_text(lang)} high"),
                                       tr(f"Tác động nhỏ nhất phát hiện được ({nr.pct(100 * POWER, 0, lang)})",
                                          f"Minimum detectable ({nr.pct(100 * POWER, 0, lang)} power)")])


def dose_sentence(results: Results, lang: str = "vi") -> str:
    return dose_text(results.dose, lang)


def dose_text(e: Estimate | None, lang: str = "vi", *, unit: str = "commune") -> str:
    """The dose comparison (communes within a province, or ``unit="province"`` across the country) in words."""
    if e is None:
        return ""
    if not printable(e):
        return gate_note(e, lang)
    sd = e.extras["dose_sd"]
    verdict = say("dose.verdict.yes" if e.conf_high < 0 else "dose.verdict.no", lang)
    key = "dose.result.provinces" if unit == "province" else "dose.result"
    return say(key, lang, sd=nr.number(sd, 2, lang), per_sd=nr.pp(e.estimate * sd, 2, lang),
               range=plain_range(nr.pp(e.conf_low * sd, 2, lang), nr.pp(e.conf_high * sd, 2, lang), lang),
               verdict=verdict)


# ---------------------------------------------------------------------------------------------
# policy: reforms
# ---------------------------------------------------------------------------------------------

def reform_sentence(results: Results, lang: str = "vi") -> str:
    """The first reform's headline (``reforms.summary`` gives every reform)."""
    return reforms.reform_text(results.reform, lang, reason=results.skipped.get("reform", ""), names=results.districts)


# ---------------------------------------------------------------------------------------------
# evidence brief
# ---------------------------------------------------------------------------------------------

def brief_meetings(results: Results, lang: str = "vi") -> str:
    e = results.meetings
    if not printable(e):
        return "**" + translator(lang)("Họp tổ", "Meetings") + "**: " + gate_note(e, lang)
    m = meetings_effect(results)
    if not e.excludes_zero:
        return say("brief.meetings.none", lang, low=nr.pct(m["pct_low"], 0, lang), high=nr.pct(m["pct_high"], 0, lang),
                   mde=nr.pct(abs(_pct_change(-e.mde)), 0, lang))
    return say("brief.meetings", lang, direction=say("direction.down" if m["pct"] < 0 else "direction.up", lang),
               size=nr.pct(abs(m["pct"]), 0, lang),
               range=plain_range(nr.pct(m["pct_low"], 0, lang), nr.pct(m["pct_high"], 0, lang), lang),
               pp=nr.pp(m["pp"], 2, lang), ratio=nr.pct(m["ratio"], 2, lang),
               n_obs=nr.number(e.n_obs, 0, lang), n_clusters=e.n_clusters)


def brief_finding(results: Results, lang: str = "vi", reform_names: str | list | tuple = ()) -> str:
    """One paragraph per question, each from its pre-specified primary estimate; one per reform (those of
    ``reform_names``, or every reform), then the reforms that could not be evaluated."""
    parts = [brief_meetings(results, lang), directive_sentence(results, lang),
             reforms.summary(results, lang, reform_names)]
    return "\n\n".join(p for p in parts if p)


def directive_start() -> pd.Timestamp:
    """The first month of Directive 40, for figures."""
    return pd.Period(DIRECTIVE_40_MONTH, "M").to_timestamp()


def brief_figure_title(lang: str) -> str:
    month = directive_month(lang)
    return translator(lang)(f"Tỷ lệ nợ quá hạn theo hội đoàn thể; đường chấm: Chỉ thị 40 ({month})",
                            f"Overdue ratio by association; dotted line: Directive 40 ({month})")


def brief_practice(results: Results, lang: str = "vi") -> str:
    return say("brief.practice", lang)


def brief_methods(results: Results, lang: str = "vi") -> str:
    months = results.meta["months"]
    return say("brief.methods", lang, first=months[0], last=months[1],
               n_obs=nr.number(results.meta["n_group_months"], 0, lang))


def gate_table(results: Results, lang: str = "vi") -> pd.DataFrame:
    """The simulation check of every primary estimate: false rejections and coverage with their
    Monte Carlo standard errors, and whether the interval is printed."""
    tr = translator(lang)
    rows = []
    labels = {"meetings": tr("Họp tổ (Poisson FE)", "Meetings (Poisson FE)"),
              "directive": tr("Chỉ thị 40 (chuỗi toàn tỉnh)", "Directive 40 (province series)"),
              "reform": tr("Cải cách (suy luận hoán vị)", "Reform (randomization inference)")}
    for name, label in labels.items():
        e = getattr(results, name)
        if e is None:
            continue
        g = gate_row(e)
        yes, no = tr("có", "yes"), tr("không", "no")
        rows.append((label, g["reps"] if g else np.nan, 100 * g["size"] if g else np.nan,
                     100 * g["size_se"] if g else np.nan, 100 * g["coverage"] if g else np.nan,
                     100 * g["coverage_se"] if g else np.nan, (yes if g and g["passes"] else no)))
    return pd.DataFrame(rows, columns=[
        tr("Câu hỏi", "Question"), tr("Số lần mô phỏng", "Replicates"),
        tr(f"Báo động sai (%; danh nghĩa {nr.number(100 * ALPHA, 0, lang)})",
           f"False alarms (%; nominal {nr.number(100 * ALPHA, 0, lang)})"),
        tr("Sai số MC", "MC s.e."), tr(f"Độ phủ (%; danh nghĩa {nr.number(100 * LEVEL, 0, lang)})",
                                       f"Coverage (%; nominal {nr.number(100 * LEVEL, 0, lang)})"),
        tr("Sai số MC ", "MC s.e. "), tr("Khoảng được in", "Interval printed")])


def brief_limitations(results: Results, lang: str = "vi") -> str:
    text = say("brief.limits", lang, n_districts=len(results.districts))
    if results.synthetic:
        province = escape.markdown(results.meta.get("province_name", "Sóc Trăng"))
        text += "- " + say("synthetic.note", lang, province=province) + "\n"
    return text


def provenance(results: Results, lang: str = "vi") -> str:
    meta = results.meta
    commit = str(meta.get("code", {}).get("commit") or "unknown")[:12]
    return say("provenance", lang, data_name=escape.markdown(meta["data_name"]), data_hash=meta["data_hash"][:16],
               first=meta["months"][0], last=meta["months"][1], commit=commit, seed=meta["seed"])


def suppressed_caption(lang: str) -> str:
    """'(cells describing fewer than 5 borrowers are suppressed)' with the constant's value."""
    return translator(lang)(f"ô mô tả dưới {MIN_BORROWERS} hộ vay được ẩn",
                            f"cells describing fewer than {MIN_BORROWERS} borrowers are suppressed")
