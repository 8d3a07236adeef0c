"""The national build: prepare by province, then every report (brief, provinces, ~700 districts).

Runs ``python -m analysis report --run config/runs/national.yml --data DIR --force`` once and prints,
from its manifest and a memory sampler (every process of the run, once a second):

- the wall time of the whole build and of the prepare step;
- reports built and failed, and the throughput of the report phase (reports per minute, HTML and PDF
  included; target: at least 50 district reports per minute on 2 cores);
- the peak resident memory of the largest single process and of all processes together.

    .venv/bin/python benchmarks/bench_national_reports.py --data /tmp/country [--only 'district_*'] [--no-pdf]

Generate the country first: ``python -m analysis synth --country --out /tmp/country`` (about 1.5 min).
``--only`` keeps the prepare step's results when they are unchanged (skip-unchanged per province), so a
second run measures the reports alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from analysis import paths

TARGET_PER_MIN = 50.0


def sample_memory(root: psutil.Process, stop: threading.Event, peaks: dict) -> None:
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            rss = [p.memory_info().rss for p in procs if p.is_running()]
        except (psutil.Error, OSError):
            rss = []
        if rss:
            peaks["max_process"] = max(peaks.get("max_process", 0), max(rss))
            peaks["all"] = max(peaks.get("all", 0), sum(rss))
        stop.wait(1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the national data folder")
    parser.add_argument("--lang", default="vi")
    parser.add_argument("--out", default="/tmp/bench_national_reports", help="output root")
    parser.add_argument("--only", default=None, help="glob on report names (e.g. 'district_*')")
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    cmd = [sys.executable, "-m", "analysis", "report", "--run", str(paths.CONFIG / "runs" / "national.yml"),
           "--data", args.data, "--lang", args.lang, "--out", args.out, "--force", "--no-progress",
           "--workers", str(args.workers)]
    if args.only:
        cmd += ["--only", args.only]
    if args.no_pdf:
        cmd.append("--no-pdf")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=paths.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop, peaks = threading.Event(), {}
    sampler = threading.Thread(target=sample_memory, args=(psutil.Process(proc.pid), stop, peaks), daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    manifest = json.loads((Path(args.out) / f"national-{args.lang}" / "manifest.json").read_text(encoding="utf-8"))
    runs = manifest["runs"]
    done = [r for r in runs.values() if r.get("status") == "ok"]
    failed = [k for k, r in runs.items() if r.get("status") == "failed"]
    districts = [r for k, r in runs.items() if k.startswith("district_") and r.get("status") == "ok"]
    prepare_s = float((manifest.get("prepare") or {}).get("duration_s") or 0.0)
    report_phase = max(wall - prepare_s, 1e-9)
    rate = 60 * len(done) / report_phase
    print(f"command: {' '.join(cmd)}")
    print(f"whole build: {wall:.0f} s (prepare {prepare_s:.0f} s), exit code {proc.returncode}")
    print(f"reports: {len(done)} ok ({len(districts)} districts), {len(failed)} failed {failed[:5]}")
    print(f"report phase: {report_phase:.0f} s, {rate:.1f} reports/min (target >= {TARGET_PER_MIN:.0f} district "
          f"reports/min, HTML{'' if args.no_pdf else ' + PDF'})")
    print(f"peak memory: largest process {peaks.get('max_process', 0) / 2**30:.2f} GiB, all processes "
          f"{peaks.get('all', 0) / 2**30:.2f} GiB")
    if proc.returncode not in (0, 1):
        print(err[-3000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
