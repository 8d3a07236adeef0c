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


# ---------------------------------------------------------------------------------------------
# audit fixes: cells dropped under ratio trends are reported; the universal reference period is a row
# ---------------------------------------------------------------------------------------------

def _zero_base_panel() -> pd.DataFrame:
    """Two units adopt in period 3, two never do (periods 1-4). The never-treated outcome is 0 in
    period 1, so the ratio-trend pre cell (3, 2), whose base period is 1, has no growth factor."""
    never = {1: [0.0, 0.0], 2: [1.0, 2.0], 3: [2.0, 3.0], 4: [3.0, 3.0]}
    treated = {1: [1.0, 2.0], 2: [2.0, 3.0], 3: [4.0, 5.0], 4: [6.0, 6.0]}
    rows = [{"unit": f"{kind}{i}", "t": t, "g": g, "y": ys[t][i]}
            for kind, g, ys in (("n", 0, never), ("d", 3, treated)) for t in range(1, 5) for i in range(2)]
    return pd.DataFrame(rows)


@pytest.mark.filterwarnings("ignore::analysis.policy.diagnostics.ComparisonWarning")  # 2 comparison units by design
def test_ratio_trend_cells_with_zero_base_are_named_and_recorded():
    with pytest.warns(UserWarning, match=r"base period <= 0.*: \(3,2\)"):
        res = att_gt(_zero_base_panel(), outcome="y", unit="unit", time="t", cohort="g", trends="multiplicative")
    assert res.info["dropped_cells"] == [(3, 2, "comparison mean in the base period <= 0 (ratio trend undefined)")]
    assert "ATT(3,2)" not in set(res.table["term"])
    # post cell (3,3) by hand: base 2, comparison growth 2.5 / 1.5, treated 4.5 - 2.5 * 2.5 / 1.5
    assert res.estimate("ATT(3,3)") == pytest.approx(4.5 - 2.5 * 2.5 / 1.5, rel=1e-12)


def test_additive_trends_drop_nothing(mpdta, out):
    assert out.info["dropped_cells"] == []


@pytest.fixture(scope="module")
def universal(mpdta):
    return att_gt(mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                  base_period="universal")


def test_universal_base_period_reports_reference_rows_as_r_did(universal):
    """R did (compute.att_gt.R): with base_period="universal" the cell t = g-1 is returned with
    att = 0 and a zero influence function, so its standard error is reported as NA."""
    table = universal.table.set_index("term")
    refs = table.loc[table["is_reference"]]
    assert sorted(refs.index) == ["ATT(2004,2003)", "ATT(2006,2005)", "ATT(2007,2006)"]
    assert (refs["estimate"] == 0).all() and (refs["event_time"] == -1).all() and not refs["post"].any()
    assert refs[["std_error", "statistic", "p_value", "conf_low", "conf_high"]].isna().all().all()
    assert table.loc["ATT(2007,2004)", "base"] == 2006
    # pre cell by hand (balanced panel): Y2004 - Y2006 = -(varying ATT(2007,2005) + ATT(2007,2006))
    assert table.loc["ATT(2007,2004)", "estimate"] == pytest.approx(-(-0.0027 - 0.0311), abs=2 * ATOL_PUBLISHED)


@pytest.mark.parametrize("kind", ["simple", "group", "calendar"])
def test_universal_reference_rows_leave_post_aggregations_unchanged(out, universal, kind):
    assert universal.table["is_reference"].sum() == 3  # the rows are there, and do not enter these
    a, b = aggte(out, kind=kind).tidy(), aggte(universal, kind=kind).tidy()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12, check_like=False)


def test_universal_dynamic_has_zero_reference_event_as_r_did(out, universal):
    varying, uni = aggte(out, kind="dynamic").table.set_index("term"), aggte(universal,
                                                                             kind="dynamic").table.set_index("term")
    ref = uni.loc["event::-1"]
    assert ref["estimate"] == 0 and ref["is_reference"] and np.isnan(ref["std_error"]) and np.isnan(ref["conf_low"])
    post = ["ATT", "event::0", "event::1", "event::2", "event::3"]
    np.testing.assert_allclose(uni.loc[post, ["estimate", "std_error"]], varying.loc[post, ["estimate", "std_error"]],
                               rtol=1e-12)


def test_pretrend_test_skips_the_universal_reference(universal):
    for res in (universal, aggte(universal, kind="dynamic")):
        refs = set(res.table.loc[res.table["is_reference"].astype(bool), "term"])
        test = diagnostics.pretrend_test(res)
        assert refs and not refs & set(test.terms)
        assert np.isfinite(test.p_value)
    assert diagnostics.pretrend_test(universal).df == 5  # (2006: 2003, 2004), (2007: 2003, 2004, 2005)
