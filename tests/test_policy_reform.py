"""reform_effect and its randomization-inference engine.

External references: ``did.att_gt`` + ``aggte(kind="simple")`` with clustered inference (itself tested
against R did) for the engine's ATT and CR1 standard error under many assignments; a brute-force
randomization test that loops over every distinct assignment and refits ``att_gt`` on Y - tau D; the
multinomial count of assignments; hand-made panels where the effective number of clusters is known.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import policy
from analysis.policy import PolicyError
from analysis.policy import randomization as ri

RTOL = 1e-10  # the engine is the same arithmetic as att_gt/aggte: float error only
CLUSTER = policy.Inference(kind="cluster", cluster="district")


def toy_panel(*, clusters=("a", "b", "c", "d", "e"), cohorts=(3, 3, 4, 0, 0), units_per=(3, 2, 3, 2, 4),
              periods=6, effect=0.0, seed=0) -> pd.DataFrame:
    """Units nested in clusters; cohort by cluster; outcome = unit level + cluster shock + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    uid = 0
    for c, g, m in zip(clusters, cohorts, units_per):
        shock = rng.normal(0, 0.5, periods)
        for _ in range(m):
            level = rng.normal(0, 1)
            for t in range(1, periods + 1):
                y = level + shock[t - 1] + rng.normal(0, 0.3) + (effect if g and t >= g else 0.0)
                rows.append({"unit": f"u{uid}", "district": c, "period": t, "cohort": g, "y": y})
            uid += 1
    return pd.DataFrame(rows)


def cs_simple(data: pd.DataFrame) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = policy.att_gt(data, outcome="y", unit="unit", time="period", cohort="cohort", inference=CLUSTER)
        return policy.aggte(gt, kind="simple").table.iloc[0]


def assign(data: pd.DataFrame, cohorts_by_cluster: dict) -> pd.DataFrame:
    return data.assign(cohort=data["district"].map(cohorts_by_cluster))


