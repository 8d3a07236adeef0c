"""Schedulers: where the reports run.

A local Dask cluster (processes, one thread each) by default; ``--scheduler tcp://host:8786``
uses an existing cluster (its workers must see the project, data and output folders at the same
paths and have ``analysis`` installed). Two extra values exist for tests and debugging:
``processes`` (a plain process pool) and ``inline`` (serial, in this process). A Dask
LocalCluster gave no gain over a plain process pool for cold notebooks; warm kernels plus 2
workers gave ~35 notebooks/min against ~8/min for serial cold papermill (design.md).
"""

from __future__ import annotations

import concurrent.futures
import logging

from analysis import processes
from analysis.run import warm
from analysis.run.execute import prewarm


class Pool:
    """The small interface the runner needs from a scheduler."""

    def prewarm(self, warm_imports) -> None:
        """Start every worker's warm kernel."""

    def submit(self, fn, *args):
        raise NotImplementedError

    def as_completed(self, futures):
        return concurrent.futures.as_completed(futures)

    def close(self, now: bool = False) -> None:
        """Shut the workers' kernels and the pool down (``now``: without waiting)."""


class DaskPool(Pool):
    """A local Dask cluster, or the existing one at ``address``."""

    def __init__(self, *, workers: int, address: str | None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address:
            self.client = Client(address, timeout="30s")
        else:
            with processes.local_workers():  # malloc settings: the workers write the reports' files
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster)

    def prewarm(self, warm_imports) -> None:
        self.client.run(prewarm, tuple(warm_imports))

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def close(self, now: bool = False) -> None:
        try:
            self.client.run(warm.shutdown_kernels, now)
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


class ProcessPool(Pool):
    """A plain process pool (spawned processes, each warmed by the pool's initializer)."""

    def __init__(self, *, workers: int, warm_imports):
        import multiprocessing

        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=prewarm, initargs=(tuple(warm_imports),),
        )

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def close(self, now: bool = False) -> None:
        self.pool.shutdown(wait=True, cancel_futures=now)


class _Deferred:
    """A call made when its result is first asked for (the inline pool's 'future')."""

    def __init__(self, fn, args):
        self.fn, self.args, self.done, self.value = fn, args, False, None

    def result(self):
        if not self.done:
            self.value, self.done = self.fn(*self.args), True
        return self.value


class InlinePool(Pool):
    """Serial, in this process, one run at a time in submission order (tests, debugging)."""

    def submit(self, fn, *args):
        return _Deferred(fn, args)

    def as_completed(self, futures):
        for future in futures:
            future.result()
            yield future

    def close(self, now: bool = False) -> None:
        if warm.has_kernel():
            warm.shutdown_kernels(now)


def make_pool(*, scheduler: str | None, workers: int, warm_imports) -> Pool:
    """The pool for ``--scheduler`` (see the module docstring)."""
    if scheduler == "inline":
        return InlinePool()
    if scheduler == "processes":
        return ProcessPool(workers=workers, warm_imports=warm_imports)
    return DaskPool(workers=workers, address=scheduler)


class LazyPool:
    """A pool started in a background thread on demand (:meth:`start`) or on first use."""

    def __init__(self, *, scheduler: str | None, workers: int, warm_imports):
        self.options = {"scheduler": scheduler, "workers": workers, "warm_imports": tuple(warm_imports)}
        self.future = None

    @property
    def started(self) -> bool:
        return self.future is not None

    def start(self) -> None:
        if self.future is None:
            starter = concurrent.futures.ThreadPoolExecutor(max_workers=1)
            self.future = starter.submit(self._make, **self.options)
            starter.shutdown(wait=False)

    @staticmethod
    def _make(*, scheduler, workers, warm_imports) -> Pool:
        pool = make_pool(scheduler=scheduler, workers=workers, warm_imports=warm_imports)
        pool.prewarm(warm_imports)
        return pool

    def result(self) -> Pool:
        self.start()
        return self.future.result()
