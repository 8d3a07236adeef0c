"""Two-way FE OLS by map-reduce over partitions (models.blocks) against pyfixest feols on the whole data.

External reference: pyfixest ``feols("y ~ x1 + x2 | group_id + month", vcov={"CRV1": "province"})`` with a
demeaning tolerance of 1e-14 (its default, 1e-8, leaves standard errors about 1e-6 apart).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from analysis.models import ModelError, blocks

RTOL = 1e-8  # exact algebra on both sides; float error only
FORMULA = "y ~ x1 + x2 | group_id + month"
CASES = [None, "w"]


def panel(seed: int = 3) -> pd.DataFrame:
    """Six provinces, groups nested in them, unbalanced months, one singleton group and one month
    observed once in the whole data (both dropped by fixest)."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2013-01-01", periods=30, freq="MS")
    rows = []
    for p in range(6):
        for g in range(8 + p):
            start, stop = sorted(rng.choice(len(months), 2, replace=False))
            a = rng.normal()
            for m in months[start:stop + 1]:
                x1, x2 = rng.normal(), rng.uniform()
                rows.append({"province": f"P{p}", "district": f"P{p}D{g % 3}", "group_id": f"P{p}G{g}", "month": m,
                             "x1": x1, "x2": x2, "w": rng.uniform(0.5, 2.0),
                             "y": 0.5 * x1 - 0.3 * x2 + a + 0.1 * m.month + rng.normal()})
    rows.append({"province": "P0", "district": "P0D0", "group_id": "lonely", "month": months[3], "x1": 1.0,
                 "x2": 0.5, "w": 1.0, "y": 2.0})
    rows.append({"province": "P1", "district": "P1D0", "group_id": "P1G0", "month": pd.Timestamp("2016-06-01"),
                 "x1": 0.2, "x2": 0.1, "w": 1.0, "y": 9.0})
    return pd.DataFrame(rows)


def fit_blocks(data, *, by="province", weights=None, clusters=None):
    parts = {name: blocks.fe_block(part, y="y", x=["x1", "x2"], unit="group_id", time="month", weights=weights)
             for name, part in data.groupby(by)}
    return blocks.fe_ols_blocks(parts, clusters=clusters)


@pytest.mark.parametrize("weights", CASES)
def test_equals_pyfixest_feols_with_province_clusters(weights):
    data = panel()
    res = fit_blocks(data, weights=weights)
    ref = pf.feols(FORMULA, data=data, vcov={"CRV1": "province"}, fixef_tol=1e-14, fixef_maxiter=100_000,
                   **({"weights": weights} if weights else {}))
    np.testing.assert_allclose(res.params.to_numpy(), ref.coef().to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.se().to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.tidy()["p_value"], ref.pvalue().to_numpy(), rtol=1e-6)
    assert res.n_obs == ref._N and res.n_clusters == 6 and res.df_inference == 5


def test_partitions_finer_than_the_clusters_give_the_same_fit():
    data = panel()
    by_province = fit_blocks(data)
    clusters = data.drop_duplicates("district").set_index("district")["province"].to_dict()
    by_district = fit_blocks(data, by="district", clusters=clusters)
    np.testing.assert_allclose(by_district.params, by_province.params, rtol=RTOL)
    np.testing.assert_allclose(by_district.vcov.to_numpy(), by_province.vcov.to_numpy(), rtol=RTOL)


def test_a_block_survives_a_round_trip_through_npz(tmp_path):
    data = panel()
    block = blocks.fe_block(data[data["province"] == "P2"], y="y", x=["x1", "x2"], unit="group_id", time="month")
    block.save(tmp_path / "b.npz")
    back = blocks.FeBlock.load(tmp_path / "b.npz")
    assert back.names == block.names and back.n_obs == block.n_obs and list(back.periods) == list(block.periods)
    np.testing.assert_array_equal(back.A, block.A)


def test_one_cluster_is_refused():
    data = panel()
    with pytest.raises(ModelError, match="at least two"):
        fit_blocks(data[data["province"] == "P3"])


def test_reweighted_blocks_equal_pyfixest_wls_with_those_weights():
    """Scaling each partition's statistics by a constant is WLS with that weight on its rows."""
    data = panel()
    parts = {name: blocks.fe_block(part, y="y", x=["x1", "x2"], unit="group_id", time="month")
             for name, part in data.groupby("province")}
    weights = {name: 0.5 + k for k, name in enumerate(sorted(parts))}
    res = blocks.fe_ols_blocks(blocks.reweighted(parts, weights))
    ref = pf.feols(FORMULA, data=data.assign(pw=data["province"].map(weights)), weights="pw",
                   vcov={"CRV1": "province"}, fixef_tol=1e-14, fixef_maxiter=100_000)
    np.testing.assert_allclose(res.params.to_numpy(), ref.coef().to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.se().to_numpy(), rtol=RTOL)


