"""The national Monte Carlo gate: every interval the national brief prints, on country-shaped worlds.

A replicate draws a whole synthetic country twice with common random numbers
(``synthetic.country.make_plan(seed + rep, ...)``): a **null world** (Directive 40, the reforms and the
effects of meetings and checks on overdue all switched off) and an **effect world** (all on). Each keeps
what the national estimators depend on: the 63 provinces and their 696 former districts from the
official registry, the province plans (levels calibrated to the published national figures, overdue
levels, practice gaps, reform cohorts in about a fifth of the provinces), and every layer of shocks
(the national monthly AR(1) on top of the province, district-by-month and commune-by-year shocks).
Only the number of groups is reduced (``scale``; the generator keeps at least one group per
association for every 20 communes), which the gate shows does not move size or coverage
(``--scale`` run in docs/national.md).

Each province is generated, built into its panel and reduced to the same parts the national prepare
writes (``reductions.estimator_parts``); the national estimates are then computed by the very function
the national prepare calls (``reductions.estimate_national``):

- Directive 40 on the national series (``directive_effect``, GLS-ARMA bootstrap-t), target the national
  expected-ratio gap at the break (truth ``national.directive40.level_change_pp``);
- the dose across provinces (wild cluster restricted bootstrap by province, CR1 beside it), target the
  cross-province slope of truth ``national.dose_response_across_provinces``;
- the national FE OLS slopes of meetings and checks (CR1 by province), target the same regression on
  the expected overdue shares (the pseudo-true linear projection, in pp); the same with each province
  weighted by its precision (feasible WLS), target the weighted projection with the estimate's weights;
  the weighted coefficients with the design-based covariance (``models.design_vcov``: the provinces
  are the population, their slopes' spread that their overdue levels explain is not noise), same target;
- the pooled reform (``policy.pooled``): the simple ATT (CR1 by former district; by province beside it),
  target the mean effect over the treated group-months of the provinces in the estimate; the
  precision-weighted ATT (CR1 by former district, Hartung-Knapp), target the same weights times the
  provinces' true effects (not printed: it fails, docs/national.md); the design-weighted ATT (weights
  fixed by each province's overdue level and district counts; CR1 by former district, CR2 over the
  provinces' own ATTs with Bell-McCaffrey t, and Hartung-Knapp with t(k-1)), target its weights times the
  provinces' true effects;
- the rating gap (next year's overdue share of weak against good groups, CR1 by province): descriptive,
  with no true value in the generator (the rating is drawn from overdue itself), so its target is the
  mean of the estimates over the replicates of the same world, which checks that the interval's width
  matches the estimator's spread (``montecarlo.gate_table`` fills a missing target so).

    python -m analysis montecarlo --design national --reps 500 --gate-out
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd

from analysis.constants import SEED

WORLDS = ("null", "effect")
DEFAULTS = {"scale": 0.001, "start": "2012-01", "end": "2019-12"}
HEADLINE = ("directive_effect national", "level_change_pp")
ESTIMATORS = {  # headline key of reductions.estimate_national -> (estimator, inference) in the gate
    "directive": ("directive_effect national", "GLS-ARMA bootstrap-t"),
    "dose": ("dose across provinces", "wild cluster restricted bootstrap by province"),
    "meetings_ols": ("FE OLS national", "CR1 t(G-1) by province"),
    "checks_ols": ("FE OLS national", "CR1 t(G-1) by province"),
    "meetings_fwls": ("FE OLS national, precision-weighted", "CR1 t(G-1) by province"),
    "checks_fwls": ("FE OLS national, precision-weighted", "CR1 t(G-1) by province"),
    "meetings_design": ("FE OLS national, precision-weighted", "design-based HC3 by province, level t(G-4)"),
    "checks_design": ("FE OLS national, precision-weighted", "design-based HC3 by province, level t(G-4)"),
    "reform_pooled": ("pooled reform", "CR1 t(G-1) by former district"),
    "reform_level": ("pooled reform, design-weighted", "CR1 t(G-1) by former district"),
    "reform_level_cr2": ("pooled reform, design-weighted", "CR2 by province, Bell-McCaffrey t"),
    "reform_level_hk": ("pooled reform, design-weighted", "Hartung-Knapp t(k-1) by province"),
    "quality": ("rating gap national", "CR1 t(G-1) by province"),
    "quality_fwls": ("rating gap national, precision-weighted", "CR1 t(G-1) by province"),
}
DESCRIPTIVE = ("quality", "quality_fwls")  # no true value: the gate compares with the mean over replicates


@cache
def _units(code: str) -> pd.DataFrame:
    """A province's units (the registry's, whatever the seed): read once per worker."""
    from analysis.data.synthetic import country

    return country.province_units(None, code)


def replicate_national(rep: int, *, seed: int = SEED, scale: float = DEFAULTS["scale"],
                       start: str = DEFAULTS["start"], end: str = DEFAULTS["end"]) -> pd.DataFrame:
    """One replicate in both worlds: rows of (rep, world, estimator, inference, term, estimate, conf_low,
    conf_high, p_value, target)."""
    from analysis.data.synthetic import country
    from analysis.data.synthetic.country.plan import POLICY_ON
    from analysis.results import reductions

    rows = []
    for world in WORLDS:
        on = world == "effect"
        plan = country.make_plan(seed + rep, scale=scale, start=start, end=end,
                                 policy={k: on for k in POLICY_ON})
        parts, truth = _country_parts(plan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables, heads, meta, _ = reductions.estimate_national(
                parts["province_m"], parts["dose_sums"], parts["blocks"], parts["reform_sums"],
                parts["reform_districts"], placebos=False, seed=seed + rep, honest=False)
        targets = _targets(plan, truth, parts, meta) if on else {}
        targets.update({key: float("nan") for key in DESCRIPTIVE})
        add = _adder(rows, rep=rep, world=world)
        for key, (estimator, inference) in ESTIMATORS.items():
            est = heads.get(key)
            if est is not None:
                add(estimator, inference, est.term, est.estimate, est.conf_low, est.conf_high, est.p_value,
                    targets.get(key, 0.0))
        for key, (estimator, inference, term, estimate, low, high, p) in _secondary(parts, tables, heads,
                                                                                      seed=seed + rep):
            add(estimator, inference, term, estimate, low, high, p, targets.get(key, 0.0))
    return pd.DataFrame(rows)


def _country_parts(plan) -> tuple[dict, dict]:
    """Every province generated, built and reduced to its estimator parts; the truth pieces kept."""
    from analysis import models
    from analysis.data import panel
    from analysis.data.synthetic import country
    from analysis.results import reductions

    stacks = {"series_province_m": [], "dose_sums": [], "reform_sums": [], "reform_districts": []}
    blocks, expected, truths, sums = {"fe": {}, "quality": {}}, {}, {}, {}
    for code in sorted(plan.specs):
        data = country.generate_province(plan, code, units=_units(code), keep_world=True, briefings=False)
        frame = panel.build(data.tables)
        found, found_blocks = reductions.estimator_parts(frame, data.tables)
        for name in stacks:
            stacks[name].append(found[name])
        for kind, block in found_blocks.items():
            blocks[kind][code] = block
        expected[code] = expected_block(data.world)
        truths[code], sums[code] = data.truth, data.sums
        del data, frame
    parts = {name: pd.concat(frames, ignore_index=True) for name, frames in stacks.items()}
    parts["province_m"] = reductions.province_ratios(parts.pop("series_province_m"))
    parts["blocks"] = blocks
    pseudo = models.fe_ols_blocks(expected, cluster="province").tidy().set_index("term")["estimate"]
    return parts, {"provinces": truths, "sums": sums, "pseudo": pseudo, "expected": expected}


def expected_block(world):
    """The FE block of the drivers regression on the world's expected overdue shares (group-months with
    outstanding loans): summed over provinces it gives the pseudo-true national FE OLS slopes."""
    from analysis import models
    from analysis.results.reductions import FE_X, FE_Y

    g, t = np.nonzero(world.alive & (world.outstanding > 0))
    frame = pd.DataFrame({"group_id": g, "month": world.months[t].astype(str), FE_Y: world.mu[g, t],
                          FE_X[0]: world.meetings[g, t], FE_X[1]: world.share[g, t]})
    return models.fe_block(frame, y=FE_Y, x=list(FE_X), unit="group_id", time="month")


def _targets(plan, truth, parts, meta) -> dict:
    """The effect world's true values of the national estimands."""
    from analysis.data.synthetic import country

    national = country.national_truth(plan, truth["sums"], truth["provinces"])
    out = {"directive": national["directive40"]["level_change_pp"],
           "dose": national["dose_response_across_provinces"]["slope_pp_per_meeting"],
           "meetings_ols": 100 * float(truth["pseudo"]["group_meetings"]),
           "checks_ols": 100 * float(truth["pseudo"]["check_share"])}
    if "fe_fwls" in meta:  # the weighted projection of the expected shares, with the estimate's own weights
        from analysis import models

        weighted = models.reweighted(truth["expected"], meta["fe_fwls"]["weights"])
        pseudo_w = models.fe_ols_blocks(weighted, cluster="province").tidy().set_index("term")["estimate"]
        out.update({"meetings_fwls": 100 * float(pseudo_w["group_meetings"]),
                    "checks_fwls": 100 * float(pseudo_w["check_share"]),
                    "meetings_design": 100 * float(pseudo_w["group_meetings"]),  # the same coefficients
                    "checks_design": 100 * float(pseudo_w["check_share"])})
    pooled = next(iter(meta.get("reforms_pooled", {}).values()), None)
    if pooled is not None:  # the provinces the estimate draws on, with the estimate's weights
        info = pooled["info"]
        out["reform_pooled"] = country.pooled_reform_truth(truth["provinces"], info["provinces"]) \
            .get("att_simple_pp", 0.0)
        out["reform_pooled_precision"] = country.pooled_reform_truth(
            truth["provinces"], info["provinces"], weights=info["precision_weights"]).get("att_pp", 0.0)
        if "level_weights" in info:
            out["reform_level"] = out["reform_level_cr2"] = out["reform_level_hk"] = country.pooled_reform_truth(
                truth["provinces"], info["provinces"], weights=info["level_weights"]).get("att_pp", 0.0)
    return out


