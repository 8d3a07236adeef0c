"""Words and tables of the national brief and the province reports (a national results folder).

Everything reads ``NationalResults`` (``analysis.results``): the national headlines, the national
tables, and each old province's own ``Results``. Intervals are printed only where the method passed
the Monte Carlo gate (``findings.printable``), as in the province reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.constants import ALPHA, LEVEL, POWER
from analysis.data.contract import REORGANISATION_DATE
from analysis.results.country import NationalResults
from analysis.results.estimates import Estimate
from analysis.words import escape, findings, reforms
from analysis.words import narrative as nr
from analysis.words.i18n import t, translator
from analysis.words.messages import say
from analysis.words.uncertainty import pp_size


def reorganisation_date(lang: str) -> str:
    day = pd.Timestamp(REORGANISATION_DATE)
    return f"{day.day}/{day.month}/{day.year}" if lang == "vi" else f"{day.day} {day:%B %Y}"


# ---------------------------------------------------------------------------------------------
# national brief
# ---------------------------------------------------------------------------------------------

def national_overview(nat: NationalResults, lang: str = "vi") -> str:
    last = nat["national_m"].iloc[-1]
    first = nat["national_m"].iloc[0]
    p = nat.provinces
    return say("national.overview", lang, first=nr.month(first.period, lang), last=nr.month(last.period, lang),
               ratio_first=nr.pct(first.overdue_ratio, 2, lang), ratio=nr.pct(last.overdue_ratio, 2, lang),
               outstanding=nr.number(last.outstanding / 1000, 0, lang), borrowers=nr.number(last.borrowers, 0, lang),
               groups=nr.number(last.groups, 0, lang), n_old=len(p.old), n_new=len(p.new),
               date=reorganisation_date(lang)) + _placement_text(nat, None, lang)


def _placement_text(nat: NationalResults, new_code: str | None, lang: str) -> str:
    placed = placement(nat, new_code)
    if not placed["named"] + placed["default"]:
        return ""
    return " " + say("province.placed", lang, n=nr.number(placed["named"] + placed["default"], 0, lang),
                     named=nr.number(placed["named"], 0, lang), default=nr.number(placed["default"], 0, lang))


ALTERNATIVES = {"meetings_ols": ("meetings_fwls", "meetings_design"), "checks_ols": ("checks_fwls", "checks_design"),
                "quality": ("quality_fwls",)}  # in the order the brief tries them


def driver(nat: NationalResults, key: str) -> Estimate | None:
    """The estimate the brief prints for a driver (``meetings_ols``, ``checks_ols``, ``quality``): the
    unweighted fit when its interval passed the national gate; else the first of its ``ALTERNATIVES``
    that passed (the precision-weighted fit with CR1, then with the design-based covariance); else the
    unweighted one, whose sentence then says why there is no interval."""
    plain = getattr(nat.national, key)
    for candidate in (plain, *(getattr(nat.national, k) for k in ALTERNATIVES[key])):
        if candidate is not None and findings.printable(candidate):
            return candidate
    return plain


def _weighting(e: Estimate, lang: str) -> str:
    """Said after a driver's sentence when it is the precision-weighted fit, and how its interval is made
    when that is design-based."""
    if e.question.endswith("_design"):
        return " " + say("national.weighted", lang) + " " + say("national.design", lang, n=e.n_clusters)
    return " " + say("national.weighted", lang) if e.question.endswith("_fwls") else ""


def meetings_text(nat: NationalResults, lang: str = "vi") -> str:
    """The national fixed-effects link between meetings and overdue, in percentage points."""
    e = driver(nat, "meetings_ols")
    if e is None:
        return ""
    if not findings.printable(e):
        return "**" + translator(lang)("Họp tổ", "Meetings") + "**: " + findings.gate_note(e, lang)
    return _meetings_sentence(e, lang) + _weighting(e, lang)


def _meetings_sentence(e: Estimate, lang: str) -> str:
    scale = 1.0 if e.units == "pp" else 100.0  # a share's coefficient in percentage points
    if e.excludes_zero:
        return say("national.meetings", lang, size=nr.pp(abs(e.estimate) * scale, 3, lang).lstrip("+"),
                   direction=say("direction.down" if e.estimate < 0 else "direction.up", lang),
                   range=findings.plain_range(nr.pp(e.conf_low * scale, 3, lang), nr.pp(e.conf_high * scale, 3, lang),
                                              lang),
                   n_obs=nr.number(e.n_obs, 0, lang), n_clusters=e.n_clusters)
    return say("national.meetings.none", lang, low=nr.pp(e.conf_low * scale, 3, lang),
               high=nr.pp(e.conf_high * scale, 3, lang), mde=nr.pp(e.mde * scale, 3, lang).lstrip("+"))


def provinces_table(nat: NationalResults, lang: str = "vi") -> pd.DataFrame:
    """Old provinces at the last month, lowest overdue ratio first, with the province each merged into."""
    tr = translator(lang)
    s = nat["province_summary"].sort_values("rank")
    successor = nat.provinces.successor
    new = nat.provinces.new
    return pd.DataFrame({
        tr("Hạng", "Rank"): s["rank"],
        tr("Tỉnh, thành phố (trước 7/2025)", "Province (before 7/2025)"): s["province_name"],
        t("overdue_ratio", lang): s["overdue_ratio"],
        tr("Thay đổi 12 tháng (điểm %)", "Change over 12 months (pp)"): s["change_12m"],
        t("outstanding", lang): s["outstanding"], t("borrowers", lang): s["borrowers"], t("groups", lang): s["groups"],
        tr("Nay thuộc", "Now part of"): s["province"].map(lambda c: new.get(successor.get(c, ""), "")),
    }).reset_index(drop=True)


def new_provinces_table(nat: NationalResults, lang: str = "vi") -> pd.DataFrame:
    """The 34 provinces since July 2025 in the last year (the same groups before and after the change)."""
    tr = translator(lang)
    y = nat["new_province_y"]
    last = y[y["period"] == y["period"].max()].sort_values("overdue_ratio")
    p = nat.provinces
    return pd.DataFrame({
        tr("Tỉnh, thành phố (từ 7/2025)", "Province (since 7/2025)"): last["new_province_name"],
        tr("Gồm các tỉnh cũ", "Made of the former"): last["new_province"].map(
            lambda c: ", ".join(p.old[o] for o in p.predecessors(c))),
        t("overdue_ratio", lang): last["overdue_ratio"], t("outstanding", lang): last["outstanding"],
        t("groups", lang): last["groups"],
    }).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# province reports
# ---------------------------------------------------------------------------------------------

def province_title(name: str, lang: str = "vi") -> str:
    """The province report's Markdown heading with the province's name printed as written."""
    name = escape.markdown(name)
    return translator(lang)(f"# Báo cáo tỉnh: {name}", f"# Province report: {name}")


def province_headline(nat: NationalResults, code: str, lang: str = "vi") -> str:
    s = nat["province_summary"].set_index("province").loc[str(code)]
    p = nat.provinces
    new_code = p.successor.get(str(code), "")
    partners = [escape.markdown(p.old[o]) for o in p.predecessors(new_code) if o != str(code)]
    text = say("province.headline", lang, name=escape.markdown(s.province_name),
               month=nr.month(pd.Period(s.period, "M"), lang),
               ratio=nr.pct(s.overdue_ratio, 2, lang), national=nr.pct(s.national_ratio, 2, lang), rank=int(s["rank"]),
               n=int(s.n_provinces), change=nr.pp(s.change_12m, 2, lang),
               outstanding=nr.number(s.outstanding, 0, lang), borrowers=nr.number(s.borrowers, 0, lang),
               groups=nr.number(s.groups, 0, lang))
    if new_code:
        text += " " + say("province.successor", lang, date=reorganisation_date(lang),
                          new=escape.markdown(p.new.get(new_code, new_code)),
                          partners=", ".join(partners) if partners else say("province.alone", lang))
    return text


def new_province_headline(nat: NationalResults, code: str, lang: str = "vi") -> str:
    p = nat.provinces
    m = nat["new_province_m"]
    mine = m[m["new_province"] == str(code)].sort_values("period")
    if mine.empty:
        raise ValueError(f"{code!r} is not a province since {REORGANISATION_DATE}; have {sorted(p.new)}")
    last = mine.iloc[-1]
    olds = [escape.markdown(p.old[o]) for o in p.predecessors(code)]
    text = say("province.new", lang, name=escape.markdown(p.new[str(code)]), date=reorganisation_date(lang),
               olds=", ".join(olds),
               month=nr.month(last.period, lang), ratio=nr.pct(last.overdue_ratio, 2, lang),
               outstanding=nr.number(last.outstanding, 0, lang), groups=nr.number(last.groups, 0, lang))
    return text + _placement_text(nat, code, lang)


def placement(nat: NationalResults, new_code: str | None = None) -> dict[str, int]:
    """Groups of divided communes placed on the new commune the data name (``named``) or on the official
    default (``default``), in new province ``new_code`` or nationally."""
    pm = nat["province_map"]
    if new_code is not None:
        pm = pm[pm["new_province"].astype(str) == str(new_code)]
    return {key: int(pm[f"groups_{key}"].sum()) if f"groups_{key}" in pm else 0 for key in ("named", "default")}


def predecessors_table(nat: NationalResults, code: str, lang: str = "vi") -> pd.DataFrame:
    """The former provinces merged into a new one, at the last month."""
    tr = translator(lang)
    olds = nat.provinces.predecessors(code)
    s = nat["province_summary"].set_index("province").reindex(olds).reset_index()
    return pd.DataFrame({tr("Tỉnh cũ", "Former province"): s["province_name"],
                         t("overdue_ratio", lang): s["overdue_ratio"],
                         t("outstanding", lang): s["outstanding"], t("borrowers", lang): s["borrowers"],
                         t("groups", lang): s["groups"]})


def districts_table(nat: NationalResults, code: str, lang: str = "vi") -> pd.DataFrame:
    """The province's former districts at the last year end (from the province's own results)."""
    res = nat.province(code)
    y = res["ratio_district_y"]
    last = y[y["period"] == y["period"].max()].sort_values("overdue_ratio", ascending=False)
    cols = ["district_name", "groups", "borrowers", "outstanding", "overdue_ratio"]
    return last[cols].rename(columns={"district_name": t("district", lang)} | {c: t(c, lang) for c in cols[1:]}) \
        .reset_index(drop=True)


def province_policy(nat: NationalResults, code: str, lang: str = "vi") -> str:
    """Directive 40 on the province's own series, and its reform where it had one."""
    res = nat.province(code)
    parts = [findings.directive_sentence(res, lang)]
    if res.reform is not None:
        parts.append(reforms.summary(res, lang))
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------------
# national brief: the drivers, the pooled reform, what the country can detect, the gate
# ---------------------------------------------------------------------------------------------

