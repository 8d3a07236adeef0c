"""One province of the synthetic country: its units from the registry, its groups, its simulated
world and its contract tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data import registry
from analysis.data.contract import DIRECTIVE_40_MONTH
from analysis.data.synthetic import design, geography, provinces
from analysis.data.synthetic.country.plan import (
    CLOSE_AFTER,
    CLOSE_BEFORE,
    DISTRICT_SD,
    FOUNDED_AFTER,
    GROUP_SUCCESSOR_SHARE,
    REFERENCE_MONTH,
    UNINHABITED,
    CountryPlan,
    ProvinceSpec,
    stream,
)
from analysis.data.synthetic.country.truth import truth_of_province
from analysis.data.synthetic.country.world import ProvinceWorld
from analysis.data.synthetic.world import random_state

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
    some closing after it and some founded after it; founding dates as in the sample (``synthetic.province``)."""
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
    closed = active.sample(n=int(round(CLOSE_BEFORE * n_act)), random_state=random_state(rng)).assign(life="closed")
    founded_later = active.sample(n=int(round(FOUNDED_AFTER * n_act)),
                                  random_state=random_state(rng)).assign(life="new")
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


# --- one province --------------------------------------------------------------------------------------

@dataclass
class ProvinceData:
    """One generated province: its contract tables (units, groups, group_months, briefings, reforms),
    its truth, monthly national sums (for the national truth) and, when asked for, the simulated
    world itself (the national Monte Carlo reads its expected shares)."""

    code: str
    tables: dict
    truth: dict
    sums: dict
    world: object = None


def generate_province(plan: CountryPlan, code: str, units: pd.DataFrame | None = None, *,
                      keep_world: bool = False, briefings: bool = True) -> ProvinceData:
    """Simulate one province of ``plan`` (the same data whichever other provinces are generated).
    ``keep_world``: keep the simulated world in the result; ``briefings=False``: an empty briefings table
    (drawn last, so nothing else changes; the national Monte Carlo does not read them)."""
    spec = plan.specs[code]
    units = province_units(plan, code) if units is None else units
    rng = stream(plan.seed, int(code), 2)
    counts = {a: max(len(units) // 20, int(round(n * plan.scale))) for a, n in spec.groups.items()}
    effective = sum(counts.values()) / max(sum(spec.groups.values()), 1)
    hamlet = "Ấp" if spec.region in ("MD", "SE") else "Thôn"
    groups = _groups(units, rng, counts=counts, months=plan.months, hamlet_word=hamlet)
    if plan.months[-1] >= pd.Period(provinces.REORGANISATION_DATE[:7], "M"):
        groups["successor_commune"] = _group_successors(groups, stream(plan.seed, int(code), 4))
    design = _design(spec, units, stream(plan.seed, int(code), 3))
    # Every province's sizes and targets follow its own group count's scale (``effective``): with the
    # minimum group count of a reduced world, plan.scale would leave Sóc Trăng ~8 borrowers a group at
    # scale 0.001 and its overdue shares noisy enough to carry most of the national clustered variance
    # (docs/national.md, "Sóc Trăng in a reduced world"). At scale 1 both are 1 for Sóc Trăng.
    world = ProvinceWorld(units, groups, plan.months, rng, effective if spec.soc_trang else plan.scale, spec=spec,
                          plan=plan, effective_scale=effective, **design)
    world.simulate()
    truth, sums = truth_of_province(world)
    tables = {
        "units": units,
        "groups": groups.drop(columns=["u"]),
        "group_months": world.group_months(),
        "briefings": (_briefings(units, plan.months, rng,
                                hosts_new_province=provinces.successor_province()[code] == code) if briefings
                      else pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
                          ("level", "str"), ("unit", "str"), ("association", "str"), ("date", "datetime64[us]"))})),
        "reforms": _reforms(design["cohorts"]),
    }
    return ProvinceData(code=code, tables=tables, truth=truth, sums=sums, world=world if keep_world else None)


def _design(spec: ProvinceSpec, units: pd.DataFrame, rng: np.random.Generator) -> dict:
    """District effects, reform cohorts and salinity-exposed districts of one province."""
    districts = sorted(units["district"].unique())
    if spec.soc_trang:
        return {"cohorts": dict(design.REFORM_COHORTS), "district_effect": dict(design.DISTRICT_EFFECT),
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
    rows = [(d, design.REFORM_NAME, pd.Timestamp(f"{adopt}-01")) for adopt, (districts, _) in cohorts.items()
            for d in districts]
    frame = pd.DataFrame(rows, columns=["unit", "reform", "adopted_on"])
    return frame.astype({"unit": "str", "reform": "str", "adopted_on": "datetime64[us]"})


def _briefings(units: pd.DataFrame, months: pd.PeriodIndex, rng: np.random.Generator, *,
               hosts_new_province: bool) -> pd.DataFrame:
    """Giao ban held (the sample's schedule and rates, vectorised): the old province quarterly and its
    districts every 2 months until 2025-06, the new province quarterly from 2025-07 (written with the
    old province whose code it keeps), the commune transaction points monthly throughout."""
    post = np.array([m >= pd.Period(DIRECTIVE_40_MONTH, "M") for m in months])
    reorg = np.array([m >= pd.Period(provinces.REORGANISATION_DATE[:7], "M") for m in months])
    assoc = np.array(list(design.GROUPS_BY_ASSOCIATION))
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


