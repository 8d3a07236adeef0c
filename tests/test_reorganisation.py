"""The July 2025 reorganisation on tiny hand-written tables: the map's validation rules (each broken
map reported with its file, row, column, rule and value), the units in force in the analysis frame,
series across 2025 and meeting compliance after the district level is gone.

The world: Sóc Trăng's Phường 10 (district 941) and TT Mỹ Xuyên and Đại Tâm (district 947) become
phường Mỹ Xuyên (domain.md 5.2), Hậu Giang's Phường 1 (district 931) becomes phường Vị Thanh; both
new wards are in Cần Thơ (92) from 1/7/2025. Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from analysis.data import hierarchy, indicators, io, panel, problems, schema

EXACT = 1e-12  # sums and ratios of a few numbers

UNITS = """\
province,province_name,district,district_name,commune,commune_name,commune_type,valid_to,successor_commune,successor_commune_name,successor_province,successor_province_name,successor_valid_from
94,Sóc Trăng,941,TP Sóc Trăng,94110,Phường 10,ward,30/06/2025,M92001,Phường Mỹ Xuyên,92,Cần Thơ,01/07/2025
94,Sóc Trăng,947,Mỹ Xuyên,94701,TT Mỹ Xuyên,townlet,30/06/2025,M92001,Phường Mỹ Xuyên,92,Cần Thơ,01/07/2025
94,Sóc Trăng,947,Mỹ Xuyên,94702,Đại Tâm,commune,30/06/2025,M92001,Phường Mỹ Xuyên,92,Cần Thơ,01/07/2025
93,Hậu Giang,931,Vị Thanh,93101,Phường 1,ward,30/06/2025,M92002,Phường Vị Thanh,92,Cần Thơ,01/07/2025
"""
GROUPS = """\
group_id,commune,association
g1,94110,WU
g2,94702,FU
g3,93101,WU
"""
GROUP_MONTHS = """\
group_id,month,borrowers,outstanding,overdue,frozen
g1,2025-06,40,1000,10,0
g1,2025-07,40,1000,20,0
g2,2025-06,30,500,0,0
g2,2025-07,30,500,5,0
g3,2025-06,20,500,40,0
g3,2025-07,20,500,0,0
"""


def write_folder(tmp_path: Path, units: str = UNITS) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in (("units", units), ("groups", GROUPS), ("group_months", GROUP_MONTHS)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def check(folder: Path) -> problems.ValidationReport:
    tables, issues = io.collect_folder(folder)
    return schema.validate(tables, extra_issues=issues)


def test_a_valid_map_passes(tmp_path):
    report = check(write_folder(tmp_path))
    assert report.ok and not report.warnings, report.to_text()


# (case, text replaced in UNITS (must occur once), replacement, expected (row, column, rule, value))
BROKEN_MAPS = [
    ("an old commune without a successor", "Đại Tâm,commune,30/06/2025,M92001,Phường Mỹ Xuyên,92,Cần Thơ,01/07/2025",
     "Đại Tâm,commune,30/06/2025,,,,,", (4, "successor_commune", "successor_map", "94702")),
    ("a successor but no last day", "Phường 1,ward,30/06/2025,M92002", "Phường 1,ward,,M92002",
     (5, "valid_to", "successor_map", "93101")),
    ("a gap of one day", "Phường Vị Thanh,92,Cần Thơ,01/07/2025", "Phường Vị Thanh,92,Cần Thơ,02/07/2025",
     (5, "successor_valid_from", "successor_dates", "valid_to 2025-06-30, successor from 2025-07-02: gap of 1 day(s)")),
    ("an overlap of one day", "Phường Vị Thanh,92,Cần Thơ,01/07/2025", "Phường Vị Thanh,92,Cần Thơ,30/06/2025",
     (5, "successor_valid_from", "successor_dates",
      "valid_to 2025-06-30, successor from 2025-06-30: overlap of 1 day(s)")),
    # (a successor reusing the code of a commune that ended the day before is the official new unit: allowed)
    ("the successor is an old commune that ended",
     "Phường 1,ward,30/06/2025,M92002,Phường Vị Thanh,92,Cần Thơ,01/07/2025",
     "Phường 1,ward,31/12/2025,94110,Phường Vị Thanh,92,Cần Thơ,01/01/2026",
     (5, "successor_commune", "successor_exists", "94110 (ended 2025-06-30)")),
    ("one successor, two names", "TT Mỹ Xuyên,townlet,30/06/2025,M92001,Phường Mỹ Xuyên",
     "TT Mỹ Xuyên,townlet,30/06/2025,M92001,Phường Mỹ Xuyen", (3, "successor_commune_name", "successor_consistent",
                                                             "M92001: Phường Mỹ Xuyen (earlier Phường Mỹ Xuyên)")),
    ("one successor, two provinces", "Đại Tâm,commune,30/06/2025,M92001,Phường Mỹ Xuyên,92",
     "Đại Tâm,commune,30/06/2025,M92001,Phường Mỹ Xuyên,95", (4, "successor_province", "successor_consistent",
                                                              "M92001: 95 (earlier 92)")),
]


@pytest.mark.parametrize("case, old, new, expected", BROKEN_MAPS, ids=[c[0] for c in BROKEN_MAPS])
def test_a_broken_map_is_named_by_file_row_column_rule_value(tmp_path, case, old, new, expected):
    assert UNITS.count(old) == 1, f"fixture edit {old!r} must match once"
    report = check(write_folder(tmp_path, UNITS.replace(old, new)))
    row, column, rule, value = expected
    found = [i for i in report.errors if i.rule == rule]
    assert found, report.to_text()
    issue = found[0]
    assert (Path(issue.file).name, issue.row, issue.column, issue.value) == ("units.csv", row, column, value)
    assert f"units.csv, column {column}" in report.to_text()


def test_a_commune_mapped_twice_is_named(tmp_path):
    extra = "94,Sóc Trăng,947,Mỹ Xuyên,94702,Đại Tâm,commune,30/06/2025,M92002,Phường Vị Thanh,92,Cần Thơ,01/07/2025\n"
    report = check(write_folder(tmp_path, UNITS + extra))
    twice = [i for i in report.errors if i.rule == "successor_map"]
    assert {i.row for i in twice} == {4, 6} and twice[0].value == "94702 -> M92001, M92002"
    assert any(i.rule == "unique_key" for i in report.errors)


def test_a_province_split_across_new_provinces_is_a_warning(tmp_path):
    units = UNITS.replace("93101,Phường 1,ward,30/06/2025,M92002,Phường Vị Thanh,92,Cần Thơ",
                          "93101,Phường 1,ward,30/06/2025,M95002,Phường Vị Thanh,95,Cà Mau")
    units += "93,Hậu Giang,931,Vị Thanh,93102,Phường 3,ward,30/06/2025,M92003,Phường Ba,92,Cần Thơ,01/07/2025\n"
    report = check(write_folder(tmp_path, units))
    assert report.ok
    assert [(i.rule, i.value) for i in report.warnings] == [("successor_province", "93")]


def test_units_without_any_successor_are_not_checked(tmp_path):
    """Data from before 2025 (like the sample): a valid_to and no map is fine."""
    units = "\n".join(",".join(line.split(",")[:8]) for line in UNITS.splitlines()) + "\n"
    assert check(write_folder(tmp_path, units)).ok


@pytest.fixture()
def frame(tmp_path):
    tables, _ = io.collect_folder(write_folder(tmp_path))
    return panel.build({name: io.with_defaults(f, table=name) for name, f in tables.items()})


def test_the_panel_carries_old_new_and_in_force_units(frame):
    by = frame.set_index(["group_id", frame["month"].dt.strftime("%Y-%m")])
    # the old district and province are permanent
    assert by.loc[("g2", "2025-07"), ["district", "province", "commune"]].tolist() == ["947", "94", "94702"]
    # the mapped new units are the same in every month
    assert set(by.loc["g2", "new_commune"]) == {"M92001"} and set(by.loc["g3", "new_province"]) == {"92"}
    # in force: old until June 2025, new from July 2025
    assert by.loc[("g1", "2025-06"), ["province_in_force", "commune_in_force", "after_reorganisation"]].tolist() == \
        ["94", "94110", 0]
    july = by.loc[("g1", "2025-07"), ["province_in_force_name", "commune_in_force_name", "after_reorganisation"]]
    assert july.tolist() == ["Cần Thơ", "Phường Mỹ Xuyên", 1]


def test_series_across_2025_by_new_province_old_district_and_units_in_force(frame):
    new = indicators.series(frame, scheme="new_province").set_index("period")
    # Cần Thơ (92) covers all three groups in both months: June (10 + 0 + 40) / 2000 = 2.5 %,
    # July (20 + 5 + 0) / 2000 = 1.25 %
    assert new.loc[pd.Period("2025-06", "M"), "overdue_ratio"] == pytest.approx(2.5, abs=EXACT)
    assert new.loc[pd.Period("2025-07", "M"), "overdue_ratio"] == pytest.approx(1.25, abs=EXACT)
    old = indicators.series(frame, scheme="province", unit="94").set_index("period")
    # old Sóc Trăng in July (groups g1, g2): 25 / 1500
    assert old.loc[pd.Period("2025-07", "M"), "overdue_ratio"] == pytest.approx(100 * 25 / 1500, abs=EXACT)
    district = indicators.series(frame, scheme="district")
    assert set(district["district"]) == {"941", "947", "931"} and len(district) == 6
    in_force = indicators.series(frame, scheme="province_in_force")
    assert sorted(zip(in_force["province_in_force"], in_force["period"].astype(str))) == \
        [("92", "2025-07"), ("93", "2025-06"), ("94", "2025-06")]
    with pytest.raises(ValueError, match="scheme"):
        indicators.series(frame, scheme="old_district")


def units_table() -> pd.DataFrame:
    units = pd.read_csv(StringIO(UNITS), dtype=str)
    for col in ("valid_to", "successor_valid_from"):
        units[col] = pd.to_datetime(units[col], dayfirst=True)
    return units


def test_maps_of_provinces_and_of_an_old_districts_area():
    units = units_table()
    pm = hierarchy.province_map(units)
    assert pm[["province", "new_province", "districts", "communes", "new_communes"]].values.tolist() == \
        [["93", "92", 1, 1, 1], ["94", "92", 2, 3, 1]]
    area = hierarchy.district_areas(units, "947")
    # Mỹ Xuyên's two communes are in phường Mỹ Xuyên, which also takes Phường 10 of district 941
    assert area[["new_commune", "communes", "communes_in_new", "other_districts"]].values.tolist() == \
        [["M92001", 2, 3, "941"]]


def test_meeting_compliance_after_the_district_level_is_gone():
    units = units_table()
    briefings = pd.DataFrame({"level": ["district", "province", "province"], "unit": ["941", "94", "92"],
                              "association": ["WU"] * 3,
                              "date": pd.to_datetime(["2025-06-10", "2025-06-10", "2025-09-10"])})
    district = indicators.meeting_compliance(briefings, units, level="district", start="2025-01", end="2025-12",
                                             freq="Y", by=["association"])
    # 3 districts x 3 two-month slots (Jan-Feb, Mar-Apr, May-Jun) and none after June: 9 slots, 1 held
    assert district[["scheduled", "held"]].values.tolist() == [[9, 1]]
    province = indicators.meeting_compliance(briefings, units, level="province", start="2025-01", end="2025-12",
                                             freq="Y", by=["association"])
    # old 93 and 94 for Q1-Q2 (4 slots), new 92 for Q3-Q4 (2 slots): 6 slots, 2 held
    assert province[["scheduled", "held"]].values.tolist() == [[6, 2]]
