"""The faster code paths of the prepare step (issue 18) give the numbers of the paths they replaced.

- the wild cluster bootstrap's swept scores by the reduced normal equations (unit and time effects,
  units nested in the clusters) against pyfixest's demeaning of the N x G matrix, weighted and not,
  and the whole bootstrap (p-value, interval) with the fast path switched off;
- HonestDiD's relative-magnitude test, the truncated-normal quantiles of every theta in one call,
  against the test one theta at a time (``honest_rm._lf_test``, the previous loop);
- HonestDiD's dual vertices deduplicated by their bytes and then sorted, against ``np.unique(axis=0)``
  (the previous path), on the relative-magnitude polytopes of the Medicaid example and on random
  degenerate ones; a polytope met again comes from the cache unchanged;
- a shared table's period labels parsed once per distinct label, against ``pd.PeriodIndex`` row by row,
  and the indicators' periods converted once per distinct month, against ``Series.dt.to_period``;
- the reform's every distinct assignment built as whole arrays, against the loop (same rows, same order);
- a column's positions in a table's key by Arrow's hash lookup (``data.lookup.positions``), against
  ``pd.Index.get_indexer``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import models, paths
from analysis.models import bootstrap
from analysis.policy import honest, honest_rm

TOL = 1e-8


def _panel(seed: int = 7, weighted: bool = False) -> pd.DataFrame:
    """An unbalanced panel: 120 groups in 9 clusters, 30 months, some months missing."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(120):
        months = np.sort(rng.choice(30, size=rng.integers(8, 30), replace=False))
        for t in months:
            rows.append({"group_id": f"g{g}", "month": int(t), "cluster": f"c{g % 9}"})
    df = pd.DataFrame(rows)
    df["x1"] = rng.normal(size=len(df))
    df["x2"] = rng.normal(size=len(df)) + 0.3 * df["month"]
    df["y"] = 0.5 * df["x1"] - 0.2 * df["x2"] + rng.normal(size=len(df)) + 0.1 * df["month"] % 3
    df["w"] = rng.uniform(0.5, 3.0, len(df)) if weighted else 1.0
    return df


@pytest.mark.parametrize("weighted", [False, True])
def test_two_way_swept_scores_equal_demeaning(weighted):
    df = _panel(weighted=weighted)
    fit = models.panel_ols(df, "y ~ x1 + x2 | group_id + month", weights="w" if weighted else None,
                           vcov="cluster", cluster="cluster")
    d = fit.design
    assert d["fe"] is not None and bootstrap._nested_split(d["fe"], d["codes"]) is not None
    G = int(d["codes"].max()) + 1
    rng = np.random.default_rng(1)
    xa, resid = rng.normal(size=len(d["y"])), rng.normal(size=len(d["y"]))
    split = bootstrap._nested_split(d["fe"], d["codes"])
    fast = bootstrap._two_way_swept_scores(xa, resid, d["codes"], G, d["fe"][:, split[0]], d["fe"][:, split[1]],
                                           d["weights"])
    slow = bootstrap._demeaned_swept_scores(xa, resid, d["codes"], G, d["fe"], d["weights"])
    assert np.max(np.abs(fast - slow)) <= TOL * max(1.0, np.max(np.abs(slow)))


@pytest.mark.parametrize("weights", ["webb", "rademacher"])
def test_bootstrap_identical_with_and_without_the_fast_path(monkeypatch, weights):
    df = _panel(seed=11)
    fit = models.panel_ols(df, "y ~ x1 + x2 | group_id + month", vcov="cluster", cluster="cluster")
    fast = models.wild_cluster_bootstrap(fit, "x1", reps=999, weights=weights, seed=3)
    monkeypatch.setattr(bootstrap, "_nested_split", lambda fe, codes: None)
    slow = models.wild_cluster_bootstrap(fit, "x1", reps=999, weights=weights, seed=3)
    for field in ("estimate", "statistic", "p_value", "conf_low", "conf_high"):
        assert getattr(fast, field) == pytest.approx(getattr(slow, field), abs=TOL, rel=TOL), field


def test_nested_split_needs_exactly_one_nested_effect():
    codes = np.array([0, 0, 1, 1])
    units, months = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    assert bootstrap._nested_split(np.column_stack([units, months]), codes) == (0, 1)
    assert bootstrap._nested_split(np.column_stack([months, units]), codes) == (1, 0)
    assert bootstrap._nested_split(np.column_stack([months, months]), codes) is None
    assert bootstrap._nested_split(np.column_stack([units, units]), codes) is None
    assert bootstrap._nested_split(units[:, None], codes) is None