def test_engine_equals_att_gt_and_aggte_for_every_assignment():
    data = toy_panel()
    sums = ri.cluster_sums(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district")
    every, exact = ri.assignments(sums.cohorts)
    assert exact and len(every) == ri.count_assignments(sums.cohorts) == 30  # 5! / (2! 1! 2!)
    att, psi = ri.engine(sums, every)
    se = ri.standard_error(psi, sums.n_units.sum())
    for row, a, s in zip(every, att, se):
        ref = cs_simple(assign(data, dict(zip(sums.clusters, row))))
        assert a == pytest.approx(ref["estimate"], rel=RTOL, abs=1e-12)
        assert s == pytest.approx(ref["std_error"], rel=1e-9)


def test_engine_handles_unbalanced_panels_like_att_gt():
    data = toy_panel(seed=2)
    data = data.drop(index=data.sample(frac=0.15, random_state=1).index)
    sums = ri.cluster_sums(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district")
    att, psi = ri.engine(sums, sums.cohorts[None, :])
    ref = cs_simple(data)
    assert att[0] == pytest.approx(ref["estimate"], rel=RTOL)
    assert ri.standard_error(psi, sums.n_units.sum())[0] == pytest.approx(ref["std_error"], rel=1e-9)


@pytest.mark.parametrize("tau", [0.0, 0.7, -1.3])
def test_p_value_equals_a_brute_force_randomization_test(tau):
    data = toy_panel(effect=0.4, seed=4)
    sums = ri.cluster_sums(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district")
    test = ri.randomization_test(sums)
    observed = dict(zip(sums.clusters, sums.cohorts))
    d_obs = (data["cohort"] > 0) & (data["period"] >= data["cohort"])
    y0 = data.assign(y=data["y"] - tau * d_obs)  # Y(0) under a constant effect tau
    stats = []
    for perm in set(itertools.permutations(sums.cohorts)):
        res = cs_simple(assign(y0, dict(zip(sums.clusters, perm))))
        stats.append((perm, res["estimate"] / res["std_error"]))
    t_obs = [t for p, t in stats if dict(zip(sums.clusters, p)) == observed][0]
    brute = np.mean([abs(t) >= abs(t_obs) * (1 - 1e-9) for _, t in stats])
    assert test.p_value(tau) == pytest.approx(brute, abs=1e-12)


def test_interval_is_the_set_of_effects_not_rejected():
    data = toy_panel(effect=0.5, seed=6, clusters=tuple("abcdefgh"), cohorts=(3, 3, 4, 4, 0, 0, 0, 0),
                     units_per=(3, 2, 3, 2, 4, 3, 2, 3))
    res = policy.reform_effect(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district",
                               alpha=0.2)
    row = res.table.iloc[0]
    sums = ri.cluster_sums(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district")
    test = ri.randomization_test(sums)
    assert row["conf_low"] < row["estimate"] < row["conf_high"]
    assert test.p_value(row["conf_low"] + 1e-3) > 0.2 and test.p_value(row["conf_low"] - 0.05) <= 0.2
    assert test.p_value(row["conf_high"] - 1e-3) > 0.2 and test.p_value(row["conf_high"] + 0.05) <= 0.2
    assert res.info["exact"] and res.info["n_assignments"] == 420  # 8! / (2! 2! 4!)


def test_result_first_row_is_the_att_with_cr1_beside_it():
    data = toy_panel(seed=8)
    res = policy.reform_effect(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district")
    ref = cs_simple(data)
    tidy = res.tidy()
    assert tidy.iloc[0]["term"] == "ATT"
    assert tidy.iloc[0]["estimate"] == pytest.approx(ref["estimate"], rel=RTOL)
    assert res.table.iloc[0]["conf_low_cr1"] == pytest.approx(ref["conf_low"], rel=1e-9)
    assert res.table.iloc[0]["p_value_cr1"] == pytest.approx(ref["p_value"], rel=1e-9)
    assert "randomization inference over all 30 assignments" in res.inference
    assert set(res.clusters.columns) >= {"cluster", "cohort", "units", "variance_share", "css_weight"}
    assert res.clusters["variance_share"].sum() == pytest.approx(1.0)


def test_effective_clusters_equal_g_for_symmetric_clusters():
    data = toy_panel(clusters=("a", "b", "c", "d"), cohorts=(3, 3, 0, 0), units_per=(2, 2, 2, 2), seed=1)
    res = policy.reform_effect(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district")
    assert res.info["g_star"] == pytest.approx(4.0, rel=1e-9)


def test_a_dominant_cluster_lowers_g_star_and_warns():
    data = toy_panel(clusters=tuple("abcdef"), cohorts=(3, 4, 4, 0, 0, 0), units_per=(40, 2, 2, 2, 2, 2), seed=3)
    data.loc[data["district"] == "a", "y"] += np.where(data.loc[data["district"] == "a", "period"] >= 3, 5.0, 0.0)
    with pytest.warns(policy.DominanceWarning, match="district a carries"):
        res = policy.reform_effect(data, outcome="y", unit="unit", time="period", cohort="cohort",
                                   cluster="district")
    assert res.info["g_star"] < 3 and res.info["dominant"] == "a"


def test_sampled_assignments_when_enumeration_is_too_large():
    data = toy_panel(seed=5)
    res = policy.reform_effect(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district",
                               max_exact=10, n_sample=199, seed=4)
    assert not res.info["exact"] and res.info["n_assignments"] == 200
    again = policy.reform_effect(data, outcome="y", unit="unit", time="period", cohort="cohort",
                                 cluster="district", max_exact=10, n_sample=199, seed=4)
    pd.testing.assert_frame_equal(res.table, again.table)
    assert "seed 4" in res.inference


def test_clear_errors():
    data = toy_panel()
    with pytest.raises(PolicyError, match="never-treated"):
        policy.reform_effect(data.assign(cohort=data["cohort"].replace(0, 5)), outcome="y", unit="unit",
                             time="period", cohort="cohort", cluster="district")
    mixed = data.copy()
    mixed.loc[mixed["unit"] == "u0", "cohort"] = 4
    with pytest.raises(PolicyError, match="constant within each district"):
        policy.reform_effect(mixed, outcome="y", unit="unit", time="period", cohort="cohort", cluster="district")


def test_unit_level_assignment_uses_units_as_clusters():
    data = toy_panel(seed=9)
    res = policy.reform_effect(data, outcome="y", unit="unit", time="period", cohort="cohort", cluster="unit",
                               max_exact=1000, n_sample=199)
    assert res.n_clusters == data["unit"].nunique() and not res.info["exact"]
