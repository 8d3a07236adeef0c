"""Viet Nam's 63 provinces before 1 July 2025 and the 34 after, as the official registry gives them.

Codes, names, the counts of districts and communes and the 63 -> 34 map all come from
``analysis.data.registry`` (the ``vietnamadminunits`` data set, shared/domain.md 5.3). The only fact
kept here by hand is one the registry lacks:

- ``REGION``: each province's socio-economic region (GSO's six regions of the statistical yearbooks,
  as in the National Master Plan, Resolution 81/2023/QH15) [U: from background knowledge, not checked
  in shared/domain.md]. It shapes the synthetic country only (overdue levels, the Mekong salinity).

Nothing here is used as a rule for users' data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from analysis.data import registry
from analysis.data.contract import REORGANISATION_DATE as _REORGANISATION_DAY

REORGANISATION_DATE = _REORGANISATION_DAY.isoformat()  # first day of the new provinces and communes [V]
SOC_TRANG = "94"  # the calibrated province (synthetic.geography, synthetic.design.TARGETS)

REGIONS = {
    "NMM": "Trung du và miền núi phía Bắc (Northern midlands and mountains)",
    "RRD": "Đồng bằng sông Hồng (Red River Delta)",
    "NCC": "Bắc Trung Bộ và Duyên hải miền Trung (North Central and Central Coast)",
    "CH": "Tây Nguyên (Central Highlands)",
    "SE": "Đông Nam Bộ (Southeast)",
    "MD": "Đồng bằng sông Cửu Long (Mekong Delta)",
}
_REGION_CODES = {  # region -> GSO province codes [U]
    "NMM": "02 04 06 08 10 11 12 14 15 17 19 20 24 25",
    "RRD": "01 22 26 27 30 31 33 34 35 36 37",
    "NCC": "38 40 42 44 45 46 48 49 51 52 54 56 58 60",
    "CH": "62 64 66 67 68",
    "SE": "70 72 74 75 77 79",
    "MD": "80 82 83 84 86 87 89 91 92 93 94 95 96",
}
REGION = {code: region for region, codes in _REGION_CODES.items() for code in codes.split()}


@dataclass(frozen=True)
class Province:
    """A province before 1 July 2025 (registry): GSO code, short name, region, and its numbers of
    districts (island districts without communes included) and communes."""

    code: str
    name: str
    region: str
    districts: int
    communes: int


@dataclass(frozen=True)
class NewProvince:
    """A province from 1 July 2025 (registry): code, short name and the old provinces merged into it
    (the one whose code it keeps first)."""

    code: str
    name: str
    members: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def old_provinces() -> dict[str, Province]:
    """The 63 provinces before 1 July 2025, keyed by code."""
    districts = registry.old_districts().groupby("province")["district"].nunique()
    communes = registry.old_communes().groupby("province")["commune"].nunique()
    out = {}
    for row in registry.old_provinces().itertuples(index=False):
        code = str(row.province)
        out[code] = Province(code, row.province_name, REGION[code], int(districts[code]), int(communes[code]))
    return dict(sorted(out.items()))


@functools.lru_cache(maxsize=1)
def new_provinces() -> dict[str, NewProvince]:
    """The 34 provinces from 1 July 2025, keyed by code."""
    out = {}
    for row in registry.new_provinces().itertuples(index=False):
        code = str(row.new_province)
        members = sorted(row.members.split(","), key=lambda c: (c != code, c))
        out[code] = NewProvince(code, row.new_province_name, tuple(members))
    return dict(sorted(out.items()))


def successor_province() -> dict[str, str]:
    """Old province code -> new province code (63 -> 34)."""
    return registry.successor_province()


def __getattr__(name: str):
    if name == "PROVINCES":  # read lazily: the registry is loaded only by what uses it
        return old_provinces()
    raise AttributeError(name)


def _check() -> None:
    """The registry agrees with the region table: 63 old provinces, each with a region and in one of 34."""
    olds, news = old_provinces(), new_provinces()
    members = [c for p in news.values() for c in p.members]
    assert len(olds) == 63 and len(news) == 34, (len(olds), len(news))
    assert sorted(members) == sorted(olds) == sorted(REGION), set(olds) ^ set(members) ^ set(REGION)
