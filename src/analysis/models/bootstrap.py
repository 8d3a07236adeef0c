"""Wild cluster restricted (WCR) bootstrap for linear models with few clusters.

Cameron, Gelbach & Miller (2008), Bootstrap-based improvements for inference with clustered errors,
REStat 90(3); Webb (2023), Reworking wild bootstrap-based inference for clustered errors, CJE 56(3);
Roodman, MacKinnon, Nielsen & Webb (2019), Fast and wild: bootstrap inference in Stata using
boottest, Stata Journal 19(1) (the closed-form per-cluster algebra and the CI by test inversion).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyfixest.estimation import demean

from analysis.models.base import ModelError, ModelResult
from analysis.models.blocks import _time_effects

WEIGHT_TYPES = ("rademacher", "webb")
WEBB_VALUES = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
TIE_RTOL = 1e-9  # |t*| must exceed |t| by this relative margin to count (strict, as boottest/wildboottest)
CI_TOL = 1e-7  # test-inversion bisection stops when the bracket is this fraction of the std. error
MAX_ENUMERATION_CLUSTERS = 20  # 2^20 patterns: beyond this enumeration is not attempted


@dataclass(frozen=True)
class BootstrapResult:
    """Wild cluster bootstrap test of ``term = null`` and its confidence interval.

    Attributes
    ----------
    term, estimate, statistic (CR1 t statistic of the original fit), p_value, conf_low, conf_high,
    reps (bootstrap draws or patterns used), weights ("rademacher" or "webb"), enumerated (all
    2^G sign patterns used), n_clusters, n_obs, null, method.
    inference : one sentence stating how the p-value and interval were computed (as ModelResult).
    vcov_type : "wild", as ``PolicyResult``'s wild-bootstrap results.
    p_value_bound : 1/reps when no pattern or draw was as extreme as the observed statistic
        (``p_value`` is then 0, but all that is known is p < 1/reps, e.g. 1/2048); None otherwise.
    """

    term: str
    estimate: float
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    reps: int
    weights: str
    enumerated: bool
    n_clusters: int
    n_obs: int
    null: float
    method: str = "wild cluster restricted bootstrap (WCR), symmetric p-value, CI by test inversion"
    inference: str = ""
    vcov_type: str = "wild"
    p_value_bound: float | None = None

    @property
    def p_value_text(self) -> str:
        """The p-value as it may be reported: "< 1/2048" when it is only a bound, else "0.0234"."""
        if self.p_value_bound is not None:
            return f"< 1/{self.reps}"
        return f"{self.p_value:.4g}"

    def tidy(self) -> pd.DataFrame:
        """One row: the tidy columns (std_error is NaN: the bootstrap gives none), plus
        ``p_value_bound`` (NaN unless p_value is only a bound) and ``p_value_text``."""
        return pd.DataFrame([{
            "term": self.term, "estimate": self.estimate, "std_error": np.nan, "statistic": self.statistic,
            "p_value": self.p_value, "conf_low": self.conf_low, "conf_high": self.conf_high,
            "p_value_bound": np.nan if self.p_value_bound is None else self.p_value_bound,
            "p_value_text": self.p_value_text,
        }])

    def __str__(self) -> str:
        return (f"{self.term}: estimate {self.estimate:.4g}, t {self.statistic:.3f}, p {self.p_value_text} "
                f"(H0: {self.term} = {self.null:g}), 95% CI [{self.conf_low:.4g}, {self.conf_high:.4g}]; "
                f"{self.inference}")


def draw_weights(n_clusters: int, *, reps: int, weights: str, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """Bootstrap weights, one row per draw; all 2^G Rademacher patterns when 2^G <= reps."""
    if weights not in WEIGHT_TYPES:
        raise ModelError(f"weights must be one of {WEIGHT_TYPES}, got {weights!r}")
    if weights == "rademacher" and n_clusters <= MAX_ENUMERATION_CLUSTERS and 2**n_clusters <= reps:
        patterns = np.array(list(itertools.product((1.0, -1.0), repeat=n_clusters)))
        return patterns, True
    if weights == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(reps, n_clusters)), False
    return rng.choice(WEBB_VALUES, size=(reps, n_clusters)), False


def _cluster_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros((n_groups,) + values.shape[1:])
    np.add.at(out, codes, values)
    return out


class _WCR:
    """Closed-form WCR statistics as linear functions of the null value b0 (boottest algebra)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, codes: np.ndarray, j: int, V: np.ndarray,
                 fe: np.ndarray | None = None, w: np.ndarray | None = None):
        n, k = X.shape
        G = int(codes.max()) + 1
        A = np.linalg.inv(X.T @ X)
        a = A[j]
        self.beta_j = float(a @ X.T @ y)
        u = y - X @ (A @ X.T @ y)
        self.se = float(np.sqrt(np.sum(_cluster_sums((X @ a) * u, codes, G) ** 2)))  # CR1 without ssc
        others = [c for c in range(k) if c != j]
        Xo = X[:, others]
        def resid(v):
            if not others:
                return v
            return v - Xo @ np.linalg.lstsq(Xo, v, rcond=None)[0]
        e0, f = resid(y), resid(X[:, j])  # u_r(b0) = e0 - b0 f
        T0 = _cluster_sums(X * e0[:, None], codes, G)  # X_g' u_r,g = T0 - b0 T1
        T1 = _cluster_sums(X * f[:, None], codes, G)
        C = np.stack([X[codes == g].T @ X[codes == g] @ a for g in range(G)])  # c_g = X_g'X_g a
        s0, s1 = T0 @ a, T1 @ a
        if fe is None:  # fixed effects (if any) nested in clusters: M_D(u_r * 1_h) = u_r * 1_h
            S0, S1 = np.diag(s0), np.diag(s1)
        else:  # S[g, h] = a' X_g' (M_D (u_r * 1_h))_g: sweep the fixed effects out of each cluster's part
            S0 = self._swept_scores(X @ a, e0, codes, G, fe, w)
            S1 = self._swept_scores(X @ a, f, codes, G, fe, w)
        M0 = S0 - C @ A @ T0.T  # M_gh = S_gh - c_g' A t_h
        M1 = S1 - C @ A @ T1.T
        self.n0, self.n1 = V @ s0, V @ s1
        self.P0, self.P1 = V @ M0.T, V @ M1.T

    @staticmethod
    def _swept_scores(xa: np.ndarray, resid: np.ndarray, codes: np.ndarray, G: int, fe: np.ndarray,
                      w: np.ndarray | None) -> np.ndarray:
        split = _nested_split(fe, codes)
        if split is not None:  # unit and time effects, units nested in the clusters: exact, one pass
            return _two_way_swept_scores(xa, resid, codes, G, fe[:, split[0]], fe[:, split[1]], w)
        return _demeaned_swept_scores(xa, resid, codes, G, fe, w)

    def t_boot(self, b0: float) -> np.ndarray:
        num = self.n0 - b0 * self.n1
        den = np.sqrt(np.sum((self.P0 - b0 * self.P1) ** 2, axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            return num / den

    def p_value(self, b0: float) -> float:
        t_obs = abs((self.beta_j - b0) / self.se)
        t_star = np.abs(self.t_boot(b0))
        return float(np.mean(t_star > t_obs * (1 + TIE_RTOL)))


def _demeaned_swept_scores(xa: np.ndarray, resid: np.ndarray, codes: np.ndarray, G: int, fe: np.ndarray,
                           w: np.ndarray | None) -> np.ndarray:
    """``_WCR._swept_scores`` for any fixed effects: each cluster's residuals (an N x G matrix)
    demeaned by pyfixest to 1e-10."""
    Z = np.zeros((len(resid), G))
    Z[np.arange(len(resid)), codes] = resid
    sw = np.ones(len(resid)) if w is None else np.sqrt(w)
    swept, ok = demean(Z / sw[:, None], fe, np.ones(len(resid)) if w is None else w, tol=1e-10)
    if not ok:
        raise ModelError("could not sweep out the fixed effects for the wild bootstrap (no convergence)")
    return _cluster_sums(xa[:, None] * (swept * sw[:, None]), codes, G)


def _nested_split(fe: np.ndarray, codes: np.ndarray) -> tuple[int, int] | None:
    """(column of the effect nested in the clusters, the other column) for two fixed effects of which
    exactly one is nested (group and month effects, clusters of groups); None otherwise."""
    if fe.ndim != 2 or fe.shape[1] != 2:
        return None
    nested = []
    for i in range(2):
        levels = fe[:, i].astype(np.intp)
        cluster_of = np.empty(int(levels.max()) + 1, dtype=codes.dtype)
        cluster_of[levels] = codes  # any row's cluster; nested when every row agrees with it
        nested.append(bool(np.array_equal(cluster_of[levels], codes)))
    return (0, 1) if nested == [True, False] else (1, 0) if nested == [False, True] else None


def _two_way_swept_scores(xa: np.ndarray, resid: np.ndarray, codes: np.ndarray, G: int, units: np.ndarray,
                          times: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``_WCR._swept_scores`` for unit and time effects with the units nested in the clusters, exactly
    and without the N x G matrix: S[g, h] = sum over cluster g of p_i (M v_h)_i, p = xa sqrt(w), v_h the
    residual (over sqrt(w)) on cluster h's rows, M the weighted two-way within transformation. With M_1
    the within-unit demeaning and T the time dummies (Wansbeek and Kapteyn 1989, as ``models.blocks``),
    M v = M_1 v - M_1 T L, A L = T'W M_1 v, A = T'W M_1 T. Units nested in the clusters make M_1 v_h
    the demeaned residual q on cluster h's rows, so S = diag(sum_g p q) - P L with
    P[g, t] = sum over cluster g of p_i (M_1 T)_it and L (T x G) from B[t, h] = sum_(cluster h, time t) w q.
    The same numbers as demeaning each column of the N x G matrix (to the demeaning's tolerance)."""
    n = len(resid)
    units, times = units.astype(np.intp), times.astype(np.intp)
    n_u, n_t = int(units.max()) + 1, int(times.max()) + 1
    wt = np.ones(n) if w is None else w
    sw = np.ones(n) if w is None else np.sqrt(w)
    v = resid / sw
    w_unit = np.bincount(units, weights=wt, minlength=n_u)
    q = v - (np.bincount(units, weights=wt * v, minlength=n_u) / w_unit)[units]
    U = np.bincount(units * n_t + times, weights=wt, minlength=n_u * n_t).reshape(n_u, n_t)
    A = np.diag(U.sum(axis=0)) - (U / w_unit[:, None]).T @ U
    B = np.bincount(times * G + codes, weights=wt * q, minlength=n_t * G).reshape(n_t, G)
    L = _time_effects(A, B)
    p = xa * sw
    P = np.bincount(codes * n_t + times, weights=p, minlength=G * n_t).reshape(G, n_t)
    unit_cluster = np.empty(n_u, dtype=np.intp)
    unit_cluster[units] = codes
    share = (np.bincount(units, weights=p, minlength=n_u) / w_unit)[:, None] * U  # n_u x T
    for t in range(n_t):
        P[:, t] -= np.bincount(unit_cluster, weights=share[:, t], minlength=G)
    return np.diag(np.bincount(codes, weights=p * q, minlength=G)) - P @ L


def _invert(wcr: _WCR, *, alpha: float, side: int) -> float:
    """Boundary of {b0: p(b0) > alpha} on one side of the estimate, by bracketing and bisection."""
    inside = wcr.beta_j
    step = wcr.se
    if not np.isfinite(step) or step <= 0:  # a perfect fit: nothing to resample, a zero-width interval
        return float(inside)
    outside = inside + side * step
    for _ in range(60):
        if wcr.p_value(outside) <= alpha:
            break
        inside, outside = outside, outside + side * step
        step *= 2
    else:
        return side * np.inf
    for _ in range(200):  # halving 200 times reaches float resolution in any case
        if abs(outside - inside) <= CI_TOL * wcr.se:
            break
        mid = 0.5 * (inside + outside)
        if wcr.p_value(mid) > alpha:
            inside = mid
        else:
            outside = mid
    return 0.5 * (inside + outside)


def wild_cluster_bootstrap(result: ModelResult, term: str, *, reps: int = 9999, weights: str = "rademacher",
                           seed: int | np.random.Generator | None = None, null: float = 0.0,
                           alpha: float = 0.05) -> BootstrapResult:
    """Wild cluster restricted bootstrap p-value and CI for one coefficient of a clustered linear fit.

    The null is imposed (WCR, Cameron-Gelbach-Miller 2008); bootstrap t statistics use the CR1
    variance, the p-value is symmetric (share of |t*| >= |t|), and the interval collects the null
    values not rejected at ``alpha`` (test inversion, as Stata's boottest). With Rademacher weights and
    2^G <= reps every sign pattern is used once (exact and seed-free). The p-value counts
    |t*| > |t| strictly, as boottest and pyfixest's ``wildboottest``. Fixed effects are handled
    exactly: swept out by Frisch-Waugh-Lovell, and also swept out of each cluster's resampled
    residuals when they are not nested in the clusters (same numbers as bootstrapping the model with
    the fixed effects as dummies, which is what pyfixest's ``wildboottest`` does).

    Example
    -------
    >>> res = panel_ols(df, "overdue_share ~ group_meetings | group_id + month", cluster="district")
    >>> wild_cluster_bootstrap(res, "group_meetings", reps=9999, seed=1).tidy()
    """
    design = getattr(result, "design", None)
    if design is None:
        raise ModelError("wild_cluster_bootstrap needs a linear fit from panel_ols")
    if result.vcov_type != "cluster" or design.get("codes") is None:
        raise ModelError('wild_cluster_bootstrap needs a fit with vcov="cluster" (the clusters to resample)')
    names = list(design["names"])
    if term not in names:
        raise ModelError(f"term {term!r} is not in the model; terms are {names}")
    if reps < 1:
        raise ModelError("reps must be positive")
    codes = np.asarray(design["codes"])
    G = int(codes.max()) + 1
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    V, enumerated = draw_weights(G, reps=reps, weights=weights, rng=rng)
    wcr = _WCR(design["X"], design["y"], codes, names.index(term), V, fe=design.get("fe"), w=design.get("weights"))
    p_value = wcr.p_value(null)
    return BootstrapResult(
        term=term,
        estimate=wcr.beta_j,
        statistic=float((result.params[term] - null) / result.std_errors[term]),
        p_value=p_value,
        conf_low=_invert(wcr, alpha=alpha, side=-1),
        conf_high=_invert(wcr, alpha=alpha, side=+1),
        reps=len(V),
        weights=weights,
        enumerated=enumerated,
        n_clusters=G,
        n_obs=result.n_obs,
        null=null,
        inference=_sentence(cluster=result.cluster, n_clusters=G, reps=len(V), weights=weights,
                            enumerated=enumerated, seed=seed),
        p_value_bound=1 / len(V) if p_value == 0 else None,
    )


def _sentence(*, cluster, n_clusters, reps, weights, enumerated, seed) -> str:
    draws = (f"all {reps} sign patterns enumerated (exact, no seed)" if enumerated
             else f"{reps} draws" + (f", seed {seed}" if isinstance(seed, (int, np.integer)) else ""))
    return (f"wild cluster restricted bootstrap by {cluster} ({n_clusters} clusters), {weights} weights, {draws}; "
            "bootstrap t with the CR1 variance, symmetric p-value (share of |t*| > |t|; p < 1/reps when none), "
            "CI by test inversion")