@pytest.mark.parametrize("mbar", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("l_vec", [[1.0, 0.0], [0.5, 0.5]])
def test_relative_magnitude_grid_at_once_equals_one_theta_at_a_time(mbar, l_vec):
    df = pd.read_csv(paths.TESTS_DATA / "policy" / "honestdid_medicaid_twfe.csv")
    sigma = df[[c for c in df.columns if c.startswith("sigma_")]].to_numpy()
    inp = honest.HonestInput(betahat=df["betahat"].to_numpy(), sigma=sigma, event_times=tuple(df["event_time"]),
                             num_pre=int((df["period"] == "pre").sum()), num_post=int((df["period"] == "post").sum()))
    lv = np.asarray(l_vec)
    sd = float(np.sqrt(lv @ sigma[inp.num_pre:, inp.num_pre:] @ lv))
    grid = np.linspace(-20 * sd, 20 * sd, 400)
    alpha, kappa = 0.05, honest_rm.KAPPA_SHARE * 0.05
    for s in range(-(inp.num_pre - 1), 1):
        for positive in (True, False):
            A = honest_rm.rm_constraints(inp.num_pre, inp.num_post, mbar=mbar, s=s, max_positive=positive)
            at_once = honest_rm._arp_accept(inp.betahat, sigma, A, grid, num_pre=inp.num_pre, l_vec=lv,
                                            alpha=alpha, seed=0)
            rows = np.flatnonzero(np.any(A[:, inp.num_pre:] != 0, axis=1))
            Ar = A[rows]
            a_gamma = Ar[:, inp.num_pre:] @ np.linalg.inv(honest_rm._gamma(lv))
            y0, sig_y = Ar @ inp.betahat, Ar @ sigma @ Ar.T
            poly = honest_rm._DualPolytope.build(np.sqrt(np.diag(sig_y)), a_gamma[:, 1:])
            lf_cv = honest_rm._least_favorable_cv(poly, sig_y, kappa=kappa, seed=0)
            one_by_one = np.array([not honest_rm._lf_test(y0 - a_gamma[:, 0] * th, sig_y, poly, lf_cv=lf_cv,
                                                          alpha=alpha, kappa=kappa) for th in grid])
            assert np.array_equal(at_once, one_by_one), (s, positive)
            assert at_once.any() or mbar == 0.0



def _vertices_by_unique(W: np.ndarray) -> np.ndarray:
    """The previous ``honest_rm._vertices``: every basis, then ``np.unique`` of the rounded rows."""
    import itertools

    m, k1 = W.shape
    subsets = np.array(list(itertools.combinations(range(m), k1)))
    mats = np.transpose(W[subsets], (0, 2, 1))
    ok = np.abs(np.linalg.det(mats)) > 1e-12 * np.abs(W).max() ** k1
    e1 = np.r_[1.0, np.zeros(k1 - 1)]
    lam = np.linalg.solve(mats[ok], np.broadcast_to(e1, (int(ok.sum()), k1))[..., None])[..., 0]
    good = (lam >= -1e-12).all(axis=1)
    out = np.zeros((int(good.sum()), m))
    np.put_along_axis(out, subsets[ok][good], np.clip(lam[good], 0, None), axis=1)
    return np.unique(np.round(out, 14), axis=0)


def _rm_polytopes():
    df = pd.read_csv(paths.TESTS_DATA / "policy" / "honestdid_medicaid_twfe.csv")
    sigma = df[[c for c in df.columns if c.startswith("sigma_")]].to_numpy()
    num_pre, num_post = int((df["period"] == "pre").sum()), int((df["period"] == "post").sum())
    lv = np.full(num_post, 1.0 / num_post)
    for mbar in (0.5, 1.0):
        for s in range(-(num_pre - 1), 1):
            for positive in (True, False):
                A = honest_rm.rm_constraints(num_pre, num_post, mbar=mbar, s=s, max_positive=positive)
                A = A[np.any(A[:, num_pre:] != 0, axis=1)]
                x = A[:, num_pre:] @ np.linalg.inv(honest_rm._gamma(lv))
                yield np.column_stack([np.sqrt(np.diag(A @ sigma @ A.T)), x[:, 1:]])
    rng = np.random.default_rng(3)
    for _ in range(4):  # degenerate: repeated rows and integer entries give many bases per vertex
        x = rng.integers(-1, 2, size=(7, 3)).astype(float)
        yield np.column_stack([np.ones(10), np.vstack([x, x[:3]])])


def test_dual_vertices_equal_np_unique_path():
    polytopes = list(_rm_polytopes())
    for W in polytopes:
        honest_rm._VERTEX_CACHE.clear()
        expected = _vertices_by_unique(W)
        if expected.shape[0] == 0:
            continue
        found = honest_rm._vertices(W)
        assert found.shape == expected.shape and np.array_equal(found, expected)
        again = honest_rm._vertices(W)  # from the cache, and a copy: the caller cannot change the cache
        again[:] = -1.0
        assert np.array_equal(honest_rm._vertices(W), expected)


def _shares(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 4000
    df = pd.DataFrame({"x": rng.normal(size=n), "association": rng.choice(["FU", "VA", "WU", "YU"], n),
                       "year": rng.choice(np.arange(2012, 2020), n), "district": rng.choice(list("abcdefgh"), n),
                       "w": rng.uniform(1, 10, n)})
    eta = -3 + 0.4 * df["x"] + 0.2 * (df["association"] == "VA") + 0.05 * (df["year"] - 2012)
    df["y"] = np.clip(1 / (1 + np.exp(-eta)) + rng.normal(0, 0.02, n), 0, 1)
    return df


def test_fractional_logit_categorical_columns_take_patsy_codes_with_the_same_design():
    from analysis.models import glm

    df = _shares()
    formula = "y ~ x + C(association) + C(year)"
    plain = glm.fractional_logit(df, formula, weights="w", vcov="cluster", cluster="district")
    coded = df.assign(association=df["association"].astype("category"), year=df["year"].astype("category"))
    fast = glm.fractional_logit(coded, formula, weights="w", vcov="cluster", cluster="district")
    pd.testing.assert_frame_equal(fast.tidy(), plain.tidy(), check_exact=True)
    pd.testing.assert_frame_equal(fast.ame(), plain.ame(), check_exact=True)
    year = coded["year"]
    assert glm._categorical(year) is year  # handed over as it is
    assert not isinstance(glm._categorical(df["year"]), pd.Series)  # anything else: patsy's C()


def test_discrete_changes_sharing_a_block_equal_them_one_by_one():
    from analysis.models import glm

    df = _shares(seed=9)
    fit = glm.fractional_logit(df, "y ~ x + C(association) + C(year)", weights="w")
    import patsy

    X = patsy.dmatrix("x + C(association) + C(year)", df, return_type="dataframe")[list(fit.params.index)].to_numpy()
    beta, wn = fit.params.to_numpy(), df["w"].to_numpy() / df["w"].sum()
    block = [j for j, name in enumerate(fit.params.index) if name.startswith("C(year)")]
    shared: dict = {}
    for j in block:
        alone = glm._discrete_change(X, beta, wn, j, block)
        cached = glm._discrete_change(X, beta, wn, j, block, X @ beta, cache=shared)
        assert alone[0] == cached[0] and np.array_equal(alone[1], cached[1])
    assert len(shared) == 1


def _value_months_ago_by_merge_asof(group, month_index, cum, k):
    """The previous path: a backward as-of join by group."""
    left = pd.DataFrame({"g": group.to_numpy(), "m": (month_index - k).to_numpy(), "pos": np.arange(len(group))})
    right = pd.DataFrame({"g": group.to_numpy(), "m": month_index.to_numpy(), "cum": cum.to_numpy()})
    merged = pd.merge_asof(left.sort_values("m"), right.sort_values("m"), on="m", by="g", direction="backward")
    return merged.sort_values("pos")["cum"].fillna(0.0).to_numpy()


@pytest.mark.parametrize("k", [1, 3, 12])
def test_value_months_ago_equals_a_backward_as_of_join(k):
    """Groups with gaps in their months, rows in any order, missing cumulative values, one-row groups."""
    from analysis.data import indicators

    rng = np.random.default_rng(k)
    rows = []
    for g in range(40):
        months = np.sort(rng.choice(np.arange(24180, 24300), size=rng.integers(1, 40), replace=False))
        rows += [(f"38-{g:03d}", m) for m in months]
    frame = pd.DataFrame(rows, columns=["group_id", "idx"]).sample(frac=1, random_state=k).reset_index(drop=True)
    frame["group_id"] = frame["group_id"].astype("string[pyarrow]")
    cum = pd.Series(rng.gamma(2.0, size=len(frame)), index=frame.index)
    cum[rng.random(len(frame)) < 0.05] = np.nan
    fast = indicators._value_months_ago(frame["group_id"], frame["idx"], cum, k)
    assert fast.index.equals(frame.index)
    np.testing.assert_array_equal(fast.to_numpy(), _value_months_ago_by_merge_asof(frame["group_id"], frame["idx"],
                                                                                  cum, k))


@pytest.mark.parametrize("weighted", [False, True])
def test_ordered_logit_score_equals_the_sum_of_its_observations(weighted):
    """The optimiser's and the Hessian's score (class totals, X'g) against score_obs summed."""
    from analysis.models.ordered import _WeightedOrderedModel

    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(3000, 4)), rng.integers(0, 4, 3000)
    w = rng.integers(0, 4, 3000).astype(float) if weighted else None
    model = _WeightedOrderedModel(y, pd.DataFrame(X), case_weights=w, distr="logit")
    for _ in range(3):
        params = rng.normal(size=7) * 0.4
        np.testing.assert_allclose(model.score(params), model.score_obs(params).sum(axis=0), rtol=1e-12, atol=1e-9)


def test_text_keys_as_codes_give_the_same_fits():
    """``prepare.as_codes``: fixed effects and clusters as categoricals in order of first appearance,
    the FE OLS, FE Poisson and the cluster codes exactly as on the text columns."""
    from analysis.models.base import cluster_codes
    from analysis.results import prepare

    df = _panel(seed=3)
    df = df.sample(frac=1.0, random_state=1).reset_index(drop=True)  # first appearance is not sorted order
    df["y"] = np.exp(0.1 * df["y"])
    df["group_id"] = df["group_id"].astype("str")
    coded = prepare.as_codes(df, ("group_id", "cluster"))
    assert isinstance(coded["group_id"].dtype, pd.CategoricalDtype)
    assert list(coded["cluster"].cat.categories) == list(pd.unique(df["cluster"]))
    for estimator in (models.panel_ols, models.panel_poisson):
        text = estimator(df, "y ~ x1 + x2 | group_id + month", vcov="cluster", cluster="cluster")
        codes = estimator(coded, "y ~ x1 + x2 | group_id + month", vcov="cluster", cluster="cluster")
        pd.testing.assert_frame_equal(codes.tidy(), text.tidy(), check_exact=True)
    assert np.array_equal(cluster_codes(coded, "cluster", "cluster")[0], cluster_codes(df, "cluster", "cluster")[0])


def test_period_labels_formatted_once_equal_row_by_row():
    from analysis.models.blocks import _period_labels

    months = pd.Series(pd.to_datetime(["2014-11-01", "2012-01-01", "2014-11-01", "2025-07-01"]))
    assert list(_period_labels(months)) == list(months.dt.strftime("%Y-%m"))
    years = pd.Series([2016, 2014, 2016])
    assert list(_period_labels(years)) == ["2016", "2014", "2016"]


def test_did_wide_by_codes_equals_pivot_path():
    """``did._wide`` on integer codes gives the pivot-and-groupby path's arrays, and its errors."""
    from analysis.policy import did

    rng = np.random.default_rng(11)
    rows = []
    for g in range(60):
        cohort = int(rng.choice([0, 5, 9]))
        for t in np.sort(rng.choice(np.arange(1, 15), size=rng.integers(3, 14), replace=False)):
            rows.append({"unit": f"g{g:03d}"[::-1], "period": int(t), "cohort": cohort, "district": f"d{g % 7}",
                         "y": float(rng.normal())})
    df = pd.DataFrame(rows).astype({"unit": "str", "district": "str"}).sample(frac=1.0, random_state=3)
    df.loc[df.index[:5], "y"] = np.nan
    args = dict(outcome="y", unit="unit", time="period", cohort="cohort")
    for cluster in ("district", None):
        fast = did._wide(df, **args, cluster=cluster)
        slow = did._wide_by_pandas(df[[c for c in ("unit", "period", "y", "cohort", cluster) if c]], **args,
                                   cluster=cluster)
        assert np.array_equal(fast[0], slow[0], equal_nan=True)
        assert np.array_equal(fast[1], slow[1]) and np.array_equal(fast[2], slow[2])
        assert (fast[3] is None and slow[3] is None) or list(fast[3]) == list(slow[3])
    with pytest.raises(Exception, match="more than one row"):
        did._wide(pd.concat([df, df.iloc[:1]]), **args, cluster="district")
    moved = df.copy()
    first = moved.index[moved["unit"] == moved["unit"].iloc[0]]  # one unit's rows (at least three)
    moved.loc[first[0], "district"] = "elsewhere"
    with pytest.raises(Exception, match="nested in clusters"):
        did._wide(moved, **args, cluster="district")
    changed = df.copy()
    changed.loc[changed.index[changed["unit"] == changed["unit"].iloc[0]][0], "cohort"] = 99
    with pytest.raises(Exception, match="constant within"):
        did._wide(changed, **args, cluster="district")


@pytest.mark.parametrize("formula", ["y ~ m + s + C(association) + C(year)", "y ~ m * s + C(association)"])
def test_fractional_logit_on_merged_rows_equals_row_by_row(monkeypatch, formula):
    """A clustered fractional logit fitted on rows merged by regressors and cluster (``glm._collapse``:
    weights summed, the outcome their weighted mean) gives the row-by-row fit: coefficients, clustered
    covariance, AMEs, quasi-log-likelihood and n_obs, to rounding."""
    from analysis.models import glm

    rng = np.random.default_rng(8)
    n = 6000
    df = pd.DataFrame({"m": rng.integers(0, 4, n).astype(float), "s": rng.integers(0, 5, n) / 4,
                       "association": rng.choice(["FU", "VA", "WU", "YU"], n), "year": rng.choice([2015, 2016], n),
                       "district": rng.choice(list("abcdefg"), n), "w": rng.uniform(0, 10, n)})
    df.loc[:20, "w"] = 0.0  # rows (and perhaps whole merged rows) without weight
    eta = -3 - 0.2 * df["m"] - 0.5 * df["s"] + 0.3 * (df["association"] == "VA")
    df["y"] = np.clip(1 / (1 + np.exp(-eta)) + rng.normal(0, 0.03, n), 0, 1)
    df["association"] = df["association"].astype("category")
    df["year"] = df["year"].astype("category")
    merged = glm.fractional_logit(df, formula, weights="w", vcov="cluster", cluster="district")
    assert len(glm._collapse(df, formula, "y", df["w"].to_numpy(), "district")[0]) < n / 5
    monkeypatch.setattr(glm, "COLLAPSE", False)
    rows = glm.fractional_logit(df, formula, weights="w", vcov="cluster", cluster="district")
    assert merged.n_obs == rows.n_obs == n and merged.n_clusters == rows.n_clusters
    for a, b in ((merged.params, rows.params), (merged.vcov, rows.vcov)):
        assert np.allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-13)
    cols = ["estimate", "std_error", "conf_low", "conf_high", "p_value"]
    assert np.allclose(merged.ame()[cols].to_numpy(), rows.ame()[cols].to_numpy(), rtol=1e-9, atol=1e-13)
    assert list(merged.ame()["term"]) == list(rows.ame()["term"])
    assert merged.quasi_loglik == pytest.approx(rows.quasi_loglik, rel=1e-12)


