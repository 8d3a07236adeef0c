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
    units = units.drop_duplicates("commune").reset_index(drop=True)
    out = pd.DataFrame({"commune": units["commune"].astype("str")})
    for column in ("commune_name", "district", "district_name", "province", "province_name"):
        out[column] = _column(units, column)
    succ = _column(units, "successor_commune")
    has = succ.notna()
    if "successor_valid_from" in units:
        first_day = pd.to_datetime(units["successor_valid_from"])
    else:
        first_day = pd.Series(pd.NaT, index=units.index, dtype="datetime64[us]")
    if "valid_to" in units:
        first_day = first_day.fillna(pd.to_datetime(units["valid_to"]) + pd.Timedelta(days=1))
    first_day = first_day.where(has)
    hop = pd.DataFrame({"succ": succ, "succ_name": _column(units, "successor_commune_name"),
                        "succ_province": _column(units, "successor_province"),
                        "succ_province_name": _column(units, "successor_province_name"), "first_day": first_day})
    hop = _follow_chains(out["commune"], hop, _last_days(units))
    out["new_commune"] = hop["succ"].where(has, out["commune"])
    out["new_commune_name"] = hop["succ_name"].where(has, out["commune_name"])
    new_province = hop["succ_province"]
    out["new_province"] = new_province.where(has & new_province.notna(), out["province"])
    out["new_province_name"] = hop["succ_province_name"].where(has & new_province.notna(), out["province_name"])
    out["switch_month"] = hop["first_day"].where(has).dt.to_period("M").dt.to_timestamp().astype("datetime64[us]")
    return out[_MAP_COLUMNS]


def _last_days(units: pd.DataFrame) -> pd.Series:
    if "valid_to" not in units:
        return pd.Series(pd.NaT, index=units["commune"].astype("str"), dtype="datetime64[us]")
    return pd.Series(pd.to_datetime(units["valid_to"]).to_numpy(), index=units["commune"].astype("str"))


def _follow_chains(communes: pd.Series, hop: pd.DataFrame, last_day: pd.Series, *, limit: int = 10) -> pd.DataFrame:
    """Each commune's final successor: where a successor is itself a commune of the table that still
    existed on the successor's first day (a merger before 2025, e.g. Phường 9 into Phường 1 of TP Sóc
    Trăng in 2024), take that commune's successor in turn. A successor that reuses the code of a commune
    that ended the day before (the official 2025 codes do) is not followed: it is the new unit."""
    out = hop.copy()
    index = pd.Series(range(len(communes)), index=communes.to_numpy())
    for _ in range(limit):
        target = out["succ"].map(index)
        existed = out["succ"].map(last_day) >= out["first_day"]
        step = target.notna() & existed.fillna(False) & out["succ"].notna()
        if not step.any():
            break
        nxt = hop.iloc[target[step].astype(int).to_numpy()].set_index(out.index[step])
        go = nxt["succ"].notna()
        rows = nxt.index[go]
        out.loc[rows, hop.columns] = nxt.loc[rows, hop.columns].to_numpy()
        if not go.any():
            break
    return out


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


def province_map(units: pd.DataFrame, groups: pd.DataFrame | None = None,
                 group_months: pd.DataFrame | None = None) -> pd.DataFrame:
    """Old province -> new province, with the old districts and communes and the new communes of each:
    ``province, province_name, new_province, new_province_name, districts, communes, new_communes``; with
    ``groups``, also ``groups_named`` and ``groups_default``: groups of divided communes placed on the new
    commune the data name for them, or on the official default (``group_successors``)."""
    cm = commune_map(units)
    out = cm.groupby(["province", "new_province"], sort=True, dropna=False).agg(
        province_name=("province_name", "first"), new_province_name=("new_province_name", "first"),
        districts=("district", "nunique"), communes=("commune", "nunique"), new_communes=("new_commune", "nunique"),
    ).reset_index()
    columns = ["province", "province_name", "new_province", "new_province_name", "districts", "communes",
               "new_communes"]
    if groups is None:
        return out[columns]
    placed = group_successors(groups, units, group_months)
    placed["province"] = groups["commune"].astype("str").map(cm.set_index("commune")["province"]).to_numpy()
    divided = placed[placed["placed"].isin(["data", "default"]) & groups["commune"].astype("str").isin(
        divided_communes(units)).to_numpy()]
    counts = (divided.assign(named=divided["placed"].eq("data"), default=divided["placed"].eq("default"))
              .groupby(["province", "new_province"])[["named", "default"]].sum())
    out = out.join(counts, on=["province", "new_province"])
    out["groups_named"] = out.pop("named").fillna(0).astype("int64")
    out["groups_default"] = out.pop("default").fillna(0).astype("int64")
    return out[[*columns, "groups_named", "groups_default"]]


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


