"""How the processes that compute are started: one place for their environment.

Three kinds of process compute: the prepare process (:mod:`analysis.run.prepare`), the local Dask workers
(the national prepare's and the reports'), and the warm IPython kernels that run the notebooks. They all get

- ``HASH_SEED``: pyfixest's fixed-effect results move by about 1e-6 (standard errors) to 3e-5 (event studies)
  with the process's string-hash seed (measured, cause not traced), so results must not depend on which
  process computed them;
- ``MALLOC``: glibc malloc settings that keep freed memory for the next array instead of returning it to the
  system and faulting it in again. A national prepare task spent a quarter of its time in the kernel on page
  faults (Nghệ An 43.0 s with 12.6 s system time; 37.4 s with 7.1 s with these, same peak memory), and a
  district report about 8% of its CPU (``benchmarks/profile_report.py``). They replace the Dask nanny's
  ``MALLOC_TRIM_THRESHOLD_=65536``, which made a province's model fits about 30% slower (Hà Nội: 83 s
  against 65 s).

Local Dask workers also keep ``ONE_THREAD`` pools to one thread (the nanny already sets OMP, MKL and
OpenBLAS; Arrow follows OMP): pyfixest's Rust demeaning (rayon) and numba would otherwise start one thread per
core in every worker, so two workers oversubscribe two cores.
"""

from __future__ import annotations

import contextlib
import os

HASH_SEED = {"PYTHONHASHSEED": "0"}
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
          "MALLOC_TOP_PAD_": str(256 << 20)}
ONE_THREAD = ("RAYON_NUM_THREADS", "NUMBA_NUM_THREADS")


def computing_env() -> dict[str, str]:
    """This process's environment with ``MALLOC`` and ``HASH_SEED``: for a prepare process or a kernel."""
    return {**os.environ, **MALLOC, **HASH_SEED}


def local_worker_env() -> dict[str, str]:
    """What a local Dask worker adds to its environment: ``MALLOC``, ``HASH_SEED``, one thread per pool."""
    return {**MALLOC, **{name: "1" for name in ONE_THREAD}, **HASH_SEED}


@contextlib.contextmanager
def local_workers():
    """Within it, a ``distributed.LocalCluster`` starts its workers with :func:`local_worker_env`."""
    import dask

    with dask.config.set({f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in local_worker_env().items()}):
        yield
