"""Tables and sentences of the per-district report, from the typed results.

Names from the data go into sentences through ``words.escape.markdown`` (printed as written).
Nothing is computed here beyond selecting and labelling: ranks, changes and compliance come from
``Results.district(code)`` (computed once by the prepare step for every district). Every table that
describes borrowers passes through ``privacy.suppress_small`` (cells under ``MIN_BORROWERS``
borrowers are blanked) and ``privacy.assert_publishable``.
"""

from __future__ import annotations

import pandas as pd

from analysis.data import privacy
from analysis.results.estimates import Results
from analysis.words import escape
from analysis.words import narrative as nr
from analysis.words.findings import level_text, plain_range
from analysis.words.i18n import t, translator
from analysis.words.messages import say

ATTENTION_ROWS = 25  # the report lists at most this many groups, worst first
REASONS = ("overdue_5pct", "rated_weak", "no_meeting_3m")


def _latest(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["period"] == table["period"].max()]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def title(results: Results, code: str, lang: str = "vi") -> str:
    """The report's Markdown heading with the district's name printed as written."""
    name = escape.markdown(results.district(code).name)
    return translator(lang)(f"# Báo cáo huyện: {name}", f"# District report: {name}")


def headline(results: Results, code: str, lang: str = "vi") -> str:
    d = results.district(code)
    text = say("district.headline", lang, name=escape.markdown(d.name), month=nr.month(d.period, lang),
               ratio=nr.pct(d.overdue_ratio, 2, lang), province=nr.pct(d.province_ratio, 2, lang), rank=d.rank,
               n=d.n_districts, rank_ordinal=_ordinal(d.rank))
    if d.change_12m == d.change_12m:
        text += say("district.change", lang, change=nr.pp(d.change_12m, 2, lang))
    else:
        text += "."
    return text + say("district.size", lang, outstanding=nr.number(d.outstanding, 0, lang),
                      borrowers=nr.number(d.borrowers, 0, lang), groups=nr.number(d.groups, 0, lang))


