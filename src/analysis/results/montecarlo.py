"""Monte Carlo studies of the estimators on synthetic provinces with shared shocks (Dask in parallel).

Three designs, each replicate drawing a fresh province from ``synthetic.generate(seed=base+rep, ...)``:

- ``models``: the drivers-of-overdue models (pooled and group+month fixed-effects Poisson and OLS,
  CR1 t(G-1) and the wild cluster restricted bootstrap), targets from each replicate's truth.
- ``directive``: Directive 40 on 2012-01..2015-12, in a **null world** (the Directive switched off:
  no effect at all) and an **effect world** (the generator's effect), with common random numbers.
  Estimators: ``policy.directive_effect`` (the headline), the district-panel ITS clustered by
  district and the province ITS with Newey-West (both shown to fail), and the dose-response DiD.
- ``reform``: the staggered reform on 2016-01..2021-05, null and effect worlds. Estimators:
  ``policy.reform_effect`` (randomization inference, the headline), Callaway-Sant'Anna with CR1
  t(G-1) (additive and ratio trends), the multiplier ("wild") bootstrap and TWFE.

The **gate** (``gate_table``): for every estimator, false rejections of a true zero at nominal 5% in the
null world must lie in [3%, 8%] and coverage of the true effect in the effect world in [92%, 97%],
each with its Monte Carlo standard error. ``--gate-out`` writes the result that the evidence brief
reads (``analysis.resources/montecarlo_gate.json``): it prints only intervals whose method passes.

    python -m analysis montecarlo --design directive --reps 500 [--scheduler ADDRESS] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.constants import SEED
from analysis.results import montecarlo_national as national

FE = "group_id + month"
POOLED = "month"
TERMS = ("group_meetings", "check_share")
TRUTH_KEYS = {"group_meetings": "beta_meetings", "check_share": "beta_check_share"}
DEFAULT_SEED = SEED
RECOMMENDED = ("Poisson FE", "CR1 t(G-1)")  # the estimator and inference docs/methods.md recommends
DESIGNS = ("models", "directive", "reform", "national")
WORLDS = ("null", "effect")
SIZE_BAND = (0.03, 0.08)  # false rejections of a true zero at nominal 5%
COVERAGE_BAND = (0.92, 0.97)  # coverage of the true effect by a 95% interval
GATE_FILE = paths.RESOURCES / "montecarlo_gate.json"
DEFAULTS = {  # per design: scale and window of the synthetic provinces
    "models": {"scale": 0.05, "start": "2016-01", "end": "2018-12"},
    "directive": {"scale": 0.5, "start": "2012-01", "end": "2015-12"},
    "reform": {"scale": 0.5, "start": "2016-01", "end": "2021-05"},
    "national": dict(national.DEFAULTS),  # a whole country (results.montecarlo_national)
}
HEADLINES = {  # the pre-specified primary estimate of each question (printed by the brief)
    "models": ("Poisson FE", "group_meetings"),
    "directive": ("directive_effect", "level_change_pp"),
    "reform": ("reform_effect", "ATT"),
    "national": national.HEADLINE,
}


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------

def replicate(rep: int, *, seed: int = DEFAULT_SEED, scale: float = 0.05, start: str = "2016-01",
              end: str = "2018-12", boot_reps: int = 2048) -> pd.DataFrame:
    """One replicate of the models design in both worlds (null: meetings and checks do not affect
    overdue; effect: the generator's betas): rows of (rep, world, estimator, inference, term,
    estimate, conf_low, conf_high, p_value, target)."""
    from analysis import models
    from analysis.data import panel, synthetic

    rows = []
    for world in WORLDS:
        sd = synthetic.generate(seed=seed + rep, scale=scale, start=start, end=end, drivers=world == "effect")
        df = panel.build(sd.tables)
        truth = sd.truth["overdue_model"]
        add = _adder(rows, rep=rep, world=world)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rhs = " + ".join(TERMS)
            for label, fe in (("Poisson pooled", POOLED), ("Poisson FE", FE)):
                res = models.panel_poisson(df, f"overdue_share ~ {rhs} | {fe}", vcov="cluster", cluster="district")
                tidy = res.tidy()
                for term in TERMS:
                    add(label, "CR1 t(G-1)", tidy.set_index("term").loc[term].rename(None).to_dict() | {"term": term},
                        truth[TRUTH_KEYS[term]])
            for label, fe in (("OLS pooled", POOLED), ("OLS FE", FE)):
                res = models.panel_ols(df, f"overdue_share ~ {rhs} | {fe}", vcov="cluster", cluster="district")
                tidy = res.tidy()
                for term in TERMS:
                    target = truth["linear_fe_pseudo_true_pp"][term] / 100
                    add(label, "CR1 t(G-1)", tidy.set_index("term").loc[term].rename(None).to_dict() | {"term": term},
                        target)
                    if label == "OLS FE":
                        b = models.wild_cluster_bootstrap(res, term, reps=boot_reps, seed=seed + rep)
                        add(label, "wild bootstrap (WCR)", {"term": term, "estimate": b.estimate,
                                                            "conf_low": b.conf_low,
                                                            "conf_high": b.conf_high, "p_value": b.p_value}, target)
    return pd.DataFrame(rows)


def summarise(draws: pd.DataFrame) -> pd.DataFrame:
    """Bias, RMSE, 95% coverage and mean interval width by estimator, inference and term."""
    d = draws.assign(error=draws["estimate"] - draws["target"],
                     covered=(draws["conf_low"] <= draws["target"]) & (draws["target"] <= draws["conf_high"]),
                     width=draws["conf_high"] - draws["conf_low"])
    out = d.groupby(["term", "estimator", "inference"], sort=False).agg(
        reps=("rep", "nunique"), target=("target", "mean"), mean_estimate=("estimate", "mean"),
        bias=("error", "mean"), rmse=("error", lambda e: float(np.sqrt(np.mean(e**2)))),
        coverage=("covered", "mean"), ci_width=("width", "mean"),
    ).reset_index()
    return out


# ---------------------------------------------------------------------------------------------
# policy designs: null and effect worlds
# ---------------------------------------------------------------------------------------------

def replicate_directive(rep: int, *, seed: int = DEFAULT_SEED, scale: float = 0.5, start: str = "2012-01",
                        end: str = "2015-12", n_boot: int = 999) -> pd.DataFrame:
    """One replicate of the Directive design in both worlds (same seed: common random numbers)."""
    from analysis import policy
    from analysis.data import panel, synthetic
    rows = []
    window = (start, end)
    for world in WORLDS:
        sd = synthetic.generate(seed=seed + rep, scale=scale, start=start, end=end, directive=world == "effect")
        frame = panel.build(sd.tables)
        truth = sd.truth["directive40"]
        level = truth["level_change_pp"] if world == "effect" else 0.0
        dose_true = truth["dose_response"]["slope_pp_per_meeting"] if world == "effect" else 0.0
        add = _adder(rows, rep=rep, world=world)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            districts = policy.monthly_series(frame, level="district")
            head = policy.directive_effect(districts, window=window, n_boot=n_boot, seed=seed + rep)
            add("directive_effect", "GLS-ARMA bootstrap-t", head.table.iloc[0], level)
            its_d = policy.its(districts, window=window).table.iloc[0]
            add("ITS district panel", "CR1 t(G-1) by district", its_d, level)
            its_p = policy.its(policy.monthly_series(frame, level="province"), window=window).table.iloc[0]
            add("ITS province series", "Newey-West HAC", its_p, level)
            dose = policy.directive_dose(frame, window=window, seed=seed + rep, placebo=False).table.iloc[0]
            add("dose-response DiD", "wild cluster restricted bootstrap", dose, dose_true)
            add("dose-response DiD", "CR1 t(G-1) by district", dose.rename(
                {"conf_low_cr1": "conf_low", "conf_high_cr1": "conf_high", "p_value_cr1": "p_value",
                 "conf_low": "_l", "conf_high": "_h", "p_value": "_p"}), dose_true)
    return pd.DataFrame(rows)


def replicate_reform(rep: int, *, seed: int = DEFAULT_SEED, scale: float = 0.5, start: str = "2016-01",
                     end: str = "2021-05") -> pd.DataFrame:
    """One replicate of the reform design in both worlds (same seed: common random numbers)."""
    from analysis import policy
    from analysis.data import panel, synthetic
    rows = []
    for world in WORLDS:
        sd = synthetic.generate(seed=seed + rep, scale=scale, start=start, end=end, reforms=world == "effect")
        frame = panel.build(sd.tables)
        target = sd.truth["reforms"]["att_simple_pp"] if world == "effect" else 0.0
        rp = policy.reform_panel(frame, sd.tables["reforms"], freq="month")
        args = dict(outcome="y", unit="group_id", time="period", cohort="cohort")
        add = _adder(rows, rep=rep, world=world)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            head = policy.reform_effect(rp, **args, cluster="district").table.iloc[0]
            add("reform_effect", "randomization inference", head, target)
            add("CS additive", "CR1 t(G-1) by district", head.rename(
                {"conf_low_cr1": "conf_low", "conf_high_cr1": "conf_high", "p_value_cr1": "p_value",
                 "conf_low": "_l", "conf_high": "_h", "p_value": "_p"}), target)
            for kind in ("cluster", "wild"):
                inference = policy.Inference(kind=kind, cluster="district", seed=seed + rep)
                gt = policy.att_gt(rp, **args, inference=inference, trends="multiplicative")
                label = "CR1 t(G-1) by district" if kind == "cluster" else "multiplier bootstrap (R did mboot)"
                add("CS ratio trends", label, policy.aggte(gt, kind="simple").table.iloc[0], target)
            tw = policy.twfe(rp, **args, cluster="district").table.iloc[0]
            add("TWFE", "CR1 t(G-1) by district", tw, target)
            _event_rows(add, frame, sd, world=world)
    return pd.DataFrame(rows)


EVENT_LEADS, EVENT_LAGS = 4, 8  # quarters, as in the policy report's event study


def _event_rows(add, frame, sd, *, world: str) -> None:
    """The policy report's event study (CS, quarterly, universal base, CR1): one row per event
    quarter, all under term "event_time" so the gate pools them; targets from the monthly truth."""
    from analysis import policy

    rpq = policy.reform_panel(frame, sd.tables["reforms"], freq="quarter")
    cluster = policy.Inference(kind="cluster", cluster="district")
    gtq = policy.att_gt(rpq, outcome="y", unit="group_id", time="period", cohort="cohort", inference=cluster,
                        freq="quarter", base_period="universal")
    dyn = policy.aggte(gtq, kind="dynamic", min_e=-EVENT_LEADS, max_e=EVENT_LAGS).table
    monthly = {int(k): v for k, v in sd.truth["reforms"].get("att_by_event_time_pp", {}).items()}
    for row in dyn.loc[dyn["event_time"].notna()].itertuples():
        e = int(row.event_time)
        if e == -1 or not np.isfinite(row.conf_low):
            continue
        months = [monthly[m] for m in range(3 * e, 3 * e + 3) if m in monthly] if e >= 0 else []
        target = float(np.mean(months)) if (world == "effect" and months) else 0.0
        add("CS event study (quarterly)", "CR1 t(G-1) by district",
            {"term": "event_time", "estimate": row.estimate, "conf_low": row.conf_low, "conf_high": row.conf_high,
             "p_value": row.p_value}, target)


def _adder(rows: list, *, rep: int, world: str):
    def add(estimator, inference, row, target):
        rows.append({"rep": rep, "world": world, "estimator": estimator, "inference": inference,
                     "term": str(row["term"]), "estimate": float(row["estimate"]),
                     "conf_low": float(row["conf_low"]), "conf_high": float(row["conf_high"]),
                     "p_value": float(row["p_value"]), "target": float(target)})
    return add


def gate_table(draws: pd.DataFrame) -> pd.DataFrame:
    """Size (null world: interval excludes 0) and coverage (effect world: interval covers the truth)
    per estimator and inference, with Monte Carlo standard errors and whether both are in the bands."""
    keys = ["estimator", "inference", "term", "world"]
    mean = draws.groupby(keys, sort=False)["estimate"].transform("mean")
    draws = draws.assign(target=draws["target"].fillna(mean))  # descriptive estimands: the mean over replicates
    d = draws.assign(covered=(draws["conf_low"] <= draws["target"]) & (draws["target"] <= draws["conf_high"]),
                     width=draws["conf_high"] - draws["conf_low"], error=draws["estimate"] - draws["target"])
    keys = ["estimator", "inference", "term"]
    null = d[d["world"] == "null"].groupby(keys, sort=False).agg(
        reps_null=("rep", "nunique"), size=("covered", lambda c: 1 - c.mean()))
    eff = d[d["world"] == "effect"].groupby(keys, sort=False).agg(
        reps_effect=("rep", "nunique"), target=("target", "mean"), bias=("error", "mean"),
        rmse=("error", lambda e: float(np.sqrt(np.mean(e**2)))), coverage=("covered", "mean"),
        ci_width=("width", "mean"))
    out = null.join(eff, how="outer").reset_index()
    out["size_se"] = np.sqrt(out["size"] * (1 - out["size"]) / out["reps_null"])
    out["coverage_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["reps_effect"])
    out["passes"] = (out["size"].between(*SIZE_BAND) & out["coverage"].between(*COVERAGE_BAND))
    return out


# ---------------------------------------------------------------------------------------------
# running on Dask
# ---------------------------------------------------------------------------------------------

REPLICATES = {"models": replicate, "directive": replicate_directive, "reform": replicate_reform,
              "national": national.replicate_national}


def run_study(*, reps: int, design: str = "models", scheduler: str | None = None, workers: int = 2,
              seed: int = DEFAULT_SEED, progress: bool = True,
              **kwargs) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Run ``reps`` replicates of ``design`` on Dask (a LocalCluster, or the scheduler at ``scheduler``).

    Returns (draws, summary, errors): the summary is ``gate_table``; a failing replicate is reported in
    ``errors`` and skipped.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, got {design!r}")
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(REPLICATES[design], range(reps), seed=seed, pure=False, **kwargs)
        frames, errors = [], []
        for done, fut in enumerate(as_completed(futures), start=1):
            if fut.status == "error":
                errors.append(f"replicate failed: {fut.exception()!r}")
            else:
                frames.append(fut.result())
            if progress and (done % 10 == 0 or done == reps):
                print(f"  {done}/{reps} replicates", flush=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if not frames:
        raise RuntimeError("every replicate failed: " + "; ".join(errors[:3]))
    draws = pd.concat(frames, ignore_index=True).sort_values(["rep", "estimator", "inference", "term"],
                                                             ignore_index=True)
    summary = gate_table(draws)
    return draws, summary, errors


def format_table(summary: pd.DataFrame) -> str:
    show = summary.copy()
    for col in ("target", "mean_estimate", "bias", "rmse", "ci_width"):
        if col in show:
            show[col] = show[col].map(lambda v: f"{v:.4f}")
    for col in ("coverage", "size"):
        if col in show:
            se = show.get(f"{col}_se")
            show[col] = [f"{100 * v:.1f}%" + (f" ({100 * s:.1f})" if se is not None else "")
                         for v, s in zip(show[col], se if se is not None else [0] * len(show))]
    show = show.drop(columns=[c for c in ("size_se", "coverage_se") if c in show])
    return show.to_string(index=False)


def gate_record(summary: pd.DataFrame, *, design: str, reps: int, seed: int, settings: dict) -> dict:
    """The gate result the brief reads: every estimator's size, coverage and pass/fail."""
    rows = []
    for r in summary.itertuples():
        rows.append({"estimator": r.estimator, "inference": r.inference, "term": r.term,
                     "size": float(r.size), "size_se": float(r.size_se), "coverage": float(r.coverage),
                     "coverage_se": float(r.coverage_se), "passes": bool(r.passes)})
    return {"design": design, "reps": reps, "seed": seed, "settings": settings, "bands": {
        "size": list(SIZE_BAND), "coverage": list(COVERAGE_BAND)}, "date": date.today().isoformat(),
        "headline": list(HEADLINES[design]), "rows": rows}


