"""Tables, sentences and figures of the per-district report, from the shared inputs.

Nothing is refitted here: the district report filters what ``report_inputs.prepare`` computed
once for the whole province. Every table that describes borrowers passes through
``privacy.suppress_small`` (cells under 5 borrowers are blanked).
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd

from analysis.words import narrative as nr
from analysis.data import privacy
from analysis.words.i18n import t, translator

ATTENTION_ROWS = 25  # the report lists at most this many groups, worst first


@dataclass(frozen=True)
class DistrictView:
    """The shared tables restricted to one district (and the province for comparison)."""

    code: str
    name: str
    names: dict
    shared: object

    @classmethod
    def build(cls, shared, district_code: str) -> "DistrictView":
        names = shared.meta["districts"]
        code = str(district_code)
        if code not in names:
            listing = ", ".join(f"{k} ({v})" for k, v in sorted(names.items()))
            raise ValueError(f"district_code {code!r} is not in the data; choose one of: {listing}")
        return cls(code=code, name=names[code], names=names, shared=shared)

    def _mine(self, name: str) -> pd.DataFrame:
        table = self.shared[name]
        return table[table["district"].astype(str) == self.code]

    @property
    def ratio_m(self) -> pd.DataFrame:
        return self._mine("ratio_district_m")

    @property
    def ratio_y(self) -> pd.DataFrame:
        return self._mine("ratio_district_y")

    @property
    def ratings(self) -> pd.DataFrame:
        return self._mine("rating_district_y")

    @property
    def expected(self) -> pd.DataFrame:
        return self._mine("expected_district_y")


def _latest(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["period"] == table["period"].max()]


def headline(view: DistrictView, lang: str = "vi") -> str:
    tr = translator(lang)
    mine, prov = view.ratio_m.iloc[-1], view.shared["ratio_province_m"].iloc[-1]
    all_d = view.shared["ratio_district_m"]
    latest = all_d[all_d["period"] == all_d["period"].max()].sort_values("overdue_ratio").reset_index(drop=True)
    rank = int(latest.index[latest["district"].astype(str) == view.code][0]) + 1
    year_ago = view.ratio_m[view.ratio_m["period"] == mine.period - 12]
    change = (mine.overdue_ratio - year_ago["overdue_ratio"].iloc[0]) if len(year_ago) else float("nan")
    when = nr.month(mine.period, lang)
    text = tr(
        f"Tại **{view.name}**, tỷ lệ nợ quá hạn {when} là **{nr.pct(mine.overdue_ratio, 2, lang)}** "
        f"(toàn tỉnh {nr.pct(prov.overdue_ratio, 2, lang)}), thấp thứ {rank}/{len(latest)} huyện",
        f"In **{view.name}**, the overdue ratio in {when} was **{nr.pct(mine.overdue_ratio, 2, lang)}** "
        f"(province {nr.pct(prov.overdue_ratio, 2, lang)}), the {_ordinal(rank)} lowest of {len(latest)} districts")
    if change == change:
        text += tr(f"; so với cùng kỳ năm trước: {nr.pp(change, 2, lang)}.",
                   f"; against a year earlier: {nr.pp(change, 2, lang)}.")
    return text + tr(f" Dư nợ {nr.number(mine.outstanding, 0, lang)} triệu đồng, {nr.number(mine.borrowers, 0, lang)} "
                     f"hộ vay trong {nr.number(mine.groups, 0, lang)} tổ.",
                     f" Outstanding {nr.number(mine.outstanding, 0, lang)} million VND, "
                     f"{nr.number(mine.borrowers, 0, lang)} borrowers in {nr.number(mine.groups, 0, lang)} groups.")


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def kpi_table(view: DistrictView, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    shared = view.shared
    mine_m, prov_m = view.ratio_m.iloc[-1], shared["ratio_province_m"].iloc[-1]
    rating_d, rating_p = _latest(view.ratings).iloc[0], _latest(shared["rating_province_y"]).iloc[0]
    cov_d = _latest(view._mine("coverage_district_y")).iloc[0]
    cov_p = _latest(shared["coverage_province_y"]).iloc[0]
    comp = shared["compliance_commune_y"]
    comp_last = comp[comp["period"] == comp["period"].max()]
    comp_d = comp_last[comp_last["district"].astype(str) == view.code]
    rows = [
        (t("overdue_ratio", lang), mine_m.overdue_ratio, prov_m.overdue_ratio),
        (t("overdue_frozen_ratio", lang), mine_m.overdue_frozen_ratio, prov_m.overdue_frozen_ratio),
        (t("outstanding", lang), mine_m.outstanding, prov_m.outstanding),
        (t("borrowers", lang), mine_m.borrowers, prov_m.borrowers),
        (t("groups", lang), mine_m.groups, prov_m.groups),
        (t("weak_pct", lang), rating_d.weak_pct, rating_p.weak_pct),
        (t("coverage_pct", lang), cov_d.coverage_pct, cov_p.coverage_pct),
        (tr("Giao ban cấp xã đúng kỳ (%)", "Commune briefings held on schedule (%)"),
         100 * comp_d["held"].sum(min_count=1) / comp_d["scheduled"].sum(),
         100 * comp_last["held"].sum(min_count=1) / comp_last["scheduled"].sum()),
    ]
    return pd.DataFrame(rows, columns=[tr("Chỉ số", "Indicator"), view.name, t("province", lang)])


def association_table(view: DistrictView, lang: str = "vi") -> pd.DataFrame:
    table = _latest(view._mine("ratio_district_association_y"))
    table = privacy.suppress_small(table, columns=["groups", "outstanding", "overdue_ratio"])
    out = pd.DataFrame({
        t("association", lang): table["association"].map(lambda a: t(a, lang)),
        t("groups", lang): table["groups"], t("borrowers", lang): table["borrowers"],
        t("outstanding", lang): table["outstanding"], t("overdue_ratio", lang): table["overdue_ratio"],
        "suppressed": table["suppressed"],  # not shown; marks the blanked cells in the Excel tables
    })
    return out.reset_index(drop=True)


def commune_table(view: DistrictView, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    ratio = _latest(view._mine("ratio_commune_y"))
    cov = _latest(view._mine("coverage_commune_y"))[["commune", "coverage_pct"]]
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


def activity_table(view: DistrictView, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    comp_c = view._mine("compliance_commune_y").groupby("period")[["scheduled", "held"]].sum(min_count=1)
    comp_d = view._mine("compliance_district_y").groupby("period")[["scheduled", "held"]].sum(min_count=1)
    cov = view._mine("coverage_district_y").set_index("period")["coverage_pct"]
    act = view._mine("activity_district_y").set_index("period")
    out = pd.DataFrame({
        tr("Giao ban xã đúng kỳ (%)", "Commune briefings on schedule (%)"): 100 * comp_c["held"] / comp_c["scheduled"],
        tr("Giao ban huyện đúng kỳ (%)", "District briefings on schedule (%)"): 100 * comp_d["held"] / comp_d["scheduled"],
        tr("Hộ được kiểm tra 12 tháng (%)", "Borrowers checked in 12 months (%)"): cov,
        tr("Họp tổ bình quân mỗi tháng", "Group meetings per month, mean"): act["meetings_mean"],
    })
    out.index = out.index.astype(str)
    return out.reset_index(names=t("year", lang))


def expected_sentence(view: DistrictView, lang: str = "vi") -> str:
    tr = translator(lang)
    last = view.expected.sort_values("year").iloc[-1]
    eff = view.shared["mixed_district_effects"]
    row = eff[eff["district"].astype(str) == view.code].iloc[0]
    verdict = (tr("cao hơn", "above") if row.conf_low > 0 else tr("thấp hơn", "below") if row.conf_high < 0
               else tr("không khác rõ rệt so với", "not clearly different from"))
    return tr(
        f"Năm {int(last.year)}, tỷ lệ nợ quá hạn thực tế của {view.name} là {nr.pct(last.actual_ratio, 2, lang)}; "
        f"theo mô hình (cùng mức họp tổ, kiểm tra và cơ cấu hội đoàn thể như bình quân tỉnh) kỳ vọng "
        f"{nr.pct(last.expected_ratio, 2, lang)}, chênh lệch {nr.pp(last.excess_pp, 2, lang)}. Qua cả giai đoạn, "
        f"hiệu ứng huyện ước lượng bằng mô hình hỗn hợp là {nr.pp(row.effect, 2, lang)} "
        f"(khoảng 95% {nr.interval(row.conf_low, row.conf_high, 2, lang)}): {verdict} mức chung của tỉnh.",
        f"In {int(last.year)}, {view.name}'s actual overdue ratio was {nr.pct(last.actual_ratio, 2, lang)}; the model "
        f"(same meetings, checks and association mix as the province average) expects "
        f"{nr.pct(last.expected_ratio, 2, lang)}, a gap of {nr.pp(last.excess_pp, 2, lang)}. Over the whole period "
        f"the mixed model's district effect is {nr.pp(row.effect, 2, lang)} (95% interval "
        f"{nr.interval(row.conf_low, row.conf_high, 2, lang)}): {verdict} the province's level.")


def expected_figure(view: DistrictView, lang: str = "vi", *, synthetic: bool = False):
    tr = translator(lang)
    data = view.expected.sort_values("year")
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.plot(data["year"], data["actual_ratio"], marker="o", color="#08519c", label=tr("Thực tế", "Actual"))
    ax.plot(data["year"], data["expected_ratio"], marker="s", ls="--", color="#737373",
            label=tr("Kỳ vọng theo mô hình", "Model-expected"))
    ax.set_ylabel(t("overdue_ratio", lang))
    ax.set_xlabel(t("year", lang))
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    ax.set_title(tr(f"{view.name}: thực tế và kỳ vọng (tháng cuối mỗi năm)",
                    f"{view.name}: actual and expected (last month of each year)"), loc="left", fontsize=11)
    if synthetic:
        fig.text(0.99, 0.01, t("synthetic", lang), ha="right", va="bottom", fontsize=7, color="#a50f15")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def attention_table(view: DistrictView, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    table = view._mine("attention_groups").head(ATTENTION_ROWS)
    reasons = {"overdue>=5%": tr("nợ quá hạn ≥ 5%", "overdue ≥ 5%"), "weak": tr("xếp loại yếu", "rated weak"),
               "no_meeting_3m": tr("không họp 3 tháng", "no meeting in 3 months")}
    out = pd.DataFrame({
        tr("Mã tổ", "Group"): table["group_id"], t("commune", lang): table["commune_name"],
        t("association", lang): table["association"].map(lambda a: t(a, lang)),
        t("borrowers", lang): table["borrowers"], t("overdue_ratio", lang): table["overdue_ratio"],
        t("rating", lang): table["last_rating"].map(lambda r: t(r, lang) if r in ("good", "fair", "average", "weak") else ""),
        tr("Lý do", "Why"): table["reasons"].map(lambda s: ", ".join(reasons.get(k.strip(), k) for k in s.split(","))),
    })
    privacy.assert_publishable(out)
    return out.reset_index(drop=True)
