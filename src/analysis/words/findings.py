"""Findings in words, tables and figures for the drivers, policy and evidence-brief notebooks.

Every number in a sentence comes from the shared results (``report_inputs``), formatted once by
``analysis.words.narrative``; nothing here fits a model.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.words import narrative as nr
from analysis import plots
from analysis.data.contract import DIRECTIVE_40_MONTH
from analysis.words.i18n import t, translator

LEVEL = 0.95


def _row(table: pd.DataFrame, term: str) -> pd.Series:
    hit = table[table["term"] == term]
    if hit.empty:
        raise KeyError(f"term {term!r} not in results; have {list(table['term'])}")
    return hit.iloc[0]


def _pct_change(beta: float) -> float:
    return 100 * (math.exp(beta) - 1)


def _province_ratio(shared) -> float:
    return float(shared["ratio_province_m"]["overdue_ratio"].iloc[-1])


# ---------------------------------------------------------------------------------------------
# drivers of overdue
# ---------------------------------------------------------------------------------------------

def meetings_effect(shared) -> dict:
    """The headline: FE Poisson semi-elasticity of overdue to one more meeting, in % and pp."""
    row = _row(shared["model_fe_poisson"], "group_meetings")
    ratio = _province_ratio(shared)
    return {
        "pct": _pct_change(row.estimate), "pct_low": _pct_change(row.conf_low), "pct_high": _pct_change(row.conf_high),
        "pp": ratio * (math.exp(row.estimate) - 1), "pp_low": ratio * (math.exp(row.conf_low) - 1),
        "pp_high": ratio * (math.exp(row.conf_high) - 1), "ratio": ratio, "p_value": row.p_value,
    }


def checks_effect(shared, step: float = 0.05) -> dict:
    """Effect of checking ``step`` more of a group's borrowers in a month (FE Poisson)."""
    row = _row(shared["model_fe_poisson"], "check_share")
    ratio = _province_ratio(shared)
    f = lambda b: 100 * (math.exp(b * step) - 1)  # noqa: E731
    return {"step_pct_points": 100 * step, "pct": f(row.estimate), "pct_low": f(row.conf_low),
            "pct_high": f(row.conf_high), "pp": ratio * f(row.estimate) / 100, "ratio": ratio}


