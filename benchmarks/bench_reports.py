"""Report throughput: the naive papermill baseline against the runner, and the whole sample build.

Measures, on this machine and in one run:

(a) baseline: the ``papermill`` CLI, one fresh kernel per notebook, serially, for every district
    report of the run file (the first ``for_each: district`` entry), no HTML/PDF;
(b) the runner (``python -m analysis report --force --only '<prefix>_*'``) for the same reports,
    with HTML and PDF, on a fresh local Dask cluster; the shared ``prepare`` step is timed
    separately (from the manifest) and reported both included and excluded;
(c) the whole build that ``make reports`` runs (every notebook, HTML and PDF, prepare included),
    forced, into a separate folder.

Both (a) and (b) read the same shared folder, written by one untimed ``prepare`` beforehand.
Prints notebooks/min and the ratio (target >= 4x) and the full build time (target < 120 s), and
writes ``benchmarks/out/bench_reports.json``.

    .venv/bin/python benchmarks/bench_reports.py [--run config/runs/sample.yml] [--data data/sample]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from analysis import paths
from analysis.atomic import write_text
from analysis.run import manifest
from analysis.run.plan import plan_runs
from analysis.run.prepare import run_prepare
from analysis.run.public import PublicPaths
from analysis.run.runfile import DEFAULT_RUN, RunFile, load_run_file
from analysis.run.settings import SHARED, Context, Settings
from analysis.run.warm import KERNEL_NAME

OUT = paths.ROOT / "benchmarks" / "out"
PYTHON = sys.executable
TARGET_RATIO = 4.0
TARGET_FULL_S = 120.0


def district_specs(run_path: Path, data_dir: Path, out_dir: Path, lang: str):
    run_file = load_run_file(run_path)
    entries = [e for e in run_file.notebooks if e.for_each == "district"]
    if not entries:
        raise SystemExit(f"{run_path} has no 'for_each: district' entry to benchmark")
    single = RunFile(path=run_file.path, name=run_file.name, notebooks=(entries[0],),
                     prepare=run_file.prepare, warm_imports=run_file.warm_imports)
    context = Context(settings=Settings(run_path=run_path, data_dir=data_dir, lang=lang), run_file=single,
                      data_dir=data_dir, out_dir=out_dir, provenance={"code_hash": "bench", "data_hash": "bench"})
    specs = plan_runs(context)
    prefix = specs[0].slug.split("_")[0]
    return run_file, specs, prefix


def run_baseline(specs, folder: Path) -> float:
    """papermill CLI, serially, one fresh kernel each; returns wall seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    papermill = str(Path(PYTHON).with_name("papermill"))
    started = time.perf_counter()
    for spec in specs:
        command = [papermill, spec.template, str(folder / f"{spec.slug}.ipynb"), "-k", KERNEL_NAME,
                   "--cwd", str(Path(spec.template).parent), "-y", json.dumps(spec.parameters), "--no-progress-bar"]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"baseline: {spec.slug} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
    return time.perf_counter() - started


def run_cli(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "analysis", "report", "--no-progress", *args], check=False,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=str(DEFAULT_RUN))
    parser.add_argument("--data", default=str(paths.SAMPLE))
    parser.add_argument("--lang", default="vi")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    data_dir = Path(args.data).resolve()
    run_path = Path(args.run).resolve()

    runner_root = OUT / "runner"
    run_file, specs, prefix = district_specs(run_path, data_dir,
                                             (runner_root / f"{load_run_file(run_path).name}-{args.lang}"), args.lang)
    shared_dir = Path(specs[0].out_dir) / SHARED
    if run_file.prepare:
        print(f"prepare (untimed, shared by (a) and (b)): {run_file.prepare}", file=sys.stderr)
        shared_dir.parent.mkdir(parents=True, exist_ok=True)
        result = run_prepare(run_file.prepare, str(data_dir), str(shared_dir), args.lang)
        if result["status"] != "ok":
            raise SystemExit(f"prepare failed: {result['error']}")
    n = len(specs)
    public = PublicPaths(run_dir=OUT).path
    figures: dict[str, object] = {"notebooks": n, "template": public(specs[0].template), "cpus": os.cpu_count(),
                                  "workers": args.workers, "run": public(run_path), "data": public(data_dir)}

    if not args.skip_baseline:
        print(f"(a) baseline: papermill CLI x {n}, serial ...", file=sys.stderr)
        base_s = run_baseline(specs, OUT / "baseline")
        figures["baseline_s"] = round(base_s, 1)
        figures["baseline_per_min"] = round(n / base_s * 60, 1)

    print(f"(b) runner: {n} reports with HTML+PDF, --force ...", file=sys.stderr)
    common = ["--run", str(run_path), "--data", str(data_dir), "--lang", args.lang, "--workers", str(args.workers)]
    runner_s = run_cli([*common, "--out", str(runner_root), "--force", "--only", f"{prefix}_*"])
    doc = manifest.read(Path(specs[0].out_dir) / "manifest.json")
    prepare_s = float(doc.get("prepare", {}).get("duration_s", 0.0) or 0.0)
    failed = [s for s, e in doc.get("runs", {}).items() if s.startswith(prefix) and e.get("status") != "ok"]
    figures.update(runner_s=round(runner_s, 1), runner_prepare_s=round(prepare_s, 1),
                   runner_per_min=round(n / (runner_s - prepare_s) * 60, 1),
                   runner_per_min_incl_prepare=round(n / runner_s * 60, 1), runner_failed=failed)
    if "baseline_s" in figures:
        figures["ratio"] = round(figures["runner_per_min"] / figures["baseline_per_min"], 2)
        figures["ratio_incl_prepare"] = round(figures["runner_per_min_incl_prepare"] / figures["baseline_per_min"], 2)

    print("(c) whole build (what make reports runs), --force ...", file=sys.stderr)
    full_root = OUT / "full"
    full_s = run_cli([*common, "--out", str(full_root), "--force"])
    full_doc = manifest.read(full_root / f"{run_file.name}-{args.lang}" / "manifest.json")
    figures.update(full_build_s=round(full_s, 1), full_reports=len(full_doc.get("runs", {})),
                   full_failed=[s for s, e in full_doc.get("runs", {}).items() if e.get("status") != "ok"])

    write_text(OUT / "bench_reports.json", json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    if "ratio" in figures:
        print(f"runner/baseline throughput: {figures['ratio']}x (target >= {TARGET_RATIO}x; "
              f"{figures['ratio_incl_prepare']}x counting the shared prepare step)")
    print(f"whole build: {figures['full_build_s']} s for {figures['full_reports']} reports "
          f"(target < {TARGET_FULL_S:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
