"""Every reform in the reforms table, evaluated on its own: the prepare step's reform stage.

A province runs more than one reform. Each reform named in the reforms table (or each of those a run
names) gets the staggered analysis of ``policy``: its own adoption cohorts (its districts against the
districts that never adopted it), the headline ``reform_effect`` (Callaway-Sant'Anna, randomization
inference, the interval the Monte Carlo gate checks, the minimum detectable effect), its variants and
cohorts, quarterly event studies, the pre-trend test, leave-one-out, a placebo date and HonestDiD
sensitivity. Every stored table has the reform's name in its first key column (``reform``).

A reform that cannot be evaluated is listed with a reason code the words layer puts in the reader's
language (``REASONS``), the values the sentence needs (district codes, dates) and the estimator's own
message for the English technical reader (``detail``). The codes:

- ``not_in_table``: a reform asked for by name is not in the reforms table;
- ``unknown_units``: the reform's districts are not in the data;
- ``outside_window``: an adoption date lies outside the data's months;
- ``no_comparison``: every district adopted it (no district to compare with);
- ``no_pre_period``: every adopting district adopted it in the first month;
- ``estimation_failed``: the estimator refused the data (``detail`` says why).

A secondary analysis that fails for one reform (an event study needing more quarters than the data
have) is left out for that reform, and named in ``meta["reforms"][name]["skipped"]``; the headline stays.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from analysis.results.estimates import Estimate
from analysis.results.store import TableSpec

EVENT_LEADS, EVENT_LAGS = 4, 8  # quarters around adoption in the event studies (fewer when the data are short)
HONEST_MBAR = (0.0, 0.5, 1.0, 1.5, 2.0)  # relative-magnitude bounds shown (Rambachan and Roth 2023)
PLACEBO_SHIFT = 12  # months: the placebo adoption date this much earlier
REASONS = ("not_in_table", "unknown_units", "outside_window", "no_comparison", "no_pre_period", "estimation_failed")

TABLES: dict[str, TableSpec] = {
    "policy_reform": TableSpec(("reform", "term")),
    "policy_reform_clusters": TableSpec(("reform", "cluster")),
    "policy_reform_variants": TableSpec(("reform", "estimator")),
    "policy_cs_group": TableSpec(("reform", "term")),
    "policy_cs_dynamic_q": TableSpec(("reform", "term")),
    "policy_sunab_event_q": TableSpec(("reform", "term")),
    "policy_twfe_event_q": TableSpec(("reform", "term")),
    "policy_pretrend": TableSpec(("reform", "test")),
    "policy_leave_one_out": TableSpec(("reform", "dropped")),
    "policy_placebo_dates": TableSpec(("reform", "shift")),
    "policy_honest": TableSpec(("reform", "row")),
}


@dataclass(frozen=True)
class NotEvaluated:
    """A reform the data cannot evaluate: ``reason`` (one of ``REASONS``), the ``values`` its sentence
    needs and the estimator's ``detail`` (English)."""

    reform: str
    reason: str
    values: dict
    detail: str = ""

    def to_dict(self) -> dict:
        return {"reform": self.reform, "reason": self.reason, "values": self.values, "detail": self.detail}


def reform_names(reforms: pd.DataFrame) -> list[str]:
    """The reforms of the table, by first adoption date, then name."""
    first = reforms.assign(reform=reforms["reform"].astype(str), adopted_on=pd.to_datetime(reforms["adopted_on"]))
    order = first.groupby("reform")["adopted_on"].min().reset_index().sort_values(["adopted_on", "reform"])
    return list(order["reform"])


def evaluate_all(frame: pd.DataFrame, reforms: pd.DataFrame, *, only: list[str] | None = None):
    """Every reform of ``reforms`` (or those named in ``only``) on the group-month ``frame``.

    Returns (tables with a ``reform`` column, meta by reform, headline ``Estimate`` by reform in order,
    the reforms not evaluated as ``NotEvaluated``)."""
    names = reform_names(reforms)
    if only:
        missing = [n for n in only if n not in names]
        names = [n for n in names if n in only]
        not_evaluated = [NotEvaluated(n, "not_in_table", {}, "not in the reforms table") for n in missing]
    else:
        not_evaluated = []
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    meta: dict[str, dict] = {}
    headlines: dict[str, Estimate] = {}
    for name in names:
        rows = reforms.loc[reforms["reform"].astype(str) == name]
        problem = _check(frame, rows, name)
        if problem is not None:
            not_evaluated.append(problem)
            continue
        try:
            tables, info, estimate = evaluate_one(frame, rows, name)
        except Exception as exc:  # noqa: BLE001 - any estimator refusal: the reform is listed, the others go on
            not_evaluated.append(NotEvaluated(name, "estimation_failed", {}, f"{type(exc).__name__}: {exc}"))
            continue
        for table, part in tables.items():
            parts[table].append(part.assign(reform=name)[["reform", *part.columns]])
        meta[name] = info
        headlines[name] = estimate
    out = {table: pd.concat(frames, ignore_index=True) for table, frames in parts.items() if frames}
    return out, meta, headlines, not_evaluated


