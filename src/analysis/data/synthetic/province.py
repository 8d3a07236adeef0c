"""The embedded default data: a calibrated synthetic Sóc Trăng province with a known truth.

No public microdata exist, so the sample is synthetic and says so on every output. ``generate`` builds
the contract tables and the truth (``world``, ``truth``; the design in ``design``), ``write_sample``
writes them, ``calibration_table`` checks them against the source article.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import atomic
from analysis.data.contract import DIRECTIVE_40_MONTH
from analysis.data.synthetic import geography
from analysis.data.synthetic.design import (
    DEFAULT_SEED,
    GROUPS_BY_ASSOCIATION,
    REFORM_COHORTS,
    REFORM_NAME,
    SNAPSHOT_MONTH,
    TARGETS,
)
from analysis.data.synthetic.truth import sample_truth
from analysis.data.synthetic.world import World, random_state


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
    world = World(units, groups, months, rng, scale,
                   policy={"directive": directive, "reforms": reforms, "drivers": drivers}, shock_scale=shocks,
                   seed=seed)
    world.simulate()
    truth = sample_truth(world, seed=seed, scale=scale)
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
    closed = active.sample(n=n_closed, random_state=random_state(rng)).assign(active=False)
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
                      f"Generated by analysis.data.synthetic (seed {seed}); calibrated to the source article, "
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
