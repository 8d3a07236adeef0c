"""The national prepare at full scale: validate, prepare (wall time, peak memory), speed-up from 1 to 2
Dask workers (prints figures; not a test).

    .venv/bin/python -m analysis synth --country --out /tmp/natprep/country     # once, about 1.5 minutes
    .venv/bin/python benchmarks/bench_national.py --data /tmp/natprep/country [--out DIR] [--skip ...]

Steps, each in a fresh process whose process tree (the driver, the local Dask cluster's nanny and
worker processes) is sampled every 0.2 s for its resident memory:

1. ``validate``: ``python -m analysis validate DATA``;
2. the national prepare (``results.national.prepare``), every province recomputed (``force``), on a
   local cluster of 2 workers: wall time, the peak resident memory of the largest process (a worker)
   and of the whole tree, the province tasks' own peak (``ru_maxrss``), the national reductions' time;
3. the same again, unchanged: the skip-unchanged path (nothing recomputed);
4. the 5 largest provinces (``LARGEST``) on 1 and on 2 workers, forced: the speed-up.

Targets: prepare under 15 minutes and 8 GB per worker (issue 11), under 300 s on the 2-core machine (issue
18, printed beside it); 1 -> 2 workers at least 1.85x (issue 18; issue 11 asked 1.7x). Speed
is only meaningful on a quiet machine: the script waits (up to ``--wait`` minutes) for the 1-minute
load average to fall under ``--max-load`` before each step, and prints the load it ran at.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

LARGEST = ["01", "38", "40", "49", "79"]  # Hà Nội, Thanh Hóa, Nghệ An, Quảng Nam, TP Hồ Chí Minh (as bench_country)
TARGETS = {"prepare_s": 15 * 60, "worker_mib": 8 * 1024, "speedup": 1.85}

CHILD = r"""
import json, sys, time
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
if args["step"] == "validate":
    from analysis.run.cli import main
    code = main(["validate", args["data"]])
    print(json.dumps({"seconds": time.perf_counter() - t0, "exit": code}))
else:
    from analysis.results import national
    meta = national.prepare(args["data"], args["out"], scheduler=None, workers=args["workers"],
                            provinces=args["codes"], force=args["force"])
    print(json.dumps({"seconds": time.perf_counter() - t0, "unchanged": bool(meta.get("unchanged")),
                      "timings": meta.get("timings_s"), "task_peak_mib": meta.get("peak_rss_mib"),
                      "failed": meta.get("failed"), "group_months": meta.get("n_group_months"),
                      "provinces": len(meta.get("provinces", {}))}))
"""


def sample_tree(process: psutil.Process, peaks: dict, stop: threading.Event) -> None:
    """Record the largest resident memory of any process in the tree, and of the tree, until ``stop``."""
    while not stop.is_set():
        try:
            members = [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        sizes = []
        for member in members:
            try:
                sizes.append(member.memory_info().rss)
            except psutil.NoSuchProcess:
                continue
        if sizes:
            peaks["process"] = max(peaks.get("process", 0), max(sizes))
            peaks["tree"] = max(peaks.get("tree", 0), sum(sizes))
        stop.wait(0.2)


def step(**args) -> dict:
    """Run one step in a fresh process, sampling its memory; its JSON line plus the peaks (MiB)."""
    env = os.environ | {"PYTHONWARNINGS": "ignore"}
    proc = psutil.Popen([sys.executable, "-c", CHILD, json.dumps(args)], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True, env=env)
    peaks, stop = {}, threading.Event()
    sampler = threading.Thread(target=sample_tree, args=(proc, peaks, stop), daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"step {args['step']} failed ({proc.returncode}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    return result | {"peak_process_mib": peaks.get("process", 0) / 2**20, "peak_tree_mib": peaks.get("tree", 0) / 2**20}


def wait_for_quiet(max_load: float, minutes: float) -> float:
    """Wait until the 1-minute load average is under ``max_load`` (at most ``minutes``); return it."""
    deadline = time.monotonic() + 60 * minutes
    load = os.getloadavg()[0]
    while load > max_load and time.monotonic() < deadline:
        time.sleep(15)
        load = os.getloadavg()[0]
    return load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the country folder (synth --country)")
    parser.add_argument("--out", default=None, help="output folder of the prepare (default: a temporary one)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["validate", "prepare", "unchanged", "speedup"])
    parser.add_argument("--max-load", type=float, default=0.8, help="wait for a 1-minute load under this")
    parser.add_argument("--wait", type=float, default=30, help="minutes to wait for it at most")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        out = args.out or str(Path(tmp) / "national")
        common = {"data": args.data, "codes": None}
        if "validate" not in args.skip:
            load = wait_for_quiet(args.max_load, args.wait)
            v = step(step="validate", **common)
            rows.append(("validate (whole country)", v["seconds"], v["peak_process_mib"], None, load, ""))
        if "prepare" not in args.skip:
            load = wait_for_quiet(args.max_load, args.wait)
            p = step(step="prepare", out=out, workers=2, force=True, **common)
            note = (f"{p['provinces']} provinces, {p['group_months']:,} group-months; provinces "
                    f"{p['timings']['provinces']} s, national reductions {p['timings']['national']} s; "
                    f"failed {p['failed']}")
            rows.append(("national prepare, 2 workers", p["seconds"], p["peak_process_mib"], p["task_peak_mib"],
                         load, note + f"; whole tree {p['peak_tree_mib']:,.0f} MiB"))
        if "unchanged" not in args.skip:
            u = step(step="prepare", out=out, workers=2, force=False, **common)
            rows.append(("national prepare again, unchanged", u["seconds"], u["peak_process_mib"], None,
                         os.getloadavg()[0], f"unchanged={u['unchanged']}"))
        if "speedup" not in args.skip:
            sub = {"data": args.data, "codes": LARGEST}
            times = {}
            for workers in (1, 2):
                load = wait_for_quiet(args.max_load, args.wait)
                s = step(step="prepare", out=str(Path(tmp) / f"five-{workers}"), workers=workers, force=True, **sub)
                times[workers] = s["seconds"]
                rows.append((f"5 largest provinces, {workers} worker(s)", s["seconds"], s["peak_process_mib"],
                             s["task_peak_mib"], load, f"{s['group_months']:,} group-months"))
            rows.append(("speed-up 1 -> 2 workers", times[1] / times[2], None, None, None,
                         f"target >= {TARGETS['speedup']}"))
    print_table(rows)
    return 0


def print_table(rows) -> None:
    print(f"\n{'step':38} {'seconds':>9} {'peak process MiB':>17} {'task peak MiB':>14} {'load':>5}  notes")
    for name, seconds, peak, task, load, note in rows:
        secs = f"{seconds:9.2f}" if "speed-up" not in name else f"{seconds:8.2f}x"
        print(f"{name:38} {secs} {_num(peak):>17} {_num(task):>14} {_num(load, '.2f'):>5}  {note}")
    print(f"targets: prepare < {TARGETS['prepare_s'] // 60} min (issue 18: 300 s on 2 cores), "
          f"< {TARGETS['worker_mib']:,} MiB per worker; speed-up >= {TARGETS['speedup']}x")


def _num(value, fmt: str = ",.0f") -> str:
    return "" if value is None else format(value, fmt)


if __name__ == "__main__":
    raise SystemExit(main())
