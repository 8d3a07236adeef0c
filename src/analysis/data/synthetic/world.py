"""The simulation of the synthetic province: group x month arrays with a known truth.

No public microdata exist, so the sample is synthetic and says so on every output. It follows the
data contract (``analysis.data.contract``) and is calibrated to the source article (31/5/2021 snapshot;
Women's Union overdue ratio 3.6% at end-2016 and 0.87% at end-2020; weak WU groups 161 -> 9).

The data-generating process (all effects on the log scale of the expected overdue share)::

    mu[g,t]   = min(MU_CAP, exp(eta[g,t]))
    eta[g,t]  = month[t] + assoc[a] + district[d] + commune[c] + A_U * u[g]
                + BETA_MEETINGS * group_meetings[g,t] + BETA_CHECK_SHARE * check_share[g,t]
                + directive[t] + reform[d,t] + salinity[d,t]
    overdue_share[g,t] = min(1, mu[g,t] * S[g,t] / Q * G[g,t])

``u[g]`` is leader capacity: time-invariant, unobserved, and it also raises meetings and checks,
so a pooled regression of overdue on meetings is biased while group fixed effects are not.
``S`` is a persistent arrears-episode state (stationary share Q, independent of everything else)
and ``G`` a mean-one gamma severity, so E[overdue_share | regressors, u, t] = mu exactly (up to the
rarely binding caps) and most group-months have no overdue at all. Poisson pseudo-ML with group and
month fixed effects therefore recovers BETA_MEETINGS and BETA_CHECK_SHARE.

Ratings (each December) follow an ordered logit in observables of that year (mean meetings, share
of borrowers checked, mean overdue share in percent) with year shifts, so an ordered logit on those
regressors recovers its coefficients and cut-points.

Every true effect is also stated in percentage points (``truth.json``), computed from the
expected shares of the factual and counterfactual worlds with common random numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.data.contract import DIRECTIVE_40_MONTH, RATINGS
from analysis.data.synthetic import geography
from analysis.data.synthetic.design import (
    A_U,
    ASSOCIATION_EFFECT,
    BETA_CHECK_SHARE,
    BETA_MEETINGS,
    CHECK0,
    CHECK_DIRECTIVE,
    CHECK_U,
    DIRECTIVE_LEVEL,
    DIRECTIVE_SLOPE,
    DIRECTIVE_SLOPE_MONTHS,
    DISTRICT_EFFECT,
    GAMMA_SHAPE,
    MEET0,
    MEET_DIRECTIVE,
    MEET_REFORM,
    MEET_U,
    MU_CAP,
    P_STAY,
    PRACTICE_CATCH_UP,
    PRACTICE_CHECK,
    PRACTICE_MEET,
    PRACTICE_SD,
    Q_EPISODE,
    RATING_CUTS,
    REFORM_COHORTS,
    REFORM_RAMP_MONTHS,
    SALINITY_PEAK,
    SD_COMMUNE,
    SEASON,
    SHOCKS,
    SNAPSHOT_MONTH,
    TARGETS,
    THETA,
    TREND_KNOTS,
)


def random_state(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


# --- the panel ------------------------------------------------------------------------------

class World:
    """Group x month arrays of the simulation (rows: groups, columns: months).

    The class attributes below are the Sóc Trăng design; a subclass (``analysis.data.synthetic.country.world``) sets
    its own per province (instance attributes set before ``__init__`` runs).
    """

    reform_cohorts = REFORM_COHORTS
    district_effect = DISTRICT_EFFECT
    coastal_districts = geography.COASTAL_DISTRICTS

    def __init__(self, units, groups, months, rng, scale, *, policy, shock_scale, seed):
        self.units, self.groups, self.months, self.rng, self.scale = units, groups, months, rng, scale
        self.policy, self.shock_scale = policy, shock_scale
        # Shocks and practice gaps come from their own streams, so changing their sizes leaves every
        # other draw of the province as it was.
        self.shock_rng = np.random.default_rng([seed, 1])
        self.G, self.T = len(groups), len(months)
        month_start = months.to_timestamp()
        founded = groups["founded_on"].to_numpy()
        closed = groups["closed_on"].to_numpy()
        self.alive = (founded[:, None] <= month_start.to_numpy()[None, :]) & (
            pd.isna(closed)[:, None] | (closed[:, None] >= (month_start + pd.offsets.MonthEnd(0)).to_numpy()[None, :]))
        commune_info = units.set_index("commune")
        self.district = groups["commune"].map(commune_info["district"]).to_numpy()
        self.assoc = groups["association"].to_numpy()
        # Leader capacity and commune effects are centred within each district (over its groups), so
        # a district's level is its stated effect and adoption cohorts start from comparable levels.
        self.u = _centre(groups["u"].to_numpy(), self.district)
        self.t_index = np.arange(self.T)
        self.month_num = months.month.to_numpy()
        self.year = months.year.to_numpy()
        directive = pd.Period(DIRECTIVE_40_MONTH, "M")
        self.months_since_directive = np.array([(m - directive).n for m in months])
        self.post_directive = (self.months_since_directive >= 0).astype(float)
        self.reform_start = np.full(self.G, np.nan)  # month index of adoption, NaN if never
        self.reform_check_boost = np.zeros(self.G)
        for adopt, (districts, boost) in self.reform_cohorts.items():
            k = (pd.Period(adopt, "M") - months[0]).n
            mask = np.isin(self.district, districts)
            self.reform_start[mask] = k
            self.reform_check_boost[mask] = boost
        self.commune_effect = _centre(groups["commune"].map(
            dict(zip(units["commune"], rng.normal(0.0, SD_COMMUNE, len(units))))).to_numpy(), self.district)
        self.commune = groups["commune"].to_numpy()
        self.practice_gap = self._practice_gap(np.random.default_rng([seed, 2]))

    # -- regressors ------------------------------------------------------------------------
    def _reform_post(self):
        start = self.reform_start[:, None]
        with np.errstate(invalid="ignore"):
            event = self.t_index[None, :] - start
        post = np.where(np.isnan(event), 0.0, (event >= 0).astype(float))
        ramp = np.where(post > 0, np.minimum(1.0, (np.nan_to_num(event) + 1) / REFORM_RAMP_MONTHS), 0.0)
        return post, ramp, event

    def _sizes(self):
        """Borrowers and outstanding (million VND), exact snapshot totals."""
        rng, T = self.rng, self.T
        size_end = self.groups["size_at_end"].to_numpy().astype(float)
        active_end = self.alive[:, -1]
        size_end = match_total(size_end, active_end, self.assoc, self._count_targets("borrowers"), rng)
        growth = np.interp(self.t_index, [0, T - 1], [0.90, 1.0]) if T > 1 else np.ones(T)
        wobble = rng.normal(0, 0.04, (self.G, T)).cumsum(axis=1) * 0.15
        wobble -= wobble[:, [-1]]
        borrowers = np.clip(np.rint(size_end[:, None] * growth[None, :] * np.exp(wobble)), 5, 60)
        borrowers[:, -1] = size_end
        loan = np.interp(self.year + (self.month_num - 1) / 12, [2012.0, 2021.4], [13.0, 25.5])
        v = rng.lognormal(0.0, 0.15, self.G)
        outstanding = borrowers * loan[None, :] * v[:, None] * rng.lognormal(0, 0.01, (self.G, T))
        # Exact outstanding totals at the snapshot month, WU and the rest.
        targets = self._money_targets()
        if targets is not None:
            for is_wu, total in ((True, targets[0]), (False, targets[1] - targets[0])):
                sel = active_end & ((self.assoc == "WU") == is_wu)
                outstanding[sel, :] *= total / outstanding[sel, -1].sum()
        outstanding = np.round(outstanding, 3)
        borrowers = np.where(self.alive, borrowers, 0)
        outstanding = np.where(self.alive, outstanding, 0.0)
        return borrowers.astype(np.int64), outstanding

    def _count_targets(self, what):
        if str(self.months[-1]) != SNAPSHOT_MONTH:
            return None
        return (TARGETS[f"{what}_wu"] * self.scale, TARGETS[what] * self.scale)

    def _money_targets(self):
        return self._count_targets("outstanding")

    def _trend(self):
        knots = {(pd.Period(k, "M") - self.months[0]).n: v for k, v in TREND_KNOTS.items()}
        xs, ys = zip(*sorted(knots.items()))
        return np.interp(self.t_index, xs, ys) + SEASON[self.month_num - 1]

    def _salinity(self):
        coastal = np.isin(self.district, self.coastal_districts)
        peak = np.where(coastal, SALINITY_PEAK["coastal"], SALINITY_PEAK["inland"])
        # Drought and salinity from 2016-02; repayment trouble lags the failed crops: the effect
        # ramps up to a peak in 2016-09 and is gone by 2017-06.
        profile = np.zeros(self.T)
        for i, m in enumerate(self.months):
            k = (m - pd.Period("2016-03", "M")).n
            if 0 <= k < 7:
                profile[i] = (k + 1) / 7
            elif 7 <= k < 15:
                profile[i] = 1 - (k - 6) / 9
        return peak[:, None] * profile[None, :]

    def _shocks(self) -> dict[str, np.ndarray]:
        """Shared shocks (G x T arrays, log scale): province AR(1) by month, district AR(1) by month,
        commune by calendar year; sizes ``SHOCKS`` times ``shock_scale``."""
        rng, k = self.shock_rng, self.shock_scale
        common = ar1(rng, 1, self.T, **SHOCKS["common_month"])[0]
        districts = sorted(set(self.units["district"]))
        d_series = dict(zip(districts, ar1(rng, len(districts), self.T, **SHOCKS["district_month"])))
        years = np.unique(self.year)
        communes = list(self.units["commune"])
        cy = rng.normal(0.0, SHOCKS["commune_year"]["sd"], (len(communes), len(years)))
        c_row = dict(zip(communes, cy))
        year_col = np.searchsorted(years, self.year)
        return {
            "common_month": k * np.broadcast_to(common[None, :], (self.G, self.T)),
            "district_month": k * np.array([d_series[d] for d in self.district]).reshape(self.G, self.T),
            "commune_year": k * np.array([c_row[c][year_col] for c in self.commune]).reshape(self.G, self.T),
        }

    def _directive(self, on: bool):
        if not on:
            return np.zeros(self.T)
        k = self.months_since_directive
        return np.where(k >= 0, DIRECTIVE_LEVEL + DIRECTIVE_SLOPE * np.minimum(k, DIRECTIVE_SLOPE_MONTHS), 0.0)

    def _practice_gap(self, rng):
        """Pre-Directive practice gap of each group's commune (>= 0; district part + commune part)."""
        districts = sorted(set(self.units["district"]))
        d_part = dict(zip(districts, np.abs(rng.normal(0.0, PRACTICE_SD["district"], len(districts)))))
        c_part = dict(zip(self.units["commune"], np.abs(rng.normal(0.0, PRACTICE_SD["commune"], len(self.units)))))
        return np.array([d_part[d] + c_part[c] for d, c in zip(self.district, self.commune)])

    def _regressors(self, borrowers, *, directive: bool, reforms: bool):
        directive = directive and self.policy["directive"]
        reforms = reforms and self.policy["reforms"]
        post_d = self.post_directive[None, :] if directive else 0.0
        _, ramp, _ = self._reform_post()
        if not reforms:
            ramp = ramp * 0
        shortfall = self.practice_gap[:, None] * (1 - PRACTICE_CATCH_UP * post_d) * np.ones((1, self.T))
        p_meet = special.expit(MEET0 + MEET_U * self.u[:, None] + MEET_DIRECTIVE * post_d
                               + MEET_REFORM * ramp + 0.3 * self.commune_effect[:, None]
                               - PRACTICE_MEET * shortfall)
        meetings = (self.U_meet[0] < p_meet).astype(np.int64) + (self.U_meet[1] < p_meet).astype(np.int64)
        r_check = special.expit(CHECK0 + CHECK_U * self.u[:, None] + CHECK_DIRECTIVE * post_d
                                + ramp * self.reform_check_boost[:, None] - PRACTICE_CHECK * shortfall)
        checks = stats.binom.ppf(self.U_check, np.maximum(borrowers, 1), r_check)
        checks = np.where(borrowers > 0, checks, 0).astype(np.int64)
        share = np.divide(checks, borrowers, out=np.zeros(checks.shape), where=borrowers > 0)
        return meetings, checks, share

    def _eta(self, meetings, share, *, directive: bool):
        assoc = np.vectorize(ASSOCIATION_EFFECT.get)(self.assoc)
        district = np.vectorize(self.district_effect.get)(self.district)
        static = assoc + district + self.commune_effect + A_U * self.u
        on = 1.0 if self.policy["drivers"] else 0.0
        return (self.month_effect[None, :] + static[:, None] + on * BETA_MEETINGS * meetings
                + on * BETA_CHECK_SHARE * share + self._directive(directive and self.policy["directive"])[None, :]
                + self.salinity + self.shocks)

    def simulate(self):
        rng, G, T = self.rng, self.G, self.T
        self.borrowers, self.outstanding = self._sizes()
        self.U_meet = rng.random((2, G, T))
        self.U_check = rng.random((G, T))
        self.salinity = self._salinity()
        self.shock_parts = self._shocks()
        self.shocks = sum(self.shock_parts.values())
        self.month_effect = self._trend()
        self.meetings, self.checks, self.share = self._regressors(
            self.borrowers, directive=True, reforms=True)
        # Arrears episodes (persistent, independent of everything else) and severities.
        state = np.zeros((G, T), dtype=bool)
        p_enter = Q_EPISODE * (1 - P_STAY) / (1 - Q_EPISODE)
        state[:, 0] = rng.random(G) < Q_EPISODE
        draws = rng.random((G, T))
        for t in range(1, T):
            state[:, t] = np.where(state[:, t - 1], draws[:, t] < P_STAY, draws[:, t] < p_enter)
        self.multiplier = state / Q_EPISODE * rng.gamma(GAMMA_SHAPE, 1 / GAMMA_SHAPE, (G, T))
        self._calibrate_overdue()
        self.mu = self._mu(self.meetings, self.share, directive=True)
        self.overdue_share = np.where(self.alive, np.minimum(1.0, self.mu * self.multiplier), 0.0)
        self.overdue = np.round(self.overdue_share * self.outstanding, 4)
        self.frozen = self._frozen()
        self.ratings, self.rating_inputs = self._ratings()

    def _mu(self, meetings, share, *, directive: bool):
        return np.minimum(MU_CAP, np.exp(self._eta(meetings, share, directive=directive)))

    def _calibrate_overdue(self, *, realised: bool = True):
        """Solve the month effect of each target month so the realised WU ratio hits the article
        (``realised=False``: the expected ratio, arrears multiplier 1, for a world too small for its
        draws to average out)."""
        wu = (self.assoc == "WU")[:, None] & self.alive
        for month, target in TARGETS["wu_overdue_ratio"].items():
            t = self._t(month)
            if t is None:
                continue
            mult = self.multiplier[:, [t]] if realised else 1.0

            def ratio(shift, t=t, mult=mult):
                eta = self._eta(self.meetings[:, [t]], self.share[:, [t]], directive=True)[:, [t]] + shift
                y = np.minimum(1.0, np.minimum(MU_CAP, np.exp(eta)) * mult)
                w = self.outstanding[:, [t]] * wu[:, [t]]
                return float((y * w).sum() / w.sum())

            self.month_effect[t] += bisect(lambda s: ratio(s) - target, -3.0, 3.0)

    def _t(self, month):
        k = (pd.Period(month, "M") - self.months[0]).n
        return k if 0 <= k < self.T else None

    def _frozen(self):
        """Frozen debt (nợ khoanh) after the 2016 salinity intrusion in coastal districts."""
        rng = self.rng
        coastal = np.isin(self.district, self.coastal_districts)[:, None]
        window = np.array([pd.Period("2016-06", "M") <= m <= pd.Period("2018-06", "M") for m in self.months])
        hit = coastal & window[None, :] & (rng.random((self.G, self.T)) < 0.03) & self.alive
        room = np.maximum(self.outstanding - self.overdue, 0.0)
        return np.round(np.where(hit, room * rng.uniform(0.01, 0.05, (self.G, self.T)), 0.0), 4)

    # -- ratings ---------------------------------------------------------------------------
    def _ratings(self):
        """December ratings from an ordered logit in that year's observables (known truth)."""
        years, inputs, base = self._rating_latent()
        shifts = {y: 0.0 for y in years}
        for month, target in TARGETS["wu_weak_groups"].items():
            y = int(month[:4])
            if y not in shifts:
                continue
            wu = (self.assoc == "WU") & inputs[y][1]
            goal = target * self.scale
            def weak(s, y=y, wu=wu):
                return int(np.sum(wu & (base[y] + s < RATING_CUTS[0])))

            s = bisect(lambda s: weak(s) - goal, -10, 10)
            shifts[y] = min((s - 1e-9, s + 1e-9), key=lambda v: abs(weak(v) - goal))
        shifts = _fill_shifts(shifts)
        ratings = {}
        for y in years:
            latent = base[y] + shifts[y]
            cls = np.digitize(latent, RATING_CUTS)  # 0 weak .. 3 good
            ratings[y] = np.where(inputs[y][1], cls, -1)
        self.rating_shift = shifts
        return ratings, inputs

    def _rating_latent(self):
        """(December years, {year: (regressors, alive in December)}, {year: theta . x + logistic noise})."""
        rng = self.rng
        years = sorted(set(self.year[self.month_num == 12]))
        eps = rng.logistic(0.0, 1.0, (self.G, len(years)))
        inputs = {}
        for y in years:
            cols = (self.year == y)
            alive = self.alive[:, cols]
            n = np.maximum(alive.sum(axis=1), 1)
            x = {
                "meetings_mean": (self.meetings[:, cols] * alive).sum(axis=1) / n,
                "check_cover": np.minimum(1.0, self.checks[:, cols].sum(axis=1)
                                          / np.maximum(self.borrowers[:, cols].max(axis=1), 1)),
                "overdue_pct": 100 * (self.overdue_share[:, cols] * alive).sum(axis=1) / n,
            }
            inputs[y] = (x, self.alive[:, self._t(f"{y}-12")])
        base = {y: sum(THETA[k] * v for k, v in x.items()) + eps[:, j]
                for j, (y, (x, _)) in enumerate(inputs.items())}
        return years, inputs, base

    # -- outputs ---------------------------------------------------------------------------
    def group_months(self) -> pd.DataFrame:
        rng = self.rng
        g_idx, t_idx = np.nonzero(self.alive)
        month_ts = self.months.to_timestamp()
        rating = np.full(self.alive.shape, None, dtype=object)
        labels = np.array(list(reversed(RATINGS)), dtype=object)  # weak, average, fair, good
        for y, cls in self.ratings.items():
            t = self._t(f"{y}-12")
            rating[cls >= 0, t] = labels[cls[cls >= 0]]
        savings_per = np.interp(self.year + self.month_num / 12, [2012, 2021.5], [0.4, 1.6])
        post = self.post_directive[None, :]
        visits = rng.poisson(0.25 + 0.25 * post + 0.1 * (self.u[:, None] > 0), self.alive.shape)
        arrears = self.overdue * rng.uniform(0.01, 0.05, self.alive.shape) + \
            (rng.random(self.alive.shape) < 0.05) * self.outstanding * 0.002
        frame = pd.DataFrame({
            "group_id": self.groups["group_id"].to_numpy()[g_idx],
            "month": month_ts.to_numpy()[t_idx],
            "borrowers": self.borrowers[g_idx, t_idx],
            "outstanding": self.outstanding[g_idx, t_idx],
            "overdue": self.overdue[g_idx, t_idx],
            "frozen": self.frozen[g_idx, t_idx],
            "interest_arrears": np.round(arrears[g_idx, t_idx], 4),
            "savings": np.round(self.borrowers * savings_per[None, :], 3)[g_idx, t_idx],
            "group_meetings": self.meetings[g_idx, t_idx],
            "loan_use_checks": self.checks[g_idx, t_idx],
            "supervision_visits": visits[g_idx, t_idx].astype(np.int64),
            "rating": pd.Series(rating[g_idx, t_idx], dtype="str").where(
                pd.notna(rating[g_idx, t_idx]), pd.NA),
        })
        frame["group_id"] = frame["group_id"].astype("str")
        return frame.sort_values(["group_id", "month"], kind="stable").reset_index(drop=True)


