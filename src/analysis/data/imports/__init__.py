"""``python -m analysis import RAW_DIR --out DATA_DIR``: from the spreadsheets VBSP and Union staff
produce to the contract tables, with a record of every decision.

An export may have a title block, a two-row merged header, totals and a signature block, one sheet
per month or one file per commune, codes that lost their leading zeros, money in đồng and
columns of personal data. The import

1. plans each sheet or file (``layout``): header rows, which column feeds which contract column,
   rows to leave out (title, column numbers, totals, headings, signature) and the month (column,
   sheet name, file name or title ``Tháng 12 năm 2020``);
2. applies the plans (``run.apply_plan``): cells to canonical values (``io.to_canonical``),
   header units converted, totals checked against the rows they sum, personal data dropped;
3. stacks the sources of each table, restores leading zeros of codes from the tables that kept
   them, and validates the result (``schema.validate`` with the plausibility checks);
4. writes ``import-mapping.yml`` (``mapping``) always, and the tables as Parquet when they pass.

Rerunning with ``--mapping`` applies an edited mapping without guessing. Inputs are never modified.
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.data.imports.run import MAPPING_NAME, ImportResult, import_folder

__all__ = ["import_folder", "ImportResult", "add_arguments", "run"]


def add_arguments(parser) -> None:
    parser.add_argument("raw_dir", metavar="RAW_DIR", help="folder of exports (.xlsx, .xls, .csv, .parquet; "
                        "sub-folders too); only read")
    parser.add_argument("--out", required=True, metavar="DATA_DIR",
                        help=f"folder for the contract tables (Parquet) and {MAPPING_NAME}")
    parser.add_argument("--mapping", default=None, metavar="FILE",
                        help=f"apply this (edited) mapping instead of guessing, e.g. DATA_DIR/{MAPPING_NAME}")
    parser.add_argument("--keep-personal", action="append", default=[], metavar="HEADER",
                        help="keep this personal-data column (as private_<name>; never published); repeatable")
    parser.add_argument("--show", type=int, default=5, metavar="N", help="rows listed per problem (default 5)")


def run(args) -> int:
    from analysis.data import problems, schema
    try:
        result = import_folder(args.raw_dir, args.out, mapping_path=args.mapping, keep_personal=args.keep_personal)
    except problems.DataContractError as exc:
        print(exc.report.to_text(show=args.show))
        return 1
    print((Path(args.out) / "import-report.txt").read_text(encoding="utf-8").rstrip())
    return 0 if result.report.ok else 1
