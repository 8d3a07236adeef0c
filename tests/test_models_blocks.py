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
