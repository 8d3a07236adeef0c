"""Ordered logit of the group rating (weak < average < fair < good) or any other ordered outcome.

McCullagh (1980), Regression models for ordinal data, JRSS B 42(2); fitted by ML with statsmodels'
``OrderedModel``; cut-points reported on their natural scale with delta-method standard errors.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from formulaic import model_matrix
from statsmodels.miscmodels.ordinal_model import OrderedModel

from analysis.data.contract import RATINGS
from analysis.models.base import (
    ModelError,
    ModelResult,
    as_frame,
    check_formula,
    cluster_codes,
    inference_note,
    outcome_name,
    sandwich,
    stat_dict,
)

RATING_ORDER = tuple(reversed(RATINGS))  # worst to best: weak < average < fair < good
SEPARATION_COEF = 30.0  # |coefficient| beyond this on the logit scale signals (quasi-)separation


class _WeightedOrderedModel(OrderedModel):
    """OrderedModel whose log-likelihood contributions are multiplied by case weights."""

    def __init__(self, endog, exog, *, case_weights=None, **kwargs):
        super().__init__(endog, exog, **kwargs)
        self.case_weights = None if case_weights is None else np.asarray(case_weights, dtype=float)

    def loglikeobs(self, params):
        ll = super().loglikeobs(params)
        return ll if self.case_weights is None else self.case_weights * ll

    def score_obs(self, params):
        """Analytic score of each observation (logit link; statsmodels differentiates numerically).

        With P_i = F(c_u - x'b) - F(c_l - x'b) (u = class, l = class - 1, c_-1 = -inf, c_J-1 = +inf):
        d log P / d b = -x (f_u - f_l) / P and d log P / d c_m = (f_u 1[m=u] - f_l 1[m=l]) / P, mapped to
        the raw threshold parameters t (c_0 = t_0, c_m = c_m-1 + exp(t_m)) by d c_m / d t_r = 1 for
        r = 0 and exp(t_r) for 1 <= r <= m.
        """
        params = np.asarray(params, dtype=float)
        n_th = self.k_levels - 1
        b, t = params[:-n_th], params[-n_th:]
        cuts = np.concatenate((t[:1], np.exp(t[1:]))).cumsum()
        xb = np.asarray(self.exog, dtype=float) @ b
        y = np.asarray(self.endog, dtype=int)
        upper_ok, lower_ok = y < n_th, y > 0
        cu = np.where(upper_ok, cuts[np.minimum(y, n_th - 1)], np.inf)
        cl = np.where(lower_ok, cuts[np.maximum(y - 1, 0)], -np.inf)
        fu_cdf, fl_cdf = _logistic(cu - xb), _logistic(cl - xb)
        fu, fl = fu_cdf * (1 - fu_cdf), fl_cdf * (1 - fl_cdf)
        prob = np.maximum(fu_cdf - fl_cdf, 1e-300)
        g_b = -(fu - fl) / prob
        scale = np.concatenate(([1.0], np.exp(t[1:])))
        r = np.arange(n_th)
        g_u = np.where(upper_ok, fu / prob, 0.0)[:, None] * (np.minimum(y, n_th - 1)[:, None] >= r[None, :])
        g_l = np.where(lower_ok, -fl / prob, 0.0)[:, None] * (np.maximum(y - 1, 0)[:, None] >= r[None, :])
        scores = np.column_stack([np.asarray(self.exog, dtype=float) * g_b[:, None], (g_u + g_l) * scale[None, :]])
        return scores if self.case_weights is None else scores * self.case_weights[:, None]

    def score(self, params):
        """The sum of ``score_obs`` without the N x K matrix of contributions (the optimiser and the
        finite-difference Hessian call it some 200 times a fit): the slopes' part is X'g and a threshold's
        part sums the class terms by class (equal to ``score_obs(params).sum(axis=0)`` to rounding)."""
        params = np.asarray(params, dtype=float)
        n_th = self.k_levels - 1
        b, t = params[:-n_th], params[-n_th:]
        cuts = np.concatenate((t[:1], np.exp(t[1:]))).cumsum()
        exog, y = self._arrays()
        xb = exog @ b
        upper_ok, lower_ok = y < n_th, y > 0
        cu = np.where(upper_ok, cuts[np.minimum(y, n_th - 1)], np.inf)
        cl = np.where(lower_ok, cuts[np.maximum(y - 1, 0)], -np.inf)
        fu_cdf, fl_cdf = _logistic(cu - xb), _logistic(cl - xb)
        fu, fl = fu_cdf * (1 - fu_cdf), fl_cdf * (1 - fl_cdf)
        prob = np.maximum(fu_cdf - fl_cdf, 1e-300)
        w = 1.0 if self.case_weights is None else self.case_weights
        g_b = -(fu - fl) / prob * w
        a_u = np.where(upper_ok, fu / prob, 0.0) * w
        a_l = np.where(lower_ok, -fl / prob, 0.0) * w
        # sum_i a_i 1[class_i >= r] for every threshold r: class totals, summed from the top
        by_u = np.bincount(np.minimum(y, n_th - 1), weights=a_u, minlength=n_th)[::-1].cumsum()[::-1]
        by_l = np.bincount(np.maximum(y - 1, 0), weights=a_l, minlength=n_th)[::-1].cumsum()[::-1]
        scale = np.concatenate(([1.0], np.exp(t[1:])))
        return np.concatenate((exog.T @ g_b, (by_u + by_l) * scale))

    def _arrays(self):
        if getattr(self, "_cached", None) is None:
            self._cached = (np.ascontiguousarray(self.exog, dtype=float), np.asarray(self.endog, dtype=int))
        return self._cached

    def hessian(self, params):
        """Numerical derivative (central differences) of the analytic score."""
        params = np.asarray(params, dtype=float)
        k = len(params)
        out = np.empty((k, k))
        for j in range(k):
            h = 1e-5 * max(1.0, abs(params[j]))
            step = np.zeros(k)
            step[j] = h
            out[:, j] = (self.score(params + step) - self.score(params - step)) / (2 * h)
        return (out + out.T) / 2


def _logistic(z):
    """1 / (1 + exp(-z)), exactly 1 at +inf and 0 at -inf (exp(-inf) = 0, 1 / inf = 0), without
    selecting those cases element by element (a third of the score's time on the largest province)."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


@dataclass(frozen=True)
class OrderedResult(ModelResult):
    """Ordered logit fit: slopes and cut-points (natural scale) in ``params``/``tidy()``.

    Attributes (extra)
    ------------------
    levels : outcome classes from lowest to highest.
    cutpoints : Series of the natural-scale cut-points ("weak|average", ...).
    """

    levels: tuple[str, ...] = ()
    cutpoints: pd.Series | None = None
    _fit: Any = field(default=None, repr=False, compare=False)
    _spec: Any = field(default=None, repr=False, compare=False)

    def predict_proba(self, data: pd.DataFrame) -> pd.DataFrame:
        """Predicted class probabilities, one column per class (lowest to highest), rows as ``data``."""
        exog = _design(self._spec, data)[list(self.params.index[: -len(self.cutpoints)])]
        probs = self._fit.model.predict(np.asarray(self._fit.params), exog=exog.to_numpy(dtype=float))
        return pd.DataFrame(np.asarray(probs), columns=list(self.levels), index=data.index)


def _design(spec: Any, data: pd.DataFrame) -> pd.DataFrame:
    mm = pd.DataFrame(model_matrix(spec, data))
    return mm.drop(columns=[c for c in mm.columns if c == "Intercept"])


def _outcome(values: pd.Series, name: str) -> tuple[pd.Categorical, tuple[str, ...]]:
    """The outcome as an ordered categorical of the classes present, lowest first.

    An ordered pandas Categorical keeps its own order; numbers are ordered by value; strings must be
    the contract's rating classes, ordered weak < average < fair < good (case and spaces ignored).
    """
    if isinstance(values.dtype, pd.CategoricalDtype) and values.dtype.ordered:
        present = [c for c in values.cat.categories if c in set(values.dropna())]
        y = pd.Categorical(values, categories=present, ordered=True)
    elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        present = sorted(values.dropna().unique())
        y = pd.Categorical(values, categories=present, ordered=True)
    else:
        as_str = values.astype("string").str.strip().str.lower()
        bad = sorted(set(as_str.dropna()) - set(RATING_ORDER))
        if bad:
            raise ModelError(f"{name!r} has values outside the four rating classes {list(RATINGS)}: {bad}; "
                             "for another ordered outcome pass an ordered pandas Categorical "
                             "(pd.Categorical(values, categories=[lowest, ..., highest], ordered=True))")
        present = [r for r in RATING_ORDER if r in set(as_str.dropna())]
        y = pd.Categorical(as_str, categories=present, ordered=True)
    if len(present) < 2:
        raise ModelError(f"{name!r} has fewer than two outcome classes in the sample; nothing to model")
    return y, tuple(str(c) for c in present)


def _frequency_weights(values: pd.Series, name: str) -> np.ndarray:
    """Frequency weights (Stata fweight): non-negative whole numbers, row i standing for w_i rows."""
    w = values.to_numpy(dtype=float)
    if np.any(w < 0) or np.any(w != np.round(w)):
        raise ModelError(f"weights {name!r} are frequency weights and must be non-negative whole numbers "
                         "(each row counts w times)")
    return w


def ordered_logit(data: pd.DataFrame, formula: str, *, weights: str | None = None, vcov: str = "iid",
                  cluster: str | None = None) -> OrderedResult:
    """Ordered logit (proportional odds) of a rating: P(y <= j | x) = Lambda(cut_j - x'b).

    The outcome is any ordered outcome: an ordered pandas Categorical (its own order, e.g.
    "unlikely" < "somewhat likely" < "very likely"), numbers (ordered by value), or the contract's
    rating strings (good, fair, average, weak), ordered weak < average < fair < good. A positive
    coefficient means higher classes (better ratings). Classes absent from the sample are dropped. Cut-points are on
    their natural scale (``cut_j``, as Stata's ``ologit`` /cut and R's ``MASS::polr`` zeta) with
    delta-method standard errors. ``vcov="iid"`` is the inverse information; "hetero"/"cluster"
    give sandwich covariances (convention of ``analysis.models.base``). ``weights`` names a column of
    frequency weights (Stata ``fweight``): the fit, ``n_obs`` (= sum of weights), degrees of freedom,
    small-sample factors and ``fit_stats`` (loglik, aic, bic) equal those of the data with row i
    repeated w_i times.

    Example
    -------
    >>> res = ordered_logit(december, "rating ~ group_meetings + check_share + overdue_share")
    >>> res.tidy(); res.predict_proba(december.head())
    """
    check_formula(data, formula, extra=(weights, cluster))
    y_name = outcome_name(formula)
    rhs = formula.split("~", 1)[1]
    frame = data.dropna(subset=[y_name] + [c for c in (weights, cluster) if c]).reset_index(drop=True)
    y, levels = _outcome(frame[y_name], y_name)
    frame = frame.assign(**{y_name: y})
    w = None if weights is None else _frequency_weights(frame[weights], weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mm = model_matrix(rhs, frame)
        spec = mm.model_spec
        design = _design(spec, frame)
        exog = design.to_numpy(dtype=float)
        names = list(design.columns)
        if not names:
            raise ModelError("ordered_logit needs at least one regressor")
        for j, nm in enumerate(names):
            if np.var(exog[:, j]) == 0:
                raise ModelError(f"regressor {nm!r} is constant; it cannot be estimated")
        if len(design) != len(frame):
            raise ModelError("missing values in the regressors; drop them first")
        model = _WeightedOrderedModel(np.asarray(y.codes), pd.DataFrame(exog, columns=names), case_weights=w,
                                      distr="logit")
        fit = model.fit(method="bfgs", maxiter=2000, disp=False, gtol=1e-8)
        fit = model.fit(start_params=fit.params, method="newton", maxiter=100, disp=False)
    raw = np.asarray(fit.params, dtype=float)
    k = len(names)
    if not np.all(np.isfinite(raw)) or np.max(np.abs(raw[:k])) > SEPARATION_COEF:
        raise ModelError("perfect separation: a regressor predicts the rating exactly; coefficients are not identified")
    H = model.hessian(raw)
    try:
        bread = np.linalg.inv(-H)
    except np.linalg.LinAlgError as exc:
        raise ModelError("the information matrix is singular (separation or collinear regressors)") from exc
    if not np.all(np.isfinite(bread)) or np.any(np.diag(bread) <= 0):
        raise ModelError("perfect separation or collinearity: the information matrix is not positive definite")
    codes, n_clusters = cluster_codes(frame, cluster, vcov)
    n = len(frame) if w is None else int(round(w.sum()))  # fweights: N = sum of weights (Stata)
    if vcov == "iid":
        V_raw = bread
    else:
        scores = model.score_obs(raw)
        if w is not None and vcov == "hetero":  # each of the w_i copies contributes its own score
            scores = scores / np.sqrt(np.where(w > 0, w, 1.0))[:, None]
        V_raw = sandwich(bread, scores, vcov=vcov, codes=codes, n_obs=n, n_params=len(raw))
    # natural cut-points: cut_1 = t_1, cut_j = cut_{j-1} + exp(t_j)
    n_cut = len(raw) - k
    J = np.eye(len(raw))
    cuts = np.zeros(n_cut)
    for c in range(n_cut):
        cuts[c] = raw[k] if c == 0 else cuts[c - 1] + np.exp(raw[k + c])
        J[k + c, k:] = 0
        J[k + c, k] = 1.0
        for m in range(1, c + 1):
            J[k + c, k + m] = np.exp(raw[k + m])
    params = np.concatenate([raw[:k], cuts])
    cut_names = [f"{levels[c]}|{levels[c + 1]}" for c in range(n_cut)]
    all_names = names + cut_names
    V = J @ V_raw @ J.T
    df_inf = (n_clusters - 1) if vcov == "cluster" else (n - len(raw))
    llf = float(model.loglike(raw))
    aic, bic = -2 * llf + 2 * len(raw), -2 * llf + np.log(n) * len(raw)  # Stata estat ic, N = sum of fweights
    return OrderedResult(
        params=pd.Series(params, index=all_names),
        vcov=as_frame(V, all_names),
        n_obs=n,
        n_clusters=n_clusters,
        vcov_type=vcov,
        method="ordered logit, ML (McCullagh 1980)",
        df_inference=float(df_inf),
        inference=inference_note(vcov, n_obs=n, n_params=len(raw), n_clusters=n_clusters, cluster=cluster),
        formula=formula,
        fit_stats=stat_dict(n_obs=n, loglik=llf, aic=aic, bic=bic),
        cluster=cluster,
        levels=levels,
        cutpoints=pd.Series(cuts, index=cut_names),
        _fit=fit,
        _spec=spec,
    )