def test_fractional_logit_merges_only_plain_columns():
    """A transformed regressor or a missing value: no merging, the rows are fitted as they are."""
    from analysis.models import glm

    df = _shares()
    w = df["w"].to_numpy()
    assert glm._collapse(df, "y ~ np.log(w) + C(association)", "y", w, "district") is None
    assert glm._collapse(df, "y ~ C(year, Treatment(2015))", "y", w, "district") is None
    missing = df.assign(x=df["x"].where(df.index > 5))
    assert glm._collapse(missing, "y ~ x + C(association)", "y", w, "district") is None
    assert glm._collapse(df, "y ~ x + C(association)", "y", w, "district") is not None


def test_official_isin_equals_pandas_isin():
    """``official.isin`` (the lookup as one Arrow array) gives pandas' ``isin`` booleans: text, missing
    values on either side, non-text lookup values, and other dtypes."""
    from analysis.data import official

    values = pd.Series(["00001", "00004", None, "x", "00004"], dtype="str", index=[3, 1, 4, 1, 5], name="commune")
    for lookup in (pd.Index(["00004", "x", "y"]), ["00004", None], {"00001"}, [1, 2, "x"], [1, 2], [],
                   pd.Series(["x", np.nan]), pd.Index(["00001"], dtype="str")):
        expected = values.isin(lookup)
        found = official.isin(values, lookup)
        pd.testing.assert_series_equal(found, expected, check_dtype=True)
    numbers = pd.Series([1, 2, 3])
    pd.testing.assert_series_equal(official.isin(numbers, [2]), numbers.isin([2]))