def _secondary(parts, tables, heads, *, seed) -> list[tuple[str, tuple]]:
    """Intervals beside the headlines, each with the key of its target: the dose's CR1; the pooled reform's
    simple ATT clustered by province, and its precision-weighted ATT (the provinces' CR1, as computed
    by the national step; Hartung-Knapp)."""
    from analysis import policy
    from analysis.policy import pooled

    out = []
    dose = heads.get("dose")
    if dose is not None:
        window = (str(parts["province_m"]["period"].min()), "2015-12")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tab = policy.directive_dose_sums(parts["dose_sums"], unit="province", cluster="province", window=window,
                                             placebo=False, seed=seed).table.set_index("term").loc["dose_slope_pp"]
        out.append(("dose", ("dose across provinces", "CR1 t(G-1) by province", "dose_slope_pp", dose.estimate,
                             tab["conf_low_cr1"], tab["conf_high_cr1"], tab["p_value_cr1"])))
    reform = heads.get("reform_pooled")
    if reform is not None:
        name = reform.extras["reform"]
        sums, dist = parts["reform_sums"], parts["reform_districts"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            by_province = pooled.pooled_reform(sums[sums["reform"] == name], dist[dist["reform"] == name],
                                               cluster="province", honest=False).table.set_index("term")
        national = tables["national_reform"]
        by_district = national[national["reform"].astype(str) == name].set_index("term")
        for key, table, term, inference in (
                ("reform_pooled", by_province, "ATT", "CR1 t(G-1) by province"),
                ("reform_pooled_precision", by_district, "ATT_precision", "provinces' CR1, Welch-Satterthwaite t"),
                ("reform_pooled_precision", by_district, "ATT_precision_hk", "Hartung-Knapp t(k-1) by province")):
            row = table.loc[term]
            out.append((key, ("pooled reform", inference, term, row["estimate"], row["conf_low"], row["conf_high"],
                              row["p_value"])))
    return out


def _adder(rows: list, *, rep: int, world: str):
    def add(estimator, inference, term, estimate, low, high, p, target):
        rows.append({"rep": rep, "world": world, "estimator": estimator, "inference": inference, "term": str(term),
                     "estimate": float(estimate), "conf_low": float(low), "conf_high": float(high),
                     "p_value": float(p), "target": float(target)})
    return add
