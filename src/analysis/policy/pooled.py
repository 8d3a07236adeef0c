"""One reform pooled across provinces: Callaway-Sant'Anna with comparisons inside each province.

Where the same reform is adopted by districts of several provinces at different dates, no province
alone has many districts, but the country does. ``pooled_reform`` estimates the overall effect as
``did::att_gt(control = "never") + aggte(type = "simple")`` would on the stacked group-month panel of
those provinces, with one change: a cohort is a (province, adoption month) pair and its comparison
units are the **never-treated districts of the same province**. Every group-time effect is a
difference between districts that share their province's month, so anything common to a province and
month (the province's own shocks, its calibration, its events, a national shock) cancels: the
province x month effects of the design, without a regression.

Map-reduce. A province contributes district-by-period sums (``reform_sums``, computed inside the
province's own task): for cohort g with universal base period b = g - 1 and every period t from
``LEADS_MONTHS`` before adoption to the end of the data, S = sum over the district's groups observed in
t and b of (y_t - y_b) and N = their number, for the districts adopting at g and for the province's
never-treated districts; and each district's cohort and number of groups. The country's estimate is
assembled from these sums only, so memory does not grow with the number of group-months.

Precision weighting (``ATT_precision``, beside the headline). The simple ATT weights provinces by their
treated group-months, so a province with high, volatile overdue can dominate its variance and the pooled
estimate can detect less than a calm province alone. ``ATT_precision`` averages the provinces' own simple
ATTs with weights proportional to the inverse of each province's **pre-adoption monthly noise**: the mean,
over its cohorts' months -2 and earlier, of the variance (over its own districts) of one month's
treated-minus-comparison difference. Averaging many months makes the weights smooth; using only months
before adoption keeps them apart from the noise the ATT is made of. A first version weighted by the
variance of the single pre-adoption placebo average (two or three degrees of freedom a province) piled the
weight onto provinces whose variance happened to be small, and its interval rejected a true zero in 18% of
the gate's replicates (docs/national.md). Its variance is the sum of the provinces' own CR1 variances (each
with its own factor G_p/(G_p-1): the weight sits on provinces of three or four districts, where the global
factor G/(G-1) is too small) and its critical values are t with Welch-Satterthwaite degrees of freedom
(sum_p w_p^2 V_p)^2 / sum_p (w_p^2 V_p)^2 / (G_p - 1), V_p the province's modelled variance (its monthly
noise): about G_p - 1 when one province dominates, the number of districts when none does.
``ATT_precision_hk`` gives the same estimate the Hartung-Knapp variance (the weighted spread of the
provinces' ATTs, t(k-1)).

Design weighting (``ATT_level``, ``ATT_level_cr2``, ``ATT_level_hk``; with ``levels``). The
precision-weighted row fails the national gate because its weights are read from the same noisy districts
as the interval. These weights are fixed by the design instead: province p's own simple ATT is weighted
by the inverse of its **modelled variance** L_p^2 (1/D1_p + 1/D0_p), with L_p the province's overdue
level over the whole series (overdue shocks are multiplicative, so their spread in points grows with the
level: the attribute of the design-based driver intervals, ``reductions.province_levels``) and D1_p, D0_p
its adopting and never-treated districts (district-by-month shocks dominate a comparison of district
means). A level below a tenth of the provinces' median is raised to it, so no province takes the weight
by having almost no overdue. The estimand is the same weights times the provinces' true effects.
``ATT_level`` uses the weighted influence summed by cluster, CR1, t(G-1). That interval inherits the
few-treated-clusters problem: a cohort with one adopting district has a treated residual of zero in every
one of its cells, so the district's own noise never enters CR1, and the weights favour the small
provinces where such cohorts are common. ``ATT_level_cr2`` does not use the districts' residuals at all:
it treats the provinces' own ATTs as k observations of the weighted mean, with the bias-reduced cluster
variance (CR2: each province's residual divided by sqrt(1 - w_p), its leverage in the weighted mean,
which is unbiased when the modelled variances are right up to scale) and Bell and McCaffrey's (2002)
Satterthwaite degrees of freedom under the same model (about the Kish effective number of provinces,
minus one). In the national gate that interval is slightly conservative: the provinces' ATTs are
heavy-tailed (excess kurtosis about 2.6 after dividing by the modelled variance), and when the weight
sits on a few provinces an outlying one inflates the estimate and its standard error together, so the t
statistic has lighter tails than t with the Kish degrees of freedom. ``ATT_level_hk`` gives the same
estimate the Hartung-Knapp variance (the weighted spread of the provinces' ATTs over k - 1, t(k-1)):
exact when the modelled variances are right up to scale and the ATTs normal, the standard interval of a
weighted mean of k independent estimates in meta-analysis (Hartung and Knapp 2001; IntHout, Ioannidis and
Borm 2014).

Inference. The influence function of R ``did`` (including the estimation of the aggregation weights)
summed within clusters: former districts (default; about a hundred in the synthetic country) or
provinces; variance times G/(G-1) (CR1), t(G-1) critical values. On a single province it reproduces
``att_gt`` + ``aggte(kind="simple")`` with district-clustered inference to rounding
(tests/test_policy_pooled.py). Its size and coverage under the country's shocks are the national Monte
Carlo gate's (``results.montecarlo``, design "national").

Event study and sensitivity. Event-time effects (month -1 is the reference) are averaged into quarters:
post quarters 0..``LAGS_Q``-1 (months 3q..3q+2) and pre quarters -2..-``LEADS_Q``-1 (months -4..-2,
-7..-5, ...), with their covariance from the same cluster sums; HonestDiD relative magnitudes and
smoothness bounds (``policy.honest``) for the average of the post quarters. The minimum detectable
effect at 80% power is (t_{1-alpha/2} + t_{0.8}) x SE with G-1 degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.constants import ALPHA, POWER

from .results import PolicyError, PolicyResult

LEADS_Q, LAGS_Q = 4, 8  # quarters before (beyond the reference month) and after adoption in the event study
LEADS_MONTHS = 3 * LEADS_Q + 1  # months before adoption whose sums are kept (pre quarter bins + reference)
CLUSTERS = ("district", "province")
SUM_COLUMNS = ["province", "district", "cohort", "period", "S", "N"]
DISTRICT_COLUMNS = ["province", "district", "cohort", "units"]


@dataclass(frozen=True)
class PooledReform(PolicyResult):
    """The pooled ATT (``table`` row "ATT": CR1 by cluster, t(G-1), ``mde``), the event study by quarter
    (``event``: term, event_quarter, months, estimate, std_error, conf_low, conf_high), the HonestDiD
    sensitivity (``honest``, or None when the pre-periods are too few), the cohorts (``cohorts``: province,
    cohort month, districts, groups, weight in the ATT, the cohort's own ATT)."""

    event: pd.DataFrame | None = None
    honest: object | None = None
    cohorts: pd.DataFrame | None = None
    provinces: pd.DataFrame | None = None


# ---------------------------------------------------------------------------------------------
# map: one province
# ---------------------------------------------------------------------------------------------

def reform_sums(rp: pd.DataFrame, *, province: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The province's sums for the pooled design (module docstring) from its reform panel
    (``policy.reform_panel(..., freq="month")``: group_id, district, period, cohort, y).

    Returns (sums: province, district, cohort, period, S, N; districts: province, district, cohort, units).
    Cohorts adopting at the first period (no base period) are left out, as R ``did`` drops them."""
    first = int(rp["period"].min())
    wide = rp.pivot_table(index="group_id", columns="period", values="y", aggfunc="first", observed=True)
    periods = wide.columns.to_numpy(dtype=np.int64)
    full = np.arange(first, int(periods.max()) + 1)
    wide = wide.reindex(columns=full)
    Y = wide.to_numpy(dtype=float)
    unit = rp.drop_duplicates("group_id").set_index("group_id").loc[wide.index]
    district = unit["district"].astype(str).to_numpy()
    cohort = unit["cohort"].to_numpy(dtype=np.int64)
    keep = (cohort == 0) | (cohort > first)
    Y, district, cohort = Y[keep], district[keep], cohort[keep]
    districts = (pd.DataFrame({"district": district, "cohort": cohort}).groupby(["district", "cohort"], as_index=False)
                 .size().rename(columns={"size": "units"}))
    if districts["district"].duplicated().any():
        raise PolicyError("a district's groups have different adoption periods: the reform is assigned by district")
    districts.insert(0, "province", str(province))
    codes, names = pd.factorize(district, sort=True)
    frames = []
    for g in np.unique(cohort[cohort > 0]):
        rows = (cohort == g) | (cohort == 0)
        b = g - 1 - first
        t_idx = np.arange(max(0, b - LEADS_MONTHS + 1), len(full))
        dy = Y[np.ix_(rows, t_idx)] - Y[rows, b][:, None]
        ok = np.isfinite(dy)
        n_d = len(names)
        S = np.zeros((n_d, len(t_idx)))
        N = np.zeros((n_d, len(t_idx)))
        np.add.at(S, codes[rows], np.where(ok, dy, 0.0))
        np.add.at(N, codes[rows], ok.astype(float))
        present = np.isin(np.arange(n_d), codes[rows])
        d_i, t_i = np.nonzero(present[:, None] & np.ones_like(N, dtype=bool))
        frames.append(pd.DataFrame({"district": names[d_i], "cohort": int(g), "period": full[t_idx][t_i],
                                    "S": S[d_i, t_i], "N": N[d_i, t_i]}))
    sums = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SUM_COLUMNS[1:])
    sums.insert(0, "province", str(province))
    sums = sums.astype({"district": str, "cohort": np.int64, "period": np.int64, "S": float, "N": float})
    return sums[SUM_COLUMNS], districts[DISTRICT_COLUMNS]


# ---------------------------------------------------------------------------------------------
# reduce: the country
# ---------------------------------------------------------------------------------------------

def pooled_reform(sums: pd.DataFrame, districts: pd.DataFrame, *, cluster: str = "district", alpha: float = ALPHA,
                  honest: bool = True, levels: Mapping[str, float] | None = None) -> PooledReform:
    """The pooled reform (module docstring) from the provinces' ``reform_sums``; with ``levels`` (province ->
    overdue level) also the design-weighted rows ``ATT_level``, ``ATT_level_cr2`` and ``ATT_level_hk``."""
    if cluster not in CLUSTERS:
        raise PolicyError(f"cluster must be one of {CLUSTERS}, got {cluster!r}")
    cells, psi, dist = _cells(sums, districts)
    post = cells["event"].to_numpy() >= 0
    if not post.any():
        raise PolicyError("no adopting district has a post-adoption period with never-treated districts "
                          "of its own province to compare with")
    n = float(dist["units"].sum())
    cluster_codes, cluster_names = pd.factorize(dist[cluster].astype(str), sort=True)
    G = len(cluster_names)
    if G < 2:
        raise PolicyError("clustered inference needs at least two clusters")
    member = _membership(cells, dist)  # districts x cells: 1 where the district is in the cell's cohort
    att = cells["att"].to_numpy()
    pg = cells["pg"].to_numpy() / n
    est, inf = _weighted(att, psi, np.flatnonzero(post), pg, member, dist["units"].to_numpy(float), n)
    provinces = _by_province(cells, psi, dist, att, pg, member, n)
    w = provinces["weight"].to_numpy()
    est_w = float(w @ provinces["att"].to_numpy())
    inf_w = np.column_stack(provinces["influence"].tolist()) @ w
    rows = [("ATT", est, inf, {}), ("ATT_precision", est_w, inf_w, {})]
    precise = (_precision_row(provinces, dist, inf_w, est_w, n, alpha=alpha) if cluster == "district"
               else pd.DataFrame())
    if levels is not None:
        provinces = _level_weights(provinces, levels)
        w_l = provinces["level_weight"].to_numpy()
        est_l = float(w_l @ provinces["att"].to_numpy())
        inf_l = np.column_stack(provinces["influence"].tolist()) @ w_l
        rows.append(("ATT_level", est_l, inf_l, {}))
        if cluster == "district":
            precise = pd.concat([precise, _cr2_row(provinces, est_l, alpha=alpha),
                                 _hartung_knapp(provinces, est_l, alpha=alpha, weight="level_weight",
                                                term="ATT_level_hk")], ignore_index=True)
    event_rows = []
    for label, months in _bins(cells["event"].to_numpy()):
        parts = [_weighted(att, psi, np.flatnonzero(cells["event"].to_numpy() == e), pg, member,
                           dist["units"].to_numpy(float), n) for e in months]
        event_rows.append((label, months, np.mean([p[0] for p in parts]), np.mean([p[1] for p in parts], axis=0)))
    ests = np.array([r[1] for r in rows] + [r[2] for r in event_rows])
    influence = np.column_stack([r[2] for r in rows] + [r[3] for r in event_rows])
    n_head = len(rows)
    by_cluster = np.zeros((G, influence.shape[1]))
    np.add.at(by_cluster, cluster_codes, influence)
    vcov = G / (G - 1) * by_cluster.T @ by_cluster / n**2
    se = np.sqrt(np.diag(vcov))
    dof = G - 1
    crit = stats.t.ppf(1 - alpha / 2, dof)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = ests / se
    p = 2 * stats.t.sf(np.abs(stat), dof)
    mde = (crit + stats.t.ppf(POWER, dof)) * se[:n_head]
    table = pd.DataFrame([{"term": rows[i][0], "estimate": ests[i], "std_error": se[i], "statistic": stat[i],
                           "p_value": p[i], "conf_low": ests[i] - crit * se[i], "conf_high": ests[i] + crit * se[i],
                           "mde": mde[i], "dof": dof} for i in range(n_head)])
    if not precise.empty:
        table = pd.concat([table[table["term"] != "ATT_precision"], precise], ignore_index=True)
    table = pd.concat([table, _hartung_knapp(provinces, est_w, alpha=alpha)], ignore_index=True)
    event = pd.DataFrame({"term": [f"quarter::{q}" for q, *_ in event_rows],
                          "event_quarter": [q for q, *_ in event_rows],
                          "months": [f"{min(m)}..{max(m)}" for _, m, *_ in event_rows],
                          "estimate": ests[n_head:], "std_error": se[n_head:],
                          "conf_low": ests[n_head:] - crit * se[n_head:],
                          "conf_high": ests[n_head:] + crit * se[n_head:]})
    cohorts = _cohort_table(cells, dist, att, pg, post)
    info = {"cluster": cluster, "n_clusters": G, "n_provinces": int(dist["province"].nunique()),
            "n_cohorts": int(len(cohorts)), "n_adopting_districts": int((dist["cohort"] > 0).sum()),
            "n_never_districts": int((dist["cohort"] == 0).sum()), "n_groups": int(n), "alpha": alpha,
            "power": POWER, "reference": "month -1 (the month before adoption)",
            "provinces": sorted(dist["province"].unique()),
            "excluded_provinces": sorted(set(districts["province"].astype(str)) - set(dist["province"]))}
    info["precision_weights"] = {str(r.province): float(r.weight) for r in provinces.itertuples()}
    if levels is not None:
        info["level_weights"] = {str(r.province): float(r.level_weight) for r in provinces.itertuples()}
    honest_result = _honest(event, vcov[n_head:, n_head:]) if honest else None
    if honest_result is not None:
        info["honest_breakdown"] = {k: (None if v != v else float(v)) for k, v in honest_result.breakdown.items()}
    sentence = (f"influence functions (R did, with the estimated weights) summed by {cluster} ({G} clusters in "
                f"{info['n_provinces']} provinces), CR1 factor G/(G-1), t({dof}) critical values")
    method = ("Callaway-Sant'Anna ATT pooled across provinces: cohorts = (province, adoption month), comparison "
              "= never-treated districts of the same province, universal base period (the month before "
              "adoption), additive parallel trends; aggregation 'simple' (did::aggte, ATT); beside it each "
              "province's simple ATT weighted by the inverse of its pre-adoption monthly noise (ATT_precision: "
              "provinces' CR1 variances, Welch-Satterthwaite t; ATT_precision_hk: Hartung-Knapp)"
              + ("; and weighted by the inverse of its modelled variance, overdue level squared times "
                 "(1/adopting + 1/never-treated districts) (ATT_level: CR1 by cluster; ATT_level_cr2: CR2 over the "
                 "provinces' own ATTs, Bell-McCaffrey t; ATT_level_hk: Hartung-Knapp, t(k-1))"
                 if levels is not None else ""))
    n_obs = int(sums.loc[sums["period"] >= sums["cohort"], "N"].sum())
    return PooledReform(table=table, n_obs=n_obs, n_clusters=G, vcov_type="cluster", method=method,
                        inference=sentence, info=info, event=event, honest=honest_result, cohorts=cohorts,
                        provinces=provinces.drop(columns="influence"))


def _by_province(cells, psi, dist, att, pg, member, n) -> pd.DataFrame:
    """Each province's own simple ATT and its influence (zero outside the province: the weights' part
    vanishes there), the CR1 variance of its ATT and of its pre-adoption placebo (the average of the
    event months -2 and earlier) over its own districts, its pre-adoption monthly noise and its weight in
    the precision-weighted ATT.

    The weight is the inverse of the **monthly noise** (module docstring): the mean over the province's
    pre-adoption cells (event months -2 and earlier) of each cell's CR1 variance over its own districts.
    Measured before adoption, it ranks the provinces by how noisy their comparisons are without using the
    post-adoption noise the ATT is made of, and averaged over many months it does not favour a province
    whose variance happens to be small, so the pooled interval can treat the weights as fixed. A
    province without a pre-adoption month gets the median precision of the others."""
    units = dist["units"].to_numpy(float)
    province = dist["province"].to_numpy()
    event = cells["event"].to_numpy()
    rows = []
    for p in sorted(cells["province"].unique()):
        in_p = cells["province"].to_numpy() == p
        own = province == p
        g_p = int(own.sum())
        est, inf = _weighted(att, psi, np.flatnonzero(in_p & (event >= 0)), pg, member, units, n)
        if not np.isfinite(est):
            continue
        pre_idx = np.flatnonzero(in_p & (event <= -2))
        _, inf_pre = _weighted(att, psi, pre_idx, pg, member, units, n)
        factor = g_p / (g_p - 1) / n**2 if g_p >= 2 else np.nan
        pre_var = factor * float((inf_pre[own] ** 2).sum()) if pre_idx.size >= 2 else np.nan
        noise = factor * float((psi[np.ix_(own, pre_idx)] ** 2).sum(axis=0).mean()) if pre_idx.size else np.nan
        adopting = int((dist["cohort"].to_numpy()[own] > 0).sum())
        rows.append({"province": p, "att": est, "std_error": float(np.sqrt(factor * (inf[own] ** 2).sum())),
                     "placebo_variance": pre_var, "monthly_noise": noise, "districts": g_p,
                     "adopting": adopting, "never": g_p - adopting, "influence": inf})
    out = pd.DataFrame(rows)
    precision = 1.0 / out["monthly_noise"].where(out["monthly_noise"] > 0)
    fill = precision.median() if precision.notna().any() else 1.0
    precision = precision.fillna(fill)
    out["weight"] = precision / precision.sum()
    return out


def _level_weights(provinces: pd.DataFrame, levels: Mapping[str, float]) -> pd.DataFrame:
    """Each province's modelled variance L_p^2 (1/D1_p + 1/D0_p) and its design weight, the normalised
    inverse (module docstring); a level below a tenth of the median is raised to it."""
    missing = sorted(set(provinces["province"].astype(str)) - set(map(str, levels)))
    if missing:
        raise PolicyError(f"no overdue level for province(s) {', '.join(missing)}")
    level = provinces["province"].astype(str).map({str(k): float(v) for k, v in levels.items()}).to_numpy(float)
    level = np.maximum(level, 0.1 * np.median(level))
    if not (level > 0).all():
        raise PolicyError("the adopting provinces have no overdue: the design weights are undefined")
    out = provinces.copy()
    out["level"] = level
    out["level_variance"] = level**2 * (1.0 / out["adopting"] + 1.0 / out["never"])
    inverse = 1.0 / out["level_variance"]
    out["level_weight"] = inverse / inverse.sum()
    return out


def _cr2_row(provinces: pd.DataFrame, est: float, *, alpha: float) -> pd.DataFrame:
    """The design-weighted ATT with the CR2 variance over the provinces' own ATTs and Bell-McCaffrey
    degrees of freedom (module docstring). With normalised weights w and residuals e = y - est, the
    variance is sum w_p^2 e_p^2 / (1 - w_p); it is the quadratic form y'By, B = M'AM (M = I - 1w',
    A = diag(w^2 / (1 - w))), and under the working model Var(y_p) proportional to 1/w_p (Omega) its
    degrees of freedom are tr(B Omega)^2 / tr((B Omega)^2)."""
    nan = float("nan")
    y = provinces["att"].to_numpy(float)
    w = provinces["level_weight"].to_numpy(float)
    k = len(y)
    if k < 2 or (w >= 1).any():
        se, dof = nan, nan
    else:
        e = y - est
        se = float(np.sqrt((w**2 * e**2 / (1 - w)).sum()))
        M = np.eye(k) - np.outer(np.ones(k), w)
        B_omega = M.T @ np.diag(w**2 / (1 - w)) @ M @ np.diag(1 / w)
        dof = float(np.trace(B_omega) ** 2 / np.trace(B_omega @ B_omega))
    ok = np.isfinite(dof) and dof > 0
    crit = stats.t.ppf(1 - alpha / 2, dof) if ok else nan
    stat = est / se if ok and se > 0 else nan
    p = 2 * stats.t.sf(abs(stat), dof) if np.isfinite(stat) else nan
    mde = (crit + stats.t.ppf(POWER, dof)) * se if ok else nan
    return pd.DataFrame([{"term": "ATT_level_cr2", "estimate": est, "std_error": se, "statistic": stat,
                          "p_value": p, "conf_low": est - crit * se, "conf_high": est + crit * se, "mde": mde,
                          "dof": dof}])


def _precision_row(provinces: pd.DataFrame, dist: pd.DataFrame, inf_w: np.ndarray, est: float, n: float, *,
                   alpha: float) -> pd.DataFrame:
    """The precision-weighted ATT clustered by former district: the sum of each province's CR1 variance
    (its own factor G_p/(G_p-1)) and t with Welch-Satterthwaite degrees of freedom (module docstring)."""
    province = dist["province"].to_numpy()
    var, num, den = 0.0, 0.0, 0.0
    for r in provinces.itertuples():
        own = province == r.province
        g_p = int(own.sum())
        var += g_p / (g_p - 1) * float((inf_w[own] ** 2).sum()) / n**2
        model = r.weight**2 * (r.monthly_noise if np.isfinite(r.monthly_noise) else np.nan)
        if np.isfinite(model):
            num += model
            den += model**2 / (g_p - 1)
    se = float(np.sqrt(var))
    dof = num**2 / den if den > 0 else float(len(dist) - 1)
    crit = stats.t.ppf(1 - alpha / 2, dof)
    stat = est / se if se > 0 else float("nan")
    return pd.DataFrame([{"term": "ATT_precision", "estimate": est, "std_error": se, "statistic": stat,
                          "p_value": 2 * stats.t.sf(abs(stat), dof), "conf_low": est - crit * se,
                          "conf_high": est + crit * se, "mde": (crit + stats.t.ppf(POWER, dof)) * se,
                          "dof": dof}])


def _hartung_knapp(provinces: pd.DataFrame, est: float, *, alpha: float, weight: str = "weight",
                   term: str = "ATT_precision_hk") -> pd.DataFrame:
    """A weighted mean of the provinces' own ATTs with the Hartung-Knapp variance: the weighted spread of
    the ATTs around it, sum w_p (y_p - est)^2 / (k - 1) with normalised weights, and t(k-1) critical values
    (Hartung and Knapp 2001; Sidik and Jonkman 2002). When the weights are the inverse variances up to a
    common scale and the ATTs normal, (k - 1) times that variance over its expectation is chi-squared with
    k - 1 degrees of freedom, so the interval is exact; it is wider when the provinces' effects differ.
    ``weight`` names the column of ``provinces`` ("weight": the precision-weighted ATT, "level_weight": the
    design-weighted one)."""
    k = len(provinces)
    nan = float("nan")
    if k < 2:
        se = nan
    else:
        w = provinces[weight].to_numpy()
        se = float(np.sqrt((w * (provinces["att"].to_numpy() - est) ** 2).sum() / (k - 1)))
    dof = k - 1
    crit = stats.t.ppf(1 - alpha / 2, dof) if k >= 2 else nan
    stat = est / se if se and np.isfinite(se) else nan
    p = 2 * stats.t.sf(abs(stat), dof) if np.isfinite(stat) else nan
    mde = (crit + stats.t.ppf(POWER, dof)) * se if k >= 2 else nan
    return pd.DataFrame([{"term": term, "estimate": est, "std_error": se, "statistic": stat,
                          "p_value": p, "conf_low": est - crit * se, "conf_high": est + crit * se, "mde": mde,
                          "dof": dof}])


def _cells(sums: pd.DataFrame, districts: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Every (province, cohort, period) cell with treated and comparison groups: its ATT, the cohort's
    groups (pg, unnormalised) and the cluster influence (districts x cells, R did's scaling / n)."""
    districts = districts.astype({"province": str, "district": str})
    sums = sums.astype({"province": str, "district": str})
    roles = sums.merge(districts[["province", "district", "cohort"]].rename(columns={"cohort": "own"}),
                       on=["province", "district"], how="left", validate="many_to_one")
    roles["treated"] = roles["own"] == roles["cohort"]
    roles = roles[roles["treated"] | (roles["own"] == 0)]
    key = ["province", "cohort", "period"]
    side = roles.groupby([*key, "treated"], as_index=False)[["S", "N"]].sum()
    wide = side.pivot_table(index=key, columns="treated", values=["S", "N"], fill_value=0.0)
    wide.columns = [f"{a}{int(b)}" for a, b in wide.columns]
    for col in ("S0", "S1", "N0", "N1"):
        if col not in wide:
            wide[col] = 0.0
    cells = wide[(wide["N1"] > 0) & (wide["N0"] > 0)].reset_index()
    usable = cells.groupby("province")["period"].size().index
    dist = districts[districts["province"].isin(usable)].reset_index(drop=True)
    cells = cells[cells["province"].isin(usable)].reset_index(drop=True)
    cells["m1"], cells["m0"] = cells["S1"] / cells["N1"], cells["S0"] / cells["N0"]
    cells["att"] = cells["m1"] - cells["m0"]
    cells["event"] = cells["period"] - cells["cohort"]
    size = dist[dist["cohort"] > 0].groupby(["province", "cohort"])["units"].sum()
    cells["pg"] = [float(size.get((p, g), 0.0)) for p, g in zip(cells["province"], cells["cohort"])]
    n = float(dist["units"].sum())
    # influence of each district on each cell: n/N1 (S_d - m1 N_d) if treated, -n/N0 (S_d - m0 N_d) if comparison
    d_index = pd.MultiIndex.from_frame(dist[["province", "district"]])
    c_index = pd.MultiIndex.from_frame(cells[key])
    r = roles.merge(cells[[*key, "m1", "m0", "N1", "N0"]], on=key, how="inner")
    coef = np.where(r["treated"], n / r["N1"] * (r["S"] - r["m1"] * r["N"]),
                    -n / r["N0"] * (r["S"] - r["m0"] * r["N"]))
    di = d_index.get_indexer(pd.MultiIndex.from_frame(r[["province", "district"]]))
    ci = c_index.get_indexer(pd.MultiIndex.from_frame(r[key]))
    psi = np.zeros((len(dist), len(cells)))
    np.add.at(psi, (di, ci), coef)
    return cells, psi, dist