CHECK_STEP = findings.CHECK_STEP  # "checking 5% more of a group's borrowers in a month"


def _label(key: str, lang: str) -> str:
    return "**" + say(f"national.label.{key}", lang) + "**: "


def _gated(e: Estimate | None, key: str, lang: str) -> str | None:
    """The labelled reason when ``e``'s interval may not be printed; None when it may."""
    if e is None or findings.printable(e):
        return None
    return _label(key, lang) + findings.gate_note(e, lang)


def checks_text(nat: NationalResults, lang: str = "vi") -> str:
    """The national fixed-effects link between loan-use checks and overdue, per ``CHECK_STEP`` more borrowers
    checked in a month, in percentage points."""
    e = driver(nat, "checks_ols")
    if e is None:
        return ""
    blocked = _gated(e, "checks", lang)
    if blocked:
        return blocked
    return _checks_sentence(e, lang) + _weighting(e, lang)


def _checks_sentence(e: Estimate, lang: str) -> str:
    step = nr.pct(100 * CHECK_STEP, 0, lang)
    k = CHECK_STEP * (1.0 if e.units == "pp" else 100.0)
    if e.excludes_zero:
        return say("national.checks", lang, step=step, size=nr.pp(abs(e.estimate) * k, 3, lang).lstrip("+"),
                   direction=say("direction.down" if e.estimate < 0 else "direction.up", lang),
                   range=findings.plain_range(nr.pp(e.conf_low * k, 3, lang), nr.pp(e.conf_high * k, 3, lang), lang),
                   n_clusters=e.n_clusters)
    return say("national.checks.none", lang, step=step, low=nr.pp(e.conf_low * k, 3, lang),
               high=nr.pp(e.conf_high * k, 3, lang), mde=nr.pp(e.mde * k, 3, lang).lstrip("+"))


