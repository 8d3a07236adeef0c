"""directive_dose: the comparison inside the province by pre-Directive practice.

External references: exact recovery of a hand-made dose slope on noise-free data; the dose as the
hand-computed shortfall of each commune's pre-Directive meetings; pyfixest's feols with the same
formula and CRV1 for the CR1 columns; the project's WCR bootstrap (tested against wildboottest) for
the headline columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from analysis import policy
from analysis.policy import PolicyError

RTOL = 1e-8
SLOPE = -0.8  # pp of overdue ratio per meeting a month of pre-Directive shortfall
MEETINGS = {"c1": 0.4, "c2": 0.6, "c3": 0.8, "c4": 1.0, "c5": 0.5, "c6": 0.9, "c7": 0.7, "c8": 1.1,
            "c9": 0.3, "c10": 0.95}


def frame(noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    months = pd.date_range("2013-01-01", "2015-12-01", freq="MS")
    shortfall = np.mean(list(MEETINGS.values())) - pd.Series(MEETINGS)
    month_effect = rng.normal(0, 0.3, len(months))
    rows = []
    for i, (commune, meet) in enumerate(MEETINGS.items()):
        level = 2.0 + 0.2 * i
        for j, m in enumerate(months):
            post = m >= pd.Timestamp("2014-11-01")
            ratio = level + month_effect[j] + SLOPE * shortfall[commune] * post + noise * rng.normal()
            rows.append({"district": f"d{i // 2}", "commune": commune, "group_id": f"g{i}", "month": m,
                         "outstanding": 1000.0, "overdue": ratio * 10.0,
                         "group_meetings": meet if not post else meet + 0.5, "check_share": 0.1})
    return pd.DataFrame(rows)


def test_dose_is_the_pre_directive_shortfall():
    panel = policy.dose_panel(frame())
    got = panel.groupby("commune")["dose"].first()
    expected = np.mean(list(MEETINGS.values())) - pd.Series(MEETINGS)
    np.testing.assert_allclose(got.reindex(expected.index), expected, rtol=RTOL)


def test_recovers_the_dose_slope_exactly():
    res = policy.directive_dose(frame())
    assert res.estimate("dose_slope_pp") == pytest.approx(SLOPE, rel=1e-6)
    sd = res.info["dose_sd"]
    assert res.estimate("effect_per_sd_pp") == pytest.approx(SLOPE * sd, rel=1e-6)


def test_cr1_columns_match_pyfixest():
    data = policy.dose_panel(frame(noise=0.2, seed=1))
    ref = pf.feols("ratio_pp ~ dose_post | commune + month", data=data, weights="outstanding",
                   vcov={"CRV1": "district"}).tidy()
    res = policy.directive_dose(frame(noise=0.2, seed=1))
    row = res.table.iloc[0]
    assert row["estimate"] == pytest.approx(ref.loc["dose_post", "Estimate"], rel=1e-8)
    assert row["conf_low_cr1"] == pytest.approx(ref.loc["dose_post", "2.5%"], rel=1e-6)
    assert row["p_value_cr1"] == pytest.approx(ref.loc["dose_post", "Pr(>|t|)"], rel=1e-6)
    assert row["conf_low"] <= row["estimate"] <= row["conf_high"]
    assert res.n_clusters == 5 and "wild cluster restricted bootstrap" in res.inference


def test_placebo_break_a_year_earlier_finds_nothing_on_noise_free_data():
    res = policy.directive_dose(frame())
    assert res.info["placebo"]["break_month"] == "2013-11"
    assert abs(res.info["placebo"]["estimate"]) < 1e-8


def test_clear_errors():
    same = frame().assign(group_meetings=1.0)
    with pytest.raises(PolicyError, match="same dose"):
        policy.directive_dose(same)
    with pytest.raises(PolicyError, match="dose must be one of"):
        policy.directive_dose(frame(), dose="visits")
    with pytest.raises(PolicyError, match="before and after"):
        policy.directive_dose(frame(), window=("2015-01", "2015-12"))


def test_from_partition_sums_equals_the_frame_route():
    data = frame(noise=0.2, seed=1)
    halves = [data[data["district"].isin(part)] for part in (["d0", "d1"], ["d2", "d3", "d4"])]
    sums = pd.concat([policy.dose_sums(half) for half in halves], ignore_index=True)
    pd.testing.assert_frame_equal(policy.dose_panel_from_sums(sums, unit="commune", cluster="district"),
                                  policy.dose_panel(data), rtol=RTOL)
    direct = policy.directive_dose(data)
    summed = policy.directive_dose_sums(sums, unit="commune", cluster="district")
    pd.testing.assert_frame_equal(summed.table, direct.table, rtol=RTOL)
    assert summed.info["placebo"]["estimate"] == pytest.approx(direct.info["placebo"]["estimate"], rel=RTOL)