def _membership(cells: pd.DataFrame, dist: pd.DataFrame) -> np.ndarray:
    same_p = dist["province"].to_numpy()[:, None] == cells["province"].to_numpy()[None, :]
    same_g = dist["cohort"].to_numpy()[:, None] == cells["cohort"].to_numpy()[None, :]
    return (same_p & same_g).astype(float)


def _weighted(att, psi, keep, pg, member, units, n) -> tuple[float, np.ndarray]:
    """R did's weighted mean of cells ``keep`` (weights pg) and its cluster influence, the estimated
    weights included (``did._weighted`` summed over each district's groups)."""
    if keep.size == 0:
        return float("nan"), np.zeros(psi.shape[0])
    w = pg[keep] / pg[keep].sum()
    est = float(w @ att[keep])
    indicator = units[:, None] * (member[:, keep] - pg[keep][None, :])
    s = pg[keep].sum()
    wif = indicator / s - np.outer(indicator.sum(axis=1), pg[keep] / s**2)
    return est, psi[:, keep] @ w + wif @ att[keep]


def _bins(events: np.ndarray) -> list[tuple[int, list[int]]]:
    """Quarter bins of event months present: post q -> 3q..3q+2, pre -(k+1) -> -3k-1..-3k+1 (month -1 is
    the reference); a bin is kept when all its months are present."""
    present = set(int(e) for e in np.unique(events))
    out = []
    for k in range(LEADS_Q, 0, -1):
        months = [-3 * k - 1, -3 * k, -3 * k + 1]
        if present.issuperset(months):
            out.append((-(k + 1), months))
    for q in range(LAGS_Q):
        months = [3 * q, 3 * q + 1, 3 * q + 2]
        if present.issuperset(months):
            out.append((q, months))
    return out


