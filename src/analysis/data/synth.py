"""The embedded default data: a calibrated synthetic Sóc Trăng province with a known truth.

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

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis import atomic
from analysis.constants import SEED
from analysis.data import geography
from analysis.data.contract import DIRECTIVE_40_MONTH, RATINGS

DEFAULT_SEED = SEED
SNAPSHOT_MONTH = "2021-05"

# Calibration targets: the source article (source-article.md), Sóc Trăng, 31/5/2021.
TARGETS = {
    "groups": 3190,
    "groups_wu": 908,
    "borrowers": 150175,
    "borrowers_wu": 42884,
    "outstanding": 3826319.0,  # million VND
    "outstanding_wu": 1082342.0,
    "wu_overdue_ratio": {"2016-12": 0.036, "2020-12": 0.0087},
    "wu_weak_groups": {"2016-12": 161, "2020-12": 9},
}
# Groups per association at the snapshot (WU from the article; the split of the rest is assumed).
GROUPS_BY_ASSOCIATION = {"WU": 908, "FU": 1020, "VA": 640, "YU": 622}

# --- the known truth -----------------------------------------------------------------------
BETA_MEETINGS = -0.20  # log change in expected overdue share per extra group meeting in a month
BETA_CHECK_SHARE = -2.0  # per unit share of borrowers whose loan use was checked in the month
A_U = -0.60  # leader capacity (sd 1) on log overdue
DIRECTIVE_LEVEL = -0.10  # log-level change from 2014-11
DIRECTIVE_SLOPE = -0.008  # further log change per month after 2014-11 ...
DIRECTIVE_SLOPE_MONTHS = 36  # ... for this many months
REFORM_NAME = "Kiểm tra sử dụng vốn hằng tháng (monthly loan-use checks)"
# The reform works through its instruments: more loan-use checks (a cohort-specific rise of the
# monthly check rate on the logit scale: earlier adopters checked harder) and more group meetings.
# Its effect on overdue therefore differs across adoption cohorts, so a two-way fixed-effects
# event study is biased while Callaway-Sant'Anna is not.
REFORM_COHORTS = {  # adoption month -> (districts, rise of the check-rate logit at full strength)
    "2017-07": (("943", "948", "950"), 2.0),
    "2018-07": (("942", "946", "949"), 1.3),
    "2019-07": (("944", "951"), 0.7),
}
REFORM_RAMP_MONTHS = 30  # the reform's effect keeps growing for this many months after adoption
# District effects (log scale) average 0.05 in every adoption cohort and among never-treated
# districts, so that parallel trends hold in expectation on the percentage-point scale.
DISTRICT_EFFECT = {"941": 0.00, "945": 0.10, "947": 0.05,   # never treated
                   "943": 0.10, "948": -0.10, "950": 0.15,  # 2017-07
                   "942": 0.00, "946": 0.05, "949": 0.10,   # 2018-07
                   "944": 0.00, "951": 0.10}                # 2019-07
ASSOCIATION_EFFECT = {"WU": -0.10, "FU": 0.05, "VA": -0.05, "YU": 0.15}
SD_COMMUNE = 0.25
SALINITY_PEAK = {"coastal": 0.60, "inland": 0.25}  # 2016 salinity intrusion, log scale
Q_EPISODE = 0.22  # stationary share of group-months in an arrears episode
P_STAY = 0.80  # persistence of an arrears episode month to month
GAMMA_SHAPE = 2.0
MU_CAP = 0.20
# Meetings: group_meetings ~ Binomial(2, p), logit p = MEET0 + MEET_U*u + MEET_DIRECTIVE*post + ...
MEET0, MEET_U, MEET_DIRECTIVE, MEET_REFORM = -0.30, 0.80, 0.60, 0.30
# Checks: loan_use_checks ~ Binomial(borrowers, r), logit r = CHECK0 + CHECK_U*u + ...
CHECK0, CHECK_U, CHECK_DIRECTIVE = -3.3, 0.40, 0.70
# Pre-Directive practice gap (the Directive's "dose"): communes differ in how far their meetings and
# checks fell short before 2014-11 (gap >= 0: a district part and a commune part, half-normal), and
# the Directive closed PRACTICE_CATCH_UP of the gap. Logit shortfall = PRACTICE_MEET * gap (meetings),
# PRACTICE_CHECK * gap (checks). Where the gap was larger, meetings and checks rose more, so overdue
# fell more: a comparison inside the province (analysis.policy.directive_dose).
PRACTICE_SD = {"district": 0.6, "commune": 0.5}
PRACTICE_MEET, PRACTICE_CHECK, PRACTICE_CATCH_UP = 0.8, 0.6, 0.8
# Shocks on the log expected overdue share, shared by groups (2016 salinity aside): real provinces
# have them (prices, floods, staff changes). Sizes are log points: a stationary sd of 0.08 moves a
# 1.5% overdue ratio by about 0.12 percentage points.
SHOCKS = {
    "common_month": {"sd": 0.08, "rho": 0.7},     # province-wide, monthly AR(1)
    "district_month": {"sd": 0.08, "rho": 0.5},   # each district, monthly AR(1)
    "commune_year": {"sd": 0.10},                 # each commune, each calendar year, independent
}
# Ratings: latent = THETA . x + year_shift + logistic noise; classes cut at RATING_CUTS.
THETA = {"meetings_mean": 1.5, "check_cover": 2.0, "overdue_pct": -0.45}
RATING_CUTS = (-1.0, 0.8, 2.2)  # weak | average | fair | good
# Log-scale secular trend: knots (month -> value), linear in between; linear through 2012-2015 so
# that an interrupted time series around Directive 40 sees a straight counterfactual.
TREND_KNOTS = {"2012-01": -3.55, "2016-01": -3.43, "2017-06": -3.25, "2019-01": -3.65, "2021-05": -3.95}
SEASON = np.array([0.02, 0.10, 0.06, 0.0, -0.02, -0.03, -0.03, -0.02, 0.0, -0.01, -0.03, -0.04])


@dataclass(frozen=True)
class SynthData:
    """The synthetic province: contract tables, the truth, and expected shares for checks.

    Attributes:
        tables: ``units``, ``groups``, ``group_months``, ``briefings``, ``reforms``.
        truth: the true parameters and effects (also written as ``truth.json``).
    """

    tables: dict[str, pd.DataFrame]
    truth: dict = field(repr=False)


def generate(seed: int = DEFAULT_SEED, *, scale: float = 1.0, start: str = "2012-01",
             end: str = SNAPSHOT_MONTH, directive: bool = True, reforms: bool = True,
             shocks: float = 1.0, drivers: bool = True) -> SynthData:
    """Generate the synthetic province.

    Args:
        seed: the one seed; the same seed gives identical tables on any machine.
        scale: share of the province's groups to generate (1.0 = 3,190 active groups). All 11
            districts and 109 communes are kept; count targets scale with it.
        start, end: first and last month (YYYY-MM). Calibration applies to target months inside.
        directive, reforms: False switches the policy off (no effect at all: the Monte Carlo's
            null worlds); the reforms table still lists the adoption dates.
        drivers: False sets the effects of meetings and checks on overdue to zero (their null world).
        shocks: multiplier of the ``SHOCKS`` sizes (0 = no shared shocks; 1 = the default).

    Example:
        >>> sd = generate(seed=1, scale=0.05, start="2016-01", end="2017-12")
        >>> sorted(sd.tables)
        ['briefings', 'group_months', 'groups', 'reforms', 'units']
    """
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    months = pd.period_range(start, end, freq="M")
    if len(months) < 2:
        raise ValueError(f"need at least two months between {start} and {end}")
    rng = np.random.default_rng(seed)
    units = geography.units_table()
    groups = _groups(units, rng, scale=scale)
    world = _World(units, groups, months, rng, scale,
                   policy={"directive": directive, "reforms": reforms, "drivers": drivers}, shock_scale=shocks,
                   seed=seed)
    world.simulate()
    truth = world.truth(seed=seed, scale=scale)
    tables = {
        "units": units,
        "groups": groups.drop(columns=["u", "size_at_end"]),
        "group_months": world.group_months(),
        "briefings": _briefings(units, months, rng),
        "reforms": _reforms_table(months),
    }
    return SynthData(tables=tables, truth=truth)


# --- groups ---------------------------------------------------------------------------------

def _groups(units: pd.DataFrame, rng: np.random.Generator, *, scale: float) -> pd.DataFrame:
    """Groups active at the snapshot plus some that closed earlier, with founding dates."""
    weights = np.where(units["commune_type"].eq("ward"), 0.45, 1.0) * rng.gamma(8.0, 1 / 8.0, len(units))
    weights = weights / weights.sum()
    rows = []
    for assoc, n_full in GROUPS_BY_ASSOCIATION.items():
        n = max(len(units) // 20, int(round(n_full * scale)))
        per_commune = rng.multinomial(n, weights)
        for commune, count in zip(units["commune"], per_commune):
            rows.extend({"commune": commune, "association": assoc, "active": True} for _ in range(count))
    active = pd.DataFrame(rows)
    n_closed = int(round(0.05 * len(active)))
    closed = active.sample(n=n_closed, random_state=_rs(rng)).assign(active=False)
    frame = pd.concat([active, closed], ignore_index=True)
    frame = frame.sort_values(["commune", "association"], kind="stable").reset_index(drop=True)
    frame["seq"] = frame.groupby(["commune", "association"]).cumcount() + 1
    frame["group_id"] = frame["commune"] + frame["association"] + frame["seq"].map("{:03d}".format)
    n_total = len(frame)
    early = rng.random(n_total) < 0.85
    founded_year = np.where(early, rng.integers(2003, 2012, n_total), rng.integers(2012, 2021, n_total))
    founded = pd.to_datetime({"year": founded_year, "month": rng.integers(1, 13, n_total), "day": 1})
    founded = founded.where(founded <= pd.Timestamp("2021-04-01"), pd.Timestamp("2021-04-01"))
    closed_on = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    is_closed = ~frame["active"].to_numpy()
    founded = founded.where(~is_closed, pd.to_datetime({"year": rng.integers(2003, 2012, n_total),
                                                        "month": 1, "day": 1}))
    close_month = pd.to_datetime({"year": rng.integers(2013, 2021, n_total), "month": rng.integers(1, 13, n_total),
                                  "day": 1}) - pd.Timedelta(days=1)
    closed_on[is_closed] = close_month[is_closed]
    transaction_point = frame["commune"].map(units.set_index("commune")["transaction_point"])
    hamlet_no = rng.integers(1, 9, n_total)
    return pd.DataFrame({
        "group_id": frame["group_id"].astype("str"),
        "commune": frame["commune"].astype("str"),
        "association": frame["association"].astype("str"),
        "transaction_point": transaction_point.astype("str"),
        "hamlet": pd.Series([f"Ấp {k}" for k in hamlet_no], dtype="str"),
        "founded_on": founded.astype("datetime64[ns]"),
        "closed_on": closed_on,
        "u": rng.standard_normal(n_total),
        "size_at_end": np.clip(np.rint(rng.normal(47.0, 8.0, n_total)), 12, 60).astype(int),
    })


def _rs(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


# --- the panel ------------------------------------------------------------------------------

class _World:
    """Group x month arrays of the simulation (rows: groups, columns: months).

    The class attributes below are the Sóc Trăng design; a subclass (``analysis.data.country``) sets
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
        size_end = _match_total(size_end, active_end, self.assoc, self._count_targets("borrowers"), rng)
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
        common = _ar1(rng, 1, self.T, **SHOCKS["common_month"])[0]
        districts = sorted(set(self.units["district"]))
        d_series = dict(zip(districts, _ar1(rng, len(districts), self.T, **SHOCKS["district_month"])))
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

    def _calibrate_overdue(self):
        """Solve the month effect of each target month so the realised WU ratio hits the article."""
        wu = (self.assoc == "WU")[:, None] & self.alive
        for month, target in TARGETS["wu_overdue_ratio"].items():
            t = self._t(month)
            if t is None:
                continue

            def ratio(shift, t=t):
                eta = self._eta(self.meetings[:, [t]], self.share[:, [t]], directive=True)[:, [t]] + shift
                y = np.minimum(1.0, np.minimum(MU_CAP, np.exp(eta)) * self.multiplier[:, [t]])
                w = self.outstanding[:, [t]] * wu[:, [t]]
                return float((y * w).sum() / w.sum())

            self.month_effect[t] += _bisect(lambda s: ratio(s) - target, -3.0, 3.0)

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

            s = _bisect(lambda s: weak(s) - goal, -10, 10)
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

    def truth(self, *, seed, scale) -> dict:
        return _truth(self, seed=seed, scale=scale)