def meetings_sentence(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    e = meetings_effect(shared)
    ci = nr.interval(e["pct_low"], e["pct_high"], 1, lang)
    c = checks_effect(shared)
    cci = nr.interval(c["pct_low"], c["pct_high"], 1, lang)
    return tr(
        f"So sánh **cùng một tổ** qua các tháng (hiệu ứng cố định tổ và tháng, Poisson giả hợp lý cực đại): "
        f"tháng tổ họp thêm một buổi đi kèm nợ quá hạn kỳ vọng thay đổi **{nr.pct(e['pct'], 1, lang)}** "
        f"(khoảng tin cậy 95% {ci}), tức khoảng {nr.pp(e['pp'], 2, lang)} trên tỷ lệ nợ quá hạn toàn tỉnh hiện nay "
        f"({nr.pct(e['ratio'], 2, lang)}). Kiểm tra sử dụng vốn thêm {nr.number(c['step_pct_points'], 0, lang)}% số hộ "
        f"trong tháng đi kèm thay đổi {nr.pct(c['pct'], 1, lang)} (khoảng 95% {cci}).",
        f"Comparing **the same group** across months (group and month fixed effects, Poisson pseudo-ML): a month "
        f"with one more group meeting goes with an expected overdue change of **{nr.pct(e['pct'], 1, lang)}** "
        f"(95% interval {ci}), about {nr.pp(e['pp'], 2, lang)} on today's province overdue ratio "
        f"({nr.pct(e['ratio'], 2, lang)}). Checking the loan use of {nr.number(c['step_pct_points'], 0, lang)}% more "
        f"borrowers in a month goes with a change of {nr.pct(c['pct'], 1, lang)} (95% interval {cci}).")


def pooled_vs_fe_sentence(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    pooled = _row(shared["model_pooled_poisson"], "group_meetings").estimate
    fe = _row(shared["model_fe_poisson"], "group_meetings").estimate
    a, b = nr.pct(_pct_change(pooled), 1, lang), nr.pct(_pct_change(fe), 1, lang)
    return tr(
        f"So sánh **giữa các tổ** (không có hiệu ứng cố định tổ) cho {a} mỗi buổi họp, so với {b} khi so sánh trong "
        f"cùng một tổ. Khác biệt này là dấu hiệu của yếu tố không quan sát được ở cấp tổ (ví dụ năng lực tổ trưởng) "
        f"vừa làm tổ họp nhiều hơn vừa làm nợ quá hạn thấp hơn: ước lượng gộp phóng đại tác động của họp tổ.",
        f"Comparing **across groups** (no group fixed effects) gives {a} per meeting, against {b} within the same "
        f"group. The gap signals an unobserved group trait (such as the group head's capacity) that both raises "
        f"meetings and lowers overdue: the pooled estimate overstates what meetings do.")


def bootstrap_table(shared, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    cr1 = _row(shared["model_fe_ols"], "group_meetings")
    boot = shared["model_wild_bootstrap"].iloc[0]
    bound = boot.get("p_value_bound", np.nan)  # set when no bootstrap draw was as extreme: p < 1/reps
    boot_p = boot.p_value if pd.isna(bound) else nr.p_below(bound, lang)
    return pd.DataFrame({
        tr("Suy luận", "Inference"): [tr("CR1, t(G-1)", "CR1, t(G-1)"),
                                      tr("Bootstrap cụm hoang dã (WCR, Webb)", "Wild cluster bootstrap (WCR, Webb)")],
        tr("Hệ số (điểm %)", "Coefficient (pp)"): [100 * cr1.estimate, 100 * boot.estimate],
        "p": [cr1.p_value, boot_p],
        tr("Cận dưới 95%", "95% low"): [100 * cr1.conf_low, 100 * boot.conf_low],
        tr("Cận trên 95%", "95% high"): [100 * cr1.conf_high, 100 * boot.conf_high],
    })


def ame_table(shared, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    ame = shared["model_fractional_logit_ame"]
    ame = ame[ame["term"].isin(["group_meetings", "check_share"])]
    return pd.DataFrame({
        tr("Biến", "Variable"): ame["term"].map(lambda x: t(x, lang)),
        tr("Hiệu ứng biên (điểm %)", "Marginal effect (pp)"): 100 * ame["estimate"],
        tr("Cận dưới 95%", "95% low"): 100 * ame["conf_low"],
        tr("Cận trên 95%", "95% high"): 100 * ame["conf_high"],
    }).reset_index(drop=True)


def variance_table(shared, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    v = shared["mixed_variance"]
    return pd.DataFrame({tr("Cấp", "Level"): v["component"], tr("Phương sai", "Variance"): v["variance"],
                         tr("Độ lệch chuẩn", "Std. dev."): v["std_dev"], tr("Tỷ trọng", "Share"): v["share"]})


def ordered_table(shared, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    tab = shared["model_ordered_logit"]
    tab = tab[~tab["term"].str.startswith("C(year)")]
    names = {"meetings_mean": tr("Họp tổ bình quân/tháng", "Meetings per month"),
             "check_cover": tr("Tỷ lệ hộ được kiểm tra trong năm", "Share of borrowers checked in the year"),
             "overdue_pct": tr("Nợ quá hạn bình quân (%)", "Mean overdue share (%)")}
    return pd.DataFrame({tr("Hệ số", "Term"): tab["term"].map(lambda x: names.get(x, x)),
                         tr("Ước lượng", "Estimate"): tab["estimate"], tr("Sai số chuẩn", "Std. error"): tab["std_error"],
                         tr("Cận dưới 95%", "95% low"): tab["conf_low"], tr("Cận trên 95%", "95% high"): tab["conf_high"]})


def truth_rows(shared) -> list[dict]:
    """Known truth of the synthetic generator next to the estimates that target it."""
    truth = shared.truth
    if not truth:
        return []
    om, rm = truth["overdue_model"], truth["rating_model"]
    rows = []

    def add(name, true, table, term, scale=1.0, target=True):
        r = _row(shared[table], term)
        est, lo, hi = r.estimate * scale, r.conf_low * scale, r.conf_high * scale
        rows.append({"parameter": name, "truth": true, "estimate": est, "conf_low": lo, "conf_high": hi,
                     "covered": bool(lo <= true <= hi), "targets_truth": target})

    add("beta_meetings (FE Poisson)", om["beta_meetings"], "model_fe_poisson", "group_meetings")
    add("beta_check_share (FE Poisson)", om["beta_check_share"], "model_fe_poisson", "check_share")
    add("beta_meetings (pooled Poisson)", om["beta_meetings"], "model_pooled_poisson", "group_meetings", target=False)
    add("meetings, pp (FE OLS)", om["linear_fe_pseudo_true_pp"]["group_meetings"], "model_fe_ols", "group_meetings", 100)
    add("check_share, pp (FE OLS)", om["linear_fe_pseudo_true_pp"]["check_share"], "model_fe_ols", "check_share", 100)
    for k, v in rm["theta"].items():
        add(f"rating: {k} (ordered logit)", v, "model_ordered_logit", k)
    return rows


def truth_table(shared, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    rows = pd.DataFrame(truth_rows(shared) + policy_truth_rows(shared))
    if rows.empty:
        return rows
    yes, no = tr("có", "yes"), tr("không", "no")
    return pd.DataFrame({
        tr("Tham số", "Parameter"): rows["parameter"], tr("Giá trị thật", "Truth"): rows["truth"],
        tr("Ước lượng", "Estimate"): rows["estimate"], tr("Cận dưới 95%", "95% low"): rows["conf_low"],
        tr("Cận trên 95%", "95% high"): rows["conf_high"],
        tr("Khoảng chứa giá trị thật", "Interval covers truth"): rows["covered"].map({True: yes, False: no}),
        tr("Ước lượng nhắm đúng tham số", "Estimator targets it"): rows["targets_truth"].map({True: yes, False: no}),
    })


# ---------------------------------------------------------------------------------------------
# policy (filled from the shared policy tables)
# ---------------------------------------------------------------------------------------------

def _policy_result(shared, name: str):
    """Rebuild a stored policy result (table + metadata) for plotting, without refitting."""
    from analysis.policy.its import ItsResult
    from analysis.policy.results import PolicyResult

    meta = shared.meta["policy"][name]
    table = shared[f"policy_{name}"]
    common = dict(table=table, n_obs=meta["n_obs"], n_clusters=meta["n_clusters"], vcov_type=meta["vcov_type"],
                  method=meta["method"], inference=meta["inference"], info=meta["info"])
    if name == "its_province":
        return ItsResult(**common, series=shared["policy_its_series"],
                         break_month=pd.Timestamp(meta["info"]["break_month"]))
    return PolicyResult(**common)


def has_its(shared) -> bool:
    return "its_district" in shared.meta.get("policy", {})


def has_did(shared) -> bool:
    return "cs_simple" in shared.meta.get("policy", {})


def its_effect(shared) -> dict:
    table = shared["policy_its_district"].set_index("term")
    return {"level": table.loc["level_change_pp"], "slope": table.loc["slope_change_pp_per_month"],
            "avoided": table.loc["overdue_avoided_mvnd"], "meta": shared.meta["policy"]["its_district"]}


def its_sentence(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    if not has_its(shared):
        reason = shared.meta.get("policy", {}).get("its_skipped", "")
        return tr(f"Không ước lượng được chuỗi thời gian gián đoạn: {reason}",
                  f"The interrupted time series could not be estimated: {reason}")
    e = its_effect(shared)
    lvl, slope, avoided, m = e["level"], e["slope"], e["avoided"], e["meta"]
    window = m["info"].get("window", ["", ""])
    return tr(
        f"Ngay khi Chỉ thị 40 có hiệu lực (tháng 11/2014), tỷ lệ nợ quá hạn thay đổi **{nr.pp(lvl.estimate, 2, lang)}** "
        f"(khoảng 95% {nr.interval(lvl.conf_low, lvl.conf_high, 2, lang)}); độ dốc thay đổi "
        f"{nr.pp(slope.estimate, 3, lang)} mỗi tháng ({nr.interval(slope.conf_low, slope.conf_high, 3, lang)}). "
        f"Nợ quá hạn tránh được đến {window[1]}: khoảng {nr.number(avoided.estimate, 0, lang)} triệu đồng "
        f"({nr.interval(avoided.conf_low, avoided.conf_high, 0, lang)}). Cửa sổ {window[0]} đến {window[1]}; "
        f"{m['inference']}.",
        f"When Directive 40 took effect (November 2014) the overdue ratio changed by **{nr.pp(lvl.estimate, 2, lang)}** "
        f"(95% interval {nr.interval(lvl.conf_low, lvl.conf_high, 2, lang)}); its slope changed by "
        f"{nr.pp(slope.estimate, 3, lang)} a month ({nr.interval(slope.conf_low, slope.conf_high, 3, lang)}). "
        f"Overdue avoided up to {window[1]}: about {nr.number(avoided.estimate, 0, lang)} million VND "
        f"({nr.interval(avoided.conf_low, avoided.conf_high, 0, lang)}). Window {window[0]} to {window[1]}; "
        f"{m['inference']}.")


def its_figure(shared, lang: str = "vi"):
    from analysis.plots import policy as policy_plots

    return policy_plots.its(_policy_result(shared, "its_province"), lang=lang, synthetic=shared.meta["synthetic"])


def its_table(shared, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    names = {"level_change_pp": tr("Thay đổi mức (điểm %)", "Level change (pp)"),
             "slope_change_pp_per_month": tr("Thay đổi độ dốc (điểm %/tháng)", "Slope change (pp/month)"),
             "pre_trend_pp_per_month": tr("Xu hướng trước (điểm %/tháng)", "Pre-trend (pp/month)"),
             "overdue_avoided_mvnd": tr("Nợ quá hạn tránh được (triệu đồng)", "Overdue avoided (million VND)")}
    rows = []
    for name, label in (("its_district", tr("Bảng huyện, cụm theo huyện", "District panel, clustered")),
                        ("its_province", tr("Chuỗi toàn tỉnh, Newey-West", "Province series, Newey-West"))):
        for r in shared[f"policy_{name}"].itertuples():
            rows.append((label, names.get(r.term, r.term), r.estimate, r.conf_low, r.conf_high, r.p_value))
    for r in shared["policy_its_placebo"].itertuples():
        rows.append((tr(f"Giả định gãy {r.placebo_month}", f"Placebo break {r.placebo_month}"),
                     names.get(r.term, r.term), r.estimate, r.conf_low, r.conf_high, r.p_value))
    return pd.DataFrame(rows, columns=[tr("Mô hình", "Model"), tr("Đại lượng", "Quantity"), tr("Ước lượng", "Estimate"),
                                       tr("Cận dưới 95%", "95% low"), tr("Cận trên 95%", "95% high"), "p"])


def did_effect(shared) -> pd.Series:
    return shared["policy_cs_simple"].iloc[0]


def did_sentence(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    if not has_did(shared):
        reason = shared.meta.get("policy", {}).get("did_skipped", "")
        return tr(f"Không có cải cách nào để đánh giá: {reason}", f"No reform to evaluate: {reason}")
    a = did_effect(shared)
    tw = shared["policy_twfe"].iloc[0]
    wild = shared["policy_cs_simple_wild"].iloc[0]
    m = shared.meta["policy"]["cs_simple"]
    return tr(
        f"Sau khi huyện áp dụng cải cách, tỷ lệ nợ quá hạn của các tổ thay đổi bình quân **{nr.pp(a.estimate, 2, lang)}** "
        f"(Callaway-Sant'Anna, so với các huyện chưa bao giờ áp dụng; khoảng 95% {nr.interval(a.conf_low, a.conf_high, 2, lang)}; "
        f"bootstrap hoang dã theo huyện {nr.interval(wild.conf_low, wild.conf_high, 2, lang)}). Hồi quy hiệu ứng cố định hai chiều "
        f"(TWFE) cho {nr.pp(tw.estimate, 2, lang)}: khi tác động khác nhau giữa các đợt áp dụng và tăng dần theo thời gian, TWFE "
        f"so sánh cả với các huyện đã áp dụng và có thể sai lệch. {m['inference']}.",
        f"After a district adopted the reform its groups' overdue ratio changed on average by **{nr.pp(a.estimate, 2, lang)}** "
        f"(Callaway-Sant'Anna against never-treated districts; 95% interval {nr.interval(a.conf_low, a.conf_high, 2, lang)}; "
        f"district wild bootstrap {nr.interval(wild.conf_low, wild.conf_high, 2, lang)}). Two-way fixed effects (TWFE) give "
        f"{nr.pp(tw.estimate, 2, lang)}: when effects differ across adoption cohorts and grow over time, TWFE also "
        f"compares with already-treated districts and can mislead. {m['inference']}.")


def _no_reform_figure(lang: str):
    fig, ax = plt.subplots(figsize=(8, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, translator(lang)("Không có cải cách trong dữ liệu", "No reform in the data"),
            ha="center", va="center")
    return fig


def event_study_figure(shared, lang: str = "vi"):
    from analysis.plots import policy as policy_plots

    tr = translator(lang)
    if not has_did(shared):
        return _no_reform_figure(lang)
    cs = _policy_result(shared, "cs_dynamic_q")
    return policy_plots.event_study(
        cs, compare=[_policy_result(shared, "sunab_event_q"), _policy_result(shared, "twfe_event_q")],
        names=["Callaway-Sant'Anna", "Sun-Abraham", "TWFE"], lang=lang, synthetic=shared.meta["synthetic"],
        ylabel=tr("Tác động lên tỷ lệ nợ quá hạn (điểm %)", "Effect on the overdue ratio (pp)"))


def did_table(shared, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    if not has_did(shared):
        return pd.DataFrame({tr("Ước lượng", "Estimator"): [tr("không có cải cách", "no reform")]})
    rows = [
        ("policy_cs_simple", tr("CS, chưa bao giờ áp dụng, xu hướng tỷ lệ", "CS, never treated, ratio trends")),
        ("policy_cs_simple_additive", tr("CS, chưa bao giờ áp dụng, xu hướng cộng", "CS, never treated, additive trends")),
        ("policy_cs_simple_notyet", tr("CS, chưa áp dụng (not-yet)", "CS, not-yet treated")),
        ("policy_cs_simple_wild", tr("CS, bootstrap hoang dã theo huyện", "CS, district wild bootstrap")),
        ("policy_twfe", "TWFE"),
    ]
    out = [(label, *shared[name].iloc[0][["estimate", "conf_low", "conf_high", "p_value"]].tolist())
           for name, label in rows]
    for r in shared["policy_cs_group"].itertuples():
        if r.term != "ATT":
            cohort = str(r.term).removeprefix("cohort::")
            out.append((tr(f"CS, đợt {cohort}", f"CS, cohort {cohort}"), r.estimate, r.conf_low, r.conf_high, r.p_value))
    return pd.DataFrame(out, columns=[tr("Ước lượng", "Estimator"), tr("Tác động (điểm %)", "Effect (pp)"),
                                      tr("Cận dưới 95%", "95% low"), tr("Cận trên 95%", "95% high"), "p"])


def diagnostics_table(shared, lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    if not has_did(shared):
        return pd.DataFrame({tr("Kiểm định", "Check"): [tr("không có cải cách", "no reform")]})
    pre = shared["policy_pretrend"].iloc[0]
    loo = shared["policy_leave_one_out"]
    placebo = shared["policy_placebo_dates"].iloc[0]
    rows = [
        (tr("Kiểm định đồng thời xu hướng trước (4 quý)", "Joint pre-trend test (4 quarters)"),
         float(pre["statistic"]), float(pre["p_value"]), str(pre["test"])),
        (tr("Ngày áp dụng giả (sớm 12 tháng)", "Placebo adoption 12 months early"),
         float(placebo["estimate"]), float(placebo["p_value"]), tr("tác động giả nên gần 0", "should be near 0")),
        (tr("Bỏ lần lượt từng huyện: nhỏ nhất", "Leave one district out: smallest"),
         float(loo["estimate"].min()), float("nan"), str(loo.loc[loo["estimate"].idxmin(), "dropped"])),
        (tr("Bỏ lần lượt từng huyện: lớn nhất", "Leave one district out: largest"),
         float(loo["estimate"].max()), float("nan"), str(loo.loc[loo["estimate"].idxmax(), "dropped"])),
    ]
    return pd.DataFrame(rows, columns=[tr("Kiểm định", "Check"), tr("Giá trị", "Value"), "p", tr("Ghi chú", "Note")])


def policy_truth_rows(shared) -> list[dict]:
    truth = shared.truth
    rows = []
    if not truth:
        return rows
    if has_its(shared) and "level_change_pp" in truth.get("directive40", {}):
        lvl = its_effect(shared)["level"]
        true = truth["directive40"]["level_change_pp"]
        rows.append({"parameter": "Directive 40 level change, pp (ITS, district panel)", "truth": true,
                     "estimate": lvl.estimate, "conf_low": lvl.conf_low, "conf_high": lvl.conf_high,
                     "covered": bool(lvl.conf_low <= true <= lvl.conf_high), "targets_truth": True})
    if has_did(shared) and "att_simple_pp" in truth.get("reforms", {}):
        true = truth["reforms"]["att_simple_pp"]
        for name, label, target in (("cs_simple", "reform ATT, pp (Callaway-Sant'Anna)", True),
                                    ("twfe", "reform ATT, pp (TWFE)", False)):
            r = shared[f"policy_{name}"].iloc[0]
            rows.append({"parameter": label, "truth": true, "estimate": r.estimate, "conf_low": r.conf_low,
                         "conf_high": r.conf_high, "covered": bool(r.conf_low <= true <= r.conf_high),
                         "targets_truth": target})
    return rows


# ---------------------------------------------------------------------------------------------
# evidence brief
# ---------------------------------------------------------------------------------------------

def brief_finding(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    e = meetings_effect(shared)
    ci = nr.interval(e["pct_low"], e["pct_high"], 0, lang)
    clusters = shared.meta["models"]["fe_poisson"]["n_clusters"]
    text = tr(
        f"**Khi một tổ họp thêm một buổi trong tháng, nợ quá hạn của tổ đó thấp hơn khoảng "
        f"{nr.number(abs(e['pct']), 0, lang)}%** (khoảng tin cậy 95%: {ci}%), tương đương "
        f"{nr.pp(e['pp'], 2, lang)} trên tỷ lệ nợ quá hạn toàn tỉnh {nr.pct(e['ratio'], 2, lang)}. "
        f"Ước lượng so sánh cùng một tổ qua {nr.number(shared.meta['n_group_months'], 0, lang)} tổ-tháng, "
        f"sai số chuẩn tính theo {clusters} huyện.",
        f"**When a group holds one more meeting in a month, its overdue is about "
        f"{nr.number(abs(e['pct']), 0, lang)}% lower** (95% interval: {ci}%), or "
        f"{nr.pp(e['pp'], 2, lang)} on the province's overdue ratio of {nr.pct(e['ratio'], 2, lang)}. "
        f"The estimate compares the same group over {nr.number(shared.meta['n_group_months'], 0, lang)} "
        f"group-months, with standard errors clustered by {clusters} districts.")
    return text + policy_brief_sentence(shared, lang)


def policy_brief_sentence(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    text = ""
    if has_its(shared):
        lvl = its_effect(shared)["level"]
        text += tr(f" Khi Chỉ thị 40 có hiệu lực, tỷ lệ nợ quá hạn giảm ngay {nr.pp(lvl.estimate, 2, lang)} "
                   f"(khoảng 95% {nr.interval(lvl.conf_low, lvl.conf_high, 2, lang)}).",
                   f" When Directive 40 took effect the overdue ratio moved at once by {nr.pp(lvl.estimate, 2, lang)} "
                   f"(95% interval {nr.interval(lvl.conf_low, lvl.conf_high, 2, lang)}).")
    if has_did(shared):
        a = did_effect(shared)
        text += tr(f" Các huyện áp dụng cải cách kiểm tra sử dụng vốn có tỷ lệ nợ quá hạn thay đổi {nr.pp(a.estimate, 2, lang)} "
                   f"so với các huyện chưa áp dụng (khoảng 95% {nr.interval(a.conf_low, a.conf_high, 2, lang)}).",
                   f" Districts that adopted the loan-use-check reform saw their overdue ratio change by "
                   f"{nr.pp(a.estimate, 2, lang)} against districts that did not (95% interval "
                   f"{nr.interval(a.conf_low, a.conf_high, 2, lang)}).")
    return text


def brief_figure(shared, lang: str = "vi"):
    """Province overdue ratio by association, Directive 40 marked."""
    tr = translator(lang)
    table = shared["ratio_association_m"].assign(name=lambda d: d["association"].map(lambda a: t(a, lang)))
    fig = plots.trend(table, hue="name", lang=lang, synthetic=shared.meta["synthetic"],
                      title=tr("Tỷ lệ nợ quá hạn theo hội đoàn thể; đường dọc: Chỉ thị 40 (11/2014)",
                               "Overdue ratio by association; vertical line: Directive 40 (Nov 2014)"))
    fig.axes[0].axvline(pd.Period(DIRECTIVE_40_MONTH, "M").to_timestamp(), color="black", lw=1, ls=":")
    return fig


def brief_practice(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    c = checks_effect(shared, step=0.05)
    e = meetings_effect(shared)
    return tr(
        f"- Duy trì họp tổ đều đặn: mỗi buổi họp thêm trong tháng đi kèm nợ quá hạn thấp hơn khoảng "
        f"{nr.number(abs(e['pct']), 0, lang)}%.\n"
        f"- Kiểm tra sử dụng vốn: kiểm tra thêm 5% số hộ vay mỗi tháng đi kèm nợ quá hạn thay đổi "
        f"{nr.pct(c['pct'], 1, lang)}.\n"
        f"- Ưu tiên củng cố các tổ trong danh sách \"cần quan tâm\" của từng báo cáo huyện.\n"
        f"- Đây là quan hệ trong cùng một tổ theo thời gian, không phải thí nghiệm ngẫu nhiên: nên thử nghiệm "
        f"có đối chứng trước khi mở rộng.",
        f"- Keep group meetings regular: each extra meeting in a month goes with about "
        f"{nr.number(abs(e['pct']), 0, lang)}% less overdue.\n"
        f"- Loan-use checks: checking 5% more borrowers a month goes with an overdue change of "
        f"{nr.pct(c['pct'], 1, lang)}.\n"
        f"- Give priority to the groups on each district report's \"need attention\" list.\n"
        f"- These are within-group associations over time, not a randomised trial: pilot with a comparison group "
        f"before scaling up.")


def brief_methods(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    m = shared.meta["models"]["fe_poisson"]
    months = shared.meta["months"]
    return tr(
        f"Dữ liệu: bảng tổ-tháng {months[0]} đến {months[1]} ({nr.number(m['n_obs'], 0, lang)} quan sát). "
        f"Mô hình: {m['method']}; công thức `{m['formula']}`. Suy luận: {m['inference']}. "
        f"Kiểm tra độ vững: OLS hiệu ứng cố định với bootstrap cụm hoang dã, logit phân số (Papke-Wooldridge), "
        f"mô hình hỗn hợp huyện/xã, logit thứ bậc của xếp loại; đánh giá chính sách bằng chuỗi thời gian gián đoạn "
        f"và DiD so le (Callaway-Sant'Anna).",
        f"Data: group-month panel {months[0]} to {months[1]} ({nr.number(m['n_obs'], 0, lang)} observations). "
        f"Model: {m['method']}; formula `{m['formula']}`. Inference: {m['inference']}. Robustness: "
        f"fixed-effects OLS with a wild cluster bootstrap, fractional logit (Papke-Wooldridge), district/commune "
        f"mixed model, ordered logit of ratings; policy evaluation by interrupted time series and staggered DiD "
        f"(Callaway-Sant'Anna).")


def brief_limitations(shared, lang: str = "vi") -> str:
    tr = translator(lang)
    text = tr(
        "- Quan hệ quan sát được, không phải thí nghiệm: cú sốc theo thời gian ở cấp tổ có thể vẫn gây nhiễu.\n"
        "- Chỉ có 11 huyện: suy luận theo cụm dùng t(G-1) và bootstrap cụm hoang dã.\n"
        "- Số lần kiểm tra được đếm theo lượt, không theo hộ.\n",
        "- Observed associations, not an experiment: time-varying group-level shocks may still confound.\n"
        "- Only 11 districts: clustered inference uses t(G-1) and a wild cluster bootstrap.\n"
        "- Loan-use checks are counted as visits, not distinct borrowers.\n")
    if shared.meta["synthetic"]:
        text += tr("- **Số liệu mô phỏng**: các con số minh họa phương pháp, không phải kết quả về NHCSXH Sóc Trăng.\n",
                   "- **Synthetic data**: the numbers illustrate the method; they are not findings about VBSP Sóc Trăng.\n")
    return text


def provenance(shared, lang: str = "vi") -> str:
    from analysis.run import manifest
    tr = translator(lang)
    git = manifest.git_state()
    meta = shared.meta
    commit = str(git.get("commit") or "unknown")[:12]
    return tr(
        f"Dữ liệu: `{meta['data_dir']}` (mã băm {meta['data_hash'][:16]}), {meta['months'][0]} đến {meta['months'][1]}. "
        f"Mã nguồn: commit `{commit}`. Hạt giống ngẫu nhiên: {meta['seed']}. Tạo bởi `python -m analysis report`.",
        f"Data: `{meta['data_dir']}` (hash {meta['data_hash'][:16]}), {meta['months'][0]} to {meta['months'][1]}. "
        f"Code: commit `{commit}`. Random seed: {meta['seed']}. Built by `python -m analysis report`.")