def ar1(rng: np.random.Generator, n: int, T: int, *, sd: float, rho: float) -> np.ndarray:
    """``n`` stationary AR(1) series of length ``T`` with marginal sd ``sd`` and coefficient ``rho``."""
    out = np.empty((n, T))
    out[:, 0] = rng.normal(0.0, sd, n)
    innovation = sd * np.sqrt(1 - rho**2)
    for t in range(1, T):
        out[:, t] = rho * out[:, t - 1] + rng.normal(0.0, innovation, n)
    return out


def _centre(values: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Subtract each ``by`` group's mean."""
    means = pd.Series(values).groupby(by).transform("mean").to_numpy()
    return values - means


def match_total(size, active, assoc, targets, rng):
    """Nudge group sizes (within 5-60) so the snapshot borrower totals are exact."""
    if targets is None:
        return size
    size = size.copy()
    for is_wu, total in ((True, targets[0]), (False, targets[1] - targets[0])):
        idx = np.flatnonzero(active & ((assoc == "WU") == is_wu))
        goal = int(round(total))
        diff = goal - int(size[idx].sum())
        while diff != 0:
            step = 1 if diff > 0 else -1
            ok = idx[(size[idx] + step >= 5) & (size[idx] + step <= 60)]
            pick = rng.choice(ok, size=min(abs(diff), len(ok)), replace=False)
            size[pick] += step
            diff -= step * len(pick)
    return size


def bisect(f, lo, hi, iters=60):
    f_lo = f(lo)
    for _ in range(iters):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (lo + hi) / 2


def _fill_shifts(shifts: dict[int, float]) -> dict[int, float]:
    """Years without a target take a shift interpolated (flat outside) between target years."""
    known = {y: s for y, s in shifts.items() if s != 0.0}
    if not known:
        return shifts
    xs, ys = zip(*sorted(known.items()))
    return {y: float(np.interp(y, xs, ys)) for y in shifts}
