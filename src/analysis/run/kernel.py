"""The warm kernel's helper: imported INSIDE each worker's IPython kernel (never by the driver).

:func:`warm` imports the heavy libraries once and takes a snapshot of the state a notebook may
change; :func:`reset` restores it before the next notebook: user namespace cleared (IPython's
``%reset -f``, in a new session so the execution counter starts at 1 again), figures closed,
matplotlib rcParams (hence seaborn themes), pandas options, working directory, environment
variables, ``sys.path``, warning filters, the ``random`` and NumPy global random states. What a
reset does not undo: changes to imported modules' internals (monkey-patching), IPython
configuration or extension changes made by a notebook; report notebooks do neither (style.md).

Three things make a warm kernel's notebooks cheaper without changing what they compute:

- after the warm-up imports, their objects (some 190,000) are moved out of the garbage collector's
  view (``gc.freeze``): IPython's reset collects garbage after every notebook, and Python makes full
  collections while a notebook runs; both took about 80 ms each time they walked those objects. After
  each reset's collection, what survived it is frozen too: the tables a kernel keeps and the libraries'
  caches grow with the notebooks it ran, and a district report's full collections walked them (about
  30 ms a report). An object frozen there is still freed when its last reference goes; only a cycle
  among frozen objects would wait for the kernel's end (``warm.MAX_RUNS_PER_KERNEL``).
- the collector runs less often while a notebook runs (:data:`NOTEBOOK_GC_THRESHOLD`, set by the warm-up
  and again by each reset).
- the kernel keeps the shared tables it read (:func:`keep_shared_tables`, when the warm-up imports
  ``analysis.results``, as the sample and national run files do): a kernel runs district
  reports of the same province one after another, and reading a province's tables again (Parquet,
  then text periods parsed back into pandas Periods) cost about 0.19 s of a district report's 1.2 s.
  Each notebook gets its own copy of a table as the file is now (a rewritten file is read again).
  This wraps the results layer's reader in the kernel's process, on purpose: the results code, whose
  hash decides when the prepare step reruns, stays as it is, and the prepare step reads as before.

The driver reaches this module through ``sys.modules`` (:data:`MODULE`) in one-line kernel
calls, so that no name is left in the notebook's namespace.
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import random
import sys
import warnings

MODULE = __name__
SHARED_TABLES_KEPT = 64  # tables a kernel keeps between notebooks (a province's folder has about 40)
# The collector's thresholds while notebooks run (Python's are 700, 10, 10). A district report allocates
# millions of short-lived objects (matplotlib's transforms, ticks, texts); at 700 the collector ran about 40
# young and a few full collections a report, about 7% of its CPU (benchmarks/profile_report.py). At 50,000
# it runs a few young ones; cycles are still collected, a little later, and each reset collects everything.
NOTEBOOK_GC_THRESHOLD = (50_000, 20, 20)
_state: dict = {}


def warm(modules) -> None:
    """Import ``modules`` (a failure only costs that import later), then :func:`snapshot`;
    :func:`warm_failures` lists what failed."""
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name}: {exc!r}")
    keep_shared_tables()
    snapshot()
    _state["failed"] = failed
    gc.collect()
    gc.freeze()  # the imports' objects live as long as the kernel: no collection needs to walk them again
    gc.set_threshold(*NOTEBOOK_GC_THRESHOLD)


def warm_failures() -> list[str]:
    """The imports that failed in :func:`warm`, as ``"module: error"`` lines."""
    return list(_state.get("failed", []))


def keep_shared_tables() -> None:
    """Make the results layer's table reader (``analysis.results.store.read_table``) keep the last
    ``SHARED_TABLES_KEPT`` tables it read, by file (path, inode, size, modification time) and period
    frequency, and return a copy of the kept table (a notebook may change its tables). Only in this
    kernel: the prepare step and the driver read as before."""
    store = sys.modules.get("analysis.results.store")  # only when the warm-up imported the results layer
    if store is not None and not hasattr(store.read_table, "cache_clear"):
        store.read_table = _kept(store.read_table)


def _kept(read_table):
    @functools.lru_cache(maxsize=SHARED_TABLES_KEPT)
    def read_once(path: str, freq: str | None, stamp: tuple[int, int, int]):
        return read_table(path, freq=freq)

    @functools.wraps(read_table)
    def read_kept(path, *, freq):
        stat = os.stat(path)
        return read_once(str(path), freq, (stat.st_ino, stat.st_size, stat.st_mtime_ns)).copy()

    read_kept.cache_clear = read_once.cache_clear
    return read_kept


def snapshot() -> None:
    """Record the state that :func:`reset` restores."""
    _state["environ"] = dict(os.environ)
    _state["path"] = list(sys.path)
    _state["warnings"] = list(warnings.filters)
    _state["random"] = random.getstate()
    if "numpy" in sys.modules:
        _state["np_random"] = sys.modules["numpy"].random.get_state()
    if "matplotlib" in sys.modules:
        _state["rc"] = dict(sys.modules["matplotlib"].rcParams)


def reset(cwd: str) -> None:
    """Clear the previous notebook's state and change to ``cwd`` (see the module docstring)."""
    from IPython import get_ipython

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    get_ipython().reset(new_session=True)  # IPython's reset collects garbage itself
    gc.freeze()  # what survived it (kept tables, library caches) is not walked again by the next notebook
    gc.set_threshold(*NOTEBOOK_GC_THRESHOLD)  # as the warm-up left it, whatever the last notebook set
    _restore_process_state()
    _restore_library_options()
    os.chdir(cwd)


def _restore_process_state() -> None:
    os.environ.clear()
    os.environ.update(_state["environ"])
    sys.path[:] = _state["path"]
    warnings.filters[:] = _state["warnings"]
    warnings._filters_mutated()
    random.setstate(_state["random"])
    if "np_random" in _state:
        sys.modules["numpy"].random.set_state(_state["np_random"])


def _restore_library_options() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "rc" in _state:
            dict.update(sys.modules["matplotlib"].rcParams, _state["rc"])
        elif "matplotlib" in sys.modules:
            sys.modules["matplotlib"].rcdefaults()
        if "pandas" in sys.modules:
            sys.modules["pandas"].reset_option("all")