def _ar1(rng: np.random.Generator, n: int, T: int, *, sd: float, rho: float) -> np.ndarray:
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


def _match_total(size, active, assoc, targets, rng):
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


def _bisect(f, lo, hi, iters=60):
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


# --- truth ----------------------------------------------------------------------------------

def _truth(w: _World, *, seed: int, scale: float) -> dict:
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
    directive = _directive_truth(w, gap, ratio_f, ratio_cf)
    directive["dose_response"] = _dose_truth(w, (w.mu - mu_cf) * 100)
    # Reforms: factual vs a world without reforms (no extra checks, no extra meetings).
    m_nr, _, s_nr = w._regressors(w.borrowers, directive=True, reforms=False)
    mu_nr = w._mu(m_nr, s_nr, directive=True)
    reforms = _reform_truth(w, (w.mu - mu_nr) * 100)
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
            "equation": "E[overdue_share | x, u, t] = min(0.2, exp(eta)); see analysis.data.synth",
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


def _linear_fe_pseudo_true(w: _World, iterations: int = 200) -> dict[str, float]:
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


def _directive_truth(w, gap, ratio_f, ratio_cf):
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


def _dose_truth(w, effect_pp) -> dict:
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


def _reform_truth(w, effect_pp):
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


# --- briefings and reforms ------------------------------------------------------------------

