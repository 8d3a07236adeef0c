"""The tables of a report as one Excel workbook, for district staff to re-use in their own reports.

Every table a report shows with ``display.show_table`` carries its values
(``display.TABLE_MIME``); ``write_workbook`` collects them from the executed notebook and writes
``<report>.xlsx`` beside the HTML and PDF (the runner links it from ``index.html``):

- a contents sheet (``Mục lục`` / ``Contents``) with the report's title, the synthetic-data
  banner when there is one, and one line per table;
- one sheet per table: its caption in the first row, the report's headers (Vietnamese in a
  Vietnamese report) in the second, then the rows;
- numbers are written as numbers with the decimals the report shows (``#,##0``, ``#,##0.0``...,
  which Excel displays with the reader's separators: ``1.234,5`` on Vietnamese settings);
- text is always a string cell: a name that starts like a formula (``=HYPERLINK(...)``) or looks like
  a link stays text (with Excel's quote prefix, so that editing it keeps it text);
- cells blanked by ``privacy.suppress_small`` read ``ẩn (dưới 5 hộ vay)`` / ``suppressed (fewer
  than 5 borrowers)`` in grey italics, so that nobody mistakes them for zero or missing data.

A table with personal identifiers is refused (``privacy.assert_publishable``), as in the report.
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.atomic import atomic_path
from analysis.words import escape, i18n

TABLE_MIME = "application/vnd.vbsp.table+json"  # the same as display.TABLE_MIME (display imports render)
MAX_SHEET_NAME = 31  # Excel's limit
MAX_DECIMALS = 4
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def notebook_tables(nb) -> list[dict]:
    """The table payloads a notebook displayed, in order (``display.TABLE_MIME`` outputs)."""
    tables = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if TABLE_MIME in data:
                tables.append(dict(data[TABLE_MIME]))
    return tables


def write_workbook(nb, target: str | Path, *, title: str, lang: str = "vi", banner: str | None = None) -> Path | None:
    """Write the notebook's tables to ``target`` (atomically); None, and nothing written, if it has none."""
    tables = notebook_tables(nb)
    if not tables:
        return None
    return write_tables(tables, target, title=title, lang=lang, banner=banner)


def write_tables(tables: list[dict], target: str | Path, *, title: str, lang: str = "vi",
                 banner: str | None = None) -> Path:
    """Write table payloads (``caption``, ``columns``, ``values``, optional ``text`` and
    ``suppressed``) as a workbook with a contents sheet and one sheet per table."""
    import xlsxwriter

    from analysis.data import privacy
    tr = i18n.translator(lang)
    target = Path(target)
    with atomic_path(target) as tmp:
        # in_memory: the parts are zipped from memory, not from a temporary file each (6x less time)
        book = xlsxwriter.Workbook(str(tmp), {"nan_inf_to_errors": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False,
                                              "in_memory": True})
        fmt = _Formats(book)
        contents = book.add_worksheet(tr("Mục lục", "Contents"))
        fmt.write_text(contents, 0, 0, title, "title")
        row = 1
        if banner:
            fmt.write_text(contents, row, 0, banner, "banner")
            row += 1
        fmt.write_text(contents, row + 1, 0, tr("Bảng", "Table"), "header")
        fmt.write_text(contents, row + 1, 1, tr("Nội dung", "Caption"), "header")
        names: set[str] = set()
        for number, table in enumerate(tables, start=1):
            import pandas as pd

            privacy.assert_publishable(pd.DataFrame(columns=table["columns"]))
            name = _sheet_name(number, table.get("caption"), names, lang)
            sheet = book.add_worksheet(name)
            _write_table(sheet, table, fmt, lang=lang)
            contents.write_url(row + 1 + number, 0, f"internal:'{name}'!A1", string=name)
            fmt.write_text(contents, row + 1 + number, 1, table.get("caption") or "", "text")
        contents.set_column(0, 0, 28)
        contents.set_column(1, 1, 90)
        book.close()
    return target


