"""Viet Nam's 63 provinces before 1 July 2025 and the 34 after: the registry of the synthetic country.

Sources and confidence (tags as in ``shared/domain.md``):

- **[V]** the reorganisation itself: National Assembly Resolution 202/2025/QH15 (12/6/2025) cut the
  provinces from 63 to 34 from 1/7/2025 and the district level was abolished (domain.md 5.2);
  Sóc Trăng and Hậu Giang were merged into Cần Thơ; Sóc Trăng's 108 communes became 43 (8 wards,
  35 communes); two of its merged communes are named there (``SOC_TRANG_KNOWN_MERGERS``).
- **[U]** (background knowledge, not verified in domain.md): the province names and GSO codes
  below except Sóc Trăng's district codes (geography.py); the number of districts and communes of
  each province (approximate counts of 2023-2024, about 705 and 10,100 in all); the other 22
  mergers of Resolution 202/2025/QH15 (the list in ``MERGERS``, the first-named province keeping
  its name); the new provinces keeping the GSO code of the province whose name they keep; about
  3,321 commune-level units after the reorganisation (``NEW_COMMUNES_TOTAL``); the regions.

None of this is used as a rule for users' data: it only shapes the synthetic country
(``analysis.data.country``).
"""

from __future__ import annotations

from dataclasses import dataclass

# Regions (GSO's six socio-economic regions) [U].
REGIONS = {
    "NMM": "Trung du và miền núi phía Bắc (Northern midlands and mountains)",
    "RRD": "Đồng bằng sông Hồng (Red River Delta)",
    "NCC": "Bắc Trung Bộ và Duyên hải miền Trung (North Central and Central Coast)",
    "CH": "Tây Nguyên (Central Highlands)",
    "SE": "Đông Nam Bộ (Southeast)",
    "MD": "Đồng bằng sông Cửu Long (Mekong Delta)",
}


@dataclass(frozen=True)
class Province:
    """A province before 1 July 2025.

    Attributes:
        code: two-digit GSO code [U] (Sóc Trăng 94).
        name: name before the reorganisation [U].
        region: key of ``REGIONS`` [U].
        districts: number of district-level units before 2025 (approximate [U]).
        communes: number of commune-level units before 2025 (approximate [U]).
    """

    code: str
    name: str
    region: str
    districts: int
    communes: int


# (code, name, region, districts, communes), approximate counts of 2023-2024 [U].
_ROWS = (
    ("01", "Hà Nội", "RRD", 30, 579), ("02", "Hà Giang", "NMM", 11, 193), ("04", "Cao Bằng", "NMM", 10, 161),
    ("06", "Bắc Kạn", "NMM", 8, 108), ("08", "Tuyên Quang", "NMM", 7, 138), ("10", "Lào Cai", "NMM", 9, 152),
    ("11", "Điện Biên", "NMM", 10, 129), ("12", "Lai Châu", "NMM", 8, 106), ("14", "Sơn La", "NMM", 12, 200),
    ("15", "Yên Bái", "NMM", 9, 173), ("17", "Hòa Bình", "NMM", 10, 151), ("19", "Thái Nguyên", "NMM", 9, 172),
    ("20", "Lạng Sơn", "NMM", 11, 200), ("22", "Quảng Ninh", "RRD", 13, 171), ("24", "Bắc Giang", "NMM", 10, 192),
    ("25", "Phú Thọ", "NMM", 13, 225), ("26", "Vĩnh Phúc", "RRD", 9, 136), ("27", "Bắc Ninh", "RRD", 8, 121),
    ("30", "Hải Dương", "RRD", 12, 207), ("31", "Hải Phòng", "RRD", 15, 217), ("33", "Hưng Yên", "RRD", 10, 139),
    ("34", "Thái Bình", "RRD", 8, 260), ("35", "Hà Nam", "RRD", 6, 98), ("36", "Nam Định", "RRD", 10, 204),
    ("37", "Ninh Bình", "RRD", 8, 119), ("38", "Thanh Hóa", "NCC", 26, 547), ("40", "Nghệ An", "NCC", 21, 460),
    ("42", "Hà Tĩnh", "NCC", 13, 209), ("44", "Quảng Bình", "NCC", 8, 145), ("45", "Quảng Trị", "NCC", 10, 125),
    ("46", "Thừa Thiên Huế", "NCC", 9, 133), ("48", "Đà Nẵng", "NCC", 8, 56), ("49", "Quảng Nam", "NCC", 18, 233),
    ("51", "Quảng Ngãi", "NCC", 13, 173), ("52", "Bình Định", "NCC", 11, 155), ("54", "Phú Yên", "NCC", 9, 110),
    ("56", "Khánh Hòa", "NCC", 9, 139), ("58", "Ninh Thuận", "NCC", 7, 65), ("60", "Bình Thuận", "NCC", 10, 124),
    ("62", "Kon Tum", "CH", 10, 102), ("64", "Gia Lai", "CH", 17, 218), ("66", "Đắk Lắk", "CH", 15, 184),
    ("67", "Đắk Nông", "CH", 8, 71), ("68", "Lâm Đồng", "CH", 12, 142), ("70", "Bình Phước", "SE", 11, 111),
    ("72", "Tây Ninh", "SE", 9, 94), ("74", "Bình Dương", "SE", 9, 91), ("75", "Đồng Nai", "SE", 11, 170),
    ("77", "Bà Rịa - Vũng Tàu", "SE", 8, 82), ("79", "TP Hồ Chí Minh", "SE", 22, 273), ("80", "Long An", "MD", 15, 188),
    ("82", "Tiền Giang", "MD", 11, 172), ("83", "Bến Tre", "MD", 9, 157), ("84", "Trà Vinh", "MD", 9, 106),
    ("86", "Vĩnh Long", "MD", 8, 107), ("87", "Đồng Tháp", "MD", 12, 143), ("89", "An Giang", "MD", 11, 156),
    ("91", "Kiên Giang", "MD", 15, 144), ("92", "Cần Thơ", "MD", 9, 83), ("93", "Hậu Giang", "MD", 8, 75),
    ("94", "Sóc Trăng", "MD", 11, 109), ("95", "Bạc Liêu", "MD", 7, 64), ("96", "Cà Mau", "MD", 9, 101),
)
PROVINCES: dict[str, Province] = {row[0]: Province(*row) for row in _ROWS}

