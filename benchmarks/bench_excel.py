"""Reading a province-size group_months sheet from .xlsx (prints figures; not a test).

    .venv/bin/python benchmarks/bench_excel.py [--scale 1.0] [--repeat 3] [--openpyxl]

Writes the sample's group_months (345,227 rows at scale 1) to one .xlsx sheet with xlsxwriter,
then times, each in a fresh process: ``io.read_table`` (python-calamine, the contract reader used
by ``validate``), ``python -m analysis import`` on a folder with that workbook, and, with
``--openpyxl``, openpyxl's read-only reader that ``io`` used before (100-180 s at scale 1).
Target (issue 10): the 345k-row sheet under 15 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = {
    "io.read_table (calamine)": r"""
import json, sys, time
t0 = time.perf_counter()
from analysis.data import io
frame = io.read_table(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": len(frame)}))
""",
    "import (calamine, layout, checks)": r"""
import json, sys, time
t0 = time.perf_counter()
from analysis.data.imports import import_folder
result = import_folder(sys.argv[2], sys.argv[3])
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": len(result.tables["group_months"]),
                  "ok": result.report.ok}))
""",
    "openpyxl read-only (before)": r"""
import json, sys, time
t0 = time.perf_counter()
import openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows}))
""",
}


def write_workbook(path: Path, scale: float, seed: int) -> tuple[int, float]:
    import xlsxwriter

    from analysis.data import synthetic
    tables = synthetic.generate(seed=seed, scale=scale).tables
    gm = tables["group_months"]
    t0 = time.perf_counter()
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("group_months")
    month = book.add_format({"num_format": "mm/yyyy"})
    sheet.write_row(0, 0, list(gm.columns))
    for i, row in enumerate(gm.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            if j == 1:
                sheet.write_datetime(i, j, value.to_pydatetime(), month)
            elif isinstance(value, str):
                sheet.write_string(i, j, value)
            elif value == value:  # not NaN
                sheet.write_number(i, j, value)
    book.close()
    for name in ("units", "groups"):
        tables[name].to_parquet(path.parent / f"{name}.parquet")
    return len(gm), time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20211231)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl (slow: minutes at scale 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vbsp-bench-excel-") as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        path = raw / "group_months.xlsx"
        rows, seconds = write_workbook(path, args.scale, args.seed)
        print(f"wrote {rows:,} group-months to {path.name} ({path.stat().st_size / 2**20:.1f} MiB) in {seconds:.1f} s")
        for name, code in CHILD.items():
            if name.startswith("openpyxl") and not args.openpyxl:
                continue
            runs = []
            for k in range(args.repeat if not name.startswith("openpyxl") else 1):
                out = Path(tmp) / f"out{k}"
                done = subprocess.run([sys.executable, "-c", code, str(path), str(raw), str(out)],
                                      check=True, capture_output=True, text=True)
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            times = [r["seconds"] for r in runs]
            extra = ", ok" if runs[0].get("ok") else (", NOT ok" if "ok" in runs[0] else "")
            print(f"{name:<36} {statistics.median(times):6.1f} s median of {len(times)} "
                  f"(min {min(times):.1f}, max {max(times):.1f}; {runs[0]['rows']:,} rows{extra})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
