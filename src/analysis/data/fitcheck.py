"""What the models need from the data, checked before any model runs.

pyfixest 0.60.0 aborts the whole process in its Rust demeaning (``demean.rs:71``,
``Option::unwrap()`` on ``None``, exit code -6 / SIGABRT) when a fixed effect leaves no
observation to demean, e.g. ``y ~ x | group_id + month`` on one month of data, where every group
is a singleton (tests/test_fitcheck.py reproduces it in a subprocess). A Python ``try`` cannot
catch an abort, so the data are checked first:

- ``panel_problems(group_months)``: reasons the suite's models cannot be fitted on a panel (one
  month; no group seen in two months; one district, hence one cluster). ``schema.validate`` reports
  them as ``model_fit`` errors, so ``io.load`` (and the report's prepare step) refuse such data
  with the reason instead of dying.
- ``check_fixed_effects(data, fixed_effects)``: the guard for one fit, raising
  ``UnfittableData`` (a ``ValueError``) before pyfixest is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd


class UnfittableData(ValueError):
    """The data cannot be fitted by the model asked for; the message says why and what to do."""


def panel_problems(group_months: pd.DataFrame, units: pd.DataFrame | None = None) -> list[str]:
    """Why the report's models (group and month fixed effects, clustered by district) cannot be
    fitted on ``group_months``; empty when they can."""
    if not {"group_id", "month"} <= set(group_months.columns) or group_months.empty:
        return []
    out = []
    months = group_months["month"].dropna().unique()
    if len(months) < 2:
        only = pd.Timestamp(months[0]).strftime("%Y-%m") if len(months) else "none"
        out.append(f"only one month of data ({only}): the models compare months within groups and need "
                   "at least two (Directive 40 and the reforms need years); export every month, e.g. "
                   "one sheet per month")
    elif not group_months.groupby("group_id")["month"].nunique().gt(1).any():
        out.append("no group appears in two months: the models compare months within groups; check that "
                   "group codes are the same in every month (leading zeros, spaces)")
    if units is not None and "district" in units and units["district"].nunique() < 2:
        out.append("only one district: the models cluster standard errors by district and need at least "
                   "two districts")
    return out


def check_fixed_effects(data: pd.DataFrame, fixed_effects: Sequence[str]) -> None:
    """Raise ``UnfittableData`` when absorbing ``fixed_effects`` leaves nothing to estimate.

    pyfixest drops singleton observations (fixed-effect levels seen once); when every level of a
    fixed effect is a singleton nothing remains and its Rust demeaning aborts the process.
    """
    if data.empty:
        raise UnfittableData("no observations to fit")
    for name in fixed_effects:
        if name not in data:
            continue
        counts = data[name].value_counts()
        if counts.max() < 2:
            raise UnfittableData(
                f"every value of the fixed effect {name!r} occurs once (e.g. one month of data per group), "
                f"so absorbing it leaves no observation to estimate from; fit on a panel with repeated "
                f"{name} values (at least two months per group)")


def describe_crash(returncode: int, dump: str, *, stage: str = "prepare") -> str:
    """A process that died (e.g. a native abort) as one line: the signal, the model and the
    pipeline step it died in (from a ``faulthandler`` dump), and what to try."""
    import re
    import signal

    try:
        how = f"was killed by {signal.Signals(-returncode).name}" if returncode < 0 else f"exited with code {returncode}"
    except ValueError:
        how = f"exited with code {returncode}"
    frames = re.findall(r'File "([^"]+)", line \d+ in (\w+)', dump)  # most recent call first
    ours = [(Path(f).parent.name, Path(f).stem, fn) for f, fn in frames if "/analysis/" in f.replace("\\", "/")]
    native = next((Path(f).parts for f, _ in frames if "site-packages" in f), None)
    library = native[native.index("site-packages") + 1] if native else None
    where = ""
    if ours:
        k = 0
        while k + 1 < len(ours) and ours[k + 1][:2] == ours[0][:2]:
            k += 1  # the outermost frame of the innermost module: panel_ols rather than _fit

        def name(frame):
            return ".".join(part for part in frame if part != "analysis")

        where = f" in {name(ours[k])}" + (f" (called from {name(ours[k + 1])})" if k + 1 < len(ours) else "")
        where += f", inside {library}" if library else ""
    return (f"{stage} process {how}{where}: a native library aborted; run `python -m analysis validate` on the "
            "data (it names data the models cannot fit), and report it if validate passes")