def test_logistic_without_selection_equals_the_selecting_form():
    from analysis.models.ordered import _logistic

    z = np.concatenate((np.random.default_rng(3).normal(0, 8, 10_000), [np.inf, -np.inf, 0.0, 800.0, -800.0]))
    with np.errstate(over="ignore"):
        selecting = np.where(np.isposinf(z), 1.0, np.where(np.isneginf(z), 0.0, 1 / (1 + np.exp(-z))))
    assert np.array_equal(_logistic(z), selecting)


@pytest.mark.parametrize("freq, labels", [("M", ["2012-01", "2025-06", None, "2019-12"]), ("Q", ["2012Q1", "2024Q4"]),
                                          ("Y", ["2016", "2020", "2016"])])
def test_shared_table_periods_parsed_once_equal_row_by_row(tmp_path, freq, labels):
    from analysis.results import store

    values = pd.Series(labels * 50, name="period", dtype=object)
    fast = pd.DataFrame({"period": store.periods(values, freq)})
    slow = pd.DataFrame({"period": pd.PeriodIndex(values, freq=freq)})
    pd.testing.assert_frame_equal(fast, slow)
    path = tmp_path / "t.parquet"
    pd.DataFrame({"period": values, "x": range(len(values))}).to_parquet(path, index=False)
    read = store.read_table(path, freq=freq)
    assert read["period"].dtype == f"period[{'Y-DEC' if freq == 'Y' else 'Q-DEC' if freq == 'Q' else 'M'}]"
    pd.testing.assert_series_equal(read["period"], slow["period"])