def _briefings(units: pd.DataFrame, months: pd.PeriodIndex, rng: np.random.Generator) -> pd.DataFrame:
    """Giao ban held: province quarterly, district every 2 months, commune monthly (some missed)."""
    post = np.array([m >= pd.Period(DIRECTIVE_40_MONTH, "M") for m in months])
    rows = []
    assoc = list(GROUPS_BY_ASSOCIATION)
    transaction_day = dict(zip(units["commune"], rng.integers(5, 23, len(units))))
    plan = [("province", [geography.PROVINCE_CODE], 3, 0.85, 0.98),
            ("district", sorted(units["district"].unique()), 2, 0.80, 0.95),
            ("commune", list(units["commune"]), 1, 0.85, 0.97)]
    for level, unit_codes, every, p_pre, p_post in plan:
        due = np.array([(m.month - 1) % every == every - 1 for m in months])
        for unit in unit_codes:
            for a in assoc:
                held = due & (rng.random(len(months)) < np.where(post, p_post, p_pre))
                for m in months[held]:
                    day = transaction_day.get(unit, 15)
                    rows.append((level, unit, a, pd.Timestamp(m.year, m.month, min(day, 28))))
    frame = pd.DataFrame(rows, columns=["level", "unit", "association", "date"])
    return frame.astype({"level": "str", "unit": "str", "association": "str"})


