"""One province's world in the synthetic country: ``synthetic.world.World`` with the province's own
paths, calibration, events, frozen debt and ratings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.synthetic import design
from analysis.data.synthetic.country.plan import (
    BASE_LEVEL,
    FROZEN_SPELL,
    NATIONAL_SHAPE,
    RATING_MIX_YEAR,
    RATING_YEAR_SLOPE,
    REFERENCE_MONTH,
    SHIFT_KNOTS,
    YAGI_PEAK,
    CountryPlan,
    ProvinceSpec,
    knot_path,
)
from analysis.data.synthetic.world import World, bisect, match_total

# --- one province's world ------------------------------------------------------------------------------

class ProvinceWorld(World):
    """``World`` for one province of the country (see the module docstring)."""

    def __init__(self, units, groups, months, rng, scale, *, spec: ProvinceSpec, plan: CountryPlan,
                 cohorts: dict, district_effect: dict, coastal: tuple, effective_scale: float):
        self.spec, self.plan, self.effective_scale = spec, plan, effective_scale
        self.reform_cohorts = cohorts
        self.district_effect = district_effect
        self.coastal_districts = coastal
        super().__init__(units, groups, months, rng, scale,
                         policy=dict(plan.policy),
                         shock_scale=1.0, seed=spec.seed)

    # paths and calibration -------------------------------------------------------------------
    def _sizes(self):
        """Borrowers and outstanding following the province's share of the national paths every month;
        Sóc Trăng's 2021-05 snapshot exact (WU and the rest), as in the sample (``synthetic.province``)."""
        rng, G, T, spec = self.rng, self.G, self.T, self.spec
        path_b = spec.borrowers * self.effective_scale
        path_o = spec.outstanding * self.effective_scale
        size = np.clip(np.rint(rng.normal(spec.members_mean, 8.0, G)), 12, 60)
        wobble = rng.normal(0, 0.04, (G, T)).cumsum(axis=1) * 0.15
        t_ref = self._t(REFERENCE_MONTH)
        wobble -= wobble[:, [t_ref if t_ref is not None else T - 1]]
        base = np.where(self.alive, size[:, None] * np.exp(wobble), 0.0)
        factor = path_b / np.maximum(base.sum(axis=0), 1e-9)
        borrowers = np.where(self.alive, np.clip(np.rint(base * factor[None, :]), 5, 60), 0.0)
        del base, wobble
        snapshot = spec.soc_trang and t_ref is not None
        if snapshot:
            targets = (design.TARGETS["borrowers_wu"] * self.scale, design.TARGETS["borrowers"] * self.scale)
            borrowers[:, t_ref] = match_total(borrowers[:, t_ref], self.alive[:, t_ref], self.assoc,
                                                     targets, rng)
        loan = path_o / np.maximum(path_b, 1.0)
        v = rng.lognormal(0.0, 0.15, G)
        outstanding = borrowers * loan[None, :] * v[:, None] * rng.lognormal(0, 0.01, (G, T))
        outstanding *= path_o[None, :] / np.maximum(outstanding.sum(axis=0), 1e-9)
        if snapshot:
            act = self.alive[:, t_ref]
            wu_total = design.TARGETS["outstanding_wu"] * self.scale
            rest = (design.TARGETS["outstanding"] - design.TARGETS["outstanding_wu"]) * self.scale
            for is_wu, total in ((True, wu_total), (False, rest)):
                sel = act & ((self.assoc == "WU") == is_wu)
                outstanding[sel, t_ref] *= total / outstanding[sel, t_ref].sum()
        outstanding = np.where(self.alive, np.round(outstanding, 3), 0.0)
        return borrowers.astype(np.int64), outstanding

    def _trend(self):
        if self.spec.soc_trang:
            return super()._trend()
        shape = knot_path(self.months, NATIONAL_SHAPE, log=False)
        return BASE_LEVEL + np.log(self.spec.rel_risk) + shape + design.SEASON[self.month_num - 1]

    def _calibrate_overdue(self):
        """Sóc Trăng: the sample's WU targets. Others: a shift of the month effects so the province's
        expected overdue ratio without its shocks and events hits its targets; the shift is flat
        before 2016-01 and linear between the knots of ``SHIFT_KNOTS``."""
        if self.spec.soc_trang:
            # The article's realised ratios at full size; in a reduced world (5 WU groups at scale 0.001,
            # mostly without arrears in any one month) the realised ratio would put the draw into a
            # one-month spike of the month effect (docs/national.md, "Sóc Trăng in a reduced world").
            return super()._calibrate_overdue(realised=self.effective_scale >= 1)
        targets = {m: v for m, v in self.spec.overdue_targets.items() if self._t(m) is not None}
        if not targets:
            return
        eta = self._eta(self.meetings, self.share, directive=True) - self.shocks - self.salinity
        knots = {}
        for month, target in targets.items():
            t = self._t(month)
            # The expected arrears multiplier (1), not this draw's: calibrating on the realised draws would
            # carry them into the month effects and put a dip in the null world's expected national ratio
            # right after 2014-12 (docs/national.md, "Why the national Directive failed").
            e, w = eta[:, t], self.outstanding[:, t] * self.alive[:, t]
            mult = np.ones_like(e)

            def ratio(shift, e=e, mult=mult, w=w):
                y = np.minimum(1.0, np.minimum(design.MU_CAP, np.exp(e + shift)) * mult)
                return float((y * w).sum() / w.sum())

            knots[SHIFT_KNOTS[month]] = bisect(lambda s: ratio(s) - target, -6.0, 6.0)
        self.month_effect = self.month_effect + knot_path(self.months, dict(sorted(knots.items())), log=False)
        self.calibration_shifts = knots

    def _salinity(self):
        """Events on the log expected overdue share: the 2016 salinity (Mekong Delta, the sample's
        profile) and typhoon Yagi (north, 2024-09 to 2025-08)."""
        out = super()._salinity() if self.spec.salinity else np.zeros((self.G, self.T))
        if self.spec.yagi:
            out = out + YAGI_PEAK * self._yagi_profile()[None, :]
        return out

    def _yagi_profile(self) -> np.ndarray:
        profile = np.zeros(self.T)
        for i, m in enumerate(self.months):
            k = (m - pd.Period("2024-09", "M")).n
            if 0 <= k < 4:
                profile[i] = (k + 1) / 4
            elif 4 <= k < 12:
                profile[i] = 1 - (k - 3) / 8
        return profile

    def _shocks(self):
        parts = super()._shocks()
        national = np.broadcast_to(self.plan.national_shock[None, :], (self.G, self.T))
        parts["national_month"] = self.shock_scale * national
        return parts

    def _practice_gap(self, rng):
        return super()._practice_gap(rng) + self.spec.practice_part

    def _frozen(self):
        """Frozen-debt episodes at the national rate (``NATIONAL_FROZEN``), more after Yagi; Sóc Trăng
        also keeps the sample's frozen debt after the 2016 salinity."""
        rng, G, T = self.rng, self.G, self.T
        base = super()._frozen() if self.spec.soc_trang else 0.0
        mean_share = (FROZEN_SPELL["share_low"] + FROZEN_SPELL["share_high"]) / 2
        q = np.clip(self.plan.frozen / mean_share, 1e-6, 0.5)
        if self.spec.yagi:
            q = q * (1 + 2 * self._yagi_profile())
        stay = FROZEN_SPELL["stay"]
        enter = (1 - stay) * q / (1 - q)
        draws = rng.random((G, T))
        state = np.zeros((G, T), dtype=bool)
        state[:, 0] = draws[:, 0] < q[0]
        for t in range(1, T):
            state[:, t] = np.where(state[:, t - 1], draws[:, t] < stay, draws[:, t] < enter[t])
        share = rng.uniform(FROZEN_SPELL["share_low"], FROZEN_SPELL["share_high"], G)
        room = np.maximum(self.outstanding - self.overdue, 0.0)
        spell = np.where(state & self.alive, room * share[:, None], 0.0)
        return np.round(np.minimum(base + spell, room), 4)

    def _ratings(self):
        """Sóc Trăng: the sample's (weak WU groups calibrated). Others: the province's cut-points make
        its class mix in RATING_MIX_YEAR the planned one; ratings improve by RATING_YEAR_SLOPE a year
        until then."""
        if self.spec.soc_trang:
            return super()._ratings()
        years, inputs, base = self._rating_latent()
        ref = RATING_MIX_YEAR if RATING_MIX_YEAR in inputs else years[-1]
        shifts = {y: round(RATING_YEAR_SLOPE * (min(y, RATING_MIX_YEAR) - RATING_MIX_YEAR), 6) for y in years}
        good, fair, average, weak = self.spec.rating_mix
        latent_ref = base[ref][inputs[ref][1]] + shifts[ref]
        cum = np.array([weak, weak + average, weak + average + fair])
        cuts = (np.quantile(latent_ref, np.clip(cum, 1e-9, 1 - 1e-9)) if len(latent_ref)
                else np.array(design.RATING_CUTS))
        cuts = np.maximum.accumulate(cuts + np.array([0.0, 1e-9, 2e-9]))
        ratings = {y: np.where(inputs[y][1], np.digitize(base[y] + shifts[y], cuts), -1) for y in years}
        self.rating_shift, self.rating_cuts = shifts, [float(c) for c in cuts]
        return ratings, inputs


