"""Parsing the values of users' tables to the contract's types (``to_canonical``): Vietnamese and
English numbers, dates and months, codes kept as text, categories; spreadsheet row numbers.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.data import contract, problems
from analysis.data.io.headers import DATETIME, EXCEL_EPOCH, VALUE_LOOKUP, normalize_label

# --- parsing values --------------------------------------------------------------------------

_EN_EVIDENCE = re.compile(r"\.(?:\d{1,2}|\d{4,})$|^[+-]?0\.|,\d{3}\.")  # 12.5, 0.125, 1,234.5
_VI_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?")  # 1.234 or 1.234,5
_EN_NUMBER = re.compile(r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?")
_VI_NUMBER = re.compile(r"[+-]?(\d+|[1-9]\d{0,2}(\.\d{3})+)(,\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_numbers(values: pd.Series, convention: str | None = None) -> tuple[pd.Series, pd.Series, str]:
    """Numbers written the Vietnamese way (``1.234,5``) or the English way (``1,234.5``).

    One convention per column: English when the column shows it unambiguously (``12.5``,
    ``0.125``, ``1,234.5``), otherwise Vietnamese (``.`` groups thousands, ``,`` is the decimal).

    Args:
        values: the cells.
        convention: force "en" or "vi" instead of deciding from the values.

    Returns:
        (float64 values, mask of cells that are present but not numbers, convention used:
        "numeric" (already numbers), "plain" (no separators), "en", "vi", or "vi-ambiguous"
        when only ``1.234``-like values were seen).
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index), "numeric"
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index), "numeric"
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed, bad, convention = _parse_number_uniques(pd.Series(uniques, dtype=object), convention=convention)
    take = np.where(codes >= 0, codes, 0)
    out = np.where(codes >= 0, parsed.to_numpy()[take] if len(parsed) else np.nan, np.nan)
    bad_rows = np.where(codes >= 0, bad.to_numpy()[take] if len(bad) else False, False)
    return (pd.Series(out, index=values.index, dtype="float64"),
            pd.Series(bad_rows, index=values.index, dtype=bool), convention)


def _parse_number_uniques(uniques: pd.Series, convention: str | None) -> tuple[pd.Series, pd.Series, str]:
    is_num = uniques.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    direct = pd.to_numeric(uniques.where(is_num), errors="coerce")
    text = uniques.where(~is_num).astype("str").str.replace(_SPACES, "", regex=True).str.strip()
    text = text.where(~is_num & uniques.notna(), "")
    empty = text.eq("")
    convention = convention or _number_convention(text[text.str.contains(r"[.,]", regex=True)])
    if convention in ("en", "plain"):
        ok = text.str.fullmatch(_EN_NUMBER)
        number = pd.to_numeric(text.str.replace(",", "", regex=False).where(ok), errors="coerce")
    else:
        ok = text.str.fullmatch(_VI_NUMBER)
        number = pd.to_numeric(text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
                               .where(ok), errors="coerce")
    values = direct.where(is_num, number)
    bad = ~is_num & ~empty & values.isna()
    return values.astype("float64"), bad.astype(bool), convention


def _number_convention(marked: pd.Series) -> str:
    """How a column writes numbers, from its values that contain ``.`` or ``,``."""
    if marked.empty:
        return "plain"  # no separators at all: nothing to decide
    if marked.str.contains(_EN_EVIDENCE, regex=True).any():
        return "en"
    if marked.str.contains(",", regex=False).any():
        return "vi"
    if marked.str.fullmatch(_VI_THOUSANDS).all():
        return "vi-ambiguous"
    return "en"


_DATE_PATTERNS = (  # (regex with named groups, description)
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})"),
    re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(?:(?:tháng|thang|t)\s*)?(?P<m>\d{1,2})[/.-](?P<y>\d{4})", re.IGNORECASE),
    re.compile(r"(?P<serial>\d{4,5}(?:\.0+)?)"),  # Excel serial day number written as text
)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates as ``31/12/2020`` (day first), ``2020-12-31``, ``12/2020``, ``2020-12``, Excel dates.

    A date given only as month and year is the first of that month. Returns (datetime64[ns]
    values, mask of cells that are present but not dates).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        return out.astype(DATETIME), pd.Series(False, index=values.index)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed, bad = _parse_date_uniques(pd.Series(uniques, dtype=object))
    take = np.where(codes >= 0, codes, 0)
    out = pd.Series(parsed.to_numpy()[take] if len(parsed) else np.full(len(codes), np.datetime64("NaT", "ns")),
                    index=values.index).astype(DATETIME)
    out[codes < 0] = pd.NaT
    bad_rows = np.where(codes >= 0, bad.to_numpy()[take] if len(bad) else False, False)
    return out, pd.Series(bad_rows, index=values.index, dtype=bool)