class _Formats:
    PROPS = {"title": {"bold": True, "font_size": 13},
             "banner": {"bold": True, "font_color": "#8e2c1d", "bg_color": "#fde8d8"},
             "header": {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#eeeeee"},
             "caption": {"bold": True, "italic": True}, "text": {}}

    def __init__(self, book):
        self.book = book
        self._text = {kind: book.add_format(props) for kind, props in self.PROPS.items()}
        self._quoted: dict[str, object] = {}
        self.suppressed = book.add_format({"italic": True, "font_color": "#777777", "align": "right"})
        self._numbers: dict[int, object] = {}

    def write_text(self, sheet, row: int, col: int, value, kind: str) -> None:
        """Text as a string cell, never a formula or a link; text that starts like a formula (``= + - @``)
        gets Excel's quote prefix (a format, not a character), so that editing the cell keeps it text."""
        value = str(value)
        if escape.excel_needs_prefix(value):
            if kind not in self._quoted:
                self._quoted[kind] = self.book.add_format({**self.PROPS[kind], "quote_prefix": True})
            sheet.write_string(row, col, value, self._quoted[kind])
        else:
            sheet.write_string(row, col, value, self._text[kind])

    def number(self, decimals: int):
        if decimals not in self._numbers:
            code = "#,##0" + ("." + "0" * decimals if decimals else "")
            self._numbers[decimals] = self.book.add_format({"num_format": code})
        return self._numbers[decimals]


def _sheet_name(number: int, caption: str | None, used: set[str], lang: str) -> str:
    base = f"{'Bảng' if lang == 'vi' else 'Table'} {number}"
    if caption:
        base = f"{number}. {caption}"
    name = re.sub(r"\s+", " ", _SHEET_FORBIDDEN.sub(" ", base)).strip().strip("'")[:MAX_SHEET_NAME].strip()
    name = name or f"{number}"
    while name.lower() in {u.lower() for u in used}:
        name = f"{number}"[:MAX_SHEET_NAME] if name != f"{number}" else f"{number}-{len(used)}"
    used.add(name)
    return name


def _decimals(values: list, texts: list | None) -> int:
    """Decimals the report shows in a numeric column, read from its formatted cells."""
    best = 0
    for i, value in enumerate(values):
        if not isinstance(value, float) or texts is None or i >= len(texts):
            continue
        digits = sum(ch.isdigit() for ch in str(texts[i]))
        whole = len(str(int(abs(round(value)))))
        best = max(best, min(MAX_DECIMALS, digits - whole))
    return best


def _write_table(sheet, table: dict, fmt: _Formats, *, lang: str) -> None:
    columns = list(table["columns"])
    values = [list(r) for r in table["values"]]
    texts = table.get("text")
    suppressed = table.get("suppressed") or [False] * len(values)
    marker = i18n.t("suppressed", lang)
    fmt.write_text(sheet, 0, 0, table.get("caption") or "", "caption")
    for j, name in enumerate(columns):
        fmt.write_text(sheet, 1, j, name, "header")
    numeric = [all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in col)
               and any(v is not None for v in col) for col in zip(*values)] if values else [False] * len(columns)
    decimals = [_decimals([r[j] for r in values], [t[j] for t in texts] if texts else None) if numeric[j] else 0
                for j in range(len(columns))]
    widths = [max(8, min(40, len(str(c)) + 2)) for c in columns]
    for i, record in enumerate(values):
        for j, value in enumerate(record):
            if value is None:
                if suppressed[i] and numeric[j]:
                    sheet.write_string(2 + i, j, marker, fmt.suppressed)
                continue
            if numeric[j]:
                sheet.write_number(2 + i, j, value, fmt.number(decimals[j] if isinstance(value, float) else 0))
            else:
                fmt.write_text(sheet, 2 + i, j, value, "text")
                widths[j] = max(widths[j], min(40, len(str(value)) + 2))
    for j, width in enumerate(widths):
        sheet.set_column(j, j, width)
    sheet.freeze_panes(2, 0)
