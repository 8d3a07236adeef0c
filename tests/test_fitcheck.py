"""The pyfixest abort on one month of data, reproduced in a subprocess, and the guards against it.

pyfixest 0.60.0 panics in Rust (demean.rs, ``Option::unwrap()`` on ``None``) and aborts the
process (SIGABRT, return code -6) when every level of a fixed effect is a singleton, as with
``| group_id + month`` on one month of data. The test runs the fit in a child process so that
the abort cannot take pytest down; if a later pyfixest raises an exception instead, the
reproduction is skipped (the guards still hold).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from analysis.data import fitcheck, loading, problems, schema

ONE_MONTH = textwrap.dedent("""
    import numpy as np, pandas as pd
    from analysis import models
    rng = np.random.default_rng(1)
    n = 60
    data = pd.DataFrame({"group_id": [f"g{i}" for i in range(n)], "month": ["2021-05"] * n,
                         "district": np.arange(n) % 4, "x": rng.normal(size=n), "y": rng.normal(size=n)})
    models.panel_ols(data, "y ~ x | group_id + month", vcov="cluster", cluster="district")
    print("fitted")
""")


def one_month_panel(n: int = 60) -> pd.DataFrame:
    return pd.DataFrame({"group_id": [f"g{i}" for i in range(n)], "month": pd.Timestamp("2021-05-01"),
                         "district": [str(i % 4) for i in range(n)], "x": range(n), "y": range(n)})


@pytest.mark.slow
def test_pyfixest_aborts_the_process_on_one_month_of_data():
    done = subprocess.run([sys.executable, "-c", ONE_MONTH], capture_output=True, text=True, timeout=300)
    if done.returncode == 0 or "Traceback" in done.stderr:
        pytest.skip(f"this pyfixest no longer aborts (return code {done.returncode})")
    assert done.returncode == -signal.SIGABRT, done.stderr[-2000:]
    assert "demean.rs" in done.stderr and "unwrap()" in done.stderr
    # the runner's prepare process dumps the Python stack (faulthandler) and names the model that died
    dumped = subprocess.run([sys.executable, "-X", "faulthandler", "-c", ONE_MONTH], capture_output=True, text=True,
                            timeout=300)
    line = fitcheck.describe_crash(dumped.returncode, dumped.stderr)
    assert line.startswith("prepare process was killed by SIGABRT in models.panel.panel_ols"), line
    assert "inside pyfixest" in line and "python -m analysis validate" in line


def test_guard_turns_the_abort_into_a_clear_error():
    with pytest.raises(fitcheck.UnfittableData, match="'group_id' occurs once"):
        fitcheck.check_fixed_effects(one_month_panel(), ["group_id", "month"])
    two = pd.concat([one_month_panel(), one_month_panel().assign(month=pd.Timestamp("2021-06-01"))])
    fitcheck.check_fixed_effects(two, ["group_id", "month"])  # a panel passes


def test_panel_problems_name_the_cause():
    assert fitcheck.panel_problems(one_month_panel())[0].startswith("only one month of data (2021-05)")
    moved = one_month_panel(4).assign(month=pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01"]))
    assert "no group appears in two months" in fitcheck.panel_problems(moved)[0]
    units = pd.DataFrame({"district": ["941", "941"], "commune": ["1", "2"]})
    assert any("one district" in p for p in fitcheck.panel_problems(one_month_panel(), units))


def test_validate_rejects_one_month_so_load_never_reaches_the_models(small_sample, tmp_path):
    tables = dict(small_sample.tables)
    gm = tables["group_months"]
    tables["group_months"] = gm[gm["month"] == gm["month"].max()].reset_index(drop=True)
    report = schema.validate(tables)
    fit = [i for i in report.errors if i.rule == "model_fit"]
    assert len(fit) == 1 and "only one month of data (2021-05)" in fit[0].message, report.to_text()
    for name, frame in tables.items():
        frame.to_parquet(tmp_path / f"{name}.parquet")
    with pytest.raises(problems.DataContractError, match="model_fit"):
        loading.load(tmp_path)
