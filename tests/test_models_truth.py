"""On the synthetic province the estimators that target a known parameter recover it (truth.json),
and the naive pooled estimator shows the confounding bias the data-generating process builds in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import models as M

FE_FORMULA = "overdue_share ~ group_meetings + check_share | group_id + month"
POOLED_FORMULA = "overdue_share ~ group_meetings + check_share | month"
TERMS = {"group_meetings": "beta_meetings", "check_share": "beta_check_share"}


@pytest.fixture(scope="module")
def truth(small_sample):
    return small_sample.truth


@pytest.fixture(scope="module")
def poisson_fe(small_panel):
    return M.panel_poisson(small_panel, FE_FORMULA, vcov="cluster", cluster="district")


@pytest.mark.parametrize("term", list(TERMS))
def test_poisson_fe_interval_covers_true_beta(poisson_fe, truth, term):
    true = truth["overdue_model"][TERMS[term]]
    row = poisson_fe.tidy().set_index("term").loc[term]
    assert row["conf_low"] <= true <= row["conf_high"], (term, true, row.to_dict())
    assert poisson_fe.n_clusters == 11 and "t(10)" in poisson_fe.inference


def test_pooled_poisson_is_biased_away_from_zero(small_panel, poisson_fe, truth):
    """Leader capacity raises meetings and lowers overdue: without group FE the meeting effect is
    more negative than the truth, and its interval excludes the truth."""
    pooled = M.panel_poisson(small_panel, POOLED_FORMULA, vcov="cluster", cluster="district")
    true = truth["overdue_model"]["beta_meetings"]
    row = pooled.tidy().set_index("term").loc["group_meetings"]
    assert row["estimate"] < true and row["conf_high"] < true
    assert abs(row["estimate"] - true) > abs(poisson_fe.params["group_meetings"] - true)


def test_linear_fe_covers_its_pseudo_true_value(small_panel, truth):
    """Linear FE converges to the variance-weighted effect in truth['linear_fe_pseudo_true_pp']."""
    res = M.panel_ols(small_panel, FE_FORMULA, vcov="cluster", cluster="district")
    target = truth["overdue_model"]["linear_fe_pseudo_true_pp"]["group_meetings"] / 100
    row = res.tidy().set_index("term").loc["group_meetings"]
    assert row["conf_low"] <= target <= row["conf_high"], (target, row.to_dict())


def _rating_inputs(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per group and year, the regressors of truth['rating_model'] and the December rating."""
    gm = tables["group_months"]
    gm = gm.assign(
        year=gm["month"].dt.year,
        share=np.where(gm["outstanding"] > 0, gm["overdue"] / gm["outstanding"].where(gm["outstanding"] > 0), 0.0),
    )
    agg = gm.groupby(["group_id", "year"]).agg(
        meetings_mean=("group_meetings", "mean"), checks=("loan_use_checks", "sum"),
        max_borrowers=("borrowers", "max"), overdue_pct=("share", "mean"),
    ).reset_index()
    agg["check_cover"] = np.minimum(1.0, agg["checks"] / agg["max_borrowers"].clip(lower=1))
    agg["overdue_pct"] = 100 * agg["overdue_pct"]
    dec = gm.loc[gm["month"].dt.month == 12, ["group_id", "year", "rating"]].dropna(subset=["rating"])
    return agg.merge(dec, on=["group_id", "year"])


def test_ordered_logit_recovers_rating_coefficients(small_sample, truth):
    data = _rating_inputs(small_sample.tables)
    res = M.ordered_logit(data, "rating ~ meetings_mean + check_cover + overdue_pct + C(year)")
    tidy = res.tidy().set_index("term")
    for term, true in truth["rating_model"]["theta"].items():
        row = tidy.loc[term]  # one draw: within 3 standard errors (the Monte Carlo gate measures coverage)
        assert abs(row["estimate"] - true) <= 3.0 * row["std_error"], (term, true, row.to_dict())
