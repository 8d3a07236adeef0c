"""A corpus of realistic exports built from the synthetic sample, one folder per shape.

The shapes are those VBSP and Union staff produce (issue 10): a clean CSV and .xlsx, a title block
above the header, a two-row merged header, totals and a signature block, one sheet per month (the
month only in the sheet name, or with a month column), one file per commune, leader names, phone
and CCCD numbers, money in đồng, codes that lost their leading zeros (in one table or in both),
identical duplicate headers, headers with units and line breaks, an old .xls, a CSV with dates
written month first, stray blank columns and merged cells in the body.

``build(shape, folder, sample)`` writes one shape; ``SHAPES`` lists them. Everything is derived
from the sample's tables, so an import must give back the sample's figures. Personal values are
made up (``PERSONAL`` lists them, for tests that search outputs for them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

RATING_VI = {"good": "Tốt", "fair": "Khá", "average": "Trung bình", "weak": "Yếu"}
ASSOC_VI = {"WU": "Hội Phụ nữ", "FU": "Hội Nông dân", "VA": "Hội Cựu chiến binh", "YU": "Đoàn Thanh niên"}
# group_months columns as a bank report heads them: (super header, header, source column)
GM_COLUMNS = [
    (None, "Mã tổ", "group_id"), (None, "Số hộ vay", "borrowers"),
    ("Dư nợ", "Tổng số", "outstanding"), ("Dư nợ", "Nợ quá hạn", "overdue"), ("Dư nợ", "Nợ khoanh", "frozen"),
    (None, "Lãi tồn", "interest_arrears"), (None, "Tiết kiệm", "savings"),
    (None, "Số buổi họp tổ", "group_meetings"), (None, "Số hộ được kiểm tra", "loan_use_checks"),
    (None, "Số lần giám sát", "supervision_visits"), (None, "Xếp loại", "rating"),
]
SUMMED = ("borrowers", "outstanding", "overdue", "frozen", "interest_arrears", "savings")
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Thạch", "Lâm", "Danh"]
MIDDLE = ["Thị", "Văn", "Thanh", "Ngọc", "Minh"]
GIVEN = ["Lan", "Hùng", "Sơn", "Mai", "Phúc", "Thảo", "Dũng", "Hoa", "Tuấn", "Sang"]


def personal_values(groups: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Made-up leader name, phone, CCCD number and address for each group."""
    rng = np.random.default_rng(seed)
    n = len(groups)
    names = [f"{SURNAMES[a]} {MIDDLE[b]} {GIVEN[c]}" for a, b, c in
             zip(rng.integers(0, len(SURNAMES), n), rng.integers(0, len(MIDDLE), n), rng.integers(0, len(GIVEN), n))]
    phones = [f"09{x:08d}" for x in rng.integers(10_000_000, 99_999_999, n)]
    cccd = [f"0940{x:08d}" for x in rng.integers(10_000_000, 99_999_999, n)]
    address = [f"Số {k}, {h}, xã {c}" for k, h, c in zip(rng.integers(1, 300, n), groups["hamlet"].fillna("Ấp 1"),
                                                          groups["commune"])]
    return pd.DataFrame({"Họ và tên tổ trưởng": names, "Điện thoại": phones, "Số CCCD": cccd, "Địa chỉ": address},
                        index=groups.index)


def _vi_groups(groups: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Mã tổ": groups["group_id"], "Mã xã": groups["commune"],
                         "Hội đoàn thể": groups["association"].map(ASSOC_VI),
                         "Điểm giao dịch": groups["transaction_point"],
                         "Ấp/khóm": groups["hamlet"], "Ngày thành lập": groups["founded_on"],
                         "Ngày giải thể": groups["closed_on"]})


def _cell(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def write_frame(book, name: str, frame: pd.DataFrame, *, numeric_codes: tuple[str, ...] = ()) -> None:
    """A plain sheet: header in row 1, dates as Excel dates, codes as text unless in ``numeric_codes``."""
    sheet = book.add_worksheet(name)
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    for j, column in enumerate(frame.columns):
        sheet.write_string(0, j, str(column))
        for i, value in enumerate(frame[column].tolist(), start=1):
            value = _cell(value)
            if value is None:
                continue
            if column in numeric_codes:
                sheet.write_number(i, j, float(value))
            elif isinstance(value, str):
                sheet.write_string(i, j, value)
            elif hasattr(value, "year"):
                sheet.write_datetime(i, j, value, date)
            else:
                sheet.write_number(i, j, value)


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame], **options) -> None:
    book = xlsxwriter.Workbook(str(path))
    for name, frame in sheets.items():
        write_frame(book, name, frame, **options)
    book.close()


