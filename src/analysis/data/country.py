"""A synthetic country: 63 provinces, 2012-01 to 2026-10, and the 1 July 2025 reorganisation.

``python -m analysis synth --country --out DIR`` writes it as a Parquet dataset partitioned by the
province before 2025 (``DIR/group_months/province=94/part-0.parquet``; ``units.parquet`` and
``reforms.parquet`` whole), one province at a time, so that memory does not grow with the number of
provinces. Everything is synthetic and marked so; the structure follows ``provinces`` (real province
names and codes, the 63 -> 34 map, mostly [U]) and the national figures of shared/domain.md 4.1.

The data-generating process is that of ``analysis.data.synth`` (one ``synth._World`` per province,
same parameters of meetings, checks, leader capacity, Directive 40, reforms and ratings), with:

- **Sóc Trăng (94)** as in the sample: its real districts and communes (``geography``), district
  effects, reform cohorts, 2016 salinity, and its calibration targets (``synth.TARGETS``: the
  2021-05 snapshot counts and money exactly, Women's Union overdue ratios and weak groups);
- **other provinces**: synthetic districts and communes (names ``Huyện mô phỏng 03``,
  ``Xã mô phỏng 03-07``: clearly not real), their own district effects, overdue level
  (``rel_risk``), association mix, group size, rating class mix (domain.md 1a: provinces differ a
  lot, from Huế-like 97.5% good to Cà Mau-like 49/27/24/0.4), pre-Directive practice gap (the
  Directive's dose varies across provinces), staggered reforms in some provinces (districts adopt at
  different dates; most provinces never), the 2016 salinity in the Mekong Delta and typhoon Yagi
  (2024-09) in the north [U];
- **national totals** near the published figures (``NATIONAL_BORROWERS``, ``NATIONAL_OUTSTANDING``
  and the overdue targets ``OVERDUE_TARGETS``): each province's borrowers and outstanding follow its
  share of the national paths month by month, and each province's expected overdue ratio (without
  its shocks) is calibrated to its share of the national target at the target months;
- **shocks** (issue 8): a national monthly AR(1) shock common to every province
  (``NATIONAL_SHOCK``) on top of ``synth.SHOCKS`` (a province-wide monthly AR(1), district monthly
  AR(1), commune-by-year);
- **the reorganisation**: every old commune maps to one new commune (about 3 to 1, sometimes
  across old districts; Sóc Trăng 109 -> 43) in one of the 34 new provinces, valid from 2025-07-01
  (``units.successor_*``); groups and transaction points are kept and stay attached to their old
  commune; no district briefings after 2025-06; province briefings from 2025-07 are those of the new
  province.

``truth.json`` holds the national and per-province truth: Directive 40's effect by province and
nationally, the dose (practice gap) by province and the cross-province dose-response, reform cohorts
and effects, shock sizes and the realised national and province shock series, rating cut-points and
class mixes, and the national totals by year against the published figures.
"""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import atomic, paths
from analysis.data import geography, provinces, registry, synth
from analysis.data.contract import DIRECTIVE_40_MONTH
from analysis.errors import UserError

COUNTRY_START, COUNTRY_END = "2012-01", "2026-10"
REFERENCE_MONTH = synth.SNAPSHOT_MONTH  # groups are counted at Sóc Trăng's snapshot month
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

    def t(self, month: str) -> int | None:
        k = (pd.Period(month, "M") - self.months[0]).n
        return k if 0 <= k < len(self.months) else None