def _timestamp(value) -> pd.Timestamp:
    if isinstance(value, pd.Period):
        return value.to_timestamp()
    return pd.Timestamp(value).replace(tzinfo=None)


def _parse_date_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
    result = pd.Series(pd.NaT, index=uniques.index, dtype=DATETIME)
    is_stamp = uniques.map(lambda v: hasattr(v, "year") and hasattr(v, "month") and not isinstance(v, str))
    if is_stamp.any():
        result[is_stamp] = pd.to_datetime(uniques[is_stamp].map(_timestamp))
    is_num = uniques.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    text = uniques.where(~is_num & ~is_stamp).astype("str").str.strip()
    text = text.where(~is_num & ~is_stamp & uniques.notna(), "")
    serial = pd.to_numeric(uniques.where(is_num), errors="coerce")
    for pattern in _DATE_PATTERNS:
        todo = text.ne("") & result.isna() & ~is_num
        if not todo.any():
            break
        parts = text[todo].str.extract(f"^{pattern.pattern}$", flags=pattern.flags)
        matched = parts.notna().any(axis=1)
        if "serial" in parts:
            serial = serial.where(is_num, pd.to_numeric(parts["serial"], errors="coerce").reindex(uniques.index))
            continue
        parts = parts[matched]
        if parts.empty:
            continue
        day = parts["d"] if "d" in parts else pd.Series("1", index=parts.index)
        result[parts.index] = pd.to_datetime(
            pd.DataFrame({"year": parts["y"].astype(int), "month": parts["m"].astype(int),
                          "day": day.astype(int)}), errors="coerce")
    from_serial = serial.notna() & result.isna() & serial.between(1, 2958465)
    if from_serial.any():
        result[from_serial] = EXCEL_EPOCH + pd.to_timedelta(serial[from_serial].round(), unit="D")
    present = uniques.notna() & (is_num | is_stamp | text.ne(""))
    return result, present & result.isna()


def parse_codes(values: pd.Series) -> pd.Series:
    """Codes and names as text exactly as written (trimmed); whole numbers lose a trailing ``.0``."""
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        out = values.str.strip()
    else:
        out = values.map(_code_text, na_action="ignore").astype("str").str.strip()
    empty = out.eq("")
    return out.where(~empty) if empty.any() else out  # missing cells stay missing


CODE_COLUMNS = frozenset({"province", "district", "commune", "group_id", "unit", "successor_commune",
                          "successor_province"})


