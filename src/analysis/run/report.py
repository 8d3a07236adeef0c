"""``python -m analysis report`` (behind ``make reports``): run the notebooks of a run file and
build the reports (:mod:`analysis.run.build`).

Command line::

    python -m analysis report [--run config/runs/sample.yml] [--data data/sample] [--lang vi|en]
        [--out reports/] [--workers N] [--scheduler ADDRESS] [--force] [--only PATTERN] [--no-pdf]

The run ends with a summary table; the exit code is 1 when a report or the prepare step failed,
130 after Ctrl-C (finished reports are kept; the same command completes the rest).
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis import paths
from analysis.run.build import build_reports
from analysis.run.runfile import run_for_data
from analysis.run.settings import CELL_TIMEOUT_S, LANGS, Settings


def add_arguments(parser) -> None:
    parser.add_argument("--run", default=None,
                        help="run file (YAML); default: chosen from the data (one province: config/runs/sample.yml; "
                             "several provinces or a national folder: config/runs/national.yml)")
    parser.add_argument("--data", default=str(paths.SAMPLE), help="data folder; default data/sample")
    parser.add_argument("--lang", default="vi", choices=LANGS, help="report language")
    parser.add_argument("--out", default=str(paths.REPORTS), help="output root; reports go to <out>/<name>-<lang>/")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address (tcp://...); default a local Dask cluster; "
                             "'processes' or 'inline' for a plain process pool or serial execution")
    parser.add_argument("--force", action="store_true", help="rerun reports whose inputs are unchanged")
    parser.add_argument("--only", default=None, help="only reports whose name matches this glob (e.g. 'district_94*')")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="skip the PDFs")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds allowed for one cell")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def settings_from(args) -> Settings:
    """The :class:`Settings` of parsed command-line ``args``."""
    run_path = Path(args.run) if args.run else _chosen_run(Path(args.data))
    return Settings(run_path=run_path, data_dir=Path(args.data), lang=args.lang, out_root=Path(args.out),
                    workers=args.workers, scheduler=args.scheduler, force=args.force, only=args.only,
                    pdf=args.pdf, timeout=args.timeout, progress=args.progress)


def _chosen_run(data_dir: Path) -> Path:
    run_path, why = run_for_data(data_dir)
    print(f"run: {run_path.relative_to(paths.ROOT) if run_path.is_relative_to(paths.ROOT) else run_path} "
          f"({why}; choose another with --run)", file=sys.stderr)
    return run_path


def run(args) -> int:
    try:
        doc = build_reports(settings_from(args))
    except KeyboardInterrupt:
        print("\ninterrupted: finished reports are kept (no file is half-written); "
              "run the same command again to complete the rest", file=sys.stderr)
        return 130
    summary(doc, sys.stdout)
    failed = any(e.get("status") == "failed" for e in doc["runs"].values())
    return 1 if failed or doc.get("prepare", {}).get("status") == "failed" else 0


def summary(doc: dict, stream) -> None:
    """One line per report (status, seconds, first line of the error), then the totals."""
    runs = doc["runs"]
    width = max([len(s) for s in runs] + [4])
    print(f"\n{'report':<{width}}  {'status':<8}  {'seconds':>8}  error", file=stream)
    for slug, entry in sorted(runs.items()):
        error = (entry.get("error") or "").splitlines()[0][:100] if entry.get("error") else ""
        print(f"{slug:<{width}}  {entry.get('status', '?'):<8}  {entry.get('duration_s', 0):>8}  {error}", file=stream)
    if doc.get("prepare", {}).get("status") == "failed":
        print(f"prepare failed: {doc['prepare']['error']}", file=stream)
    failed = sum(1 for e in runs.values() if e.get("status") == "failed")
    print(f"{len(runs)} reports: {failed} failed; output in {doc['run']['out_dir']}", file=stream)