@pytest.mark.parametrize("freq", ["M", "Q", "Y"])
def test_indicator_periods_from_distinct_months_equal_dt_to_period(freq):
    from analysis.data import indicators

    rng = np.random.default_rng(5)
    months = pd.Series(rng.choice(pd.date_range("2012-01-01", "2026-10-01", freq="MS").values, 5000), name="month",
                       index=np.arange(5000) * 3)
    months.iloc[[4, 17]] = pd.NaT
    pd.testing.assert_series_equal(indicators._period(months, freq), months.dt.to_period(freq))


@pytest.mark.parametrize("cluster_kind", ["str", "int", "one_unit_missing"])
def test_did_wide_clusters_and_cohorts_by_codes_equal_groupby_path(cluster_kind):
    """The per-unit cohort and cluster taken from one row of each unit equal the groupby path's, values and
    dtype, for text and integer clusters and a unit whose cluster is missing in every row."""
    from analysis.policy import did

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"unit": np.repeat([f"u{i:02d}" for i in range(40)], 6), "period": np.tile(np.arange(6), 40),
                       "cohort": np.repeat(rng.choice([0.0, 3.0, 4.0], 40), 6), "y": rng.normal(size=240),
                       "district": np.repeat(rng.integers(0, 5, 40), 6)})
    if cluster_kind != "int":
        df["district"] = ("d" + df["district"].astype(str)).astype("string")
    if cluster_kind == "one_unit_missing":
        df.loc[df["unit"] == "u07", "district"] = pd.NA
    df = df.sample(frac=1.0, random_state=1)
    args = dict(outcome="y", unit="unit", time="period", cohort="cohort", cluster="district")
    fast = did._wide(df, **args)
    slow = did._wide_by_pandas(df[["unit", "period", "y", "cohort", "district"]], **args)
    assert np.array_equal(fast[2], slow[2]) and fast[2].dtype == slow[2].dtype == np.int64
    assert fast[3].dtype == slow[3].dtype
    assert pd.Series(fast[3]).equals(pd.Series(slow[3]))


