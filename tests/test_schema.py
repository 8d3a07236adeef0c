"""Validation: every bad input named in the data-contract issue, each with its own case.

Each case edits one cell of the hand-written valid folder (tests/data/contract/valid) and
checks the key parts of the resulting issue: file, spreadsheet row (header = row 1), column,
rule and offending value. Row numbers are counted by hand from the fixture files.
"""

from __future__ import annotations

import dataclasses
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from analysis.data import io, loading, problems, schema
from analysis.errors import UserError

VALID = Path(__file__).parent / "data" / "contract" / "valid"

# (case, file, text in the valid file, replacement, expected (row, column, rule, value))
CELL_CASES = [
    ("text in a money column", "group_months", "0001,2020-01,40,1001.5", "0001,2020-01,40,nhiều",
     (3, "outstanding", "type", "nhiều")),
    ("fraction in a count", "group_months", "0001,2020-02,41,", "0001,2020-02,41.5,", (4, "borrowers", "type", "41.5")),
    ("text in a month", "group_months", "0002,2020-01,31", "0002,Tết,31", (6, "month", "type", "Tết")),
    ("text in a date", "groups", "2010-03-15", "mid March", (2, "founded_on", "type", "mid March")),
    ("negative count", "group_months", "1,5,0,good", "1,5,-2,good", (2, "supervision_visits", "not_negative", "-2")),
    ("negative money", "group_months", "760.25,5.5,1", "760.25,-5.5,1", (6, "overdue", "not_negative", "-5.5")),
    ("overdue + frozen above outstanding", "group_months", "0003,2020-02,19,370,0,12.5",
     "0003,2020-02,19,370,360,12.5", (10, "overdue", "overdue_le_outstanding", "372.5 > 370")),
    ("more checks than borrowers", "group_months", "0003,2019-12,20,400,0,0,1,1,",
     "0003,2019-12,20,400,0,0,1,21,", (8, "loan_use_checks", "checks_le_borrowers", "21")),
    ("repeated group-month", "group_months", "0001,2020-02,", "0001,2020-01,",
     (4, "group_id + month", "unique_key", "0001 / 2020-01-01 (as row 3)")),
    ("repeated group", "groups", "0003,09101", "0002,09101", (4, "group_id", "unique_key", "0002 (as row 3)")),
    ("repeated briefing", "briefings", "district,941,FU,2020-02-10", "province,94,WU,2020-03-15",
     (3, "level + unit + association + date", "unique_key", "province / 94 / WU / 2020-03-15 (as row 2)")),
    ("empty key cell", "group_months", "0001,2019-12,", ",2019-12,", (2, "group_id", "missing_value", None)),
    ("rating outside the four classes", "group_months", "good", "excellent", (2, "rating", "category", "excellent")),
    ("association outside the four codes", "groups", "FU", "Red Cross", (3, "association", "category", "Red Cross")),
    ("briefing level", "briefings", "district,941", "region,941", (3, "level", "category", "region")),
    ("group's commune not in units (leading zero lost)", "groups", "0002,09002", "0002,9002",
     (3, "commune", "commune_exists", "9002")),
    ("group-month of an unknown group", "group_months", "0002,2020-02", "0004,2020-02", (7, "group_id",
                                                                                         "group_exists", "0004")),
    ("month after the group closed", "group_months", "0003,2020-02", "0003,2020-07", (10, "month",
                                                                                      "within_group_life", "2020-07")),
    ("month before the group was founded", "groups", "0002,09002,FU,Khóm 2,2019-01-10",
     "0002,09002,FU,Khóm 2,2020-01-10",
     None),  # group_months rows 5 (2019-12) is now before founding: checked below
    ("closed before founded", "groups", "2005-06-01,2020-06-30", "2021-06-01,2020-06-30", (4, "closed_on",
                                                                                           "date_order", "2020-06-30")),
    ("reform unit not a district", "reforms", "942,", "09101,", (2, "unit", "district_exists", "09101")),
    ("briefing unit unknown at its level", "briefings", "commune,09001", "commune,9001", (4, "unit", "unit_exists",
                                                                                          "9001")),
]


def make_folder(tmp_path: Path, table: str | None = None, old: str = "", new: str = "") -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for path in VALID.iterdir():
        shutil.copy(path, folder / path.name)
    if table:
        path = folder / f"{table}.csv"
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"fixture edit {old!r} must match once"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def check_folder(folder: Path) -> problems.ValidationReport:
    tables, issues = io.collect_folder(folder)
    return schema.validate(tables, extra_issues=issues)


def test_valid_fixture_passes_without_warnings(tmp_path):
    report = check_folder(make_folder(tmp_path))
    assert report.ok and report.issues == (), report.to_text()
    assert report.rows == {"units": 3, "groups": 3, "group_months": 9, "briefings": 3, "reforms": 1}