def quality_text(nat: NationalResults, lang: str = "vi") -> str:
    """Next year's overdue share of groups rated weak against good ones (descriptive, said so)."""
    e = driver(nat, "quality")
    if e is None:
        return ""
    blocked = _gated(e, "quality", lang)
    if blocked:
        return blocked
    rng = findings.plain_range(nr.pp(e.conf_low, 2, lang), nr.pp(e.conf_high, 2, lang), lang)
    if e.excludes_zero:
        text = say("national.quality", lang, size=nr.pp(abs(e.estimate), 2, lang).lstrip("+"), range=rng,
                   direction=say("direction.up" if e.estimate > 0 else "direction.down", lang),
                   n_obs=nr.number(e.n_obs, 0, lang), n_clusters=e.n_clusters)
    else:
        text = say("national.quality.none", lang, range=rng, n_obs=nr.number(e.n_obs, 0, lang))
    return text + _weighting(e, lang) + " " + say("national.quality.meaning", lang)


POOLED_CHAIN = ("reform_level_cr2", "reform_level_hk", "reform_level", "reform_pooled")  # the order the brief tries


def pooled_choice(nat: NationalResults) -> Estimate | None:
    """The pooled reform estimate the brief leads with: the design-weighted ATT (each adopting province by
    the inverse of its modelled variance: ``policy.pooled``) with the first of its intervals that passed
    the national gate, else the simple ATT (each province by its treated group-months), whose sentence
    says why there is no interval when it did not pass either."""
    h = nat.national
    for key in POOLED_CHAIN:
        candidate = getattr(h, key, None)
        if candidate is not None and findings.printable(candidate):
            return candidate
    return h.reform_pooled