def test_leave_one_out_on_the_wide_panel_equals_the_long_panel_path():
    """Each district dropped from the panel made wide once (``did.Wide.without``) gives the rows of dropping
    it from the long panel: estimates, intervals and notes, also where a district held the only rows of a
    period (dropped there too) or the only never-treated units (no estimate, the same note)."""
    from analysis.policy import did
    from analysis.policy.diagnostics import leave_one_out
    from analysis.policy.results import Inference

    rng = np.random.default_rng(21)
    rows = []
    for g in range(90):
        district = f"d{g % 9}"
        cohort = 0 if g % 9 in (0, 1) else int(rng.choice([6, 9, 12]))
        last = 16 if g % 9 == 4 else 15  # district d4 alone reaches period 16
        for t in range(1, last + 1):
            rows.append({"unit": f"g{g:03d}", "district": district, "period": t, "cohort": cohort,
                         "y": 0.3 * (t >= cohort > 0) + rng.normal()})
    df = pd.DataFrame(rows).astype({"unit": "string", "district": "string"})
    args = dict(outcome="y", unit="unit", time="period", cohort="cohort")
    inference = Inference(kind="cluster", cluster="district")

    def simple(data):
        return did.aggte(did.att_gt(data, **args, control="never", inference=inference), kind="simple")

    wide = did.wide_panel(df, **args, cluster="district")
    assert wide.without("d4").times.max() == 15 and wide.times.max() == 16
    long_path = leave_one_out(df, estimate=simple, cluster="district")
    wide_path = leave_one_out(df, estimate=simple, cluster="district", without=wide.without)
    pd.testing.assert_frame_equal(wide_path, long_path, rtol=0, atol=TOL)
    only_never = df.loc[df["district"] != "d1"]  # d0 then holds the only never-treated units
    wide_one = did.wide_panel(only_never, **args, cluster="district")
    noted = leave_one_out(only_never, estimate=simple, cluster="district", without=wide_one.without)
    pd.testing.assert_frame_equal(noted, leave_one_out(only_never, estimate=simple, cluster="district"), rtol=0,
                                  atol=TOL)
    assert noted.loc[noted["dropped"] == "d0", "note"].str.contains("never-treated").all()
    with pytest.raises(Exception, match="cluster"):
        did.att_gt(wide, **args, inference=Inference(kind="cluster", cluster="other"))