@pytest.mark.parametrize("case, table, old, new, expected", CELL_CASES, ids=[c[0] for c in CELL_CASES])
def test_bad_cell_is_reported_with_file_row_column_rule_value(tmp_path, case, table, old, new, expected):
    report = check_folder(make_folder(tmp_path, table, old, new))
    assert not report.ok
    if expected is None:  # founding moved after an existing group-month
        table, expected = "group_months", (5, "month", "within_group_life", "2019-12")
    found = [(i.row, i.column, i.rule, i.value) for i in report.errors if Path(i.file).name == f"{table}.csv"]
    assert found == [expected], report.to_text()  # consequences in other tables may follow


def test_missing_required_column(tmp_path):
    folder = make_folder(tmp_path)
    frame = pd.read_csv(folder / "group_months.csv", dtype=str).drop(columns=["outstanding"])
    frame.to_csv(folder / "group_months.csv", index=False)
    report = check_folder(folder)
    assert [(i.file.endswith("group_months.csv"), i.row, i.column, i.rule) for i in report.errors] == [
        (True, 1, "outstanding", "required_column")]


def test_unknown_column_is_kept_and_only_a_warning(tmp_path):
    folder = make_folder(tmp_path, "groups", "founded_on,closed_on", "founded_on,closed_on,Ghi chú")
    report = check_folder(folder)
    assert report.ok
    assert [(i.column, i.rule) for i in report.warnings] == [("Ghi chú", "unknown_column")]
    assert "Ghi chú" in loading.load(folder)["groups"].columns


def test_missing_table(tmp_path):
    folder = make_folder(tmp_path)
    (folder / "units.csv").unlink()
    report = check_folder(folder)
    assert [(i.table, i.rule) for i in report.errors] == [("units", "missing_table")]


def test_two_files_for_one_table(tmp_path):
    folder = make_folder(tmp_path)
    shutil.copy(folder / "groups.csv", folder / "to.csv")  # "Tổ" is also the groups table
    report = check_folder(folder)
    assert {(Path(i.file).name, i.rule) for i in report.errors} >= {("groups.csv", "duplicate_table"),
                                                                   ("to.csv", "duplicate_table")}


FILE_CASES = [  # (case, bytes of groups.csv, rule, words in the message)
    ("empty file", b"", "file_empty", "empty"),
    ("only blank lines", b"\n\r\n  \n", "file_empty", "empty"),
    ("binary file", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "file_binary", "not a text table"),
    ("workbook named .csv", b"PK\x03\x04" + b"\x00" * 40, "file_binary", "not a text table"),
    ("ragged CSV", b"group_id,commune,association\n1,2,WU\n3,4,FU,extra,cells\n", "file_unreadable",
     "Expected 3 fields"),
    ("TCVN3 header re-saved as UTF-8", "M· tæ,X·,Héi\n0001,09001,WU\n".encode(), "legacy_encoding",
     "looks like TCVN3 legacy encoding; re-save it as Unicode UTF-8"),
    ("TCVN3 header as legacy bytes", "M· tæ,X·,Héi\n0001,09001,WU\n".encode("latin-1"), "legacy_encoding",
     "looks like TCVN3 legacy encoding; re-save it as Unicode UTF-8"),
    ("VNI header", "Maõ toå,Xaõ,Hoäi\n0001,09001,WU\n".encode(), "legacy_encoding",
     "looks like VNI legacy encoding; re-save it as Unicode UTF-8"),
]