def pooled_reform_text(nat: NationalResults, lang: str = "vi") -> str:
    """The reform adopted in several provinces, pooled: estimate, range, MDE, HonestDiD, its scope; or why
    there is none. When the design-weighted estimate leads, how it weighs the provinces and the simple
    average beside it."""
    e = pooled_choice(nat)
    if e is None:
        reason = nat.skipped.get("reform_pooled")
        return _label("reform", lang) + say("national.reform.skipped", lang) if reason else ""
    x = e.extras
    head = _label("reform", lang) + say("national.reform.scope", lang, reform=escape.markdown(x["reform"]),
                                        n_provinces=x["n_provinces"], n_adopting=x["n_adopting_districts"],
                                        n_cohorts=x["n_cohorts"], n_never=x["n_never_districts"])
    if not findings.printable(e):
        return head + " " + findings.gate_note(e, lang)
    if e.excludes_zero:
        body = say("national.reform.change", lang,
                   direction=say("direction.fell" if e.estimate < 0 else "direction.rose", lang),
                   size=pp_size(e.estimate, lang),
                   range=findings.plain_range(nr.pp(e.conf_low, 2, lang), nr.pp(e.conf_high, 2, lang), lang),
                   mde=pp_size(e.mde, lang), n_clusters=e.n_clusters)
    else:
        body = say("national.reform.none", lang, estimate=nr.pp(e.estimate, 2, lang), low=nr.pp(e.conf_low, 2, lang),
                   high=nr.pp(e.conf_high, 2, lang), mde=pp_size(e.mde, lang), n_clusters=e.n_clusters)
    honest = _honest_text(nat, e, lang)
    return head + " " + body + _level_text(nat, e, lang) + honest + _weights_text(nat, e, lang)


