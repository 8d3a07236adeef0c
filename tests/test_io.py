"""Readers: formats, header and value aliases, Vietnamese numbers and dates, provenance.

Expected values are written by hand from the fixture text. External references:
- Vietnamese number format (CLDR locale ``vi``: decimal separator ``,``, grouping ``.``),
  so ``1.234,5`` is 1234.5 and ``1.234`` is 1234.
- Excel 1900 date system (Microsoft, DATEVALUE documentation): "January 1, 2008 is serial
  number 39448"; serial 1 is 1900-01-01.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data import contract, io, loading, problems, schema

VALID = Path(__file__).parent / "data" / "contract" / "valid"
ATOL_MONEY = 1e-9  # million VND; parsing is exact up to float representation

HEADERS = [  # (as found in VBSP/Union spreadsheets, canonical column)
    ("Mã tổ", "group_id"), ("MÃ TỔ", "group_id"), ("ma_to", "group_id"), ("Tháng", "month"),
    ("Dư nợ", "outstanding"), ("Nợ quá hạn", "overdue"), ("Nợ khoanh", "frozen"), ("Số hộ vay", "borrowers"),
    ("Xếp loại", "rating"), ("Hội", "association"), ("Xã", "commune"), ("Huyện", "district"),
    ("Lãi tồn", "interest_arrears"), ("Tiết kiệm", "savings"), ("Số buổi họp tổ", "group_meetings"),
    ("Số hộ được kiểm tra", "loan_use_checks"), ("Số lần giám sát", "supervision_visits"),
    ("Tên xã", "commune_name"), ("Tên huyện", "district_name"), ("Ấp", "hamlet"),
    ("Ngày thành lập", "founded_on"), ("Outstanding", "outstanding"), ("Group ID", "group_id"),
    (" overdue ", "overdue"), ("Nợ  quá-hạn.", "overdue"),
]
VALUES = [  # (column, as written, canonical)
    ("rating", "Tốt", "good"), ("rating", "KHÁ", "fair"), ("rating", "Trung bình", "average"),
    ("rating", "trung binh", "average"), ("rating", "Yếu", "weak"), ("rating", "Weak", "weak"),
    ("association", "Hội Phụ nữ", "WU"), ("association", "Hội LHPN", "WU"), ("association", "Phụ nữ", "WU"),
    ("association", "Hội Nông dân", "FU"), ("association", "Hội Cựu chiến binh", "VA"),
    ("association", "Đoàn Thanh niên", "YU"), ("association", "doan thanh nien", "YU"), ("association", "wu", "WU"),
]
NUMBERS = [  # (as written in one column, value)
    (["1.234,5"], 1234.5), (["1.234"], 1234.0), (["12,5"], 12.5), (["1.234.567"], 1234567.0),
    (["12.5"], 12.5), (["0.125"], 0.125), (["1,234.5"], 1234.5), (["1 234,5"], 1234.5), (["-3"], -3.0),
]
DATES = [  # (as written, date)
    ("31/12/2020", "2020-12-31"), ("1/7/2025", "2025-07-01"), ("2020-12-31", "2020-12-31"),
    ("12/2020", "2020-12-01"), ("2020-12", "2020-12-01"), ("2020-12-31 00:00:00", "2020-12-31"),
    ("39448", "2008-01-01"), (39448, "2008-01-01"), (dt.datetime(2020, 5, 17, 8, 30), "2020-05-17 08:30"),
]


@pytest.mark.parametrize("label, column", HEADERS)
def test_header_alias(label, column):
    assert io.canonical_header(label) == column


@pytest.mark.parametrize("column, label, value", VALUES)
def test_value_alias(column, label, value):
    assert io.parse_categories(pd.Series([label], dtype=object), column=column).tolist() == [value]


def test_categories_keep_missing_cells_unknown_labels_and_the_index():
    values = pd.Series(["Tốt", None, " khá ", "zzz", "Tốt"], index=[10, 11, 12, 13, 14], dtype=object)
    parsed = io.parse_categories(values, column="rating")
    assert str(parsed.dtype) == "str" and parsed.index.tolist() == [10, 11, 12, 13, 14]
    assert parsed.tolist()[:1] + parsed.tolist()[2:] == ["good", "fair", "zzz", "good"] and pd.isna(parsed[11])
    empty = io.parse_categories(pd.Series([None, None], dtype=object), column="rating")
    assert str(empty.dtype) == "str" and empty.isna().all()


@pytest.mark.parametrize("written, value", NUMBERS)
def test_vietnamese_and_english_numbers(written, value):
    parsed, bad, _ = io.parse_numbers(pd.Series(written, dtype="str"))
    assert parsed.iloc[0] == pytest.approx(value, abs=ATOL_MONEY) and not bad.any()


def test_bare_thousands_are_flagged_as_ambiguous():
    _, _, convention = io.parse_numbers(pd.Series(["1.234", "2.500"], dtype="str"))
    assert convention == "vi-ambiguous"


@pytest.mark.parametrize("written, date", DATES)
def test_dates(written, date):
    parsed, bad = io.parse_dates(pd.Series([written], dtype=object))
    assert parsed.iloc[0] == pd.Timestamp(date) and not bad.any()


def test_unparseable_number_is_recorded_with_its_text():
    raw = pd.DataFrame({"group_id": ["1"], "month": ["2020-01"], "borrowers": ["mười"],
                        "outstanding": ["1"], "overdue": ["0"]}, dtype=object)
    out = io.to_canonical(raw, table="group_months")
    (issue,) = problems.issues_from_attrs(out)
    assert (issue.rule, issue.column, issue.row, issue.value) == ("type", "borrowers", 2, "mười")
    assert out["borrowers"].isna().all()


def test_vietnamese_csv_with_bom_semicolons_and_decimal_commas(tmp_path):
    text = ("Mã tổ;Tháng;Số hộ vay;Dư nợ;Nợ quá hạn;Nợ khoanh;Xếp loại\n"
            "0012;31/12/2020;45;1.234,5;12,25;0;Tốt\n"
            "0013;31/12/2020;1.020;2.000;0;1,5;Trung bình\n")
    path = tmp_path / "group_months.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    frame = io.read_table(path)
    assert list(frame.columns) == ["group_id", "month", "borrowers", "outstanding", "overdue", "frozen", "rating"]
    assert frame["group_id"].tolist() == ["0012", "0013"]
    assert frame["month"].tolist() == [pd.Timestamp("2020-12-01")] * 2
    assert frame["borrowers"].tolist() == [45, 1020]
    assert frame["outstanding"].tolist() == pytest.approx([1234.5, 2000.0], abs=ATOL_MONEY)
    assert frame["overdue"].tolist() == pytest.approx([12.25, 0.0], abs=ATOL_MONEY)
    assert frame["frozen"].tolist() == pytest.approx([0.0, 1.5], abs=ATOL_MONEY)
    assert frame["rating"].tolist() == ["good", "average"]
    assert frame.attrs["issues"] == []


def test_canonical_dtypes_and_provenance():
    frame = io.read_table(VALID / "group_months.csv")
    assert str(frame["group_id"].dtype) == "str" and str(frame["rating"].dtype) == "str"
    assert frame["borrowers"].dtype == np.int64 and frame["outstanding"].dtype == np.float64
    assert str(frame["month"].dtype) == io.DATETIME and (frame["month"].dt.day == 1).all()
    assert frame.attrs["source"] == str(VALID / "group_months.csv") and frame.attrs["table"] == "group_months"
    assert list(io.row_numbers(frame)) == list(range(2, 11))
    assert set(frame.columns) <= {c.name for c in contract.GROUP_MONTHS.columns}  # no stray columns


def test_leading_zero_codes_are_kept_in_every_table():
    tables = io.read_folder(VALID)
    assert tables["groups"]["group_id"].tolist() == ["0001", "0002", "0003"]
    assert tables["groups"]["commune"].tolist() == ["09001", "09002", "09101"]
    assert tables["units"]["commune"].tolist() == ["09001", "09002", "09101"]
    assert tables["briefings"]["unit"].tolist() == ["94", "941", "09001"]


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path):
    path = tmp_path / "reforms.csv"
    path.write_text("unit,reform,adopted_on\n941,a,2019-07-01\n\n942,b,2020-01-01\n", encoding="utf-8")
    frame = io.read_table(path)
    assert list(io.row_numbers(frame)) == [2, 4] and frame["unit"].tolist() == ["941", "942"]


def test_xlsx_made_with_openpyxl(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Ghi chú"
    book.active.append(["not the data"])
    sheet = book.create_sheet("Tổ")  # named like the table (a Vietnamese stem of groups)
    sheet.append(["Mã tổ", "Xã", "Hội", "Ngày thành lập", "Ghi chú"])
    sheet.append(["0007", "09001", "Hội Phụ nữ", dt.datetime(2015, 3, 2), "ok"])
    sheet.append([None, None, None, None, None])
    sheet.append([8, 9002.0, "Hội Nông dân", "02/03/2016", None])
    path = tmp_path / "groups.xlsx"
    book.save(path)
    frame = io.read_table(path)
    assert frame.attrs["sheet"] == "Tổ"
    assert frame["group_id"].tolist() == ["0007", "8"]
    assert frame["commune"].tolist() == ["09001", "9002"]
    assert frame["association"].tolist() == ["WU", "FU"]
    assert frame["founded_on"].tolist() == [pd.Timestamp("2015-03-02"), pd.Timestamp("2016-03-02")]
    assert list(io.row_numbers(frame)) == [2, 4]
    assert "Ghi chú" in frame.columns  # unknown column kept as written


def test_parquet_round_trip(tmp_path):
    original = io.read_table(VALID / "group_months.csv")
    original.to_parquet(tmp_path / "group_months.parquet")
    back = io.read_table(tmp_path / "group_months.parquet")
    pd.testing.assert_frame_equal(back, original, check_like=False)
    assert list(io.row_numbers(back)) == list(range(2, 11))


def test_read_folder_finds_tables_by_vietnamese_stems(tmp_path):
    shutil.copy(VALID / "briefings.csv", tmp_path / "Giao ban.csv")
    shutil.copy(VALID / "reforms.csv", tmp_path / "cai_cach.csv")
    (tmp_path / "ghi chu.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    tables, issues = io.collect_folder(tmp_path)
    assert set(tables) == {"briefings", "reforms"}
    assert [(i.severity, i.rule) for i in issues] == [("warning", "unknown_file")]


def test_load_adds_only_documented_defaults(tmp_path):
    for path in VALID.iterdir():
        shutil.copy(path, tmp_path / path.name)
    gm = pd.read_csv(VALID / "group_months.csv", dtype=str).drop(columns=["frozen", "group_meetings"])
    gm.to_csv(tmp_path / "group_months.csv", index=False)
    tables = loading.load(tmp_path)
    frame = tables["group_months"]
    assert (frame["frozen"] == 0).all() and (frame["interest_arrears"] == 0).all()
    assert "group_meetings" not in frame and "savings" not in frame


def test_input_files_unchanged_by_reading_and_validating(tmp_path):
    for path in VALID.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    before = {p.name: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in tmp_path.iterdir()}
    tables = loading.load(tmp_path)
    schema.validate(tables)
    tables["groups"].loc[0, "hamlet"] = "changed in memory"
    after = {p.name: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in tmp_path.iterdir()}
    assert after == before


def test_read_table_raises_contract_error_for_unreadable_file(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_bytes(b"")
    with pytest.raises(problems.DataContractError) as err:
        io.read_table(path)
    assert err.value.report.errors[0].rule == "file_empty"


def test_file_convention_decides_bare_thousands(tmp_path):
    """Fixed 3-decimal English output: '98.250' follows the file's other columns (English)."""
    path = tmp_path / "group_months.csv"
    path.write_text("group_id,month,borrowers,outstanding,overdue,savings\n"
                    "01,2020-01,40,1234.500,0.000,98.250\n", encoding="utf-8")
    frame = io.read_table(path)
    assert frame["savings"].tolist() == pytest.approx([98.25], abs=ATOL_MONEY)
    assert frame["outstanding"].tolist() == pytest.approx([1234.5], abs=ATOL_MONEY)
    assert problems.issues_from_attrs(frame) == []