@pytest.mark.parametrize("case, content, rule, words", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_unreadable_file_is_one_issue_of_that_file(tmp_path, case, content, rule, words):
    folder = make_folder(tmp_path)
    (folder / "groups.csv").write_bytes(content)
    report = check_folder(folder)
    assert [(Path(i.file).name, i.rule) for i in report.errors] == [("groups.csv", rule)], report.to_text()
    assert words in report.errors[0].message


@pytest.mark.parametrize("header, encoding", [
    ("M· tæ,Th¸ng,Sè hé vay,D\xad nî,Nî qu¸ h¹n", "TCVN3"),
    ("Maõ toå,Thaùng,Soá hoä vay,Dö nôï,Nôï quaù haïn", "VNI"),
])
def test_legacy_headers_of_group_months(header, encoding):
    assert io.legacy_encoding(header.split(",")) == encoding


def cp1258(text: str) -> bytes:
    """Windows-1258 bytes: precomposed base letter plus a combining tone mark where needed."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
    return out


def test_cp1258_csv_from_excel_on_vietnamese_windows_is_read(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_bytes(cp1258("Mã tổ,Xã,Hội\n0001,09001,Hội Phụ nữ\n"))
    frame = io.read_table(path)
    assert frame["association"].tolist() == ["WU"] and frame.attrs["encoding"] == "cp1258"


def test_old_xls_is_read_and_a_broken_one_is_one_issue(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    folder = make_folder(tmp_path)
    (folder / "reforms.csv").unlink()
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Cải cách")
    for j, label in enumerate(["Đơn vị", "Cải cách", "Ngày áp dụng"]):
        sheet.write(0, j, label)
    sheet.write(1, 0, "942")
    sheet.write(1, 1, "Giao ban hằng tháng")
    sheet.write(1, 2, 43647.0)  # Excel serial day: 2019-07-01
    book.save(str(folder / "reforms.xls"))
    report = check_folder(folder)
    assert report.ok, report.to_text()
    assert io.read_table(folder / "reforms.xls")["adopted_on"].tolist() == [pd.Timestamp("2019-07-01")]
    (folder / "reforms.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    report = check_folder(folder)
    assert [(Path(i.file).name, i.rule) for i in report.errors] == [("reforms.xls", "file_unreadable")]


def test_raw_frames_made_in_memory_are_parsed_then_checked():
    raw = pd.DataFrame({"group_id": ["01", "02"], "month": ["2020-01", "2020-01"], "borrowers": ["5", "x"],
                        "outstanding": ["10", "10"], "overdue": ["0", "0"]}, dtype=object)
    report = schema.validate({"group_months": raw})
    type_errors = [(i.row, i.column, i.value) for i in report.errors if i.rule == "type"]
    assert type_errors == [(3, "borrowers", "x")]  # row = position + 2 for frames made in memory
    assert {i.table for i in report.errors if i.rule == "missing_table"} == {"units", "groups"}


def test_repeated_issues_are_grouped_in_the_text(tmp_path):
    folder = make_folder(tmp_path)
    frame = pd.read_csv(folder / "group_months.csv", dtype=str)
    frame["supervision_visits"] = "-1"
    frame.to_csv(folder / "group_months.csv", index=False)
    report = check_folder(folder)
    assert len(report.errors) == 9
    text = report.to_text(show=3)
    assert "group_months.csv, column supervision_visits" in text and "[not_negative]" in text
    assert "row 2 ('-1'), row 3 ('-1'), row 4 ('-1') and 6 more (9 rows)" in text


def test_many_issues_are_capped_but_counted():
    rows = problems.MAX_ISSUES_PER_CHECK + 5
    issues = problems.issues_at(table="t", file="f.csv", rows=range(2, rows + 2), column="c", rule="r",
                              values=["v"] * rows, message="m")
    report = problems.ValidationReport.from_issues(issues)
    assert len(report.errors) == problems.MAX_ISSUES_PER_CHECK + 1 and report.errors[-1].more == 5
    assert report.n_errors == rows
    assert f"({rows} rows)" in report.to_text()


def test_report_is_frozen_and_tabular(tmp_path):
    report = check_folder(make_folder(tmp_path, "groups", "FU", "Red Cross"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.issues = ()
    frame = report.to_frame()
    assert list(frame.columns) == ["severity", "table", "file", "row", "column", "rule", "value", "message", "more"]
    assert frame.loc[0, ["row", "column", "rule", "value"]].tolist() == [3, "association", "category", "Red Cross"]


def test_load_raises_contract_error(tmp_path):
    folder = make_folder(tmp_path, "groups", "FU", "Red Cross")
    with pytest.raises(problems.DataContractError) as err:
        loading.load(folder)
    assert isinstance(err.value, UserError) and not err.value.report.ok
    assert "groups.csv, column association" in str(err.value)


def test_every_rule_used_is_documented():
    used = {c[4][2] for c in CELL_CASES if c[4]} | {c[2] for c in FILE_CASES}
    assert used <= set(problems.RULES)


def test_synthetic_sample_validates_clean(small_sample):
    report = schema.validate(small_sample.tables)
    assert report.ok and not report.warnings, report.to_text()


def test_legacy_header_in_a_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    folder = make_folder(tmp_path)
    (folder / "groups.csv").unlink()
    book = openpyxl.Workbook()
    book.active.append(["M· tæ", "X·", "Héi"])  # TCVN3 for Mã tổ, Xã, Hội
    book.active.append(["0001", "09001", "WU"])
    book.save(folder / "groups.xlsx")
    report = check_folder(folder)
    assert [(Path(i.file).name, i.rule) for i in report.errors] == [("groups.xlsx", "legacy_encoding")]


def test_a_file_with_no_known_header_is_one_issue(tmp_path):
    folder = make_folder(tmp_path)
    (folder / "units.csv").write_text("<html><body>Error 404</body></html>\n", encoding="utf-8")
    report = check_folder(folder)
    assert [(Path(i.file).name, i.row, i.rule) for i in report.errors] == [("units.csv", 1, "not_a_table")]
