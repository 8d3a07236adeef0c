"""Raw files as grids of cells, exactly as a spreadsheet shows them.

A ``Grid`` is one sheet of a workbook (python-calamine: .xlsx, .xlsm, .xls), one CSV file (any
of the encodings ``io`` reads, any separator, title lines included) or one Parquet file. Row
``i`` of ``cells`` is spreadsheet row ``i + 1``; empty cells are None. Merged ranges are filled
with their top-left value (a header merged over three columns reads the same in each; a commune
merged down its groups' rows reads on every row), and recorded.
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from analysis.data import io
FORMATS = {**io.FORMATS}


@dataclass
class Grid:
    """One sheet (or CSV/Parquet file) as cells.

    Attributes:
        path: the file.
        sheet: the sheet name (None for CSV and Parquet).
        cells: rows of cells; row i is spreadsheet row i + 1; None for an empty cell.
        merged: merged ranges as ((first row, first column), (last row, last column)), 0-based.
    """

    path: Path
    sheet: str | None
    cells: list[list]
    merged: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.path.name + (f" [{self.sheet}]" if self.sheet is not None else "")

    @property
    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_grids(path: Path) -> list[Grid]:
    """Every sheet of a workbook, or the one grid of a CSV/Parquet file (raises ``io.FileProblem``)."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    data = path.read_bytes()
    if not data.strip():
        raise io.FileProblem("file_empty", "the file is empty")
    if fmt == "excel":
        return _excel_grids(path, data)
    if fmt == "csv":
        return [Grid(path, None, _csv_rows(data))]
    if fmt == "parquet":
        import pandas as pd

        frame = pd.read_parquet(_io.BytesIO(data))
        rows = [list(frame.columns)] + frame.astype(object).where(frame.notna(), None).values.tolist()
        return [Grid(path, None, rows)]
    raise io.FileProblem("file_format", f"unsupported file type {path.suffix!r}")


def _excel_grids(path: Path, data: bytes) -> list[Grid]:
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(_io.BytesIO(data))
    except Exception as exc:  # calamine's own error types
        raise io.FileProblem("file_unreadable", f"not a valid Excel workbook ({exc})") from None
    grids = []
    try:
        for meta in book.sheets_metadata:
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                continue
            try:
                sheet = book.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False)
            except Exception:  # chart or dialog sheets have no cells
                continue
            cells = [[None if v == "" else v for v in row] for row in rows]
            merged = list(sheet.merged_cell_ranges or [])
            _fill_merged(cells, merged)
            grids.append(Grid(path, meta.name, cells, merged))
    finally:
        book.close()
    return grids


def _fill_merged(cells: list[list], merged: list) -> None:
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(cells) or c0 >= len(cells[r0]):
            continue
        value = cells[r0][c0]
        for r in range(r0, min(r1, len(cells) - 1) + 1):
            row = cells[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = value


def _csv_rows(data: bytes) -> list[list]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    lines = text.splitlines()[:50]
    counts = {sep: max((line.count(sep) for line in lines), default=0) for sep in (",", ";", "\t", "|")}
    sep = max(counts, key=counts.get) if max(counts.values()) else ","
    rows = []
    for row in csv.reader(_io.StringIO(text, newline=""), delimiter=sep):
        rows.append([v if v.strip() else None for v in row])
    return rows
