"""The synthetic province's truth (``truth.json``): every true effect in percentage points, from
the expected shares of the factual and counterfactual worlds with common random numbers.
"""

from __future__ import annotations

import numpy as np

from analysis.data.contract import DIRECTIVE_40_MONTH
from analysis.data.synthetic.design import (
    A_U,
    ASSOCIATION_EFFECT,
    BETA_CHECK_SHARE,
    BETA_MEETINGS,
    CHECK_DIRECTIVE,
    CHECK_U,
    DIRECTIVE_LEVEL,
    DIRECTIVE_SLOPE,
    DIRECTIVE_SLOPE_MONTHS,
    MEET_DIRECTIVE,
    MEET_REFORM,
    MEET_U,
    PRACTICE_CATCH_UP,
    PRACTICE_CHECK,
    PRACTICE_MEET,
    PRACTICE_SD,
    Q_EPISODE,
    RATING_CUTS,
    REFORM_NAME,
    REFORM_RAMP_MONTHS,
    SD_COMMUNE,
    SHOCKS,
    TARGETS,
    THETA,
)


def sample_truth(w, *, seed: int, scale: float) -> dict:
    """The truth of a simulated ``world.World`` (the sample's ``truth.json``)."""
    alive = w.alive
    mu = np.where(alive, w.mu, np.nan)
    # Average marginal effects in share points, over alive group-months.
    beta_meet, beta_check = (BETA_MEETINGS, BETA_CHECK_SHARE) if w.policy["drivers"] else (0.0, 0.0)
    ame_meet = np.nanmean(mu * (np.exp(beta_meet) - 1)) * 100
    ame_check = np.nanmean(mu * beta_check) * 100
    # Directive 40: expected province ratio, factual vs a world without the Directive.
    m_cf, _, s_cf = w._regressors(w.borrowers, directive=False, reforms=True)
    mu_cf = w._mu(m_cf, s_cf, directive=False)
    weight = np.where(alive, w.outstanding, 0.0)
    ratio_f = (w.mu * weight).sum(axis=0) / weight.sum(axis=0)
    ratio_cf = (mu_cf * weight).sum(axis=0) / weight.sum(axis=0)
    gap = (ratio_f - ratio_cf) * 100
    directive = directive_truth(w, gap, ratio_f, ratio_cf)
    directive["dose_response"] = dose_truth(w, (w.mu - mu_cf) * 100)
    # Reforms: factual vs a world without reforms (no extra checks, no extra meetings).
    m_nr, _, s_nr = w._regressors(w.borrowers, directive=True, reforms=False)
    mu_nr = w._mu(m_nr, s_nr, directive=True)
    reforms = reform_truth(w, (w.mu - mu_nr) * 100)
    pseudo = _linear_fe_pseudo_true(w)
    mean_x = {
        "group_meetings": float(np.mean(w.meetings[alive])),
        "check_share": float(np.mean(w.share[alive])),
    }
    return {
        "synthetic": True,
        "seed": seed,
        "scale": scale,
        "months": [str(w.months[0]), str(w.months[-1])],
        "description": ("Synthetic Sóc Trăng province calibrated to the source article. Effects are "
                        "assumptions of the generator, not findings about real VBSP groups."),
        "overdue_model": {
            "equation": "E[overdue_share | x, u, t] = min(0.2, exp(eta)); see analysis.data.synthetic.world",
            "beta_meetings": beta_meet,
            "beta_check_share": beta_check,
            "meaning": ("log change in the expected overdue share per extra group meeting in a month, "
                        "and per unit share of borrowers checked in the month"),
            "recovered_by": ("Poisson pseudo-ML with group and month fixed effects "
                             "(analysis.models.panel_poisson, 'overdue_share ~ group_meetings + "
                             "check_share | group_id + month'), clustered by district"),
            "ame_meetings_pp": float(ame_meet),
            "ame_check_share_pp": float(ame_check),
            "ame_meaning": ("average change in the overdue share, in percentage points, for one more "
                            "meeting (discrete) and per unit of check_share (derivative); a linear "
                            "fixed-effects model targets these approximately"),
            "linear_fe_pseudo_true_pp": pseudo,
            "linear_fe_meaning": ("what a linear regression of overdue_share on group_meetings and "
                                  "check_share with group and month fixed effects converges to (the "
                                  "same regression on the noise-free expected shares), in percentage "
                                  "points: a variance-weighted average of heterogeneous effects. For "
                                  "meetings it is close to the AME; for check_share it weights "
                                  "low-risk group-months (high check rates) heavily and is far "
                                  "smaller than the AME"),
            "leader_capacity_effect": A_U,
            "confounding": ("leader capacity u (sd 1, unobserved) lowers overdue (coefficient "
                            f"{A_U}) and raises meetings (logit {MEET_U}) and checks (logit {CHECK_U}): "
                            "pooled estimates of the meeting effect are biased away from zero"),
            "mean_regressors": mean_x,
            "district_effects": w.district_effect,
            "association_effects": ASSOCIATION_EFFECT,
            "sd_commune": SD_COMMUNE,
            "episode_share": Q_EPISODE,
        },
        "rating_model": {
            "equation": ("latent = sum(theta * x) + year_shift + logistic noise; weak < cut1 <= average "
                         "< cut2 <= fair < cut3 <= good"),
            "regressors": {
                "meetings_mean": "mean group meetings per month over the calendar year",
                "check_cover": "loan-use checks in the year / max borrowers in the year (capped at 1)",
                "overdue_pct": "mean monthly overdue share over the year, in percent",
            },
            "theta": THETA,
            "cutpoints": list(RATING_CUTS),
            "year_shifts": {str(k): v for k, v in w.rating_shift.items()},
            "recovered_by": ("ordered logit of the December rating on the three regressors and year "
                             "dummies: cut-points estimate cut - shift(base year)"),
        },
        "directive40": directive,
        "reforms": reforms,
        "policy_switched_on": dict(w.policy),
        "shocks": {
            "scale": w.shock_scale,
            "sizes": {k: {q: (v * w.shock_scale if q == "sd" else v) for q, v in spec.items()}
                      for k, spec in SHOCKS.items()},
            "meaning": ("additive on the log expected overdue share of every group: a province-wide AR(1) "
                        "by month (common to all districts), an AR(1) by district and month, and an "
                        "independent shock by commune and calendar year; sd is the marginal standard "
                        "deviation in log points, rho the monthly autocorrelation"),
            "realised_common_month": [float(v) for v in w.shock_parts["common_month"][0]],
        },
        "practice_gap": {
            "sd": PRACTICE_SD, "meetings_logit_per_gap": PRACTICE_MEET, "checks_logit_per_gap": PRACTICE_CHECK,
            "closed_by_directive": PRACTICE_CATCH_UP,
            "meaning": ("pre-Directive shortfall of a commune's meetings and checks (>= 0); the Directive "
                        "closed this share of it, so communes with weaker practice got a larger dose"),
        },
        "calibration_targets": TARGETS,
    }


