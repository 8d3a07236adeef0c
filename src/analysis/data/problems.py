"""The vocabulary of data problems: every rule, one issue, the report, and the error that carries it.

Readers (``io``), validation (``schema``), plausibility checks and the import step all speak it, so it
sits below them: each problem is an ``Issue`` naming the file, spreadsheet row, column, rule and value;
a ``ValidationReport`` groups them into one line per cause for people, and ``DataContractError``
carries the report to the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import UserError

MAX_ISSUES_PER_CHECK = 1000  # issues kept per (file, column, rule); the rest are counted
SHOW_ROWS = 5  # rows shown per (file, column, rule) in the text report

# rule id -> (applies to, meaning). The single list of every rule, used in messages and docs.
RULES: dict[str, tuple[str, str]] = {
    "file_empty": ("any file", "the file (or the chosen sheet) has no content"),
    "file_binary": ("any file",
        "the file is not a table of the type its extension says (e.g. a binary file named .csv)"),
    "file_unreadable": ("any file", "the file could not be parsed (e.g. a CSV row with more fields than the header)"),
    "file_format": ("any file", "unsupported file type (use CSV, .xlsx, .xls or Parquet)"),
    "legacy_encoding": ("any file",
        "headers are in TCVN3 (ABC) or VNI legacy encoding: re-save the file as Unicode UTF-8"),
    "no_folder": ("folder", "the folder given does not exist"),
    "unknown_table": ("any file", "the file name does not name a table"),
    "unknown_file": ("folder", "warning: a CSV/Excel/Parquet file whose name is not a table is ignored"),
    "duplicate_table": ("folder", "two files hold the same table (several files per month or commune: use `import`)"),
    "sheets_ignored": ("Excel files",
        "warning: sheets not read, named (a sheet named like the table is read alone; sheets without the "
        "table's header are skipped)"),
    "sheets_differ": ("Excel files", "several sheets hold the table but their headers differ: nothing is read"),
    "sheet_month": ("Excel files",
        "no month column: the month comes from each sheet's name (warning), or a sheet name gives no month "
        "(error)"),
    "totals_mismatch": ("import",
        "warning: a totals or subtotal row left out of an export does not equal the sum of the rows it covers"),
    "mapping_stale": ("import",
        "the import mapping names a file that is missing or changed, or a file is not in the mapping"),
    "personal_data": ("every table",
        "warning: a column holding names, phone numbers, CMND/CCCD numbers or addresses (by header or "
        "content) was dropped at reading"),
    "missing_table": ("folder", "units, groups and group_months are required; briefings and reforms are optional"),
    "not_a_table": ("every table",
        "no header names a column of the table (wrong file, or title rows above the header)"),
    "required_column": ("every table", "a required column is absent"),
    "duplicate_column": ("every table", "two headers name the same column (identical headers: neither is used)"),
    "money_unit": ("money columns",
        "money not in million VND: a header naming another unit, or outstanding per borrower (median) outside"
        " 1-500 million VND or 300x off the rest (error when it cannot be right)"),
    "code_as_number": ("code columns",
        "warning: codes stored as numbers in Excel, so leading zeros may have been lost"),
    "unknown_column": ("every table", "warning: a column not in the contract is kept as it is and not checked"),
    "type": ("every typed column", "a value that is not a number / whole number / date / month"),
    "number_format": ("numeric columns",
        "warning: only 1.234-like numbers were found, read as 1234 (Vietnamese thousands)"),
    "dtype": ("every column", "the parsed column has the wrong data type"),
    "missing_value": ("required and key columns", "an empty cell where a value is required"),
    "not_negative": ("counts and money", "counts and money must be >= 0"),
    "category": ("rating, association, level, commune_type", "a value outside the allowed classes"),
    "unique_key": ("every table", "two rows with the same key"),
    "overdue_le_outstanding": ("group_months", "overdue + frozen must not exceed outstanding (1 VND tolerance)"),
    "checks_le_borrowers": ("group_months", "loan_use_checks must not exceed borrowers"),
    "group_exists": ("group_months", "group_id must exist in groups"),
    "commune_exists": ("groups", "commune must exist in units"),
    "district_exists": ("reforms", "unit must be a district in units"),
    "unit_exists": ("briefings", "unit must exist in units at the briefing's level (province, district or commune)"),
    "within_group_life": ("group_months",
        "month must not be before the month of founded_on nor after the month of closed_on"),
    "date_order": ("units, groups", "valid_from <= valid_to and founded_on <= closed_on"),
    "successor_map": ("units",
        "once any successor commune is given, every commune that ended (valid_to) maps to exactly one "
        "successor commune, and a commune with a successor has a valid_to"),
    "successor_exists": ("units",
        "a successor commune exists from its first day: it is not a commune of the table that ended before "
        "then"),
    "successor_dates": ("units", "no gap or overlap in dates: successor_valid_from is the day after valid_to"),
    "successor_consistent": ("units",
        "a successor commune has one name, one province and one first day wherever it appears"),
    "successor_province": ("units", "warning: the communes of one province map to more than one successor province"),
    "unknown_code": ("units",
        "warning: a province, district or commune code in GSO form that is not in the official registry of units "
        "just before 1 July 2025 (it may be a commune merged between 2019 and 2024)"),
    "name_mismatch": ("units", "warning: a commune name that does not match its GSO code in the official registry"),
    "wrong_parent": ("units", "warning: a commune under another district or province than in the official registry"),
    "successor_official": ("units, groups",
        "warning: a successor that is not one of the commune's official successors (the data's own is used)"),
    "successors_filled": ("units",
        "warning: data past June 2025 without successor columns: official default successors filled"),
    "successors_missing": ("units",
        "warning: data past June 2025 without successor columns and without GSO codes to fill them"),
    "model_fit": ("group_months, units",
        "the models cannot be fitted: one month only, no group in two months, or one district"),
    "balance_jump": ("group_months",
        "warning: a group's outstanding changed 5-fold or more from one month to the next"),
    "commune_month_missing": ("group_months",
        "warning: a month in which no group of a commune reported, with reports before and after"),
    "group_size": ("group_months", "warning: borrowers per group outside 5-100 where the group has loans"),
    "rating_month": ("group_months", "warning: a rating in a month other than December"),
    "internal": ("any", "a check itself failed unexpectedly (please report it)"),
}


@dataclass(frozen=True)
class Issue:
    """One problem in the data.

    Attributes:
        severity: "error" (the data are not usable) or "warning".
        table: contract table name ("?" when unknown).
        file: the source file (or the table name for frames made in memory).
        row: spreadsheet row number (header = 1, first data row = 2); None for file/table issues.
        column: canonical column name, or the header as written; None for file issues.
        rule: rule id, a key of ``RULES``.
        value: the offending value as text, or None.
        message: what is wrong, in words.
        more: for a summary issue only: how many further rows broke the same rule (not listed).
    """

    severity: str
    table: str
    file: str
    row: int | None
    column: str | None
    rule: str
    value: str | None
    message: str
    more: int = 0


def _show(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (float, np.floating)):
        return np.format_float_positional(float(value), trim="-")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def issues_to_attrs(issues: Iterable[Issue]) -> list[dict]:
    """Issues as plain dicts, for ``DataFrame.attrs`` (which parquet stores as JSON)."""
    return [asdict(i) for i in issues]


def issues_from_attrs(frame: pd.DataFrame) -> list[Issue]:
    return [Issue(**d) if isinstance(d, dict) else d for d in frame.attrs.get("issues", ())]


def issues_at(*, table: str, file: str, rows: np.ndarray, column: str | None, rule: str,
              values: Iterable, message: str, severity: str = "error") -> list[Issue]:
    """One issue per offending row, at most ``MAX_ISSUES_PER_CHECK`` plus a count of the rest."""
    rows = np.asarray(rows)
    values = list(values)[:MAX_ISSUES_PER_CHECK] if len(rows) > MAX_ISSUES_PER_CHECK else list(values)
    out = [Issue(severity, table, file, int(r), column, rule, _show(v), message)
           for r, v in zip(rows[:MAX_ISSUES_PER_CHECK], values)]
    if len(rows) > MAX_ISSUES_PER_CHECK:
        extra = len(rows) - MAX_ISSUES_PER_CHECK
        out.append(Issue(severity, table, file, None, column, rule, None, message, more=extra))
    return out


@dataclass(frozen=True)
class ValidationReport:
    """The result of checking tables against the contract.

    Attributes:
        issues: every issue, errors and warnings, in the order found.
        rows: rows read per table.
    """

    issues: tuple[Issue, ...] = ()
    rows: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_issues(cls, issues: Iterable[Issue], rows: Mapping[str, int] | None = None) -> ValidationReport:
        return cls(tuple(issues), dict(rows or {}))

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def n_errors(self) -> int:
        """Offending rows (or file/table problems) with errors, including those not listed."""
        return _count(self.errors)

    @property
    def n_warnings(self) -> int:
        return _count(self.warnings)

    def to_frame(self) -> pd.DataFrame:
        """One row per issue (summary rows of unlisted repeats have row = <NA> and more > 0)."""
        columns = ["severity", "table", "file", "row", "column", "rule", "value", "message", "more"]
        frame = pd.DataFrame([[getattr(i, c) for c in columns] for i in self.issues], columns=columns)
        return frame.astype({"row": "Int64", "more": "int64"})

    def tidy(self) -> pd.DataFrame:
        return self.to_frame()

    def to_text(self, show: int = SHOW_ROWS) -> str:
        """Human summary: one line per (file, column, rule) with the first rows and a count."""
        n_err, n_warn = self.n_errors, self.n_warnings
        head = "Data contract: " + ("OK" if self.ok else f"{n_err} error{'s' * (n_err != 1)}")
        lines = [head + (f", {n_warn} warning{'s' * (n_warn != 1)}" if n_warn else "")]
        groups: dict[tuple, list[Issue]] = {}
        for issue in self.errors + self.warnings:
            groups.setdefault((issue.severity, issue.file, issue.column, issue.rule), []).append(issue)
        for (severity, file, column, rule), items in groups.items():
            lines.append(_group_line(severity, file, column, rule, items, show=show))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _count(issues: Iterable[Issue]) -> int:
    return sum(i.more if i.more else 1 for i in issues)


def display_name(file: str) -> str:
    """A file as a message names it: its name, or for a part of a table stored as a folder of parts the
    path from the table's folder (``group_months/province=94/part-0.parquet``,
    ``group_months.parquet/part.1.parquet``)."""
    path = Path(file)
    parts = path.parts
    last = len(parts) - 1
    k = last
    while k > 0 and "=" in parts[k - 1]:  # partition folders (key=value)
        k -= 1
    if k < last or path.name.lower().startswith("part"):
        k = max(k - 1, 0)  # and the table's folder
    return "/".join(parts[k:]) if k < last else path.name


def locate_in_parts(issues: Iterable[Issue], frames: Iterable[pd.DataFrame]) -> list[Issue]:
    """Issues of tables read from a folder of parts (``attrs["parts"]``, rows numbered across the
    stacked parts) re-addressed to the part file and the row in it."""
    lookup = {}
    for frame in frames:
        parts = frame.attrs.get("parts") if frame is not None else None
        if parts:
            ends = np.cumsum([n for _, n in parts])
            lookup[str(frame.attrs.get("source"))] = (parts, ends)
    if not lookup:
        return list(issues)
    out = []
    for issue in issues:
        found = lookup.get(issue.file)
        if found is None or issue.row is None:
            out.append(issue)
            continue
        parts, ends = found
        position = issue.row - 2
        k = int(np.searchsorted(ends, position, side="right"))
        if k >= len(parts):
            out.append(issue)
            continue
        start = ends[k - 1] if k else 0
        out.append(replace(issue, file=str(Path(issue.file) / parts[k][0]), row=int(position - start + 2)))
    return out


def _group_line(severity: str, file: str, column: str | None, rule: str, items: list[Issue], *, show: int) -> str:
    where = display_name(file) if file else "?"
    if column is not None:
        where += f", column {column}"
    located = [i for i in items if i.row is not None]
    total = len(located) + sum(i.more for i in items)
    text = f"{severity.upper()} {where}: {items[0].message} [{rule}]"
    if located:
        shown = ", ".join(f"row {i.row}" + (f" ({i.value!r})" if i.value is not None else "") for i in located[:show])
        text += f"; {shown}"
        if total > show:
            text += f" and {total - show} more ({total} rows)"
    elif items[0].value is not None:
        text += f" ({items[0].value!r})"
    return text


class DataContractError(UserError):
    """The data break the contract; ``.report`` holds every issue, ``str()`` the text summary."""

    def __init__(self, report: ValidationReport):
        super().__init__(report.to_text())
        self.report = report
