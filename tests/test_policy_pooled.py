"""The reform pooled across provinces (``policy.pooled``).

External reference: on one province the pooled estimator is R ``did``'s ``att_gt(control = "never")`` +
``aggte(type = "simple")`` with district-clustered inference, which ``policy.did`` reproduces on R's
published ``mpdta`` results (tests/test_policy_did.py): estimate and standard error must agree to
rounding, and the quarterly event study must be the mean of ``aggte(type = "dynamic")``'s months.
Known truths: a constant additive effect in noise-free data is recovered exactly, and shocks common to a
province and month cancel (the design's province x month effects).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import policy
from analysis.data import panel, synthetic
from analysis.policy import pooled


@pytest.fixture(scope="module")
def sample_rp():
    sd = synthetic.generate(seed=3, scale=0.1, start="2016-01", end="2021-05")
    return policy.reform_panel(panel.build(sd.tables), sd.tables["reforms"], freq="month")


def _cs(rp, **kw):
    inference = policy.Inference(kind="cluster", cluster="district")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return policy.att_gt(rp, outcome="y", unit="group_id", time="period", cohort="cohort", control="never",
                             inference=inference, **kw)


def test_one_province_is_did_att_gt_simple(sample_rp):
    simple = policy.aggte(_cs(sample_rp), kind="simple").table.iloc[0]
    sums, districts = pooled.reform_sums(sample_rp, province="94")
    res = pooled.pooled_reform(sums, districts, honest=False)
    row = res.table.iloc[0]
    assert row["estimate"] == pytest.approx(simple["estimate"], rel=1e-10, abs=1e-12)
    assert row["std_error"] == pytest.approx(simple["std_error"], rel=1e-9)
    assert row["conf_low"] == pytest.approx(simple["conf_low"], rel=1e-9)
    assert res.n_clusters == 11
    assert row["mde"] > 2.5 * row["std_error"]  # (t_.975 + t_.8) with 10 degrees of freedom: about 3.1


def test_event_quarters_are_means_of_did_dynamic_months(sample_rp):
    dynamic = policy.aggte(_cs(sample_rp, base_period="universal"), kind="dynamic", min_e=-13, max_e=23).table
    by_month = dynamic[dynamic["event_time"].notna()].set_index("event_time")["estimate"]
    res = pooled.pooled_reform(*pooled.reform_sums(sample_rp, province="94"), honest=False)
    event = res.event.set_index("event_quarter")
    for quarter, months in ((0, [0, 1, 2]), (3, [9, 10, 11]), (-2, [-4, -3, -2]), (-5, [-13, -12, -11])):
        assert event.loc[quarter, "estimate"] == pytest.approx(by_month.loc[months].mean(), rel=1e-10)
    assert -1 not in event.index  # month -1 is the reference


def _toy(effect: float, *, shocks: dict | None = None, seed: int = 0) -> pd.DataFrame:
    """Two provinces, four districts each (two adopting at different months, two never), three groups
    per district, outcome = group level + month trend (+ province-month shock) + effect after adoption."""
    rng = np.random.default_rng(seed)
    rows = []
    adopt = {"A": {"A1": 24, "A2": 30}, "B": {"B1": 27, "B2": 33}}
    for prov in ("A", "B"):
        for d in (f"{prov}{k}" for k in range(1, 5)):
            g = adopt[prov].get(d, 0)
            for k in range(3):
                level = rng.normal(2.0, 0.5)
                for t in range(12, 48):
                    y = level + 0.01 * t + (shocks or {}).get((prov, t), 0.0) + (effect if g and t >= g else 0.0)
                    rows.append((f"{d}-{k}", d, prov, t, g, y))
    return pd.DataFrame(rows, columns=["group_id", "district", "province", "period", "cohort", "y"])


def _pooled(data: pd.DataFrame, **kw):
    parts = [pooled.reform_sums(part, province=prov) for prov, part in data.groupby("province")]
    return pooled.pooled_reform(pd.concat([p[0] for p in parts]), pd.concat([p[1] for p in parts]), **kw)


def test_constant_effect_recovered_exactly():
    res = _pooled(_toy(-0.25), honest=False)
    assert res.table.iloc[0]["estimate"] == pytest.approx(-0.25, abs=1e-12)
    assert res.info["n_provinces"] == 2 and res.info["n_cohorts"] == 4 and res.n_clusters == 8
    assert res.event.loc[res.event["event_quarter"] < 0, "estimate"].abs().max() < 1e-12


def test_province_month_shocks_cancel():
    rng = np.random.default_rng(5)
    shocks = {(p, t): rng.normal(0, 1.0) for p in ("A", "B") for t in range(12, 48)}
    plain = _pooled(_toy(-0.25), honest=False).table.iloc[0]
    shocked = _pooled(_toy(-0.25, shocks=shocks), honest=False).table.iloc[0]
    assert shocked["estimate"] == pytest.approx(plain["estimate"], abs=1e-10)
    assert shocked["std_error"] == pytest.approx(plain["std_error"], abs=1e-10)


def test_province_without_never_treated_is_left_out():
    data = _toy(-0.25)
    data.loc[data["district"].isin(["B3", "B4"]), "cohort"] = 40  # every district of B adopts
    res = _pooled(data, honest=False)
    assert res.info["provinces"] == ["A"] and res.info["excluded_provinces"] == ["B"]


def test_clusters_by_province_need_two():
    data = _toy(-0.25)
    data = data[data["province"] == "A"]
    with pytest.raises(policy.PolicyError, match="at least two clusters"):
        _pooled(data, cluster="province", honest=False)


def test_always_treated_cohort_is_dropped():
    data = _toy(-0.25)
    data.loc[data["district"] == "A1", "cohort"] = 12  # adopted in the first period: no base period
    sums, districts = pooled.reform_sums(data[data["province"] == "A"], province="A")
    assert "A1" not in set(districts["district"]) and 12 not in set(sums["cohort"])


def _two_provinces():
    """The toy with noise, three times louder in province B, as the provinces' sums."""
    data = _toy(-0.25)
    rng = np.random.default_rng(11)
    data["y"] += rng.normal(0, 1, len(data)) * np.where(data["province"] == "B", 0.6, 0.2)
    parts = [pooled.reform_sums(part, province=prov) for prov, part in data.groupby("province")]
    return pd.concat([p[0] for p in parts]), pd.concat([p[1] for p in parts])


