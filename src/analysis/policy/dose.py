"""Directive 40 by dose: a comparison inside the province.

The Directive reached every commune at once, but not with the same force: where group meetings (or
loan-use checks) fell short before 2014-11, the Directive had more to change. Communes with a larger
pre-Directive shortfall received a larger "dose". Comparing how overdue changed across communes with
different doses nets out everything common to the province in a month (the shocks that make the
before/after design hard), at the price of a different question: not "what did the Directive do?"
but "how much more did overdue fall where practice had further to catch up?".

This is the two-period continuous-treatment difference-in-differences of Callaway, Goodman-Bacon
and Sant'Anna (2024), "Difference-in-differences with a continuous treatment" (NBER WP 32117), in
its simplest documented form: with one treatment date and no untreated units, the regression

    ratio_pp[c, t] = a_c + l_t + beta * dose_c * post_t + e[c, t]

(commune and month effects, weighted by outstanding) estimates a weighted average of the slope of
the commune's effect in its dose (their ACRT), under **strong parallel trends**: absent the
Directive, overdue would have moved alike in communes with any dose, and communes with different
doses would have responded to a given dose alike. The level of the Directive's effect (its effect at
dose 0) is not identified: it is absorbed by the month effects.

Inference: clustered by district (district-by-month shocks are shared by a district's communes),
wild cluster restricted bootstrap over all 2^11 Rademacher sign patterns (``models.wild_cluster_bootstrap``)
for the p-value and interval, CR1 t(G-1) beside it; a placebo break a year earlier on pre-Directive
months checks the parallel-trends assumption.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analysis.constants import SEED
from analysis.data.contract import DIRECTIVE_40_MONTH

from .results import PolicyError, PolicyResult

DOSES = {"meetings": "group_meetings", "checks": "check_share"}


def dose_panel(frame: pd.DataFrame, *, dose: str = "meetings", unit: str = "commune", cluster: str = "district",
               break_month: str = DIRECTIVE_40_MONTH, window: tuple[str, str] | None = None) -> pd.DataFrame:
    """Unit-month panel (overdue ratio in percent, outstanding) with each unit's pre-break dose.

    ``dose`` "meetings": province pre-break mean of group meetings per group-month minus the unit's
    (a shortfall, in meetings a month); "checks": the same for the share of borrowers checked.
    """
    if dose not in DOSES:
        raise PolicyError(f"dose must be one of {tuple(DOSES)}, got {dose!r}")
    columns = list(dict.fromkeys([cluster, unit, "month", "overdue", "outstanding", DOSES[dose]]))
    missing = sorted(set(columns) - set(frame.columns))
    if missing:
        raise PolicyError(f"panel lacks {missing} (build it with analysis.data.panel.build)")
    df, pre, t0 = _window_and_pre(frame[columns], window, break_month)  # only the columns used: rows copy less
    practice = pre.groupby(unit, observed=True)[DOSES[dose]].mean()
    shortfall = pre[DOSES[dose]].mean() - practice
    out = df.groupby([cluster, unit, "month"], observed=True, as_index=False)[["overdue", "outstanding"]].sum()
    out = out.loc[out["outstanding"] > 0]
    out["ratio_pp"] = 100 * out["overdue"] / out["outstanding"]
    out["dose"] = out[unit].map(shortfall)
    out["post"] = (out["month"] >= t0).astype(float)
    out["dose_post"] = out["dose"] * out["post"]
    out[unit] = out[unit].astype(str)
    out[cluster] = out[cluster].astype(str)
    return out.dropna(subset=["dose"]).reset_index(drop=True)


def directive_dose(frame: pd.DataFrame, *, dose: str = "meetings", unit: str = "commune", cluster: str = "district",
                   break_month: str = DIRECTIVE_40_MONTH, window: tuple[str, str] | None = None,
                   alpha: float = 0.05, seed: int = SEED, placebo: bool = True) -> PolicyResult:
    """Dose-response difference-in-differences of the Directive across ``unit``s (see module docstring).

    Rows: ``dose_slope_pp`` (extra change in the overdue ratio, pp, per unit of dose: one meeting a
    month of shortfall) and ``effect_per_sd_pp`` (the same for a one-standard-deviation larger dose).
    The tidy columns carry the wild cluster bootstrap p-value and interval; ``p_value_cr1``,
    ``conf_low_cr1``, ``conf_high_cr1`` the CR1 t(G-1) ones. ``info['placebo']``: the same estimate
    with a break 12 months earlier on pre-break months only (``placebo=False`` skips it).

    Example
    -------
    >>> res = directive_dose(panel.build(tables), window=("2012-01", "2015-12"))
    >>> res.tidy()
    """
    data = dose_panel(frame, dose=dose, unit=unit, cluster=cluster, break_month=break_month, window=window)

    def build(fake_break, fake_window):
        return dose_panel(frame, dose=dose, unit=unit, cluster=cluster, break_month=fake_break, window=fake_window)

    fake = (_placebo(build, first=f"{frame['month'].min():%Y-%m}", break_month=break_month, window=window,
                     unit=unit, cluster=cluster, alpha=alpha, seed=seed) if placebo else None)
    return _dose_result(data, dose=dose, unit=unit, cluster=cluster, alpha=alpha, seed=seed, placebo=fake)


def dose_sums(frame: pd.DataFrame, *, dose: str = "meetings", unit: str = "commune",
              cluster: str = "district") -> pd.DataFrame:
    """The sums a dose design needs, by cluster, unit and month: overdue, outstanding, ``dose_sum`` (the
    practice variable summed over group-months) and ``dose_n`` (group-months where it is recorded).

    Sums add up across partitions, so a design across provinces can be built from each province's
    sums alone (``directive_dose_sums``) without holding the group-months of the country."""
    if dose not in DOSES:
        raise PolicyError(f"dose must be one of {tuple(DOSES)}, got {dose!r}")
    missing = sorted({unit, cluster, "month", "overdue", "outstanding", DOSES[dose]} - set(frame.columns))
    if missing:
        raise PolicyError(f"panel lacks {missing} (build it with analysis.data.panel.build)")
    keys = list(dict.fromkeys([cluster, unit, "month"]))  # the unit may be its own cluster (provinces)
    out = frame.groupby(keys, observed=True, as_index=False).agg(
        overdue=("overdue", "sum"), outstanding=("outstanding", "sum"), dose_sum=(DOSES[dose], "sum"),
        dose_n=(DOSES[dose], "count"))
    for column in keys[:-1]:
        out[column] = out[column].astype(str)
    return out


def _window_and_pre(df: pd.DataFrame, window: tuple[str, str] | None,
                    break_month: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """The rows inside ``window`` (first, last month), those before the break, and the break month;
    refused unless there are months on both sides of the break."""
    if window is not None:
        lo, hi = pd.Timestamp(f"{window[0]}-01"), pd.Timestamp(f"{window[1]}-01")
        df = df.loc[(df["month"] >= lo) & (df["month"] <= hi)]
    t0 = pd.Timestamp(f"{break_month}-01")
    pre = df.loc[df["month"] < t0]
    if pre.empty or (df["month"] >= t0).sum() == 0:
        raise PolicyError(f"the window must hold months before and after {break_month}")
    return df, pre, t0


def dose_panel_from_sums(sums: pd.DataFrame, *, unit: str = "province", cluster: str = "province",
                         break_month: str = DIRECTIVE_40_MONTH,
                         window: tuple[str, str] | None = None) -> pd.DataFrame:
    """``dose_panel`` from ``dose_sums`` (of one or many partitions, stacked): the same unit-month panel
    and the same dose, each unit's pre-break mean per group-month against that of all units."""
    df, pre, t0 = _window_and_pre(sums, window, break_month)
    by_unit = pre.groupby(unit, observed=True)[["dose_sum", "dose_n"]].sum()
    shortfall = pre["dose_sum"].sum() / pre["dose_n"].sum() - by_unit["dose_sum"] / by_unit["dose_n"]
    keys = list(dict.fromkeys([cluster, unit, "month"]))
    out = df.groupby(keys, observed=True, as_index=False)[["overdue", "outstanding"]].sum()
    out = out.loc[out["outstanding"] > 0]
    out["ratio_pp"] = 100 * out["overdue"] / out["outstanding"]
    out["dose"] = out[unit].map(shortfall)
    out["post"] = (out["month"] >= t0).astype(float)
    out["dose_post"] = out["dose"] * out["post"]
    return out.dropna(subset=["dose"]).reset_index(drop=True)


