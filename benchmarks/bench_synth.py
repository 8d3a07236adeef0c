"""Generation time and peak memory of the synthetic province (prints figures; not a test).

    .venv/bin/python benchmarks/bench_synth.py [--scale 1.0] [--repeat 3]

Each repeat runs in a fresh process so that peak resident memory (ru_maxrss) is that run's own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from analysis.data import synthetic
t1 = time.perf_counter()
summary = synthetic.write_sample(sys.argv[1], seed=int(sys.argv[2]), scale=float(sys.argv[3]))
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "generate_and_write_s": t2 - t1,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": summary["rows"], "hash": summary["content_hash"][:16]}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20211231)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            res = subprocess.run([sys.executable, "-c", CHILD, out, str(args.seed), str(args.scale)],
                                 check=True, capture_output=True, text=True)
            runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    gen = sorted(r["generate_and_write_s"] for r in runs)
    print(f"synthetic province, scale {args.scale}, seed {args.seed}: rows {runs[0]['rows']}")
    print(f"generate + write Parquet: median {gen[len(gen) // 2]:.2f} s (min {gen[0]:.2f}, max {gen[-1]:.2f}) "
          f"over {len(runs)} fresh processes; import {runs[0]['import_s']:.2f} s")
    print(f"peak resident memory: {max(r['peak_rss_mib'] for r in runs):.0f} MiB")
    print(f"content hash identical across runs: {len({r['hash'] for r in runs}) == 1} ({runs[0]['hash']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