def _linear_fe_pseudo_true(w, iterations: int = 200) -> dict[str, float]:
    """Two-way (group, month) within regression of expected shares on the regressors, in pp.

    Alternating projections (Guimarães & Portugal 2010) on the unbalanced panel of alive cells.
    """
    g, t = np.nonzero(w.alive)
    cols = np.column_stack([w.mu[g, t], w.meetings[g, t], w.share[g, t]]).astype(float)
    n_g, n_t = np.maximum(np.bincount(g), 1), np.maximum(np.bincount(t), 1)
    for _ in range(iterations):
        before = cols.copy()
        for idx, n in ((g, n_g), (t, n_t)):
            means = np.column_stack([np.bincount(idx, weights=cols[:, k]) for k in range(3)]) / n[:, None]
            cols -= means[idx]
        if np.max(np.abs(cols - before)) < 1e-13:
            break
    y, x = cols[:, 0], cols[:, 1:]
    coef = np.linalg.solve(x.T @ x, x.T @ y) * 100
    return {"group_meetings": float(coef[0]), "check_share": float(coef[1])}


def directive_truth(w, gap, ratio_f, ratio_cf):
    t0 = w._t(DIRECTIVE_40_MONTH)
    if t0 is None:
        return {"note": "Directive 40 month outside the generated window"}
    window_end = min(w.T - 1, w._t("2015-12") or w.T - 1)
    post = np.arange(t0, window_end + 1)
    slope = float(np.polyfit(post - t0, gap[post], 1)[0]) if len(post) > 1 else float("nan")
    return {
        "break_month": DIRECTIVE_40_MONTH,
        "date": "2014-11-22",
        "log_level_change": DIRECTIVE_LEVEL,
        "log_slope_change_per_month": DIRECTIVE_SLOPE,
        "slope_months": DIRECTIVE_SLOPE_MONTHS,
        "also_raises": {"meetings_logit": MEET_DIRECTIVE, "checks_logit": CHECK_DIRECTIVE},
        "outcome": "province overdue ratio (sum overdue / sum outstanding), all associations, expected",
        "its_window": [str(w.months[0]), str(w.months[window_end])],
        "level_change_pp": float(gap[t0]),
        "slope_change_pp_per_month": slope,
        "avg_effect_first_12m_pp": float(np.mean(gap[t0:t0 + 12])),
        "series": {
            "month": [str(m) for m in w.months],
            "expected_ratio_factual": [float(v) for v in ratio_f],
            "expected_ratio_counterfactual": [float(v) for v in ratio_cf],
        },
    }