def _level_text(nat: NationalResults, e: Estimate, lang: str) -> str:
    """Said when the design-weighted estimate leads: how it weighs the provinces, and the simple ATT."""
    if e.question == "reform_pooled":
        return ""
    text = " " + say("national.reform.level", lang)
    simple = nat.national.reform_pooled
    if simple is not None and findings.printable(simple):
        text += " " + say("national.reform.simple", lang, estimate=nr.pp(simple.estimate, 3, lang),
                          range=findings.plain_range(nr.pp(simple.conf_low, 3, lang),
                                                     nr.pp(simple.conf_high, 3, lang), lang),
                          mde=pp_size(simple.mde, lang))
    return text


def _honest_text(nat: NationalResults, e: Estimate, lang: str) -> str:
    """HonestDiD's breakdown value, named with what it is computed on: the average of the quarterly event
    study's post-adoption coefficients (not the headline ATT)."""
    breakdown = (e.extras.get("honest_breakdown") or {}).get("relative_magnitude")
    if breakdown is None or "national_reform_honest" not in nat or "national_reform_event" not in nat:
        return ""
    name = e.extras["reform"]
    h = nat["national_reform_honest"]
    original = h[(h["reform"].astype(str) == name) & (h["method"] == "original")]
    ev = nat["national_reform_event"]
    quarters = int((ev[ev["reform"].astype(str) == name]["event_quarter"] >= 0).sum())
    if original.empty or not quarters:
        return ""
    fill = dict(quarters=quarters, estimate=nr.pp(float(original["estimate"].iloc[0]), 2, lang))
    if breakdown > 0:
        return " " + say("national.reform.honest", lang, breakdown=nr.number(breakdown, 1, lang), **fill)
    return " " + say("national.reform.honest.none", lang, **fill)


def _weights_text(nat: NationalResults, e: Estimate, lang: str) -> str:
    """Said when some adopting province alone detects a smaller effect than the pooled estimate."""
    if "national_reform_provinces" not in nat or not np.isfinite(e.mde):
        return ""
    if e.question != "reform_pooled":  # the design-weighted estimate: say how many it beats, not why it loses
        own = nat["national_reform_provinces"]
        own = own[(own["reform"].astype(str) == e.extras["reform"]) & (own["term"] == "ATT")]
        if "mde" not in own or own.empty or (own["mde"] < e.mde).any():
            return ""
        return " " + say("national.reform.level.beats", lang, total=len(own),
                         best=pp_size(float(own["mde"].min()), lang))
    own = nat["national_reform_provinces"]
    own = own[(own["reform"].astype(str) == e.extras["reform"]) & (own["term"] == "ATT")]
    if "mde" not in own or own.empty:
        return ""
    better = own[own["mde"] < e.mde]
    if better.empty:
        return ""
    best = better.loc[better["mde"].idxmin()]
    return " " + say("national.reform.weights", lang, n=len(better), total=len(own), best=pp_size(best["mde"], lang),
                     province=escape.markdown(nat.provinces.old.get(str(best["province"]), str(best["province"]))))


def national_finding(nat: NationalResults, lang: str = "vi") -> str:
    """One paragraph per question: the drivers (meetings, checks, group quality), Directive 40 on the
    national series, the dose across provinces, and the reform pooled across provinces."""
    h = nat.national
    directive = (_gated(h.directive, "directive", lang)
                 or findings.directive_text(h.directive, lang, reason=nat.skipped.get("directive", ""),
                                            scope="national"))
    dose = _gated(h.dose, "dose", lang) or findings.dose_text(h.dose, lang, unit="province")
    parts = [meetings_text(nat, lang), checks_text(nat, lang), quality_text(nat, lang), directive, dose,
             pooled_reform_text(nat, lang)]
    return "\n\n".join(p for p in parts if p)


