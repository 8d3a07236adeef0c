"""Timing hooks of the prepare stages: where a province's prepare spends its time.

The prepare stages wrap their steps in ``step(name)``; nothing is recorded unless a caller collects:

    with timing.collect() as seconds:
        national.province_task(...)
    seconds  # {"load": 1.2, "models.fe_ols": 3.4, ...}: seconds by step, nested names joined by "."

``benchmarks/profile_prepare.py`` prints them as a table. A step inside another is named after both
(``models`` then ``models.fe_ols``); a parent's seconds include its children's.
"""

from __future__ import annotations

import contextlib
import contextvars
import time

_SINK: contextvars.ContextVar[dict | None] = contextvars.ContextVar("prepare_timings", default=None)
_PREFIX: contextvars.ContextVar[str] = contextvars.ContextVar("prepare_timing_prefix", default="")


@contextlib.contextmanager
def collect():
    """Record the seconds of every ``step`` run inside this block into the dict it yields."""
    seconds: dict[str, float] = {}
    token = _SINK.set(seconds)
    try:
        yield seconds
    finally:
        _SINK.reset(token)


@contextlib.contextmanager
def step(name: str):
    """Time the block as ``name`` (under the enclosing step's name) when someone collects."""
    sink = _SINK.get()
    if sink is None:
        yield
        return
    full = f"{_PREFIX.get()}.{name}" if _PREFIX.get() else name
    token = _PREFIX.set(full)
    sink.setdefault(full, 0.0)  # steps in the order they start
    t0 = time.perf_counter()
    try:
        yield
    finally:
        sink[full] += time.perf_counter() - t0
        _PREFIX.reset(token)