def _cohort_table(cells, dist, att, pg, post) -> pd.DataFrame:
    from .prepare import period_label

    rows = []
    total = sum(pg[post])
    for (p, g), idx in cells[post].groupby(["province", "cohort"]).groups.items():
        idx = np.asarray(idx)
        members = dist[(dist["province"] == p) & (dist["cohort"] == g)]
        rows.append({"province": p, "cohort": period_label(int(g)), "districts": int(len(members)),
                     "groups": int(members["units"].sum()), "post_months": int(len(idx)),
                     "weight": float(pg[idx].sum() / total), "att": float(att[idx].mean())})
    return pd.DataFrame(rows)


def _honest(event: pd.DataFrame, sigma: np.ndarray):
    """HonestDiD on the quarterly event study (average of the post quarters), or None when there are
    fewer than two pre quarters or no post quarter."""
    from .honest import HonestInput, honest_did

    pre = event["event_quarter"].to_numpy() < 0
    if pre.sum() < 2 or (~pre).sum() < 1:
        return None
    inp = HonestInput(betahat=event["estimate"].to_numpy(float), sigma=sigma,
                      event_times=tuple(int(q) for q in event["event_quarter"]), num_pre=int(pre.sum()),
                      num_post=int((~pre).sum()), reference=-1,
                      source="pooled reform: cluster sums of the influence functions, CR1")
    return honest_did(inp, l_vec="average")
