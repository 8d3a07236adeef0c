"""The environment of the processes that compute (``analysis.processes``): what a local Dask worker, a prepare
process and a warm kernel actually get."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from analysis import processes


def _worker_view():
    import dask

    return ({name: os.environ.get(name) for name in [*processes.MALLOC, *processes.ONE_THREAD, "PYTHONHASHSEED"]},
            {key: dask.config.get(key) for key in processes.QUIET_DASK})


def test_local_workers_get_malloc_threads_seed_and_quiet_diagnostics(monkeypatch):
    """The nanny passes the settings on; its workers' hash seed is Dask's fixed 6640 (distributed's nanny).
    A value an earlier cluster left in this process's environment (a nanny writes its own there, and reads
    the environment before its configuration) does not decide, and is back after the block."""
    import logging

    import dask
    from distributed import Client, LocalCluster

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # as Dask's default nanny leaves it
    monkeypatch.delenv("RAYON_NUM_THREADS", raising=False)
    with processes.local_workers(), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                         silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        (environ, config), = client.run(_worker_view).values()
        scheduler_tick = dask.config.get("distributed.admin.tick.interval")
    assert environ == {**processes.MALLOC, **dict.fromkeys(processes.ONE_THREAD, "1"), "PYTHONHASHSEED": "6640"}
    assert config == processes.QUIET_DASK
    assert scheduler_tick == "1s"  # the driver's scheduler, inside the block
    assert dask.config.get("distributed.admin.tick.interval") != "1s"  # and nothing left behind
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "65536" and "RAYON_NUM_THREADS" not in os.environ


def test_computing_env_reaches_a_child_process():
    names = [*processes.MALLOC, "PYTHONHASHSEED"]
    code = f"import os, json; print(json.dumps({{k: os.environ.get(k) for k in {names!r}}}))"
    out = subprocess.run([sys.executable, "-c", code], env=processes.computing_env(), capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == {**processes.MALLOC, "PYTHONHASHSEED": "0"}
