"""``python -m analysis crosswalk --out DIR``: the official old -> new commune map as CSV and Excel.

For users who join other commune data (poverty rates, population, ...) across the 1 July 2025
reorganisation. One row per (old commune, new commune) pair from ``analysis.data.registry``: the
10,035 communes and five island districts before, the 3,321 communes after; ``default`` marks the
official successor of each old unit (one each), ``divided`` the 471 old communes split among several
new ones (join on ``default`` for a one-to-one map; weight the parts yourself for a split).

Files: ``crosswalk.csv`` (UTF-8 with BOM, which Excel opens with the diacritics right) and
``crosswalk.xlsx`` (sheets ``crosswalk``, ``old_units``, ``new_units`` and ``about``, with the
registry's name and version). Written atomically; ``--provinces`` keeps some old provinces.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from analysis import atomic
from analysis.data import registry
from analysis.errors import UserError

COLUMNS = ["province", "province_name", "district", "district_name", "commune", "commune_name",
           "new_province", "new_province_name", "new_commune", "new_commune_name", "default", "divided"]


def tables(provinces: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """The crosswalk and the units on both sides (old provinces ``provinces`` only, where given)."""
    cw = registry.crosswalk()[COLUMNS]
    old = registry.old_communes(islands=True)
    if provinces:
        unknown = sorted(set(provinces) - set(old["province"].astype(str)))
        if unknown:
            raise UserError(f"provinces {', '.join(unknown)} are not pre-2025 GSO province codes (01..96)")
        cw = cw[cw["province"].astype(str).isin(provinces)]
        old = old[old["province"].astype(str).isin(provinces)]
    new = registry.new_communes()
    new = new[new["new_commune"].isin(cw["new_commune"])]
    keep_old = ["province", "province_name", "district", "district_name", "commune", "commune_name", "commune_type",
                "lat", "lon"]
    keep_new = ["new_province", "new_province_name", "new_commune", "new_commune_name", "new_commune_type", "lat",
                "lon", "area_km2"]
    about = pd.DataFrame([{"item": k, "value": str(v)} for k, v in registry.about().items()] + [
        {"item": "rows", "value": f"{len(cw)} (old commune, new commune) pairs"},
        {"item": "default", "value": "True on the official successor of each old unit (one each)"},
        {"item": "divided", "value": "True for old communes divided among several new communes"}])
    return {"crosswalk": cw.reset_index(drop=True), "old_units": old[keep_old].reset_index(drop=True),
            "new_units": new[keep_new].reset_index(drop=True), "about": about}


def write(out_dir: str | Path, provinces: list[str] | None = None) -> dict[str, Path]:
    """Write ``crosswalk.csv`` and ``crosswalk.xlsx`` to ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = tables(provinces)
    csv_path, xlsx_path = out / "crosswalk.csv", out / "crosswalk.xlsx"
    atomic.write_text(csv_path, "\ufeff" + frames["crosswalk"].to_csv(index=False))
    with atomic.atomic_path(xlsx_path) as tmp:
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
            for name, frame in frames.items():
                frame.to_excel(writer, sheet_name=name, index=False)
                writer.sheets[name].freeze_panes(1, 0)
    return {"csv": csv_path, "xlsx": xlsx_path}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for crosswalk.csv and crosswalk.xlsx")
    parser.add_argument("--provinces", default=None, metavar="CODES",
                        help="only these pre-2025 provinces (comma-separated GSO codes, e.g. 92,93,94)")


def run(args: argparse.Namespace) -> int:
    provinces = [p.strip() for p in args.provinces.split(",")] if args.provinces else None
    written = write(args.out, provinces)
    n = len(pd.read_csv(written["csv"], dtype=str, encoding="utf-8-sig"))
    about = registry.about()
    print(f"crosswalk of {n:,} (old commune, new commune) pairs from {about['name']} {about['version']} written to "
          f"{written['csv']} and {written['xlsx']}")
    return 0
