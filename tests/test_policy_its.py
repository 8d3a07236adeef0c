"""Interrupted time series on tiny hand-made series with known breaks (exact recovery)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.policy import PolicyError, its, placebo_breaks

RTOL = 1e-8  # closed-form OLS on noise-free data: exact up to float error
ATOL = 1e-9

LEVEL, SLOPE, TREND, BASE = -0.5, -0.02, -0.01, 3.0  # the hand-made truth, percentage points
OUTSTANDING = 1000.0  # million VND, every month
SEASON = np.array([0.1, 0.2, 0.0, -0.1, 0.0, 0.05, 0.0, -0.05, 0.0, 0.1, -0.1, 0.0])


def series(months: int = 36, break_at: int = 24, season: bool = False, units=("province",)) -> pd.DataFrame:
    month = pd.date_range("2012-11-01", periods=months, freq="MS")
    t = np.arange(months)
    k = t - break_at
    y = BASE + TREND * t + np.where(k >= 0, LEVEL + SLOPE * k, 0.0)
    if season:
        y = y + SEASON[month.month - 1]
    frames = [pd.DataFrame({"unit": u, "month": month, "overdue": np.nan, "outstanding": OUTSTANDING,
                            "ratio_pp": y + i * 0.3}) for i, u in enumerate(units)]
    return pd.concat(frames, ignore_index=True)


BREAK = "2014-11"  # month 24 of a series starting 2012-11


@pytest.mark.parametrize("season", [False, True])
def test_recovers_level_and_slope_exactly(season):
    res = its(series(season=season), break_month=BREAK, seasonality=season)
    tidy = res.tidy().set_index("term")
    assert tidy.loc["level_change_pp", "estimate"] == pytest.approx(LEVEL, rel=RTOL)
    assert tidy.loc["slope_change_pp_per_month", "estimate"] == pytest.approx(SLOPE, rel=RTOL)
    assert tidy.loc["pre_trend_pp_per_month", "estimate"] == pytest.approx(TREND, rel=RTOL)
    assert res.vcov_type == "HAC" and "Newey-West" in res.inference


def test_overdue_avoided_by_hand():
    """12 post months, 1000 mVND each: avoided = sum_k (0.5 + 0.02 k) / 100 * 1000 = 60 + 13.2 = 73.2."""
    res = its(series(), break_month=BREAK, seasonality=False)
    assert res.estimate("overdue_avoided_mvnd") == pytest.approx(73.2, rel=RTOL)


def test_counterfactual_continues_the_pre_trend():
    res = its(series(), break_month=BREAK, seasonality=False)
    post = res.series.dropna(subset=["counterfactual"])
    t = np.arange(24, 36)
    np.testing.assert_allclose(post["counterfactual"], BASE + TREND * t, rtol=RTOL)
    np.testing.assert_allclose(res.series["fitted"], res.series["observed"], atol=ATOL)


def test_panel_of_districts_is_clustered():
    units = [f"94{i}" for i in range(1, 9)]
    res = its(series(units=units), break_month=BREAK, seasonality=False)
    assert res.n_clusters == 8 and res.vcov_type == "cluster" and "t(7)" in res.inference
    assert res.estimate("level_change_pp") == pytest.approx(LEVEL, rel=RTOL)


def test_placebo_breaks_find_nothing_on_a_straight_pre_period():
    out = placebo_breaks(series(), placebo_months=["2013-08", "2014-01"], break_month=BREAK)
    assert set(out["placebo_month"]) == {"2013-08", "2014-01"}
    np.testing.assert_allclose(out["estimate"], 0.0, atol=1e-9)


@pytest.mark.parametrize("kwargs,message", [
    ({"break_month": "2015-08"}, "at least 6 months on each side"),
    ({"break_month": BREAK, "window": ("2010-01", "2015-10")}, "outside the data"),
])
def test_bad_use_is_a_clear_error(kwargs, message):
    with pytest.raises(PolicyError, match=message):
        its(series(), **kwargs)


def test_placebo_after_the_break_is_refused():
    with pytest.raises(PolicyError, match="must be before"):
        placebo_breaks(series(), placebo_months=["2015-01"], break_month=BREAK)


def test_hac_covariance_is_newey_west_with_small_sample_factor():
    """Hand computation: V = T/(T-K) (X'X)^-1 S (X'X)^-1, S = sum_t u_t^2 x_t x_t' + sum_{l=1..L}
    (1 - l/(L+1)) sum_t u_t u_{t-l} (x_t x_{t-l}' + x_{t-l} x_t') (Newey and West 1987, Bartlett)."""
    data = series()
    data["ratio_pp"] += np.random.default_rng(5).normal(scale=0.05, size=len(data))
    lags = 2
    res = its(data, break_month=BREAK, seasonality=False, hac_lags=lags)
    t = np.arange(36.0)
    post = (t >= 24).astype(float)
    X = np.column_stack([np.ones(36), t, post, post * (t - 24)])  # unit intercept, trend, level, slope
    y = data["ratio_pp"].to_numpy()
    u = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    xu = X * u[:, None]
    S = xu.T @ xu
    for lag in range(1, lags + 1):
        gamma = xu[lag:].T @ xu[:-lag]
        S += (1 - lag / (lags + 1)) * (gamma + gamma.T)
    bread = np.linalg.inv(X.T @ X)
    T, K = X.shape
    np.testing.assert_allclose(res.info["vcov"], T / (T - K) * bread @ S @ bread, rtol=RTOL)
    assert "T/(T-K)" in res.inference and f"T={T}, K={K}" in res.inference
