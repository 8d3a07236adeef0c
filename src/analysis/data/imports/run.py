"""The import: plan every source (guessed, or read from a mapping), apply the plans, join the
tables, restore codes, check, and write the contract tables with the mapping."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import contract, io, privacy, problems, schema
from analysis.data.imports import grids as G
from analysis.data.imports import gso
from analysis.data.imports import layout as L
from analysis.data.imports import mapping as M

MAPPING_NAME = "import-mapping.yml"
REPORT_NAME = "import-report.txt"
TOTAL_TOL = 0.01  # million VND (10,000 VND) or one unit of a count, plus a relative 1e-9
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@dataclass
class ImportResult:
    """What an import did.

    Attributes:
        tables: the contract tables (canonical), also written when ``report.ok``.
        mapping: every decision (also written to ``out_dir/import-mapping.yml``).
        report: validation of the imported tables plus the import's own issues.
        written: files written.
        seconds: wall time.
    """

    tables: dict[str, pd.DataFrame]
    mapping: M.Mapping
    report: problems.ValidationReport
    written: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def letter(j: int) -> str:
    return io._column_letter(j)


def column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


# --- planning ----------------------------------------------------------------------------------

def guess_plan(grid: G.Grid, *, sha: str, keep_personal: set[str]) -> tuple[M.SourcePlan | None, str]:
    """A plan for one grid, or (None, why it is not a table)."""
    cells = grid.cells
    block = L.find_header(cells)
    if not block:
        return None, "no row names a column of the contract"
    width = grid.width
    parts = L.joined_labels(cells, block, width)
    table = io.table_for_path(grid.path) or (io.STEM_LOOKUP.get(io.normalize_label(grid.sheet)) if grid.sheet else None)
    table = table or L.guess_table(parts)
    if table is None:
        return None, "the header does not match any contract table"
    spec = contract.TABLES[table]
    names = {c.name for c in spec.columns}
    plan = M.SourcePlan(file=grid.path.name, sheet=grid.sheet, sha256=sha, table=table,
                        header_rows=[b + 1 for b in block])
    body = cells[block[-1] + 1:]
    found: dict[str, list[int]] = {}
    for j in range(width):
        header = " / ".join(parts[j])
        name, unit, how = L.column_name(parts[j], names)
        column = M.ColumnPlan(letter=letter(j), header=header)
        if how == "opening":
            column.note = "opening balance: not used"
        elif name is not None:
            column.to = name
            found.setdefault(name, []).append(j)
            if how == "guess":
                column.note = f"guessed from the header ({name})"
            if unit and io.money_unit_factor(unit):
                column.note = (column.note + "; " if column.note else "") + f"unit {unit}: x{io.money_unit_factor(unit):g}"
        elif not header and not any(j < len(r) and r[j] is not None for r in body[:2000]):
            column.note = "blank column"
        plan.columns.append(column)
    _resolve_duplicates(plan, found)
    values = {j: pd.Series([r[j] if j < len(r) else None for r in body[:5000]], dtype=object) for j in range(width)}
    for j, column in enumerate(plan.columns):
        if column.to is None and column.header and not column.note:
            kind = privacy.personal_kind(column.header, values[j])
            if kind is not None:
                keep = io.normalize_label(column.header) in keep_personal
                column.to = "private" if keep else "personal"
                column.note = privacy.PERSONAL_KINDS[kind]
    _plan_rows(plan, cells, block)
    _plan_month(plan, grid, cells, block)
    _plan_date_order(plan, cells, block)
    return plan, ""


def _resolve_duplicates(plan: M.SourcePlan, found: dict[str, list[int]]) -> None:
    for name, columns in found.items():
        if len(columns) < 2:
            continue
        exact = [j for j in columns if not plan.columns[j].note.startswith("guessed")]
        headers = {io.normalize_label(plan.columns[j].header) for j in (exact or columns)}
        if len(exact) == 1:
            keep = exact[0]
        elif len(headers) < len(exact or columns):  # identical headers: which one is meant is unknown
            keep = None
        else:
            keep = (exact or columns)[0]
        for j in columns:
            if j != keep:
                plan.columns[j].to = None
                plan.columns[j].note = (f"identical header: which column is {name} cannot be told; set to: {name} "
                                        "on the right one" if keep is None else f"{name} is taken from column "
                                        f"{letter(keep)}")


def _plan_rows(plan: M.SourcePlan, cells: list[list], block: list[int]) -> None:
    spec = contract.TABLES[plan.table]
    kinds = {c.name: c.kind for c in spec.columns}
    mapped = {c.to: column_index(c.letter) for c in plan.columns if c.to in kinds}
    keys = [mapped[k] for k in spec.key if k in mapped and kinds[k] in ("str", "category")]
    numeric = [j for name, j in mapped.items() if kinds[name] in ("int", "float")]
    dropped = {i + 1: "title block" for i in range(block[0]) if any(v is not None for v in cells[i])}
    for i, kind in L.classify_rows(cells, block[-1] + 1, key_columns=keys, numeric_columns=numeric):
        if kind.kind != "data":
            dropped[i + 1] = kind.reason
    plan.drop_rows = M.drop_ranges(dropped)


def _plan_month(plan: M.SourcePlan, grid: G.Grid, cells: list[list], block: list[int]) -> None:
    if plan.table != "group_months":
        return
    if any(c.to == "month" for c in plan.columns):
        plan.month_from = "column"
        return
    title = " ".join(str(v) for row in cells[: block[0]] for v in row if v is not None)
    for where, text in (("sheet", grid.sheet), ("file", grid.path.stem), ("title", title)):
        month = io.month_in_text(text) if text else None
        if month is not None:
            plan.month, plan.month_from = f"{month:%Y-%m}", where
            plan.notes.append(f"month {month:%Y-%m} taken from the {where}" + (f" ({text.strip()[:60]!r})" if where != "title" else ""))
            return


def _plan_date_order(plan: M.SourcePlan, cells: list[list], block: list[int]) -> None:
    kinds = {c.name: c.kind for c in contract.TABLES[plan.table].columns}
    for column in plan.columns:
        if kinds.get(column.to) not in ("date", "month"):
            continue
        j = column_index(column.letter)
        firsts, seconds = [], []
        for row in cells[block[-1] + 1:]:
            value = row[j] if j < len(row) else None
            match = _DMY.match(value) if isinstance(value, str) else None
            if match:
                firsts.append(int(match[1]))
                seconds.append(int(match[2]))
        if seconds and max(seconds) > 12 and max(firsts) <= 12:
            plan.date_order[column.to] = "MDY"
            plan.notes.append(f"{column.to}: dates written month first (e.g. 12/31/2020), read as MDY")


# --- applying a plan ------------------------------------------------------------------------------

def apply_plan(grid: G.Grid, plan: M.SourcePlan, mapping: M.Mapping) -> tuple[pd.DataFrame, dict, list]:
    """(canonical frame of the source, {column: money factor applied}, issues)."""
    table = plan.table
    spec = contract.TABLES[table]
    kinds = {c.name: c.kind for c in spec.columns}
    source = str(grid.path) + (f" [{grid.sheet}]" if grid.sheet is not None else "")
    start = max(plan.header_rows) if plan.header_rows else 0
    dropped = plan.dropped()
    rows = [i for i in range(start, len(grid.cells)) if i + 1 not in dropped
            and any(v is not None and str(v).strip() for v in grid.cells[i])]
    columns: dict[str, list] = {}
    for column in plan.columns:
        if column.to in kinds or column.to == "private":
            j = column_index(column.letter)
            name = column.to if column.to in kinds else privacy.private_name(column.header)
            columns[name] = [grid.cells[i][j] if j < len(grid.cells[i]) else None for i in rows]
    raw = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    if len(raw.columns) == 0:
        raw = pd.DataFrame(index=range(len(rows)))
    for name in raw.columns:
        if kinds.get(name) == "str":
            raw[name] = raw[name].map(lambda v: io._code_text(v) if L.is_number(v) else v)
        if plan.date_order.get(name) == "MDY":
            raw[name] = raw[name].map(_mdy_to_iso)
    if table == "group_months" and "month" not in raw.columns and plan.month:
        raw["month"] = plan.month
    raw.attrs.update(source=source, table=table, rows=io.encode_rows(np.array(rows, dtype=np.int64) + 1))
    frame = io.to_canonical(raw, table=table)
    issues = problems.issues_from_attrs(frame)
    factors = {}
    unit = plan.money_unit if plan.money_unit is not None else mapping.money_unit
    for column in plan.columns:
        if column.to in kinds and spec.column(column.to).unit == "million VND":
            factor = unit * (io.money_unit_factor(_header_unit(column.header)) or 1.0)
            if factor != 1.0:
                frame[column.to] = frame[column.to] * factor
                factors[column.to] = factor
    issues += _check_totals(grid, plan, frame, rows, factors, source)
    for column in plan.columns:
        name = column.note.split("which column is ")[1].split(" ")[0] if "which column is " in column.note else None
        if name and not any(c.to == name for c in plan.columns) and column is next(
                c for c in plan.columns if c.note == column.note):
            letters = " and ".join(c.letter for c in plan.columns if c.note == column.note)
            issues.append(problems.Issue(
                "error", table, source, None, name, "duplicate_column", column.header,
                f"columns {letters} have the same header {column.header!r} (e.g. opening and closing balance), "
                f"so which one is {name} cannot be told; in {MAPPING_NAME} set to: {name} on the right column"))
    if table == "group_months" and "month" not in frame.columns:
        issues.append(problems.Issue("error", table, source, None, "month", "sheet_month", None,
                                   "no month column, and neither the sheet name, the file name nor the title "
                                   "gives a month; set month: YYYY-MM for this source in the mapping"))
    frame.attrs["issues"] = []
    return frame, factors, issues


def _header_unit(header: str) -> str | None:
    for part in reversed(header.split(" / ")):
        match = io._UNIT_SUFFIX.match(part)
        if match:
            return match["unit"].strip()
    return None


def _mdy_to_iso(value):
    if not isinstance(value, str):
        return value
    match = _DMY.match(value)
    if not match:
        return value
    return f"{int(match[3]):04d}-{int(match[1]):02d}-{int(match[2]):02d}"


def _check_totals(grid: G.Grid, plan: M.SourcePlan, frame: pd.DataFrame, rows: list[int], factors: dict,
                  source: str) -> list:
    """Totals and subtotals dropped from the source must equal the sums of the rows they cover."""
    spec = contract.TABLES[plan.table]
    numeric = {c.to: column_index(c.letter) for c in plan.columns
               if c.to in {col.name for col in spec.columns if col.kind in ("int", "float")}}
    totals = sorted((row, reason) for row, reason in plan.dropped().items()
                    if reason.startswith(("total row", "subtotal row")))
    if not totals or not numeric or frame.empty:
        return []
    position = np.array(rows) + 1
    issues, segment_start = [], 0
    for row, reason in totals:
        grand = reason.startswith("total row")
        covered = (position < row) & (position >= (0 if grand else segment_start))
        cells = grid.cells[row - 1]
        for name, j in numeric.items():
            value = cells[j] if j < len(cells) else None
            if value is None:
                continue
            parsed, bad, _ = io.parse_numbers(pd.Series([value], dtype=object))
            if bad.any() or parsed.isna().any():
                continue
            stated = float(parsed.iloc[0]) * factors.get(name, 1.0)
            summed = float(frame[name][covered].sum())
            if abs(stated - summed) > TOTAL_TOL + 1e-9 * abs(summed):
                issues.append(problems.Issue(
                    "warning", plan.table, source, row, name, "totals_mismatch", f"{stated:,.6g} vs {summed:,.6g}",
                    f"the dropped {reason.split(' (')[0]} says {stated:,.6g} but the rows above it sum to "
                    f"{summed:,.6g}: a row may be missing or the total is stale"))
        if not grand:
            segment_start = row
    if not issues:
        plan.notes.append(f"{len(totals)} total row(s) checked: equal to the sums of the rows")
    return issues


# --- codes ---------------------------------------------------------------------------------------

CODE_HOMES = {"group_id": ("groups", "group_id"), "commune": ("units", "commune"),
              "district": ("units", "district"), "province": ("units", "province")}


def restore_codes(tables: dict[str, pd.DataFrame], mapping: M.Mapping) -> list[str]:
    """Give codes back their leading zeros: from the tables that kept them (``restore_zeros``) and
    by padding to a width (``pad_codes``). Returns notes on what was changed."""
    notes = []
    for column, width in mapping.pad_codes.items():
        for name, frame in tables.items():
            if column in frame:
                digits = frame[column].notna() & frame[column].astype("str").str.fullmatch(r"\d+")
                frame.loc[digits, column] = frame.loc[digits, column].astype("str").str.zfill(int(width))
                notes.append(f"{name}.{column}: zero-padded to {width} digits (pad_codes)")
    if not mapping.restore_zeros:
        return notes
    for column in CODE_HOMES:
        known: dict[str, set] = {}
        for frame in tables.values():
            if column in frame:
                for code in frame[column].dropna().astype("str").unique():
                    if code.isdigit() and code.startswith("0"):
                        known.setdefault(code.lstrip("0"), set()).add(code)
        unique = {k: next(iter(v)) for k, v in known.items() if len(v) == 1}
        if not unique:
            continue
        for name, frame in tables.items():
            if column not in frame:
                continue
            codes = frame[column].astype("str")
            fix = frame[column].notna() & codes.isin(unique.keys()) & ~codes.str.startswith("0")
            if fix.any():
                frame.loc[fix, column] = codes[fix].map(unique)
                notes.append(f"{name}.{column}: leading zeros restored on {int(fix.sum()):,} rows "
                             f"(e.g. {codes[fix].iloc[0]} -> {unique[codes[fix].iloc[0]]}), matched against the "
                             f"tables that keep them as text")
    return notes


def lost_zero_warnings(tables: dict[str, pd.DataFrame]) -> list:
    """Codes that look numeric with varying widths and no table to restore them from."""
    out = []
    for column in CODE_HOMES:
        for name, frame in tables.items():
            if column not in frame or frame.empty:
                continue
            codes = frame[column].dropna().astype("str")
            if not len(codes) or not codes.str.fullmatch(r"\d+").all() or codes.str.startswith("0").any():
                continue
            widths = codes.str.len()
            if widths.nunique() > 1:
                out.append(problems.Issue(
                    "warning", name, name, None, column, "code_as_number", f"{widths.min()}-{widths.max()} digits",
                    f"{column} codes are numbers of {widths.min()} to {widths.max()} digits: if they had leading zeros, "
                    f"no table kept them; set pad_codes: {{{column}: <width>}} in the mapping to restore them"))
    return out


# --- the whole import ----------------------------------------------------------------------------

def raw_files(raw_dir: Path) -> list[Path]:
    return sorted(p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() in G.FORMATS
                  and not p.name.startswith((".", "~$")))


def plan_folder(raw_dir: Path, *, mapping: M.Mapping | None, keep_personal=()) -> tuple[M.Mapping, dict, list]:
    """(mapping, {(file, sheet): grid}, issues): guessed for every file, or checked against ``mapping``."""
    grids: dict[tuple, G.Grid] = {}
    issues = []
    files = raw_files(raw_dir)
    shas = {}
    for path in files:
        rel = path.relative_to(raw_dir).as_posix()
        try:
            for grid in G.read_grids(path):
                grids[(rel, grid.sheet)] = grid
            shas[rel] = G.sha256(path)
        except io.FileProblem as exc:
            issues.append(problems.Issue("error", "?", str(path), None, None, exc.rule, None, str(exc)))
    if mapping is not None:
        for source in mapping.sources:
            if (source.file, source.sheet) not in grids:
                issues.append(problems.Issue("error", source.table or "?", str(raw_dir / source.file), None, None,
                                           "mapping_stale", source.label,
                                           "the mapping names a file or sheet that is not in the folder"))
            elif source.sha256 and shas.get(source.file) != source.sha256:
                issues.append(problems.Issue("error", source.table or "?", str(raw_dir / source.file), None, None,
                                           "mapping_stale", source.file, "the file changed since the mapping was "
                                           "written; rerun without --mapping (or fix sha256) to plan it again"))
        named = {(s.file, s.sheet) for s in mapping.sources} | {(i.get("file"), i.get("sheet")) for i in mapping.ignored}
        for key in grids:
            if key not in named:
                issues.append(problems.Issue("warning", "?", str(raw_dir / key[0]), None, None, "mapping_stale",
                                           key[0], "not in the mapping, so not imported (rerun without --mapping "
                                                   "to plan it)"))
        return mapping, grids, issues
    keep = {io.normalize_label(k) for k in keep_personal}
    mapping = M.Mapping(raw_dir=str(raw_dir), keep_personal=list(keep_personal))
    for (rel, sheet), grid in grids.items():
        plan, why = guess_plan(grid, sha=shas[rel], keep_personal=keep)
        if plan is None:
            if any(any(v is not None for v in row) for row in grid.cells):
                mapping.ignored.append({"file": rel, "sheet": sheet, "reason": why})
            continue
        plan.file = rel
        mapping.sources.append(plan)
    return mapping, grids, issues


def import_folder(raw_dir: str | Path, out_dir: str | Path, *, mapping_path: str | Path | None = None,
                  keep_personal=(), write: bool = True) -> ImportResult:
    """Import every export in ``raw_dir`` into contract tables in ``out_dir`` (Parquet).

    The mapping is always written to ``out_dir/import-mapping.yml``; the tables only when the
    imported data pass ``schema.validate`` (errors name the cause and the fix). Inputs are only read.
    """
    started = time.perf_counter()
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise problems.DataContractError(problems.ValidationReport.from_issues([problems.Issue(
            "error", "?", str(raw_dir), None, None, "no_folder", None, "folder not found")]))
    given = M.read(mapping_path) if mapping_path else None
    mapping, grids, issues = plan_folder(raw_dir, mapping=given, keep_personal=keep_personal)
    parts: dict[str, list[pd.DataFrame]] = {}
    per_source_money = []
    for plan in mapping.sources:
        grid = grids.get((plan.file, plan.sheet))
        if grid is None or plan.table not in contract.TABLES:
            continue
        frame, _, source_issues = apply_plan(grid, plan, mapping)
        issues += source_issues
        parts.setdefault(plan.table, []).append(frame)
        if plan.table == "group_months" and {"borrowers", "outstanding"} <= set(frame.columns):
            from analysis.data import plausibility
            values = plausibility.per_borrower(frame)
            if len(values):
                per_source_money.append((plan, float(values.median())))
    tables = {name: _concat(frames, name, raw_dir) for name, frames in parts.items()}
    notes = restore_codes(tables, mapping)
    if given is not None and given.gso_codes:  # the user's (edited) suggestions: applied where confirmed
        mapping.gso_codes = given.gso_codes
        tables, recoded = gso.apply(tables, given.gso_codes)
        notes += [recoded] if recoded else []
    elif gso.needs_codes(tables.get("units")):
        mapping.gso_codes = gso.suggest(tables["units"])
    if mapping.gso_codes:
        notes.append(gso.summary(mapping.gso_codes))
    issues += lost_zero_warnings(tables)
    issues += _money_sources(per_source_money, raw_dir)
    for frame in tables.values():
        frame.attrs["canonical"] = True
    report = schema.validate(tables, extra_issues=issues)
    if any(i.rule == "money_unit" and i.file == str(raw_dir) for i in issues):  # one line, with the sources named
        report = problems.ValidationReport.from_issues(
            [i for i in report.issues if not (i.rule == "money_unit" and i.file != str(raw_dir))], report.rows)
    for plan in mapping.sources:
        plan.notes = list(dict.fromkeys(plan.notes))
    result = ImportResult(tables=tables, mapping=mapping, report=report)
    result.mapping.ignored = mapping.ignored
    result.notes = notes  # type: ignore[attr-defined]
    if write:
        out_dir.mkdir(parents=True, exist_ok=True)
        result.written.append(M.write(mapping, out_dir / MAPPING_NAME))
        if report.ok:
            result.written += _write_tables(tables, out_dir)
    result.seconds = time.perf_counter() - started
    if write:
        from analysis.atomic import write_text

        result.written.append(write_text(out_dir / REPORT_NAME, summary_text(result, out_dir) + "\n"))
    return result


def _concat(frames: list[pd.DataFrame], table: str, raw_dir: Path) -> pd.DataFrame:
    frames = [f for f in frames if len(f.columns)]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    sources = sorted({f.attrs.get("source", "") for f in frames})
    out.attrs = {"table": table, "source": sources[0] if len(sources) == 1 else f"{raw_dir}/ ({len(sources)} sources)",
                 "canonical": True}
    return out


def _money_sources(per_source: list, raw_dir: Path) -> list:
    """Sources whose money is a thousand times or more off: one line naming them and the unit to set."""
    from analysis.data import plausibility
    if not per_source:
        return []
    median = float(np.median([m for _, m in per_source]))
    low, high = plausibility.PER_BORROWER_RANGE
    if not low <= median <= high:  # every source off: one unit for the whole mapping
        factor = plausibility.suggest_money_factor(median)
        if factor is None:
            return []
        return [problems.Issue("error", "group_months", str(raw_dir), None, "outstanding", "money_unit", f"{median:,.6g}",
                             f"outstanding per borrower is {median:,.6g} million VND in the exports: the money looks "
                             f"like {plausibility.UNIT_NAMES[factor]}; set money_unit: {factor:g} at the top of "
                             f"{MAPPING_NAME} and rerun with --mapping")]
    odd = [(plan, m) for plan, m in per_source if plausibility.suggest_money_factor(m) is not None]
    if not odd:
        return []
    factor = plausibility.suggest_money_factor(odd[0][1])
    names = ", ".join(p.label for p, _ in odd[:5]) + (f" and {len(odd) - 5} more" if len(odd) > 5 else "")
    return [problems.Issue("error", "group_months", str(raw_dir), None, "outstanding", "money_unit", names,
                         f"{len(odd)} source(s) look like {plausibility.UNIT_NAMES.get(factor, 'another unit')} "
                         f"while the rest are in million VND: {names}; set money_unit: {factor:g} on those "
                         f"sources in {MAPPING_NAME} and rerun with --mapping")]


def _write_tables(tables: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    from analysis.atomic import atomic_path

    written = []
    for name, frame in tables.items():
        frame = frame.copy()
        frame.attrs = {}
        with atomic_path(out_dir / f"{name}.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
        written.append(out_dir / f"{name}.parquet")
    return written


def summary_text(result: ImportResult, out_dir: Path) -> str:
    """What was imported, from where, what was dropped and why, and the problems (one line a cause)."""
    mapping, report = result.mapping, result.report
    lines = [f"Import of {mapping.raw_dir}: {len(mapping.sources)} source(s) in {result.seconds:.1f} s"]
    for name in contract.TABLES:
        if name in result.tables:
            n_sources = sum(1 for s in mapping.sources if s.table == name)
            lines.append(f"  {name:<13} {len(result.tables[name]):>10,} rows from {n_sources} source(s)")
    personal = sorted({c.header for s in mapping.sources for c in s.columns if c.to == "personal"})
    kept = sorted({c.header for s in mapping.sources for c in s.columns if c.to == "private"})
    if personal:
        lines.append("  personal data dropped (never loaded or published): " + ", ".join(personal))
    if kept:
        lines.append("  personal data kept as asked (never published): " + ", ".join(kept))
    reasons: dict[str, int] = {}
    for source in mapping.sources:
        for reason in source.dropped().values():
            key = re.sub(r" \(.*\)$", "", reason)
            reasons[key] = reasons.get(key, 0) + 1
    if reasons:
        lines.append("  rows left out: " + ", ".join(f"{n:,} {k}" for k, n in sorted(reasons.items())))
    counted: dict[str, int] = {}
    for source in mapping.sources:
        for note in source.notes:
            if not note.startswith("month "):
                key = re.sub(r"^\d+ total", "N total", note)
                counted[key] = counted.get(key, 0) + (int(note.split()[0]) if key != note else 1)
    guesses = sorted(note.replace("N total", f"{n} total") if note.startswith("N total")
                     else note + (f" ({n} sources)" if n > 1 else "") for note, n in counted.items())
    months = sum(1 for s in mapping.sources if s.month_from in ("sheet", "file", "title"))
    if months:
        lines.append(f"  month taken from the sheet name, file name or title for {months} source(s)")
    for note in guesses[:10] + list(getattr(result, "notes", [])):
        lines.append(f"  {note}")
    for item in mapping.ignored[:10]:
        lines.append(f"  not imported: {item['file']}" + (f" [{item['sheet']}]" if item.get("sheet") else "")
                     + f": {item['reason']}")
    lines.append(report.to_text())
    if report.ok:
        lines.append(f"Written to {out_dir}: the contract tables (Parquet) and {MAPPING_NAME}.")
    else:
        lines.append(f"Nothing but {MAPPING_NAME} written to {out_dir}: fix the causes above (most in the mapping) "
                     f"and rerun with --mapping {out_dir / MAPPING_NAME}.")
    return "\n".join(lines)
