"""Readers for users' own VBSP/Union exports: CSV, Excel (.xlsx, .xls) and Parquet, to canonical tables.

Reading has two steps, both pure (input files are opened read-only and never modified):

1. ``read_raw``: the file's cells as written, with each header mapped to its canonical name
   through one alias table (Vietnamese or English, matched ignoring case, spaces, punctuation
   and diacritics; a unit in brackets and line breaks are ignored: ``Dư nợ\n(triệu đồng)``) and
   each row's spreadsheet row number (header = row 1). Excel is read with python-calamine (the
   Rust reader behind pandas' ``engine="calamine"``; a 345k-row sheet in about 5 s against 100-180 s
   with openpyxl), every sheet of a workbook: sheets that share the header are stacked (the month
   taken from the sheet name when there is no month column), other sheets are named in a warning.
   Columns holding personal data (names, phone numbers, CMND/CCCD numbers, addresses; found by
   header and content, ``privacy.personal_kind``) are dropped here, before any table exists, and
   named in a ``personal_data`` warning; ``keep_personal`` keeps named ones as ``private_<name>``
   (never publishable).
2. ``to_canonical``: values parsed to the contract's types (``analysis.data.contract``): codes stay
   text exactly as written (leading zeros kept), Vietnamese numbers (``1.234,5``) and dates
   (``31/12/2020``, ``12/2020``, ``2020-12``, Excel dates) are understood, ratings and
   associations are mapped to their canonical codes. Cells that cannot be parsed become missing
   and are recorded, with the offending text, for ``schema.validate`` to report.

Provenance travels in ``DataFrame.attrs`` (never as extra columns), all JSON-safe so that
``to_parquet`` keeps it: ``source`` (file path), ``table``, ``sheet`` (Excel), ``encoding`` and
``separator`` (CSV), ``rows`` (spreadsheet row numbers as runs ``[[first, count], ...]``; see
``row_numbers``), ``issues`` (problems found while reading, as dicts of ``problems.Issue``) and
``canonical`` (True once parsed).

The package's modules: ``headers`` (the alias table, labels, units, ``FileProblem``), ``reading`` (one
file), ``datasets`` (a table as a folder of Parquet parts), ``folders`` (a folder of tables),
``parsing`` (values to the contract's types). ``from analysis.data import io`` is the entry point;
its names are those below.
"""

from __future__ import annotations

# ``name as name``: private helpers re-exported on purpose (analysis.data.imports uses them).
from analysis.data.io.datasets import PART_SUFFIXES, dataset_files, partition_values, read_dataset
from analysis.data.io.folders import collect_folder, read_folder, restrict_provinces
from analysis.data.io.headers import _UNIT_SUFFIX as _UNIT_SUFFIX
from analysis.data.io.headers import (
    ACCEPTED_MONEY_UNITS,
    DATETIME,
    EXCEL_EPOCH,
    FORMATS,
    HEADER_ALIASES,
    HEADER_LOOKUP,
    MONEY_UNIT_FACTORS,
    STEM_ALIASES,
    STEM_LOOKUP,
    VALUE_ALIASES,
    VALUE_LOOKUP,
    FileProblem,
    canonical_header,
    legacy_encoding,
    money_unit_factor,
    normalize_label,
    suggest_header,
)
from analysis.data.io.headers import _clean_label as _clean_label
from analysis.data.io.headers import _header_name as _header_name
from analysis.data.io.parsing import (
    CODE_COLUMNS,
    GROUP_MONTH_DEFAULTS,
    encode_rows,
    parse_categories,
    parse_codes,
    parse_dates,
    parse_numbers,
    row_numbers,
    to_canonical,
    with_defaults,
)
from analysis.data.io.parsing import _code_text as _code_text
from analysis.data.io.reading import _column_letter as _column_letter
from analysis.data.io.reading import (
    choose_sheets,
    excel_sheets,
    month_in_text,
    read_raw,
    read_table,
    strip_personal,
    table_for_path,
)

__all__ = [
    "ACCEPTED_MONEY_UNITS", "CODE_COLUMNS", "DATETIME", "EXCEL_EPOCH", "FORMATS", "FileProblem",
    "GROUP_MONTH_DEFAULTS", "HEADER_ALIASES", "HEADER_LOOKUP", "MONEY_UNIT_FACTORS", "PART_SUFFIXES",
    "STEM_ALIASES", "STEM_LOOKUP", "VALUE_ALIASES", "VALUE_LOOKUP", "canonical_header", "choose_sheets",
    "collect_folder", "dataset_files", "encode_rows", "excel_sheets", "legacy_encoding", "money_unit_factor",
    "month_in_text", "normalize_label", "parse_categories", "parse_codes", "parse_dates", "parse_numbers",
    "partition_values", "read_dataset", "read_folder", "read_raw", "read_table", "restrict_provinces",
    "row_numbers", "strip_personal", "suggest_header", "table_for_path", "to_canonical", "with_defaults",
]