def _check(frame: pd.DataFrame, rows: pd.DataFrame, name: str) -> NotEvaluated | None:
    """The reasons a reform cannot be evaluated that the data show before any estimation."""
    districts = set(frame["district"].astype(str).unique())
    units = sorted(set(rows["unit"].astype(str)))
    unknown = [u for u in units if u not in districts]
    if unknown:
        return NotEvaluated(name, "unknown_units", {"units": unknown}, f"district(s) {unknown} not in the data")
    first, last = frame["month"].min().to_period("M"), frame["month"].max().to_period("M")
    adopted = pd.to_datetime(rows["adopted_on"]).dt.to_period("M")
    outside = sorted({str(p) for p in adopted if p < first or p > last})
    if outside:
        return NotEvaluated(name, "outside_window", {"dates": outside, "first": str(first), "last": str(last)},
                            f"adoption month(s) {outside} outside the data ({first} to {last})")
    if not districts - set(units):
        return NotEvaluated(name, "no_comparison", {"n": len(units)}, "every district adopted it")
    if (adopted == first).all():
        return NotEvaluated(name, "no_pre_period", {"first": str(first)},
                            "every district adopted it in the first month")
    return None


def evaluate_one(frame: pd.DataFrame, rows: pd.DataFrame, name: str) -> tuple[dict[str, pd.DataFrame], dict, Estimate]:
    """The staggered analysis of one reform (``rows``: its lines of the reforms table)."""
    from analysis import policy

    rp = policy.reform_panel(frame, rows, freq="month")
    args = dict(outcome="y", unit="group_id", time="period", cohort="cohort")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        head = policy.reform_effect(rp, **args, cluster="district", freq="month")
    dominance = [str(w.message) for w in caught if issubclass(w.category, policy.DominanceWarning)]
    out = {"policy_reform": head.table.reset_index(drop=True),
           "policy_reform_clusters": head.clusters.reset_index(drop=True)}
    info = {"headline": _describe(head, dominance=dominance), "skipped": {}}
    r = head.table.iloc[0]
    estimate = Estimate(
        question="reform", term="ATT", estimate=float(r["estimate"]), std_error=float(r["std_error"]),
        conf_low=float(r["conf_low"]), conf_high=float(r["conf_high"]), p_value=float(r["p_value"]),
        mde=float(r["mde"]), units="pp", method=head.method, inference=head.inference, estimator="reform_effect",
        n_obs=head.n_obs, n_clusters=head.n_clusters,
        extras={"reform": name, "g_star": head.info["g_star"], "g_star_empirical": head.info["g_star_empirical"],
                "dominant": head.info["dominant"], "dominant_share": head.info["dominant_share"],
                "n_assignments": head.info["n_assignments"], "exact": head.info["exact"],
                "seed": head.info["seed"], "n_adopters": int((head.clusters["cohort"] > 0).sum()),
                "n_never": int((head.clusters["cohort"] == 0).sum()),
                "adopted": sorted({str(d)[:7] for d in pd.to_datetime(rows["adopted_on"])})})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _secondary(rp, rows, frame, r, out, info)
    return out, info, estimate


def coded_units(panel: pd.DataFrame) -> pd.DataFrame:
    """``panel`` with its ``group_id`` text replaced by integer codes in the order of the sorted ids, for
    the Callaway-Sant'Anna calls (fifteen a reform): ``did.att_gt`` orders the units by sorted id, so
    the codes give it the same units in the same order and the same numbers, without factorising
    and copying the text ids on every call. A panel with a missing id is returned as it is."""
    ids = panel["group_id"]
    if ids.isna().any():
        return panel
    return panel.assign(group_id=pd.factorize(ids, sort=True)[0])