def test_precision_weights_average_the_provinces_own_estimates():
    """The precision-weighted row averages each province's own simple ATT (the same estimator on that
    province alone) with weights 1 / pre-adoption monthly noise (the mean over the province's months -2 and
    earlier of one month's CR1 variance); its variance is the weighted sum of the provinces' own CR1
    variances (districts nest in provinces), its degrees of freedom Welch-Satterthwaite's, and the
    Hartung-Knapp row is the weighted spread over k - 1."""
    sums, dist = _two_provinces()
    res = pooled.pooled_reform(sums, dist, honest=False)
    prov = res.provinces.set_index("province")
    for code in prov.index:
        alone = pooled.pooled_reform(sums[sums["province"] == code], dist[dist["province"] == code],
                                     honest=False).table.set_index("term")
        assert prov.loc[code, "att"] == pytest.approx(alone.loc["ATT", "estimate"], rel=1e-10)
        assert alone.loc["ATT_precision", "estimate"] == pytest.approx(alone.loc["ATT", "estimate"], rel=1e-10)
        assert alone.loc["ATT_precision", "std_error"] == pytest.approx(alone.loc["ATT", "std_error"], rel=1e-10)
        assert alone.loc["ATT_precision", "dof"] == pytest.approx(prov.loc[code, "districts"] - 1)
    # the monthly noise by hand: province A's cells before adoption, one month at a time, CR1 over A's districts
    cells, psi, d = pooled._cells(sums, dist)
    own = (d["province"] == "A").to_numpy()
    pre = np.flatnonzero(((cells["province"] == "A") & (cells["period"] - cells["cohort"] <= -2)).to_numpy())
    g, n = own.sum(), d["units"].sum()
    noise = np.mean([g / (g - 1) * (psi[own, c] ** 2).sum() / n**2 for c in pre])
    assert prov.loc["A", "monthly_noise"] == pytest.approx(noise, rel=1e-10)
    w = 1 / prov["monthly_noise"]
    assert prov["weight"].to_numpy() == pytest.approx((w / w.sum()).to_numpy())
    table = res.table.set_index("term")
    est = (prov["weight"] * prov["att"]).sum()
    assert table.loc["ATT_precision", "estimate"] == pytest.approx(est, rel=1e-10)
    var = (prov["weight"] ** 2 * prov["std_error"] ** 2).sum()
    assert table.loc["ATT_precision", "std_error"] == pytest.approx(np.sqrt(var), rel=1e-8)
    model = prov["weight"] ** 2 * prov["monthly_noise"]
    dof = model.sum() ** 2 / (model**2 / (prov["districts"] - 1)).sum()
    assert table.loc["ATT_precision", "dof"] == pytest.approx(dof, rel=1e-10)
    assert min(prov["districts"] - 1) <= dof <= (prov["districts"] - 1).sum()
    hk = np.sqrt((prov["weight"] * (prov["att"] - est) ** 2).sum() / (len(prov) - 1))
    assert table.loc["ATT_precision_hk", "std_error"] == pytest.approx(hk, rel=1e-10)
    assert table.loc["ATT_precision_hk", "dof"] == len(prov) - 1
    assert prov.loc["A", "weight"] > 0.7  # the quieter province weighs more