def _reforms_table(months: pd.PeriodIndex) -> pd.DataFrame:
    rows = [(d, REFORM_NAME, pd.Timestamp(f"{adopt}-01"))
            for adopt, (districts, _) in REFORM_COHORTS.items() for d in districts]
    frame = pd.DataFrame(rows, columns=["unit", "reform", "adopted_on"])
    return frame.astype({"unit": "str", "reform": "str"})


# --- writing the sample ---------------------------------------------------------------------

def write_sample(out_dir: str | Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict:
    """Generate and write the sample as Parquet tables plus ``truth.json`` and ``SYNTHETIC.txt``.

    Returns a summary with the content hash of the tables (identical for the same seed).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    complete = out_dir / ".complete"
    if complete.exists():
        complete.unlink()
    started = time.perf_counter()
    sd = generate(seed=seed, scale=scale)
    for name, frame in sd.tables.items():
        with atomic.atomic_path(out_dir / f"{name}.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
    atomic.write_text(out_dir / "truth.json", json.dumps(sd.truth, ensure_ascii=False, indent=2))
    atomic.write_text(out_dir / "SYNTHETIC.txt",
                      "SYNTHETIC DATA / DỮ LIỆU MÔ PHỎNG\n"
                      f"Generated by analysis.data.synth (seed {seed}); calibrated to the source article, "
                      "not real VBSP or Union records.\n")
    digest = content_hash(sd.tables)
    summary = {"seed": seed, "scale": scale, "content_hash": digest,
               "rows": {k: len(v) for k, v in sd.tables.items()},
               "seconds": round(time.perf_counter() - started, 2)}
    atomic.write_text(complete, json.dumps(summary, indent=2))
    return summary


def content_hash(tables: dict[str, pd.DataFrame]) -> str:
    """SHA-256 over the tables' contents (column names, dtypes and values), machine-independent."""
    h = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        h.update(name.encode())
        h.update(json.dumps([(c, str(frame[c].dtype)) for c in frame.columns]).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def calibration_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Recompute every calibration target from the tables; one row per target."""
    gm = tables["group_months"].merge(tables["groups"][["group_id", "association"]], on="group_id")
    snap = gm[gm["month"] == pd.Timestamp(f"{SNAPSHOT_MONTH}-01")]
    active = snap[snap["outstanding"] > 0]
    wu = active[active["association"] == "WU"]
    rows = [
        ("groups with outstanding > 0, 2021-05", TARGETS["groups"], active["group_id"].nunique()),
        ("WU groups, 2021-05", TARGETS["groups_wu"], wu["group_id"].nunique()),
        ("borrowers, 2021-05", TARGETS["borrowers"], int(active["borrowers"].sum())),
        ("WU borrowers, 2021-05", TARGETS["borrowers_wu"], int(wu["borrowers"].sum())),
        ("outstanding (million VND), 2021-05", TARGETS["outstanding"], float(active["outstanding"].sum())),
        ("WU outstanding (million VND), 2021-05", TARGETS["outstanding_wu"], float(wu["outstanding"].sum())),
    ]
    gwu = gm[gm["association"] == "WU"]
    for month, target in TARGETS["wu_overdue_ratio"].items():
        m = gwu[gwu["month"] == pd.Timestamp(f"{month}-01")]
        rows.append((f"WU overdue ratio (%), {month}", target * 100, 100 * m["overdue"].sum() / m["outstanding"].sum()))
    for month, target in TARGETS["wu_weak_groups"].items():
        m = gwu[gwu["month"] == pd.Timestamp(f"{month}-01")]
        rows.append((f"WU groups rated weak, {month}", target, int((m["rating"] == "weak").sum())))
    return pd.DataFrame(rows, columns=["target", "article", "sample"])


# --- CLI ------------------------------------------------------------------------------------
