"""What the maps show: one value per unit, placed at its centroid in the official registry, and a caption.

Each map function returns a :class:`UnitMap`: a table of units (``code``, ``value`` in percent, ``size``
where dots are sized), the level of the units, the measure, a title and a one-sentence caption from
the message catalogue (every number computed here). ``analysis.plots.maps.draw`` draws it.

Levels: ``province`` (the 63 before 1 July 2025), ``new_province`` (the 34 since), ``district`` (the
696 former districts), ``commune`` (the 10,035 communes before 2025 and the five island districts).
Codes not in the registry (a bank's own unit codes) are not placed; :func:`locate` returns them, and
the caption counts them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data import registry
from analysis.results.country import NationalResults
from analysis.results.estimates import Results
from analysis.words import escape
from analysis.words import narrative as nr
from analysis.words.i18n import translator
from analysis.words.messages import say

LEVELS = ("province", "new_province", "district", "commune")
MEASURES = ("overdue_ratio", "coverage_pct")
NEIGHBOUR_RADIUS_KM = 40.0  # districts of other provinces whose centroid lies this close to the province's
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class UnitMap:
    """A map's data and words.

    Attributes: table (``code``, ``value``; ``size`` when dots are sized by ``size_by``), level (one of
    ``LEVELS``), measure (``overdue_ratio`` or ``coverage_pct``, a label key of ``words.i18n``), size_by
    (``outstanding``, ``groups`` or None), title, caption (one sentence, numbers formatted), unknown
    (codes of the table not in the registry, not drawn), highlight (a unit drawn with a ring), extent
    (lon/lat box to draw, None for the whole country), lang."""

    table: pd.DataFrame
    level: str
    measure: str
    size_by: str | None
    title: str
    caption: str
    unknown: tuple[str, ...]
    highlight: str | None = None
    extent: tuple[float, float, float, float] | None = None
    lang: str = "vi"


# ---------------------------------------------------------------------------------------------
# the registry's units
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=len(LEVELS))
def _centroids(level: str) -> pd.DataFrame:
    if level == "province":
        units = registry.old_provinces()
        out = pd.DataFrame({"code": units["province"], "name": units["province_name"], "parent": pd.NA})
    elif level == "new_province":
        units = registry.new_provinces()
        out = pd.DataFrame({"code": units["new_province"], "name": units["new_province_name"], "parent": pd.NA})
    elif level == "district":
        units = registry.old_districts()
        out = pd.DataFrame({"code": units["district"], "name": units["district_short_name"],
                            "parent": units["province"]})
    else:
        units = registry.old_communes(islands=True)
        out = pd.DataFrame({"code": units["commune"], "name": units["commune_short_name"],
                            "parent": units["district"]})
    out["lat"], out["lon"] = units["lat"].to_numpy(float), units["lon"].to_numpy(float)
    out["code"] = out["code"].astype(str)
    return out.dropna(subset=["lat", "lon"]).reset_index(drop=True)


def centroids(level: str) -> pd.DataFrame:
    """Every unit of ``level`` in the registry: ``code, name, parent, lat, lon`` (parent: the province of a
    district, the district of a commune)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    return _centroids(level).copy()