def test_design_weights_average_the_provinces_own_estimates():
    """The design-weighted rows average each province's own simple ATT with weights fixed by the design:
    the inverse of L_p^2 (1/D1_p + 1/D0_p), L_p the province's overdue level; ATT_level is CR1 over the
    former districts with t(G-1), ATT_level_cr2 the CR2 variance over the provinces' own ATTs (leverage =
    weight) with Bell-McCaffrey degrees of freedom. Without levels the rows are absent."""
    sums, dist = _two_provinces()
    assert "ATT_level" not in set(pooled.pooled_reform(sums, dist, honest=False).table["term"])
    levels = {"A": 0.002, "B": 0.006}
    res = pooled.pooled_reform(sums, dist, honest=False, levels=levels)
    prov = res.provinces.set_index("province")
    assert (prov["adopting"] == 2).all() and (prov["never"] == 2).all()
    inverse = pd.Series({p: 1 / (levels[p] ** 2 * (1 / 2 + 1 / 2)) for p in levels})
    assert prov["level_weight"].to_numpy() == pytest.approx((inverse / inverse.sum()).to_numpy())
    assert prov.loc["A", "level_weight"] == pytest.approx(0.9)  # (1/0.002^2) / (1/0.002^2 + 1/0.006^2)
    assert res.info["level_weights"] == pytest.approx(prov["level_weight"].to_dict())
    table = res.table.set_index("term")
    est = (prov["level_weight"] * prov["att"]).sum()
    for term in ("ATT_level", "ATT_level_cr2", "ATT_level_hk"):
        assert table.loc[term, "estimate"] == pytest.approx(est, rel=1e-10)
    # CR1 over the eight former districts, t(7)
    g = len(dist)
    assert table.loc["ATT_level", "dof"] == g - 1
    # the provinces' influences are disjoint, so CR1 over all districts is their own variances re-factored
    own = prov["level_weight"] ** 2 * prov["std_error"] ** 2 * (prov["districts"] - 1) / prov["districts"]
    assert table.loc["ATT_level", "std_error"] == pytest.approx(np.sqrt(g / (g - 1) * own.sum()), rel=1e-8)
    # CR2 by hand: residuals over sqrt(1 - weight); two provinces, weights 0.9 and 0.1
    w, e = prov["level_weight"], prov["att"] - est
    assert table.loc["ATT_level_cr2", "std_error"] == pytest.approx(np.sqrt((w**2 * e**2 / (1 - w)).sum()), rel=1e-10)
    assert 0 < table.loc["ATT_level_cr2", "dof"] <= 1  # two provinces: at most one degree of freedom
    # Hartung-Knapp by hand: the weighted spread over k - 1 = 1, t(1)
    hk = table.loc["ATT_level_hk"]
    assert hk["std_error"] == pytest.approx(np.sqrt((w * e**2).sum() / 1), rel=1e-10)
    assert hk["dof"] == 1
    assert hk["conf_high"] - est == pytest.approx(12.7062047 * hk["std_error"], rel=1e-6)  # t(1), 97.5%


def test_cr2_with_equal_weights_is_the_textbook_mean():
    """Equal design weights: the CR2 variance is the sample variance of the provinces' ATTs over k (the
    unbiased textbook standard error of a mean) and Bell-McCaffrey's degrees of freedom are exactly k - 1."""
    provinces = pd.DataFrame({"att": [0.3, -0.1, 0.05, 0.2, -0.4], "level_weight": [0.2] * 5})
    est = provinces["att"].mean()
    row = pooled._cr2_row(provinces, est, alpha=0.05).iloc[0]
    assert row["std_error"] == pytest.approx(provinces["att"].std(ddof=1) / np.sqrt(5), rel=1e-12)
    assert row["dof"] == pytest.approx(4, rel=1e-12)
    assert row["conf_high"] - est == pytest.approx(2.7764451 * row["std_error"], rel=1e-6)  # t(4), 97.5%


def test_hartung_knapp_with_equal_weights_is_the_textbook_mean():
    """Equal design weights: the Hartung-Knapp variance is the sample variance of the provinces' ATTs over k,
    with t(k-1), as the CR2 row."""
    provinces = pd.DataFrame({"att": [0.3, -0.1, 0.05, 0.2, -0.4], "level_weight": [0.2] * 5})
    est = provinces["att"].mean()
    row = pooled._hartung_knapp(provinces, est, alpha=0.05, weight="level_weight", term="ATT_level_hk").iloc[0]
    assert row["term"] == "ATT_level_hk"
    assert row["std_error"] == pytest.approx(provinces["att"].std(ddof=1) / np.sqrt(5), rel=1e-12)
    assert row["dof"] == 4
    assert row["conf_high"] - est == pytest.approx(2.7764451 * row["std_error"], rel=1e-6)  # t(4), 97.5%


