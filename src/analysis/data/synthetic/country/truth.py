"""The synthetic country's truth (``truth.json``): each province's, the national one, and the
published national figures the country is calibrated to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.contract import DIRECTIVE_40_MONTH
from analysis.data.synthetic import design, provinces
from analysis.data.synthetic.country.plan import (
    NATIONAL_SHOCK,
    PRACTICE_SD_PROVINCE,
    RATING_MIX,
    RATING_MIX_YEAR,
    RATING_YEAR_SLOPE,
    REFERENCE_MONTH,
    REFORM_BOOSTS,
    CountryPlan,
)
from analysis.data.synthetic.country.world import ProvinceWorld
from analysis.data.synthetic.truth import directive_truth, dose_truth, reform_truth

# --- truth ------------------------------------------------------------------------------------------------

def truth_of_province(w: ProvinceWorld) -> tuple[dict, dict]:
    """(the province's truth, monthly sums for the national truth)."""
    spec = w.spec
    weight = np.where(w.alive, w.outstanding, 0.0)
    m_cf, _, s_cf = w._regressors(w.borrowers, directive=False, reforms=True)
    mu_cf = w._mu(m_cf, s_cf, directive=False)
    del m_cf, s_cf
    num_f, num_cf, den = (w.mu * weight).sum(axis=0), (mu_cf * weight).sum(axis=0), weight.sum(axis=0)
    ratio_f, ratio_cf = num_f / np.maximum(den, 1e-12), num_cf / np.maximum(den, 1e-12)
    effect_pp = (w.mu - mu_cf) * 100
    directive = directive_truth(w, (ratio_f - ratio_cf) * 100, ratio_f, ratio_cf)
    directive["dose_response"] = dose_truth(w, effect_pp)
    del mu_cf
    t0 = w._t(DIRECTIVE_40_MONTH)
    window_end = min(w.T - 1, w._t("2015-12") or w.T - 1)
    pre_meetings = post_effect = post_relative = None
    if t0 is not None and t0 >= 1:
        alive_pre = w.alive[:, :t0]
        pre_meetings = float((w.meetings[:, :t0] * alive_pre).sum() / max(alive_pre.sum(), 1))
        post = slice(t0, window_end + 1)
        post_effect = float((effect_pp[:, post] * weight[:, post]).sum() / max(weight[:, post].sum(), 1e-12))
        post_relative = float(100 * (num_f[post].sum() - num_cf[post].sum()) / max(num_cf[post].sum(), 1e-12))
    del effect_pp
    if w.reform_cohorts:
        m_nr, _, s_nr = w._regressors(w.borrowers, directive=True, reforms=False)
        mu_nr = w._mu(m_nr, s_nr, directive=True)
        reforms = reform_truth(w, (w.mu - mu_nr) * 100)
        del m_nr, s_nr, mu_nr
    else:
        reforms = {"note": "no reform in this province"}
    alive = w.alive
    overdue_calibration = {}
    for month, target in (spec.overdue_targets.items() if not spec.soc_trang else ()):
        t = w._t(month)
        if t is not None:
            overdue_calibration[month] = {"target": target, "realised": float(
                w.overdue[:, t].sum() / max(w.outstanding[:, t].sum(), 1e-12))}
    rating = {"theta": design.THETA, "year_shifts": {str(k): v for k, v in w.rating_shift.items()}}
    t_ref = w._t(REFERENCE_MONTH)
    if spec.soc_trang:
        rating.update(cutpoints=list(design.RATING_CUTS), calibrated_to=design.TARGETS["wu_weak_groups"])
    else:
        rating.update(cutpoints=w.rating_cuts, mix_year=RATING_MIX_YEAR,
                      mix_target=dict(zip(("good", "fair", "average", "weak"), spec.rating_mix)))
    truth = {
        "name": spec.name,
        "region": spec.region,
        "soc_trang_calibrated": spec.soc_trang,
        "seed": spec.seed,
        "groups": int(len(w.groups)),
        "groups_by_association_at_reference": (
            {a: int(((w.assoc == a) & alive[:, t_ref]).sum()) for a in design.GROUPS_BY_ASSOCIATION}
            if t_ref is not None else {}),
        "rel_risk": spec.rel_risk,
        "overdue_calibration": overdue_calibration or ("synthetic.design.TARGETS (WU overdue ratio 2016-12, 2020-12)"
                                                       if spec.soc_trang else {}),
        "directive40": {k: v for k, v in directive.items() if k != "series"} | {
            "expected_ratio_factual": [float(v) for v in ratio_f],
            "expected_ratio_counterfactual": [float(v) for v in ratio_cf],
            "mean_effect_post_window_pp": post_effect,
            "relative_effect_post_window_pct": post_relative},
        "dose": {"practice_gap_province_part": spec.practice_part,
                 "practice_gap_mean": float(np.mean(w.practice_gap)) if w.G else 0.0,
                 "pre_directive_meetings_mean": pre_meetings},
        "reforms": reforms,
        "district_effects": w.district_effect,
        "shocks": {"province_month_realised": [float(v) for v in w.shock_parts["common_month"][0]]} if w.G else {},
        "events": {"salinity_2016": spec.salinity, "coastal_districts": list(w.coastal_districts),
                   "typhoon_yagi_2024": spec.yagi},
        "rating": rating,
    }
    month_sums = {
        "borrowers": w.borrowers.sum(axis=0).astype(float), "outstanding": w.outstanding.sum(axis=0),
        "overdue": w.overdue.sum(axis=0), "frozen": w.frozen.sum(axis=0),
        "groups": (alive & (w.outstanding > 0)).sum(axis=0).astype(float),
        "expected_factual": num_f, "expected_counterfactual": num_cf, "weight": den,
    }
    return _json_safe(truth), month_sums


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def national_truth(plan: CountryPlan, sums: dict[str, dict], province_truth: dict[str, dict]) -> dict:
    """The national part of truth.json from the provinces' monthly sums."""
    months = plan.months
    total = {k: np.sum([s[k] for s in sums.values()], axis=0) for k in next(iter(sums.values()))}
    ratio_f = total["expected_factual"] / np.maximum(total["weight"], 1e-12)
    ratio_cf = total["expected_counterfactual"] / np.maximum(total["weight"], 1e-12)
    t0 = plan.t(DIRECTIVE_40_MONTH)
    directive = {"break_month": DIRECTIVE_40_MONTH,
                 "outcome": "national overdue ratio, expected, all provinces generated"}
    if t0 is not None:
        gap = (ratio_f - ratio_cf) * 100
        directive.update(level_change_pp=float(gap[t0]), avg_effect_first_12m_pp=float(np.mean(gap[t0:t0 + 12])),
                         series={"month": [str(m) for m in months],
                                 "expected_ratio_factual": [float(v) for v in ratio_f],
                                 "expected_ratio_counterfactual": [float(v) for v in ratio_cf]})
    dose = {}
    rows = [(t["dose"]["pre_directive_meetings_mean"], t["directive40"]["mean_effect_post_window_pp"],
             t["directive40"]["relative_effect_post_window_pct"],
             float(sums[c]["weight"][t0:].sum()) if t0 is not None else 0.0)
            for c, t in province_truth.items()
            if t["dose"]["pre_directive_meetings_mean"] is not None
            and t["directive40"]["mean_effect_post_window_pp"] is not None]
    if len(rows) >= 2:
        pre, eff, rel, wts = (np.array(x, dtype=float) for x in zip(*rows))
        wts = wts / wts.sum()
        dose_x = wts @ pre - pre
        d_bar = wts @ dose_x
        var = wts @ (dose_x - d_bar) ** 2

        def slope(y):
            return float(wts @ ((dose_x - d_bar) * (y - wts @ y)) / var) if var > 0 else None

        dose = {"unit": "province", "dose": ("pre-Directive meeting shortfall of a province: outstanding-weighted "
                                             "mean of the provinces minus the province's mean meetings per "
                                             "group-month before 2014-11"),
                "slope_relative_pct_per_meeting": slope(rel),
                "slope_pp_per_meeting": slope(eff),
                "dose_sd": float(np.sqrt(var)),
                "meaning": ("extra change in a province's overdue ratio per one meeting a month of pre-Directive "
                            "shortfall, over 2014-11..2015-12: relative (percent of the ratio without the "
                            "Directive; negative: provinces with further to catch up gained more) and in pp (also "
                            "reflects that provinces with more overdue have larger pp effects)")}
    return {
        "months": [str(months[0]), str(months[-1])],
        "published_targets": published_targets(),
        "realised_by_year": _by_year(months, total),
        "directive40": directive,
        "dose_response_across_provinces": dose,
        "reform_pooled": pooled_reform_truth(province_truth),
        "shocks": {"national_month": dict(NATIONAL_SHOCK, realised=[float(v) for v in plan.national_shock],
                                          meaning="common to every province, added to synthetic.design.SHOCKS")},
    }


def pooled_reform_truth(province_truth: dict[str, dict], provinces: list[str] | None = None,
                        weights: dict[str, float] | None = None) -> dict:
    """The pooled reform's estimands (``policy.pooled``): ``att_simple_pp``, the reform's effect averaged
    over the treated group-months of the adopting provinces (``provinces``: those an estimate draws on;
    default every province with treated group-months), and with ``weights`` (province -> weight, e.g. the
    estimate's precision weights) ``att_pp``, the provinces' own effects averaged with those weights.
    Empty when fewer than two provinces adopt it."""
    rows = {c: t["reforms"] for c, t in province_truth.items()
            if t.get("reforms", {}).get("treated_group_months") and (provinces is None or c in provinces)}
    if len(rows) < 2 and provinces is None:
        return {}
    weight = sum(r["treated_group_months"] for r in rows.values())
    if not weight:
        return {}
    extra = {}
    if weights is not None:
        total = sum(float(weights.get(c, 0.0)) for c in rows)
        if total > 0:
            extra["att_pp"] = float(sum(float(weights.get(c, 0.0)) * r["att_simple_pp"] for c, r in rows.items())
                                    / total)
    return {**extra, "reform": next(iter(rows.values()))["reform"], "provinces": sorted(rows),
            "att_simple_pp": float(sum(r["att_simple_pp"] * r["treated_group_months"] for r in rows.values()) / weight),
            "treated_group_months": int(weight),
            "meaning": ("mean effect on the overdue share (pp) over the treated group-months of the adopting "
                        "provinces: what the pooled Callaway-Sant'Anna ATT ('simple') targets; an estimate that "
                        "leaves a province out targets the same mean over the provinces it uses")}


def _by_year(months: pd.PeriodIndex, total: dict) -> dict:
    out = {}
    for i, m in enumerate(months):
        if m.month == 12 or i == len(months) - 1 or str(m) in ("2020-08", REFERENCE_MONTH):
            o = total["outstanding"][i]
            out[str(m)] = {"groups": int(total["groups"][i]), "borrowers": int(total["borrowers"][i]),
                           "outstanding_bn_vnd": float(o / 1e3),
                           "overdue_ratio_pct": float(100 * total["overdue"][i] / o) if o else None,
                           "overdue_frozen_ratio_pct": (float(100 * (total["overdue"][i] + total["frozen"][i]) / o)
                                                        if o else None)}
    return out


def published_targets() -> list[dict]:
    """The published national figures the country is calibrated to (shared/domain.md 4.1)."""
    rows = [{"month": "2021-12", "measure": "borrowers", "value": 6.4e6, "note": "nearly 6.4 million"},
            {"month": "2022-12", "measure": "borrowers", "value": 6.5e6, "note": "over 6.5 million"},
            {"month": "2023-12", "measure": "borrowers", "value": 6.8e6, "note": "6.8 million"},
            {"month": "2024-12", "measure": "borrowers", "value": 6.9e6, "note": "nearly 6.9 million"}]
    for month, value in (("2014-12", 129_457), ("2020-12", 226_197), ("2021-12", 247_970), ("2022-12", 283_348),
                         ("2023-12", 332_000), ("2024-12", 367_631)):
        rows.append({"month": month, "measure": "outstanding_bn_vnd", "value": value,
                     "note": "derived" if month in ("2014-12", "2020-12") else "published"})
    rows += [{"month": "2014-12", "measure": "overdue_ratio_pct", "value": 0.38, "note": "overdue"},
             {"month": "2020-08", "measure": "overdue_ratio_pct", "value": 0.25, "note": "overdue"},
             {"month": "2023-12", "measure": "overdue_frozen_ratio_pct", "value": 0.57,
              "note": "[U] whether frozen is included"},
             {"month": "2024-12", "measure": "overdue_frozen_ratio_pct", "value": 0.56, "note": "overdue + frozen"}]
    return rows


def totals_table(truth: dict) -> pd.DataFrame:
    """Published national figures against the generated ones (from ``truth.json``), one row each."""
    realised = truth["national"]["realised_by_year"]
    rows = []
    for r in truth["national"]["published_targets"]:
        got = realised.get(r["month"], {})
        value = got.get(r["measure"])
        if value is not None and truth.get("scale", 1.0) != 1.0 and r["measure"] in ("borrowers", "outstanding_bn_vnd"):
            value = value / truth["scale"]
        rows.append({"month": r["month"], "measure": r["measure"], "published": r["value"],
                     "generated": value, "note": r["note"]})
    frame = pd.DataFrame(rows)
    frame["ratio"] = frame["generated"] / frame["published"]
    return frame



def truth_of_country(plan: CountryPlan, codes: list[str], truths: dict, sums: dict, units: pd.DataFrame) -> dict:
    new = provinces.new_provinces()
    return {
        "synthetic": True,
        "seed": plan.seed,
        "scale": plan.scale,
        "months": [str(plan.months[0]), str(plan.months[-1])],
        "provinces_generated": codes,
        "description": ("Synthetic country: 63 provinces (real names, synthetic districts and communes except "
                        "Sóc Trăng), calibrated to published national figures; effects are assumptions of the "
                        "generator, not findings about real VBSP groups."),
        "model": {
            "equation": "as analysis.data.synthetic.world, one World per province; see analysis.data.synthetic.country",
            "beta_meetings": design.BETA_MEETINGS, "beta_check_share": design.BETA_CHECK_SHARE,
            "leader_capacity_effect": design.A_U, "association_effects": design.ASSOCIATION_EFFECT,
            "directive40": {"log_level_change": design.DIRECTIVE_LEVEL,
                            "log_slope_change_per_month": design.DIRECTIVE_SLOPE,
                            "slope_months": design.DIRECTIVE_SLOPE_MONTHS,
                            "also_raises": {"meetings_logit": design.MEET_DIRECTIVE,
                                            "checks_logit": design.CHECK_DIRECTIVE}},
            "practice_gap": {"sd": {"province": PRACTICE_SD_PROVINCE, **design.PRACTICE_SD},
                             "meetings_logit_per_gap": design.PRACTICE_MEET,
                             "checks_logit_per_gap": design.PRACTICE_CHECK,
                             "closed_by_directive": design.PRACTICE_CATCH_UP},
            "shocks": {"national_month": NATIONAL_SHOCK, "province_month": design.SHOCKS["common_month"],
                       "district_month": design.SHOCKS["district_month"], "commune_year": design.SHOCKS["commune_year"],
                       "meaning": "additive on the log expected overdue share; sd marginal, rho monthly"},
            "reform": {"name": design.REFORM_NAME, "ramp_months": design.REFORM_RAMP_MONTHS,
                       "meetings_logit": design.MEET_REFORM, "boosts_by_cohort_order": REFORM_BOOSTS},
            "ratings": {"theta": design.THETA, "year_slope": RATING_YEAR_SLOPE, "mix_year": RATING_MIX_YEAR,
                        "mixes": RATING_MIX},
        },
        "reorganisation": {
            "date": provinces.REORGANISATION_DATE,
            "resolution": "National Assembly Resolution 202/2025/QH15",
            "provinces": {c: provinces.successor_province()[c] for c in codes},
            "new_provinces": {k: {"name": v.name, "members": list(v.members)} for k, v in new.items()},
            "communes_before": int(len(units)),
            "communes_after": int(units["successor_commune"].nunique()),
            "districts_before": int(units["district"].nunique()),
        },
        "national": national_truth(plan, sums, truths),
        "provinces": truths,
    }


