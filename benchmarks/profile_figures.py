"""CPU milliseconds of a district report's code cells, run in this process, with and without the process-wide
caches (``plots.textcache``: text laid out once; ``results.store.read_shared``: tables read once), in
alternating rounds so that the machine's drift falls on both alike. Prints the median and every round.

    .venv/bin/python benchmarks/profile_figures.py --shared reports/national-vi/_shared --rounds 6

Needs a national prepare's folder (``make national``) and its country data (``--data``). Display is
switched off: the cells draw their figures to PNG but nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import matplotlib

from analysis import paths

matplotlib.use("agg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(paths.REPORTS / "national-vi" / "_shared"))
    parser.add_argument("--data", default="/tmp/natprep/country")
    parser.add_argument("--districts", default="002,003,004,005,006,007,008,016,017,018")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()

    import IPython.display

    from analysis.plots import textcache
    from analysis.results import store

    IPython.display.display = lambda *objects, **kwargs: None
    notebook = json.loads((paths.NOTEBOOKS / "district_report.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"][1:]  # after parameters
    cells = [c.replace("from IPython.display import display", "display = lambda *a, **k: None") for c in cells]
    codes = args.districts.split(",")
    cached_read = store.read_shared

    def report(code: str) -> None:
        namespace = {"data_dir": args.data, "shared_dir": args.shared, "lang": "vi", "district_code": code}
        for cell in cells:
            exec(cell, namespace)  # noqa: S102 - the project's own notebook

    def caches(on: bool) -> None:
        if on:
            textcache.install()
            store.read_shared = cached_read
        else:
            textcache.uninstall()
            store.read_shared = store.read_table
            store._read_cache.clear()

    for on in (False, True):  # imports, fonts and first-use costs out of the rounds
        caches(on)
        report(codes[0])
    times: dict[bool, list[float]] = {False: [], True: []}
    for number in range(args.rounds):
        for on in ((False, True) if number % 2 == 0 else (True, False)):
            caches(on)
            start = time.process_time()
            for code in codes:
                report(code)
            times[on].append((time.process_time() - start) / len(codes) * 1000)
    for on in (False, True):
        label = "with caches   " if on else "without caches"
        print(f"{label} median {statistics.median(times[on]):6.1f} ms a report; rounds "
              + " ".join(f"{t:.0f}" for t in times[on]))


if __name__ == "__main__":
    main()
