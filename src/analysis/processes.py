"""How the processes that compute are started: one place for their environment.

Three kinds of process compute: the prepare process (:mod:`analysis.run.prepare`), the local Dask workers
(the national prepare's and the reports'), and the warm IPython kernels that run the notebooks. They all get

- a fixed hash seed (``HASH_SEED``; Dask's own for its workers, :func:`local_worker_env`): pyfixest's
  fixed-effect results move by about 1e-6 (standard errors) to 3e-5 (event studies) with the process's
  string-hash seed (measured, cause not traced), so results must not depend on which run computed them;
- ``MALLOC``: glibc malloc settings that keep freed memory for the next array instead of returning it to the
  system and faulting it in again. A national prepare task spent a quarter of its time in the kernel on page
  faults (Nghệ An 43.0 s with 12.6 s system time; 37.4 s with 7.1 s with these, same peak memory), and a
  district report about 8% of its CPU (``benchmarks/profile_report.py``). They replace the Dask nanny's
  ``MALLOC_TRIM_THRESHOLD_=65536``, which made a province's model fits about 30% slower (Hà Nội: 83 s
  against 65 s).

Local Dask workers also keep ``ONE_THREAD`` pools to one thread (the nanny already sets OMP, MKL and
OpenBLAS; Arrow follows OMP): pyfixest's Rust demeaning (rayon) and numba would otherwise start one thread per
core in every worker, so two workers oversubscribe two cores.

A local cluster's diagnostics run less often (``QUIET_DASK``): the workers' statistical profiler (a stack
sample every 10 ms), the event-loop tick (every 20 ms, in the scheduler, nannies and workers), the system
monitor (500 ms) and the memory monitor (100 ms) cost the report workers and the driver about 10% of a
national report run's CPU (208 district reports, every process of the run: 249 CPU-s and 135.5 s with Dask's
defaults, 222 CPU-s and 120.5 s with these; a plain process pool took 227 CPU-s). The memory limits are still
enforced (checked every second) and the dashboard still works. An existing cluster (``--scheduler``) keeps
its own configuration.
"""

from __future__ import annotations

import contextlib
import os

HASH_SEED = {"PYTHONHASHSEED": "0"}
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
          "MALLOC_TOP_PAD_": str(256 << 20)}
ONE_THREAD = ("RAYON_NUM_THREADS", "NUMBA_NUM_THREADS")
QUIET_DASK = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
              "distributed.admin.tick.cycle": "5s", "distributed.admin.tick.limit": "10s",
              "distributed.admin.system-monitor.interval": "2s", "distributed.worker.memory.monitor-interval": "1s"}


def computing_env() -> dict[str, str]:
    """This process's environment with ``MALLOC`` and ``HASH_SEED``: for a prepare process or a kernel."""
    return {**os.environ, **MALLOC, **HASH_SEED}


def local_worker_env() -> dict[str, str]:
    """What a local Dask worker adds to its environment: ``MALLOC`` and one thread per pool. Its hash seed is
    Dask's: the nanny gives every worker ``PYTHONHASHSEED=6640`` (and replaces a 0 by it), so the workers of
    every run compute alike, though not bit for bit as a process with ``HASH_SEED`` does (about 1e-6 apart)."""
    return {**MALLOC, **{name: "1" for name in ONE_THREAD}}


@contextlib.contextmanager
def local_workers():
    """Within it, a ``distributed.LocalCluster`` starts its workers with :func:`local_worker_env`, and its
    scheduler and workers with ``QUIET_DASK`` (the nannies pass the configuration on to their workers).

    The variables are set in this process's environment too, for the block: a nanny takes a pre-spawn
    variable from the process's environment before its configuration, and writes its own into the process's
    environment when it starts a worker, so an earlier cluster (or the user's shell) would otherwise decide.
    """
    import dask

    env = local_worker_env()
    spawn = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in env.items()}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        with dask.config.set({**spawn, **QUIET_DASK}):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
