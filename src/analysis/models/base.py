"""Shared pieces of every estimator: the result class, input checks and the one inference convention.

Inference convention (the same for every estimator in ``analysis.models``)
-------------------------------------------------------------------------
- ``vcov="iid"``: the model-based covariance (OLS: s^2 (X'X)^-1 with s^2 = RSS/(N-K); quasi-likelihood
  models: the Pearson dispersion times the inverse information, as R's ``quasibinomial``/``quasipoisson``;
  ML models: the inverse information).
- ``vcov="hetero"``: the sandwich (Huber-White) with the HC1 factor N/(N-K).
- ``vcov="cluster"``: the cluster sandwich (CR1, Liang & Zeger 1986) with the factor
  G/(G-1) * (N-1)/(N-K), as Stata's ``regress, vce(cluster)`` and fixest's default.
  With absorbed fixed effects, K counts the slopes plus the levels of fixed effects not nested in the
  clusters (fixest's ``fixef.K = "nested"``, Stata ``xtreg, fe``); ``inference`` states the K used.
- Reference distribution: t(G-1) for clustered inference, t(N-K) otherwise; ML models with model-based
  (``iid``) covariance use t(N-K) too, which differs from the normal by less than 0.1% for N > 1000.

Every result says which convention it used in ``result.inference``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.constants import TIDY_COLUMNS as CONSTANT_TIDY_COLUMNS

VCOV_TYPES = ("iid", "hetero", "cluster")
TIDY_COLUMNS = list(CONSTANT_TIDY_COLUMNS)
CONSTANT_TOL = 1e-12  # a regressor whose variance is below this (relative to its scale) is constant


class ModelError(ValueError):
    """Bad use of an estimator (missing column, wrong outcome range, one cluster ...)."""


@dataclass(frozen=True)
class ModelResult:
    """A fitted model: coefficients, their covariance and how inference was done.

    Attributes
    ----------
    params : Series of estimates indexed by term.
    vcov : DataFrame, covariance of ``params`` (already including small-sample factors).
    n_obs : observations used.
    n_clusters : clusters (None unless ``vcov_type == "cluster"``).
    vcov_type : "iid", "hetero", "cluster" or "model" (mixed models).
    method : the estimator, e.g. "fractional logit (Papke-Wooldridge 1996)".
    df_inference : degrees of freedom of the t reference distribution (None: normal).
    inference : one sentence stating the standard-error convention.
    formula : the formula fitted.
    fit_stats : fit statistics shown by ``compare`` (e.g. r2, quasi_loglik).
    cluster : the cluster column, if any.
    """

    params: pd.Series
    vcov: pd.DataFrame
    n_obs: int
    n_clusters: int | None
    vcov_type: str
    method: str
    df_inference: float | None
    inference: str
    formula: str
    fit_stats: Mapping[str, float] = field(default_factory=dict)
    cluster: str | None = None

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.params.index)

    def critical_value(self, alpha: float = 0.05) -> float:
        if self.df_inference is None:
            return float(stats.norm.ppf(1 - alpha / 2))
        return float(stats.t.ppf(1 - alpha / 2, self.df_inference))

    def tidy(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per term: term, estimate, std_error, statistic, p_value, conf_low, conf_high."""
        return tidy_table(self.params, self.std_errors, df=self.df_inference, alpha=alpha)


def tidy_table(params: pd.Series, std_errors: pd.Series, *, df: float | None, alpha: float = 0.05) -> pd.DataFrame:
    est = params.to_numpy(dtype=float)
    se = std_errors.to_numpy(dtype=float)
    stat = est / se
    dist = stats.norm if df is None else stats.t(df)
    p = 2 * dist.sf(np.abs(stat))
    crit = dist.ppf(1 - alpha / 2)
    return pd.DataFrame(
        {
            "term": list(params.index),
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "p_value": p,
            "conf_low": est - crit * se,
            "conf_high": est + crit * se,
        }
    )


def inference_note(vcov_type: str, *, n_obs: int, n_params: int, n_clusters: int | None, cluster: str | None) -> str:
    if vcov_type == "cluster":
        return (
            f"CR1 cluster-robust by {cluster} (G={n_clusters}), factor G/(G-1)*(N-1)/(N-K) with "
            f"N={n_obs}, K={n_params}; t({n_clusters - 1}) critical values"
        )
    if vcov_type == "hetero":
        return (f"HC1 heteroskedasticity-robust, factor N/(N-K) with N={n_obs}, K={n_params}; "
                f"t({n_obs - n_params}) critical values")
    return f"model-based (iid) covariance; t({n_obs - n_params}) critical values"