def directive_dose_sums(sums: pd.DataFrame, *, dose: str = "meetings", unit: str = "province",
                        cluster: str = "province", break_month: str = DIRECTIVE_40_MONTH,
                        window: tuple[str, str] | None = None, alpha: float = 0.05, seed: int = SEED,
                        placebo: bool = True) -> PolicyResult:
    """``directive_dose`` from ``dose_sums``: the same estimator, inference and placebo. Across
    provinces (``unit="province"``, ``cluster="province"``): the dose is a province's pre-Directive
    meeting shortfall against the country, the month effects absorb everything national (the
    national shocks included), and the wild cluster bootstrap runs over the provinces."""

    def build(fake_break, fake_window):
        return dose_panel_from_sums(sums, unit=unit, cluster=cluster, break_month=fake_break, window=fake_window)

    data = build(break_month, window)
    fake = (_placebo(build, first=f"{sums['month'].min():%Y-%m}", break_month=break_month, window=window,
                     unit=unit, cluster=cluster, alpha=alpha, seed=seed) if placebo else None)
    return _dose_result(data, dose=dose, unit=unit, cluster=cluster, alpha=alpha, seed=seed, placebo=fake)


def _dose_result(data, *, dose, unit, cluster, alpha, seed, placebo) -> PolicyResult:
    """The fit on a unit-month panel and its result table (dose slope and effect per sd)."""
    fit, boot = _fit(data, unit=unit, cluster=cluster, alpha=alpha, seed=seed)
    row = fit.tidy(alpha=alpha).set_index("term").loc["dose_post"]
    weights = data.groupby(unit)["outstanding"].sum()
    doses = data.groupby(unit)["dose"].first().reindex(weights.index)
    sd = float(np.sqrt(np.average((doses - np.average(doses, weights=weights)) ** 2, weights=weights)))
    rows = []
    for term, scale in (("dose_slope_pp", 1.0), ("effect_per_sd_pp", sd)):
        rows.append({"term": term, "estimate": row["estimate"] * scale, "std_error": row["std_error"] * scale,
                     "statistic": row["statistic"], "p_value": boot.p_value,
                     "conf_low": boot.conf_low * scale, "conf_high": boot.conf_high * scale,
                     "p_value_cr1": row["p_value"], "conf_low_cr1": row["conf_low"] * scale,
                     "conf_high_cr1": row["conf_high"] * scale})
    info = {"dose": dose, "dose_sd": sd, "unit": unit, "n_units": int(doses.size), "placebo": placebo,
            "window": (f"{data['month'].min():%Y-%m}", f"{data['month'].max():%Y-%m}"),
            "bootstrap": boot.inference, "p_value_text": boot.p_value_text if hasattr(boot, "p_value_text") else None}
    draws = "all sign patterns" if boot.enumerated else f"{boot.reps} draws, seed {seed}"
    sentence = (f"{unit}-month panel weighted by outstanding, {unit} and month fixed effects; wild cluster restricted "
                f"bootstrap by {cluster} ({fit.n_clusters} clusters, Rademacher, {draws}); CR1 "
                f"t({fit.n_clusters - 1}) beside it")
    return PolicyResult(table=pd.DataFrame(rows), n_obs=fit.n_obs, n_clusters=fit.n_clusters, vcov_type="wild",
                        method=("dose-response difference-in-differences (Callaway, Goodman-Bacon and Sant'Anna "
                                "2024, two-period TWFE form): overdue ratio on pre-Directive shortfall x post"),
                        inference=sentence, info=info)


