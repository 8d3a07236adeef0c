"""Staggered difference-in-differences: Callaway and Sant'Anna group-time average treatment effects.

Callaway, B. and Sant'Anna, P. H. C. (2021), "Difference-in-Differences with multiple time periods",
Journal of Econometrics 225(2), 200-230. This is an own, vectorised implementation of the
unconditional (no covariates) outcome-regression estimator of R ``did::att_gt(..., xformla = ~1,
est_method = "reg")`` with its influence functions and of ``did::aggte`` (simple, group, dynamic,
calendar, including the influence function of the estimated aggregation weights). It reproduces the
R package's published ``mpdta`` results (tests/test_policy_did.py). No covariates: with
``xformla = ~1`` the "reg", "ipw" and "dr" estimators coincide.

Differences from R ``did``, all documented: unbalanced panels are handled cell by cell (a unit enters
ATT(g, t) when it is observed in t and in the base period; R would drop it or switch to its
repeated-cross-section estimator); clustered inference is available analytically (CR1, t(G-1)) as well
as by the multiplier bootstrap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .diagnostics import MIN_COMPARISON_CLUSTERS, MIN_COMPARISON_UNITS, ComparisonWarning
from .results import Inference, PolicyError, PolicyResult, infer

CONTROLS = ("never", "notyet")
BASE_PERIODS = ("varying", "universal")
TRENDS = ("additive", "multiplicative")
AGGREGATIONS = ("simple", "group", "dynamic", "calendar")
NO_COMPARISON = "no comparison units"  # reasons recorded in info["dropped_cells"]
NONPOSITIVE_BASE = "comparison mean in the base period <= 0 (ratio trend undefined)"


@dataclass(frozen=True)
class AttGt(PolicyResult):
    """Group-time effects ATT(g, t) (rows of ``table`` with columns ``group``, ``time``, ``event_time``,
    ``post``, ``n_treated``, ``n_control``, ``is_reference``) plus what aggregation needs.
    ``info["dropped_cells"]`` lists the (group, time, reason) cells that could not be estimated.

    Attributes (beyond PolicyResult)
    --------------------------------
    influence : n_units x n_cells influence functions (R ``did`` scaling).
    unit_cohort : cohort of each unit (0 = never treated), aligned with ``influence`` rows.
    unit_cluster : cluster of each unit, or None.
    settings : the Inference used (aggregations reuse it).
    """

    influence: np.ndarray | None = None
    unit_cohort: np.ndarray | None = None
    unit_cluster: np.ndarray | None = None
    settings: Inference | None = None


def att_gt(data: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str,
           control: str = "never", base_period: str = "varying", anticipation: int = 0,
           inference: Inference | None = None, freq: str | None = None, trends: str = "additive") -> AttGt:
    """Callaway-Sant'Anna ATT(g, t) for every cohort g and period t (Callaway and Sant'Anna 2021).

    Parameters
    ----------
    data : long panel, one row per unit and period (not modified), or a ``Wide`` panel made from one by
        ``wide_panel`` (the column arguments are then not read).
    outcome, unit, time : column names; ``time`` holds consecutive integer periods (years, or
        month indices as made by ``reform_panel``).
    cohort : first treated period of the unit; 0 or missing = never treated.
    control : "never" (never-treated units) or "notyet" (never- and not-yet-treated units).
    base_period : "varying" (R's default: pre-period cells compare t with t-1) or "universal"
        (every cell compares with g-1-anticipation; that reference cell is a row with estimate 0,
        ``is_reference`` True and no standard error, as R ``did`` reports it with se NA).
    anticipation : periods before g in which units may already react.
    inference : see ``Inference`` (default: analytic); clustered kinds need the cluster column in ``data``.
    trends : "additive" (parallel trends in levels: R did) or "multiplicative" (parallel trends in
        ratios: the treated cohort's counterfactual is its base-period mean times the comparison
        units' growth factor, ATT = m1_t - m1_b * m0_t / m0_b; the moment version of Wooldridge
        (2023)'s Poisson DiD, suited to shares whose trends are proportional, as overdue ratios). The
        effect is still reported in outcome units. A cell whose comparison mean in the base period is
        <= 0 has no growth factor: it is dropped with a warning naming it.
    freq : "month" or "quarter" when ``time`` holds ``reform_panel`` periods: terms then read
        "ATT(2017-07,2018-01)" instead of integer periods.

    Example
    -------
    >>> res = att_gt(mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
    >>> res.estimate("ATT(2004,2005)")  # -0.0704 as in R did's README
    """
    inference = inference or Inference()
    if control not in CONTROLS:
        raise PolicyError(f"control must be one of {CONTROLS}, got {control!r}")
    if trends not in TRENDS:
        raise PolicyError(f"trends must be one of {TRENDS}, got {trends!r}")
    if base_period not in BASE_PERIODS:
        raise PolicyError(f"base_period must be one of {BASE_PERIODS}, got {base_period!r}")
    if isinstance(data, Wide):
        if data.cluster != inference.cluster:
            raise PolicyError(f"the wide panel was made with cluster {data.cluster!r}, the inference needs "
                              f"{inference.cluster!r}")
        y, times, cohorts, clusters = data.y, data.times, data.cohorts, data.clusters
    else:
        y, times, cohorts, clusters = _wide(data, outcome=outcome, unit=unit, time=time, cohort=cohort,
                                            cluster=inference.cluster)
    keep = _drop_always_treated(cohorts, first=times[0], anticipation=anticipation)
    y, cohorts = y[keep], cohorts[keep]
    clusters = None if clusters is None else clusters[keep]
    _check_untreated(cohorts, control=control, times=times, anticipation=anticipation)
    cells, influence, dropped = _cells(y, times, cohorts, control=control, base_period=base_period,
                                       anticipation=anticipation, trends=trends,
                                       cluster_codes=None if clusters is None else pd.factorize(pd.Series(clusters))[0])
    if not any(not c["is_reference"] for c in cells):
        raise PolicyError("no untreated comparison units for any cohort and period: no group-time effect "
                          "could be estimated")
    lab = _labeller(freq)
    _warn_dropped(dropped, lab)
    table = pd.DataFrame(cells)
    _warn_thin_comparisons(table, freq=freq)
    cols, sentence, n_clusters = infer(table["estimate"].to_numpy(), influence, clusters=clusters,
                                       inference=inference)
    table = pd.concat([table.drop(columns="estimate"), _blank_reference(cols, table["is_reference"])], axis=1)
    table.insert(0, "term", [f"ATT({lab(g)},{lab(t)})" for g, t in zip(table["group"], table["time"])])
    n_obs = int(np.isfinite(y).sum())
    info = {"control": control, "base_period": base_period, "anticipation": anticipation, "trends": trends,
            "n_units": int(len(cohorts)), "cohort_sizes": _cohort_sizes(cohorts), "freq": freq,
            "dropped_cells": dropped}
    return AttGt(table=table, n_obs=n_obs, n_clusters=n_clusters, vcov_type=inference.kind,
                 method=_method(control, base_period, trends), inference=sentence, info=info,
                 influence=influence, unit_cohort=cohorts, unit_cluster=clusters, settings=inference)


def aggte(result: AttGt, *, kind: str = "group", min_e: float = -np.inf, max_e: float = np.inf) -> PolicyResult:
    """Aggregate ATT(g, t) as R ``did::aggte``: "simple", "group", "dynamic" or "calendar".

    The first row (term "ATT") is the overall effect: the cohort-size-weighted mean of post cells
    ("simple"), the cohort-size-weighted mean of cohort effects ("group"), the mean of event-time
    effects for e >= 0 ("dynamic"), or the mean of calendar-time effects ("calendar"). Influence
    functions include the estimation of the weights (Callaway and Sant'Anna 2021, section 4).
    With a universal base period the reference cells (estimate 0) enter only the dynamic
    aggregation, as event time -1-anticipation with estimate 0, no standard error and
    ``is_reference`` True (R ``did``); ``info["reference"]`` then names that event time.

    Example
    -------
    >>> aggte(res, kind="dynamic").tidy()  # event-time effects; R did README: e=2 -> -0.1373
    """
    if kind not in AGGREGATIONS:
        raise PolicyError(f"kind must be one of {AGGREGATIONS}, got {kind!r}")
    t = result.table
    group, time = t["group"].to_numpy(), t["time"].to_numpy()
    att, inf = t["estimate"].to_numpy(), result.influence
    reference = t["is_reference"].to_numpy(dtype=bool) if "is_reference" in t.columns else np.zeros(len(t), bool)
    pg_unit = {g: float(np.mean(result.unit_cohort == g)) for g in np.unique(group)}
    pgg = np.array([pg_unit[g] for g in group])
    event = time - group
    window = (event >= min_e) & (event <= max_e)
    rows: list[tuple[str, dict, float, np.ndarray]] = []
    if kind == "simple":
        keep = np.flatnonzero((group <= time) & window)
        est, psi = _weighted(att, inf, keep, pgg, result.unit_cohort, group)
        rows.append(("ATT", {}, est, psi))
    elif kind == "group":
        glist = np.unique(group[~reference])  # a cohort seen only in its reference row has no effect
        parts = []
        for g in glist:
            keep = np.flatnonzero((group == g) & (group <= time) & window)
            parts.append((g, att[keep].mean(), inf[:, keep].mean(axis=1)))
        att_g = np.array([p[1] for p in parts])
        inf_g = np.column_stack([p[2] for p in parts])
        pg = np.array([pg_unit[g] for g in glist])
        est, psi = _weighted(att_g, inf_g, np.arange(len(glist)), pg, result.unit_cohort, glist)
        rows.append(("ATT", {}, est, psi))
        lab = _labeller(result.info.get("freq"))
        rows += [(f"cohort::{lab(g)}", {"group": g}, a, f) for g, a, f in parts]
    elif kind == "dynamic":
        parts = []
        for e in np.unique(event[window]):
            keep = np.flatnonzero((event == e) & window)
            est, psi = _weighted(att, inf, keep, pgg, result.unit_cohort, group)
            parts.append((e, est, psi))
        post = [p for p in parts if p[0] >= 0]
        if not post:
            raise PolicyError("no post-treatment event times in the window")
        rows.append(("ATT", {"is_reference": False}, np.mean([p[1] for p in post]),
                     np.mean([p[2] for p in post], axis=0)))
        rows += [(f"event::{int(e)}", {"event_time": int(e), "is_reference": bool(reference[event == e].all())}, a, f)
                 for e, a, f in parts]
    else:
        parts = []
        for tt in np.unique(time[time >= group.min()]):
            keep = np.flatnonzero((time == tt) & (group <= tt) & window)
            if keep.size:
                est, psi = _weighted(att, inf, keep, pgg, result.unit_cohort, group)
                parts.append((tt, est, psi))
        rows.append(("ATT", {}, np.mean([p[1] for p in parts]), np.mean([p[2] for p in parts], axis=0)))
        lab = _labeller(result.info.get("freq"))
        rows += [(f"time::{lab(tt)}", {"time": tt}, a, f) for tt, a, f in parts]
    est = np.array([r[2] for r in rows])
    influence = np.column_stack([r[3] for r in rows])
    cols, sentence, n_clusters = infer(est, influence, clusters=result.unit_cluster, inference=result.settings)
    labels = pd.DataFrame([{"term": r[0], "kind": kind, **r[1]} for r in rows])
    if kind == "dynamic":
        cols = _blank_reference(cols, labels["is_reference"])
    table = pd.concat([labels, cols], axis=1)
    if kind == "dynamic":
        table["event_time"] = table["event_time"].astype("Float64")
    info = {**result.info, "aggregation": kind, "influence": influence, "unit_cluster": result.unit_cluster,
            "settings": result.settings}
    if kind == "dynamic" and result.info.get("base_period") == "universal":
        info["reference"] = -1 - int(result.info.get("anticipation", 0))  # plotted as the hollow marker
    return PolicyResult(table=table, n_obs=result.n_obs, n_clusters=n_clusters, vcov_type=result.vcov_type,
                        method=f"{result.method}; aggregation '{kind}' (did::aggte)", inference=sentence,
                        info=info)


def _weighted(att, inf, keep, pg, cohort_of_unit, group_of_cell) -> tuple[float, np.ndarray]:
    """Weighted mean of ``att[keep]`` with weights pg and its influence function (R ``did``'s ``wif``)."""
    w = pg[keep] / pg[keep].sum()
    est = float(w @ att[keep])
    indicator = (cohort_of_unit[:, None] == group_of_cell[keep][None, :]).astype(float) - pg[keep][None, :]
    s = pg[keep].sum()
    wif = indicator / s - np.outer(indicator.sum(axis=1), pg[keep] / s**2)
    return est, inf[:, keep] @ w + wif @ att[keep]


def _warn_thin_comparisons(table: pd.DataFrame, *, freq) -> None:
    post = table.loc[table["post"]]
    thin = post["n_control"] < MIN_COMPARISON_UNITS
    if "n_control_clusters" in post.columns:
        thin |= post["n_control_clusters"] < MIN_COMPARISON_CLUSTERS
    if thin.any():
        lab = _labeller(freq)
        cohorts = sorted({lab(g) for g in post.loc[thin, "group"]})
        warnings.warn(f"cohort(s) {cohorts} have fewer than {MIN_COMPARISON_UNITS} comparison units or "
                      f"{MIN_COMPARISON_CLUSTERS} comparison clusters in some post period: their effects rest "
                      "on very few comparisons (see diagnostics.comparison_check)", ComparisonWarning, stacklevel=3)


def _cells(y, times, cohorts, *, control, base_period, anticipation, trends="additive", cluster_codes=None):
    """Every estimable ATT(g, t) cell, its influence function (one column per cell) and the cells
    dropped, as (group, time, reason). With a universal base period the base cell itself
    (t = g-1-anticipation) is kept as a reference row: estimate 0, influence 0 (R ``did``)."""
    n = y.shape[0]
    cells, columns, dropped = [], [], []
    for g in np.unique(cohorts[cohorts > 0]):
        base_g = np.flatnonzero(times + anticipation < g)
        if base_g.size == 0:
            continue
        for ti in range(len(times)):
            cur = times[ti]
            if base_period == "universal":
                bi = base_g[-1]
                if ti == bi:
                    cells.append(_reference_cell(y[:, bi], cohorts, g=g, time=cur))
                    columns.append(np.zeros(n))
                    continue
            elif cur >= g:
                bi = base_g[-1]
            elif ti == 0:
                continue
            else:
                bi = ti - 1
            later = max(cur, times[bi]) + anticipation
            if control == "never":
                ctrl = cohorts == 0
            else:
                ctrl = (cohorts == 0) | ((cohorts > later) & (cohorts != g))
            dy = y[:, ti] - y[:, bi]
            ok = np.isfinite(dy)
            treated, ctrl = (cohorts == g) & ok, ctrl & ok
            n1, n0 = int(treated.sum()), int(ctrl.sum())
            if n1 == 0 or n0 == 0:
                if n0 == 0 and cur >= g:
                    dropped.append((int(g), int(cur), NO_COMPARISON))
                continue
            psi = np.zeros(n)
            if trends == "additive":
                m1, m0 = dy[treated].mean(), dy[ctrl].mean()
                att = m1 - m0
                psi[treated] = n / n1 * (dy[treated] - m1)
                psi[ctrl] = -n / n0 * (dy[ctrl] - m0)
            else:
                att, psi = _ratio_cell(y[:, ti], y[:, bi], treated, ctrl, psi)
                if att is None:
                    dropped.append((int(g), int(cur), NONPOSITIVE_BASE))
                    continue
            cell = {"group": g, "time": cur, "event_time": cur - g, "base": times[bi],
                    "post": bool(cur >= g), "n_treated": n1, "n_control": n0, "estimate": att,
                    "is_reference": False}
            if cluster_codes is not None:
                cell["n_control_clusters"] = int(np.unique(cluster_codes[ctrl]).size)
            cells.append(cell)
            columns.append(psi)
    influence = np.column_stack(columns) if columns else np.zeros((n, 0))
    return cells, influence, dropped


def _reference_cell(y_base, cohorts, *, g, time) -> dict:
    """The universal base period of cohort g: ATT(g, g-1-anticipation) = 0 by construction."""
    seen = np.isfinite(y_base)
    return {"group": g, "time": time, "event_time": time - g, "base": time, "post": False,
            "n_treated": int(((cohorts == g) & seen).sum()), "n_control": 0, "estimate": 0.0,
            "is_reference": True}


def _blank_reference(cols: pd.DataFrame, is_reference: pd.Series) -> pd.DataFrame:
    """Reference rows are 0 by normalisation: no standard error, test or interval (R did: se NA)."""
    ref = is_reference.to_numpy(dtype=bool)
    if not ref.any():
        return cols
    out = cols.copy()
    out.loc[ref, [c for c in out.columns if c != "estimate"]] = np.nan
    return out


def _warn_dropped(dropped: list[tuple[int, int, str]], lab) -> None:
    """One warning naming every (g, t) cell that could not be estimated, grouped by reason."""
    for reason in dict.fromkeys(r for _, _, r in dropped):
        cells = [f"({lab(g)},{lab(t)})" for g, t, r in dropped if r == reason]
        warnings.warn(f"{len(cells)} cell(s) (g,t) dropped, {reason}: {', '.join(cells)} "
                      "(listed in result.info['dropped_cells'])", stacklevel=3)


def _ratio_cell(yt, yb, treated, ctrl, psi):
    """ATT = a1t - a1b * a0t / a0b under multiplicative parallel trends, with its influence function
    (delta method; same full-sample scaling as the additive cells)."""
    n = len(yt)
    n1, n0 = treated.sum(), ctrl.sum()
    a1t, a1b, a0t, a0b = yt[treated].mean(), yb[treated].mean(), yt[ctrl].mean(), yb[ctrl].mean()
    if a0b <= 0:
        return None, psi
    r = a0t / a0b
    psi[treated] = n / n1 * ((yt[treated] - a1t) - r * (yb[treated] - a1b))
    psi[ctrl] = -n / n0 * (a1b / a0b) * ((yt[ctrl] - a0t) - r * (yb[ctrl] - a0b))
    return a1t - a1b * r, psi


@dataclass(frozen=True)
class Wide:
    """A long panel as ``att_gt`` works on it (``wide_panel``): the outcome by unit (sorted) and period,
    each unit's cohort and cluster, which unit-periods have a row, and the cluster column's name."""

    y: np.ndarray
    times: np.ndarray
    cohorts: np.ndarray
    clusters: np.ndarray | None
    present: np.ndarray
    cluster: str | None

    def without(self, value) -> Wide:
        """The panel without the units of cluster ``value``: what ``wide_panel`` gives on the long panel's
        rows of the other clusters (periods left with no row are dropped, as there)."""
        if self.clusters is None:
            raise PolicyError("the wide panel has no cluster column")
        keep = np.asarray(self.clusters != value, dtype=bool)
        periods = self.present[keep].any(axis=0)
        return Wide(y=self.y[keep][:, periods], times=self.times[periods], cohorts=self.cohorts[keep],
                    clusters=self.clusters[keep], present=self.present[keep][:, periods], cluster=self.cluster)


def wide_panel(data: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str,
               cluster: str | None = None) -> Wide | None:
    """``data`` made wide once, for several ``att_gt`` calls on it or on its subsets by cluster
    (``Wide.without``: leave-one-out drops each district in turn); None when the panel has a missing
    unit, period or cohort (``att_gt`` then works on the long panel)."""
    made = _wide(data, outcome=outcome, unit=unit, time=time, cohort=cohort, cluster=cluster, with_rows=True)
    if made is None:
        return None
    y, times, cohorts, clusters, present = made
    return Wide(y=y, times=times, cohorts=cohorts, clusters=clusters, present=present, cluster=cluster)


def _wide(data, *, outcome, unit, time, cohort, cluster, with_rows=False):
    """Units x periods of the outcome (units sorted, periods sorted), each unit's cohort and cluster.

    The units are factorised once (sorted, as ``pivot`` and ``groupby`` order them) and every step works on
    their integer codes: the group-month text keys are not hashed again for the duplicate check, the pivot
    and the per-unit cohort and cluster (``_wide_by_pandas``, the previous path, is the reference in
    tests/test_fast_paths.py). The checks (one row per unit and period, units nested in clusters) count by
    codes rather than ``np.unique``, which hashed every row (two thirds of the function's time)."""
    missing = [c for c in (outcome, unit, time, cohort, cluster) if c and c not in data.columns]
    if missing:
        raise PolicyError(f"column(s) {', '.join(missing)} not in the data; "
                          f"columns are {', '.join(map(str, data.columns))}")
    df = data[[c for c in dict.fromkeys((unit, time, outcome, cohort, cluster)) if c]]
    codes, units = pd.factorize(df[unit], sort=True)
    if (codes < 0).any() or df[time].isna().any() or df[cohort].isna().any():
        if with_rows:  # wide_panel: not on this path
            return None
        return _wide_by_pandas(df, outcome=outcome, unit=unit, time=time, cohort=cohort, cluster=cluster)
    raw_times = np.sort(df[time].unique())
    times = _integer_periods(raw_times, time)
    t_idx = np.searchsorted(raw_times, df[time].to_numpy())
    key = codes.astype(np.int64) * len(times) + t_idx
    if np.bincount(key, minlength=len(units) * len(times)).max(initial=0) > 1:  # a cell met twice
        raise PolicyError(f"more than one row per {unit} and {time}")
    wide = np.full((len(units), len(times)), np.nan)
    wide[codes, t_idx] = df[outcome].to_numpy(dtype=float)
    cohort_values = df[cohort].to_numpy()
    one_cohort = np.empty(len(units), dtype=cohort_values.dtype)
    one_cohort[codes] = cohort_values  # one of each unit's values: any row with another means it varies
    if (one_cohort[codes] != cohort_values).any():
        raise PolicyError(f"{cohort} must be constant within each {unit}")
    cohorts = one_cohort.astype(np.int64)
    clusters = None
    if cluster:
        c_codes, _ = pd.factorize(df[cluster])
        present = c_codes >= 0
        unit_of, cluster_of = codes[present], c_codes[present]
        one = np.full(len(units), -1, dtype=np.int64)
        one[unit_of] = cluster_of  # as for the cohort
        if (one[unit_of] != cluster_of).any():
            raise PolicyError(f"units must be nested in clusters: {cluster} varies within {unit}")
        row = np.full(len(units), -1, dtype=np.int64)
        row[unit_of] = np.flatnonzero(present)  # a row of each unit that names its cluster
        if (row >= 0).all():
            clusters = df[cluster].take(row).to_numpy()  # the cluster's value as the column holds it
        else:  # a unit whose cluster is missing in every row: missing, as the previous path gives it
            first = pd.Series(df[cluster].to_numpy()).groupby(codes, sort=True).first()
            clusters = first.reindex(np.arange(len(units))).to_numpy()
    if with_rows:  # which unit-periods have a row (wide_panel)
        rows = np.zeros(wide.shape, dtype=bool)
        rows[codes, t_idx] = True
        return wide, times, cohorts, clusters, rows
    return wide, times, cohorts, clusters


def _integer_periods(times: np.ndarray, time: str) -> np.ndarray:
    if not np.issubdtype(times.dtype, np.integer) and not np.all(np.mod(times, 1) == 0):
        raise PolicyError(f"{time} must hold integer periods (use reform_panel for months)")
    return times.astype(np.int64)


def _wide_by_pandas(df, *, outcome, unit, time, cohort, cluster):
    """``_wide`` by pivot and groupby on the unit labels (the previous path; units or periods missing)."""
    if df.duplicated([unit, time]).any():
        raise PolicyError(f"more than one row per {unit} and {time}")
    times = _integer_periods(np.sort(df[time].unique()), time)
    wide = df.pivot(index=unit, columns=time, values=outcome).reindex(columns=times)
    per_unit = df.groupby(unit, sort=True)[cohort].agg(["min", "max"])
    if (per_unit["min"] != per_unit["max"]).any():
        raise PolicyError(f"{cohort} must be constant within each {unit}")
    cohorts = per_unit["min"].reindex(wide.index).fillna(0).to_numpy(dtype=np.int64)
    clusters = None
    if cluster:
        per = df.groupby(unit, sort=True)[cluster].nunique()
        if (per > 1).any():
            raise PolicyError(f"units must be nested in clusters: {cluster} varies within {unit}")
        clusters = df.groupby(unit, sort=True)[cluster].first().reindex(wide.index).to_numpy()
    return wide.to_numpy(dtype=float), times, cohorts, clusters


def _drop_always_treated(cohorts, *, first, anticipation) -> np.ndarray:
    always = (cohorts > 0) & (cohorts <= first + anticipation)
    if always.any():
        warnings.warn(f"{int(always.sum())} unit(s) treated in the first period dropped (no pre-period)", stacklevel=3)
    return ~always


def _check_untreated(cohorts, *, control, times, anticipation) -> None:
    if control == "never" and not (cohorts == 0).any():
        raise PolicyError("no never-treated units: use control='notyet' (not-yet-treated comparisons) "
                          "or add untreated units")
    if control == "notyet" and not (cohorts == 0).any() and np.unique(cohorts).size < 2:
        raise PolicyError("no untreated comparison units: no never-treated units and every unit adopts at "
                          "the same time")
    if not (cohorts > 0).any():
        raise PolicyError("no treated units: every unit is never treated")


def _labeller(freq):
    if freq is None:
        return lambda p: str(int(p))
    from .prepare import period_label
    return lambda p: period_label(int(p), freq)


def _cohort_sizes(cohorts) -> dict[int, int]:
    g, c = np.unique(cohorts, return_counts=True)
    return {int(a): int(b) for a, b in zip(g, c)}


def _method(control, base_period, trends="additive") -> str:
    ctrl = "never-treated" if control == "never" else "not-yet-treated"
    pt = "" if trends == "additive" else ", multiplicative (ratio) parallel trends"
    return (f"Callaway-Sant'Anna (2021) ATT(g,t), outcome regression without covariates, {ctrl} "
            f"comparison units, {base_period} base period{pt} (own implementation of R did::att_gt)")