def write_gate(record: dict, path: Path = GATE_FILE) -> None:
    """Merge one design's gate record into the gate file (other designs kept)."""
    from analysis.atomic import write_text

    current = json.loads(path.read_text()) if path.exists() else {}
    current[record["design"]] = record
    write_text(path, json.dumps(current, ensure_ascii=False, indent=2) + "\n")


def gate_markdown(design: str, *, path: Path = GATE_FILE) -> str:
    """The stored gate of ``design`` as a Markdown table (for docs/policy.md and docs/methods.md)."""
    record = json.loads(path.read_text(encoding="utf-8"))[design]
    lines = [f"`python -m analysis montecarlo --design {design} --reps {record['reps']} --gate-out` "
             f"({record['date']}, seed {record['seed']}, scale {record['settings']['scale']}, "
             f"{record['settings']['start']}..{record['settings']['end']}):", "",
             "| estimator | inference | term | false rejections (null world) | coverage (effect world) | passes |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in record["rows"]:
        lines.append(f"| {r['estimator']} | {r['inference']} | {r['term']} | {100 * r['size']:.1f}% "
                     f"({100 * r['size_se']:.1f}) | {100 * r['coverage']:.1f}% ({100 * r['coverage_se']:.1f}) | "
                     f"{'**yes**' if r['passes'] else 'no'} |")
    return "\n".join(lines)


def gate(design: str, estimator: str | None = None, *, term: str | None = None, inference: str | None = None,
         path: Path = GATE_FILE) -> dict | None:
    """The stored gate row of ``design``'s headline (or of ``estimator``/``term``/``inference``), or None
    if never measured."""
    if not path.exists():
        return None
    record = json.loads(path.read_text(encoding="utf-8")).get(design)
    if not record:
        return None
    name, head_term = HEADLINES[design]
    name, term = estimator or name, term or head_term
    for row in record["rows"]:
        if row["estimator"] == name and row["term"] == term and (inference is None or row["inference"] == inference):
            return {**row, "reps": record["reps"], "date": record["date"], "bands": record["bands"]}
    return None


def gate_record_of(design: str, path: Path = GATE_FILE) -> dict | None:
    """The stored gate record of ``design`` (reps, seed, settings, date, rows), or None if never measured."""
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get(design)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--design", choices=DESIGNS, default="models",
                        help="models (drivers of overdue), directive (Directive 40), reform (staggered reform) "
                             "or national (every interval of the national brief, on whole synthetic countries)")
    parser.add_argument("--reps", type=int, default=200, help="replicates (default 200)")
    parser.add_argument("--scheduler", default=None,
                        help="address of an existing Dask scheduler (default: local cluster)")
    parser.add_argument("--workers", type=int, default=2, help="local Dask workers (default 2)")
    parser.add_argument("--scale", type=float, default=None,
                        help="province scale (share of groups; per-design default)")
    parser.add_argument("--start", default=None, help="first month (per-design default)")
    parser.add_argument("--end", default=None, help="last month (per-design default)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="base seed; replicate r uses seed + r")
    parser.add_argument("--boot-reps", type=int, default=2048,
                        help="models design: wild bootstrap draws (2048 = all 2^11)")
    parser.add_argument("--out", default=None, help="optional CSV path for the summary table (draws beside it)")
    parser.add_argument("--gate-out", action="store_true",
                        help="record the gate in analysis/resources/montecarlo_gate.json (read by the brief)")


def run(args: argparse.Namespace) -> int:
    from analysis.errors import UserError

    settings = {**DEFAULTS[args.design], **{k: v for k, v in (("scale", args.scale), ("start", args.start),
                                                                ("end", args.end)) if v is not None}}
    if args.reps < 1:
        raise UserError("--reps must be at least 1")
    if not 0 < settings["scale"] <= 1:
        raise UserError("--scale must be in (0, 1]")
    extra = {"boot_reps": args.boot_reps} if args.design == "models" else {}
    t0 = time.perf_counter()
    draws, summary, errors = run_study(reps=args.reps, design=args.design, scheduler=args.scheduler,
                                       workers=args.workers, seed=args.seed, **settings, **extra)
    elapsed = time.perf_counter() - t0
    where = ("a synthetic country of 63 provinces" if args.design == "national"
             else "a synthetic province, clusters = districts (G=11)")
    print(f"Monte Carlo ({args.design}): {args.reps} replicates, scale {settings['scale']}, "
          f"{settings['start']}..{settings['end']}, 95% intervals, {where}")
    print(f"gate: size in [{SIZE_BAND[0]:.0%}, {SIZE_BAND[1]:.0%}] (null world), coverage in "
          f"[{COVERAGE_BAND[0]:.0%}, {COVERAGE_BAND[1]:.0%}] (effect world); Monte Carlo standard errors in brackets")
    print(format_table(summary))
    print(f"elapsed {elapsed:.1f} s")
    for e in errors:
        print(e)
    if args.out:
        from analysis.atomic import write_text

        write_text(args.out, summary.to_csv(index=False))
        write_text(str(args.out).removesuffix(".csv") + "_draws.csv", draws.to_csv(index=False))
    if args.gate_out:
        write_gate(gate_record(summary, design=args.design, reps=args.reps, seed=args.seed, settings=settings))
        print(f"gate recorded in {GATE_FILE}")
    return 1 if errors else 0
