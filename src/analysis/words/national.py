"""Words and tables of the national brief and the province reports (a national results folder).

Everything reads ``NationalResults`` (``analysis.results``): the national headlines, the national
tables, and each old province's own ``Results``. Intervals are printed only where the method passed
the Monte Carlo gate (``findings.printable``), as in the province reports.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.contract import REORGANISATION_DATE
from analysis.results.country import NationalResults
from analysis.words import escape, findings, reforms
from analysis.words import narrative as nr
from analysis.words.i18n import t, translator
from analysis.words.messages import say


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


def meetings_text(nat: NationalResults, lang: str = "vi") -> str:
    """The national fixed-effects link between meetings and overdue, in percentage points."""
    e = nat.national.meetings_ols
    if e is None:
        return ""
    if not findings.printable(e):
        return "**" + translator(lang)("Họp tổ", "Meetings") + "**: " + findings.gate_note(e, lang)
    scale = 1.0 if e.units == "pp" else 100.0  # a share's coefficient in percentage points
    if e.excludes_zero:
        return say("national.meetings", lang, size=nr.pp(abs(e.estimate) * scale, 3, lang).lstrip("+"),
                   direction=say("direction.down" if e.estimate < 0 else "direction.up", lang),
                   range=findings.plain_range(nr.pp(e.conf_low * scale, 3, lang), nr.pp(e.conf_high * scale, 3, lang),
                                              lang),
                   n_obs=nr.number(e.n_obs, 0, lang), n_clusters=e.n_clusters)
    return say("national.meetings.none", lang, low=nr.pp(e.conf_low * scale, 3, lang),
               high=nr.pp(e.conf_high * scale, 3, lang), mde=nr.pp(e.mde * scale, 3, lang).lstrip("+"))


def national_finding(nat: NationalResults, lang: str = "vi") -> str:
    """One paragraph per question: meetings, Directive 40 on the national series, the dose across provinces."""
    h = nat.national
    parts = [meetings_text(nat, lang),
             findings.directive_text(h.directive, lang, reason=nat.skipped.get("directive", ""), scope="national"),
             findings.dose_text(h.dose, lang, unit="province")]
    return "\n\n".join(p for p in parts if p)


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
