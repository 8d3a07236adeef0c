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
from analysis.policy import diagnostics

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