@pytest.mark.parametrize("cohorts", [(0, 0, 0, 5, 5, 7, 7, 7, 9, 0, 0), (3,), (0, 1), (2, 2, 2), (0, 4, 0, 4, 8, 0)])
def test_distinct_permutations_whole_arrays_equal_the_loop(cohorts):
    """Every distinct assignment of the reform's randomization inference, in the same order as the loop."""
    from analysis.policy import randomization

    values = np.array(cohorts, dtype=np.int64)
    fast = randomization._distinct_permutations(values)
    slow = randomization._distinct_permutations_by_loop(values)
    assert fast.dtype == slow.dtype and np.array_equal(fast, slow)
    assert len(fast) == randomization.count_assignments(values)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_positions_are_get_indexer(seed):
    """``data.lookup.positions`` (Arrow's hash lookup for Arrow text) gives ``get_indexer``'s positions: missing
    values, absent values, a missing key, numbers and object text (pandas' own path)."""
    from analysis.data import lookup

    rng = np.random.default_rng(seed)
    keys = pd.Series([f"G{i:05d}" for i in rng.permutation(400)] + [None], dtype="str")
    values = pd.Series(rng.choice([*keys.dropna().tolist(), "absent", "G99999", None], 5000), dtype="str")
    expected = pd.Index(keys).get_indexer(values)
    got = lookup.positions(keys, values)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype and (got == -1).any() and (got == 400).any()  # absent and missing found
    np.testing.assert_array_equal(lookup.positions(pd.Index(keys.dropna()), values),
                                  pd.Index(keys.dropna()).get_indexer(values))
    numbers = pd.Series(rng.permutation(50))
    np.testing.assert_array_equal(lookup.positions(numbers, numbers[::-1]),
                                  pd.Index(numbers).get_indexer(numbers[::-1]))
    as_objects = keys.astype(object)
    np.testing.assert_array_equal(lookup.positions(as_objects, values.astype(object)),
                                  pd.Index(as_objects).get_indexer(values.astype(object)))
    with pytest.raises(pd.errors.InvalidIndexError):
        lookup.positions(pd.Series(["a", "a", "b"], dtype="str"), values)
