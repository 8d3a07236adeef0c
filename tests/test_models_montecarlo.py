"""The Monte Carlo command runs end to end on Dask (3 replicates; the full study is in docs/methods.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.results import montecarlo
from analysis.run import cli


def test_replicate_rows_and_summary():
    draws = montecarlo.replicate(0, scale=0.03, start="2017-01", end="2018-06", boot_reps=2048)
    assert set(draws["estimator"]) == {"Poisson pooled", "Poisson FE", "OLS pooled", "OLS FE"}
    assert set(draws["term"]) == set(montecarlo.TERMS)
    assert (draws["conf_low"] < draws["estimate"]).all() and (draws["estimate"] < draws["conf_high"]).all()
    summary = montecarlo.summarise(pd.concat([draws, draws.assign(rep=1)]))
    assert {"bias", "rmse", "coverage", "ci_width"} <= set(summary.columns)
    assert (summary["reps"] == 2).all()


@pytest.mark.slow
def test_cli_three_replicates_on_local_dask(tmp_path, capsys):
    out = tmp_path / "mc.csv"
    code = cli.main(["montecarlo", "--reps", "3", "--scale", "0.03", "--start", "2017-01", "--end", "2018-06",
                     "--workers", "1", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "coverage" in printed and "Poisson FE" in printed and "elapsed" in printed
    summary = pd.read_csv(out)
    assert (summary["reps_null"] == 3).all() and (summary["reps_effect"] == 3).all() and len(summary) == 10
    assert {"size", "coverage", "passes"} <= set(summary.columns)
    assert (tmp_path / "mc_draws.csv").exists()