def dose_truth(w, effect_pp) -> dict:
    """The dose-response estimand: slope of each commune's mean Directive effect (pp, over the ITS
    window's post months) on its observed pre-Directive meeting shortfall, weighted by outstanding."""
    t0 = w._t(DIRECTIVE_40_MONTH)
    if t0 is None or t0 < 2:
        return {"note": "Directive 40 month outside the generated window"}
    window_end = min(w.T - 1, w._t("2015-12") or w.T - 1)
    pre, post = np.arange(0, t0), np.arange(t0, window_end + 1)
    communes, code = np.unique(w.commune, return_inverse=True)
    alive_pre = w.alive[:, pre]
    meet = np.bincount(code, weights=(w.meetings[:, pre] * alive_pre).sum(axis=1), minlength=len(communes))
    n_pre = np.bincount(code, weights=alive_pre.sum(axis=1), minlength=len(communes))
    pre_mean = meet / np.maximum(n_pre, 1)
    dose = pre_mean.mean() - pre_mean
    weight_gt = np.where(w.alive[:, post], w.outstanding[:, post], 0.0)
    num = np.bincount(code, weights=(effect_pp[:, post] * weight_gt).sum(axis=1), minlength=len(communes))
    den = np.bincount(code, weights=weight_gt.sum(axis=1), minlength=len(communes))
    effect = num / np.maximum(den, 1e-12)
    wts = den / den.sum()
    d_bar = wts @ dose
    slope = float(wts @ ((dose - d_bar) * (effect - wts @ effect)) / (wts @ (dose - d_bar) ** 2))
    return {
        "dose": ("pre-Directive meeting shortfall of a commune: province mean minus the commune's mean group "
                 "meetings per group-month over the months before the Directive in the window"),
        "unit": "commune",
        "slope_pp_per_meeting": slope,
        "meaning": ("extra change in a commune's overdue ratio (pp, mean over the post months of the ITS "
                    "window) per one meeting a month of pre-Directive shortfall; negative: communes that "
                    "had further to catch up saw overdue fall more"),
        "dose_sd": float(np.sqrt(wts @ (dose - d_bar) ** 2)),
    }


def reform_truth(w, effect_pp):
    post, _, event = w._reform_post()
    treated = (post > 0) & w.alive
    out = {
        "reform": REFORM_NAME,
        "cohorts": {k: {"districts": list(v[0]), "check_logit_rise_full": v[1]} for k, v in w.reform_cohorts.items()},
        "mechanism": ("the reform raises the monthly loan-use check rate (cohort-specific) and group meetings "
                      f"(logit +{MEET_REFORM}), ramping to full strength over {REFORM_RAMP_MONTHS} months; it has "
                      "no effect on overdue other than through checks and meetings"),
        "never_treated": sorted(set(w.district_effect) - {d for v in w.reform_cohorts.values() for d in v[0]}),
        "outcome": "overdue_share of a group-month (groups weighted equally), percentage points",
        "ramp_months": REFORM_RAMP_MONTHS,
    }
    if not treated.any():
        out["note"] = "no treated group-months in the generated window"
        return out
    out["att_simple_pp"] = float(effect_pp[treated].mean())
    out["treated_group_months"] = int(treated.sum())  # the weight of this province in a pooled effect
    by_cohort = {}
    for adopt, (districts, _) in w.reform_cohorts.items():
        sel = treated & np.isin(w.district, districts)[:, None]
        if sel.any():
            by_cohort[adopt] = float(effect_pp[sel].mean())
    out["att_by_cohort_pp"] = by_cohort
    ev = np.where(treated, event, np.nan)
    by_event = {}
    for e in range(0, int(np.nanmax(ev)) + 1):
        sel = treated & (ev == e)
        if sel.any():
            by_event[str(e)] = float(effect_pp[sel].mean())
    out["att_by_event_time_pp"] = by_event
    return out
