"""Bad use of the policy designs gets a clear PolicyError (tiny hand-written panels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import policy
from analysis.policy import Inference, PolicyError, diagnostics

# tiny panels have few comparison units by design; the warning itself is tested in test_policy_errors
pytestmark = pytest.mark.filterwarnings("ignore::analysis.policy.diagnostics.ComparisonWarning")

REFORM = "monthly loan-use checks"


def tiny_panel() -> pd.DataFrame:
    """4 groups in 4 districts (941-944), monthly 2016-01..2017-12, share rising by group."""
    months = pd.date_range("2016-01-01", "2017-12-01", freq="MS")
    rows = [{"group_id": f"g{i}", "district": f"94{i}", "month": m, "overdue_share": 0.01 * i + 0.001 * k}
            for i in range(1, 5) for k, m in enumerate(months)]
    return pd.DataFrame(rows)


def reforms(*pairs: tuple[str, str], name: str = REFORM) -> pd.DataFrame:
    return pd.DataFrame({"unit": [u for u, _ in pairs], "reform": name,
                         "adopted_on": pd.to_datetime([d for _, d in pairs])})


def test_reform_panel_assigns_cohorts_by_district():
    rp = policy.reform_panel(tiny_panel(), reforms(("941", "2017-01-15"), ("942", "2017-07-01")))
    cohorts = rp.groupby("district")["cohort"].first()
    assert cohorts["941"] == (2017 - 1970) * 12 and cohorts["942"] == (2017 - 1970) * 12 + 6
    assert (cohorts[["943", "944"]] == 0).all()
    assert policy.period_label(int(cohorts["942"])) == "2017-07"
    assert rp["y"].iloc[0] == pytest.approx(1.0)  # 0.01 share -> 1 percentage point


def test_reform_district_missing_from_panel():
    with pytest.raises(PolicyError, match=r"reform district\(s\) \['999'\] not in the panel"):
        policy.reform_panel(tiny_panel(), reforms(("941", "2017-01-01"), ("999", "2017-01-01")))


@pytest.mark.parametrize("date", ["2015-06-01", "2018-03-01"])
def test_reform_date_outside_the_data(date):
    with pytest.raises(PolicyError, match="outside the data"):
        policy.reform_panel(tiny_panel(), reforms(("941", date)))


def test_several_reforms_need_a_name():
    both = pd.concat([reforms(("941", "2017-01-01")), reforms(("942", "2017-03-01"), name="other")])
    with pytest.raises(PolicyError, match="several reforms"):
        policy.reform_panel(tiny_panel(), both)
    assert policy.reform_panel(tiny_panel(), both, reform="other")["cohort"].gt(0).sum() == 24


def test_no_untreated_units():
    rp = policy.reform_panel(tiny_panel(), reforms(*[(f"94{i}", "2017-01-01") for i in range(1, 5)]))
    with pytest.raises(PolicyError, match="no never-treated units"):
        policy.att_gt(rp, outcome="y", unit="group_id", time="period", cohort="cohort")
    with pytest.raises(PolicyError, match="no untreated comparison units"):
        policy.att_gt(rp, outcome="y", unit="group_id", time="period", cohort="cohort", control="notyet")
    with pytest.raises(PolicyError, match="no cohort has any untreated comparison unit"):
        diagnostics.comparison_check(rp, unit="group_id", time="period", cohort="cohort")


def test_too_few_pre_periods_for_leads():
    rp = policy.reform_panel(tiny_panel(), reforms(("941", "2016-04-01")))
    # latest adoption 2016-04 is 3 months after the first month 2016-01
    with pytest.raises(PolicyError, match="too few pre-periods for 6 leads"):
        policy.event_study(rp, outcome="y", unit="group_id", time="period", cohort="cohort",
                           cluster="district", leads=6, lags=3)


def test_too_many_leads_for_the_clusters_in_a_joint_test():
    rp = policy.reform_panel(tiny_panel(), reforms(("941", "2017-01-01")))
    res = policy.att_gt(rp, outcome="y", unit="group_id", time="period", cohort="cohort",
                        inference=Inference(kind="cluster", cluster="district"))
    with pytest.raises(PolicyError, match="cannot be tested jointly with 4 clusters"):
        diagnostics.pretrend_test(res)


def test_few_comparison_clusters_warn():
    rp = policy.reform_panel(tiny_panel(), reforms(("941", "2017-01-01"), ("942", "2017-01-01"),
                                                   ("943", "2017-01-01")))
    with pytest.warns(diagnostics.ComparisonWarning, match="fewer than"):
        out = diagnostics.comparison_check(rp, unit="group_id", time="period", cohort="cohort", cluster="district")
    assert not out["enough"].any()


@pytest.mark.parametrize("kwargs,message", [
    ({"kind": "bootstrap"}, "unknown"),
    ({"kind": "wild"}, "needs cluster="),
    ({"kind": "analytic", "alpha": 1.5}, "alpha"),
])
def test_bad_inference_settings(kwargs, message):
    with pytest.raises(PolicyError, match=message):
        Inference(**kwargs)


def test_missing_columns_are_named():
    with pytest.raises(PolicyError, match="overdue_share"):
        policy.reform_panel(tiny_panel().drop(columns="overdue_share"), reforms(("941", "2017-01-01")))
    with pytest.raises(PolicyError, match="nope"):
        policy.att_gt(tiny_panel(), outcome="nope", unit="group_id", time="month", cohort="district")


def test_parallel_shares_give_zero_effects_exactly():
    """Hand check: every group's share rises 0.1 pp a month, so every ATT(g, t) is exactly zero."""
    rp = policy.reform_panel(tiny_panel(), reforms(("941", "2017-01-01")))
    res = policy.att_gt(rp, outcome="y", unit="group_id", time="period", cohort="cohort")
    np.testing.assert_allclose(res.table["estimate"], 0.0, atol=1e-12)


def test_att_gt_warns_when_comparisons_are_thin():
    """One never-treated district (a single comparison cluster): a clear warning, estimates still made."""
    rp = policy.reform_panel(tiny_panel(), reforms(("941", "2017-01-01"), ("942", "2017-01-01"),
                                                   ("943", "2017-01-01")))
    with pytest.warns(diagnostics.ComparisonWarning, match=r"cohort\(s\) \['2017-01'\]"):
        policy.att_gt(rp, outcome="y", unit="group_id", time="period", cohort="cohort",
                      inference=Inference(kind="cluster", cluster="district"), freq="month")


def test_placebo_dates_find_nothing_when_trends_are_parallel():
    rp = policy.reform_panel(tiny_panel(), reforms(("941", "2017-01-01")))

    def estimate(d):
        return policy.aggte(policy.att_gt(d, outcome="y", unit="group_id", time="period", cohort="cohort"),
                            kind="simple")

    out = diagnostics.placebo_dates(rp, estimate=estimate, time="period", cohort="cohort", shifts=(3, 6))
    assert list(out["shift"]) == [3, 6]
    np.testing.assert_allclose(out["estimate"], 0.0, atol=1e-12)