def _stream(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def _path(months: pd.PeriodIndex, knots: dict[str, float], *, log: bool = True) -> np.ndarray:
    """Piecewise (log-)linear interpolation of ``knots`` (month -> value) over ``months``; flat outside."""
    x = np.array([(pd.Period(k, "M") - months[0]).n for k in knots], dtype=float)
    y = np.array(list(knots.values()), dtype=float)
    grid = np.arange(len(months), dtype=float)
    return np.exp(np.interp(grid, x, np.log(y))) if log else np.interp(grid, x, y)


def make_plan(seed: int = synth.DEFAULT_SEED, *, scale: float = 1.0, start: str = COUNTRY_START,
              end: str = COUNTRY_END) -> CountryPlan:
    """Every province's design and the national paths, from ``seed`` alone (cheap: no simulation)."""
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    months = pd.period_range(start, end, freq="M")
    if len(months) < 2:
        raise ValueError(f"need at least two months between {start} and {end}")
    rng = _stream(seed, 2025)
    national_shock = synth._ar1(_stream(seed, 2025, 1), 1, len(months), **NATIONAL_SHOCK)[0]
    borrowers = _path(months, NATIONAL_BORROWERS)
    outstanding = _path(months, NATIONAL_OUTSTANDING)
    frozen = _path(months, NATIONAL_FROZEN, log=False)
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
    st_b_share = synth.TARGETS["borrowers"] / _ref_value(NATIONAL_BORROWERS, REFERENCE_MONTH)
    st_o_share = synth.TARGETS["outstanding"] / _ref_value(NATIONAL_OUTSTANDING, REFERENCE_MONTH)
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
    groups_ref = groups_ref / groups_ref.sum() * (NATIONAL_GROUPS - synth.TARGETS["groups"])
    new_counts = registry.successors().groupby("province")["new_commune"].nunique()
    specs = {}
    for i, code in enumerate(codes):
        p = provinces.PROVINCES[code]
        if i == st:
            groups = dict(synth.GROUPS_BY_ASSOCIATION)
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
            reform = None  # Sóc Trăng keeps synth.REFORM_COHORTS
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
                       borrowers=borrowers, outstanding=outstanding, frozen=frozen)


def _ref_value(knots: dict[str, float], month: str) -> float:
    """A national path's value at ``month`` (log-linear between knots)."""
    first = pd.Period(min(knots), "M")
    grid = pd.period_range(first, max(max(knots), month), freq="M")
    return float(_path(grid, knots)[(pd.Period(month, "M") - first).n])


# --- geography: synthetic districts and communes, and the 2025 map ----------------------------------

def province_units(plan: CountryPlan, code: str) -> pd.DataFrame:
    """The ``units`` rows of one old province: its real districts and communes (and island district)
    with their official default successors from 1 July 2025, code for code as the registry has them
    (``analysis.data.registry``). Sóc Trăng has the registry's 108 communes: Phường 9, merged in 2024,
    is in the one-province sample only (the article's 109 points of 2021, ``geography.units_table``)."""
    communes = registry.old_communes(islands=True)
    return geography.with_official_successors(communes[communes["province"] == code])


