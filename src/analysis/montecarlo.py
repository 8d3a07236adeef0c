"""Monte Carlo study of the overdue-risk estimators on small synthetic provinces (Dask in parallel).

Each replicate draws a province with ``synth.generate(seed=base+rep, scale, start, end)``, fits
pooled and group+month fixed-effects models (Poisson pseudo-ML and linear), and records the estimate
and 95% interval for the meeting and check-share effects under CR1-t(G-1) district clustering and, for
the linear FE model, the wild cluster restricted bootstrap (all 2^11 sign patterns). Targets come from
each replicate's ``truth``: the log-scale betas for Poisson, the linear-FE pseudo-true values for OLS.

    python -m analysis montecarlo --reps 200 [--scheduler ADDRESS] [--workers 2] [--scale 0.05]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

FE = "group_id + month"
POOLED = "month"
TERMS = ("group_meetings", "check_share")
TRUTH_KEYS = {"group_meetings": "beta_meetings", "check_share": "beta_check_share"}
DEFAULT_SEED = 20211231
RECOMMENDED = ("Poisson FE", "CR1 t(G-1)")  # the estimator and inference docs/methods.md recommends


def replicate(rep: int, *, seed: int = DEFAULT_SEED, scale: float = 0.05, start: str = "2016-01",
              end: str = "2018-12", boot_reps: int = 2048) -> pd.DataFrame:
    """One replicate: rows of (rep, estimator, inference, term, estimate, conf_low, conf_high, target)."""
    from analysis import models, panel, synth

    sd = synth.generate(seed=seed + rep, scale=scale, start=start, end=end)
    df = panel.build(sd.tables)
    truth = sd.truth["overdue_model"]
    rows = []

    def add(estimator, inference, term, est, lo, hi, target):
        rows.append({"rep": rep, "estimator": estimator, "inference": inference, "term": term,
                     "estimate": est, "conf_low": lo, "conf_high": hi, "target": target})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rhs = " + ".join(TERMS)
        for label, fe in (("Poisson pooled", POOLED), ("Poisson FE", FE)):
            res = models.panel_poisson(df, f"overdue_share ~ {rhs} | {fe}", vcov="cluster", cluster="district")
            tidy = res.tidy().set_index("term")
            for term in TERMS:
                r = tidy.loc[term]
                add(label, "CR1 t(G-1)", term, r["estimate"], r["conf_low"], r["conf_high"], truth[TRUTH_KEYS[term]])
        for label, fe in (("OLS pooled", POOLED), ("OLS FE", FE)):
            res = models.panel_ols(df, f"overdue_share ~ {rhs} | {fe}", vcov="cluster", cluster="district")
            tidy = res.tidy().set_index("term")
            for term in TERMS:
                target = truth["linear_fe_pseudo_true_pp"][term] / 100
                r = tidy.loc[term]
                add(label, "CR1 t(G-1)", term, r["estimate"], r["conf_low"], r["conf_high"], target)
                if label == "OLS FE":
                    b = models.wild_cluster_bootstrap(res, term, reps=boot_reps, seed=seed + rep)
                    add(label, "wild bootstrap (WCR)", term, b.estimate, b.conf_low, b.conf_high, target)
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


def run_study(*, reps: int, scheduler: str | None = None, workers: int = 2, seed: int = DEFAULT_SEED,
              scale: float = 0.05, start: str = "2016-01", end: str = "2018-12", boot_reps: int = 2048,
              progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Run ``reps`` replicates on Dask (a LocalCluster, or the scheduler at ``scheduler``).

    Returns (draws, summary, errors); a failing replicate is reported in ``errors`` and skipped.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(replicate, range(reps), seed=seed, scale=scale, start=start, end=end,
                             boot_reps=boot_reps, pure=False)
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
    draws = pd.concat(frames, ignore_index=True).sort_values(["rep", "estimator", "inference", "term"])
    return draws, summarise(draws), errors


def format_table(summary: pd.DataFrame) -> str:
    show = summary.copy()
    for col in ("target", "mean_estimate", "bias", "rmse", "ci_width"):
        show[col] = show[col].map(lambda v: f"{v:.4f}")
    show["coverage"] = show["coverage"].map(lambda v: f"{100 * v:.1f}%")
    return show.to_string(index=False)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reps", type=int, default=200, help="replicates (default 200)")
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler (default: local cluster)")
    parser.add_argument("--workers", type=int, default=2, help="local Dask workers (default 2)")
    parser.add_argument("--scale", type=float, default=0.05, help="province scale (share of groups, default 0.05)")
    parser.add_argument("--start", default="2016-01", help="first month (default 2016-01)")
    parser.add_argument("--end", default="2018-12", help="last month (default 2018-12)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="base seed; replicate r uses seed + r")
    parser.add_argument("--boot-reps", type=int, default=2048, help="wild bootstrap draws (2048 = all 2^11 patterns)")
    parser.add_argument("--out", default=None, help="optional CSV path for the summary table (draws beside it)")


def run(args: argparse.Namespace) -> int:
    from analysis.cli import UserError

    if args.reps < 1:
        raise UserError("--reps must be at least 1")
    if not 0 < args.scale <= 1:
        raise UserError("--scale must be in (0, 1]")
    t0 = time.perf_counter()
    draws, summary, errors = run_study(reps=args.reps, scheduler=args.scheduler, workers=args.workers,
                                       seed=args.seed, scale=args.scale, start=args.start, end=args.end,
                                       boot_reps=args.boot_reps)
    elapsed = time.perf_counter() - t0
    print(f"Monte Carlo: {summary['reps'].max()} replicates, scale {args.scale}, {args.start}..{args.end}, "
          f"95% intervals, clusters = districts (G=11)")
    print(format_table(summary))
    print(f"elapsed {elapsed:.1f} s")
    for e in errors:
        print(e)
    if args.out:
        from analysis.atomic import write_text

        write_text(args.out, summary.to_csv(index=False))
        write_text(str(args.out).removesuffix(".csv") + "_draws.csv", draws.to_csv(index=False))
    return 1 if errors else 0
