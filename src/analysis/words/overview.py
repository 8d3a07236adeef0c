"""Province-level descriptive tables, sentences and figures for the descriptives notebook."""

from __future__ import annotations

import pandas as pd

from analysis.words import narrative as nr
from analysis.words.i18n import t, translator


def province_sentence(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    prov = shared["ratio_province_m"]
    first, last = prov.iloc[0], prov.iloc[-1]
    a, b = nr.pct(first.overdue_ratio, 2, lang), nr.pct(last.overdue_ratio, 2, lang)
    m0, m1 = nr.month(first.period, lang), nr.month(last.period, lang)
    out, bor = nr.number(last.outstanding, 0, lang), nr.number(last.borrowers, 0, lang)
    return tr(f"Tỷ lệ nợ quá hạn toàn tỉnh từ **{a}** ({m0}) còn **{b}** ({m1}); dư nợ {out} triệu đồng, "
              f"{bor} hộ vay, {nr.number(last.groups, 0, lang)} tổ.",
              f"The province's overdue ratio went from **{a}** ({m0}) to **{b}** ({m1}); outstanding {out} "
              f"million VND, {bor} borrowers, {nr.number(last.groups, 0, lang)} groups.")


def district_table(shared, lang: str = "vi") -> pd.DataFrame:
    year = shared["ratio_district_y"]
    latest = year[year["period"] == year["period"].max()]
    cols = ["district_name", "groups", "borrowers", "outstanding", "overdue_ratio", "overdue_frozen_ratio"]
    out = latest[cols].sort_values("overdue_ratio", ascending=False)
    return out.rename(columns={"district_name": t("district", lang)} | {c: t(c, lang) for c in cols[1:]})


def district_caption(shared, lang: str = "vi") -> str:
    period = shared["ratio_district_y"]["period"].max()
    last_month = shared["ratio_province_m"]["period"].max()
    return translator(lang)(f"Các huyện, số dư cuối kỳ {nr.month(last_month, lang)} (năm {period})",
                            f"Districts, balances at {nr.month(last_month, lang)} (year {period})")


def weak_groups_sentence(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    wu = shared["rating_association_y"].query("association == 'WU'").set_index("period")
    first_year = pd.Period("2016", "Y") if pd.Period("2016", "Y") in wu.index else wu.index[0]
    last_year = wu.index[-1]
    a, b = nr.number(wu.loc[first_year, "weak"], 0, lang), nr.number(wu.loc[last_year, "weak"], 0, lang)
    return tr(f"Số tổ do Hội Phụ nữ quản lý xếp loại yếu: **{a}** năm {first_year}, **{b}** năm {last_year}.",
              f"Women's Union groups rated weak: **{a}** in {first_year}, **{b}** in {last_year}.")


def compliance_table(shared, lang: str = "vi") -> pd.DataFrame:
    """Compliance (percent of scheduled briefings held) by level and year, one column per level."""
    rows = []
    for level in ("province", "district", "commune"):
        table = shared[f"compliance_{level}_y"]
        agg = table.groupby("period")[["scheduled", "held"]].sum(min_count=1)
        rows.append((100 * agg["held"] / agg["scheduled"]).rename(level))
    out = pd.concat(rows, axis=1).reset_index()
    out["period"] = out["period"].astype(str)
    tr = translator(lang)
    return out.rename(columns={"period": t("year", lang), "province": tr("Tỉnh", "Province"),
                               "district": tr("Huyện", "District"), "commune": tr("Xã", "Commune")})


def compliance_caption(lang: str = "vi") -> str:
    """Caption naming each level's schedule from the contract (one place for the schedule)."""
    from analysis.data.contract import BRIEFING_INTERVAL_MONTHS as every

    tr = translator(lang)
    return tr(f"Tỷ lệ kỳ giao ban được tổ chức (%; tỉnh: {every['province']} tháng; huyện: {every['district']} tháng; "
              f"xã: {every['commune']} tháng)",
              f"Share of scheduled briefings held (%; province: every {every['province']} months; district: every "
              f"{every['district']} months; commune: every {every['commune']} month)")
