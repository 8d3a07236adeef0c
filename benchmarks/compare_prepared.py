"""Are two prepared folders the same numbers? Every table and headline of ``prepare`` compared.

    .venv/bin/python benchmarks/compare_prepared.py BEFORE AFTER [--tol 1e-8]

BEFORE and AFTER are folders written by ``prepare.write_prepared`` (a one-province prepare, or
``DIR/province=XX`` of ``benchmarks/profile_prepare.py --out DIR``; a folder holding several
``province=XX`` folders is compared province by province). Tables (the national parts in ``parts/``
too) must have the same names, columns, rows (in order) and non-numeric values; numeric columns may
differ by at most ``--tol`` (absolute, or relative to the value when it is larger than 1; NaN equals
NaN). The headlines in meta.json too. Prints the largest difference of each table and exits 1 when
any is over the tolerance.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def _scaled_diff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(float), b.astype(float)
    same_nan = np.isnan(a) & np.isnan(b)
    same_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    if ((np.isnan(a) | np.isnan(b)) & ~same_nan).any():
        return float("inf")
    ok = ~(same_nan | same_inf)
    if not ok.any():
        return 0.0
    diff = np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(a[ok]))
    return float(diff.max()) if diff.size else 0.0


def compare_tables(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, str]:
    """(largest scaled numeric difference, "" or what differs besides numbers)."""
    if list(a.columns) != list(b.columns):
        return float("inf"), f"columns {list(a.columns)} != {list(b.columns)}"
    if len(a) != len(b):
        return float("inf"), f"{len(a)} rows != {len(b)}"
    worst = 0.0
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y) \
                and not pd.api.types.is_bool_dtype(x):
            worst = max(worst, _scaled_diff(x.to_numpy(dtype=float, na_value=np.nan),
                                            y.to_numpy(dtype=float, na_value=np.nan)))
        elif not x.astype(str).reset_index(drop=True).equals(y.astype(str).reset_index(drop=True)):
            return float("inf"), f"column {col!r} differs"
    return worst, ""


def _headline_numbers(meta: dict) -> dict[str, float]:
    out = {}
    for name, est in (meta.get("headlines") or {}).items():
        for key, value in est.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[f"{name}.{key}"] = float(value)
    return out


def compare_folders(before: Path, after: Path, *, tol: float) -> bool:
    names_a = {str(p.relative_to(before).with_suffix("")) for p in before.rglob("*.parquet")}
    names_b = {str(p.relative_to(after).with_suffix("")) for p in after.rglob("*.parquet")}
    ok = True
    if names_a != names_b:
        print(f"  tables differ: only before {sorted(names_a - names_b)}, only after {sorted(names_b - names_a)}")
        ok = False
    worst_all = 0.0
    for name in sorted(names_a & names_b):
        worst, problem = compare_tables(pd.read_parquet(before / f"{name}.parquet"),
                                        pd.read_parquet(after / f"{name}.parquet"))
        worst_all = max(worst_all, worst)
        if problem or worst > tol:
            print(f"  {name}: {problem or f'max difference {worst:.3g}'}")
            ok = False
        elif worst > 0:
            print(f"  {name}: max difference {worst:.3g}")
    ha = _headline_numbers(json.loads((before / "meta.json").read_text(encoding="utf-8")))
    hb = _headline_numbers(json.loads((after / "meta.json").read_text(encoding="utf-8")))
    if set(ha) != set(hb):
        print(f"  headlines differ: {sorted(set(ha) ^ set(hb))}")
        ok = False
    for key in sorted(set(ha) & set(hb)):
        d = _scaled_diff(np.array([ha[key]]), np.array([hb[key]]))
        worst_all = max(worst_all, d)
        if d > tol:
            print(f"  headline {key}: {ha[key]!r} != {hb[key]!r}")
            ok = False
    print(f"{after.name}: {len(names_a & names_b)} tables, largest difference {worst_all:.3g} "
          f"({'identical within' if ok else 'OVER'} {tol:g})")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--tol", type=float, default=1e-8)
    args = parser.parse_args(argv)
    pairs = [(args.before, args.after)]
    if not (args.before / "meta.json").exists():
        pairs = [(p, args.after / p.name) for p in sorted(args.before.glob("province=*"))]
    ok = all([compare_folders(a, b, tol=args.tol) for a, b in pairs])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
