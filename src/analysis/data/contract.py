"""The data contract: canonical tables, their columns, types, units and keys.

This module is the single source of truth that ``schema`` (validation), ``io`` (readers),
``synthetic`` (the sample) and ``data/README.md`` follow. Money is million VND. Codes and IDs are
strings kept exactly as given (leading zeros matter). ``month`` is a calendar month, held in
memory as the first day of the month (``datetime64``) and written ``YYYY-MM`` in text files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DIRECTIVE_40_DATE = date(2014, 11, 22)  # Directive 40-CT/TW, Party Central Committee's Secretariat
DIRECTIVE_40_MONTH = "2014-11"  # first month in which the Directive applies
# National Assembly Resolution 202/2025/QH15: 34 provinces and no district level from this day (domain.md 5.2).
REORGANISATION_DATE = date(2025, 7, 1)

ASSOCIATIONS = {
    "WU": "Women's Union (Hội Liên hiệp Phụ nữ)",
    "FU": "Farmers' Union (Hội Nông dân)",
    "VA": "Veterans' Association (Hội Cựu chiến binh)",
    "YU": "Youth Union (Đoàn Thanh niên)",
}
RATINGS = ("good", "fair", "average", "weak")  # best to worst: Tốt, Khá, Trung bình, Yếu
BRIEFING_LEVELS = ("province", "district", "commune")
# Giao ban schedule (source article): province quarterly, district every 2 months, commune monthly.
BRIEFING_INTERVAL_MONTHS = {"province": 3, "district": 2, "commune": 1}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "str", "int", "float", "month", "date", "category"
    required: bool
    meaning: str
    unit: str = ""
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    meaning: str

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


UNITS = Table(
    name="units",
    key=("commune",),
    meaning=("Administrative units before the 2025 reorganisation, one row per commune-level unit, "
             "with the commune and province each became part of (effective-dated: valid_to, then "
             "successor_valid_from)."),
    columns=(
        Column("province", "str", True, "province code"),
        Column("province_name", "str", False, "province name", nullable=True),
        Column("district", "str", True, "district-level unit code (pre-2025 district, a permanent dimension)"),
        Column("district_name", "str", True, "district-level unit name"),
        Column("commune", "str", True, "commune-level unit code"),
        Column("commune_name", "str", True, "commune-level unit name"),
        Column("commune_type", "category", False, "ward, townlet, commune or island_district (an island district without communes, its own commune-level unit)", nullable=True),
        Column("transaction_point", "str", False, "VBSP commune transaction point serving it", nullable=True),
        Column("valid_from", "date", False, "first day the unit existed in this form", nullable=True),
        Column("valid_to", "date", False, "last day (empty while current)", nullable=True),
        Column("successor_commune", "str", False, "post-2025 commune it was merged into", nullable=True),
        Column("successor_commune_name", "str", False, "name of the successor commune", nullable=True),
        Column("successor_province", "str", False, "province code of the successor commune (post-2025 province)",
               nullable=True),
        Column("successor_province_name", "str", False, "name of the successor province", nullable=True),
        Column("successor_valid_from", "date", False,
               "first day of the successor commune: the day after valid_to (2025-07-01 for the 2025 reorganisation)",
               nullable=True),
    ),
)

GROUPS = Table(
    name="groups",
    key=("group_id",),
    meaning="Savings-and-loan groups (Tổ TK&VV), one row per group.",
    columns=(
        Column("group_id", "str", True, "group code (Mã tổ)"),
        Column("commune", "str", True, "commune code; must exist in units"),
        Column("association", "category", True, "managing association: WU, FU, VA or YU"),
        Column("transaction_point", "str", False, "transaction point", nullable=True),
        Column("hamlet", "str", False, "hamlet (ấp/khóm)", nullable=True),
        Column("founded_on", "date", False, "date the group was set up", nullable=True),
        Column("closed_on", "date", False, "date the group closed or merged (empty if active)", nullable=True),
        Column("successor_commune", "str", False,
               "post-2025 commune the group belongs to, where its old commune was divided among several "
               "(empty: the official default successor of its commune)", nullable=True),
    ),
)

GROUP_MONTHS = Table(
    name="group_months",
    key=("group_id", "month"),
    meaning="The core panel: one row per group and calendar month (end-of-month balances).",
    columns=(
        Column("group_id", "str", True, "group code; must exist in groups"),
        Column("month", "month", True, "calendar month (YYYY-MM)"),
        Column("borrowers", "int", True, "borrowers with outstanding loans", "households"),
        Column("outstanding", "float", True, "outstanding loans", "million VND"),
        Column("overdue", "float", True, "overdue outstanding (nợ quá hạn)", "million VND"),
        Column("frozen", "float", False, "frozen debt (nợ khoanh)", "million VND"),
        Column("interest_arrears", "float", False, "interest due and unpaid (lãi tồn)", "million VND"),
        Column("savings", "float", False, "members' savings balance", "million VND"),
        Column("group_meetings", "int", False, "group meetings held in the month", "meetings"),
        Column("loan_use_checks", "int", False, "borrowers whose loan use was checked in the month", "borrowers"),
        Column("supervision_visits", "int", False, "visits by a Union level or the bank in the month", "visits"),
        Column("rating", "category", False, "group rating where rated that month: good/fair/average/weak",
               nullable=True),
        Column("new_commune", "str", False,
               "from July 2025: the post-2025 commune the group reported under that month (where given, it "
               "places a group of a divided commune)", nullable=True),
    ),
)

BRIEFINGS = Table(
    name="briefings",
    key=("level", "unit", "association", "date"),
    meaning="Giao ban (periodic briefings) held between VBSP and the associations.",
    columns=(
        Column("level", "category", True, "province, district or commune"),
        Column("unit", "str", True, "code of the province, district or commune"),
        Column("association", "category", True, "WU, FU, VA or YU"),
        Column("date", "date", True, "date held"),
    ),
)

REFORMS = Table(
    name="reforms",
    key=("unit", "reform"),
    meaning="Local reforms adopted at different dates (staggered), one row per unit and reform.",
    columns=(
        Column("unit", "str", True, "district code that adopted the reform"),
        Column("reform", "str", True, "reform name"),
        Column("adopted_on", "date", True,
               "adoption date; groups of the unit are treated from the month containing it"),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (UNITS, GROUPS, GROUP_MONTHS, BRIEFINGS, REFORMS)}
