"""Where TWFE misleads: a hand-made staggered panel with growing effects (no noise).

Units: two adopt in period 2, two in period 4, two never (periods 1-6). Outcome = unit effect +
common quadratic trend + tau, tau = e + 1 in event time e >= 0. So every ATT(g, t) is known:
cohort 2: 1, 2, 3, 4, 5; cohort 4: 1, 2, 3; the simple ATT (equal cohort sizes) is 21 / 8 = 2.625.
The static TWFE coefficient equals sum_gt w_gt tau_gt with de Chaisemartin-D'Haultfoeuille weights,
negative on late periods of the early cohort, and lands far below 2.625 (Goodman-Bacon 2021).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import policy
from analysis.policy import PolicyError, diagnostics

# tiny panels have few comparison units by design; the warning itself is tested in test_policy_errors
pytestmark = pytest.mark.filterwarnings("ignore::analysis.policy.diagnostics.ComparisonWarning")

RTOL = 1e-9  # noise-free data, closed-form estimators
SIMPLE_ATT = 21 / 8


@pytest.fixture(scope="module")
def growing():
    rows = []
    for u, (g, a) in enumerate([(2, 0.0), (2, 1.0), (4, 0.5), (4, 2.0), (0, 1.5), (0, -1.0)]):
        for t in range(1, 7):
            tau = (t - g + 1.0) if (g > 0 and t >= g) else 0.0
            rows.append({"unit": u, "g": g, "t": t, "y": a + 0.3 * t + 0.1 * t * t + tau, "cluster": u})
    return pd.DataFrame(rows)


def tau(g, t):
    return np.where(t >= g, t - g + 1.0, 0.0)


def test_callaway_santanna_is_exact(growing):
    res = policy.att_gt(growing, outcome="y", unit="unit", time="t", cohort="g")
    post = res.table.loc[res.table["post"]]
    np.testing.assert_allclose(post["estimate"], tau(post["group"], post["time"]), rtol=RTOL)
    assert policy.aggte(res, kind="simple").estimate("ATT") == pytest.approx(SIMPLE_ATT, rel=RTOL)


def test_twfe_equals_its_weighted_average_with_negative_weights(growing):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tw = policy.twfe(growing, outcome="y", unit="unit", time="t", cohort="g", cluster="cluster").estimate("ATT")
    w = diagnostics.twfe_weights(growing, unit="unit", time="t", cohort="g")
    assert tw == pytest.approx(float((w["weight"] * tau(w["group"], w["time"])).sum()), rel=1e-8)
    assert (w.loc[(w["group"] == 2) & (w["time"] >= 4), "weight"] < 0).all()
    assert tw < SIMPLE_ATT - 1.0  # 1.5 instead of 2.625


def test_sun_abraham_recovers_event_time_effects(growing):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = policy.event_study(growing, outcome="y", unit="unit", time="t", cohort="g", cluster="cluster",
                                leads=1, lags=4, method="sunab")
    rows = es.table.dropna(subset=["event_time"])
    np.testing.assert_allclose(rows["estimate"], rows["event_time"] + 1.0, rtol=1e-7)
    assert es.estimate("ATT") == pytest.approx(SIMPLE_ATT, rel=1e-7)
    assert es.info["reference"] == -1


# ---------------------------------------------------------------------------------------------
# event window: no end bins by default (as fixest::sunab); bins are opt-in and labelled as bins
# ---------------------------------------------------------------------------------------------
RTOL_REGRESSION = 1e-8  # two least-squares fits of the same saturated model


def test_sun_abraham_window_is_exact_without_end_bins(growing):
    """lags=2 < the 4 post periods of cohort 2: e = 2 must be tau = 3, not a mix of e = 2, 3, 4."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = policy.event_study(growing, outcome="y", unit="unit", time="t", cohort="g", cluster="cluster",
                                leads=2, lags=2, method="sunab")
    rows = es.table.dropna(subset=["event_time"]).set_index("term")
    assert list(rows.index) == ["event::-2", "event::0", "event::1", "event::2"] and not rows["binned"].any()
    np.testing.assert_allclose(rows["estimate"], [0.0, 1.0, 2.0, 3.0], atol=1e-7)
    assert es.estimate("ATT") == pytest.approx(2.0, rel=1e-7)  # cohort-cell mean of taus 1, 2, 3 (equal counts)


def _noisy_panel() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    for u in range(36):
        g = (3, 5, 0)[u % 3]
        a = rng.normal()
        for t in range(1, 9):
            tau = (1.0 + 0.5 * (t - g) + (g == 5)) if (g > 0 and t >= g) else 0.0
            rows.append({"unit": u, "g": g, "t": t, "cluster": u % 12, "y": a + 0.2 * t + tau + rng.normal()})
    return pd.DataFrame(rows)


def test_sun_abraham_equals_fully_saturated_regression():
    """fixest::sunab estimates every relative period (no bins). Reference: pyfixest feols with a dummy
    for every cohort x relative period (except -1), averaged with each cohort's observation share."""
    import pyfixest as pf

    df = _noisy_panel()
    es = policy.event_study(df, outcome="y", unit="unit", time="t", cohort="g", cluster="cluster",
                            leads=2, lags=2, method="sunab")
    full = df.assign(rel=np.where(df["g"] > 0, df["t"] - df["g"], np.nan))
    cells = sorted({(g, int(e)) for g, e in zip(full["g"], full["rel"]) if g > 0 and e != -1})
    for g, e in cells:
        full[f"d{g}_{e + 10}"] = ((full["g"] == g) & (full["rel"] == e)).astype(float)
    fit = pf.feols(f"y ~ {' + '.join(f'd{g}_{e + 10}' for g, e in cells)} | unit + t", data=full)
    coef = fit.coef()
    for e in (-2, 0, 1, 2):
        counts = {g: float(full[f"d{g}_{e + 10}"].sum()) for g, ee in cells if ee == e}
        expected = sum(n * coef[f"d{g}_{e + 10}"] for g, n in counts.items()) / sum(counts.values())
        assert es.estimate(f"event::{e}") == pytest.approx(expected, rel=RTOL_REGRESSION), e


@pytest.mark.parametrize("method", ["twfe", "sunab"])
def test_binned_end_points_are_labelled_as_bins(method):
    es = policy.event_study(_noisy_panel(), outcome="y", unit="unit", time="t", cohort="g", cluster="cluster",
                            leads=2, lags=2, method=method, bin_ends=True)
    rows = es.table.dropna(subset=["event_time"]).set_index("term")
    assert list(rows.index) == ["event::<=-2", "event::0", "event::1", "event::>=2"]
    assert list(rows["binned"]) == [True, False, False, True]
    assert list(rows["event_time"]) == [-2, 0, 1, 2]  # plots place a bin at its end point
    assert "binned" in es.method and es.info["bin_ends"]


def test_unbinned_twfe_needs_never_treated_units(growing):
    with pytest.raises(PolicyError, match="bin_ends=True"):
        policy.event_study(growing[growing["g"] > 0], outcome="y", unit="unit", time="t", cohort="g",
                           cluster="cluster", leads=1, lags=1, method="twfe")