QUESTIONS = {  # detection_table's questions -> (vi, en); the gate table follows this order
    "directive": ("Chỉ thị 40: thay đổi mức (điểm %)",
                  "Directive 40: level change (pp)"),
    "dose": ("Chỉ thị 40 theo mức cần cải thiện (điểm % mỗi buổi họp thiếu)",
             "Directive 40 by need (pp per meeting of shortfall)"),
    "meetings_ols": ("Họp tổ: một buổi họp thêm (điểm %)",
                     "Meetings: one more meeting (pp)"),
    "meetings_fwls": ("Họp tổ, trọng số theo độ chính xác của tỉnh (điểm %)",
                      "Meetings, provinces weighted by precision (pp)"),
    "meetings_design": ("Họp tổ, trọng số theo độ chính xác, khoảng theo thiết kế (điểm %)",
                        "Meetings, weighted, design-based interval (pp)"),
    "checks_ols": ("Kiểm tra sử dụng vốn: toàn bộ hộ so với không hộ nào (điểm %)",
                   "Loan-use checks: every borrower against none (pp)"),
    "checks_fwls": ("Kiểm tra sử dụng vốn, trọng số theo độ chính xác của tỉnh (điểm %)",
                    "Loan-use checks, provinces weighted by precision (pp)"),
    "checks_design": ("Kiểm tra sử dụng vốn, trọng số theo độ chính xác, khoảng theo thiết kế (điểm %)",
                      "Loan-use checks, weighted, design-based interval (pp)"),
    "reform_pooled": ("Cải cách, bình quân theo tổ-tháng áp dụng (điểm %)",
                      "Reform, averaged over treated group-months (pp)"),
    "reform_level_cr2": ("Cải cách, trọng số theo thiết kế (điểm %)",
                         "Reform, design-weighted (pp)"),
    "reform_level_hk": ("Cải cách, trọng số theo thiết kế, khoảng Hartung-Knapp (điểm %)",
                        "Reform, design-weighted, Hartung-Knapp interval (pp)"),
    "reform_level": ("Cải cách, trọng số theo thiết kế, CR1 theo huyện cũ (điểm %)",
                     "Reform, design-weighted, CR1 by former district (pp)"),
    "quality": ("Tổ yếu so với tổ tốt, năm sau (điểm %, mô tả)",
                "Weak against good groups, next year (pp, descriptive)"),
    "quality_fwls": ("Tổ yếu so với tổ tốt, trọng số theo độ chính xác của tỉnh (điểm %, mô tả)",
                     "Weak against good groups, provinces weighted by precision (pp, descriptive)"),
}


def detection_table(nat: NationalResults, lang: str = "vi") -> pd.DataFrame:
    """Each national headline: its estimate, its interval where the gate allows, the smallest effect the
    country detects 4 times out of 5, the one a single province (Sóc Trăng) detects with its own design,
    and whether the data can tell."""
    tr = translator(lang)
    if "national_detect" not in nat:
        return pd.DataFrame()
    d = nat["national_detect"]
    heads = {q: getattr(nat.national, q) for q in d["question"]}
    i = 0 if lang == "vi" else 1
    code = next((c for c in d["province"] if c), "")
    province = nat.provinces.old.get(code, code) if code else ""
    show = d["question"].map(lambda q: heads[q] is not None and findings.printable(heads[q]))
    verdict = [_verdict(r, ok, lang) for r, ok in zip(d.itertuples(), show)]
    level = findings.level_text(lang)
    power = nr.pct(100 * POWER, 0, lang)
    out = pd.DataFrame({
        tr("Câu hỏi", "Question"): d["question"].map(lambda q: QUESTIONS.get(q, (q, q))[i]),
        tr("Cả nước: ước lượng", "Country: estimate"): d["estimate"],
        tr(f"Cận dưới {level}", f"{level} low"): d["conf_low"].where(show),
        tr(f"Cận trên {level}", f"{level} high"): d["conf_high"].where(show),
        tr(f"Cả nước: nhỏ nhất phát hiện được ({power})", f"Country: minimum detectable ({power} power)"): d["mde"],
    })
    if province:
        out[tr(f"{province} riêng: nhỏ nhất phát hiện được", f"{province} alone: minimum detectable")] = \
            d["province_mde"]
    out[tr("Dữ liệu trả lời được?", "Can the data tell?")] = verdict
    return out.reset_index(drop=True)