def test_precision_weights_recover_each_provinces_noise():
    """Known truth: province p's noise sd is sigma_p; its weight is 1/sigma_p^2 up to one common factor,
    and the weighted fit recovers the slopes."""
    rng = np.random.default_rng(11)
    sigma = {f"P{p}": s for p, s in enumerate([1.0, 1.0, 2.0, 0.5, 10.0, 1.0, 1.5, 0.8])}
    rows = []
    for p, s in sigma.items():
        for g in range(60):
            a = rng.normal()
            for t in range(24):
                x1, x2 = rng.normal(), rng.uniform()
                rows.append((p, f"{p}G{g}", f"2015-{t % 12 + 1:02d}" if t < 12 else f"2016-{t % 12 + 1:02d}",
                             x1, x2, 0.5 * x1 - 0.3 * x2 + a + 0.05 * t + s * rng.normal()))
    data = pd.DataFrame(rows, columns=["province", "group_id", "month", "x1", "x2", "y"])
    parts = {name: blocks.fe_block(part, y="y", x=["x1", "x2"], unit="group_id", time="month")
             for name, part in data.groupby("province")}
    w = blocks.precision_weights(parts)
    ratio = np.array([w[p] * sigma[p] ** 2 for p in sorted(sigma)])
    np.testing.assert_allclose(ratio / ratio.mean(), 1.0, atol=0.15)  # about 4 sd of a variance on 1,400 rows
    n = {p: parts[p].n_obs for p in parts}
    assert sum(w[p] * n[p] for p in parts) == pytest.approx(sum(n.values()))
    weighted = blocks.fe_ols_blocks(blocks.reweighted(parts, w))
    np.testing.assert_allclose(weighted.params.to_numpy(), [0.5, -0.3], atol=0.05)


def _fixed_design(rng, n_prov=40, groups=15, months=12):
    """Regressors drawn once (the design is held fixed, as in a country observed whole) and each
    province's attribute z_p; the noise is drawn again in every replicate."""
    rows = []
    for p in range(n_prov):
        for g in range(groups):
            a = rng.normal()
            for t in range(months):
                rows.append((f"P{p:02d}", f"P{p:02d}G{g}", f"2015-{t + 1:02d}", rng.normal(), rng.uniform(), a))
    data = pd.DataFrame(rows, columns=["province", "group_id", "month", "x1", "x2", "a"])
    z = {f"P{p:02d}": v for p, v in enumerate(rng.uniform(0, 2, n_prov))}
    return data, z


@pytest.mark.parametrize("spread", [0.0, 0.4])
def test_design_based_covariance_keeps_its_size_when_the_provinces_are_the_population(spread):
    """Known truth, the design fixed: province p's slope on x1 is 0.5 + spread * z_p. The target is the
    pooled FE OLS on the expected outcome (the country's own slopes, weighted as the fit weights them);
    over 200 draws of the noise, CR1 counts the slopes' spread as noise (too wide when spread > 0), and
    the design-based covariance with z as attribute follows the estimator's spread in both cases."""
    rng = np.random.default_rng(5)
    data, z = _fixed_design(rng)
    slope = 0.5 + spread * data["province"].map(z)
    mean = slope * data["x1"] - 0.3 * data["x2"] + data["a"] + 0.02 * data["month"].str[-2:].astype(int)

    def parts(y):
        return {name: blocks.fe_block(part, y="y", x=["x1", "x2"], unit="group_id", time="month")
                for name, part in data.assign(y=y).groupby("province")}

    target = blocks.fe_ols_blocks(parts(mean)).params["x1"]
    errors, se_cr1, se_design, covered = [], [], [], 0
    for _ in range(200):
        drawn = parts(mean + rng.normal(size=len(data)))
        cr1 = blocks.fe_ols_blocks(drawn)
        design = blocks.fe_ols_blocks(drawn, attributes={p: [v] for p, v in z.items()})
        errors.append(design.params["x1"] - target)
        se_cr1.append(cr1.std_errors["x1"])
        se_design.append(design.std_errors["x1"])
        row = design.tidy().set_index("term").loc["x1"]
        covered += row["conf_low"] <= target <= row["conf_high"]
    spread_of_errors = np.std(errors)  # 200 draws: the sd of an sd is about 5%
    # HC3 leans wide where every province has the same noise (here: 1.18 times), and not below the spread
    assert 0.9 * spread_of_errors <= np.mean(se_design) <= 1.25 * spread_of_errors
    assert 0.90 <= covered / 200 <= 0.995
    if spread > 0:
        assert np.mean(se_cr1) > 1.3 * spread_of_errors  # CR1 counts the slopes' spread
        assert np.mean(se_design) < 0.9 * np.mean(se_cr1)
    else:
        assert np.mean(se_cr1) == pytest.approx(spread_of_errors, rel=0.15)


def test_design_based_covariance_without_attribute_signal_stays_conservative():
    """Attributes that explain nothing leave the heterogeneity in the meat: never narrower than the noise."""
    rng = np.random.default_rng(8)
    data, z = _fixed_design(rng)
    hidden = {p: v for p, v in zip(z, rng.permutation(list(z.values())))}  # slopes follow another draw
    slope = 0.5 + 0.4 * data["province"].map(hidden)
    y = slope * data["x1"] - 0.3 * data["x2"] + data["a"] + rng.normal(size=len(data))
    parts = {name: blocks.fe_block(part, y="y", x=["x1", "x2"], unit="group_id", time="month")
             for name, part in data.assign(y=y).groupby("province")}
    cr1 = blocks.fe_ols_blocks(parts)
    design = blocks.fe_ols_blocks(parts, attributes={p: [v] for p, v in z.items()})
    assert design.std_errors["x1"] > 0.7 * cr1.std_errors["x1"]
    assert "Abadie" in design.inference and design.df_inference == 36
