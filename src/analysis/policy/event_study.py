"""Regression event studies for staggered adoption: two-way fixed effects and Sun-Abraham.

- ``twfe``: the static two-way fixed-effects DiD, y_it = a_i + l_t + b D_it + e_it. With staggered
  adoption and effects that change over time or differ by cohort, b is a weighted average of 2x2
  comparisons, some of which use already-treated units as controls (Goodman-Bacon 2021; de
  Chaisemartin and D'Haultfoeuille 2020): it can mislead. Shown for contrast.
- ``event_study(method="twfe")``: the dynamic TWFE specification with event-time dummies, same
  caveat: leads and lags are contaminated by other periods' effects (Sun and Abraham 2021,
  proposition 3).
- ``event_study(method="sunab")``: Sun, L. and Abraham, S. (2021), "Estimating dynamic treatment
  effects in event studies with heterogeneous treatment effects", Journal of Econometrics 225(2),
  175-199: cohort x event-time interactions with never-treated units as the control cohort, then
  averaged over cohorts with weights equal to each cohort's share of the observations at that event
  time (as R ``fixest::sunab``), standard errors by the delta method from the clustered covariance.

Event window. By default every event time e = -leads..lags (e != -1) has its own dummy and the
observations of treated units outside the window are left out of the regression, so the omitted
category holds only e = -1 and the never-treated units. For Sun-Abraham this gives the same point
estimates as ``fixest::sunab``, which estimates every relative period (the out-of-window cells are
saturated and do not inform the rest). ``bin_ends=True`` instead keeps every observation and pools
e <= -leads and e >= lags into end bins, labelled ``event::<=-k`` / ``event::>=k`` with
``binned`` True: a bin is an average over several event times, not the effect at -k or k.

All regressions use pyfixest ``feols`` (CRV1 clustered by ``cluster``, t(G-1) inference, pyfixest's
documented convention matching R fixest).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
from scipy import stats

from .results import PolicyError, PolicyResult

METHODS = ("twfe", "sunab")
REFERENCE = -1  # the omitted event time: the period just before adoption


def twfe(data: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str, cluster: str,
         alpha: float = 0.05) -> PolicyResult:
    """Static two-way fixed-effects DiD (unit and period effects), clustered by ``cluster``.

    Example
    -------
    >>> twfe(rp, outcome="y", unit="group_id", time="period", cohort="cohort", cluster="district").tidy()
    """
    df = _frame(data, outcome=outcome, unit=unit, time=time, cohort=cohort, cluster=cluster)
    df["treated_post"] = ((df["_g"] > 0) & (df["_t"] >= df["_g"])).astype(float)
    fit = pf.feols("_y ~ treated_post | _u + _t", data=df, vcov={"CRV1": "_c"})
    table = _tidy_fit(fit, alpha=alpha).assign(term="ATT")
    n_clusters = int(df["_c"].nunique())
    return PolicyResult(table=table, n_obs=int(fit._N), n_clusters=n_clusters, vcov_type="cluster",
                        method="two-way fixed effects DiD (static), pyfixest feols",
                        inference=_sentence(cluster, n_clusters), info={"vcov": np.asarray(fit._vcov)})


def event_study(data: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str, cluster: str,
                leads: int, lags: int, method: str = "twfe", alpha: float = 0.05,
                freq: str | None = None, bin_ends: bool = False) -> PolicyResult:
    """Event-time effects for e = -leads..lags (reference e = -1 omitted), TWFE or Sun-Abraham.

    By default (``bin_ends=False``) observations of treated units outside the window are left out,
    so each reported e is that event time alone (see the module docstring); Sun-Abraham's "ATT" row
    averages e = 0..lags. ``bin_ends=True`` pools e <= -leads and e >= lags into end bins (terms
    ``event::<=-k`` and ``event::>=k``, ``binned`` True) and keeps all observations. The table has
    columns ``event_time`` (the bin's end point for binned rows) and ``binned``. ``freq``
    ("month"/"quarter") only labels the plot's axis. Raises ``PolicyError`` when no cohort has
    ``leads`` pre-periods or ``lags`` post-periods in the data, when there are no never-treated units
    (Sun-Abraham; or TWFE without end bins, which is then not identified: Borusyak, Jaravel and
    Spiess 2024).

    Example
    -------
    >>> es = event_study(rp, outcome="y", unit="group_id", time="period", cohort="cohort",
    ...                  cluster="district", leads=4, lags=8, method="sunab")
    >>> plots.event_study(es, lang="en")
    """
    if method not in METHODS:
        raise PolicyError(f"method must be one of {METHODS}, got {method!r}")
    df = _frame(data, outcome=outcome, unit=unit, time=time, cohort=cohort, cluster=cluster)
    _check_window(df, leads=leads, lags=lags)
    if not bin_ends:
        if method == "twfe" and not (df["_g"] == 0).any():
            raise PolicyError("a TWFE event study without end bins needs never-treated units (otherwise the "
                              "event-time effects are not identified); pass bin_ends=True or use att_gt")
        df = _in_window(df, leads=leads, lags=lags)
    rel = np.where(df["_g"] > 0, df["_t"] - df["_g"], np.nan)
    window = [e for e in range(-leads, lags + 1) if e != REFERENCE]
    ends = dict(leads=leads, lags=lags, bin_ends=bin_ends)
    if method == "twfe":
        names = _add_dummies(df, rel, window, mask=np.ones(len(df), bool), prefix="ev", **ends)
        fit = pf.feols(f"_y ~ {' + '.join(names.values())} | _u + _t", data=df, vcov={"CRV1": "_c"})
        table = _tidy_fit(fit, alpha=alpha).reset_index(drop=True)
        event_of = {name: e for e, name in names.items()}
        events = [event_of[name] for name in table["term"]]
        table.insert(0, "event_time", events)
        table["term"] = [_event_term(e, **ends) for e in events]
        vcov = np.asarray(fit._vcov)
        label = "two-way fixed-effects event study, pyfixest feols"
    else:
        table, vcov, fit = _sunab(df, rel, window, alpha=alpha, **ends)
        label = "Sun-Abraham (2021) interaction-weighted event study, never-treated control cohort, pyfixest feols"
    table.insert(2, "binned", [_is_end(e, **ends) for e in table["event_time"]])
    label += f"; end points binned (e <= -{leads}, e >= {lags})" if bin_ends else f"; window e = -{leads}..{lags}"
    n_clusters = int(df["_c"].nunique())
    return PolicyResult(table=table, n_obs=int(fit._N), n_clusters=n_clusters, vcov_type="cluster",
                        method=label, inference=_sentence(cluster, n_clusters),
                        info={"vcov": vcov, "reference": REFERENCE, "leads": leads, "lags": lags, "freq": freq,
                              "bin_ends": bin_ends})


def _in_window(df: pd.DataFrame, *, leads: int, lags: int) -> pd.DataFrame:
    """Never-treated rows and treated rows with -leads <= e <= lags (copy; the regression sample)."""
    rel = df["_t"] - df["_g"]
    keep = (df["_g"] == 0) | ((rel >= -leads) & (rel <= lags))
    return df.loc[keep].reset_index(drop=True)


def _is_end(e, *, leads: int, lags: int, bin_ends: bool) -> bool:
    return bool(bin_ends and pd.notna(e) and (e == -leads or e == lags))


def _event_term(e: int, *, leads: int, lags: int, bin_ends: bool) -> str:
    """``event::3``; binned end points read ``event::<=-4`` and ``event::>=8``."""
    if _is_end(e, leads=leads, lags=lags, bin_ends=bin_ends):
        return f"event::<={e}" if e < 0 else f"event::>={e}"
    return f"event::{e}"


def _sunab(df, rel, window, *, leads, lags, bin_ends, alpha):
    cohorts = np.sort(df.loc[df["_g"] > 0, "_g"].unique())
    if not (df["_g"] == 0).any():
        raise PolicyError("Sun-Abraham needs never-treated units as the control cohort; none in the data")
    per_cohort = {}
    for g in cohorts:
        names = _add_dummies(df, rel, window, leads=leads, lags=lags, bin_ends=bin_ends,
                             mask=(df["_g"] == g).to_numpy(), prefix=f"sa{g}")
        per_cohort[g] = names
    regressors = [n for names in per_cohort.values() for n in names.values()]
    fit = pf.feols(f"_y ~ {' + '.join(regressors)} | _u + _t", data=df, vcov={"CRV1": "_c"})
    coef = fit.coef()
    index = {name: i for i, name in enumerate(coef.index)}
    beta, v = coef.to_numpy(), np.asarray(fit._vcov)
    counts = {name: float(df[name].sum()) for name in regressors}
    weights = []
    for e in window:
        w = np.zeros(len(beta))
        for names in per_cohort.values():
            name = names.get(e)
            if name in index and counts[name] > 0:
                w[index[name]] = counts[name]
        if w.sum() == 0:
            continue
        weights.append((_event_term(e, leads=leads, lags=lags, bin_ends=bin_ends), e, w / w.sum()))
    post = np.zeros(len(beta))
    for names in per_cohort.values():
        for e, name in names.items():
            if e >= 0 and name in index:
                post[index[name]] = counts[name]
    weights.insert(0, ("ATT", np.nan, post / post.sum()))
    G = int(df["_c"].nunique())
    crit = stats.t.ppf(1 - alpha / 2, G - 1)
    W = np.array([w for _, _, w in weights])
    est, cov = W @ beta, W @ v @ W.T
    se = np.sqrt(np.diag(cov))
    stat = est / se
    table = pd.DataFrame({"term": [t for t, _, _ in weights], "event_time": [e for _, e, _ in weights],
                          "estimate": est, "std_error": se, "statistic": stat,
                          "p_value": 2 * stats.t.sf(np.abs(stat), G - 1),
                          "conf_low": est - crit * se, "conf_high": est + crit * se})
    return table, cov, fit


def _add_dummies(df, rel, window, *, leads, lags, bin_ends, mask, prefix) -> dict[int, str]:
    """One 0/1 column per event time in ``window`` (end points pooled when ``bin_ends``)."""
    names = {}
    for e in window:
        if bin_ends and e == -leads:
            hit = rel <= -leads
        elif bin_ends and e == lags:
            hit = rel >= lags
        else:
            hit = rel == e
        hit = hit & mask
        if hit.any():
            name = f"{prefix}_{'m' if e < 0 else 'p'}{abs(e)}"
            df[name] = hit.astype(float)
            names[e] = name
    return names


def _check_window(df, *, leads, lags) -> None:
    if leads < 1 or lags < 0:
        raise PolicyError(f"need leads >= 1 (the reference period is e = {REFERENCE}) and lags >= 0")
    cohorts = df.loc[df["_g"] > 0, "_g"].unique()
    first, last = df["_t"].min(), df["_t"].max()
    max_pre, max_post = int(np.max(cohorts - first)), int(np.max(last - cohorts))
    if leads > max_pre:
        raise PolicyError(f"too few pre-periods for {leads} leads: the earliest data are {max_pre} periods "
                          f"before the latest adoption; use leads <= {max_pre}")
    if lags > max_post:
        raise PolicyError(f"too few post-periods for {lags} lags: at most {max_post} periods after adoption")


def _frame(data, *, outcome, unit, time, cohort, cluster) -> pd.DataFrame:
    missing = [c for c in (outcome, unit, time, cohort, cluster) if c not in data.columns]
    if missing:
        raise PolicyError(f"column(s) {', '.join(missing)} not in the data")
    df = pd.DataFrame({"_y": data[outcome].to_numpy(dtype=float), "_u": data[unit].to_numpy(),
                       "_t": data[time].to_numpy(), "_g": data[cohort].fillna(0).to_numpy(),
                       "_c": data[cluster].astype(str).to_numpy()})
    if not (df["_g"] > 0).any():
        raise PolicyError("no treated units in the data")
    if not ((df["_g"] == 0) | (df["_t"] < df["_g"])).any():
        raise PolicyError("no untreated observations: every unit is treated in every period")
    return df


def _tidy_fit(fit, *, alpha) -> pd.DataFrame:
    t = fit.tidy(alpha=alpha)
    return pd.DataFrame({"term": t.index.astype(str), "estimate": t["Estimate"].to_numpy(),
                         "std_error": t["Std. Error"].to_numpy(), "statistic": t["t value"].to_numpy(),
                         "p_value": t["Pr(>|t|)"].to_numpy(), "conf_low": t.iloc[:, 4].to_numpy(),
                         "conf_high": t.iloc[:, 5].to_numpy()})


def _sentence(cluster, n_clusters) -> str:
    return (f"CRV1 clustered by {cluster} ({n_clusters} clusters), factor G/(G-1)*(N-1)/(N-K), "
            f"t({n_clusters - 1}) critical values (pyfixest)")