def _group_successors(groups: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """The new commune each group of a divided old commune went to (``groups.successor_commune``): one
    of the official successors of its commune, drawn with the default twice as likely as each other;
    a share ``1 - GROUP_SUCCESSOR_SHARE`` is left empty (placed by default downstream), as in data
    that do not say. Empty for groups of communes that went whole into one new commune."""
    cw = registry.crosswalk()
    cw = cw[cw["divided"] & cw["commune"].isin(groups["commune"])]
    out = pd.Series(pd.NA, index=groups.index, dtype="str")
    if cw.empty:
        return out
    options = {c: (sub["new_commune"].to_numpy(), np.where(sub["default"], 2.0, 1.0))
               for c, sub in cw.groupby("commune", sort=True)}
    draws = rng.random(len(groups))
    named = rng.random(len(groups)) < GROUP_SUCCESSOR_SHARE
    values = out.to_numpy(dtype=object)
    for i, commune in enumerate(groups["commune"].to_numpy()):
        if commune in options and named[i]:
            codes, weight = options[commune]
            k = int(np.searchsorted(np.cumsum(weight) / weight.sum(), draws[i], side="right"))
            values[i] = codes[min(k, len(codes) - 1)]
    return pd.Series(values, index=groups.index, dtype="str")


# --- groups ------------------------------------------------------------------------------------------

def _groups(units: pd.DataFrame, rng: np.random.Generator, *, counts: dict[str, int], months: pd.PeriodIndex,
            hamlet_word: str) -> pd.DataFrame:
    """Groups active at REFERENCE_MONTH (``counts`` by association, exactly), some closed before it,
    some closing after it and some founded after it; founding dates as in ``synth``."""
    weights = np.where(units["commune_type"].eq("ward"), 0.45, 1.0) * rng.gamma(8.0, 1 / 8.0, len(units))
    weights = np.where(units["commune"].isin(UNINHABITED), 0.0, weights)
    weights = weights / weights.sum()
    communes = units["commune"].to_numpy()
    parts = []
    for assoc, n in counts.items():
        per = rng.multinomial(n, weights)
        parts.append(pd.DataFrame({"commune": np.repeat(communes, per), "association": assoc, "life": "active"}))
    active = pd.concat(parts, ignore_index=True)
    n_act = len(active)
    closed = active.sample(n=int(round(CLOSE_BEFORE * n_act)), random_state=synth._rs(rng)).assign(life="closed")
    founded_later = active.sample(n=int(round(FOUNDED_AFTER * n_act)), random_state=synth._rs(rng)).assign(life="new")
    frame = pd.concat([active, closed, founded_later], ignore_index=True)
    frame = frame.sort_values(["commune", "association"], kind="stable").reset_index(drop=True)
    frame["seq"] = frame.groupby(["commune", "association"]).cumcount() + 1
    n = len(frame)
    first, last = months[0].to_timestamp(), months[-1].to_timestamp()
    ref = pd.Period(REFERENCE_MONTH, "M").to_timestamp()
    life = frame["life"].to_numpy()
    early = rng.random(n) < 0.85
    year = np.where(early, rng.integers(2003, 2012, n), rng.integers(2012, 2021, n))
    founded = pd.to_datetime({"year": year, "month": rng.integers(1, 13, n), "day": 1})
    founded = founded.where(founded < ref, ref - pd.offsets.MonthBegin(1))
    early_start = pd.to_datetime({"year": rng.integers(2003, 2012, n), "month": 1, "day": 1})
    founded = founded.where(life != "closed", early_start)
    span_after = max((last.year - ref.year) * 12 + last.month - ref.month, 1)
    new_start = pd.Series([ref + pd.DateOffset(months=int(k)) for k in rng.integers(1, span_after + 1, n)])
    founded = founded.where(life != "new", new_start)
    founded = founded.where(founded <= last, last)
    closed_on = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    day = pd.Timedelta(days=1)
    before = pd.to_datetime({"year": rng.integers(2013, 2021, n), "month": rng.integers(1, 13, n), "day": 1}) - day
    later = pd.Series([ref + pd.DateOffset(months=int(k)) for k in rng.integers(2, span_after + 2, n)]) - day
    closes_later = (life == "active") & (rng.random(n) < CLOSE_AFTER) & (later.to_numpy() < last.to_numpy())
    closed_on[life == "closed"] = before[life == "closed"]
    closed_on[closes_later] = later[closes_later]
    if first > ref:  # a window starting after the reference month: nothing to anchor, keep all open
        closed_on[:] = pd.NaT
    transaction_point = frame["commune"].map(units.set_index("commune")["transaction_point"])
    return pd.DataFrame({
        "group_id": (frame["commune"] + frame["association"] + frame["seq"].map("{:03d}".format)).astype("str"),
        "commune": frame["commune"].astype("str"),
        "association": frame["association"].astype("str"),
        "transaction_point": transaction_point.astype("str"),
        "hamlet": pd.Series([f"{hamlet_word} {k}" for k in rng.integers(1, 9, n)], dtype="str"),
        "founded_on": founded.astype("datetime64[us]"),
        "closed_on": closed_on,
        "u": rng.standard_normal(n),
    })


# --- one province's world ------------------------------------------------------------------------------

class _ProvinceWorld(synth._World):
    """``synth._World`` for one province of the country (see the module docstring)."""

    def __init__(self, units, groups, months, rng, scale, *, spec: ProvinceSpec, plan: CountryPlan,
                 cohorts: dict, district_effect: dict, coastal: tuple, effective_scale: float):
        self.spec, self.plan, self.effective_scale = spec, plan, effective_scale
        self.reform_cohorts = cohorts
        self.district_effect = district_effect
        self.coastal_districts = coastal
        super().__init__(units, groups, months, rng, scale,
                         policy={"directive": True, "reforms": True, "drivers": True},
                         shock_scale=1.0, seed=spec.seed)

    # paths and calibration -------------------------------------------------------------------
    def _sizes(self):
        """Borrowers and outstanding following the province's share of the national paths every month;
        Sóc Trăng's 2021-05 snapshot exact (WU and the rest), as in ``synth``."""
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
            targets = (synth.TARGETS["borrowers_wu"] * self.scale, synth.TARGETS["borrowers"] * self.scale)
            borrowers[:, t_ref] = synth._match_total(borrowers[:, t_ref], self.alive[:, t_ref], self.assoc,
                                                     targets, rng)
        loan = path_o / np.maximum(path_b, 1.0)
        v = rng.lognormal(0.0, 0.15, G)
        outstanding = borrowers * loan[None, :] * v[:, None] * rng.lognormal(0, 0.01, (G, T))
        outstanding *= path_o[None, :] / np.maximum(outstanding.sum(axis=0), 1e-9)
        if snapshot:
            act = self.alive[:, t_ref]
            wu_total = synth.TARGETS["outstanding_wu"] * self.scale
            rest = (synth.TARGETS["outstanding"] - synth.TARGETS["outstanding_wu"]) * self.scale
            for is_wu, total in ((True, wu_total), (False, rest)):
                sel = act & ((self.assoc == "WU") == is_wu)
                outstanding[sel, t_ref] *= total / outstanding[sel, t_ref].sum()
        outstanding = np.where(self.alive, np.round(outstanding, 3), 0.0)
        return borrowers.astype(np.int64), outstanding

    def _trend(self):
        if self.spec.soc_trang:
            return super()._trend()
        shape = _path(self.months, NATIONAL_SHAPE, log=False)
        return BASE_LEVEL + np.log(self.spec.rel_risk) + shape + synth.SEASON[self.month_num - 1]

    def _calibrate_overdue(self):
        """Sóc Trăng: ``synth``'s WU targets. Others: a shift of the month effects so the province's
        expected overdue ratio without its shocks and events hits its targets; the shift is flat
        before 2016-01 and linear between the knots of ``SHIFT_KNOTS``."""
        if self.spec.soc_trang:
            return super()._calibrate_overdue()
        targets = {m: v for m, v in self.spec.overdue_targets.items() if self._t(m) is not None}
        if not targets:
            return
        eta = self._eta(self.meetings, self.share, directive=True) - self.shocks - self.salinity
        knots = {}
        for month, target in targets.items():
            t = self._t(month)
            e, mult, w = eta[:, t], self.multiplier[:, t], self.outstanding[:, t] * self.alive[:, t]

            def ratio(shift, e=e, mult=mult, w=w):
                y = np.minimum(1.0, np.minimum(synth.MU_CAP, np.exp(e + shift)) * mult)
                return float((y * w).sum() / w.sum())

            knots[SHIFT_KNOTS[month]] = synth._bisect(lambda s: ratio(s) - target, -6.0, 6.0)
        self.month_effect = self.month_effect + _path(self.months, dict(sorted(knots.items())), log=False)
        self.calibration_shifts = knots

    def _salinity(self):
        """Events on the log expected overdue share: the 2016 salinity (Mekong Delta, ``synth``'s
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
        also keeps ``synth``'s frozen debt after the 2016 salinity."""
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
        """Sóc Trăng: ``synth``'s (weak WU groups calibrated). Others: the province's cut-points make
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
        cuts = np.quantile(latent_ref, np.clip(cum, 1e-9, 1 - 1e-9)) if len(latent_ref) else np.array(synth.RATING_CUTS)
        cuts = np.maximum.accumulate(cuts + np.array([0.0, 1e-9, 2e-9]))
        ratings = {y: np.where(inputs[y][1], np.digitize(base[y] + shifts[y], cuts), -1) for y in years}
        self.rating_shift, self.rating_cuts = shifts, [float(c) for c in cuts]
        return ratings, inputs


# --- one province --------------------------------------------------------------------------------------

@dataclass
class ProvinceData:
    """One generated province: its contract tables (units, groups, group_months, briefings, reforms),
    its truth, and monthly national sums (for the national truth)."""

    code: str
    tables: dict
    truth: dict
    sums: dict


def generate_province(plan: CountryPlan, code: str, units: pd.DataFrame | None = None) -> ProvinceData:
    """Simulate one province of ``plan`` (the same data whichever other provinces are generated)."""
    spec = plan.specs[code]
    units = province_units(plan, code) if units is None else units
    rng = _stream(plan.seed, int(code), 2)
    counts = {a: max(len(units) // 20, int(round(n * plan.scale))) for a, n in spec.groups.items()}
    effective = sum(counts.values()) / max(sum(spec.groups.values()), 1)
    hamlet = "Ấp" if spec.region in ("MD", "SE") else "Thôn"
    groups = _groups(units, rng, counts=counts, months=plan.months, hamlet_word=hamlet)
    if plan.months[-1] >= pd.Period(provinces.REORGANISATION_DATE[:7], "M"):
        groups["successor_commune"] = _group_successors(groups, _stream(plan.seed, int(code), 4))
    design = _design(spec, units, _stream(plan.seed, int(code), 3))
    world = _ProvinceWorld(units, groups, plan.months, rng, plan.scale, spec=spec, plan=plan,
                           effective_scale=plan.scale if spec.soc_trang else effective, **design)
    world.simulate()
    truth, sums = _province_truth(world)
    tables = {
        "units": units,
        "groups": groups.drop(columns=["u"]),
        "group_months": world.group_months(),
        "briefings": _briefings(units, plan.months, rng,
                                hosts_new_province=provinces.successor_province()[code] == code),
        "reforms": _reforms(design["cohorts"]),
    }
    return ProvinceData(code=code, tables=tables, truth=truth, sums=sums)


def _design(spec: ProvinceSpec, units: pd.DataFrame, rng: np.random.Generator) -> dict:
    """District effects, reform cohorts and salinity-exposed districts of one province."""
    districts = sorted(units["district"].unique())
    if spec.soc_trang:
        return {"cohorts": dict(synth.REFORM_COHORTS), "district_effect": dict(synth.DISTRICT_EFFECT),
                "coastal": tuple(geography.COASTAL_DISTRICTS)}
    effect = dict(zip(districts, np.round(rng.normal(0.0, DISTRICT_SD, len(districts)), 4).tolist()))
    coastal = tuple(d for d, u in zip(districts, rng.random(len(districts))) if u < 0.4)
    order = list(rng.permutation(districts))
    cohorts = {}
    if spec.reform is not None:
        adopt_months, boosts, never_share = spec.reform
        n_never = int(round(never_share * len(order)))
        adopters = order[n_never:]
        for k, (month, boost) in enumerate(zip(adopt_months, boosts)):
            chosen = tuple(sorted(adopters[k::len(adopt_months)]))
            if chosen:
                cohorts[month] = (chosen, boost)
    return {"cohorts": cohorts, "district_effect": effect, "coastal": coastal}


def _reforms(cohorts: dict) -> pd.DataFrame:
    rows = [(d, synth.REFORM_NAME, pd.Timestamp(f"{adopt}-01")) for adopt, (districts, _) in cohorts.items()
            for d in districts]
    frame = pd.DataFrame(rows, columns=["unit", "reform", "adopted_on"])
    return frame.astype({"unit": "str", "reform": "str", "adopted_on": "datetime64[us]"})


def _briefings(units: pd.DataFrame, months: pd.PeriodIndex, rng: np.random.Generator, *,
               hosts_new_province: bool) -> pd.DataFrame:
    """Giao ban held (``synth``'s schedule and rates, vectorised): the old province quarterly and its
    districts every 2 months until 2025-06, the new province quarterly from 2025-07 (written with the
    old province whose code it keeps), the commune transaction points monthly throughout."""
    post = np.array([m >= pd.Period(DIRECTIVE_40_MONTH, "M") for m in months])
    reorg = np.array([m >= pd.Period(provinces.REORGANISATION_DATE[:7], "M") for m in months])
    assoc = np.array(list(synth.GROUPS_BY_ASSOCIATION))
    day = dict(zip(units["commune"], rng.integers(5, 23, len(units))))
    province = units["province"].iloc[0]
    new_code = provinces.successor_province()[province]
    plan = [("province", [province], 3, 0.85, 0.98, ~reorg),
            ("district", sorted(units["district"].unique()), 2, 0.80, 0.95, ~reorg),
            ("commune", list(units["commune"]), 1, 0.85, 0.97, np.ones(len(months), dtype=bool))]
    if hosts_new_province:
        plan.append(("province", [new_code], 3, 0.85, 0.98, reorg))
    month_start = months.to_timestamp()
    frames = []
    for level, codes, every, p_pre, p_post, window in plan:
        due = np.array([(m.month - 1) % every == every - 1 for m in months]) & window
        cols = np.flatnonzero(due)
        if not len(cols) or not codes:
            continue
        n_u, n_a = len(codes), len(assoc)
        p = np.where(post[cols], p_post, p_pre)
        held = rng.random((n_u, n_a, len(cols))) < p[None, None, :]
        u_i, a_i, t_i = np.nonzero(held)
        unit = np.asarray(codes, dtype=object)[u_i]
        days = np.array([min(day.get(c, 15), 28) for c in codes])[u_i]
        dates = month_start.to_numpy()[cols][t_i] + (days - 1).astype("timedelta64[D]")
        frames.append(pd.DataFrame({"level": level, "unit": unit, "association": assoc[a_i], "date": dates}))
    columns = ["level", "unit", "association", "date"]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    frame = frame.drop_duplicates(["level", "unit", "association", "date"]).reset_index(drop=True)
    return frame.astype({"level": "str", "unit": "str", "association": "str", "date": "datetime64[us]"})


# --- truth ------------------------------------------------------------------------------------------------

def _province_truth(w: _ProvinceWorld) -> tuple[dict, dict]:
    """(the province's truth, monthly sums for the national truth)."""
    spec = w.spec
    weight = np.where(w.alive, w.outstanding, 0.0)
    m_cf, _, s_cf = w._regressors(w.borrowers, directive=False, reforms=True)
    mu_cf = w._mu(m_cf, s_cf, directive=False)
    del m_cf, s_cf
    num_f, num_cf, den = (w.mu * weight).sum(axis=0), (mu_cf * weight).sum(axis=0), weight.sum(axis=0)
    ratio_f, ratio_cf = num_f / np.maximum(den, 1e-12), num_cf / np.maximum(den, 1e-12)
    effect_pp = (w.mu - mu_cf) * 100
    directive = synth._directive_truth(w, (ratio_f - ratio_cf) * 100, ratio_f, ratio_cf)
    directive["dose_response"] = synth._dose_truth(w, effect_pp)
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
        reforms = synth._reform_truth(w, (w.mu - mu_nr) * 100)
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
    rating = {"theta": synth.THETA, "year_shifts": {str(k): v for k, v in w.rating_shift.items()}}
    t_ref = w._t(REFERENCE_MONTH)
    if spec.soc_trang:
        rating.update(cutpoints=list(synth.RATING_CUTS), calibrated_to=synth.TARGETS["wu_weak_groups"])
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
            {a: int(((w.assoc == a) & alive[:, t_ref]).sum()) for a in synth.GROUPS_BY_ASSOCIATION}
            if t_ref is not None else {}),
        "rel_risk": spec.rel_risk,
        "overdue_calibration": overdue_calibration or ("synth.TARGETS (WU overdue ratio 2016-12, 2020-12)"
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
        "shocks": {"national_month": dict(NATIONAL_SHOCK, realised=[float(v) for v in plan.national_shock],
                                          meaning="common to every province, added to synth.SHOCKS")},
    }


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


# --- writing ---------------------------------------------------------------------------------------------

def write_country(out_dir: str | Path, *, seed: int = synth.DEFAULT_SEED, scale: float = 1.0,
                  codes: list[str] | None = None, end: str = COUNTRY_END, progress=None) -> dict:
    """Generate the country (or the provinces ``codes``) and write it, one province at a time.

    Layout: ``units.parquet``, ``reforms.parquet``, ``{groups,group_months,briefings}/province=XX/
    part-0.parquet``, ``truth.json``, ``SYNTHETIC.txt``, and ``.complete`` (written last, with the
    content hashes). Returns the summary written to ``.complete``.
    """
    started = time.perf_counter()
    plan = make_plan(seed, scale=scale, end=end)
    codes = selected_codes(codes)
    out_dir = _prepare_folder(Path(out_dir))
    hashes, rows, truths, sums = {}, {t: 0 for t in ("units", *PARTITIONED, "reforms")}, {}, {}
    units_all, reforms_all = [], []
    for i, code in enumerate(codes):
        t0 = time.perf_counter()
        data = generate_province(plan, code)
        for name in PARTITIONED:
            frame = data.tables[name]
            path = out_dir / name / f"{PARTITION_KEY}={code}" / "part-0.parquet"
            with atomic.atomic_path(path) as tmp:
                frame.to_parquet(tmp, index=False)
            hashes[f"{name}/{code}"] = synth.content_hash({name: frame})
            rows[name] += len(frame)
        units_all.append(data.tables["units"])
        reforms_all.append(data.tables["reforms"])
        truths[code], sums[code] = data.truth, data.sums
        if progress:
            progress(f"{i + 1}/{len(codes)} province {code} {plan.specs[code].name}: "
                     f"{len(data.tables['group_months']):,} group-months in {time.perf_counter() - t0:.1f} s")
        del data
        gc.collect()
    units = pd.concat(units_all, ignore_index=True)
    reforms = pd.concat(reforms_all, ignore_index=True)
    for name, frame in (("units", units), ("reforms", reforms)):
        with atomic.atomic_path(out_dir / f"{name}.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
        hashes[name] = synth.content_hash({name: frame})
        rows[name] = len(frame)
    truth = _country_truth(plan, codes, truths, sums, units)
    atomic.write_text(out_dir / "truth.json", json.dumps(truth, ensure_ascii=False, indent=1))
    atomic.write_text(out_dir / "SYNTHETIC.txt", (
        "SYNTHETIC DATA / DỮ LIỆU MÔ PHỎNG\n"
        f"A synthetic country generated by analysis.data.country (seed {seed}, scale {scale}); district and "
        "commune names 'mô phỏng' are made up; not real VBSP or Union records.\n"))
    digest = hashlib.sha256(json.dumps(sorted(hashes.items())).encode()).hexdigest()
    summary = {"seed": seed, "scale": scale, "provinces": codes, "content_hash": digest, "rows": rows,
               "partition_hashes": hashes, "seconds": round(time.perf_counter() - started, 2)}
    atomic.write_text(out_dir / ".complete", json.dumps(summary, indent=1))
    return summary


SAMPLE_PROVINCES = ("92", "93", "94")  # Cần Thơ, Hậu Giang, Sóc Trăng: together the new Cần Thơ since 7/2025
SAMPLE_SCALE = 0.02  # of the groups: a country small enough to open the national notebooks in seconds


def sample_country(out_dir: str | Path | None = None) -> Path:
    """The small synthetic country the national notebooks open when given no data (``paths.
    SAMPLE_COUNTRY``): three provinces that merge into one on 1 July 2025, 2% of the groups. Written
    on first use (deterministic, ``.complete`` last) and reused."""
    out = Path(out_dir) if out_dir else paths.SAMPLE_COUNTRY
    if not (out / ".complete").exists():
        write_country(out, scale=SAMPLE_SCALE, codes=list(SAMPLE_PROVINCES))
    return out


def selected_codes(codes: list[str] | None) -> list[str]:
    """The old province codes to generate (all 63 by default); unknown codes are refused."""
    if not codes:
        return sorted(provinces.PROVINCES)
    codes = [c.strip().zfill(2) for c in codes if c.strip()]
    unknown = [c for c in codes if c not in provinces.PROVINCES]
    if unknown:
        raise UserError(f"unknown province code(s) {', '.join(unknown)}; the 63 codes are "
                         f"{', '.join(sorted(provinces.PROVINCES))}")
    return sorted(set(codes))


def _prepare_folder(out_dir: Path) -> Path:
    """An empty folder, or one this generator wrote before (its tables are removed first)."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / "SYNTHETIC.txt").exists():
            raise UserError(f"{out_dir} is not empty and holds no synthetic data written by this "
                                  "generator; choose an empty or new folder")
        for name in PARTITIONED:
            shutil.rmtree(out_dir / name, ignore_errors=True)
        for name in (".complete", "units.parquet", "reforms.parquet", "truth.json"):
            (out_dir / name).unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _country_truth(plan: CountryPlan, codes: list[str], truths: dict, sums: dict, units: pd.DataFrame) -> dict:
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
            "equation": "as analysis.data.synth, one synth._World per province; see analysis.data.country",
            "beta_meetings": synth.BETA_MEETINGS, "beta_check_share": synth.BETA_CHECK_SHARE,
            "leader_capacity_effect": synth.A_U, "association_effects": synth.ASSOCIATION_EFFECT,
            "directive40": {"log_level_change": synth.DIRECTIVE_LEVEL,
                            "log_slope_change_per_month": synth.DIRECTIVE_SLOPE,
                            "slope_months": synth.DIRECTIVE_SLOPE_MONTHS,
                            "also_raises": {"meetings_logit": synth.MEET_DIRECTIVE,
                                            "checks_logit": synth.CHECK_DIRECTIVE}},
            "practice_gap": {"sd": {"province": PRACTICE_SD_PROVINCE, **synth.PRACTICE_SD},
                             "meetings_logit_per_gap": synth.PRACTICE_MEET,
                             "checks_logit_per_gap": synth.PRACTICE_CHECK,
                             "closed_by_directive": synth.PRACTICE_CATCH_UP},
            "shocks": {"national_month": NATIONAL_SHOCK, "province_month": synth.SHOCKS["common_month"],
                       "district_month": synth.SHOCKS["district_month"], "commune_year": synth.SHOCKS["commune_year"],
                       "meaning": "additive on the log expected overdue share; sd marginal, rho monthly"},
            "reform": {"name": synth.REFORM_NAME, "ramp_months": synth.REFORM_RAMP_MONTHS,
                       "meetings_logit": synth.MEET_REFORM, "boosts_by_cohort_order": REFORM_BOOSTS},
            "ratings": {"theta": synth.THETA, "year_slope": RATING_YEAR_SLOPE, "mix_year": RATING_MIX_YEAR,
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


# --- reading it back (bounded memory) ---------------------------------------------------------------------

def national_totals(folder: str | Path) -> pd.DataFrame:
    """Monthly national totals read back from a written country, one province partition at a time:
    month, groups, borrowers, outstanding, overdue, frozen (million VND), and the ratios in percent."""
    parts = sorted(Path(folder, "group_months").glob(f"{PARTITION_KEY}=*/*.parquet"))
    acc = None
    for path in parts:
        gm = pd.read_parquet(path, columns=["month", "borrowers", "outstanding", "overdue", "frozen"])
        gm = gm[gm["outstanding"] > 0]
        agg = gm.groupby("month").agg(groups=("borrowers", "size"), borrowers=("borrowers", "sum"),
                                      outstanding=("outstanding", "sum"), overdue=("overdue", "sum"),
                                      frozen=("frozen", "sum"))
        acc = agg if acc is None else acc.add(agg, fill_value=0)
    out = acc.reset_index()
    out["overdue_ratio_pct"] = 100 * out["overdue"] / out["outstanding"]
    out["overdue_frozen_ratio_pct"] = 100 * (out["overdue"] + out["frozen"]) / out["outstanding"]
    return out


# --- CLI (through ``python -m analysis synth --country``) ----------------------------------------------------

def run(args) -> int:
    if not args.out:
        raise UserError("--country needs --out DIR (the country is large; it is never written over the sample)")
    codes = args.provinces.split(",") if args.provinces else None
    summary = write_country(args.out, seed=args.seed, scale=args.scale, codes=codes,
                            progress=lambda text: print(text, flush=True))
    rows = ", ".join(f"{k} {v:,}" for k, v in summary["rows"].items())
    print(f"SYNTHETIC country ({len(summary['provinces'])} provinces) written to {args.out} in "
          f"{summary['seconds']} s: {rows}")
    print(f"content hash {summary['content_hash'][:16]}")
    return 0