def bank_sheet(book, name: str, gm: pd.DataFrame, *, month: pd.Timestamp | None, title: bool = True,
               two_rows: bool = True, totals: bool = True, signature: bool = True, month_column: bool = False,
               numeric_codes: bool = False, money_factor: float = 1.0, header_units: bool = False,
               blank_columns: bool = False, numbering: bool = False) -> None:
    """One bank-style report sheet of group-months."""
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    columns = [("", "STT", None)] + list(GM_COLUMNS) + ([(None, "Tháng", "month")] if month_column else [])
    if blank_columns:
        columns = columns[:3] + [(None, "", None)] + columns[3:] + [(None, "", None)]
    if header_units:
        units = {"outstanding": "Tổng số\n(triệu đồng)" if two_rows else "Dư nợ\n(triệu đồng)",
                 "borrowers": "Số hộ vay (hộ)"}
        columns = [(s, units.get(src, h), src) for s, h, src in columns]
    row = 0
    if title:
        sheet.merge_range(0, 0, 0, 5, "NGÂN HÀNG CHÍNH SÁCH XÃ HỘI", bold)
        sheet.write(1, 0, "PHÒNG GIAO DỊCH HUYỆN KẾ SÁCH")
        sheet.write(1, 8, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        sheet.merge_range(3, 0, 3, 10, "BÁO CÁO HOẠT ĐỘNG TỔ TIẾT KIỆM VÀ VAY VỐN", bold)
        if month is not None:
            sheet.merge_range(4, 0, 4, 10, f"Tháng {month.month} năm {month.year}", bold)
        row = 6
    if two_rows:
        for j, (sup, head, _) in enumerate(columns):
            if sup is None and head:
                sheet.merge_range(row, j, row + 1, j, head, bold)
        spans = {}
        for j, (sup, _, _) in enumerate(columns):
            if sup:
                spans.setdefault(sup, []).append(j)
        for sup, js in spans.items():
            sheet.merge_range(row, js[0], row, js[-1], sup, bold)
            for j in js:
                sheet.write(row + 1, j, columns[j][1], bold)
        if columns[0][1] == "STT":
            sheet.merge_range(row, 0, row + 1, 0, "STT", bold)
        row += 2
    else:
        for j, (sup, head, _) in enumerate(columns):
            sheet.write(row, j, sup if head == "Tổng số" else head, bold)
        row += 1
    if numbering:
        for j in range(len(columns)):
            sheet.write(row, j, j + 1)
        row += 1
    first = row
    for n, record in enumerate(gm.itertuples(index=False), start=1):
        values = record._asdict()
        for j, (_, _, src) in enumerate(columns):
            if src is None:
                if columns[j][1] == "STT":
                    sheet.write_number(row, j, n)
                continue
            value = _cell(values[src])
            if value is None:
                continue
            if src == "rating":
                sheet.write_string(row, j, RATING_VI[value])
            elif src == "group_id":
                sheet.write_number(row, j, float(value)) if numeric_codes else sheet.write_string(row, j, value)
            elif src == "month":
                sheet.write_string(row, j, f"{value:%m/%Y}")
            elif src in ("outstanding", "overdue", "frozen", "interest_arrears", "savings"):
                sheet.write_number(row, j, value * money_factor)
            else:
                sheet.write_number(row, j, value)
        row += 1
    if totals:
        sheet.merge_range(row, 0, row, 1, "Tổng cộng", bold)
        for j, (_, _, src) in enumerate(columns):
            if src in SUMMED:
                sheet.write_number(row, j, float(gm[src].sum()) * (money_factor if src != "borrowers" else 1))
        row += 1
    if signature:
        row += 1
        sheet.write(row, 8, "Kế Sách, ngày 05 tháng 01 năm 2021")
        row += 1
        for j, text in ((1, "Người lập biểu"), (5, "Kiểm soát"), (9, "Giám đốc")):
            sheet.write(row, j, text, bold)
        sheet.write(row + 3, 1, "Nguyễn Thị Bích")
        sheet.write(row + 3, 9, "Trần Văn Lộc")
    assert first <= row


def _months(gm: pd.DataFrame) -> list[pd.Timestamp]:
    return sorted(gm["month"].unique())


def _reference_tables(folder: Path, tables: dict, *, groups_frame: pd.DataFrame | None = None,
                      numeric_codes: tuple[str, ...] = ()) -> None:
    """units, groups, briefings and reforms as clean .xlsx files with Vietnamese headers."""
    write_xlsx(folder / "Danh mục xã.xlsx", {"Đơn vị": tables["units"]})
    write_xlsx(folder / "Danh sách tổ.xlsx", {"Tổ": groups_frame if groups_frame is not None
                                               else _vi_groups(tables["groups"])}, numeric_codes=numeric_codes)
    tables["briefings"].to_csv(folder / "Giao ban.csv", index=False)  # a large table: CSV keeps the corpus quick
    write_xlsx(folder / "Cải cách.xlsx", {"Cải cách": tables["reforms"]})


def recode_groups(tables: dict) -> dict:
    """Group codes as a core-banking system numbers them: six digits with leading zeros."""
    codes = {g: f"{i + 1:06d}" for i, g in enumerate(sorted(tables["groups"]["group_id"]))}
    out = dict(tables)
    out["groups"] = tables["groups"].assign(group_id=tables["groups"]["group_id"].map(codes))
    out["group_months"] = tables["group_months"].assign(group_id=tables["group_months"]["group_id"].map(codes))
    return out


def build(shape: str, folder: Path, tables: dict) -> Path:
    """Write the export ``shape`` of ``tables`` (the sample's contract tables) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    gm = tables["group_months"]
    if shape in ("codes_numeric_one", "codes_numeric_both"):
        tables = recode_groups(tables)
        gm = tables["group_months"]
    if shape == "clean_csv":
        for name, frame in tables.items():
            frame.to_csv(folder / f"{name}.csv", index=False)
        return folder
    if shape == "clean_xlsx":
        for name, frame in tables.items():
            write_xlsx(folder / f"{name}.xlsx", {name: frame})
        return folder
    groups_frame = None
    if shape in ("personal_data", "realistic"):
        groups_frame = pd.concat([_vi_groups(tables["groups"]), personal_values(tables["groups"])], axis=1)
    if shape == "merged_body":
        groups_frame = None  # written below with merged commune cells
    _reference_tables(folder, tables, groups_frame=groups_frame,
                      numeric_codes=("Mã tổ",) if shape == "codes_numeric_both" else ())
    months = _months(gm)
    options = {"title": False, "two_rows": False, "totals": False, "signature": False, "month_column": True}
    if shape in ("title_block", "merged_header", "totals_footer", "header_units", "blank_columns",
                 "codes_numeric_one", "codes_numeric_both", "money_dong", "personal_data"):
        options.update({
            "title_block": {"title": True},
            "merged_header": {"two_rows": True},
            "totals_footer": {"totals": True, "signature": True},
            "header_units": {"header_units": True},
            "blank_columns": {"blank_columns": True},
            "codes_numeric_one": {"numeric_codes": True},
            "codes_numeric_both": {"numeric_codes": True},
            "money_dong": {"money_factor": 1e6},
            "personal_data": {},
        }[shape])
        book = xlsxwriter.Workbook(str(folder / "Báo cáo tháng.xlsx"))
        bank_sheet(book, "Báo cáo", gm, month=None, **options)
        book.close()
    elif shape in ("sheet_per_month", "sheet_per_month_with_column", "realistic"):
        book = xlsxwriter.Workbook(str(folder / "Số liệu tổ theo tháng.xlsx"))
        realistic = shape == "realistic"
        for month in months:
            part = gm[gm["month"] == month]
            bank_sheet(book, f"T{month.month:02d}-{month.year}", part, month=month if realistic else None,
                       title=realistic, two_rows=realistic, totals=realistic, signature=realistic,
                       numbering=realistic, month_column=shape == "sheet_per_month_with_column")
        book.close()
    elif shape == "file_per_commune":
        commune = gm["group_id"].map(tables["groups"].set_index("group_id")["commune"])
        names = tables["units"].set_index("commune")["commune_name"]
        for code, part in gm.groupby(commune, sort=True):
            book = xlsxwriter.Workbook(str(folder / f"Báo cáo xã {names[code]} ({code}).xlsx"))
            bank_sheet(book, "Sheet1", part, month=None, title=True, two_rows=True, totals=True, signature=True,
                       month_column=True)
            book.close()
    elif shape == "duplicate_header":
        prev = gm.groupby("group_id")["outstanding"].shift().fillna(gm["outstanding"])
        frame = pd.DataFrame({"Mã tổ": gm["group_id"], "Tháng": gm["month"].dt.strftime("%m/%Y"),
                              "Số hộ vay": gm["borrowers"], "Dư nợ": prev, "Nợ quá hạn": gm["overdue"],
                              "Nợ khoanh": gm["frozen"], "Dư nợ ": gm["outstanding"]})
        frame.columns = ["Mã tổ", "Tháng", "Số hộ vay", "Dư nợ", "Nợ quá hạn", "Nợ khoanh", "Dư nợ"]
        book = xlsxwriter.Workbook(str(folder / "Báo cáo tháng.xlsx"))
        sheet = book.add_worksheet("Báo cáo")
        for j, column in enumerate(frame.columns):
            sheet.write_string(0, j, column)
            for i, value in enumerate(frame.iloc[:, j].tolist(), start=1):
                sheet.write(i, j, _cell(value))
        book.close()
    elif shape == "old_xls":
        import xlwt

        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Báo cáo tháng")
        frame = gm.assign(month=gm["month"].dt.strftime("%m/%Y"), rating=gm["rating"].map(RATING_VI))
        heads = ["Mã tổ", "Tháng", "Số hộ vay", "Dư nợ", "Nợ quá hạn", "Nợ khoanh", "Lãi tồn", "Tiết kiệm",
                 "Số buổi họp tổ", "Số hộ được kiểm tra", "Số lần giám sát", "Xếp loại"]
        for j, head in enumerate(heads):
            sheet.write(0, j, head)
        for i, record in enumerate(frame.itertuples(index=False), start=1):
            for j, value in enumerate(record):
                value = _cell(value)
                if value is not None:
                    sheet.write(i, j, value)
        book.save(str(folder / "Báo cáo tháng.xls"))
    elif shape == "csv_month_first":
        frame = gm.assign(month=(gm["month"] + pd.offsets.MonthEnd(0)).dt.strftime("%m/%d/%Y"),
                          rating=gm["rating"].map(RATING_VI))
        frame.columns = ["Mã tổ", "Ngày báo cáo", "Số hộ vay", "Dư nợ", "Nợ quá hạn", "Nợ khoanh", "Lãi tồn",
                         "Tiết kiệm", "Số buổi họp tổ", "Số hộ được kiểm tra", "Số lần giám sát", "Xếp loại"]
        frame = frame.rename(columns={"Ngày báo cáo": "Tháng"})
        frame.to_csv(folder / "Báo cáo tháng.csv", index=False)
    elif shape == "merged_body":
        bank_book = xlsxwriter.Workbook(str(folder / "Báo cáo tháng.xlsx"))
        bank_sheet(bank_book, "Báo cáo", gm, month=None, title=False, two_rows=False, totals=False,
                   signature=False, month_column=True)
        bank_book.close()
        groups = _vi_groups(tables["groups"]).sort_values(["Mã xã", "Mã tổ"]).reset_index(drop=True)
        book = xlsxwriter.Workbook(str(folder / "Danh sách tổ.xlsx"))
        write_frame(book, "Tổ", groups)
        sheet = book.worksheets()[0]
        for code, rows in groups.groupby("Mã xã").groups.items():
            rows = sorted(rows)
            if len(rows) > 1:
                sheet.merge_range(rows[0] + 1, 1, rows[-1] + 1, 1, code)
        book.close()
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return folder


SHAPES = ["clean_csv", "clean_xlsx", "title_block", "merged_header", "totals_footer", "sheet_per_month",
          "sheet_per_month_with_column", "file_per_commune", "personal_data", "money_dong", "codes_numeric_one",
          "codes_numeric_both", "duplicate_header", "header_units", "old_xls", "csv_month_first", "blank_columns",
          "merged_body", "realistic"]
