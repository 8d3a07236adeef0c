"""Reading a folder of contract tables, checked: the entry point every analysis uses.

``io`` reads and parses files (problems found while reading travel with each frame), ``schema``
checks the parsed tables against the contract; ``load`` does both and refuses data that break it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.data import official, problems, schema
from analysis.data.io import collect_folder, with_defaults


def load(directory: str | Path, validate: bool = True, *, keep_personal: Iterable[str] = (),
         provinces: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Read a folder of tables and (by default) check them against the data contract.

    A table may be a folder of Parquet parts partitioned by province (``group_months/province=94/
    part-0.parquet``, as ``synth --country`` writes); ``provinces`` (pre-2025 codes) reads only those
    provinces (``io.collect_folder``).

    Columns holding personal data are dropped while reading (``strip_personal``); those named in
    ``keep_personal`` are kept as ``private_<name>``, which no report may publish.

    Data that run past June 2025 without successor columns get the official default successors of their
    (GSO-coded) communes (``official.fill_successors``; the input files are not touched).

    Group-month columns the contract lets default (``frozen``, ``interest_arrears``: 0) are
    added when absent; other optional columns stay absent.

    Raises:
        problems.DataContractError: a file cannot be read, or (with ``validate``) any rule fails.
    """
    tables, issues = collect_folder(directory, keep_personal=keep_personal, provinces=provinces)
    tables, filled = official.fill_successors(tables)
    issues = [*issues, *filled]
    if validate:
        report = schema.validate(tables, extra_issues=issues)
        if not report.ok:
            raise problems.DataContractError(report)
    elif any(i.severity == "error" for i in issues):
        raise problems.DataContractError(problems.ValidationReport.from_issues(issues))
    return {name: with_defaults(frame, table=name) for name, frame in tables.items()}