SOC_TRANG = "94"  # the calibrated province (analysis.data.geography, analysis.data.synth.TARGETS)

# Resolution 202/2025/QH15: the new provinces from 1/7/2025, each a tuple of old codes whose first
# keeps its name. The merger of Cần Thơ, Sóc Trăng and Hậu Giang and the 11 unchanged provinces are
# [V] (domain.md 5.2 and the brief of issue 11); the other mergers are [U].
UNCHANGED = ("01", "46", "12", "11", "14", "20", "22", "38", "40", "42", "04")  # [V]
MERGERS = (
    ("08", "02"), ("10", "15"), ("19", "06"), ("25", "26", "17"), ("27", "24"), ("33", "34"), ("31", "30"),
    ("37", "35", "36"), ("45", "44"), ("48", "49"), ("51", "62"), ("64", "52"), ("56", "58"),
    ("68", "67", "60"), ("66", "54"), ("79", "74", "77"), ("75", "70"), ("72", "80"),
    ("92", "94", "93"),  # [V] Cần Thơ + Sóc Trăng + Hậu Giang -> thành phố Cần Thơ
    ("86", "83", "84"), ("87", "82"), ("96", "95"), ("89", "91"),
)
NEW_NAMES = {"46": "Huế"}  # Thừa Thiên Huế is called Huế from 2025 [U]; the others keep the first name
REORGANISATION_DATE = "2025-07-01"  # first day of the new provinces and communes [V]
NEW_COMMUNES_TOTAL = 3321  # commune-level units after the reorganisation, nationally [U]
SOC_TRANG_NEW_COMMUNES = {"ward": 8, "commune": 35}  # 108 -> 43 [V] (domain.md 5.2)
# Two merged Sóc Trăng communes named in domain.md 5.2 [V] (the second Ngã Năm commune of Tân Long
# is not named there: Long Bình is assumed [U]). Old commune names as (district code, name).
SOC_TRANG_KNOWN_MERGERS = (
    ("ward", "Phường Mỹ Xuyên", (("941", "Phường 10"), ("947", "TT Mỹ Xuyên"), ("947", "Đại Tâm"))),
    ("commune", "Xã Tân Long", (("948", "Tân Long"), ("948", "Long Bình"), ("949", "Thạnh Tân"))),
)


@dataclass(frozen=True)
class NewProvince:
    """A province from 1 July 2025: its code (that of the old province whose name it keeps [U]),
    name and the old provinces merged into it (first = the one whose name it keeps)."""

    code: str
    name: str
    members: tuple[str, ...]


def new_provinces() -> dict[str, NewProvince]:
    """The 34 provinces from 1 July 2025, keyed by code."""
    out = {}
    for members in (*((c,) for c in UNCHANGED), *MERGERS):
        head = members[0]
        out[head] = NewProvince(head, NEW_NAMES.get(head, PROVINCES[head].name), tuple(members))
    return dict(sorted(out.items()))


def successor_province() -> dict[str, str]:
    """Old province code -> new province code (63 -> 34)."""
    return {old: new.code for new in new_provinces().values() for old in new.members}


def _check() -> None:
    """The registry is complete: 63 old provinces, each in exactly one of 34 new ones."""
    members = [c for p in new_provinces().values() for c in p.members]
    assert len(PROVINCES) == 63 and len(new_provinces()) == 34, (len(PROVINCES), len(new_provinces()))
    assert sorted(members) == sorted(PROVINCES), set(PROVINCES) ^ set(members)


_check()