def test_design_weights_on_one_province_are_the_simple_att():
    sums, dist = _two_provinces()
    one = pooled.pooled_reform(sums[sums["province"] == "A"], dist[dist["province"] == "A"], honest=False,
                               levels={"A": 0.003}).table.set_index("term")
    for term in ("ATT_level", "ATT_level_cr2", "ATT_level_hk"):
        assert one.loc[term, "estimate"] == pytest.approx(one.loc["ATT", "estimate"], rel=1e-12)
    assert one.loc["ATT_level", "std_error"] == pytest.approx(one.loc["ATT", "std_error"], rel=1e-12)
    assert np.isnan(one.loc["ATT_level_cr2", "std_error"])  # one province: no spread to measure
    assert np.isnan(one.loc["ATT_level_hk", "std_error"])


def test_design_weights_need_every_province_level():
    sums, dist = _two_provinces()
    with pytest.raises(policy.PolicyError, match="no overdue level for province"):
        pooled.pooled_reform(sums, dist, honest=False, levels={"A": 0.003})


def test_design_weighted_intervals_under_province_noise():
    """Known truth: four provinces of different overdue levels whose district-by-month noise scales with the
    level, effects proportional to the level, three adopting districts each in a cohort of its own (the
    few-treated case). Over 200 draws the design-weighted estimate centres on its weighted truth with a
    smaller spread than the simple ATT's. CR2 over the provinces' own ATTs covers the truth in 90-99.5% of
    the draws, Hartung-Knapp (t(3)) in 92-98%; CR1 by former district covers less (a lone adopting
    district's noise never enters it)."""
    rng = np.random.default_rng(2026)
    levels = {"P1": 1.0, "P2": 2.0, "P3": 4.0, "P4": 1.5}
    effect = {p: -0.1 * lvl for p, lvl in levels.items()}  # multiplicative effect: larger in points where high
    adopt = {p: {f"{p}d{k}": 20 + 3 * k for k in range(3)} for p in levels}
    base = []
    for p in levels:
        for k in range(6):
            d = f"{p}d{k}"
            for j in range(2):
                base.append((f"{d}-{j}", d, p, adopt[p].get(d, 0)))
    base = pd.DataFrame(base, columns=["group_id", "district", "province", "cohort"])
    periods = np.arange(8, 40)
    grid = base.merge(pd.DataFrame({"period": periods}), how="cross")
    d_codes, d_names = pd.factorize(grid["district"])
    scale = grid["province"].map(levels).to_numpy()
    treated = (grid["cohort"].to_numpy() > 0) & (grid["period"].to_numpy() >= grid["cohort"].to_numpy())
    true = grid["province"].map(effect).to_numpy()
    ests, simple, cover = [], [], {"ATT_level": [], "ATT_level_cr2": [], "ATT_level_hk": []}
    truth = None
    for _ in range(200):
        shock = rng.normal(0, 0.3, (len(d_names), len(periods)))
        y = scale * (1 + shock[d_codes, grid["period"].to_numpy() - periods[0]]
                     + rng.normal(0, 0.05, len(grid))) + np.where(treated, true, 0.0)
        data = grid.assign(y=y)
        parts = [pooled.reform_sums(part, province=prov) for prov, part in data.groupby("province")]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = pooled.pooled_reform(pd.concat([q[0] for q in parts]), pd.concat([q[1] for q in parts]),
                                       honest=False, levels=levels)
        table = res.table.set_index("term")
        if truth is None:
            truth = sum(w * effect[p] for p, w in res.info["level_weights"].items())
        ests.append(table.loc["ATT_level_cr2", "estimate"])
        simple.append(table.loc["ATT", "estimate"])
        for term, hits in cover.items():
            hits.append(table.loc[term, "conf_low"] <= truth <= table.loc[term, "conf_high"])
    assert abs(np.mean(ests) - truth) < 3 * np.std(ests) / np.sqrt(len(ests))
    assert np.std(ests) < np.std(simple)
    assert 0.90 <= np.mean(cover["ATT_level_cr2"]) <= 0.995
    assert 0.92 <= np.mean(cover["ATT_level_hk"]) <= 0.98
    assert np.mean(cover["ATT_level"]) < np.mean(cover["ATT_level_cr2"])
