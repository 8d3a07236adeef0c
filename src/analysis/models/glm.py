"""Fractional logit: the Papke-Wooldridge quasi-likelihood estimator for an outcome in [0, 1].

Papke, L. E. and Wooldridge, J. M. (1996). Econometric methods for fractional response variables with
an application to 401(k) plan participation rates. Journal of Applied Econometrics 11(6), 619-632.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from analysis.models.base import (
    ModelError,
    ModelResult,
    as_frame,
    check_constant_regressors,
    check_formula,
    check_rank,
    cluster_codes,
    inference_note,
    outcome_name,
    sandwich,
    stat_dict,
)

COLLAPSE = True  # clustered fits on rows merged by regressors and cluster (``_collapse``); False: row by row
SEPARATION_ETA = 25.0  # |linear predictor| beyond this means fitted shares of 1e-11: (quasi-)separation


@dataclass(frozen=True)
class FractionalLogitResult(ModelResult):
    """A fractional logit fit; see ``ModelResult`` for the common attributes.

    Attributes (extra)
    ------------------
    quasi_loglik : the Bernoulli quasi-log-likelihood sum w [y log p + (1-y) log(1-p)]
        (not statsmodels' ``llf``, which for a fractional outcome is a different number).
    ame_table : average marginal effects (tidy layout), also returned by ``ame()``.
    """

    quasi_loglik: float = float("nan")
    ame_table: pd.DataFrame | None = None

    def ame(self) -> pd.DataFrame:
        """Average marginal effects with delta-method SEs, one row per non-intercept column.

        Continuous regressors: the average derivative beta_k * mean(p(1-p)). Dummy (0/1) regressors and
        each level of a categorical term: the average discrete change mean(Lambda(x'b | level) -
        Lambda(x'b | reference level)), the other columns of the term set to 0 (Stata ``margins,
        dydx()`` for factor variables; statsmodels ``get_margeff(dummy=True)`` for single dummies).
        Column ``effect`` says "derivative" or "discrete change". Interactions are not propagated.
        Means are weighted by the fit's weights."""
        return self.ame_table.copy()


def _categorical(data, contrast=None, levels=None):
    """patsy's ``C()``, except that a pandas categorical with nothing to set is handed to patsy as it is:
    patsy then takes its codes, where it reads a boxed column value by value in Python (seconds on a
    million rows). The design matrix, its column names and its terms are the same."""
    if contrast is None and levels is None and isinstance(getattr(data, "dtype", None), pd.CategoricalDtype):
        return data
    return patsy.builtins.C(data, contrast, levels)


def _prepare(data: pd.DataFrame, formula: str, weights: str | None, cluster: str | None) -> pd.DataFrame:
    check_formula(data, formula, extra=(weights, cluster))
    return data


def fractional_logit(data: pd.DataFrame, formula: str, *, weights: str | None = None,
                     vcov: str = "hetero", cluster: str | None = None) -> FractionalLogitResult:
    """Fractional logit (Bernoulli quasi-ML with a logit mean) of an outcome in [0, 1].

    Papke & Wooldridge (1996): E[y|x] = Lambda(x'b), estimated by maximising the Bernoulli
    quasi-log-likelihood; consistent whenever the mean is right, so inference should be robust
    (``vcov="hetero"`` or ``"cluster"``). ``vcov="iid"`` gives R's ``glm(family=quasibinomial)``
    standard errors (Pearson dispersion). ``weights`` names a column of non-negative weights
    (e.g. outstanding loans, so that the share is a loan-weighted share).

    Example
    -------
    >>> res = fractional_logit(df, "overdue_share ~ group_meetings + check_share",
    ...                        weights="outstanding", vcov="cluster", cluster="district")
    >>> res.tidy(); res.ame(); res.quasi_loglik
    """
    data = _prepare(data, formula, weights, cluster)
    y_name = outcome_name(formula)
    used = [c for c in [weights, cluster] if c]
    frame = data.dropna(subset=[y_name] + used).reset_index(drop=True)
    y = frame[y_name].to_numpy(dtype=float)
    if np.any((y < 0) | (y > 1)):
        bad = int(np.sum((y < 0) | (y > 1)))
        raise ModelError(f"fractional_logit needs the outcome {y_name!r} in [0, 1]; {bad} value(s) are outside")
    w = np.ones(len(frame)) if weights is None else frame[weights].to_numpy(dtype=float)
    if np.any(w < 0):
        raise ModelError(f"weights {weights!r} must be non-negative")
    if np.all(y == y[0]):
        raise ModelError(f"the outcome {y_name!r} is constant ({y[0]}); nothing to estimate")
    n_rows = len(frame)
    collapsed = _collapse(frame, formula, y_name, w, cluster) if vcov == "cluster" and COLLAPSE else None
    if collapsed is not None:  # one row per distinct (regressors, cluster), its weights summed
        frame, w = collapsed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = smf.glm(formula, data=frame, family=sm.families.Binomial(), var_weights=w,
                        eval_env={**globals(), "C": _categorical})
    X_df = pd.DataFrame(model.exog, columns=model.exog_names)
    check_constant_regressors(X_df)
    X = model.exog
    names = list(model.exog_names)
    check_rank(X, names)
    kept = np.asarray(model.data.row_labels) if model.data.row_labels is not None else frame.index
    if collapsed is not None and len(kept) != len(frame):  # pragma: no cover - _collapse needs complete rows
        raise ModelError("internal: the collapsed design lost rows")
    frame = frame.loc[kept]
    y = np.asarray(model.endog, dtype=float)
    if collapsed is None:
        w = np.ones(len(frame)) if weights is None else frame[weights].to_numpy(dtype=float)
        n_rows = len(frame)
        if np.all(y == y[0]):
            raise ModelError(f"the outcome {y_name!r} is constant ({y[0]}); nothing to estimate")
    codes, n_clusters = cluster_codes(frame, cluster, vcov)

    beta, converged = _newton_logit(X, y, w)
    eta = X @ beta
    if not converged or np.max(np.abs(eta)) > SEPARATION_ETA:
        raise ModelError(
            "perfect separation: some regressors predict the outcome exactly (fitted shares of 0 or 1); "
            "the coefficients are not identified. Drop or merge the offending categories."
        )
    p = 1 / (1 + np.exp(-eta))
    n, k = n_rows, X.shape[1]
    info = X.T @ (X * (w * p * (1 - p))[:, None])
    bread = np.linalg.inv(info)
    if vcov == "iid":
        dispersion = np.sum(w * (y - p) ** 2 / (p * (1 - p))) / (n - k)
        V = dispersion * bread
    else:
        scores = X * (w * (y - p))[:, None]
        V = sandwich(bread, scores, vcov=vcov, codes=codes, n_obs=n, n_params=k)
    df_inf = (n_clusters - 1) if vcov == "cluster" else (n - k)
    with np.errstate(divide="ignore", invalid="ignore"):
        qll = float(np.sum(w * (np.where(y > 0, y * np.log(p), 0.0) + np.where(y < 1, (1 - y) * np.log1p(-p), 0.0))))
    ame = _ame_table(X, beta, V, names, w, df_inf, blocks=_categorical_blocks(model))
    return FractionalLogitResult(
        params=pd.Series(beta, index=names),
        vcov=as_frame(V, names),
        n_obs=n,
        n_clusters=n_clusters,
        vcov_type=vcov,
        method="fractional logit, Bernoulli quasi-ML (Papke & Wooldridge 1996)",
        df_inference=float(df_inf),
        inference=inference_note(vcov, n_obs=n, n_params=k, n_clusters=n_clusters, cluster=cluster),
        formula=formula,
        fit_stats=stat_dict(quasi_loglik=qll, n_obs=n),
        cluster=cluster,
        quasi_loglik=qll,
        ame_table=ame,
    )


_SIMPLE_FACTOR = re.compile(r"^\s*(?:C\(\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)?\s*$")


def _collapse(frame: pd.DataFrame, formula: str, y_name: str, w: np.ndarray,
              cluster: str | None) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The rows of ``frame`` merged by their regressors and cluster: one row per distinct combination,
    its weight the sum of the rows' weights and its outcome their weighted mean. The Bernoulli
    quasi-likelihood, its score summed by cluster, the information, the quasi-log-likelihood and the
    weighted average marginal effects are sums over rows that share x and p, so on the merged rows they
    are the same sums (to rounding; tests/test_fast_paths.py): a group-month panel has a few hundred
    thousand distinct (meetings, checks share, association, year, district) rows in a million, so the
    design and the Newton steps cost a third. Returns None (fit the rows as they are) unless every
    factor of the formula's right-hand side is a column or ``C(column)`` and those columns and the
    cluster are complete."""
    try:
        desc = patsy.ModelDesc.from_formula(formula)
    except patsy.PatsyError:
        return None
    columns = []
    for term in desc.rhs_termlist:
        for factor in term.factors:
            found = _SIMPLE_FACTOR.match(factor.name())
            if found is None or ("(" in factor.name()) != factor.name().strip().startswith("C("):
                return None
            columns.append(found.group(1))
    columns = list(dict.fromkeys([*columns, *([cluster] if cluster else [])]))
    if any(c not in frame.columns for c in columns) or y_name in columns or frame[columns].isna().any().any():
        return None
    key = frame.groupby(columns, sort=False, observed=True, dropna=False).ngroup().to_numpy()
    _, first = np.unique(key, return_index=True)
    y = frame[y_name].to_numpy(dtype=float)
    total = np.bincount(key, weights=w)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_y = np.where(total > 0, np.bincount(key, weights=w * y) / total,
                          np.bincount(key, weights=y) / np.bincount(key))
    merged = frame.iloc[first][columns].reset_index(drop=True)
    merged[y_name] = np.clip(mean_y, 0.0, 1.0)
    return merged, total


def _newton_logit(X: np.ndarray, y: np.ndarray, w: np.ndarray, *, maxiter: int = 200,
                  tol: float = 1e-12) -> tuple[np.ndarray, bool]:
    """The Bernoulli quasi-ML estimate with a logit link by Newton's method (the same iterations as
    IRLS, solved by the normal equations: X'WX costs one pass over the data, where statsmodels' IRLS
    solves a least-squares problem on the weighted design each step, 5x slower on a million rows).
    Starts from the GLM default (mu = (y + 1/2) / 2); converged when the relative change of the
    deviance is below ``tol`` (statsmodels' and R's criterion). Returns (beta, converged)."""
    mu = (y + 0.5) / 2
    eta = np.log(mu / (1 - mu))
    v = w * mu * (1 - mu)
    z = eta + (y - mu) / (mu * (1 - mu))  # the first step regresses the working response on X
    beta = np.linalg.solve(X.T @ (X * v[:, None]), X.T @ (v * z))
    dev_old = np.inf
    for _ in range(maxiter):
        eta = X @ beta
        p = 1 / (1 + np.exp(-eta))
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = -2 * float(np.sum(w * (np.where(y > 0, y * np.log(p), 0.0)
                                         + np.where(y < 1, (1 - y) * np.log1p(-p), 0.0))))
        if np.isfinite(dev_old) and abs(dev - dev_old) <= tol * (abs(dev) + tol):
            return beta, True
        dev_old = dev
        v = w * p * (1 - p)
        if not np.all(np.isfinite(v)) or np.max(np.abs(eta)) > 2 * SEPARATION_ETA:
            return beta, False
        try:
            step = np.linalg.solve(X.T @ (X * v[:, None]), X.T @ (w * (y - p)))
        except np.linalg.LinAlgError:
            return beta, False
        beta = beta + step
    return beta, False


def _categorical_blocks(model) -> list[list[int]]:
    """Column indices of each categorical main-effect term (patsy design info); [] if unknown."""
    spec = getattr(model.data, "model_spec", None)
    slices, infos = getattr(spec, "term_slices", None), getattr(spec, "factor_infos", None)
    if slices is None or infos is None:
        return []
    return [list(range(sl.start, sl.stop)) for term, sl in slices.items()
            if len(term.factors) == 1 and infos[term.factors[0]].type == "categorical"]


def _dummy_columns(X: np.ndarray, rows: list[int], blocks: list[list[int]]) -> dict[int, list[int]]:
    """For each 0/1 column among ``rows``: the columns set to 0 with it (its categorical term, or itself)."""
    is_01 = [bool(np.all((X[:, j] == 0) | (X[:, j] == 1))) for j in range(X.shape[1])]
    out = {}
    for j in rows:
        if is_01[j]:
            block = next((b for b in blocks if j in b and all(is_01[c] for c in b)), [j])
            out[j] = block
    return out


def _discrete_change(X, beta, wn, j, block, eta=None, cache: dict | None = None) -> tuple[float, np.ndarray]:
    """mean_w Lambda(x'b | x_j = 1, rest of block 0) - mean_w Lambda(x'b | block at its reference)
    and its gradient in beta. The reference is all-zero, or the block's first column when every row
    has one level coded (full-rank coding, no intercept). Computed from x'b without copying X.
    ``cache`` keeps what every column of a block shares (x'b without the block, the reference)."""
    key = tuple(block)
    if cache is not None and key in cache:
        base, ref, p0, v0, g0 = cache[key]
    else:
        eta = X @ beta if eta is None else eta
        base = eta - X[:, block] @ beta[block]
        ref = len(block) > 1 and np.all(X[:, block].sum(axis=1) == 1)
        eta0 = base + (beta[block[0]] if ref else 0.0)
        p0 = 1 / (1 + np.exp(-eta0))
        v0 = wn * p0 * (1 - p0)
        g0 = v0 @ X
        g0[block] = 0.0
        if ref:
            g0[block[0]] = v0.sum()
        if cache is not None:
            cache[key] = (base, ref, p0, v0, g0)
    eta1 = base + beta[j]
    p1 = 1 / (1 + np.exp(-eta1))
    v1 = wn * p1 * (1 - p1)
    g1 = v1 @ X
    g1[block] = 0.0
    g1[j] = v1.sum()
    return float(wn @ (p1 - p0)), g1 - g0


def _ame_table(X: np.ndarray, beta: np.ndarray, V: np.ndarray, names: list[str], w: np.ndarray,
               df: float, blocks: list[list[int]] = ()) -> pd.DataFrame:
    """AMEs (derivatives for continuous columns, discrete changes for 0/1 and categorical ones) and
    the Jacobian d AME / d beta for the delta method."""
    eta = X @ beta
    p = 1 / (1 + np.exp(-eta))
    dens = p * (1 - p)
    wn = w / w.sum()
    mean_dens = float(wn @ dens)
    grad_dens = (wn * dens * (1 - 2 * p)) @ X  # d mean(p(1-p)) / d beta
    rows = [j for j, nm in enumerate(names) if nm not in ("Intercept", "const")]
    dummies = _dummy_columns(X, rows, list(blocks))
    J = np.zeros((len(rows), len(beta)))
    est = np.zeros(len(rows))
    shared: dict = {}
    for r, j in enumerate(rows):
        if j in dummies:
            est[r], J[r] = _discrete_change(X, beta, wn, j, dummies[j], eta, cache=shared)
            continue
        est[r] = beta[j] * mean_dens
        J[r] = beta[j] * grad_dens
        J[r, j] += mean_dens
    se = np.sqrt(np.diag(J @ V @ J.T))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    crit = stats.t.ppf(0.975, df)
    return pd.DataFrame({
        "term": [names[j] for j in rows], "estimate": est, "std_error": se, "statistic": t,
        "p_value": 2 * stats.t.sf(np.abs(t), df), "conf_low": est - crit * se, "conf_high": est + crit * se,
        "effect": ["discrete change" if j in dummies else "derivative" for j in rows],
    })
