"""Validation against the data contract, the validation report, and the ``validate`` command.

``validate(tables)`` checks canonical tables (as ``io.read_folder`` returns them, or frames made
in memory, which are parsed first) and returns a ``ValidationReport``. Per-column checks (dtype,
non-negative counts and money, allowed categories, missing values) run through pandera; checks
across rows and tables (unique keys, overdue + frozen <= outstanding, references between tables,
months inside a group's life) are vectorised pandas. Every problem is an ``Issue`` naming the
file, the spreadsheet row (header = row 1), the column, the rule and the offending value.

``RULES`` lists every rule with its meaning; ``contract_markdown()`` renders the contract and the
rules for data/README.md, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import contract, fitcheck, io, lookup, official, plausibility
from analysis.data.problems import (  # noqa: F401 - re-exported: the rules and the report
    RULES,
    SHOW_ROWS,
    DataContractError,
    Issue,
    ValidationReport,
    _show,
    issues_at,
    issues_from_attrs,
    issues_to_attrs,
    locate_in_parts,
)

REQUIRED_TABLES = ("units", "groups", "group_months")  # briefings and reforms are optional
MONEY_TOL = 1e-6  # million VND (1 VND): float rounding allowed in overdue + frozen <= outstanding
COMMUNE_TYPES = ("ward", "townlet", "commune", "island_district", "special_zone")
CATEGORIES = {
    "rating": contract.RATINGS,
    "association": tuple(contract.ASSOCIATIONS),
    "level": contract.BRIEFING_LEVELS,
    "commune_type": COMMUNE_TYPES,
}



# --- validation ------------------------------------------------------------------------------

def validate(tables: Mapping[str, pd.DataFrame], extra_issues: Iterable[Issue] = ()) -> ValidationReport:
    """Check tables against the data contract (``analysis.data.contract``). The inputs are not changed.

    Args:
        tables: table name -> DataFrame, canonical (from ``io``) or raw (parsed here first).
        extra_issues: issues found while reading files (folder and file level), to report too.

    Returns:
        ValidationReport: ``.ok`` is True when no rule is broken (warnings allowed).
    """
    issues = list(extra_issues)
    for name in REQUIRED_TABLES:
        if name not in tables and not any(i.table == name and i.severity == "error" for i in issues):
            issues.append(Issue("error", name, name, None, None, "missing_table", None,
                                f"table {name} is required (a file named {name}.csv, .xlsx or .parquet)"))
    canonical: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        if name not in contract.TABLES:
            issues.append(Issue("warning", name, frame.attrs.get("source", name), None, None, "unknown_table",
                                name, "not a contract table; not checked"))
            continue
        if not (frame.attrs.get("canonical") and frame.attrs.get("table") == name):
            try:  # raw frames (or frames made in memory) are parsed first
                frame = io.to_canonical(frame, table=name)
            except Exception as exc:  # noqa: BLE001 - e.g. two columns with one name
                issues.append(Issue("error", name, _source(frame, name), None, None, "internal", None,
                                    f"could not parse the table ({type(exc).__name__}: {exc})"))
                continue
        issues.extend(issues_from_attrs(frame))
        present = _check_columns(frame, table=name, issues=issues)
        canonical[name] = frame
        _guard(issues, name, frame, lambda: _pandera_checks(frame, table=name, present=present, issues=issues))
        _guard(issues, name, frame, lambda: _key_check(frame, table=name, present=present))
        _guard(issues, name, frame, lambda: _row_rules(frame, table=name, present=present))
        if name == "units":
            _guard(issues, name, frame, lambda: successor_checks(frame, present=present))
    _guard(issues, "?", None, lambda: _cross_table_checks(canonical))
    _guard(issues, "units", canonical.get("units"), lambda: official.check(canonical))
    if not any(i.severity == "error" for i in issues):  # on data that satisfy the contract
        _guard(issues, "group_months", canonical.get("group_months"), lambda: _model_checks(canonical))
        _guard(issues, "group_months", canonical.get("group_months"), lambda: _plausibility(canonical))
    issues = locate_in_parts(issues, canonical.values())
    return ValidationReport.from_issues(_unique(issues), {n: len(f) for n, f in canonical.items()})


def _plausibility(tables: Mapping[str, pd.DataFrame]) -> list[Issue]:
    return plausibility.check(tables)


def _model_checks(tables: Mapping[str, pd.DataFrame]) -> list[Issue]:
    gm = tables.get("group_months")
    if gm is None:
        return []
    return [Issue("error", "group_months", _source(gm, "group_months"), None, None, "model_fit", None, reason)
            for reason in fitcheck.panel_problems(gm, tables.get("units"))]


def _unique(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


def _guard(issues: list[Issue], table: str, frame: pd.DataFrame | None, check) -> None:
    """Run one check; an unexpected failure becomes an ``internal`` issue, never a traceback."""
    try:
        issues.extend(check() or ())
    except Exception as exc:  # noqa: BLE001 - reported to the user as an issue of that table
        source = frame.attrs.get("source", table) if frame is not None else table
        issues.append(Issue("error", table, source, None, None, "internal", None,
                            f"check failed unexpectedly ({type(exc).__name__}: {exc})"))


def _source(frame: pd.DataFrame, table: str) -> str:
    return frame.attrs.get("source", table)


def _check_columns(frame: pd.DataFrame, *, table: str, issues: list[Issue]) -> set[str]:
    spec = contract.TABLES[table]
    names = {c.name for c in spec.columns}
    source = _source(frame, table)
    if not names & set(frame.columns):
        found = ", ".join(repr(str(c)) for c in list(frame.columns)[:5]) or "nothing"
        issues.append(Issue("error", table, source, 1, None, "not_a_table", None,
                            f"no header names a column of table {table} (found {found}); "
                            f"is this the right file, with the header in the first row? (a title block "
                            f"above the header or a two-row header: use `python -m analysis import`)"))
        return set()
    duplicated = {i.column for i in issues if i.rule == "duplicate_column" and i.table == table}
    suggest = frame.attrs.get("suggest") or {}
    for column in spec.required:
        if column not in frame.columns and column not in duplicated:
            maybe = [label for label, name in suggest.items() if name == column]
            hint = f"; did you mean header {maybe[0]!r}? (add it to the mapping, or rename it)" if maybe else ""
            issues.append(Issue("error", table, source, 1, column, "required_column", None,
                                f"required column {column} is missing{hint}"))
    for column in frame.columns:
        if str(column).startswith("private_"):
            issues.append(Issue("warning", table, source, 1, str(column), "personal_data", str(column),
                                "personal column kept as asked; it is never published"))
        elif column not in names:
            hint = f" (did you mean {suggest[str(column)]}?)" if str(column) in suggest else ""
            issues.append(Issue("warning", table, source, 1, str(column), "unknown_column", str(column),
                                f"column not in the contract; kept, not checked{hint}"))
    return {c for c in frame.columns if c in names}


def _pandera_schema(frame: pd.DataFrame, *, table: str, present: set[str]):
    import pandera.pandas as pa

    columns = {}
    for column in contract.TABLES[table].columns:
        if column.name not in present:
            continue
        checks = []
        if column.kind in ("int", "float"):
            checks.append(pa.Check.ge(0))
        if column.name in CATEGORIES:
            checks.append(pa.Check.isin(list(CATEGORIES[column.name])))
        dtype = {"str": "str", "category": "str", "float": "float64", "month": io.DATETIME,
                 "date": io.DATETIME}.get(column.kind)
        if column.kind == "int":
            dtype = "Int64" if isinstance(frame[column.name].dtype, pd.Int64Dtype) else "int64"
        nullable = column.nullable or column.kind == "date" and not column.required
        columns[column.name] = pa.Column(dtype, checks=checks, nullable=nullable)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


_PANDERA_RULES = (("greater_than_or_equal_to", "not_negative", "must be >= 0"),
                  ("isin", "category", "not an allowed value"),
                  ("not_nullable", "missing_value", "empty cell; a value is required"),
                  ("dtype", "dtype", "wrong data type"))


def _pandera_checks(frame: pd.DataFrame, *, table: str, present: set[str], issues: list[Issue]) -> list[Issue]:
    import pandera.pandas as pa

    schema = _pandera_schema(frame, table=table, present=present)
    try:
        schema.validate(frame, lazy=True, inplace=True)  # no copy: coerce=False changes nothing
        return []
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    rows = _rows(frame)
    typed = {(i.column, i.row) for i in issues if i.rule == "type" and i.table == table}
    out = []
    for (column, check), group in failures.groupby(["column", "check"], sort=False, dropna=False):
        rule, message = next(((r, m) for prefix, r, m in _PANDERA_RULES if str(check).startswith(prefix)),
                             ("dtype", str(check)))
        if column in CATEGORIES and rule == "category":
            message = f"must be one of {', '.join(CATEGORIES[column])}"
        index = pd.to_numeric(group["index"], errors="coerce")
        if index.isna().all():  # a column-level failure (e.g. dtype)
            out.append(Issue("error", table, _source(frame, table), None, str(column), rule,
                             _show(group["failure_case"].iloc[0]), message))
            continue
        positions = index.dropna().astype(int).to_numpy()
        keep = np.array([(column, int(r)) not in typed for r in rows[positions]], dtype=bool)
        positions = positions[keep]
        if len(positions):
            out.extend(issues_at(table=table, file=_source(frame, table), rows=rows[positions], column=str(column),
                                 rule=rule, values=frame[column].iloc[positions], message=message))
    return out


def _rows(frame: pd.DataFrame) -> np.ndarray:
    return io.row_numbers(frame)


def _key_check(frame: pd.DataFrame, *, table: str, present: set[str]) -> list[Issue]:
    """Repeated keys; each repeat shows its key and the row it repeats (empty keys: missing_value)."""
    key = list(contract.TABLES[table].key)
    if not set(key) <= present:
        return []
    complete = frame[key].notna().all(axis=1).to_numpy()
    sub = frame.loc[complete, key]
    dup = sub.duplicated(keep="first").to_numpy()
    if not dup.any():
        return []
    rows = _rows(frame)[complete]
    group = sub.groupby(key, sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(sub))).groupby(group).transform("min").to_numpy()
    text = sub.astype(str).agg(" / ".join, axis=1).to_numpy()
    key_text = " + ".join(key)
    return issues_at(table=table, file=_source(frame, table), rows=rows[dup], column=key_text, rule="unique_key",
                     values=[f"{t} (as row {r})" for t, r in zip(text[dup], rows[first[dup]])],
                     message=f"{key_text} repeats an earlier row; one row per key")


def _flag(frame: pd.DataFrame, mask: pd.Series, *, table: str, column: str, rule: str, message: str,
          values=None) -> list[Issue]:
    """Issues for the rows where ``mask`` holds; ``values(positions)`` gives the values to show."""
    mask = mask.fillna(False).to_numpy(dtype=bool)
    if not mask.any():
        return []
    positions = np.flatnonzero(mask)
    shown = values(positions) if values is not None else frame[column].iloc[positions]
    return issues_at(table=table, file=_source(frame, table), rows=_rows(frame)[positions], column=column,
                     rule=rule, values=shown, message=message)


def _row_rules(frame: pd.DataFrame, *, table: str, present: set[str]) -> list[Issue]:
    out = []
    if table == "group_months" and {"overdue", "outstanding"} <= present:
        frozen = frame["frozen"].fillna(0) if "frozen" in present else 0.0
        burden = frame["overdue"] + frozen
        out += _flag(frame, burden > frame["outstanding"] + MONEY_TOL, table=table, column="overdue",
                     rule="overdue_le_outstanding", message="overdue + frozen exceeds outstanding",
                     values=lambda at: [f"{_show(b)} > {_show(o)}" for b, o in
                                        zip(burden.iloc[at], frame["outstanding"].iloc[at])])
    if table == "group_months" and {"loan_use_checks", "borrowers"} <= present:
        out += _flag(frame, frame["loan_use_checks"] > frame["borrowers"], table=table, column="loan_use_checks",
                     rule="checks_le_borrowers", message="more borrowers checked than borrowers")
    for start, end in (("valid_from", "valid_to"), ("founded_on", "closed_on")):
        if {start, end} <= present:
            out += _flag(frame, frame[start] > frame[end], table=table, column=end, rule="date_order",
                         message=f"{end} is before {start}")
    return out


SUCCESSOR_DETAILS = ("successor_commune_name", "successor_province", "successor_province_name", "successor_valid_from")


def successor_checks(units: pd.DataFrame, *, present: set[str]) -> list[Issue]:
    """The effective-dated map of a reorganisation (``successor_*`` columns of units).

    Checked once any ``successor_commune`` is given: every commune that ended maps to exactly one
    successor and a commune with a successor has ended (``successor_map``); the successor exists from
    its first day (``successor_exists``: it is not a commune of the table that ended before then);
    no gap or overlap (``successor_dates``: ``successor_valid_from`` = ``valid_to`` + 1 day); one name,
    province and first day per successor (``successor_consistent``); and, as a warning, the
    communes of one province map into one successor province (``successor_province``).
    """
    if "successor_commune" not in present or "commune" not in present or not units["successor_commune"].notna().any():
        return []
    out = []
    table = "units"
    succ, commune = units["successor_commune"], units["commune"]
    has = succ.notna()
    ended = units["valid_to"].notna() if "valid_to" in present else pd.Series(False, index=units.index)
    out += _flag(units, ended & ~has, table=table, column="successor_commune", rule="successor_map",
                 message="the commune ended (valid_to) but has no successor commune; every old commune maps to "
                         "exactly one new commune", values=lambda at: commune.iloc[at])
    if "valid_to" in present:
        out += _flag(units, has & ~ended, table=table, column="valid_to", rule="successor_map",
                     message="a successor commune is given but valid_to (the commune's last day) is empty",
                     values=lambda at: commune.iloc[at])
    mapped = units.loc[has & commune.notna(), ["commune", "successor_commune"]].drop_duplicates()
    several = mapped.groupby("commune")["successor_commune"].agg(lambda v: ", ".join(sorted(v)))
    several = several[mapped.groupby("commune").size() > 1]
    if len(several):
        out += _flag(units, commune.isin(several.index) & has, table=table, column="successor_commune",
                     rule="successor_map", message="the commune maps to more than one successor commune (one row "
                     "per old commune, one successor each)",
                     values=lambda at: [f"{c} -> {several[c]}" for c in commune.iloc[at]])
    start = (units["successor_valid_from"] if "successor_valid_from" in present else
             units["valid_to"] + pd.Timedelta(days=1) if "valid_to" in present else None)
    if "valid_to" in present and start is not None:
        last_day = units.dropna(subset=["commune"]).drop_duplicates("commune").set_index("commune")["valid_to"]
        succ_end = succ.map(last_day)
        # The official 2025 codes reuse old ones: a successor whose code is that of a commune ending the
        # day before it starts is the new unit, not the old one. Only an earlier end is a dangling successor.
        gone = has & succ_end.notna() & start.notna() & (succ_end < start - pd.Timedelta(days=1))
        out += _flag(units, gone, table=table, column="successor_commune", rule="successor_exists",
                     message="the successor commune is itself a commune of this table that ended before the "
                             "successor's first day (more than one day before)",
                     values=lambda at: [f"{s} (ended {e:%Y-%m-%d})" for s, e in zip(succ.iloc[at], succ_end.iloc[at])])
    if {"valid_to", "successor_valid_from"} <= present:
        days = (units["successor_valid_from"] - units["valid_to"]).dt.days
        bad = has & days.notna() & days.ne(1)
        out += _flag(units, bad, table=table, column="successor_valid_from", rule="successor_dates",
                     message="successor_valid_from must be the day after valid_to (no gap, no overlap)",
                     values=lambda at: [f"valid_to {a:%Y-%m-%d}, successor from {b:%Y-%m-%d}: "
                                        + (f"gap of {d - 1} day(s)" if d > 1 else f"overlap of {1 - d} day(s)")
                                        for a, b, d in zip(units["valid_to"].iloc[at],
                                                           units["successor_valid_from"].iloc[at], days.iloc[at])])
    for column in (c for c in SUCCESSOR_DETAILS if c in present):
        sub = units.loc[has, ["successor_commune", column]]
        first = sub.dropna().drop_duplicates("successor_commune").set_index("successor_commune")[column]
        expected = succ.map(first)
        differs = has & units[column].notna() & expected.notna() & units[column].ne(expected)
        out += _flag(units, differs, table=table, column=column, rule="successor_consistent",
                     message="the same successor commune has another value in an earlier row",
                     values=lambda at, column=column: [f"{s}: {_show(v)} (earlier {_show(e)})" for s, v, e in
                                                        zip(succ.iloc[at], units[column].iloc[at], expected.iloc[at])])
    if {"province", "successor_province"} <= present:
        final = has.copy()
        if "valid_to" in present and start is not None:  # an earlier merger's hop (Phường 9 into Phường 1)
            final &= ~(succ_end.notna() & start.notna() & (succ_end >= start))
        pairs = units.loc[final, ["province", "successor_province"]].dropna().drop_duplicates()
        split = pairs.groupby("province")["successor_province"].agg(lambda v: sorted(v))
        for province, news in split[split.map(len) > 1].items():
            out.append(Issue("warning", table, _source(units, table), None, "successor_province", "successor_province",
                             str(province), f"the communes of province {province} map to {len(news)} successor "
                                            f"provinces ({', '.join(news)}); provinces were merged whole in 2025"))
    return out


def _cross_table_checks(tables: Mapping[str, pd.DataFrame]) -> list[Issue]:
    out = []
    units, groups, gm = tables.get("units"), tables.get("groups"), tables.get("group_months")
    if gm is not None and groups is not None and "group_id" in gm and "group_id" in groups:
        unknown = ~gm["group_id"].isin(groups["group_id"]) & gm["group_id"].notna()
        out += _flag(gm, unknown, table="group_months", column="group_id", rule="group_exists",
                     message="group_id not found in groups" + lost_zeros_hint(
                         gm["group_id"][unknown], groups["group_id"], column="group_id", here=gm, there=groups))
        out += _life_check(gm, groups)
    if groups is not None and units is not None and "commune" in groups and "commune" in units:
        unknown = ~groups["commune"].isin(units["commune"]) & groups["commune"].notna()
        out += _flag(groups, unknown, table="groups", column="commune", rule="commune_exists",
                     message="commune not found in units" + lost_zeros_hint(
                         groups["commune"][unknown], units["commune"], column="commune", here=groups, there=units))
    reforms = tables.get("reforms")
    if reforms is not None and units is not None and "unit" in reforms and "district" in units:
        out += _flag(reforms, ~reforms["unit"].isin(units["district"]) & reforms["unit"].notna(), table="reforms",
                     column="unit", rule="district_exists", message="unit is not a district in units")
    briefings = tables.get("briefings")
    if briefings is not None and units is not None and {"unit", "level"} <= set(briefings.columns):
        known = pd.Series(False, index=briefings.index)
        for level in contract.BRIEFING_LEVELS:
            if level in units:
                known |= briefings["level"].eq(level) & briefings["unit"].isin(units[level])
        if "successor_province" in units:  # briefings of the provinces from the reorganisation on
            known |= briefings["level"].eq("province") & briefings["unit"].isin(units["successor_province"].dropna())
        checkable = briefings["level"].isin([lv for lv in contract.BRIEFING_LEVELS if lv in units])
        out += _flag(briefings, checkable & ~known & briefings["unit"].notna(), table="briefings", column="unit",
                     rule="unit_exists", message="unit not found in units at this level")
    return out


def lost_zeros_hint(missing: pd.Series, known: pd.Series, *, column: str, here: pd.DataFrame,
                    there: pd.DataFrame) -> str:
    """The likely cause when codes are not found because they lost their leading zeros, or ""."""
    sample = missing.dropna().astype(str).unique()[:200]
    if not len(sample) or not all(s.isdigit() for s in sample):
        return ""
    stripped = {k.lstrip("0"): k for k in known.dropna().astype(str) if k.isdigit()}
    hits = [s for s in sample if s.lstrip("0") in stripped and stripped[s.lstrip("0")] != s]
    if len(hits) < max(1, len(sample) // 2):
        return ""
    example = hits[0]
    here_name, there_name = (Path(str(f.attrs.get("source", t))).name
                             for f, t in ((here, "this table"), (there, "the other table")))
    return (f": {column} in {here_name} looks numeric and lost its leading zeros ({example!r} is "
            f"{stripped[example.lstrip('0')]!r} in {there_name}, which keeps them as text); format the "
            f"column as Text in Excel and export again, or run `python -m analysis import`, which restores them")


def _life_check(gm: pd.DataFrame, groups: pd.DataFrame) -> list[Issue]:
    life_cols = [c for c in ("founded_on", "closed_on") if c in groups]
    if not life_cols or "month" not in gm:
        return []
    life = groups.drop_duplicates("group_id").set_index("group_id")[life_cols]
    month = gm["month"]
    at = lookup.positions(life.index, gm["group_id"])  # one lookup of the group codes for both dates
    known = at >= 0
    month_m = month.to_numpy().astype("datetime64[M]")
    bad = np.zeros(len(gm), dtype=bool)
    for column, later in (("founded_on", False), ("closed_on", True)):
        if column not in life:
            continue
        edge = life[column].to_numpy().astype("datetime64[M]")[np.where(known, at, 0)]
        valid = known & ~np.isnat(edge)
        bad |= valid & ((month_m > edge) if later else (month_m < edge))
    bad = pd.Series(bad, index=gm.index)
    return _flag(gm, bad, table="group_months", column="month", rule="within_group_life",
                 message="month outside the group's life (founded_on..closed_on in groups)",
                 values=lambda at: month.iloc[at].dt.strftime("%Y-%m"))


# --- documentation ---------------------------------------------------------------------------

def contract_markdown() -> str:
    """The tables, columns and rules of the contract as Markdown (the generated part of data/README.md)."""
    kinds = {"str": "text", "int": "whole number", "float": "number", "month": "month",
             "date": "date", "category": "category"}
    lines = []
    for table in contract.TABLES.values():
        need = "required" if table.name in REQUIRED_TABLES else "optional"
        lines += [f"### `{table.name}` ({need} table)", "", table.meaning, "",
                  f"Key (unique, no empty cells): {', '.join(f'`{k}`' for k in table.key)}.", "",
                  "| column | type | unit | required | meaning | headers accepted (besides the name) |",
                  "|---|---|---|---|---|---|"]
        for col in table.columns:
            allowed = (f" Allowed: {', '.join(f'`{v}`' for v in CATEGORIES[col.name])}."
                       if col.name in CATEGORIES else "")
            required = "yes" if col.required else (
                "optional, may be empty" if col.nullable else "optional; if present, no empty cells")
            aliases = ", ".join(io.HEADER_ALIASES.get(col.name, ()))
            lines.append(f"| `{col.name}` | {kinds[col.kind]} | {col.unit or '–'} | {required} | "
                         f"{col.meaning}.{allowed} | {aliases} |")
        lines.append("")
    lines += ["### Validation rules", "", "| rule | applies to | meaning |", "|---|---|---|"]
    lines += [f"| `{rule}` | {where} | {meaning} |" for rule, (where, meaning) in RULES.items()]
    lines += ["", "### Value aliases", "", "| column | canonical value | also accepted |", "|---|---|---|"]
    for column, values in io.VALUE_ALIASES.items():
        for value, labels in values.items():
            lines.append(f"| `{column}` | `{value}` | {', '.join(x for x in labels if x != value)} |")
    lines += ["", "### File names accepted per table", "", "| table | file stems accepted |", "|---|---|"]
    lines += [f"| `{t}` | {t}, {', '.join(s)} |" for t, s in io.STEM_ALIASES.items()]
    return "\n".join(lines) + "\n"


README_BEGIN = "<!-- BEGIN GENERATED: schema.contract_markdown() -->"
README_END = "<!-- END GENERATED -->"


def write_readme(path: str | Path | None = None) -> Path:
    """Refresh the generated part of data/README.md from the contract (between the markers)."""
    from analysis import atomic, paths
    path = Path(path or paths.DATA / "README.md")
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    return atomic.write_text(path, f"{head}{README_BEGIN}\n{contract_markdown()}{README_END}{tail}")


# --- the ``validate`` command ----------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="folder with units, groups, group_months "
                        "[, briefings, reforms] as .csv, .xlsx or .parquet files")
    parser.add_argument("--show", type=int, default=SHOW_ROWS, metavar="N",
                        help=f"rows listed per problem (default {SHOW_ROWS})")
    parser.add_argument("--provinces", default=None, metavar="CODES",
                        help="check only these pre-2025 provinces (comma-separated codes, e.g. 94,92): other "
                             "province partitions are not read, other rows are left out")


def run(args: argparse.Namespace) -> int:
    """Check a folder; print a summary (exit 0) or the problems (exit 1). Writes nothing."""
    started = time.perf_counter()
    try:
        provinces = args.provinces.split(",") if getattr(args, "provinces", None) else None
        tables, read_issues = io.collect_folder(args.folder, provinces=provinces)
        tables, filled = official.fill_successors(tables)
        report = validate(tables, extra_issues=[*read_issues, *filled])
    except DataContractError as exc:
        print(exc.report.to_text(show=args.show), file=sys.stdout)
        return 1
    except Exception as exc:  # noqa: BLE001 - never show a traceback to the user
        print(f"error: unexpected problem while checking {args.folder}: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    if not report.ok:
        print(report.to_text(show=args.show))
        return 1
    print(summary_text(tables, report, seconds=seconds))
    return 0


def summary_text(tables: Mapping[str, pd.DataFrame], report: ValidationReport, *, seconds: float) -> str:
    """Row counts per table, months covered, groups and districts."""
    lines = [f"OK: the data satisfy the contract (checked in {seconds:.1f} s)"]
    for name in contract.TABLES:
        if name in tables:
            frame = tables[name]
            parts = frame.attrs.get("parts")
            where = Path(frame.attrs.get("source", name)).name
            where += f"/, {len(parts)} part{'s' * (len(parts) != 1)}" if parts else ""
            lines.append(f"  {name:<13} {len(frame):>10,} rows  ({where})")
    gm, units = tables.get("group_months"), tables.get("units")
    if gm is not None and len(gm) and "month" in gm:
        lines.append(f"  months        {gm['month'].min():%Y-%m} .. {gm['month'].max():%Y-%m}"
                     f" ({gm['month'].nunique()} months)")
        lines.append(f"  groups        {gm['group_id'].nunique():>10,} with monthly data")
    if units is not None and "district" in units:
        lines.append(f"  districts     {units['district'].nunique():>10,}  communes {units['commune'].nunique():,}")
    if units is not None and "successor_commune" in units and units["successor_commune"].notna().any():
        succ = units[units["successor_commune"].notna()]
        n_prov = succ['successor_province'].nunique() if "successor_province" in succ else 0
        where = f" in {n_prov:,} province{'s' * (n_prov != 1)}" if n_prov else ""
        start = succ["successor_valid_from"].min() if "successor_valid_from" in succ else pd.NaT
        when = f" from {start:%Y-%m-%d}" if pd.notna(start) else ""
        lines.append(f"  successors    {succ['successor_commune'].nunique():>10,}  communes{where}{when}")
    if report.warnings:
        lines.append(report.to_text())
    return "\n".join(lines)
