"""The effective-dated administrative hierarchy: old units, their successors, and the units in force.

Until 30 June 2025 a commune-level unit belongs to an old district and an old province. From 1 July
2025 (National Assembly Resolution 202/2025/QH15; domain.md 5.2) the communes were merged into new
communes of 34 provinces and the district level was abolished; groups and transaction points were
kept. The ``units`` table states this per old commune: ``valid_to`` (its last day) and its
``successor_commune`` in ``successor_province`` from ``successor_valid_from`` (or the day after
``valid_to``). This module turns that into the columns analyses use:

- the **old** units, permanent (``province``, ``district``, ``commune`` and their names): the old
  district is a permanent historical dimension, and VBSP's offices and commune points follow it;
- the **new** units each old commune is mapped to (``new_province``, ``new_commune``), the same for
  every month, so a series across 2025 by new province covers the same groups before and after;
- the units **in force** in a month (``province_in_force``, ``commune_in_force``): the old ones
  before the switch, the new ones from the month containing the successor's first day.

Where ``units`` gives no successor (data before 2025, or a unit that continues), the unit is taken to
continue under its own code and name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# scheme -> (code column, name column) of the analysis frame (panel.build)
SCHEMES: dict[str, tuple[str, str]] = {
    "province": ("province", "province_name"),  # old (pre-2025) province, permanent
    "district": ("district", "district_name"),  # old district, permanent
    "commune": ("commune", "commune_name"),  # old commune, permanent
    "new_province": ("new_province", "new_province_name"),  # mapped post-2025 province, every month
    "new_commune": ("new_commune", "new_commune_name"),  # mapped post-2025 commune, every month
    "province_in_force": ("province_in_force", "province_in_force_name"),  # old until the switch, then new
    "commune_in_force": ("commune_in_force", "commune_in_force_name"),
}
CONSISTENT_SCHEMES = ("province", "district", "commune", "new_province", "new_commune")  # same units every month

_MAP_COLUMNS = ["commune", "commune_name", "district", "district_name", "province", "province_name",
                "new_commune", "new_commune_name", "new_province", "new_province_name", "switch_month"]


def commune_map(units: pd.DataFrame) -> pd.DataFrame:
    """One row per old commune: its old units (codes and names), the new commune and province it maps
    to (itself where no successor is given) and ``switch_month``, the first month under the new units
    (the month of the successor's first day; NaT where there is no successor).

    Example:
        >>> units = pd.DataFrame({"province": ["94", "94"], "district": ["941", "947"],
        ...     "district_name": ["TP Sóc Trăng", "Mỹ Xuyên"], "commune": ["94110", "94701"],
        ...     "commune_name": ["Phường 10", "TT Mỹ Xuyên"], "valid_to": pd.to_datetime(["2025-06-30"] * 2),
        ...     "successor_commune": ["M92001"] * 2, "successor_province": ["92"] * 2})
        >>> commune_map(units)[["commune", "new_commune", "new_province", "switch_month"]].values.tolist()[0]
        ['94110', 'M92001', '92', Timestamp('2025-07-01 00:00:00')]
    """
    out = pd.DataFrame({"commune": units["commune"].astype("str")})
    for column in ("commune_name", "district", "district_name", "province", "province_name"):
        out[column] = _column(units, column)
    succ = _column(units, "successor_commune")
    has = succ.notna()
    out["new_commune"] = succ.where(has, out["commune"])
    out["new_commune_name"] = _column(units, "successor_commune_name").where(has, out["commune_name"])
    new_province = _column(units, "successor_province")
    out["new_province"] = new_province.where(has & new_province.notna(), out["province"])
    new_province_name = _column(units, "successor_province_name")
    out["new_province_name"] = new_province_name.where(has & new_province.notna(), out["province_name"])
    if "successor_valid_from" in units:
        first_day = pd.to_datetime(units["successor_valid_from"])
    else:
        first_day = pd.Series(pd.NaT, index=units.index, dtype="datetime64[us]")
    if "valid_to" in units:
        first_day = first_day.fillna(pd.to_datetime(units["valid_to"]) + pd.Timedelta(days=1))
    first_day = first_day.where(has)
    out["switch_month"] = first_day.dt.to_period("M").dt.to_timestamp().astype("datetime64[us]")
    return out.drop_duplicates("commune").reset_index(drop=True)[_MAP_COLUMNS]


def _column(units: pd.DataFrame, name: str) -> pd.Series:
    if name in units:
        return units[name].astype("str")
    return pd.Series(np.nan, index=units.index, dtype="str")


def add_in_force(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``after_reorganisation`` (0/1) and the units in force (``province_in_force``,
    ``commune_in_force`` and names) to a frame holding ``month``, the old and new units and
    ``switch_month`` (as ``commune_map`` gives them); ``switch_month`` is dropped. Changes ``frame``."""
    after = frame["switch_month"].notna() & (frame["month"] >= frame["switch_month"])
    frame["after_reorganisation"] = after.astype("int64")
    for level in ("province", "commune"):
        frame[f"{level}_in_force"] = frame[level].where(~after, frame[f"new_{level}"])
        frame[f"{level}_in_force_name"] = frame[f"{level}_name"].where(~after, frame[f"new_{level}_name"])
    return frame.drop(columns="switch_month")


def province_map(units: pd.DataFrame) -> pd.DataFrame:
    """Old province -> new province, with the old districts and communes and the new communes of each:
    ``province, province_name, new_province, new_province_name, districts, communes, new_communes``."""
    cm = commune_map(units)
    out = cm.groupby(["province", "new_province"], sort=True, dropna=False).agg(
        province_name=("province_name", "first"), new_province_name=("new_province_name", "first"),
        districts=("district", "nunique"), communes=("commune", "nunique"), new_communes=("new_commune", "nunique"),
    ).reset_index()
    return out[["province", "province_name", "new_province", "new_province_name", "districts", "communes",
                "new_communes"]]


def district_areas(units: pd.DataFrame, district: str | None = None) -> pd.DataFrame:
    """How each old district's area is organised after the reorganisation: one row per old district
    and new commune covering part of it, with ``communes`` (old communes of the district in it),
    ``communes_in_new`` (all old communes merged into it) and ``other_districts`` (old districts it also
    covers, comma-separated; empty when it lies within the district)."""
    cm = commune_map(units)
    if district is not None:
        wanted = cm.loc[cm["district"] == str(district), "new_commune"].unique()
        if not len(wanted):
            raise ValueError(f"district {district!r} is not in units")
        cm_sel = cm[cm["new_commune"].isin(wanted)]
    else:
        cm_sel = cm
    size = cm_sel.groupby("new_commune")["commune"].nunique()
    spans = cm_sel.groupby("new_commune")["district"].agg(lambda v: sorted(set(v)))
    keys = ["district", "district_name", "new_province", "new_province_name", "new_commune", "new_commune_name"]
    out = cm_sel.groupby(keys, sort=True, dropna=False).agg(communes=("commune", "nunique")).reset_index()
    out["communes_in_new"] = out["new_commune"].map(size).astype("int64")
    out["other_districts"] = [", ".join(d for d in spans[n] if d != own)
                              for n, own in zip(out["new_commune"], out["district"])]
    if district is not None:
        out = out[out["district"] == str(district)].reset_index(drop=True)
    return out