def _secondary(rp, rows, frame, headline_row, out, info) -> None:
    """Variants, cohorts, event studies and diagnostics; each one that fails is named in ``info``."""
    from analysis import policy
    from analysis.policy import diagnostics, did

    args = dict(outcome="y", unit="group_id", time="period", cohort="cohort")
    cluster = policy.Inference(kind="cluster", cluster="district")
    rp_coded = coded_units(rp)  # for att_gt only; the regressions (TWFE, event studies) keep the text ids

    def attempt(label, fn):
        try:
            fn()
        except (policy.PolicyError, ValueError, KeyError, IndexError, ZeroDivisionError) as exc:
            info["skipped"][label] = str(exc)

    def variants():
        r = headline_row
        rows_ = [{"estimator": "CS additive", "inference": "CR1 t(G-1) by district", "estimate": r["estimate"],
                  "conf_low": r["conf_low_cr1"], "conf_high": r["conf_high_cr1"], "p_value": r["p_value_cr1"]}]
        for label, control in (("CS ratio trends", "never"), ("CS ratio trends, not-yet treated", "notyet")):
            gt = policy.att_gt(rp_coded, **args, control=control, inference=cluster, freq="month",
                               trends="multiplicative")
            rows_.append(_variant(label, policy.aggte(gt, kind="simple").table.iloc[0]))
        rows_.append(_variant("TWFE", policy.twfe(rp, **args, cluster="district").table.iloc[0]))
        out["policy_reform_variants"] = pd.DataFrame(rows_)

    def cohorts():
        gt_add = policy.att_gt(rp_coded, **args, control="never", inference=cluster, freq="month")
        out["policy_cs_group"] = policy.aggte(gt_add, kind="group").table.reset_index(drop=True)

    def events():
        rpq = policy.reform_panel(frame, rows, freq="quarter")
        leads, lags = _event_window(rpq)
        gtq = policy.att_gt(coded_units(rpq), **args, control="never", inference=cluster, freq="quarter",
                            base_period="universal")
        dynamic_q = policy.aggte(gtq, kind="dynamic", min_e=-leads, max_e=lags)
        out["policy_cs_dynamic_q"] = dynamic_q.table.reset_index(drop=True)
        info["cs_dynamic_q"] = _describe(dynamic_q, reference=-1, freq="quarter")
        pre = diagnostics.pretrend_test(dynamic_q, leads=leads)
        out["policy_pretrend"] = pd.DataFrame([{"statistic": pre.statistic, "df": pre.df,
                                                "df_denominator": pre.df_denominator, "p_value": pre.p_value,
                                                "test": pre.test}])
        attempt("honest", lambda: out.__setitem__("policy_honest", _honest(dynamic_q, info)))
        es_args = dict(**args, cluster="district", leads=leads, lags=lags, freq="quarter")
        for table, method in (("policy_sunab_event_q", "sunab"), ("policy_twfe_event_q", "twfe")):
            def one(table=table, method=method):
                res = policy.event_study(rpq, method=method, **es_args)
                out[table] = res.table.reset_index(drop=True)
                info[table.removeprefix("policy_")] = _describe(res, reference=-1, freq="quarter")
            attempt(method, one)

    def simple(data):
        res = policy.att_gt(data, **args, control="never", inference=cluster, freq="month")
        return policy.aggte(res, kind="simple")

    def robustness():
        wide = did.wide_panel(rp_coded, **args, cluster="district")  # made wide once, each district dropped from it
        out["policy_leave_one_out"] = diagnostics.leave_one_out(rp_coded, estimate=simple, cluster="district",
                                                                without=None if wide is None else wide.without)

    def placebo():
        out["policy_placebo_dates"] = diagnostics.placebo_dates(rp_coded, estimate=simple, time="period",
                                                                cohort="cohort", shifts=[PLACEBO_SHIFT])

    for label, fn in (("variants", variants), ("cohorts", cohorts), ("event_study", events),
                      ("leave_one_out", robustness), ("placebo", placebo)):
        attempt(label, fn)


def _event_window(rpq: pd.DataFrame) -> tuple[int, int]:
    """Leads and lags the quarterly data allow, at most ``EVENT_LEADS`` and ``EVENT_LAGS``."""
    cohorts = rpq.loc[rpq["cohort"] > 0, "cohort"].unique()
    first, last = rpq["period"].min(), rpq["period"].max()
    return min(EVENT_LEADS, int(max(cohorts) - first)), min(EVENT_LAGS, int(max(last - cohorts)))


def _describe(result, **info) -> dict:
    return {"n_obs": int(result.n_obs), "n_clusters": result.n_clusters, "vcov_type": result.vcov_type,
            "method": result.method, "inference": result.inference,
            "info": {k: v for k, v in {**dict(result.info), **info}.items()
                     if isinstance(v, (str, int, float, bool, type(None), list, tuple))}}


def _variant(label: str, row: pd.Series) -> dict:
    return {"estimator": label, "inference": "CR1 t(G-1) by district", "estimate": row["estimate"],
            "conf_low": row["conf_low"], "conf_high": row["conf_high"], "p_value": row["p_value"]}


def _honest(dynamic, info) -> pd.DataFrame:
    """Sensitivity of the average post-adoption effect to parallel-trends violations (HonestDiD)."""
    from analysis import policy

    res = policy.honest_did(dynamic, mbar=HONEST_MBAR, l_vec="average")
    info["honest"] = {"breakdown": {k: (None if v != v else float(v)) for k, v in res.breakdown.items()},
                      "method": res.method, "inference": res.inference}
    return res.tidy().reset_index(drop=True).reset_index(names="row")
