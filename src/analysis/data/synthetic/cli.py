"""The ``synth`` command: write the synthetic province (the embedded default) or the synthetic country.

It sits above both generators (``province`` for the province, ``country``, which builds on it, for
the 63 provinces), so that the import graph keeps one direction.
"""

from __future__ import annotations

from analysis.data.synthetic import country, design, province
from analysis.errors import UserError


def add_arguments(parser) -> None:
    parser.add_argument("--out", default=None, help="output folder (default data/sample; required with --country)")
    parser.add_argument("--seed", type=int, default=design.DEFAULT_SEED, help=f"seed (default {design.DEFAULT_SEED})")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the province's groups (default 1)")
    parser.add_argument("--country", action="store_true",
                        help="write the synthetic country instead (63 provinces, 2012-01..2026-10, the July 2025 "
                             "reorganisation) as Parquet partitioned by province (analysis.data.synthetic.country)")
    parser.add_argument("--provinces", default=None, metavar="CODES",
                        help="with --country: only these pre-2025 province codes, comma-separated (e.g. 94,92,01)")


def run(args) -> int:
    if args.country:
        return country.run(args)
    if args.provinces:
        raise UserError("--provinces only applies with --country")
    args.out = args.out or "data/sample"
    summary = province.write_sample(args.out, seed=args.seed, scale=args.scale)
    rows = ", ".join(f"{k} {v:,}" for k, v in summary["rows"].items())
    print(f"SYNTHETIC sample written to {args.out} in {summary['seconds']} s: {rows}")
    print(f"content hash {summary['content_hash'][:16]}")
    return 0