PLACED = ("data", "default", "whole")  # how a group's new commune was found (group_successors)


def divided_communes(units: pd.DataFrame) -> set[str]:
    """The communes of ``units`` that the official map divides among several new communes (by GSO code;
    empty when the units carry no successors, so data before 2025 never load the registry)."""
    if "successor_commune" not in units or not units["successor_commune"].notna().any():
        return set()
    from analysis.data import registry  # the registry is read only where a reorganisation is in the data

    cw = registry.crosswalk()
    return set(cw.loc[cw["divided"], "commune"].astype(str)) & set(units["commune"].astype(str))


def group_successors(groups: pd.DataFrame, units: pd.DataFrame,
                     group_months: pd.DataFrame | None = None) -> pd.DataFrame:
    """The new commune of every group: the one the data name for it (``groups.successor_commune``, or
    else the last ``group_months.new_commune`` it reported under), otherwise its commune's successor in
    ``units`` (the official default for a divided commune). Columns ``group_id, new_commune,
    new_commune_name, new_province, new_province_name, placed`` with ``placed`` one of ``PLACED``:
    'data', 'default' (a divided commune, no successor named: placed on the default) or 'whole' (its
    commune went whole into one new commune, or has no successor)."""
    cm = commune_map(units).set_index("commune")
    out = pd.DataFrame({"group_id": groups["group_id"].astype("str").to_numpy()})
    commune = groups["commune"].astype("str").to_numpy()
    for column in ("new_commune", "new_commune_name", "new_province", "new_province_name"):
        out[column] = pd.Series(commune).map(cm[column]).astype("str").to_numpy()
    given = _named_successors(groups, group_months)
    has = given.notna().to_numpy() & (given.to_numpy() != out["new_commune"].to_numpy())
    if has.any():
        names = _successor_names(units)
        codes = given[has].astype("str")
        out.loc[has, "new_commune"] = codes.to_numpy()
        for column in ("new_commune_name", "new_province", "new_province_name"):
            known = codes.map(names[column]) if len(names) else pd.Series(np.nan, index=codes.index)
            out.loc[has, column] = known.fillna(pd.Series(out.loc[has, column].to_numpy(), index=codes.index)
                                                ).to_numpy()
        unnamed = has & out["new_commune_name"].eq(pd.Series(commune).map(cm["new_commune_name"])).to_numpy()
        out.loc[unnamed, "new_commune_name"] = out.loc[unnamed, "new_commune"]
    divided = divided_communes(units)
    named = given.notna().to_numpy()
    out["placed"] = np.where(named, "data", np.where(pd.Series(commune).isin(divided), "default", "whole"))
    return out


def _named_successors(groups: pd.DataFrame, group_months: pd.DataFrame | None) -> pd.Series:
    given = (groups["successor_commune"].astype("str") if "successor_commune" in groups
             else pd.Series(np.nan, index=groups.index, dtype="str"))
    if group_months is not None and "new_commune" in group_months and group_months["new_commune"].notna().any():
        reported = group_months.dropna(subset=["new_commune"]).sort_values("month")
        last = reported.groupby("group_id")["new_commune"].last().astype("str")
        given = given.fillna(groups["group_id"].astype("str").map(last))
    return given.reset_index(drop=True)


def _successor_names(units: pd.DataFrame) -> pd.DataFrame:
    """New commune code -> its name and province, from the units' successors and, for GSO codes, the
    official registry."""
    cm = commune_map(units)
    own = cm.drop_duplicates("new_commune").set_index("new_commune")[
        ["new_commune_name", "new_province", "new_province_name"]]
    if "successor_commune" not in units or not units["successor_commune"].notna().any():
        return own
    from analysis.data import registry

    official = registry.new_communes().set_index("new_commune")[["new_commune_name", "new_province",
                                                                 "new_province_name"]]
    official.index = official.index.astype("str")
    return pd.concat([own, official[~official.index.isin(own.index)]])


def placement_counts(placed: pd.Series) -> dict[str, int]:
    """How many groups were placed each way (``group_successors``' ``placed``)."""
    counts = placed.value_counts()
    return {way: int(counts.get(way, 0)) for way in PLACED}
