"""Side-by-side table of several fitted models (like fixest's ``etable`` or R's modelsummary)."""

from __future__ import annotations

import pandas as pd

from analysis.models.base import ModelError

STARS = ((0.01, "***"), (0.05, "**"), (0.10, "*"))  # significance marks, as fixest/Stata


def _stars(p: float) -> str:
    return next((mark for cut, mark in STARS if p < cut), "")


def compare(*results, names: list[str] | None = None, digits: int = 4) -> pd.DataFrame:
    """One column per model: "estimate***" over "(std. error)" rows, then N, clusters, SE type, fit stats.

    Marks: *** p<0.01, ** p<0.05, * p<0.10 (from each model's own convention, stated in its
    ``inference``).

    Example
    -------
    >>> compare(pooled, fe, poisson, names=["pooled OLS", "FE OLS", "FE Poisson"])
    """
    if not results:
        raise ModelError("compare needs at least one result")
    names = list(names) if names is not None else [f"({i + 1})" for i in range(len(results))]
    if len(names) != len(results):
        raise ModelError(f"{len(names)} names for {len(results)} models")
    terms: list[str] = []
    for res in results:
        terms += [t for t in res.params.index if t not in terms]
    rows: dict[str, dict[str, str]] = {}
    for t in terms:
        rows[t] = {}
        rows[f"{t} (s.e.)"] = {}
    stat_names: list[str] = []
    for res in results:
        stat_names += [s for s in res.fit_stats if s not in stat_names and s != "n_obs"]
    for res, name in zip(results, names):
        tidy = res.tidy().set_index("term")
        for t in terms:
            if t in tidy.index:
                row = tidy.loc[t]
                rows[t][name] = f"{row['estimate']:.{digits}f}{_stars(row['p_value'])}"
                rows[f"{t} (s.e.)"][name] = f"({row['std_error']:.{digits}f})"
            else:
                rows[t][name] = ""
                rows[f"{t} (s.e.)"][name] = ""
    footer = {"N": {}, "clusters": {}, "standard errors": {}, "fixed effects": {}}
    for s in stat_names:
        footer[s] = {}
    for res, name in zip(results, names):
        footer["N"][name] = f"{res.n_obs:,}"
        footer["clusters"][name] = "" if res.n_clusters is None else f"{res.n_clusters} ({res.cluster})"
        footer["standard errors"][name] = res.vcov_type
        footer["fixed effects"][name] = ", ".join(getattr(res, "fixed_effects", ()) or ())
        for s in stat_names:
            value = res.fit_stats.get(s)
            footer[s][name] = "" if value is None else f"{value:.{digits}f}"
    table = pd.DataFrame({**rows, **footer}).T
    return table[names]