def kpi_table(results: Results, code: str, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    d = results.district(code)
    mine_m = results.of_district("ratio_district_m", code).iloc[-1]
    prov_m = results["ratio_province_m"].iloc[-1]
    rating_d = _latest(results.of_district("rating_district_y", code)).iloc[0]
    rating_p = _latest(results["rating_province_y"]).iloc[0]
    cov_d = _latest(results.of_district("coverage_district_y", code)).iloc[0]
    cov_p = _latest(results["coverage_province_y"]).iloc[0]
    rows = [
        (t("overdue_ratio", lang), mine_m.overdue_ratio, prov_m.overdue_ratio),
        (t("overdue_frozen_ratio", lang), mine_m.overdue_frozen_ratio, prov_m.overdue_frozen_ratio),
        (t("outstanding", lang), mine_m.outstanding, prov_m.outstanding),
        (t("borrowers", lang), mine_m.borrowers, prov_m.borrowers),
        (t("groups", lang), mine_m.groups, prov_m.groups),
        (t("weak_pct", lang), rating_d.weak_pct, rating_p.weak_pct),
        (t("coverage_pct", lang), cov_d.coverage_pct, cov_p.coverage_pct),
        (tr("Giao ban cấp xã đúng kỳ (%)", "Commune briefings held on schedule (%)"), d.compliance_pct,
         d.province_compliance_pct),
    ]
    return pd.DataFrame(rows, columns=[tr("Chỉ số", "Indicator"), d.name, t("province", lang)])


def association_table(results: Results, code: str, lang: str = "vi") -> pd.DataFrame:
    table = _latest(results.of_district("ratio_district_association_y", code))
    table = privacy.suppress_small(table, columns=["groups", "outstanding", "overdue_ratio"])
    out = pd.DataFrame({
        t("association", lang): table["association"].map(lambda a: t(a, lang)),
        t("groups", lang): table["groups"], t("borrowers", lang): table["borrowers"],
        t("outstanding", lang): table["outstanding"], t("overdue_ratio", lang): table["overdue_ratio"],
        "suppressed": table["suppressed"],  # not shown; marks the blanked cells in the Excel tables
    })
    return out.reset_index(drop=True)


def commune_table(results: Results, code: str, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    ratio = _latest(results.of_district("ratio_commune_y", code))
    cov = _latest(results.of_district("coverage_commune_y", code))[["commune", "coverage_pct"]]
    table = ratio.merge(cov, on="commune", how="left")
    table = privacy.suppress_small(table, columns=["groups", "outstanding", "overdue_ratio", "coverage_pct"])
    out = pd.DataFrame({
        t("commune", lang): table["commune_name"], t("groups", lang): table["groups"],
        t("borrowers", lang): table["borrowers"], t("outstanding", lang): table["outstanding"],
        t("overdue_ratio", lang): table["overdue_ratio"],
        tr("Được kiểm tra 12 tháng (%)", "Checked in 12 months (%)"): table["coverage_pct"],
        "suppressed": table["suppressed"],  # not shown; marks the blanked cells in the Excel tables
    })
    return out.sort_values(t("overdue_ratio", lang), ascending=False, na_position="last").reset_index(drop=True)


def commune_caption(lang: str) -> str:
    tr = translator(lang)
    return tr(f"Các xã (ô mô tả dưới {privacy.MIN_BORROWERS} hộ vay được ẩn)",
              f"Communes (cells describing fewer than {privacy.MIN_BORROWERS} borrowers are suppressed)")


def activity_table(results: Results, code: str, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    comp_c = results.of_district("compliance_commune_y", code).groupby("period")[["scheduled", "held"]].sum(min_count=1)
    comp_d = results.of_district("compliance_district_y", code).groupby("period")[["scheduled",
                                                                                   "held"]].sum(min_count=1)
    cov = results.of_district("coverage_district_y", code).set_index("period")["coverage_pct"]
    act = results.of_district("activity_district_y", code).set_index("period")
    out = pd.DataFrame({
        tr("Giao ban xã đúng kỳ (%)", "Commune briefings on schedule (%)"): 100 * comp_c["held"] / comp_c["scheduled"],
        tr("Giao ban huyện đúng kỳ (%)",
           "District briefings on schedule (%)"): 100 * comp_d["held"] / comp_d["scheduled"],
        tr("Hộ được kiểm tra 12 tháng (%)", "Borrowers checked in 12 months (%)"): cov,
        tr("Họp tổ bình quân mỗi tháng", "Group meetings per month, mean"): act["meetings_mean"],
    })
    out.index = out.index.astype(str)
    return out.reset_index(names=t("year", lang))


def expected_sentence(results: Results, code: str, lang: str = "vi") -> str:
    last = results.of_district("expected_district_y", code).sort_values("year").iloc[-1]
    eff = results.of_district("mixed_district_effects", code).iloc[0]
    verdict = say("verdict.above" if eff.conf_low > 0 else "verdict.below" if eff.conf_high < 0 else "verdict.same",
                  lang)
    return say("district.expected", lang, year=int(last.year), name=escape.markdown(results.district(code).name),
               actual=nr.pct(last.actual_ratio, 2, lang), expected=nr.pct(last.expected_ratio, 2, lang),
               gap=nr.pp(last.excess_pp, 2, lang), effect=nr.pp(eff.effect, 2, lang),
               range=plain_range(nr.pp(eff.conf_low, 2, lang), nr.pp(eff.conf_high, 2, lang), lang), verdict=verdict)


REORGANISATION_DAY = "2025-07-01"  # National Assembly Resolution 202/2025/QH15 (domain.md 5.2)


def reorganisation_sentence(results: Results, code: str, lang: str = "vi") -> str:
    """How the district's area is organised after July 2025, or that the data end before it."""
    day = pd.Timestamp(REORGANISATION_DAY)
    date = f"{day.day}/{day.month}/{day.year}" if lang == "vi" else f"{day:%d %B %Y}".lstrip("0")
    areas = results.of_district("district_areas", code) if "district_areas" in results else pd.DataFrame()
    if areas.empty or not bool(areas["reorganised"].iloc[0]):
        return say("district.not_reorganised", lang, date=date)
    provinces = ", ".join(escape.markdown(p) for p in sorted(set(areas["new_province_name"].astype(str))))
    n_shared = int((areas["other_districts"].astype(str) != "").sum())
    shared = say("district.reorganised.shared", lang, n_shared=n_shared) if n_shared else ""
    text = say("district.reorganised", lang, date=date, name=escape.markdown(results.district(code).name),
               provinces=provinces,
               n_old=int(areas["communes"].sum()), n_new=len(areas), shared=shared)
    months = results.meta.get("months") or []
    if len(months) == 2 and pd.Period(months[1], "M") < day.to_period("M"):  # data of the old units only
        text = say("district.not_reorganised", lang, date=date) + " " + text
    return text


def reorganisation_table(results: Results, code: str, lang: str = "vi") -> pd.DataFrame:
    """The new communes covering the district's area: name, old communes of this district in it, all old
    communes merged into it, other former districts it covers."""
    tr = translator(lang)
    areas = results.of_district("district_areas", code) if "district_areas" in results else pd.DataFrame()
    if areas.empty or not bool(areas["reorganised"].iloc[0]):
        return pd.DataFrame()
    return pd.DataFrame({
        tr("Xã, phường mới", "New commune"): areas["new_commune_name"],
        tr("Tỉnh, thành phố mới", "New province"): areas["new_province_name"],
        tr("Số xã cũ của huyện", "Old communes of this district"): areas["communes"],
        tr("Tổng số xã cũ sáp nhập", "Old communes merged in all"): areas["communes_in_new"],
        tr("Gồm cả huyện cũ", "Also covers former district"): areas["other_districts"].map(
            lambda s: ", ".join(results.districts.get(d.strip(), d.strip()) for d in str(s).split(",") if d.strip())),
    })


def attention_caption(lang: str) -> str:
    from analysis.results.prepare import ATTENTION_OVERDUE_PCT

    pct = nr.pct(ATTENTION_OVERDUE_PCT, 0, lang)
    return translator(lang)(
        f"Tổ có nợ quá hạn từ {pct}, xếp loại yếu, hoặc không họp trong 3 tháng (không có thông tin cá nhân hộ vay)",
        f"Groups with overdue of {pct} or more, rated weak, or no meeting in 3 months (no borrower data)")


def attention_table(results: Results, code: str, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    table = results.of_district("attention_groups", code).head(ATTENTION_ROWS)
    from analysis.results.prepare import ATTENTION_OVERDUE_PCT

    pct = nr.pct(ATTENTION_OVERDUE_PCT, 0, lang)
    labels = {"overdue_5pct": tr(f"nợ quá hạn ≥ {pct}", f"overdue ≥ {pct}"), "rated_weak": tr("xếp loại yếu",
                                                                                              "rated weak"),
              "no_meeting_3m": tr("không họp 3 tháng", "no meeting in 3 months")}
    why = table[list(REASONS)].apply(lambda r: ", ".join(labels[k] for k in REASONS if r[k]), axis=1)
    out = pd.DataFrame({
        tr("Mã tổ", "Group"): table["group_id"], t("commune", lang): table["commune_name"],
        t("association", lang): table["association"].map(lambda a: t(a, lang)),
        t("borrowers", lang): table["borrowers"], t("overdue_ratio", lang): table["overdue_ratio"],
        t("rating", lang): table["last_rating"].map(lambda r: t(r, lang) if r in ("good", "fair", "average",
                                                                                  "weak") else ""),
        tr("Lý do", "Why"): why if len(table) else pd.Series(dtype=str),
    })
    privacy.assert_publishable(out)
    return out.reset_index(drop=True)


__all__ = ["activity_table", "association_table", "attention_caption", "attention_table", "commune_caption",
           "commune_table", "expected_sentence", "headline", "kpi_table", "level_text", "reorganisation_sentence",
           "reorganisation_table"]