def _fit(data, *, unit, cluster, alpha, seed):
    from analysis import models
    if data["dose"].nunique() < 2:
        raise PolicyError("every unit has the same dose: no comparison is possible")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = models.panel_ols(data, f"ratio_pp ~ dose_post | {unit} + month", weights="outstanding",
                               vcov="cluster", cluster=cluster)
        boot = models.wild_cluster_bootstrap(fit, "dose_post", reps=2**min(fit.n_clusters, 12), seed=seed,
                                             alpha=alpha)
    return fit, boot


def _placebo(build, *, first, break_month, window, unit, cluster, alpha, seed) -> dict:
    """The estimate with a break 12 months earlier, on pre-break months only; ``build(break, window)``
    makes the unit-month panel."""
    t0 = pd.Period(break_month, "M")
    fake = str(t0 - 12)
    lo = window[0] if window else first
    try:
        data = build(fake, (lo, str(t0 - 1)))
        fit, boot = _fit(data, unit=unit, cluster=cluster, alpha=alpha, seed=seed)
    except (PolicyError, ValueError) as exc:
        return {"break_month": fake, "note": str(exc)}
    return {"break_month": fake, "estimate": float(fit.params["dose_post"]), "p_value": float(boot.p_value),
            "conf_low": float(boot.conf_low), "conf_high": float(boot.conf_high)}
