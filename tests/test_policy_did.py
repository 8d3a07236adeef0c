"""Callaway-Sant'Anna against the R did package's published mpdta results.

Reference: README of the R package did (bcallaway11/did, "A short example"):
att_gt(yname="lemp", gname="first.treat", idname="countyreal", tname="year", xformla=~1,
data=mpdta, est_method="reg"), its summary, aggte(type="dynamic") and aggte(type="group").
The README's standard errors come from the multiplier bootstrap (random, 1000 draws); ours are the
analytic influence-function errors, compared loosely. The pre-test p-value is computed by R from the
analytic influence-function covariance, so it is deterministic and tested tightly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.policy import Inference, PolicyError, aggte, att_gt, diagnostics

ATOL_PUBLISHED = 5e-5 + 0.5e-4  # published to 4 decimals: rounding (0.5e-4) plus float slack
ATOL_BOOT_SE = 0.003  # README SEs are bootstrap draws (1000); analytic SEs agree to about 10%
ATOL_PVALUE = 1e-5  # p-value published to 5 decimals

# R did README, summary(out): Group, Time, ATT(g,t), Std. Error (bootstrap)
ATT_GT = [
    (2004, 2004, -0.0105, 0.0241), (2004, 2005, -0.0704, 0.0313), (2004, 2006, -0.1373, 0.0380),
    (2004, 2007, -0.1008, 0.0337), (2006, 2004, 0.0065, 0.0223), (2006, 2005, -0.0028, 0.0196),
    (2006, 2006, -0.0046, 0.0188), (2006, 2007, -0.0412, 0.0202), (2007, 2004, 0.0305, 0.0154),
    (2007, 2005, -0.0027, 0.0168), (2007, 2006, -0.0311, 0.0190), (2007, 2007, -0.0261, 0.0182),
]
# R did README, summary(aggte(out, type="dynamic")): overall and event-time estimates
DYNAMIC = [("ATT", -0.0772, 0.0196), ("event::-3", 0.0305, 0.0153), ("event::-2", -0.0006, 0.0136),
           ("event::-1", -0.0245, 0.0138), ("event::0", -0.0199, 0.0115), ("event::1", -0.0510, 0.0174),
           ("event::2", -0.1373, 0.0356), ("event::3", -0.1008, 0.0354)]
# R did README, summary(aggte(out, type="group"))
GROUP = [("ATT", -0.031, 0.0123), ("cohort::2004", -0.0797, 0.0277), ("cohort::2006", -0.0229, 0.0172),
         ("cohort::2007", -0.0261, 0.0177)]
SIMPLE_ATT = -0.0400  # aggte(out, type="simple") on mpdta: overall ATT -0.04 (did vignettes)
PRETEST_P = 0.16812  # README: "P-value for pre-test of parallel trends assumption: 0.16812"


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(paths.TESTS_DATA / "policy" / "mpdta.csv")


@pytest.fixture(scope="module")
def out(mpdta):
    return att_gt(mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat")


@pytest.mark.parametrize("group,time,att,se", ATT_GT)
def test_att_gt_matches_r_did(out, group, time, att, se):
    row = out.table.set_index("term").loc[f"ATT({group},{time})"]
    assert row["estimate"] == pytest.approx(att, abs=ATOL_PUBLISHED)
    assert row["std_error"] == pytest.approx(se, abs=ATOL_BOOT_SE)


@pytest.mark.parametrize("kind,expected", [("dynamic", DYNAMIC), ("group", GROUP)])
def test_aggregations_match_r_did(out, kind, expected):
    table = aggte(out, kind=kind).table.set_index("term")
    for term, est, se in expected:
        assert table.loc[term, "estimate"] == pytest.approx(est, abs=ATOL_PUBLISHED), term
        assert table.loc[term, "std_error"] == pytest.approx(se, abs=ATOL_BOOT_SE), term


def test_simple_aggregation_matches_r_did(out):
    assert aggte(out, kind="simple").estimate("ATT") == pytest.approx(SIMPLE_ATT, abs=ATOL_PUBLISHED)


def test_pretest_matches_r_did(out):
    test = diagnostics.pretrend_test(out)
    assert test.p_value == pytest.approx(PRETEST_P, abs=ATOL_PVALUE)
    assert test.df == 5  # five pre-treatment cells: (2006: 2004, 2005), (2007: 2004, 2005, 2006)


def test_tidy_has_core_columns(out):
    tidy = aggte(out, kind="simple").tidy()
    assert list(tidy.columns) == ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
    assert tidy.attrs["n_obs"] == 2500 and tidy.attrs["vcov_type"] == "analytic"


def test_calendar_is_mean_of_calendar_cells(out):
    """Hand check: calendar effect for 2004 = ATT(2004,2004) (only cohort treated then)."""
    cal = aggte(out, kind="calendar").table.set_index("term")
    assert cal.loc["time::2004", "estimate"] == pytest.approx(out.estimate("ATT(2004,2004)"), abs=1e-12)
    assert cal.loc["ATT", "estimate"] == pytest.approx(cal["estimate"].iloc[1:].mean(), abs=1e-12)


def test_not_yet_treated_uses_later_cohorts(mpdta, out):
    nyt = att_gt(mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat", control="notyet")
    cell = nyt.table.set_index("term").loc["ATT(2004,2005)"]
    never = out.table.set_index("term").loc["ATT(2004,2005)"]
    assert cell["n_control"] == never["n_control"] + 40 + 131  # + cohorts 2006 (40) and 2007 (131)
    # the last cohort's post cells have only never-treated comparisons: identical estimates
    assert nyt.estimate("ATT(2007,2007)") == pytest.approx(out.estimate("ATT(2007,2007)"), abs=1e-12)


def test_universal_base_period_compares_with_g_minus_1(mpdta):
    uni = att_gt(mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                 base_period="universal")
    assert "ATT(2007,2006)" not in set(uni.table["term"])  # the reference period itself
    assert uni.table.set_index("term").loc["ATT(2007,2004)", "base"] == 2006


def test_cluster_and_wild_inference_state_clusters(mpdta):
    data = mpdta.assign(state=mpdta["countyreal"] // 1000)
    for kind in ("cluster", "wild"):
        res = att_gt(data, outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                     inference=Inference(kind=kind, cluster="state", n_boot=199))
        agg = aggte(res, kind="simple")
        assert agg.n_clusters == data["state"].nunique()
        assert "state" in agg.inference and agg.estimate("ATT") == pytest.approx(SIMPLE_ATT, abs=ATOL_PUBLISHED)


def test_no_never_treated_is_a_clear_error(mpdta):
    treated_only = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(PolicyError, match="no never-treated units"):
        att_gt(treated_only, outcome="lemp", unit="countyreal", time="year", cohort="first.treat")


def test_does_not_mutate_input(mpdta):
    before = mpdta.copy()
    att_gt(mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
    pd.testing.assert_frame_equal(mpdta, before)


def test_wild_bootstrap_adds_a_wider_simultaneous_band(mpdta):
    data = mpdta.assign(state=mpdta["countyreal"] // 1000)
    res = att_gt(data, outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                 inference=Inference(kind="wild", cluster="state", n_boot=499))
    dyn = aggte(res, kind="dynamic").table
    assert (dyn["band_high"] - dyn["band_low"] >= 2 * 1.96 * dyn["std_error"] - 1e-12).all()
    assert "sup-t" in aggte(res, kind="dynamic").inference
