"""Reading a folder of a user's tables (one file per table, or a folder of Parquet parts per table)
and keeping some provinces.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.data import contract, problems
from analysis.data.io.datasets import PART_SUFFIXES, dataset_files
from analysis.data.io.headers import FORMATS
from analysis.data.io.parsing import _rows, encode_rows
from analysis.data.io.reading import _read_checked, table_for_path


def read_folder(directory: str | Path, *, provinces: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Read every table file in a folder (one per table, found by stem) into canonical tables.

    Raises ``problems.DataContractError`` if a file cannot be read at all or two files claim one
    table; value-level problems are left for ``schema.validate`` (``attrs["issues"]``).
    """
    tables, issues = collect_folder(directory, provinces=provinces)
    fatal = [i for i in issues if i.severity == "error"]
    if fatal:
        raise problems.DataContractError(problems.ValidationReport.from_issues(issues))
    return tables


def collect_folder(directory: str | Path, *, keep_personal: Iterable[str] = (),
                   provinces: Iterable[str] | None = None) -> tuple[dict[str, pd.DataFrame], list]:
    """(tables, folder- and file-level issues) for a folder; never raises for bad files.

    A table may be one file (``group_months.parquet``) or a folder of Parquet parts named like the
    table (``group_months/`` or ``group_months.parquet/``), partitioned by province
    (``group_months/province=94/part-0.parquet``; see ``read_dataset``). ``provinces`` (pre-2025
    province codes) keeps only those provinces: partition folders of other provinces are not read,
    and the rows of whole-file tables are restricted to the units of those provinces
    (``restrict_provinces``).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise problems.DataContractError(problems.ValidationReport.from_issues([problems.Issue(
            "error", "?", str(directory), None, None, "no_folder", None, "folder not found")]))
    provinces = None if provinces is None else sorted({str(p).strip() for p in provinces})
    found: dict[str, list[Path]] = {}
    issues, unknown = [], []
    for path in sorted(p for p in directory.iterdir() if not p.name.startswith((".", "~$"))):
        if path.is_dir():  # a table as a folder of parts: group_months/ (or group_months.parquet/, as Dask writes)
            table = table_for_path(path.name)
            if table is not None and Path(path.name).suffix.lower() in ("", *PART_SUFFIXES) and dataset_files(path):
                found.setdefault(table, []).append(path)
            continue
        table = table_for_path(path)
        if path.suffix.lower() not in FORMATS:
            continue
        elif table is None:
            unknown.append(path)
        else:
            found.setdefault(table, []).append(path)
    if len(unknown) == 1:
        issues.append(problems.Issue("warning", "?", str(unknown[0]), None, None, "unknown_file", unknown[0].stem,
                                   "file name is not a table name; ignored"))
    elif unknown:  # one line for many (e.g. one file per commune)
        names = ", ".join(repr(p.name) for p in unknown[:3])
        issues.append(problems.Issue("warning", "?", str(directory), None, None, "unknown_file",
                                     f"{len(unknown)} files",
                                   f"{len(unknown)} files whose names are not table names were ignored ({names} ...); "
                                   "one file per commune, district or month? `python -m analysis import` stacks them"))
    tables = {}
    for table, paths in sorted(found.items(), key=lambda item: list(contract.TABLES).index(item[0])):
        if len(paths) > 1:
            for path in paths:
                issues.append(problems.Issue("error", table, str(path), None, None, "duplicate_table", None,
                                           f"{len(paths)} files hold table {table}: "
                                           + ", ".join(p.name for p in paths)))
            continue
        frame, file_issues = _read_checked(paths[0], table, keep_personal=keep_personal, provinces=provinces)
        issues.extend(i for i in file_issues if frame is None)
        if frame is not None:
            tables[table] = frame
    if provinces is not None:
        tables = restrict_provinces(tables, provinces)
    return tables, issues


def restrict_provinces(tables: dict[str, pd.DataFrame], provinces: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Only the rows of the given pre-2025 provinces: units by ``province``; groups by their commune;
    group_months by their group; reforms by district; briefings by their unit at its level. Tables read
    from province partitions are already restricted and left as they are. Row numbers are kept."""
    wanted = {str(p) for p in provinces}
    out = dict(tables)
    units = out.get("units")
    if units is None or "province" not in units:
        return out
    units = out["units"] = _keep(units, units["province"].isin(wanted))
    keys = {"commune": set(units.get("commune", ())), "district": set(units.get("district", ())),
            "province": set(units["province"]) | set(units.get("successor_province", pd.Series(dtype="str")).dropna())}
    groups = out.get("groups")
    if groups is not None and "commune" in groups and not groups.attrs.get("parts"):
        groups = out["groups"] = _keep(groups, groups["commune"].isin(keys["commune"]))
    gm = out.get("group_months")
    if gm is not None and groups is not None and "group_id" in gm and not gm.attrs.get("parts"):
        out["group_months"] = _keep(gm, gm["group_id"].isin(set(groups["group_id"])))
    reforms = out.get("reforms")
    if reforms is not None and "unit" in reforms and not reforms.attrs.get("parts"):
        out["reforms"] = _keep(reforms, reforms["unit"].isin(keys["district"]))
    briefings = out.get("briefings")
    if briefings is not None and {"level", "unit"} <= set(briefings.columns) and not briefings.attrs.get("parts"):
        mask = pd.Series(False, index=briefings.index)
        for level, codes in keys.items():
            mask |= briefings["level"].eq(level) & briefings["unit"].isin(codes)
        out["briefings"] = _keep(briefings, mask)
    return out


def _keep(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """Rows where ``mask`` holds, with their spreadsheet row numbers and provenance kept."""
    mask = mask.fillna(False).to_numpy(dtype=bool)
    if mask.all():
        return frame
    attrs = dict(frame.attrs)
    kept = frame[mask].reset_index(drop=True)
    kept.attrs = attrs | {"rows": encode_rows(_rows(frame)[mask])}
    return kept


