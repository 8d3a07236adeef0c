"""The result class every policy estimator returns, and the one inference helper they share.

Inference convention (stated in every result's ``inference`` sentence)
---------------------------------------------------------------------
- ``Inference(kind="analytic")``: influence-function (or regression) standard errors treating units
  as independent, normal critical values (as R ``did`` with ``bstrap = FALSE``).
- ``Inference(kind="cluster", cluster="district")``: influence functions summed within clusters,
  variance times G/(G-1) (CR1), t(G-1) critical values and p-values.
- ``Inference(kind="wild", cluster="district")``: multiplier (wild score) bootstrap at the cluster
  level with Webb's six-point weights (Webb 2023, suited to few clusters), ``n_boot`` draws from
  ``np.random.default_rng(seed)``; standard error = bootstrap interquartile range / 1.349 (as R ``did``'s
  ``mboot``), symmetric percentile interval and p-value from the bootstrap distribution of |estimate|,
  plus a simultaneous sup-t band over all rows of the result (``band_low``, ``band_high``; R ``did``'s
  ``cband``), useful for event studies.

Reforms in this project are assigned by district (11 clusters): use ``cluster`` or ``wild`` inference
with ``cluster="district"``; analytic unit-level errors are too small when outcomes are correlated
within districts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.constants import SEED
from analysis.constants import TIDY_COLUMNS as CONSTANT_TIDY_COLUMNS

TIDY_COLUMNS = list(CONSTANT_TIDY_COLUMNS)
INFERENCE_KINDS = ("analytic", "cluster", "wild")
IQR_TO_SD = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)  # 1.349: IQR of the standard normal
WEBB_WEIGHTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])  # Webb (2023)


class PolicyError(ValueError):
    """Bad use of a policy estimator: no untreated units, dates outside the data, too few periods."""


@dataclass(frozen=True)
class Inference:
    """How standard errors and intervals are computed (see the module docstring).

    Attributes
    ----------
    kind : "analytic", "cluster" or "wild".
    cluster : column naming the cluster (required for "cluster" and "wild").
    n_boot : bootstrap draws for "wild".
    seed : seed of ``np.random.default_rng`` for "wild".
    alpha : 1 - confidence level.
    """

    kind: str = "analytic"
    cluster: str | None = None
    n_boot: int = 999
    seed: int = SEED
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if self.kind not in INFERENCE_KINDS:
            raise PolicyError(f"inference kind {self.kind!r} unknown; choose from {', '.join(INFERENCE_KINDS)}")
        if self.kind != "analytic" and not self.cluster:
            raise PolicyError(f"inference kind {self.kind!r} needs cluster= (e.g. cluster='district')")
        if not 0 < self.alpha < 1:
            raise PolicyError(f"alpha must be in (0, 1), got {self.alpha}")


@dataclass(frozen=True)
class PolicyResult:
    """Estimates with their uncertainty, in the statistical core's tidy columns.

    Attributes
    ----------
    table : one row per estimate: the ``TIDY_COLUMNS`` plus descriptive columns (e.g. ``group``,
        ``time``, ``event_time``, ``kind``) used by plots and diagnostics.
    n_obs : observations (unit-periods) used.
    n_clusters : clusters used for inference (None for unit-level inference).
    vcov_type : "analytic", "cluster", "wild", "HAC" ...
    method : the estimator and its reference.
    inference : one sentence stating the standard-error convention.
    info : further facts (comparison group, base period, warnings, ...).
    """

    table: pd.DataFrame
    n_obs: int
    n_clusters: int | None
    vcov_type: str
    method: str
    inference: str
    info: Mapping[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """One row per term: term, estimate, std_error, statistic, p_value, conf_low, conf_high."""
        out = self.table.loc[:, TIDY_COLUMNS].reset_index(drop=True)
        out.attrs = {"n_obs": self.n_obs, "n_clusters": self.n_clusters, "vcov_type": self.vcov_type,
                     "method": self.method, "inference": self.inference}
        return out

    def estimate(self, term: str) -> float:
        """The estimate of one term, e.g. ``result.estimate("ATT")``."""
        row = self.table.loc[self.table["term"] == term, "estimate"]
        if row.empty:
            raise KeyError(f"term {term!r} not in result; terms: {', '.join(self.table['term'].astype(str))}")
        return float(row.iloc[0])


def infer(estimates: np.ndarray, influence: np.ndarray, *, clusters: np.ndarray | None,
          inference: Inference) -> tuple[pd.DataFrame, str, int | None]:
    """Standard errors, statistics, p-values and intervals from influence functions.

    ``influence`` is n x K, scaled so that Var(estimate_k) ~ sum_i influence[i, k]^2 / n^2 (the
    R ``did`` convention). Returns (columns, inference sentence, number of clusters).
    """
    estimates = np.asarray(estimates, dtype=float)
    n = influence.shape[0]
    alpha = inference.alpha
    if inference.kind == "analytic":
        se = np.sqrt((influence**2).sum(axis=0)) / n
        crit = stats.norm.ppf(1 - alpha / 2)
        stat = _safe_div(estimates, se)
        p = 2 * stats.norm.sf(np.abs(stat))
        cols = _columns(estimates, se, stat, p, estimates - crit * se, estimates + crit * se)
        return cols, "influence-function standard errors, units independent, normal critical values", None
    psi, n_clusters = _cluster_sums(influence, clusters)
    if n_clusters < 2:
        raise PolicyError("clustered inference needs at least two clusters")
    if inference.kind == "cluster":
        se = np.sqrt(n_clusters / (n_clusters - 1) * (psi**2).sum(axis=0)) / n
        df = n_clusters - 1
        crit = stats.t.ppf(1 - alpha / 2, df)
        stat = _safe_div(estimates, se)
        p = 2 * stats.t.sf(np.abs(stat), df)
        sentence = (f"influence functions clustered by {inference.cluster} ({n_clusters} clusters), "
                    f"CR1 factor G/(G-1), t({df}) critical values")
        return _columns(estimates, se, stat, p, estimates - crit * se, estimates + crit * se), sentence, n_clusters
    draws = bootstrap_draws(psi, n=n, inference=inference)
    se = (np.quantile(draws, 0.75, axis=0) - np.quantile(draws, 0.25, axis=0)) / IQR_TO_SD
    half = np.quantile(np.abs(draws), 1 - alpha, axis=0)
    p = (1 + (np.abs(draws) >= np.abs(estimates)).sum(axis=0)) / (draws.shape[0] + 1)
    sentence = (f"wild (multiplier) bootstrap by {inference.cluster} ({n_clusters} clusters), Webb six-point "
                f"weights, {inference.n_boot} draws, seed {inference.seed}; symmetric percentile intervals")
    cols = _columns(estimates, se, _safe_div(estimates, se), p, estimates - half, estimates + half)
    with np.errstate(divide="ignore", invalid="ignore"):
        sup = np.nanmax(np.abs(draws) / np.where(se > 0, se, np.nan), axis=1)
    crit_sup = float(np.quantile(sup, 1 - alpha))  # simultaneous (sup-t) band over all rows
    cols["band_low"], cols["band_high"] = estimates - crit_sup * se, estimates + crit_sup * se
    band = f"; columns band_low/band_high: sup-t simultaneous band (critical value {crit_sup:.2f})"
    return cols, sentence + band, n_clusters


def bootstrap_draws(psi: np.ndarray, *, n: int, inference: Inference) -> np.ndarray:
    """Multiplier-bootstrap draws (n_boot x K) of estimate - truth from cluster sums ``psi`` (G x K)."""
    rng = np.random.default_rng(inference.seed)
    weights = rng.choice(WEBB_WEIGHTS, size=(inference.n_boot, psi.shape[0]))
    return weights @ psi / n


def cluster_sums(influence: np.ndarray, clusters: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Influence functions summed within clusters (G x K) and G."""
    return _cluster_sums(influence, clusters)


def _cluster_sums(influence: np.ndarray, clusters: np.ndarray | None) -> tuple[np.ndarray, int]:
    if clusters is None:
        raise PolicyError("clustered inference needs cluster labels")
    codes, uniques = pd.factorize(pd.Series(clusters), sort=True)
    psi = np.zeros((len(uniques), influence.shape[1]))
    np.add.at(psi, codes, influence)
    return psi, len(uniques)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def _columns(est, se, stat, p, low, high) -> pd.DataFrame:
    return pd.DataFrame({"estimate": est, "std_error": se, "statistic": stat, "p_value": p,
                         "conf_low": low, "conf_high": high})
