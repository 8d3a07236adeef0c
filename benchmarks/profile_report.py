"""CPU seconds of one report, by phase, on a warm kernel: the kernel's reset, the notebook's execution (worker
and kernel processes) and the outputs (HTML, PDF, Excel, notebook). CPU, not wall time, so that a loaded
machine still gives comparable numbers; the first report (a cold kernel) is left out of the means.

    .venv/bin/python benchmarks/profile_report.py 'district_0[0-3]*' 12

Needs a prepared national folder at ``reports/national-vi/_shared`` (``make national``) and the country data at
``--data`` (default /tmp/natprep/country); outputs go to /tmp/profile_report.
"""

from __future__ import annotations

import argparse
import fnmatch
import time
from pathlib import Path

import psutil

from analysis import paths
from analysis.run import execute
from analysis.run.build import open_run
from analysis.run.plan import plan_runs
from analysis.run.settings import Settings
from analysis.run.warm import host


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", help="glob on report names")
    parser.add_argument("n", type=int, help="reports to run (the first is not counted)")
    parser.add_argument("--data", default="/tmp/natprep/country")
    args = parser.parse_args()
    settings = Settings(run_path=paths.CONFIG / "runs" / "national.yml", data_dir=Path(args.data), lang="vi",
                        workers=1, only=args.only, out_root=Path("/tmp/profile_report"))
    context = open_run(settings)
    if not context.shared_dir.exists():
        context.shared_dir.symlink_to(paths.REPORTS / "national-vi" / "_shared")
    specs = [s for s in plan_runs(context) if fnmatch.fnmatch(s.slug, args.only)][: args.n]
    execute._preload()
    kernel = host().ensure_kernel(tuple(context.run_file.warm_imports))
    kernel.ready()
    kernel_process = psutil.Process(kernel.pid)

    def clocks() -> tuple[float, float, float]:
        cpu = kernel_process.cpu_times()
        return time.process_time(), cpu.user + cpu.system, time.monotonic()

    totals: dict[str, float] = {}
    for number, spec in enumerate(specs):
        start = clocks()
        kc = kernel.client()
        kernel.reset(kc, cwd=str(Path(spec.template).parent))
        reset = clocks()
        nb, error = execute.execute_notebook(spec, kernel, kc)
        kc.stop_channels()
        executed = clocks()
        execute.write_outputs(spec, nb, failed=error is not None)
        done = clocks()
        if number == 0:
            continue
        for name, value in {"reset, kernel": reset[1] - start[1], "execute, worker": executed[0] - reset[0],
                            "execute, kernel": executed[1] - reset[1], "outputs, worker": done[0] - executed[0],
                            "all CPU": (done[0] - start[0]) + (done[1] - start[1]), "wall": done[2] - start[2]}.items():
            totals[name] = totals.get(name, 0.0) + value
    counted = max(len(specs) - 1, 1)
    print(f"{counted} reports ({args.only}), seconds per report:")
    for name, value in totals.items():
        print(f"  {name:<16} {value / counted:.3f}")
    host().retire()


if __name__ == "__main__":
    main()
