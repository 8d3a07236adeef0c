"""The Excel workbook of a report: one sheet per table, numbers as numbers with the report's
decimals, Vietnamese headers, suppressed cells marked, personal identifiers refused."""

from __future__ import annotations

import nbformat
import openpyxl
import pandas as pd
import pytest

from analysis.data import privacy
from analysis.run import display, excel_out


def executed(*blocks) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for block in blocks:
        cell = nbformat.v4.new_code_cell("show_table(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data=block._repr_mimebundle_())]
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_markdown_cell("# no table here"))
    return nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))  # as saved to disk


def communes() -> pd.DataFrame:
    table = pd.DataFrame({"Xã": ["Kế An", "Kế Thành", "An Lạc Tây"], "Số hộ vay": [120, 3, 45],
                          "Dư nợ (triệu đồng)": [2450.25, 60.0, 900.5], "Tỷ lệ nợ quá hạn (%)": [0.87, 2.5, 0.0]})
    return privacy.suppress_small(table, count="Số hộ vay", columns=["Số hộ vay", "Dư nợ (triệu đồng)",
                                                                     "Tỷ lệ nợ quá hạn (%)"])


def test_tables_become_sheets_with_numbers_and_marked_suppressed_cells(tmp_path):
    nb = executed(display.show_table(communes(), caption="Theo xã: dư nợ và nợ quá hạn",
                                      number_format={"Số hộ vay": "{:,.0f}", "Dư nợ (triệu đồng)": "{:,.1f}",
                                                     "Tỷ lệ nợ quá hạn (%)": "{:.2f}"}),
                  display.show_table(pd.DataFrame({"Năm": ["2020"], "Số tổ": [908]}), caption="Số tổ"))
    path = excel_out.write_workbook(nb, tmp_path / "district.xlsx", title="Báo cáo huyện Kế Sách", lang="vi")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Mục lục", "1. Theo xã dư nợ và nợ quá hạn", "2. Số tổ"]
    sheet = book["1. Theo xã dư nợ và nợ quá hạn"]
    assert [c.value for c in sheet[2]] == ["Xã", "Số hộ vay", "Dư nợ (triệu đồng)", "Tỷ lệ nợ quá hạn (%)"]
    assert [c.value for c in sheet[3]] == ["Kế An", 120, 2450.25, 0.87]
    assert sheet["C3"].number_format == "#,##0.0" and sheet["D3"].number_format == "#,##0.00"
    assert sheet["B3"].number_format == "#,##0"
    assert [c.value for c in sheet[4]] == ["Kế Thành"] + ["ẩn (dưới 5 hộ vay)"] * 3  # suppressed, not zero
    assert book["Mục lục"]["A1"].value == "Báo cáo huyện Kế Sách"


def test_a_notebook_without_tables_writes_nothing(tmp_path):
    assert excel_out.write_workbook(executed(), tmp_path / "x.xlsx", title="t") is None
    assert not (tmp_path / "x.xlsx").exists()


def test_identifier_columns_are_refused(tmp_path):
    payload = {"caption": "x", "columns": ["Họ tên", "Số hộ vay"], "values": [["Nguyễn Văn A", 10]]}
    with pytest.raises(ValueError, match="identifiers"):
        excel_out.write_tables([payload], tmp_path / "x.xlsx", title="t")
    assert not (tmp_path / "x.xlsx").exists()
