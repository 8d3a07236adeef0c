"""The contract reader on shapes users bring: workbooks with many sheets, personal-data columns,
identical or unit-bearing headers, codes that lost their leading zeros. Hand-made, tiny files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from analysis.data import io, loading, problems, schema

VALID = Path(__file__).parent / "data" / "contract" / "valid"
GM_HEADER = ["Mã tổ", "Số hộ vay", "Dư nợ", "Nợ quá hạn"]


def folder_without(tmp_path: Path, *tables: str) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for path in VALID.iterdir():
        if path.stem not in tables:
            shutil.copy(path, folder / path.name)
    return folder


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is not None:
                    sheet.write(i, j, value)
    book.close()
    return path


def month_rows(month: str) -> list[list]:
    out = [GM_HEADER]
    for gid, borrowers, outstanding in (("0001", 40, 1000.5), ("0002", 30, 750.0), ("0003", 20, 400.0)):
        out.append([gid, borrowers, outstanding + (month == "T01-2020"), 0])
    return out


def check(folder: Path) -> problems.ValidationReport:
    tables, issues = io.collect_folder(folder)
    return schema.validate(tables, extra_issues=issues)


def test_every_sheet_is_read_with_the_month_from_its_name(tmp_path):
    folder = folder_without(tmp_path, "group_months")
    workbook(folder / "group_months.xlsx", {s: month_rows(s) for s in ("T12-2019", "T01-2020", "T02-2020")})
    frame = io.read_table(folder / "group_months.xlsx")
    assert len(frame) == 9 and frame["month"].dt.strftime("%Y-%m").unique().tolist() == ["2019-12", "2020-01",
                                                                                         "2020-02"]
    assert frame.attrs["sheet"] == "T12-2019 .. T02-2020 (3 sheets)"
    report = check(folder)
    assert report.ok and [i.rule for i in report.warnings] == ["sheet_month"], report.to_text()


def test_sheets_with_other_headers_refuse_the_file_naming_them(tmp_path):
    folder = folder_without(tmp_path, "group_months")
    other = [["Mã tổ", "Dư nợ", "Số hộ vay"]] + [r[:1] + [r[2], r[1]] for r in month_rows("x")[1:]]
    workbook(folder / "group_months.xlsx", {"T12-2019": month_rows("T12-2019"), "T01-2020": other})
    report = check(folder)
    assert [i.rule for i in report.errors] == ["sheets_differ"]
    assert "'T01-2020' do not have the header of sheet 'T12-2019'; nothing was read" in report.to_text()


def test_notes_sheet_is_named_not_read(tmp_path):
    folder = folder_without(tmp_path, "groups")
    rows = [["Mã tổ", "Xã", "Hội"], ["0001", "09001", "WU"], ["0002", "09002", "FU"], ["0003", "09101", "VA"]]
    workbook(folder / "groups.xlsx", {"Ghi chú": [["Số liệu đến 29/02/2020"]], "Danh sách": rows})
    report = check(folder)
    assert report.ok
    assert [(i.rule, "'Ghi chú'" in i.message) for i in report.warnings] == [("sheets_ignored", True)]


def test_personal_columns_are_dropped_by_header_and_content(tmp_path):
    folder = folder_without(tmp_path, "groups")
    (folder / "groups.csv").write_text(
        "Mã tổ,Xã,Hội,Tổ trưởng,Liên hệ,Số giấy tờ,Ghi chú\n"
        "0001,09001,WU,Nguyễn Thị Lan,0912345678,079123456789,ok\n"
        "0002,09002,FU,Trần Văn Hùng,0387654321,079987654321,\n"
        "0003,09101,VA,Thạch Sơn,0901234567,381234567,\n", encoding="utf-8")
    tables, issues = io.collect_folder(folder)
    assert list(tables["groups"].columns) == ["group_id", "commune", "association", "Ghi chú"]
    report = schema.validate(tables, extra_issues=issues)
    personal = {i.column: i.message for i in report.warnings if i.rule == "personal_data"}
    assert set(personal) == {"Tổ trưởng", "Liên hệ", "Số giấy tờ"}
    assert "phone numbers" in personal["Liên hệ"] and "ID-card" in personal["Số giấy tờ"]
    assert "Nguyễn" not in report.to_text() and "0912345678" not in report.to_text()
    kept = loading.load(folder, keep_personal=["Tổ trưởng"])["groups"]
    assert "private_to_truong" in kept.columns and "Liên hệ" not in kept.columns


def test_identical_headers_are_named_and_neither_is_used(tmp_path):
    folder = folder_without(tmp_path, "group_months")
    text = (VALID / "group_months.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[0] = lines[0].replace("group_id,month,borrowers,outstanding", "Mã tổ,Tháng,Số hộ vay,Dư nợ") + ",Dư nợ"
    lines[1:] = [line + ",1" for line in lines[1:]]
    (folder / "group_months.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check(folder)
    assert [(i.rule, i.column) for i in report.errors] == [("duplicate_column", "outstanding")], report.to_text()
    assert "2 columns (columns D and K) have the same header" in report.to_text()


@pytest.mark.parametrize("header, rule", [("Dư nợ\n(triệu đồng)", None), ("Dư nợ (đồng)", "money_unit")])
def test_headers_with_units_and_line_breaks(tmp_path, header, rule):
    folder = folder_without(tmp_path, "group_months")
    frame = pd.read_csv(VALID / "group_months.csv", dtype=str).rename(
        columns={"outstanding": header, "borrowers": "Số hộ vay (hộ)"})
    frame.to_csv(folder / "group_months.csv", index=False)
    report = check(folder)
    assert [i.rule for i in report.errors] == ([rule] if rule else []), report.to_text()


def test_did_you_mean_for_an_unknown_header(tmp_path):
    folder = folder_without(tmp_path, "group_months")
    frame = pd.read_csv(VALID / "group_months.csv", dtype=str).rename(columns={"outstanding": "Dư nợ cuối tháng"})
    frame.to_csv(folder / "group_months.csv", index=False)
    report = check(folder)
    assert "did you mean header 'Dư nợ cuối tháng'?" in report.to_text()


def test_lost_leading_zeros_are_one_line_with_the_cause(tmp_path):
    folder = folder_without(tmp_path, "group_months")
    rows = [["Mã tổ", "Tháng", "Số hộ vay", "Dư nợ", "Nợ quá hạn"]]
    rows += [[int(g), m, 40, 800.0, 0] for g in ("0001", "0002", "0003") for m in ("12/2019", "01/2020")]
    workbook(folder / "group_months.xlsx", {"group_months": rows})
    report = check(folder)
    lines = [line for line in report.to_text().splitlines() if "[group_exists]" in line]
    assert len(lines) == 1 and "looks numeric and lost its leading zeros ('1' is '0001' in groups.csv" in lines[0]
    assert "(6 rows)" in lines[0]
    assert any(i.rule == "code_as_number" for i in report.warnings)


def test_xlsx_reads_fast_enough_for_a_province(tmp_path):
    """Smoke check of the calamine path on 20,000 rows (the 345k-row figure is in benchmarks/)."""
    rows = [GM_HEADER + ["Tháng"]] + [[f"{i:05d}", 40, 800.5, 0, "2020-01"] for i in range(20_000)]
    path = workbook(tmp_path / "group_months.xlsx", {"group_months": rows})
    frame = io.read_table(path)
    assert len(frame) == 20_000 and frame["group_id"].iloc[7] == "00007"
