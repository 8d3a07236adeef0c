"""The policy designs against the known truth of the calibrated synthetic province (full scale).

External reference: ``sd.truth`` written by ``analysis.data.synthetic`` (truth.json): ``directive40``
(level_change_pp, slope_change_pp_per_month, its_window) and ``reforms`` (att_simple_pp,
never_treated, cohorts). One province is generated once for the module (about 5 s).
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import policy
from analysis.data import panel, synthetic
from analysis.policy import diagnostics

SEED = 20211231
CLUSTER = policy.Inference(kind="cluster", cluster="district")
# One draw of the data: a correct 95% interval misses the truth in 5% of draws, so a test of one draw asks
# that the estimate lie within 3 standard errors of the truth (a correct estimator fails 0.3% of draws).
# Coverage itself is measured by the Monte Carlo gate over 500 draws (docs/policy.md).
Z_ONE_DRAW = 3.0


def assert_near_truth(row, truth: float) -> None:
    se = (row["conf_high"] - row["conf_low"]) / (2 * 1.959963984540054)
    assert abs(row["estimate"] - truth) <= Z_ONE_DRAW * se, (row["estimate"], truth, se)


@pytest.fixture(scope="module")
def province():
    sd = synthetic.generate(seed=SEED, scale=1.0)
    return sd, panel.build(sd.tables)


@pytest.fixture(scope="module")
def reform_months(province):
    sd, df = province
    return policy.reform_panel(df, sd.tables["reforms"], freq="month")


@pytest.fixture(scope="module")
def cs_never(reform_months):
    return policy.att_gt(reform_months, outcome="y", unit="group_id", time="period", cohort="cohort",
                         inference=CLUSTER, freq="month")


def test_directive_headline_is_near_the_true_level_and_slope(province):
    """The headline (province series, GLS-ARMA, bootstrap-t) within 3 standard errors of the truth on the
    default sample; whether its 95% intervals cover 95% of the time is the Monte Carlo gate's job
    (``python -m analysis montecarlo --design directive``), not one seed's."""
    sd, df = province
    truth = sd.truth["directive40"]
    res = policy.directive_effect(policy.monthly_series(df, level="district"), window=tuple(truth["its_window"]))
    tidy = res.table.set_index("term")
    for term in ("level_change_pp", "slope_change_pp_per_month"):
        assert abs(tidy.loc[term, "estimate"] - truth[term]) < 3 * tidy.loc[term, "std_error"], term
    assert tidy.loc["level_change_pp", "estimate"] < 0  # a fall in the overdue ratio
    assert tidy.loc["level_change_pp", "mde"] > 0


def test_directive_dose_is_near_the_true_slope(province):
    sd, df = province
    truth = sd.truth["directive40"]
    res = policy.directive_dose(df, window=tuple(truth["its_window"]), placebo=False)
    row = res.table.set_index("term").loc["dose_slope_pp"]
    assert abs(row["estimate"] - truth["dose_response"]["slope_pp_per_meeting"]) < 3 * row["std_error"]


def test_overdue_avoided_is_the_stated_combination(province):
    sd, df = province
    truth = sd.truth["directive40"]
    s = policy.monthly_series(df, level="district")
    res = policy.its(s, window=tuple(truth["its_window"]))
    post = s.loc[(s["month"] >= "2014-11-01") & (s["month"] <= f"{truth['its_window'][1]}-01")]
    k = (post["month"].dt.year - 2014) * 12 + post["month"].dt.month - 11
    by_hand = -(res.estimate("level_change_pp") * post["outstanding"].sum()
                + res.estimate("slope_change_pp_per_month") * (k * post["outstanding"]).sum()) / 100
    assert res.estimate("overdue_avoided_mvnd") == pytest.approx(by_hand, rel=1e-10)


def test_reform_headline_is_near_the_truth(reform_months, province):
    sd, _ = province
    res = policy.reform_effect(reform_months, outcome="y", unit="group_id", time="period", cohort="cohort",
                               cluster="district")
    row = res.tidy().iloc[0]
    assert row["term"] == "ATT"
    assert_near_truth(row, sd.truth["reforms"]["att_simple_pp"])
    assert res.n_clusters == 11 and res.info["exact"] and res.info["n_assignments"] == 92400


def test_cr1_estimate_is_near_the_truth(cs_never, province):
    sd, _ = province
    simple = policy.aggte(cs_never, kind="simple")
    row = simple.tidy().iloc[0]
    assert_near_truth(row, sd.truth["reforms"]["att_simple_pp"])
    assert simple.n_clusters == 11 and "district (11 clusters)" in simple.inference