def _verdict(r, printable: bool, lang: str) -> str:
    if not printable:
        return say("national.detect.unprinted", lang)
    if r.question in ("quality", "quality_fwls"):
        return say("national.detect.descriptive", lang)
    if r.conf_low > 0 or r.conf_high < 0:
        return say("national.detect.yes", lang)
    return say("national.detect.no", lang, mde=pp_size(r.mde, lang))


def detection_text(nat: NationalResults, lang: str = "vi") -> str:
    """The sentence before the detection table: what it compares, and the ratio of the MDEs where both exist."""
    if "national_detect" not in nat:
        return ""
    d = nat["national_detect"]
    code = next((c for c in d["province"] if c), "")
    if not code:
        return say("national.detect.intro.alone", lang)
    both = d[d["mde"].notna() & d["province_mde"].notna() & (d["mde"] > 0)]
    province = escape.markdown(nat.provinces.old.get(code, code))
    text = say("national.detect.intro", lang, province=province)
    if not both.empty:
        ratio = both["province_mde"] / both["mde"]
        text += " " + say("national.detect.ratio", lang, province=province, low=nr.number(ratio.min(), 1, lang),
                          high=nr.number(ratio.max(), 1, lang))
    return text


def gate_table(nat: NationalResults, lang: str = "vi") -> pd.DataFrame:
    """The national Monte Carlo gate of every national headline: false alarms and coverage with their Monte
    Carlo standard errors, and whether the interval is printed."""
    from analysis.words.uncertainty import gate_row

    tr = translator(lang)
    i = 0 if lang == "vi" else 1
    rows = []
    yes, no = tr("có", "yes"), tr("không", "no")
    for question in QUESTIONS:
        e = getattr(nat.national, question, None)
        if e is None:
            continue
        g = gate_row(e)
        rows.append((QUESTIONS[question][i], e.inference if lang == "en" else (g or {}).get("inference", ""),
                     g["reps"] if g else np.nan, 100 * g["size"] if g else np.nan,
                     100 * g["size_se"] if g else np.nan, 100 * g["coverage"] if g else np.nan,
                     100 * g["coverage_se"] if g else np.nan, yes if g and g["passes"] else no))
    return pd.DataFrame(rows, columns=[
        tr("Câu hỏi", "Question"), tr("Suy luận", "Inference"), tr("Số lần mô phỏng", "Replicates"),
        tr(f"Báo động sai (%; danh nghĩa {nr.number(100 * ALPHA, 0, lang)})",
           f"False alarms (%; nominal {nr.number(100 * ALPHA, 0, lang)})"),
        tr("Sai số MC", "MC s.e."), tr(f"Độ phủ (%; danh nghĩa {nr.number(100 * LEVEL, 0, lang)})",
                                       f"Coverage (%; nominal {nr.number(100 * LEVEL, 0, lang)})"),
        tr("Sai số MC ", "MC s.e. "), tr("Khoảng được in", "Interval printed")])


def gate_text(nat: NationalResults, lang: str = "vi") -> str:
    """What the national gate is, with its size (replicates, the synthetic countries' shape)."""
    from analysis.results import montecarlo

    record = montecarlo.gate_record_of("national")
    if not record:
        return say("not_checked", lang, design="national")
    s = record.get("settings", {})
    size, cover = montecarlo.SIZE_BAND, montecarlo.COVERAGE_BAND
    return say("national.gate", lang, reps=nr.number(record["reps"], 0, lang), first=s.get("start", ""),
               last=s.get("end", ""), date=record.get("date", ""),
               size_band=f"{nr.pct(100 * size[0], 0, lang)}–{nr.pct(100 * size[1], 0, lang)}",
               coverage_band=f"{nr.pct(100 * cover[0], 0, lang)}–{nr.pct(100 * cover[1], 0, lang)}")