# ---------------------------------------------------------------------------------------------
# formula and data checks
# ---------------------------------------------------------------------------------------------

_NOT_NAMES = {"C", "I", "Q", "np", "log", "exp", "center", "scale", "standardize", "poly", "bs", "Treatment",
              "Sum", "Diff", "Poly", "Helmert", "T", "cr", "cc", "te", "lag"}


def formula_columns(formula: str) -> list[str]:
    """Column names a formula refers to (identifiers not followed by '(' and not known functions)."""
    cleaned = re.sub(r"(['\"]).*?\1", " ", formula)  # drop string literals, e.g. Treatment('x')
    out: list[str] = []
    for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_\.]*", cleaned):
        name = match.group(0)
        if cleaned[match.end():].lstrip().startswith("("):  # a function such as np.log or C
            continue
        if name in _NOT_NAMES or name in out:
            continue
        out.append(name)
    return out


def check_columns(data: pd.DataFrame, names: list[str], *, what: str = "formula") -> None:
    missing = [n for n in names if n not in data.columns]
    if missing:
        raise ModelError(
            f"the {what} names column(s) {missing} that are not in the data; "
            f"available: {sorted(map(str, data.columns))}"
        )


def check_formula(data: pd.DataFrame, formula: str, extra: tuple[str | None, ...] = ()) -> None:
    if "~" not in formula:
        raise ModelError(f"formula {formula!r} has no '~' separating outcome and regressors")
    if not isinstance(data, pd.DataFrame):
        raise ModelError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    check_columns(data, formula_columns(formula) + [e for e in extra if e], what="formula or argument")


def outcome_name(formula: str) -> str:
    lhs = formula.split("~", 1)[0].strip()
    return lhs


def check_constant_regressors(X: pd.DataFrame) -> None:
    """Raise when a non-intercept column is constant (it would be collinear with the intercept or FE)."""
    for col in X.columns:
        if col in ("Intercept", "const"):
            continue
        values = X[col].to_numpy(dtype=float)
        scale = max(1.0, float(np.max(np.abs(values)))) if values.size else 1.0
        if values.size == 0 or np.var(values) <= CONSTANT_TOL * scale**2:
            raise ModelError(f"regressor {col!r} is constant in the estimation sample; it cannot be estimated")


def check_rank(X: np.ndarray, names: list[str]) -> None:
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        raise ModelError(f"the regressors {names} are collinear (rank {rank} < {X.shape[1]}); drop one")


def cluster_codes(data: pd.DataFrame, cluster: str | None, vcov: str) -> tuple[np.ndarray | None, int | None]:
    if vcov not in VCOV_TYPES:
        raise ModelError(f"vcov must be one of {VCOV_TYPES}, got {vcov!r}")
    if vcov != "cluster":
        return None, None
    if cluster is None:
        raise ModelError('vcov="cluster" needs cluster=<column name>')
    check_columns(data, [cluster], what="cluster argument")
    if data[cluster].isna().any():
        raise ModelError(f"cluster column {cluster!r} has missing values")
    codes, uniques = pd.factorize(data[cluster])
    if len(uniques) < 2:
        raise ModelError(f"cluster column {cluster!r} has a single cluster; clustered inference needs at least 2")
    return codes, len(uniques)


def sandwich(bread: np.ndarray, scores: np.ndarray, *, vcov: str, codes: np.ndarray | None,
             n_obs: int, n_params: int) -> np.ndarray:
    """Sandwich covariance bread @ meat @ bread with the module's small-sample factors.

    ``scores`` holds one row per observation: the contribution to the estimating equations.
    """
    if vcov == "hetero":
        meat = scores.T @ scores
        factor = n_obs / (n_obs - n_params)
    elif vcov == "cluster":
        n_groups = int(codes.max()) + 1
        summed = np.column_stack([np.bincount(codes, weights=scores[:, j], minlength=n_groups)
                                  for j in range(scores.shape[1])])  # np.add.at, one pass per column
        meat = summed.T @ summed
        factor = n_groups / (n_groups - 1) * (n_obs - 1) / (n_obs - n_params)
    else:  # pragma: no cover - callers handle iid themselves
        raise ModelError(f"no sandwich for vcov={vcov!r}")
    return factor * bread @ meat @ bread


def as_frame(matrix: np.ndarray, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(matrix, index=names, columns=names)


def stat_dict(**values: Any) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v is not None}
