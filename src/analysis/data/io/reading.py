"""Reading one file of a user's export (``read_table``, ``read_raw``): CSV, Excel and Parquet cells,
sheets, headers mapped to canonical names, personal data dropped, spreadsheet row numbers kept.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import contract, problems
from analysis.data.io.datasets import read_dataset
from analysis.data.io.headers import (
    FORMATS,
    STEM_ALIASES,
    STEM_LOOKUP,
    FileProblem,
    _clean_label,
    _header_name,
    canonical_header,
    legacy_encoding,
    money_unit_factor,
    normalize_label,
    suggest_header,
)
from analysis.data.io.parsing import encode_rows, to_canonical


def table_for_path(path: str | Path) -> str | None:
    """The contract table a file holds, from its stem (``group_months.csv``, ``Giao ban.xlsx``)."""
    return STEM_LOOKUP.get(normalize_label(Path(path).stem))


def read_table(path: str | Path, table: str | None = None, *, keep_personal: Iterable[str] = ()) -> pd.DataFrame:
    """Read one file (CSV, .xlsx or Parquet) into a canonical table.

    Args:
        path: the file; it is only read.
        table: contract table name; by default from the file stem.
        keep_personal: headers of personal-data columns to keep (as ``private_<name>``, never
            publishable) instead of dropping them.

    Returns:
        The table with canonical column names and dtypes; provenance in ``attrs`` (module doc).
        Values that could not be parsed are missing and listed in ``attrs["issues"]``.

    Raises:
        problems.DataContractError: the file is empty, binary, unreadable or not a known table.
    """
    path = Path(path)
    table = table or table_for_path(path)
    if table not in contract.TABLES:
        issue = problems.Issue("error", table or "?", str(path), None, None, "unknown_table", path.stem,
                             f"cannot tell which table this file holds; name it one of {', '.join(contract.TABLES)}")
        raise problems.DataContractError(problems.ValidationReport.from_issues([issue]))
    frame, issues = _read_checked(path, table, keep_personal=keep_personal)
    if frame is None:
        raise problems.DataContractError(problems.ValidationReport.from_issues(issues))
    return frame


def _read_checked(path: Path, table: str, keep_personal: Iterable[str] = (),
                  provinces: Iterable[str] | None = None) -> tuple[pd.DataFrame | None, list]:
    """(frame or None, file-level issues); never raises for a bad file."""
    try:
        raw = read_raw(path, table=table, keep_personal=keep_personal, provinces=provinces)
    except FileProblem as exc:
        return None, [problems.Issue("error", table, str(path), None, None, exc.rule, None, str(exc))]
    except Exception as exc:  # an unexpected parser failure is still a problem of this file
        return None, [problems.Issue("error", table, str(path), None, None, "file_unreadable", None,
                                   f"could not read the file: {type(exc).__name__}: {exc}")]
    frame = to_canonical(raw, table=table)
    return frame, problems.issues_from_attrs(frame)


def read_raw(path: str | Path, *, table: str, keep_personal: Iterable[str] = (),
             provinces: Iterable[str] | None = None) -> pd.DataFrame:
    """Cells as written (text for CSV, typed cells for Excel/Parquet), headers mapped to canonical names.

    ``path`` may be a folder of Parquet parts (``read_dataset``; only ``provinces`` when given): the
    rows are numbered as if stacked in one file (position + 2) and ``attrs["parts"]`` lists the parts,
    so that a problem can name its part file and the row in it (``problems.locate_in_parts``).
    Personal-data columns are dropped (or kept as ``private_<name>`` when named in
    ``keep_personal``). Raises ``FileProblem`` for an empty, binary or unreadable file, for legacy
    encodings and for a workbook whose sheets cannot all be read.
    """
    path = Path(path)
    attrs: dict = {"source": str(path), "table": table}
    sheet_issues: list = []
    if path.is_dir():
        frame, attrs["parts"] = read_dataset(path, provinces=provinces)
        rows = np.arange(len(frame), dtype=np.int64) + 2
        return _finish_raw(frame, rows, attrs, sheet_issues, table=table, keep_personal=keep_personal)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileProblem("file_format", f"unsupported file type {path.suffix!r}; use CSV, .xlsx, .xls or Parquet")
    data = path.read_bytes()
    if not data.strip():
        raise FileProblem("file_empty", "the file is empty")
    if fmt == "csv":
        frame, rows, encoding = _csv_cells(data)
        attrs["encoding"] = encoding
    elif fmt == "excel":
        frame, rows, attrs["sheet"], sheet_issues = _excel_cells(data, table=table, source=str(path))
    else:
        frame, rows = _parquet_cells(data)
    attrs["separator"] = frame.attrs.get("separator")
    return _finish_raw(frame, rows, attrs, sheet_issues, table=table, keep_personal=keep_personal)


def _finish_raw(frame: pd.DataFrame, rows: np.ndarray, attrs: dict, sheet_issues: list, *, table: str,
                keep_personal: Iterable[str]) -> pd.DataFrame:
    source = attrs["source"]
    frame, header_issues, suggestions = _rename_headers(frame, table=table, source=source)
    frame, personal_issues = strip_personal(frame, table=table, source=source, keep=keep_personal)
    frame.attrs.update(attrs, rows=encode_rows(rows), suggest=suggestions,
                       issues=problems.issues_to_attrs(sheet_issues + header_issues + personal_issues))
    return frame


def strip_personal(frame: pd.DataFrame, *, table: str, source: str,
                   keep: Iterable[str] = ()) -> tuple[pd.DataFrame, list]:
    """Drop columns outside the contract that hold personal data; one ``personal_data`` warning each.

    A column named in ``keep`` (its header as written, matched like headers) is kept as
    ``private_<name>``, which ``privacy.assert_publishable`` refuses. Only headers are reported,
    never a value.
    """
    from analysis.data import privacy
    names = {c.name for c in contract.TABLES[table].columns}
    keep = {normalize_label(k) for k in keep}
    drop, rename, issues = [], {}, []
    for label in frame.columns:
        if label in names:
            continue
        kind = privacy.personal_kind(label, frame[label])
        if kind is None:
            continue
        what = privacy.PERSONAL_KINDS[kind]
        if normalize_label(label) in keep or normalize_label(privacy.private_name(label)) in keep:
            rename[label] = privacy.private_name(label)
            message = f"holds {what}; kept as {rename[label]} as asked (never published)"
        else:
            drop.append(label)
            message = f"holds {what}; dropped at reading (never loaded, never published)"
        issues.append(problems.Issue("warning", table, source, 1, str(label), "personal_data", str(label), message))
    if drop or rename:
        attrs = frame.attrs
        frame = frame.drop(columns=drop).rename(columns=rename)
        frame.attrs = attrs
    return frame, issues


def _binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 100


def _csv_cells(data: bytes) -> tuple[pd.DataFrame, np.ndarray, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel "Unicode text": UTF-16 with BOM
        text, encoding = data.decode("utf-16"), "utf-16"
    elif data.startswith((b"PK\x03\x04", b"PAR1")) or _binary(data):
        raise FileProblem("file_binary", "this is not a text table (binary content); "
                          "save it as CSV UTF-8, .xlsx or Parquet with a matching extension")
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:  # Excel's plain "CSV" on Vietnamese Windows writes code page 1258
            text, encoding = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "cp1258"
            header = _split_header(text.lstrip().split("\n", 1)[0])
            legacy = legacy_encoding(_split_header(data.decode("latin-1").lstrip().split("\n", 1)[0]))
            if legacy and not any(canonical_header(h) for h in header):
                raise _legacy_problem(legacy) from None
    stripped = text.lstrip("\r\n")
    blank_lines_above = text[: len(text) - len(stripped)].count("\n")
    sep = _separator(stripped.split("\n", 1)[0])
    try:
        cells = pd.read_csv(io.StringIO(stripped), sep=sep, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, engine="c", header=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise FileProblem("file_unreadable", f"not a valid table: {str(exc).strip()}") from None
    # the header is read as a row so that two identical headers stay visible ('Dư nợ', 'Dư nợ (2)')
    header = _unique_labels([_clean_label(v) if isinstance(v, str) else "" for v in cells.iloc[0]])
    cells = cells.iloc[1:].reset_index(drop=True).set_axis(header, axis=1)
    rows = np.arange(len(cells), dtype=np.int64) + 2 + blank_lines_above
    filled = np.zeros(len(cells), dtype=bool)
    for name in cells.columns:
        filled |= cells[name].str.strip().ne("").to_numpy()
    cells = cells[filled].reset_index(drop=True)
    cells.attrs["separator"] = sep
    return cells, rows[filled], encoding


def _split_header(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=_separator(line)), [])


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def _legacy_problem(name: str) -> FileProblem:
    return FileProblem("legacy_encoding", f"this file looks like {name} legacy encoding; "
                       "re-save it as Unicode UTF-8 (e.g. convert with Unikey, then CSV UTF-8)")


def _excel_cells(data: bytes, *, table: str, source: str) -> tuple[pd.DataFrame, np.ndarray, str, list]:
    """Cells of the workbook's table sheets (python-calamine), their spreadsheet rows, the sheet
    label and sheet-level issues. Sheets sharing the header are stacked; see ``choose_sheets``."""
    sheets = excel_sheets(data)
    chosen, notes = choose_sheets(sheets, table=table, source=source)
    header = _unique_labels([_clean_label(v) for v in chosen[0][1][0][1]])
    width = len(header)
    bodies, rows, months = [], [], []
    for name, records in chosen:
        body = [tuple(values[:width]) + (None,) * (width - len(values)) for _, values in records[1:]]
        bodies.extend(body)
        rows.extend(number for number, _ in records[1:])
        months.extend([notes["months"].get(name)] * len(body))
    frame = pd.DataFrame(bodies, columns=range(width), dtype=object)
    used = [j for j in range(width) if not header[j].startswith("(column ") or frame[j].notna().any()]
    frame = frame[used].set_axis([header[j] for j in used], axis=1)
    if notes["months"]:
        frame["month"] = pd.Series(months, dtype=object)
    label = chosen[0][0] if len(chosen) == 1 else f"{chosen[0][0]} .. {chosen[-1][0]} ({len(chosen)} sheets)"
    return frame, np.array(rows, dtype=np.int64), label, notes["issues"]


def excel_sheets(data: bytes) -> list[tuple[str, list[tuple[int, list]]]]:
    """Every visible worksheet as (name, [(spreadsheet row number, cells), ...] of non-empty rows).

    Empty cells are None; dates are ``datetime``/``date``; numbers ``int``/``float``. .xlsx, .xlsm
    and old .xls are all read by python-calamine.
    """
    import python_calamine

    if not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileProblem("file_binary", "not a valid Excel workbook; re-save it from Excel as .xlsx")
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise FileProblem("file_unreadable", f"not a valid Excel workbook ({exc})") from None
    out = []
    try:
        for meta in book.sheets_metadata:
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                continue
            try:
                cells = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except Exception:  # a chart sheet or a dialog sheet has no cells
                continue
            records = []
            for number, values in enumerate(cells, start=1):
                if any(v != "" and v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                    records.append((number, [None if v == "" else v for v in values]))
            out.append((meta.name, records))
    finally:
        book.close()
    return out


def choose_sheets(sheets: list, *, table: str, source: str) -> tuple[list, dict]:
    """The sheets holding ``table``, and notes: ``months`` (sheet -> month, when the month comes
    from sheet names) and ``issues`` (warnings naming the sheets not read).

    A sheet named like the table is read alone. Otherwise every sheet whose first row names a
    column of the table is read, and they must share that header; a workbook whose table sheets
    differ is refused (``sheets_differ``), never read in part. Without a ``month`` column, each
    sheet's name gives its month (``Tháng 12-2020``, ``T12.2020``, ``2020-12``).
    """
    filled = [(name, records) for name, records in sheets if records]
    if not filled:
        raise FileProblem("file_empty", "the workbook has no filled sheet")
    wanted = {normalize_label(table), *(normalize_label(s) for s in STEM_ALIASES.get(table, ()))}
    named = [s for s in filled if normalize_label(s[0]) in wanted]
    columns = {c.name for c in contract.TABLES[table].columns}

    def names(records) -> tuple:
        return tuple(_header_name(_clean_label(v))[0] if v is not None else None for v in records[0][1])

    data = [s for s in filled if columns & set(names(s[1]))]
    chosen = named[:1] or data or filled[:1]
    issues = []
    others = [s[0] for s in filled if s[0] not in {c[0] for c in chosen}]
    if named[:1] == chosen and others:
        issues.append(_sheet_issue(table, source, "sheets_ignored", others,
                                   f"read only sheet {chosen[0][0]!r} (named like the table); not read: "))
    elif others:
        issues.append(_sheet_issue(table, source, "sheets_ignored", others,
                                   f"no header of table {table} in the first row; not read: "))
    first = tuple(normalize_label(_clean_label(v)) for v in chosen[0][1][0][1] if v is not None)
    differ = [name for name, records in chosen[1:]
              if tuple(normalize_label(_clean_label(v)) for v in records[0][1] if v is not None) != first]
    if differ:
        raise FileProblem("sheets_differ", f"{len(chosen)} sheets hold table {table} but "
                          f"{_names(differ)} do not have the header of sheet {chosen[0][0]!r}; "
                          "nothing was read (put the table on one sheet with one header, or use "
                          "`python -m analysis import`, which reads such workbooks)")
    months: dict[str, pd.Timestamp] = {}
    if "month" in columns and "month" not in names(chosen[0][1]) and len(chosen) > 1:
        months = {name: month_in_text(name) for name, _ in chosen}
        missing = [name for name, month in months.items() if month is None]
        if missing:
            raise FileProblem("sheet_month", f"no month column, and the names of sheets {_names(missing)} "
                              "give no month (name sheets like 'Tháng 12-2020' or add a month column)")
        if len(set(months.values())) < len(months):
            raise FileProblem("sheet_month", "two sheets name the same month: " + _names(
                [n for n, m in months.items() if list(months.values()).count(m) > 1]))
        issues.append(problems.Issue("warning", table, source, None, "month", "sheet_month", None,
                                   f"no month column: the month of each row is taken from its sheet name "
                                   f"({len(months)} sheets, {chosen[0][0]!r} .. {chosen[-1][0]!r})"))
    return chosen, {"months": months, "issues": issues}


def _names(names: list[str], show: int = 5) -> str:
    text = ", ".join(repr(n) for n in names[:show])
    return text + (f" and {len(names) - show} more" if len(names) > show else "")


def _sheet_issue(table: str, source: str, rule: str, names: list[str], message: str):
    return problems.Issue("warning", table, source, None, None, rule, None, message + _names(names))


_MONTH_WORDS = r"(?:th[aá]ng|thang|t|month|m)"
_MONTH_IN_TEXT = (
    re.compile(rf"{_MONTH_WORDS}\s*\.?\s*(?P<m>\d{{1,2}})\s*(?:n[aă]m|nam|/|-|\.|_|\s)\s*(?P<y>(?:19|20)\d{{2}})",
               re.IGNORECASE),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/._]\s*(?P<m>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*[-/._]\s*(?P<y>(?:19|20)\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?!\d)"),
)


def month_in_text(text: object) -> pd.Timestamp | None:
    """The month a sheet name, file name or title names: ``Tháng 12 năm 2020``, ``T12-2020``,
    ``12.2020``, ``2020-12``, ``202012``; None when there is none."""
    text = unicodedata.normalize("NFC", str(text))
    for pattern in _MONTH_IN_TEXT:
        match = pattern.search(text)
        if match and 1 <= int(match["m"]) <= 12:
            return pd.Timestamp(year=int(match["y"]), month=int(match["m"]), day=1)
    return None


def _unique_labels(header: list[str]) -> list[str]:
    """Blank headers become ``(column N)``; a repeated header gets `` (2)``, `` (3)``..."""
    out, seen = [], {}
    for j, label in enumerate(header, start=1):
        label = label or f"(column {j})"
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _parquet_cells(data: bytes) -> tuple[pd.DataFrame, np.ndarray]:
    if not data.startswith(b"PAR1"):
        raise FileProblem("file_binary", "not a valid Parquet file")
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise FileProblem("file_unreadable", f"not a valid Parquet file ({exc})") from None
    frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex))
    frame.attrs = {}  # provenance of whoever wrote the file does not apply to this reading
    return frame, np.arange(len(frame), dtype=np.int64) + 2


def _rename_headers(frame: pd.DataFrame, *, table: str, source: str) -> tuple[pd.DataFrame, list, dict]:
    """Map headers to canonical names: (frame, issues, suggestions {header: column it may mean}).

    Two headers naming one column are ``duplicate_column`` errors; when they are identical (e.g.
    opening and closing ``Dư nợ``) neither is used, since either could be meant. A money header
    whose unit is not million VND (``Dư nợ (đồng)``) is a ``money_unit`` error. Legacy-encoded
    headers raise ``FileProblem``.
    """
    spec = contract.TABLES[table]
    columns = {c.name for c in spec.columns}
    money = {c.name for c in spec.columns if c.unit == "million VND"}
    labels = list(frame.columns)
    names = {label: _header_name(label) for label in labels}
    by_key: dict[str, list] = {}
    for label in labels:
        base = re.sub(r" \(\d+\)$", "", str(label))  # 'Dư nợ (2)': the second of two identical headers
        if names[label][0] in columns:
            by_key.setdefault((names[label][0], normalize_label(base)), []).append(label)
    identical = {label for group in by_key.values() if len(group) > 1 for label in group}
    mapping, seen, issues = {}, {}, []
    for (name, _), group in by_key.items():
        if len(group) > 1:
            letters = " and ".join(_column_letter(labels.index(g)) for g in group)
            issues.append(problems.Issue(
                "error", table, source, 1, name, "duplicate_column", re.sub(r" \(\d+\)$", "", str(group[0])),
                f"{len(group)} columns (columns {letters}) have the same header, so which one is {name} "
                f"cannot be told (e.g. opening and closing balance); rename them (e.g. 'Dư nợ đầu kỳ', "
                f"'Dư nợ cuối kỳ') or import with a mapping that names the column"))
            seen[name] = None
    for label in labels:
        name, unit = names[label]
        if label in identical:
            continue
        if name in columns and name not in seen:
            mapping[label] = seen[name] = name
            factor = money_unit_factor(unit) if name in money else None
            if factor is not None:
                issues.append(problems.Issue(
                    "error", table, source, 1, name, "money_unit", str(label),
                    f"the header says the unit is {unit!r} but money is in million VND; multiply by "
                    f"{factor:g} (or run `python -m analysis import`, which converts it)"))
        elif name in columns:
            issues.append(problems.Issue("error", table, source, 1, str(label), "duplicate_column", str(label),
                                       f"headers {_first(mapping, name)!r} and {label!r} "
                                       f"both name column {name}"))
        else:
            mapping[label] = str(label)
    missing = [c for c in spec.required if c not in seen]
    if missing:
        legacy = legacy_encoding(frame.columns)
        if legacy:
            raise _legacy_problem(legacy)
    free = [c for c in columns if c not in seen]
    suggestions = {str(label): s for label in labels if label in mapping and mapping[label] == str(label)
                   and (s := suggest_header(label, free))}
    keep = [label for label in frame.columns if label in mapping]
    out = frame.loc[:, keep] if len(keep) < len(frame.columns) else frame
    out = out.set_axis([mapping[label] for label in keep], axis=1)
    return out, issues, suggestions


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _first(mapping: dict, name: str) -> str:
    return next(str(label) for label, target in mapping.items() if target == name)