def _numeric_cells(values: pd.Series) -> pd.Series | None:
    """Cells stored as numbers (Excel/Parquet), or None for a text column."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values.notna()
    if not pd.api.types.is_object_dtype(values):
        return None
    return values.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                      and v == v).astype(bool)


def _code_text(value: object) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def parse_categories(values: pd.Series, *, column: str) -> pd.Series:
    """Category labels mapped to canonical values; unknown labels are kept as written."""
    text = parse_codes(values)
    lookup = VALUE_LOOKUP.get(column, {})
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = pd.array([lookup.get(normalize_label(u), u) for u in uniques], dtype="str")
    # each distinct label mapped once, then taken by code (-1: missing): no million Python strings in between
    return pd.Series(mapped.take(codes, allow_fill=True), index=values.index)


def to_canonical(frame: pd.DataFrame, *, table: str) -> pd.DataFrame:
    """Parse a raw frame's contract columns to canonical dtypes (a new frame; the input is untouched).

    Cells that are present but unparseable become missing and are recorded as ``type`` issues
    with the offending text in ``attrs["issues"]`` (after any issues already there). Number
    columns that only hold ``1.234``-like values follow the file: English if another column
    shows English decimals, Vietnamese if one shows a decimal comma or the CSV uses ``;``;
    otherwise Vietnamese with a ``number_format`` warning.
    """
    spec = contract.TABLES[table]
    names = {c.name for c in spec.columns}
    source = frame.attrs.get("source", table)
    rows = _rows(frame)
    issues = problems.issues_from_attrs(frame)
    parsed = {name: _parse_column(frame[name], spec.column(name)) for name in frame.columns if name in names}
    notes = {name: note for name, (_, _, note) in parsed.items()}
    vietnamese = "vi" in notes.values() or frame.attrs.get("separator") == ";"
    for name, note in notes.items():
        if note != "vi-ambiguous" or vietnamese:
            continue
        if "en" in notes.values():
            parsed[name] = _parse_column(frame[name], spec.column(name), numbers="en")
        else:
            issues.append(problems.Issue("warning", table, source, None, name, "number_format", None,
                                       "numbers like 1.234 were read the Vietnamese way (1.234 = 1234); "
                                       "write decimals with a comma (1,5) or no thousands separator"))
    for name in parsed:
        numeric = _numeric_cells(frame[name]) if name in CODE_COLUMNS else None
        if numeric is not None and numeric.any():
            example = _code_text(frame[name][numeric.to_numpy()].iloc[0])
            issues.append(problems.Issue(
                "warning", table, source, None, name, "code_as_number", example,
                f"{int(numeric.sum()):,} codes are stored as numbers, not text (e.g. {example}): leading zeros, "
                "if the codes have any, were lost; format the column as Text in Excel, or run "
                "`python -m analysis import`, which restores them from the other tables"))
    for name, (_, bad, _) in parsed.items():
        if bad.any():
            positions = np.flatnonzero(bad.to_numpy())
            issues.extend(problems.issues_at(
                table=table, file=source, rows=rows[positions], column=name, rule="type",
                values=frame[name].iloc[positions].to_numpy(),
                message=f"not a {_KIND_WORDS[spec.column(name).kind]}"))
    out = {name: parsed[name][0] if name in parsed else frame[name].reset_index(drop=True) for name in frame.columns}
    result = pd.DataFrame(out, index=pd.RangeIndex(len(frame)), copy=False)  # no second copy of the columns
    result.attrs.update({k: v for k, v in frame.attrs.items() if k != "issues"},
                        table=table, source=source, rows=encode_rows(rows), issues=problems.issues_to_attrs(issues),
                        canonical=True)
    return result


_KIND_WORDS = {"int": "whole number", "float": "number", "month": "month (e.g. 12/2020 or 2020-12)",
               "date": "date (e.g. 31/12/2020)", "str": "text", "category": "category"}


def _parse_column(values: pd.Series, column: contract.Column,
                  numbers: str | None = None) -> tuple[pd.Series, pd.Series, str]:
    values = values.reset_index(drop=True)
    no_problem = pd.Series(False, index=values.index)
    if column.kind == "str":
        return parse_codes(values), no_problem, ""
    if column.kind == "category":
        return parse_categories(values, column=column.name), no_problem, ""
    if column.kind in ("month", "date"):
        dates, bad = parse_dates(values)
        if column.kind == "month":  # the first of the month (NaT stays NaT)
            dates = pd.Series(dates.to_numpy().astype("datetime64[M]").astype(DATETIME), index=dates.index)
        return dates, bad, ""
    if column.kind == "int" and pd.api.types.is_integer_dtype(values) and not values.isna().any():
        return values.astype("int64"), no_problem, "numeric"
    parsed, bad, note = parse_numbers(values, convention=numbers)
    if column.kind == "float":
        return parsed, bad, note
    fractional = parsed.notna() & (parsed != np.round(parsed))
    parsed = parsed.where(~fractional)
    if parsed.isna().any():
        return parsed.astype("Int64"), bad | fractional, note
    return parsed.astype("int64"), bad | fractional, note


def encode_rows(rows: np.ndarray) -> list[list[int]]:
    """Row numbers as runs ``[[first, count], ...]``: small, and JSON-safe so parquet keeps attrs."""
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts = np.concatenate([[0], breaks])
    counts = np.diff(np.concatenate([starts, [len(rows)]]))
    return [[int(rows[s]), int(c)] for s, c in zip(starts, counts)]


def _rows(frame: pd.DataFrame) -> np.ndarray:
    runs = frame.attrs.get("rows")
    if runs is not None and not isinstance(runs, list):
        runs = encode_rows(runs)
    if runs is None or sum(c for _, c in runs) != len(frame):
        return np.arange(len(frame), dtype=np.int64) + 2
    if not runs:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(first, first + count, dtype=np.int64) for first, count in runs])


def row_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row number of each row (header = 1); position + 2 for frames made in memory."""
    return _rows(frame)


GROUP_MONTH_DEFAULTS = {"frozen": 0.0, "interest_arrears": 0.0}  # absent means none recorded


def with_defaults(frame: pd.DataFrame, *, table: str) -> pd.DataFrame:
    """A copy with absent defaultable columns added (group_months: frozen = interest_arrears = 0)."""
    if table != "group_months":
        return frame
    missing = {c: v for c, v in GROUP_MONTH_DEFAULTS.items() if c not in frame.columns}
    return frame.assign(**{c: np.full(len(frame), v) for c, v in missing.items()}) if missing else frame
