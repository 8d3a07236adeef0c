"""The synthetic country: generation time and peak memory, validation, and national totals against the
published figures (prints figures; not a test).

    .venv/bin/python benchmarks/bench_country.py [--out DIR] [--scale 1.0] [--skip-validate]

Steps, each in a fresh process so that its peak resident memory (ru_maxrss) is its own:

1. ``synth --country`` for the whole country (63 provinces, 2012-01..2026-10);
2. the same for the 5 largest provinces alone: memory is bounded when its peak is that of step 1
   (provinces are generated and written one at a time);
3. ``validate`` on the whole country, and on one province (``--provinces 94``);
4. the national totals by year read back from the files, against shared/domain.md 4.1.

The whole country takes about 1.5 minutes and under 1 GB to generate, and validating it about 2
minutes and 8 GB on the 2-core development machine: run it when the machine is otherwise quiet.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
if args["step"] == "generate":
    from analysis.data.synthetic import country
    summary = country.write_country(args["out"], seed=args["seed"], scale=args["scale"], codes=args["codes"])
    extra = {"rows": summary["rows"], "hash": summary["content_hash"][:16]}
else:
    from analysis.data import io, schema
    tables, issues = io.collect_folder(args["out"], provinces=args["codes"])
    report = schema.validate(tables, extra_issues=issues)
    extra = {"ok": report.ok, "errors": report.n_errors, "warnings": report.n_warnings,
             "rows": {k: len(v) for k, v in tables.items()}}
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}))
"""

LARGEST = ["01", "38", "40", "49", "79"]  # Hà Nội, Thanh Hóa, Nghệ An, Quảng Nam, TP Hồ Chí Minh


def step(**args) -> dict:
    res = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=None, help="folder for the country (default: a temporary folder)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20211231)
    parser.add_argument("--skip-validate", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or str(Path(tmp) / "country")
        whole = step(step="generate", out=out, seed=args.seed, scale=args.scale, codes=None)
        print(f"synth --country (63 provinces, scale {args.scale}): {whole['seconds']:.1f} s, "
              f"peak {whole['peak_rss_mib']:,.0f} MiB, content hash {whole['hash']}")
        print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in whole["rows"].items()))
        five = step(step="generate", out=str(Path(tmp) / "five"), seed=args.seed, scale=args.scale, codes=LARGEST)
        print(f"the 5 largest provinces alone: {five['seconds']:.1f} s, peak {five['peak_rss_mib']:,.0f} MiB "
              f"(63 provinces: {whole['peak_rss_mib']:,.0f} MiB: memory does not grow with the provinces)")
        if not args.skip_validate:
            for codes, label in ((None, "whole country"), (["94"], "--provinces 94")):
                v = step(step="validate", out=out, seed=args.seed, scale=args.scale, codes=codes)
                print(f"validate, {label}: {v['seconds']:.1f} s, peak {v['peak_rss_mib']:,.0f} MiB, "
                      f"ok={v['ok']} ({v['errors']} errors, {v['warnings']} warnings), "
                      f"group_months {v['rows'].get('group_months', 0):,} rows")
        print_totals(out)
    return 0


def print_totals(out: str) -> None:
    import pandas as pd

    from analysis.data.synthetic import country

    truth = json.loads((Path(out) / "truth.json").read_text())
    table = country.totals_table(truth)
    read_back = country.national_totals(out).set_index("month")
    print("\nnational totals: published (shared/domain.md 4.1) vs generated (truth.json)")
    with pd.option_context("display.width", 120, "display.float_format", "{:,.4g}".format):
        print(table.to_string(index=False))
    by_year = read_back[read_back.index.month == 12]
    print("\ngenerated, end of each year (read back from the files, one province at a time)")
    cols = {"groups": "groups", "borrowers": "borrowers", "outstanding": "outstanding (bn VND)",
            "overdue_ratio_pct": "overdue %", "overdue_frozen_ratio_pct": "overdue+frozen %"}
    shown = by_year.assign(outstanding=by_year["outstanding"] / 1e3)[list(cols)].rename(columns=cols)
    shown.index = shown.index.year
    with pd.option_context("display.width", 120, "display.float_format", "{:,.3f}".format):
        print(shown.to_string(formatters={"groups": "{:,.0f}".format, "borrowers": "{:,.0f}".format,
                                          "outstanding (bn VND)": "{:,.0f}".format}))


if __name__ == "__main__":
    raise SystemExit(main())
