"""The synthetic country's plan: the national targets and every province's parameters, from the seed
alone (no simulation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.data import registry
from analysis.data.synthetic import design, provinces
from analysis.data.synthetic.world import ar1

COUNTRY_START, COUNTRY_END = "2012-01", "2026-10"
REFERENCE_MONTH = design.SNAPSHOT_MONTH  # groups are counted at Sóc Trăng's snapshot month
PARTITIONED = ("groups", "group_months", "briefings")  # written per province; units and reforms whole
PARTITION_KEY = "province"
NATIONAL_GROUPS = 170_000  # savings-and-loan groups nationally, "in the order of 170,000" (design.md) [U]
VALID_FROM = "2008-01-01"  # first day of the pre-2025 units in the synthetic data (as the sample)

# --- national targets (shared/domain.md 4.1; [V] verified, [D] derived, [A] assumption of the generator)
NATIONAL_BORROWERS = {  # borrowers with outstanding loans, end of month
    "2012-01": 6.80e6,  # [A]
    "2014-12": 6.70e6,  # [A]
    "2018-12": 6.45e6,  # [A]
    "2021-12": 6.40e6,  # [V] "nearly 6.4 million" (sbv.gov.vn)
    "2022-12": 6.52e6,  # [V] "over 6.5 million"
    "2023-12": 6.80e6,  # [V] 6.8 million
    "2024-06": 6.82e6,  # [V] ">6.8 million"
    "2024-12": 6.88e6,  # [V] "nearly 6.9 million"
    "2026-10": 7.00e6,  # [A]
}
NATIONAL_OUTSTANDING = {  # million VND, end of month
    "2012-01": 98_500e3,  # [A] about 10%/yr growth back from end-2014
    "2014-12": 129_457e3,  # [D] 350,822 - 221,365 bn
    "2020-08": 221_520e3,  # [D] entrusted 220,545 bn = 99.56% of the total
    "2020-12": 226_197e3,  # [D] 247,970 - 21,773 bn
    "2021-12": 247_970e3,  # [V]
    "2022-12": 283_348e3,  # [V]
    "2023-12": 332_000e3,  # [V] "nearly 332,000 bn"
    "2024-06": 351_000e3,  # [V] about 351,000 bn
    "2024-07": 350_822e3,  # [V]
    "2024-12": 367_631e3,  # [V]
    "2026-10": 425_000e3,  # [A] about 8%/yr
}
# Frozen debt (nợ khoanh) as a share of outstanding nationally: not published [A]; risk handling
# rose with COVID-19 (2020-2021). With it, overdue + frozen is 0.57% at end-2023 and 0.56% at end-2024.
NATIONAL_FROZEN = {"2012-01": 0.0008, "2019-12": 0.0008, "2021-12": 0.0020, "2026-10": 0.0020}
OVERDUE_TARGETS = {  # national overdue ratio (overdue / outstanding), frozen excluded
    "2014-12": 0.0038,  # [V] overdue 0.38%
    "2020-08": 0.0025,  # [V] overdue 0.25%
    "2023-12": 0.0057 - 0.0020,  # [V] 0.57% (taken as overdue + frozen) minus NATIONAL_FROZEN
    "2024-12": 0.0056 - 0.0020,  # [V] overdue + frozen 0.56%
}
# Where a province's calibration shift applies: the shift solved at 2014-12 holds flat back to the
# start and to 2016-01, so that 2012-2015 (the Directive's ITS window) has no kink; linear between.
SHIFT_KNOTS = {"2014-12": "2016-01", "2020-08": "2020-08", "2023-12": "2023-12", "2024-12": "2024-12"}
# Sóc Trăng's all-association overdue ratio at the target months, expected under its own calibration
# (WU 3.6% in 2016 and 0.87% in 2020) [A]: the other provinces' targets leave room for it.
SOC_TRANG_RATIO = {"2014-12": 0.025, "2020-08": 0.011, "2023-12": 0.010, "2024-12": 0.010}
# National shape of the log expected overdue share between target months [A]: COVID-19 in 2021,
# post-COVID arrears in 2022-2023.
NATIONAL_SHAPE = {"2012-01": 0.0, "2016-01": -0.05, "2017-06": 0.05, "2019-06": -0.10, "2020-08": -0.15,
                  "2021-09": 0.05, "2023-06": 0.20, "2026-10": 0.15}
BASE_LEVEL = -5.3  # log expected overdue share of a typical province before calibration [A]

# --- national layer of shocks and provincial heterogeneity [A] ----------------------------------------
NATIONAL_SHOCK = {"sd": 0.06, "rho": 0.8}  # national monthly AR(1), log points, common to every province
PRACTICE_SD_PROVINCE = 0.5  # province part of the pre-Directive practice gap (half-normal)
REGION_RISK = {"NMM": 1.3, "RRD": 0.6, "NCC": 0.9, "CH": 1.4, "SE": 0.6, "MD": 1.2}  # relative overdue
RISK_SD = 0.35  # log sd of a province's relative overdue level around its region's
REGION_WEIGHT = {"NMM": 1.0, "RRD": 0.75, "NCC": 1.05, "CH": 1.2, "SE": 0.6, "MD": 1.15}  # borrowers per commune
DISTRICT_SD = 0.12  # district effects (log) in provinces other than Sóc Trăng
ASSOCIATION_MIX = {"WU": 0.33, "FU": 0.31, "VA": 0.19, "YU": 0.17}  # mean share of groups (local examples, 4.3)
ASSOCIATION_CONCENTRATION = 40.0
MEMBERS_MEAN = 38.0  # borrowers per group nationally, about 6.4 million / 170,000 [D]
RATING_MIX = {  # good, fair, average, weak (domain.md 1a) [V]
    "hue_like": (0.975, 0.025, 0.0, 0.0),  # Quảng Điền (Huế) 2020
    "ca_mau_like": (0.4875, 0.2651, 0.2436, 0.0038),  # Cà Mau 2025
}
RATING_MIX_KNOWN = {"46": RATING_MIX["hue_like"], "96": RATING_MIX["ca_mau_like"]}  # observed there (1a) [V]
RATING_MIX_BETA = (1.0, 2.5)  # other provinces: a position between the two mixes, most near Huế's [A]
RATING_MIX_YEAR = 2020  # the year the class mix applies; latent shifts by year around it
RATING_YEAR_SLOPE = 0.10  # ratings improve by this much latent per year until RATING_MIX_YEAR [A]
REFORM_PROVINCE_SHARE = 0.22  # share of provinces (besides Sóc Trăng) with a staggered reform [A]
REFORM_MONTHS = ("2016-07", "2017-07", "2018-01", "2018-07", "2019-07", "2020-07", "2021-07", "2022-07", "2023-07")
REFORM_BOOSTS = (2.0, 1.3, 0.7)  # check-rate logit rise by cohort order: earlier adopters check harder
YAGI_PROVINCES = ("02", "04", "08", "10", "15", "19", "20", "22", "24", "25", "30", "31", "34")  # [U]
YAGI_PEAK = 0.45  # log points at the worst month (2024-12), gone by 2025-09 [A]
FROZEN_SPELL = {"stay": 0.95, "share_low": 0.05, "share_high": 0.25}  # frozen episodes [A]
CLOSE_BEFORE, CLOSE_AFTER, FOUNDED_AFTER = 0.05, 0.07, 0.06  # group turnover around REFERENCE_MONTH [A]
UNINHABITED = ("498",)  # Hoàng Sa island district: no resident households, so no groups [U]
POLICY_ON = {"directive": True, "reforms": True, "drivers": True}  # the Monte Carlo's null world turns them off
GROUP_SUCCESSOR_SHARE = 0.8  # groups of divided communes whose new commune the data name [A]; the rest by default


# --- the plan: every province's parameters, from the seed alone -------------------------------------

@dataclass(frozen=True)
class ProvinceSpec:
    """One province's design (all at scale 1; the country's truth.json states them).

    Attributes:
        code, name, region: from ``provinces.PROVINCES``.
        seed: the province's own seed (from the country seed and its code).
        groups: groups by association active at REFERENCE_MONTH.
        borrowers, outstanding: the province's monthly paths (borrowers; million VND).
        members_mean: mean borrowers per group drawn for its groups.
        rel_risk: overdue level relative to the nation.
        overdue_targets: month -> expected overdue ratio the province is calibrated to.
        practice_part: the province part of the pre-Directive practice gap (logit units, >= 0).
        rating_mix: target class shares (good, fair, average, weak) in RATING_MIX_YEAR.
        reform: (adoption months, boosts, share of districts never adopting) or None.
        salinity, yagi: exposed to the 2016 Mekong salinity / to typhoon Yagi.
    """

    code: str
    name: str
    region: str
    seed: int
    groups: dict
    borrowers: np.ndarray = field(repr=False)
    outstanding: np.ndarray = field(repr=False)
    members_mean: float = MEMBERS_MEAN
    rel_risk: float = 1.0
    overdue_targets: dict = field(default_factory=dict)
    practice_part: float = 0.0
    rating_mix: tuple = RATING_MIX["hue_like"]
    reform: tuple | None = None
    salinity: bool = False
    yagi: bool = False
    new_communes: int = 0

    @property
    def soc_trang(self) -> bool:
        return self.code == provinces.SOC_TRANG


@dataclass(frozen=True)
class CountryPlan:
    """The country before any simulation: months, national paths, the national shock and every
    province's spec. It depends on the seed only (never on which provinces are generated), so a
    province's data are the same whether it is generated alone or with the others."""

    seed: int
    scale: float
    months: pd.PeriodIndex
    specs: dict
    national_shock: np.ndarray = field(repr=False)
    borrowers: np.ndarray = field(repr=False)
    outstanding: np.ndarray = field(repr=False)
    frozen: np.ndarray = field(repr=False)
    policy: dict = field(default_factory=lambda: dict(POLICY_ON))

    def t(self, month: str) -> int | None:
        k = (pd.Period(month, "M") - self.months[0]).n
        return k if 0 <= k < len(self.months) else None


