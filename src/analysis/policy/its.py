"""Interrupted time series (segmented regression) for Directive 40-CT/TW.

Wagner, A. K., Soumerai, S. B., Zhang, F. and Ross-Degnan, D. (2002), "Segmented regression analysis
of interrupted time series studies in medication use research", Journal of Clinical Pharmacy and
Therapeutics 27, 299-309; Bernal, J. L., Cummins, S. and Gasparrini, A. (2017), "Interrupted time
series regression for the evaluation of public health interventions: a tutorial", International
Journal of Epidemiology 46(1), 348-355.

Model, for the monthly overdue ratio y_t in percent (province, or a panel of districts or
associations with unit intercepts):

    y_t = b0 + b1 * t + b2 * post_t + b3 * (t - t0) * post_t + month-of-year effects + e_t

b2 is the level change at the Directive (percentage points), b3 the change in slope (points per
month). Standard errors: Newey-West HAC for one series, lag L = floor(4 (T/100)^(2/9)) (Newey and
West 1994's rule), Bartlett kernel, times the small-sample factor T/(T-K) (statsmodels
``use_correction=True``; the HC1 analogue), t(T-K) critical values; clustered by unit (CR1, t(G-1))
for a panel of series.

"Overdue avoided" over the post window, in million VND, is -sum_t (b2 + b3 (t - t0)) / 100 * outstanding_t:
a linear combination of (b2, b3), so its interval is exact given their covariance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.data.contract import DIRECTIVE_40_MONTH

from .results import PolicyError, PolicyResult

MIN_SIDE = 6  # months required on each side of the break


@dataclass(frozen=True)
class ItsResult(PolicyResult):
    """Interrupted time series. ``table`` rows: level_change_pp, slope_change_pp_per_month,
    pre_trend_pp_per_month, overdue_avoided_mvnd. ``series`` has month, unit, observed, fitted and
    counterfactual (percent); ``break_month`` the first month of the intervention."""

    series: pd.DataFrame | None = None
    break_month: pd.Timestamp | None = None


def its(series: pd.DataFrame, *, break_month: str = DIRECTIVE_40_MONTH, window: tuple[str, str] | None = None,
        seasonality: bool = True, hac_lags: int | None = None, weighted: bool = True,
        alpha: float = 0.05) -> ItsResult:
    """Segmented regression of ``ratio_pp`` on a level and slope change at ``break_month``.

    ``series`` comes from ``prepare.monthly_series`` (columns unit, month, outstanding, ratio_pp);
    with one unit the errors are Newey-West HAC, with several the model has unit intercepts and is
    clustered by unit. ``window`` = (first, last) month, e.g. ``("2012-01", "2015-12")`` to stop
    before later shocks (2016 salinity, district reforms). ``weighted``: for a panel of series, weight
    each unit-month by its outstanding balance (WLS), so the estimate refers to the value-weighted
    (province) ratio; unweighted, every district counts equally.

    Example
    -------
    >>> s = prepare.monthly_series(panel.build(sd.tables), level="province")
    >>> its(s, window=("2012-01", "2015-12")).tidy()
    """
    df = _window(series, window)
    t0 = pd.Timestamp(f"{break_month}-01")
    design, names = _design(df, t0=t0, seasonality=seasonality)
    y = df["ratio_pp"].to_numpy(dtype=float)
    units = df["unit"].nunique()
    if units > 1 and weighted:
        model = sm.WLS(y, design, weights=df["outstanding"].to_numpy(dtype=float))
    else:
        model = sm.OLS(y, design)
    if units == 1:
        lags = hac_lags if hac_lags is not None else int(np.floor(4 * (len(df) / 100) ** (2 / 9)))
        fit = model.fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})  # x T/(T-K)
        dof, vcov_type = len(y) - design.shape[1], "HAC"
        rule = "" if hac_lags is not None else " (floor(4(T/100)^(2/9)))"
        sentence = (f"Newey-West HAC, Bartlett kernel, {lags} lags{rule}, small-sample factor T/(T-K) with "
                    f"T={len(y)}, K={design.shape[1]}; t({dof}) critical values")
        n_clusters = None
    else:
        codes = pd.factorize(df["unit"])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes})
        dof, vcov_type, n_clusters = units - 1, "cluster", units
        sentence = (f"clustered by unit ({units} clusters), CR1, t({dof}) critical values"
                    + ("; unit-months weighted by outstanding" if weighted else ""))
    beta, vcov = np.asarray(fit.params), np.asarray(fit.cov_params())
    k = np.array([(m.year - t0.year) * 12 + m.month - t0.month for m in df["month"]])
    post = k >= 0
    outstanding = df["outstanding"].to_numpy(dtype=float)
    c_avoided = np.zeros(len(beta))
    c_avoided[names.index("level")] = -outstanding[post].sum() / 100
    c_avoided[names.index("slope")] = -(outstanding[post] * k[post]).sum() / 100
    rows = [("level_change_pp", _unit(names, "level")), ("slope_change_pp_per_month", _unit(names, "slope")),
            ("pre_trend_pp_per_month", _unit(names, "trend")), ("overdue_avoided_mvnd", c_avoided)]
    table = _combos(rows, beta, vcov, dof=dof, alpha=alpha)
    fitted = design @ beta
    cf_design = design.copy()
    cf_design[:, [names.index("level"), names.index("slope")]] = 0.0
    out_series = pd.DataFrame({"unit": df["unit"].to_numpy(), "month": df["month"].to_numpy(), "observed": y,
                               "fitted": fitted, "counterfactual": np.where(post, cf_design @ beta, np.nan)})
    info = {"vcov": vcov, "terms": names, "window": (str(df["month"].min())[:7], str(df["month"].max())[:7]),
            "post_months": int(np.unique(k[post]).size), "pre_months": int(np.unique(k[~post]).size)}
    return ItsResult(table=table, n_obs=len(y), n_clusters=n_clusters, vcov_type=vcov_type,
                     method="interrupted time series, segmented OLS with month-of-year effects (Wagner et al. 2002)",
                     inference=sentence, info=info, series=out_series, break_month=t0)


def placebo_breaks(series: pd.DataFrame, *, placebo_months: list[str], break_month: str = DIRECTIVE_40_MONTH,
                   window: tuple[str, str] | None = None, seasonality: bool = True) -> pd.DataFrame:
    """ITS at fake break dates using only months before the true break: tidy level and slope rows
    with column ``placebo_month``; estimates should be near zero and mostly insignificant."""
    true_break = pd.Timestamp(f"{break_month}-01")
    pre = _window(series, window)
    pre = pre.loc[pre["month"] < true_break]
    out = []
    for month in placebo_months:
        if pd.Timestamp(f"{month}-01") >= true_break:
            raise PolicyError(f"placebo month {month} must be before the true break {break_month}")
        res = its(pre, break_month=month, seasonality=seasonality)
        out.append(res.tidy().iloc[:2].assign(placebo_month=month))
    return pd.concat(out, ignore_index=True)


def _window(series: pd.DataFrame, window) -> pd.DataFrame:
    missing = {"unit", "month", "outstanding", "ratio_pp"} - set(series.columns)
    if missing:
        raise PolicyError(f"series lacks {sorted(missing)}: build it with prepare.monthly_series")
    df = series.sort_values(["unit", "month"])
    if window is not None:
        lo, hi = pd.Timestamp(f"{window[0]}-01"), pd.Timestamp(f"{window[1]}-01")
        if lo < df["month"].min() or hi > df["month"].max():
            raise PolicyError(f"window {window} outside the data ({df['month'].min():%Y-%m} to "
                              f"{df['month'].max():%Y-%m})")
        df = df.loc[(df["month"] >= lo) & (df["month"] <= hi)]
    return df.reset_index(drop=True)


def _design(df: pd.DataFrame, *, t0: pd.Timestamp, seasonality: bool) -> tuple[np.ndarray, list[str]]:
    months = pd.DatetimeIndex(df["month"])
    first = months.min()
    t = (months.year - first.year) * 12 + months.month - first.month
    k = (months.year - t0.year) * 12 + months.month - t0.month
    post = (k >= 0).astype(float)
    n_pre, n_post = np.unique(k[k < 0]).size, np.unique(k[k >= 0]).size
    if n_pre < MIN_SIDE or n_post < MIN_SIDE:
        raise PolicyError(f"the break {t0:%Y-%m} needs at least {MIN_SIDE} months on each side in the window; "
                          f"found {n_pre} before and {n_post} after")
    units = pd.get_dummies(df["unit"].astype(str), drop_first=False, dtype=float)
    cols = [units.to_numpy(), np.column_stack([t, post, post * k])]
    names = [f"unit::{u}" for u in units.columns] + ["trend", "level", "slope"]
    if seasonality:
        season = pd.get_dummies(months.month, dtype=float).drop(columns=1, errors="ignore")
        cols.append(season.to_numpy())
        names += [f"month::{m}" for m in season.columns]
    return np.column_stack(cols).astype(float), names


def _unit(names, term) -> np.ndarray:
    c = np.zeros(len(names))
    c[names.index(term)] = 1.0
    return c


def _combos(rows, beta, vcov, *, dof, alpha) -> pd.DataFrame:
    crit = stats.t.ppf(1 - alpha / 2, dof)
    out = []
    for term, c in rows:
        est, se = float(c @ beta), float(np.sqrt(c @ vcov @ c))
        stat = est / se
        out.append({"term": term, "estimate": est, "std_error": se, "statistic": stat,
                    "p_value": float(2 * stats.t.sf(abs(stat), dof)), "conf_low": est - crit * se,
                    "conf_high": est + crit * se})
    return pd.DataFrame(out)
