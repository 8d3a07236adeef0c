"""Diagnostics a referee asks for: pre-trend joint test, placebo dates, leave-one-cluster-out,
and whether every cohort has enough untreated comparison units.

- Pre-trend test: Wald test that all pre-treatment effects are zero (R ``did``'s pre-test, Callaway
  and Sant'Anna 2021 section 4.2). Under clustered inference with G clusters the Wald statistic W is
  referred to Hotelling's T-squared: F = (G-k) W / (k (G-1)) ~ F(k, G-k), which needs k <= G-2
  (with 11 districts: at most 9 leads, fewer for power); under wild inference it is a sup-t test
  from the multiplier bootstrap (Montiel Olea and Plagborg-Moller 2019), valid for any k.
- Placebo dates: move every adoption date ``shift`` periods earlier and keep only periods before the
  true adoption of each unit, so any "effect" is spurious (Roth et al. 2023, section 5).
- Leave-one-cluster-out: re-estimate dropping each district in turn.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .results import TIDY_COLUMNS, Inference, PolicyError, PolicyResult, bootstrap_draws, cluster_sums

MIN_COMPARISON_UNITS = 5  # fewer untreated comparison units than this in a post cell: warn
MIN_COMPARISON_CLUSTERS = 2  # ... or fewer untreated comparison clusters than this


class ComparisonWarning(UserWarning):
    """A cohort has too few untreated comparison units or clusters."""


@dataclass(frozen=True)
class TestResult:
    """A joint test. Attributes: statistic, df (numerator), df_denominator (None: chi-square or
    bootstrap), p_value, test (its name), n_restrictions, terms tested."""

    statistic: float
    df: int
    df_denominator: int | None
    p_value: float
    test: str
    terms: tuple[str, ...]

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([{"term": "pre-trends = 0", "estimate": np.nan, "std_error": np.nan,
                              "statistic": self.statistic, "p_value": self.p_value,
                              "conf_low": np.nan, "conf_high": np.nan}], columns=TIDY_COLUMNS)


def pretrend_test(result: PolicyResult, *, leads: int | None = None) -> TestResult:
    """Joint test that the pre-treatment effects of ``result`` are zero.

    ``result`` is ``att_gt`` output (pre cells t < g), ``aggte(kind="dynamic")`` output or an
    ``event_study`` result (pre event times, reference excluded). ``leads`` keeps only event times
    >= -leads. With clustered inference the test is Hotelling's F(k, G-k) and k must be at most G-2;
    with wild inference it is a bootstrap sup-t test.

    Example
    -------
    >>> pretrend_test(att_gt(mpdta, ...)).p_value  # 0.16812, as R did's README
    """
    table = result.table
    event = table["event_time"].astype(float).to_numpy()
    pre = event < 0
    if "post" in table.columns:
        pre = ~table["post"].to_numpy(dtype=bool)
    if leads is not None:
        pre &= event >= -leads
    if "is_reference" in table.columns:
        pre &= ~table["is_reference"].to_numpy(dtype=bool)
    if not pre.any():
        raise PolicyError("no pre-treatment estimates to test")
    est = table["estimate"].to_numpy(dtype=float)[pre]
    terms = tuple(table["term"].astype(str)[pre])
    k = len(est)
    influence = getattr(result, "influence", None)
    if influence is None:
        influence = result.info.get("influence")
    settings = getattr(result, "settings", None) or result.info.get("settings") or Inference()
    clusters = getattr(result, "unit_cluster", None)
    if clusters is None:
        clusters = result.info.get("unit_cluster")
    if influence is None:
        vcov = np.asarray(result.info["vcov"])[np.ix_(pre, pre)]
        g = result.n_clusters
        return _wald(est, vcov, k=k, n_clusters=g, terms=terms)
    inf = influence[:, pre]
    n = inf.shape[0]
    if settings.kind == "analytic":
        return _wald(est, inf.T @ inf / n**2, k=k, n_clusters=None, terms=terms)
    psi, g = cluster_sums(inf, clusters)
    if settings.kind == "cluster":
        return _wald(est, g / (g - 1) * psi.T @ psi / n**2, k=k, n_clusters=g, terms=terms)
    draws = bootstrap_draws(psi, n=n, inference=settings)
    se = (np.quantile(draws, 0.75, axis=0) - np.quantile(draws, 0.25, axis=0)) / 1.3489795003921634
    stat = float(np.max(np.abs(est) / se))
    boot = np.max(np.abs(draws) / se, axis=1)
    p = float((1 + (boot >= stat).sum()) / (len(boot) + 1))
    return TestResult(stat, k, None, p, f"sup-t, wild bootstrap by {settings.cluster} ({g} clusters)", terms)


def _wald(est, vcov, *, k, n_clusters, terms) -> TestResult:
    if n_clusters is not None and k > n_clusters - 2:
        raise PolicyError(f"{k} pre-treatment estimates cannot be tested jointly with {n_clusters} clusters "
                          f"(the clustered covariance has rank at most {n_clusters - 1}); pass leads= of at most "
                          f"{n_clusters - 2}, aggregate to quarters, or use Inference(kind='wild') for a sup-t test")
    try:
        w = float(est @ np.linalg.solve(vcov, est))
    except np.linalg.LinAlgError as exc:
        raise PolicyError("the covariance of the pre-treatment estimates is singular") from exc
    if n_clusters is None:
        return TestResult(w, k, None, float(stats.chi2.sf(w, k)), "Wald chi-square", terms)
    g = n_clusters
    f = (g - k) / (k * (g - 1)) * w  # Hotelling T-squared small-sample scaling
    return TestResult(f, k, g - k, float(stats.f.sf(f, k, g - k)),
                      f"clustered Wald, Hotelling T-squared F({k}, {g - k})", terms)


def comparison_check(data: pd.DataFrame, *, unit: str, time: str, cohort: str, cluster: str | None = None,
                     control: str = "never", min_units: int = MIN_COMPARISON_UNITS,
                     min_clusters: int = MIN_COMPARISON_CLUSTERS) -> pd.DataFrame:
    """Untreated comparison units (and clusters) available to each cohort in each of its post periods.

    Returns one row per cohort with the smallest number of comparison units/clusters over its post
    periods and ``enough`` (bool); warns (``ComparisonWarning``) naming the cohorts short of
    ``min_units`` units or ``min_clusters`` clusters. Raises when no cohort has any comparison unit.
    """
    extra = {"cluster": (cluster, "first")} if cluster else {}
    per_unit = data.groupby(unit, sort=True).agg(cohort=(cohort, "first"), **extra)
    g_of_unit = per_unit["cohort"].fillna(0).to_numpy()
    times = np.sort(data[time].unique())
    rows = []
    for g in np.unique(g_of_unit[g_of_unit > 0]):
        worst_units, worst_clusters = np.inf, np.inf
        for t in times[times >= g]:
            ctrl = (g_of_unit == 0) if control == "never" else (g_of_unit == 0) | (g_of_unit > t)
            worst_units = min(worst_units, int(ctrl.sum()))
            if cluster:
                worst_clusters = min(worst_clusters, int(per_unit.loc[ctrl, "cluster"].nunique()))
        rows.append({"cohort": g, "treated_units": int((g_of_unit == g).sum()),
                     "min_comparison_units": worst_units,
                     "min_comparison_clusters": worst_clusters if cluster else np.nan})
    out = pd.DataFrame(rows)
    if out.empty:
        raise PolicyError("no treated cohorts in the data")
    out["enough"] = (out["min_comparison_units"] >= min_units) & (
        (out["min_comparison_clusters"] >= min_clusters) if cluster else True)
    if (out["min_comparison_units"] == 0).all():
        raise PolicyError("no cohort has any untreated comparison unit in its post periods")
    short = out.loc[~out["enough"], "cohort"].tolist()
    if short:
        warnings.warn(f"cohort(s) {short} have fewer than {min_units} untreated comparison units or "
                      f"{min_clusters} comparison clusters in some post period; their effects rest on very "
                      "few comparisons", ComparisonWarning, stacklevel=2)
    return out


def placebo_dates(data: pd.DataFrame, *, estimate: Callable[[pd.DataFrame], PolicyResult],
                  time: str, cohort: str, shifts: tuple[int, ...] = (12, 24)) -> pd.DataFrame:
    """Re-estimate with adoption moved ``shift`` periods earlier, on data before the true adoption.

    ``estimate`` maps a panel to a result with an overall "ATT" row (e.g. a ``functools.partial``
    of ``att_gt`` followed by ``aggte``). Returns the tidy "ATT" row per shift (column ``shift``):
    placebo effects should be near zero.
    """
    rows = []
    g = data[cohort].fillna(0)
    for s in shifts:
        fake = data.loc[(g == 0) | (data[time] < g)].copy()
        treated = fake[cohort].fillna(0) > 0
        fake.loc[treated, cohort] = fake.loc[treated, cohort] - s
        res = estimate(fake)
        row = res.tidy().query("term == 'ATT'").assign(shift=s)
        rows.append(row)
    return pd.concat(rows, ignore_index=True)


def leave_one_out(data: pd.DataFrame, *, estimate: Callable[[pd.DataFrame], PolicyResult],
                  cluster: str, without: Callable | None = None) -> pd.DataFrame:
    """Re-estimate dropping each ``cluster`` (district) in turn; one tidy "ATT" row per dropped cluster.

    A cluster whose removal makes estimation impossible (e.g. the only never-treated district) gets
    a row with missing estimates and the reason in column ``note``. ``without(c)``: the data
    ``estimate`` takes, without cluster ``c`` (default: the rows of ``data`` of the other clusters; e.g.
    ``did.Wide.without``, the same panel made wide once).
    """
    rows = []
    for c in sorted(data[cluster].unique()):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                subset = data.loc[data[cluster] != c] if without is None else without(c)
                row = estimate(subset).tidy().query("term == 'ATT'").assign(note="")
        except PolicyError as exc:
            row = pd.DataFrame([{"term": "ATT", "note": str(exc)}], columns=[*TIDY_COLUMNS, "note"])
        rows.append(row.assign(dropped=c))
    return pd.concat(rows, ignore_index=True)


def twfe_weights(data: pd.DataFrame, *, unit: str, time: str, cohort: str, tol: float = 1e-12,
                 max_iter: int = 1000) -> pd.DataFrame:
    """Weights the static TWFE coefficient puts on each treated (cohort, period) cell.

    de Chaisemartin, C. and D'Haultfoeuille, X. (2020), "Two-way fixed effects estimators with
    heterogeneous treatment effects", American Economic Review 110(9), 2964-2996, theorem 1: under
    parallel trends the TWFE coefficient equals sum_it w_it tau_it over treated observations with
    w_it = e_it / sum_(D=1) e_it, e_it the residual of D_it on unit and period effects. Negative or
    shrinking weights on late periods of early cohorts show where TWFE misleads when effects grow.
    Returns one row per cell: group, time, event_time, n_obs, weight (summing to one).
    """
    g = data[cohort].fillna(0).to_numpy()
    t = data[time].to_numpy()
    d = ((g > 0) & (t >= g)).astype(float)
    if not d.any():
        raise PolicyError("no treated observations")
    ui = pd.factorize(data[unit])[0]
    ti = pd.factorize(data[time])[0]
    nu, nt = np.bincount(ui), np.bincount(ti)
    e = d.copy()
    for _ in range(max_iter):  # alternating projections (Guimaraes and Portugal 2010)
        before = e.copy()
        e -= (np.bincount(ui, weights=e) / nu)[ui]
        e -= (np.bincount(ti, weights=e) / nt)[ti]
        if np.max(np.abs(e - before)) < tol:
            break
    treated = d > 0
    w = e[treated] / e[treated].sum()
    cells = pd.DataFrame({"group": g[treated], "time": t[treated], "weight": w})
    out = cells.groupby(["group", "time"], as_index=False).agg(weight=("weight", "sum"), n_obs=("weight", "size"))
    out["event_time"] = out["time"] - out["group"]
    return out[["group", "time", "event_time", "n_obs", "weight"]]