def reform_provinces_table(nat: NationalResults, lang: str = "vi") -> pd.DataFrame:
    """The pooled reform beside each adopting province's own estimate (its own prepare: randomization
    inference inside the province)."""
    tr = translator(lang)
    e = nat.national.reform_pooled
    if e is None or "national_reform_provinces" not in nat:
        return pd.DataFrame()
    own = nat["national_reform_provinces"]
    own = own[(own["reform"].astype(str) == e.extras["reform"]) & (own["term"] == "ATT")]
    names = nat.provinces.old
    rows = []
    lead = pooled_choice(nat)
    if lead is not None and lead.question != "reform_pooled":
        rows.append((tr("Gộp cả nước, trọng số theo thiết kế", "Pooled, the country, design-weighted"), lead.estimate,
                     lead.conf_low, lead.conf_high, lead.mde))
    show_pooled = findings.printable(e)
    rows.append((tr("Gộp cả nước, bình quân theo tổ-tháng", "Pooled, the country, by treated group-months"),
                 e.estimate, e.conf_low if show_pooled else np.nan, e.conf_high if show_pooled else np.nan, e.mde))
    for r in own.sort_values("province").itertuples():
        rows.append((names.get(str(r.province), str(r.province)), r.estimate, getattr(r, "conf_low", np.nan),
                     getattr(r, "conf_high", np.nan), getattr(r, "mde", np.nan)))
    level = findings.level_text(lang)
    return pd.DataFrame(rows, columns=[tr("Phạm vi", "Scope"), tr("Ước lượng (điểm %)", "Estimate (pp)"),
                                       tr(f"Cận dưới {level}", f"{level} low"),
                                       tr(f"Cận trên {level}", f"{level} high"),
                                       tr("Nhỏ nhất phát hiện được", "Minimum detectable")])


def truth_table(nat: NationalResults, lang: str = "vi") -> pd.DataFrame:
    """Synthetic data only: the national estimates beside the generator's truth (``truth.json``)."""
    truth = (nat.truth or {}).get("national") if nat.synthetic else None
    if not truth:
        return pd.DataFrame()
    from analysis.data.synthetic.country import pooled_reform_truth

    tr = translator(lang)
    i = 0 if lang == "vi" else 1
    h = nat.national
    rows = []
    if h.directive is not None and "level_change_pp" in truth.get("directive40", {}):
        rows.append(("directive", truth["directive40"]["level_change_pp"], h.directive))
    if h.dose is not None and truth.get("dose_response_across_provinces", {}).get("slope_pp_per_meeting") is not None:
        rows.append(("dose", truth["dose_response_across_provinces"]["slope_pp_per_meeting"], h.dose))
    lead = pooled_choice(nat)
    if lead is not None and lead.question != "reform_pooled" and lead.extras.get("level_weights"):
        pooled = pooled_reform_truth(nat.truth["provinces"], lead.extras["provinces"],
                                     weights=lead.extras["level_weights"])
        if "att_pp" in pooled:
            rows.append((lead.question, pooled["att_pp"], lead))
    if h.reform_pooled is not None:
        pooled = pooled_reform_truth(nat.truth["provinces"], h.reform_pooled.extras["provinces"])
        if "att_simple_pp" in pooled:
            rows.append(("reform_pooled", pooled["att_simple_pp"], h.reform_pooled))
    level = findings.level_text(lang)

    def covered(true: float, e: Estimate) -> str:
        if not findings.printable(e):
            return tr("khoảng không được in", "interval not printed")
        return tr("có", "yes") if e.conf_low <= true <= e.conf_high else tr("không", "no")

    return pd.DataFrame([(QUESTIONS[q][i], true, e.estimate, e.conf_low if findings.printable(e) else np.nan,
                          e.conf_high if findings.printable(e) else np.nan, covered(true, e))
                         for q, true, e in rows],
                        columns=[tr("Đại lượng", "Quantity"), tr("Giá trị thật", "Truth"), tr("Ước lượng", "Estimate"),
                                 tr(f"Cận dưới {level}", f"{level} low"), tr(f"Cận trên {level}", f"{level} high"),
                                 tr("Khoảng chứa giá trị thật", "Interval covers the truth")])
