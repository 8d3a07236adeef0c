"""directive_effect: the Directive 40 headline (GLS with ARMA(1,1) errors, parametric bootstrap-t).

External references: exact recovery on hand-made noise-free series; statsmodels' GLS with the same
ARMA(1,1) covariance (sigma = Toeplitz of the autocovariances) for the coefficients and covariance;
the ARMA(1,1) autocovariance formula against statsmodels' ``arma_acovf``; REML estimates near the
truth on a long simulated series. Size and coverage under shocks are measured by the Monte Carlo
gate (``python -m analysis montecarlo --design directive``; docs/policy.md), not here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import linalg
from statsmodels.tsa.arima_process import arma_acovf

from analysis import policy
from analysis.policy import PolicyError, directive
from analysis.policy.its import _design

RTOL = 1e-8  # closed-form GLS on noise-free data: exact up to float error
GLS_RTOL = 1e-8  # our GLS against statsmodels' GLS with the same covariance
LEVEL, SLOPE, TREND, BASE = -0.6, -0.02, -0.01, 3.2
OUTSTANDING = 1000.0
SEASON = np.array([0.1, 0.2, 0.0, -0.1, 0.0, 0.05, 0.0, -0.05, 0.0, 0.1, -0.1, 0.0])
BREAK = "2014-11"


def series(*, noise: np.ndarray | None = None, units: tuple[str, ...] = ("province",),
           months: int = 48) -> pd.DataFrame:
    month = pd.date_range("2012-01-01", periods=months, freq="MS")
    t = np.arange(months)
    k = t - 34  # 2014-11 is month 34 of a series starting 2012-01
    y = BASE + TREND * t + np.where(k >= 0, LEVEL + SLOPE * k, 0.0) + SEASON[month.month - 1]
    if noise is not None:
        y = y + noise
    frames = [pd.DataFrame({"unit": u, "month": month, "outstanding": OUTSTANDING,
                            "overdue": y / 100 * OUTSTANDING, "ratio_pp": y}) for u in units]
    return pd.concat(frames, ignore_index=True)


def test_recovers_level_slope_and_trend_exactly_without_noise():
    res = policy.directive_effect(series(noise=np.zeros(48) + 1e-12 * np.sin(np.arange(48))), n_boot=199)
    tidy = res.tidy().set_index("term")
    assert tidy.loc["level_change_pp", "estimate"] == pytest.approx(LEVEL, rel=1e-6)
    assert tidy.loc["slope_change_pp_per_month", "estimate"] == pytest.approx(SLOPE, rel=1e-6)
    assert tidy.loc["pre_trend_pp_per_month", "estimate"] == pytest.approx(TREND, rel=1e-6)
    assert list(res.tidy()["term"]) == ["level_change_pp", "slope_change_pp_per_month", "pre_trend_pp_per_month",
                                        "overdue_avoided_mvnd"]


def test_overdue_avoided_is_the_stated_combination():
    rng = np.random.default_rng(3)
    s = series(noise=rng.normal(0, 0.1, 48))
    res = policy.directive_effect(s, n_boot=199)
    post = s.loc[s["month"] >= "2014-11-01"]
    k = np.arange(len(post))
    by_hand = -(res.estimate("level_change_pp") * post["outstanding"].sum()
                + res.estimate("slope_change_pp_per_month") * (k * post["outstanding"]).sum()) / 100
    assert res.estimate("overdue_avoided_mvnd") == pytest.approx(by_hand, rel=RTOL)


def test_arma_autocovariance_matches_statsmodels():
    for phi, theta in [(0.7, 0.0), (0.5, -0.3), (-0.2, 0.6)]:
        ours = directive.arma_autocovariance(phi, theta, 12)
        ref = arma_acovf(np.array([1.0, -phi]), np.array([1.0, theta]), nobs=12)
        np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_gls_matches_statsmodels_gls_with_the_same_covariance():
    rng = np.random.default_rng(7)
    s = series(noise=directive.simulate_arma(rng, phi=0.6, theta=-0.2, s2=0.02, n=48, size=1)[:, 0])
    df = directive.province_series(s)
    X, _ = _design(df, t0=pd.Timestamp("2014-11-01"), seasonality=True)
    y = df["ratio_pp"].to_numpy()
    fit = directive.gls_arma(X, y[:, None])
    phi, theta = float(fit["phi"][0]), float(fit["theta"][0])
    sigma = linalg.toeplitz(directive.arma_autocovariance(phi, theta, len(y)))
    ref = sm.GLS(y, X, sigma=sigma).fit()
    np.testing.assert_allclose(fit["beta"][:, 0], ref.params, rtol=GLS_RTOL)
    np.testing.assert_allclose(fit["bread"][0] * fit["s2"][0], ref.cov_params(), rtol=1e-6)


def test_reml_recovers_arma_coefficients_on_a_long_series():
    rng = np.random.default_rng(11)
    n = 600
    X = np.column_stack([np.ones(n), np.arange(n) / n])
    e = directive.simulate_arma(rng, phi=0.7, theta=-0.3, s2=1.0, n=n, size=1)
    fit = directive.gls_arma(X, X @ np.array([1.0, 2.0])[:, None] + e)
    assert abs(fit["phi"][0] - 0.7) <= 0.1 and abs(fit["theta"][0] + 0.3) <= 0.15


def test_several_units_are_summed_into_the_province_series():
    rng = np.random.default_rng(5)
    noise = rng.normal(0, 0.05, 48)
    one = policy.directive_effect(series(noise=noise), n_boot=199, seed=1)
    three = policy.directive_effect(series(noise=noise, units=("a", "b", "c")), n_boot=199, seed=1)
    assert three.estimate("level_change_pp") == pytest.approx(one.estimate("level_change_pp"), rel=RTOL)
    assert three.n_obs == 48 and three.n_clusters is None


def test_interval_p_value_and_mde_agree():
    rng = np.random.default_rng(9)
    res = policy.directive_effect(series(noise=rng.normal(0, 0.15, 48)), n_boot=499, seed=2)
    row = res.table.iloc[0]
    half = row["conf_high"] - row["estimate"]
    assert half == pytest.approx(row["estimate"] - row["conf_low"])
    assert half == pytest.approx(row["critical_value"] * row["std_error"])
    assert (row["p_value"] < 0.05) == (row["conf_high"] < 0 or row["conf_low"] > 0)
    assert row["mde"] > half  # 80% power needs more than the 5% critical distance
    assert "ARMA(1,1)" in res.inference and "bootstrap-t" in res.inference and "499 draws" in res.inference


def test_same_seed_same_interval():
    rng = np.random.default_rng(4)
    s = series(noise=rng.normal(0, 0.1, 48))
    a = policy.directive_effect(s, n_boot=199, seed=8).table
    b = policy.directive_effect(s, n_boot=199, seed=8).table
    pd.testing.assert_frame_equal(a, b)


def test_clear_errors():
    with pytest.raises(PolicyError, match="too few to estimate serial correlation"):
        policy.directive_effect(series(months=24).iloc[:24].assign(month=pd.date_range("2013-12-01", periods=24,
                                                                                       freq="MS")), n_boot=199)
    with pytest.raises(PolicyError, match="n_boot"):
        policy.directive_effect(series(), n_boot=10)
    with pytest.raises(PolicyError, match="window"):
        policy.directive_effect(series(), window=("2010-01", "2015-12"))
