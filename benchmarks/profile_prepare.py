"""Where one province's prepare spends its time: every step of the national per-province task, timed.

    .venv/bin/python -m analysis synth --country --out /tmp/country18 --provinces 70,19,38
    .venv/bin/python benchmarks/profile_prepare.py --data /tmp/country18 --provinces 70,19,38 [--out DIR]
                                                   [--markdown] [--cprofile 25]

Each province runs ``results.national.province_task`` (load its partitions, build the panel, the
national parts, ``prepare.write_prepared``) in a fresh process set up as a local Dask worker is (one
BLAS, Rayon and numba thread; ``processes.MALLOC``; the model libraries imported, as after a worker's first
task; ``PYTHONHASHSEED=0``), with ``results.timing.collect()`` recording the
prepare stages' ``timing.step`` blocks. The table gives each step's seconds per province and its share
of that province's task; a step's seconds include its sub-steps' (indented), and "(rest)" is the
part of a step none of its sub-steps covers. ``--out`` keeps each province's prepared folder
(``DIR/province=XX``) for ``benchmarks/compare_prepared.py``. ``--cprofile N`` also prints the N
functions with the most cumulative time (slower run; for finding hot spots, not for the table).

Figures depend on the machine and on what else runs on it: the script prints the 1-minute load
average before each province.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
args = json.loads(sys.argv[1])
from analysis.results import national, timing
import analysis.models, analysis.policy, pyfixest, statsmodels.api, patsy, scipy.stats  # a worker's warm imports
t0 = time.perf_counter()
profiler = None
if args["cprofile"]:
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
with timing.collect() as seconds:
    summary = national.province_task(args["data"], args["code"], args["out"], "profile", "profile")
total = time.perf_counter() - t0
if profiler is not None:
    import io, pstats
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(args["cprofile"])
    sys.stderr.write(text.getvalue())
print(json.dumps({"seconds": seconds, "total": total, "summary": summary}))
"""


def worker_env() -> dict[str, str]:
    """The environment of a local Dask worker of the national prepare (``national._client``)."""
    from analysis import processes

    env = dict(os.environ)
    env.update({name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")})
    env.update(processes.local_worker_env())
    env.update(processes.HASH_SEED)  # one hash seed, so that two runs compare (a real worker has Dask's, 6640)
    return env


def profile_province(data: Path, code: str, out: Path, *, cprofile: int = 0) -> dict:
    args = {"data": str(data), "code": code, "out": str(out), "cprofile": cprofile}
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], env=worker_env(), capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"province {code} failed:\n{proc.stderr[-4000:]}")
    if cprofile:
        print(proc.stderr[-20000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["summary"]["status"] != "ok":
        raise SystemExit(f"province {code}: {result['summary']['error']}")
    return result


def rows(seconds: dict[str, float], total: float) -> list[tuple[str, str, float]]:
    """(key, indented step, seconds) in the order the steps started; "(rest)" after a parent's last
    descendant (its seconds no sub-step covers); the task's own remainder (install, memory release) last."""
    names = list(seconds)
    last_of: dict[int, list[str]] = {}  # index of a parent's last descendant -> parents closing there
    for name in names:
        descendants = [j for j, n in enumerate(names) if n.startswith(name + ".")]
        if descendants:
            last_of.setdefault(max(descendants), []).append(name)
    ordered: list[tuple[str, str, float]] = []
    for i, name in enumerate(names):
        ordered.append((name, "  " * name.count(".") + name.rsplit(".", 1)[-1], seconds[name]))
        for parent in sorted(last_of.get(i, []), key=lambda n: -n.count(".")):
            children = [n for n in names if n.startswith(parent + ".") and n.count(".") == parent.count(".") + 1]
            rest = seconds[parent] - sum(seconds[c] for c in children)
            ordered.append((parent + ".(rest)", "  " * (parent.count(".") + 1) + "(rest)", rest))
    top = sum(s for n, s in seconds.items() if "." not in n)
    ordered.append(("(rest)", "(rest of the task)", total - top))
    return ordered


def table(results: dict[str, dict], names: dict[str, str], *, markdown: bool) -> str:
    codes = list(results)
    per = {code: rows(r["seconds"], r["total"]) for code, r in results.items()}
    labels: dict[str, str] = {}
    for code in sorted(codes, key=lambda c: -len(per[c])):  # the province with most steps gives the order
        for key, label, _ in per[code]:
            labels.setdefault(key, label)
    value = {code: {key: s for key, _, s in rs} for code, rs in per.items()}
    heads = [f"{code} {names[code]} ({results[code]['summary']['n_group_months']:,} gm)" for code in codes]
    lines = []
    if markdown:
        lines.append("| step | " + " | ".join(f"{h}: s | share" for h in heads) + " |")
        lines.append("|---|" + "---:|---:|" * len(codes))
    else:
        lines.append(f"{'step':<28}" + "".join(f"{h[:30]:>34}" for h in heads))
    for key, label in labels.items():
        cells = []
        for code in codes:
            s = value[code].get(key)
            total = results[code]["total"]
            cells.append(("", "") if s is None else (f"{s:.2f}", f"{100 * s / total:.1f}%"))
        if markdown:
            shown = label.replace("  ", "&nbsp;&nbsp;") if label.startswith(" ") else label
            lines.append(f"| {shown} | " + " | ".join(f"{a} | {b}" for a, b in cells) + " |")
        else:
            lines.append(f"{label:<28}" + "".join(f"{a:>24}{b:>10}" for a, b in cells))
    totals = [(f"{results[c]['total']:.2f}", "100%") for c in codes]
    if markdown:
        lines.append("| **province task** | " + " | ".join(f"**{a}** | {b}" for a, b in totals) + " |")
    else:
        lines.append(f"{'province task':<28}" + "".join(f"{a:>24}{b:>10}" for a, b in totals))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="a national folder (synth --country)")
    parser.add_argument("--provinces", required=True, help="comma-separated pre-2025 codes, e.g. 70,19,38")
    parser.add_argument("--out", type=Path, help="keep the prepared folders here (default: a temporary folder)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--cprofile", type=int, default=0, help="also print the N slowest functions (cumulative)")
    args = parser.parse_args(argv)
    from analysis.data.synthetic import country

    plan = country.make_plan()
    names = {code: plan.specs[code].name if code in plan.specs else code for code in args.provinces.split(",")}
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        results = {}
        for code in names:
            print(f"province {code} {names[code]}: load average {os.getloadavg()[0]:.2f}", flush=True)
            results[code] = profile_province(args.data.resolve(), code, out.resolve(), cprofile=args.cprofile)
            print(f"  {results[code]['total']:.1f} s, peak {results[code]['summary']['peak_rss_mib']} MiB", flush=True)
    print(table(results, names, markdown=args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