def test_not_yet_treated_estimate_is_near_the_truth(reform_months, province):
    sd, _ = province
    res = policy.att_gt(reform_months, outcome="y", unit="group_id", time="period", cohort="cohort",
                        control="notyet", inference=CLUSTER)
    row = policy.aggte(res, kind="simple").tidy().iloc[0]
    assert_near_truth(row, sd.truth["reforms"]["att_simple_pp"])


def test_multiplicative_trends_estimate_is_near_the_truth(reform_months, province):
    """Overdue ratios trend proportionally (the generator is log-linear): ratio parallel trends."""
    sd, _ = province
    res = policy.att_gt(reform_months, outcome="y", unit="group_id", time="period", cohort="cohort",
                        inference=CLUSTER, trends="multiplicative")
    row = policy.aggte(res, kind="simple").tidy().iloc[0]
    assert_near_truth(row, sd.truth["reforms"]["att_simple_pp"])


def test_twfe_estimand_weights_cells_unlike_the_simple_att(cs_never, reform_months):
    """TWFE = sum w_gt ATT(g,t) under parallel trends (de Chaisemartin-D'Haultfoeuille 2020); its
    weights differ from the cohort-size weights of the simple ATT, so with effects that vary by
    cohort and exposure the two estimands differ. (In this sample all weights are positive: the
    demonstration that TWFE can be badly wrong is the hand-made test_policy_event_study.py.)"""
    w = diagnostics.twfe_weights(reform_months, unit="group_id", time="period", cohort="cohort")
    cells = w.merge(cs_never.table[["group", "time", "estimate"]], on=["group", "time"], how="left")
    assert cells["estimate"].notna().all()
    implied_twfe = float((cells["weight"] * cells["estimate"]).sum())
    simple = policy.aggte(cs_never, kind="simple").estimate("ATT")
    assert implied_twfe != pytest.approx(simple, abs=0.01)


def test_twfe_weights_expose_forbidden_comparisons(reform_months):
    w = diagnostics.twfe_weights(reform_months, unit="group_id", time="period", cohort="cohort")
    assert w["weight"].sum() == pytest.approx(1.0, abs=1e-8)
    # late periods of the first cohort get less weight than early ones (and may turn negative)
    first = w.loc[w["group"] == w["group"].min()].sort_values("time")
    assert first["weight"].iloc[-1] < first["weight"].iloc[0]


def test_wild_bootstrap_states_district_clusters(reform_months):
    res = policy.att_gt(reform_months, outcome="y", unit="group_id", time="period", cohort="cohort",
                        inference=policy.Inference(kind="wild", cluster="district", n_boot=499, seed=SEED))
    agg = policy.aggte(res, kind="simple")
    assert agg.vcov_type == "wild" and "wild (multiplier) bootstrap by district (11 clusters)" in agg.inference
    again = policy.aggte(policy.att_gt(reform_months, outcome="y", unit="group_id", time="period",
                                       cohort="cohort", inference=res.settings), kind="simple")
    pd.testing.assert_frame_equal(agg.tidy(), again.tidy())  # seeded: reproducible


def test_pretrend_and_comparison_diagnostics(cs_never, reform_months):
    dyn = policy.aggte(cs_never, kind="dynamic", min_e=-12, max_e=24)
    test = diagnostics.pretrend_test(dyn, leads=6)
    assert test.df == 6 and test.df_denominator == 5 and 0 <= test.p_value <= 1
    check = diagnostics.comparison_check(reform_months, unit="group_id", time="period", cohort="cohort",
                                         cluster="district")
    assert check["enough"].all() and (check["min_comparison_clusters"] == 3).all()  # 3 never-treated districts


def test_leave_one_district_out_has_a_row_per_district(reform_months):
    quarters = reform_months.assign(period=reform_months["period"] // 3, cohort=reform_months["cohort"] // 3)
    quarters = quarters.groupby(["group_id", "district", "period", "cohort"], as_index=False)["y"].mean()

    def estimate(d):
        return policy.aggte(policy.att_gt(d, outcome="y", unit="group_id", time="period", cohort="cohort",
                                          inference=CLUSTER), kind="simple")

    out = diagnostics.leave_one_out(quarters, estimate=estimate, cluster="district")
    assert sorted(out["dropped"]) == sorted(reform_months["district"].unique())
    assert out["estimate"].notna().all()


def test_sun_abraham_and_twfe_event_studies_run_on_quarters(province):
    sd, df = province
    rp = policy.reform_panel(df, sd.tables["reforms"], freq="quarter")
    for method in ("twfe", "sunab"):
        es = policy.event_study(rp, outcome="y", unit="group_id", time="period", cohort="cohort",
                                cluster="district", leads=4, lags=8, method=method)
        events = es.table["event_time"].dropna().astype(int).tolist()
        assert -1 not in events and events[0] == -4 and events[-1] == 8
        assert es.n_clusters == 11
        assert diagnostics.pretrend_test(es).df == 3
