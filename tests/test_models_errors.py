"""Bad use gets a clear error, never a silent table of NaNs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import models as M


@pytest.fixture(scope="module")
def toy() -> pd.DataFrame:
    """40 rows, 4 districts: a share outcome, two regressors, a constant column and a rating."""
    rng = np.random.default_rng(3)
    n = 40
    x = rng.normal(size=n)
    latent = x + rng.logistic(size=n)
    return pd.DataFrame({
        "district": np.repeat(["941", "942", "943", "944"], n // 4),
        "group_id": [f"g{i % 8}" for i in range(n)],
        "x": x,
        "z": rng.normal(size=n),
        "one": np.ones(n),
        "share": 1 / (1 + np.exp(-(x - 1))),
        "rating": np.where(latent > 1, "good", np.where(latent > 0, "fair", np.where(latent > -1, "average", "weak"))),
    })


ALL_FITS = [
    lambda d, f: M.fractional_logit(d, f),
    lambda d, f: M.panel_ols(d, f, vcov="hetero"),
    lambda d, f: M.panel_poisson(d, f, vcov="hetero"),
    lambda d, f: M.mixed_effects(d, f, groups="district"),
]


@pytest.mark.parametrize("fit", ALL_FITS)
def test_missing_column_is_named(toy, fit):
    with pytest.raises(M.ModelError, match="nonexistent"):
        fit(toy, "share ~ x + nonexistent")


def test_ordered_missing_column(toy):
    with pytest.raises(M.ModelError, match="nonexistent"):
        M.ordered_logit(toy, "rating ~ nonexistent")


def test_fractional_outcome_outside_unit_interval(toy):
    with pytest.raises(M.ModelError, match=r"\[0, 1\]"):
        M.fractional_logit(toy.assign(share=toy["share"] * 3), "share ~ x")


@pytest.mark.parametrize("fit", [
    lambda d: M.fractional_logit(d, "share ~ x", vcov="cluster", cluster="district"),
    lambda d: M.panel_ols(d, "share ~ x", vcov="cluster", cluster="district"),
    lambda d: M.panel_poisson(d, "share ~ x", vcov="cluster", cluster="district"),
    lambda d: M.ordered_logit(d, "rating ~ x", vcov="cluster", cluster="district"),
])
def test_single_cluster(toy, fit):
    with pytest.raises(M.ModelError, match="single cluster"):
        fit(toy.assign(district="941"))


def test_cluster_without_column(toy):
    with pytest.raises(M.ModelError, match="cluster="):
        M.panel_ols(toy, "share ~ x", vcov="cluster")
    with pytest.raises(M.ModelError, match="vcov must be"):
        M.panel_ols(toy, "share ~ x", vcov="robust")


@pytest.mark.parametrize("fit", [
    lambda d: M.fractional_logit(d, "share ~ x + one"),
    lambda d: M.panel_ols(d, "share ~ x + one", vcov="hetero"),
    lambda d: M.panel_ols(d, "share ~ x + one | group_id", vcov="hetero"),
    lambda d: M.panel_poisson(d, "share ~ x + one | group_id", vcov="hetero"),
    lambda d: M.ordered_logit(d, "rating ~ x + one"),
    lambda d: M.mixed_effects(d, "share ~ x + one", groups="district"),
])
def test_constant_regressor(toy, fit):
    with pytest.raises(M.ModelError, match="one"):
        fit(toy)


def test_fractional_perfect_separation(toy):
    d = toy.assign(share=np.where(toy["x"] > 0, 0.0, toy["share"]), flag=(toy["x"] > 0).astype(float))
    with pytest.raises(M.ModelError, match="separation"):
        M.fractional_logit(d, "share ~ flag")


def test_ordered_perfect_separation(toy):
    d = toy.assign(flag=(toy["rating"] == "good").astype(float))
    with pytest.raises(M.ModelError, match="separation"):
        M.ordered_logit(d, "rating ~ flag + z")


def test_rating_outside_the_four_classes(toy):
    d = toy.assign(rating=toy["rating"].where(toy.index > 0, "excellent"))
    with pytest.raises(M.ModelError, match="excellent"):
        M.ordered_logit(d, "rating ~ x")


def test_unordered_strings_ask_for_an_ordered_categorical(toy):
    d = toy.assign(rating=toy["rating"].map({"weak": "low", "average": "low", "fair": "mid", "good": "high"}))
    with pytest.raises(M.ModelError, match="ordered pandas Categorical"):
        M.ordered_logit(d, "rating ~ x")


def test_bootstrap_needs_clustered_linear_fit(toy):
    with pytest.raises(M.ModelError, match="cluster"):
        M.wild_cluster_bootstrap(M.panel_ols(toy, "share ~ x", vcov="hetero"), "x")
    with pytest.raises(M.ModelError, match="panel_ols"):
        M.wild_cluster_bootstrap(M.fractional_logit(toy, "share ~ x"), "x")
    with pytest.raises(M.ModelError, match="not in the model"):
        M.wild_cluster_bootstrap(M.panel_ols(toy, "share ~ x", vcov="cluster", cluster="district"), "w")


def test_tidy_columns_and_metadata(toy):
    res = M.panel_ols(toy, "share ~ x + z", vcov="cluster", cluster="district")
    assert list(res.tidy().columns) == ["term", "estimate", "std_error", "statistic", "p_value", "conf_low",
                                        "conf_high"]
    assert (res.n_obs, res.n_clusters, res.vcov_type) == (40, 4, "cluster")
    assert "t(3)" in res.inference and res.method
    table = M.compare(res, M.fractional_logit(toy, "share ~ x + z"), names=["OLS", "frac logit"])
    assert list(table.columns) == ["OLS", "frac logit"] and "N" in table.index


def test_user_data_not_mutated(toy):
    before = toy.copy()
    M.fractional_logit(toy, "share ~ x + z", vcov="cluster", cluster="district")
    M.panel_ols(toy, "share ~ x | group_id", vcov="cluster", cluster="district")
    M.ordered_logit(toy, "rating ~ x")
    pd.testing.assert_frame_equal(toy, before)


def test_one_month_of_data_is_a_clear_error_not_a_native_abort():
    """With one month per group every group effect is a singleton: pyfixest would abort the process
    (Rust panic in demean.rs, exit -6; reproduced in tests/test_fitcheck.py); the guard refuses first."""
    from analysis import models

    df = pd.DataFrame({"group_id": [f"g{i}" for i in range(12)], "month": ["2020-01"] * 12,
                       "district": [f"d{i % 3}" for i in range(12)], "y": np.arange(12.0), "x": np.arange(12.0) % 5})
    with pytest.raises(models.ModelError, match="occurs once"):
        models.panel_ols(df, "y ~ x | group_id + month", vcov="cluster", cluster="district")