def stream(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def knot_path(months: pd.PeriodIndex, knots: dict[str, float], *, log: bool = True) -> np.ndarray:
    """Piecewise (log-)linear interpolation of ``knots`` (month -> value) over ``months``; flat outside."""
    x = np.array([(pd.Period(k, "M") - months[0]).n for k in knots], dtype=float)
    y = np.array(list(knots.values()), dtype=float)
    grid = np.arange(len(months), dtype=float)
    return np.exp(np.interp(grid, x, np.log(y))) if log else np.interp(grid, x, y)


def make_plan(seed: int = design.DEFAULT_SEED, *, scale: float = 1.0, start: str = COUNTRY_START,
              end: str = COUNTRY_END, policy: dict | None = None) -> CountryPlan:
    """Every province's design and the national paths, from ``seed`` alone (cheap: no simulation).

    ``policy``: which of Directive 40, the reforms and the effects of meetings and checks on overdue
    are on (default all; the national Monte Carlo's null world switches them off, as
    ``synthetic.generate``'s flags do for one province)."""
    policy = {**POLICY_ON, **(policy or {})}
    if set(policy) != set(POLICY_ON):
        raise ValueError(f"policy keys must be {sorted(POLICY_ON)}, got {sorted(policy)}")
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    months = pd.period_range(start, end, freq="M")
    if len(months) < 2:
        raise ValueError(f"need at least two months between {start} and {end}")
    rng = stream(seed, 2025)
    national_shock = ar1(stream(seed, 2025, 1), 1, len(months), **NATIONAL_SHOCK)[0]
    borrowers = knot_path(months, NATIONAL_BORROWERS)
    outstanding = knot_path(months, NATIONAL_OUTSTANDING)
    frozen = knot_path(months, NATIONAL_FROZEN, log=False)
    codes = sorted(provinces.PROVINCES)
    n = len(codes)
    # Draws for every province in a fixed order (whatever is used), so streams never shift.
    draws = {
        "weight": rng.lognormal(0.0, 0.25, n), "growth": rng.normal(0.0, 0.015, n),
        "loan": rng.lognormal(0.0, 0.15, n), "risk": rng.lognormal(0.0, RISK_SD, n),
        "assoc": rng.dirichlet(ASSOCIATION_CONCENTRATION * np.array(list(ASSOCIATION_MIX.values())), n),
        "members": rng.normal(MEMBERS_MEAN, 4.0, n), "practice": np.abs(rng.normal(0.0, PRACTICE_SD_PROVINCE, n)),
        "mix": rng.beta(*RATING_MIX_BETA, n), "reform": rng.random(n), "cohorts": rng.integers(2, 4, n),
        "never": rng.uniform(0.2, 0.4, n), "months": [rng.choice(len(REFORM_MONTHS), 3, replace=False) for _ in codes],
    }
    t_ref = (pd.Period(REFERENCE_MONTH, "M") - months[0]).n
    years = (np.arange(len(months)) - t_ref) / 12.0
    st = codes.index(provinces.SOC_TRANG)
    st_b_share = design.TARGETS["borrowers"] / _ref_value(NATIONAL_BORROWERS, REFERENCE_MONTH)
    st_o_share = design.TARGETS["outstanding"] / _ref_value(NATIONAL_OUTSTANDING, REFERENCE_MONTH)
    weight = np.array([provinces.PROVINCES[c].communes * REGION_WEIGHT[provinces.PROVINCES[c].region]
                       for c in codes]) * draws["weight"]
    b_raw = weight[:, None] * np.exp(draws["growth"][:, None] * years[None, :])
    o_raw = b_raw * draws["loan"][:, None]
    b_raw[st], o_raw[st] = 0.0, 0.0
    b_share = b_raw / b_raw.sum(axis=0) * (1 - st_b_share)
    o_share = o_raw / o_raw.sum(axis=0) * (1 - st_o_share)
    b_share[st], o_share[st] = st_b_share, st_o_share
    risk = np.array([REGION_RISK[provinces.PROVINCES[c].region] for c in codes]) * draws["risk"]
    members = np.clip(draws["members"], 30.0, 47.0)
    groups_ref = b_share[:, t_ref if 0 <= t_ref < len(months) else 0] / members
    groups_ref[st] = 0.0
    groups_ref = groups_ref / groups_ref.sum() * (NATIONAL_GROUPS - design.TARGETS["groups"])
    new_counts = registry.successors().groupby("province")["new_commune"].nunique()
    specs = {}
    for i, code in enumerate(codes):
        p = provinces.PROVINCES[code]
        if i == st:
            groups = dict(design.GROUPS_BY_ASSOCIATION)
        else:
            shares = draws["assoc"][i]
            groups = {a: int(round(groups_ref[i] * s)) for a, s in zip(ASSOCIATION_MIX, shares)}
        targets = {}
        for month, national in OVERDUE_TARGETS.items():
            k = (pd.Period(month, "M") - months[0]).n
            if i == st or not 0 <= k < len(months):
                continue
            rest = (national - o_share[st, k] * SOC_TRANG_RATIO[month]) / (1 - o_share[st, k])
            others = np.delete(np.arange(n), st)
            mean_risk = (o_share[others, k] * risk[others]).sum() / o_share[others, k].sum()
            targets[month] = float(rest * risk[i] / mean_risk)
        lam = draws["mix"][i]
        mix = RATING_MIX_KNOWN.get(code) or tuple(
            lam * a + (1 - lam) * b for a, b in zip(RATING_MIX["ca_mau_like"], RATING_MIX["hue_like"]))
        reform = None
        if i == st:
            reform = None  # Sóc Trăng keeps design.REFORM_COHORTS
        elif draws["reform"][i] < REFORM_PROVINCE_SHARE:
            k = int(draws["cohorts"][i])
            chosen = sorted(REFORM_MONTHS[j] for j in draws["months"][i][:k])
            reform = (tuple(chosen), REFORM_BOOSTS[:k], float(draws["never"][i]))
        specs[code] = ProvinceSpec(
            code=code, name=p.name, region=p.region,
            seed=int(np.random.SeedSequence([seed, int(code)]).generate_state(1)[0]),
            groups=groups, borrowers=borrowers * b_share[i], outstanding=outstanding * o_share[i],
            members_mean=float(members[i]), rel_risk=float(risk[i]), overdue_targets=targets,
            practice_part=float(draws["practice"][i]), rating_mix=mix, reform=reform,
            salinity=p.region == "MD", yagi=code in YAGI_PROVINCES, new_communes=int(new_counts[code]))
    return CountryPlan(seed=seed, scale=scale, months=months, specs=specs, national_shock=national_shock,
                       borrowers=borrowers, outstanding=outstanding, frozen=frozen, policy=policy)


def _ref_value(knots: dict[str, float], month: str) -> float:
    """A national path's value at ``month`` (log-linear between knots)."""
    first = pd.Period(min(knots), "M")
    grid = pd.period_range(first, max(max(knots), month), freq="M")
    return float(knot_path(grid, knots)[(pd.Period(month, "M") - first).n])