def locate(table: pd.DataFrame, level: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The rows of ``table`` (column ``code``) whose code is in the registry at ``level``, with the registry's
    ``name``, ``lat`` and ``lon``; and the codes that are not (sorted, each once)."""
    units = centroids(level)
    codes = table["code"].astype(str)
    known = codes.isin(set(units["code"]))
    placed = table[known.to_numpy()].assign(code=codes[known]).merge(
        units[["code", "name", "lat", "lon"]], on="code", how="left", validate="many_to_one",
        suffixes=("_data", ""))
    return placed.reset_index(drop=True), tuple(sorted(set(codes[~known])))


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine) in km; arrays broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


# ---------------------------------------------------------------------------------------------
# the caption
# ---------------------------------------------------------------------------------------------

def _caption(placed: pd.DataFrame, *, level: str, measure: str, size_by: str | None, when: str,
             unknown: tuple[str, ...], lang: str) -> str:
    values = placed.dropna(subset=["value"])
    if values.empty:
        text = say("map.empty", lang, units=say(f"map.units.{level}", lang), when=when)
    elif len(values) == 1:
        one = values.iloc[0]
        text = say("map.one", lang, name=escape.markdown(one["name"]), units=say(f"map.units.{level}", lang),
                   measure=say(f"map.measure.{measure}", lang), when=when, value=nr.pct(one["value"], 2, lang))
    else:
        low, high = values.loc[values["value"].idxmin()], values.loc[values["value"].idxmax()]
        text = say("map.dots", lang, units=say(f"map.units.{level}", lang), n=nr.number(len(values), 0, lang),
                   measure=say(f"map.measure.{measure}", lang), when=when,
                   low=nr.pct(low["value"], 2, lang), low_name=escape.markdown(low["name"]),
                   high=nr.pct(high["value"], 2, lang), high_name=escape.markdown(high["name"]))
        if size_by:
            text += " " + say("map.size", lang, size=say(f"map.size.{size_by}", lang))
    if unknown:
        text += " " + say("map.unknown", lang, n=nr.number(len(unknown), 0, lang))
    return text


def _when(period, lang: str) -> str:
    period = pd.Period(period)
    if period.freqstr.startswith("Y") or period.freqstr.startswith("A"):
        return say("map.when.year", lang, year=period.year)
    return nr.month(period.asfreq("M"), lang)


def _unit_map(table: pd.DataFrame, *, level: str, measure: str, size_by: str | None, period, title: str,
              lang: str, caption_key: str | None = None, highlight: str | None = None, extent=None,
              **caption_values) -> UnitMap:
    placed, unknown = locate(table, level)
    when = _when(period, lang)
    caption = _caption(placed, level=level, measure=measure, size_by=size_by, when=when, unknown=unknown,
                       lang=lang)
    if caption_key:
        caption = say(caption_key, lang, **caption_values) + " " + caption
    return UnitMap(table=table.reset_index(drop=True), level=level, measure=measure, size_by=size_by, title=title,
                   caption=caption, unknown=unknown, highlight=highlight, extent=extent, lang=lang)


def _last(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["period"] == table["period"].max()]


def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")


# ---------------------------------------------------------------------------------------------
# the national brief
# ---------------------------------------------------------------------------------------------

def by_province(nat: NationalResults, lang: str = "vi") -> UnitMap:
    """The overdue ratio of each province before July 2025 at the last month, dots sized by outstanding."""
    s = nat["province_summary"]
    table = pd.DataFrame({"code": s["province"].astype(str), "value": s["overdue_ratio"], "size": s["outstanding"]})
    tr = translator(lang)
    return _unit_map(table, level="province", measure="overdue_ratio", size_by="outstanding",
                     period=pd.Period(s["period"].iloc[0], "M"), lang=lang,
                     title=tr("Tỷ lệ nợ quá hạn theo tỉnh (trước 7/2025)", "Overdue ratio by province (before 7/2025)"))


def by_new_province(nat: NationalResults, lang: str = "vi") -> UnitMap:
    """The overdue ratio of each province since July 2025 at the last month (the same groups mapped to
    their new province in every month), dots sized by outstanding."""
    last = _last(nat["new_province_m"])
    table = pd.DataFrame({"code": last["new_province"].astype(str), "value": last["overdue_ratio"],
                          "size": last["outstanding"]})
    tr = translator(lang)
    return _unit_map(table, level="new_province", measure="overdue_ratio", size_by="outstanding",
                     period=last["period"].iloc[0], lang=lang,
                     title=tr("Tỷ lệ nợ quá hạn theo tỉnh (từ 7/2025)", "Overdue ratio by province (since 7/2025)"))


def _district_table(res: Results, measure: str) -> tuple[pd.DataFrame, pd.Period]:
    """One province's districts: the overdue ratio at the last month (sized by outstanding), or the check
    coverage at the last year end (sized by borrowers)."""
    if measure == "overdue_ratio":
        s = res["district_summary"]
        return (pd.DataFrame({"code": s["district"].astype(str), "value": s["overdue_ratio"],
                              "size": s["outstanding"]}), pd.Period(s["period"].iloc[0], "M"))
    c = _last(res["coverage_district_y"])
    return (pd.DataFrame({"code": c["district"].astype(str), "value": c["coverage_pct"], "size": c["borrowers"]}),
            c["period"].iloc[0])


def districts(res: Results, lang: str = "vi", *, measure: str = "overdue_ratio") -> UnitMap:
    """The districts of a one-province ``Results`` (the sample, a user's province) on the country's map."""
    _check_measure(measure)
    table, period = _district_table(res, measure)
    tr = translator(lang)
    title = (tr("Tỷ lệ nợ quá hạn theo huyện", "Overdue ratio by district") if measure == "overdue_ratio"
             else tr("Kiểm tra sử dụng vốn theo huyện", "Loan-use checks by district"))
    units = centroids("district")
    placed = units[units["code"].isin(set(table["code"]))]
    area = units[units["parent"].isin(set(placed["parent"]))]
    return _unit_map(table, level="district", measure=measure, size_by=_size_by(measure), period=period,
                     lang=lang, title=title, extent=_box(area["lat"], area["lon"]) if len(area) else None)


def _size_by(measure: str) -> str:
    return "outstanding" if measure == "overdue_ratio" else "borrowers"


def _ok_provinces(nat: NationalResults, codes=None) -> list[str]:
    status = nat.provinces.status
    return [c for c in sorted(status) if status[c] == "ok" and (codes is None or c in codes)]


def by_district(nat: NationalResults, lang: str = "vi", measure: str = "overdue_ratio") -> UnitMap:
    """Every former district of the country (each province's own results): the overdue ratio at the last
    month or the loan-use check coverage at the last year end."""
    _check_measure(measure)
    parts = [_district_table(nat.province(code), measure) for code in _ok_provinces(nat)]
    table = pd.concat([p[0] for p in parts], ignore_index=True)
    tr = translator(lang)
    title = (tr("Tỷ lệ nợ quá hạn theo huyện cũ", "Overdue ratio by former district") if measure == "overdue_ratio"
             else tr("Kiểm tra sử dụng vốn theo huyện cũ", "Loan-use checks by former district"))
    return _unit_map(table, level="district", measure=measure, size_by=_size_by(measure),
                     period=max(p[1] for p in parts), lang=lang, title=title)


# ---------------------------------------------------------------------------------------------
# the province and district reports
# ---------------------------------------------------------------------------------------------

def _box(lat, lon, pad_km: float = 15.0) -> tuple[float, float, float, float]:
    """(lon_min, lon_max, lat_min, lat_max) around the points, padded by ``pad_km``."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    dlat = pad_km / 111.0
    dlon = dlat / max(math.cos(math.radians(float(np.mean(lat)))), 0.1)
    return (float(lon.min() - dlon), float(lon.max() + dlon), float(lat.min() - dlat), float(lat.max() + dlat))


def province_districts(nat: NationalResults, code: str, lang: str = "vi", *, scheme: str = "old",
                       measure: str = "overdue_ratio") -> UnitMap:
    """A province's former districts (``scheme`` "new": the districts of the old provinces merged into new
    province ``code``), coloured by ``measure``, drawn on the province's area."""
    _check_measure(measure)
    olds = nat.provinces.predecessors(code) if scheme == "new" else [str(code)]
    name = (nat.provinces.new if scheme == "new" else nat.provinces.old)[str(code)]
    parts = [_district_table(nat.province(old), measure) for old in _ok_provinces(nat, olds)]
    table = pd.concat([p[0] for p in parts], ignore_index=True)
    area = centroids("district")
    area = area[area["parent"].isin(olds)]
    tr = translator(lang)
    title = (tr(f"Tỷ lệ nợ quá hạn theo huyện cũ: {name}", f"Overdue ratio by former district: {name}")
             if measure == "overdue_ratio" else
             tr(f"Kiểm tra sử dụng vốn theo huyện cũ: {name}", f"Loan-use checks by former district: {name}"))
    return _unit_map(table, level="district", measure=measure, size_by=_size_by(measure),
                     period=max(p[1] for p in parts), lang=lang, title=title,
                     extent=_box(area["lat"], area["lon"]) if len(area) else None)


def neighbour_extent(district: str, radius_km: float = NEIGHBOUR_RADIUS_KM
                     ) -> tuple[float, float, float, float] | None:
    """The lon/lat box of a district's province and of the registry's districts of other provinces within
    ``radius_km`` of one of the province's districts; None for a code not in the registry."""
    units = centroids("district")
    me = units[units["code"] == str(district)]
    if me.empty:
        return None
    own = (units["parent"] == me["parent"].iloc[0]).to_numpy()
    mine = units[own]
    near = distance_km(mine["lat"].to_numpy()[:, None], mine["lon"].to_numpy()[:, None],
                       units["lat"].to_numpy()[None, :], units["lon"].to_numpy()[None, :]).min(axis=0) <= radius_km
    area = units[near | own]
    return _box(area["lat"], area["lon"])


def neighbours(res: Results, district: str, lang: str = "vi", *, measure: str = "overdue_ratio",
               radius_km: float = NEIGHBOUR_RADIUS_KM) -> UnitMap:
    """District ``district`` among the districts of its province (those in ``res``), on an area that also
    shows the registry's districts of other provinces within ``radius_km`` (grey: no data here)."""
    _check_measure(measure)
    table, period = _district_table(res, measure)
    name = res.district(district).name
    tr = translator(lang)
    title = tr(f"{name} giữa các huyện lân cận", f"{name} among its neighbours")
    extent = neighbour_extent(district, radius_km)
    if extent is None:  # a bank's own code: no place on the map, the caption says so
        return _unit_map(table, level="district", measure=measure, size_by=None, period=period, lang=lang,
                         title=title, highlight=str(district))
    placed, _ = locate(table, "district")
    own = placed[placed["code"] == str(district)]
    value = nr.pct(own["value"].iloc[0], 2, lang) if len(own) else nr.number(float("nan"), 0, lang)
    return _unit_map(table, level="district", measure=measure, size_by=None, period=period, lang=lang,
                     title=title, highlight=str(district), extent=extent,
                     caption_key="map.neighbours", name=escape.markdown(name), value=value,
                     radius=nr.number(radius_km, 0, lang))
