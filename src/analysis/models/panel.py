"""Panel models with absorbed fixed effects (pyfixest underneath): linear FE and Poisson pseudo-ML.

Formulas use fixest's syntax: ``"overdue_share ~ group_meetings + check_share | group_id + month"``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyfixest as pf

from analysis.data.fitcheck import UnfittableData, check_fixed_effects
from analysis.models import fixest_rows
from analysis.models.base import (
    ModelError,
    ModelResult,
    as_frame,
    check_constant_regressors,
    check_formula,
    cluster_codes,
    formula_columns,
    inference_note,
    outcome_name,
    stat_dict,
)


@dataclass(frozen=True)
class PanelResult(ModelResult):
    """A linear or Poisson panel fit; see ``ModelResult``.

    Attributes (extra)
    ------------------
    fixed_effects : the absorbed fixed effects (e.g. ("group_id", "month")).
    design : for linear models, the partialled-out (FWL) design used by ``wild_cluster_bootstrap``:
        dict with ``X`` (N x K, fixed effects swept out, times sqrt(weights)), ``y``, ``codes``
        (cluster codes of each row, when clustered) and ``names``.
    """

    fixed_effects: tuple[str, ...] = ()
    design: dict | None = None


fixest_rows.install()  # pyfixest's model matrix without a Python set of every row (same matrices)


def _split_formula(formula: str) -> tuple[str, tuple[str, ...]]:
    parts = formula.split("|")
    if len(parts) > 2:
        raise ModelError(f"formula {formula!r}: only one '|' (fixed effects) part is supported")
    fe = tuple(f.strip() for f in parts[1].split("+")) if len(parts) == 2 else ()
    return parts[0], fe


def _pf_vcov(vcov: str, cluster: str | None):
    return {"CRV1": cluster} if vcov == "cluster" else vcov


def _fit(estimator, data: pd.DataFrame, formula: str, *, weights: str | None, vcov: str,
         cluster: str | None, method: str, linear: bool) -> PanelResult:
    check_formula(data, formula.replace("|", "+"), extra=(weights, cluster))
    rhs, fe = _split_formula(formula)
    cluster_codes(data, cluster, vcov)  # validates vcov, cluster column and G >= 2
    y_name = outcome_name(formula)
    used = [c for c in [weights, cluster] if c]
    named = set(formula_columns(formula.replace("|", "+"))) | set(used)
    # only the columns the fit uses: pyfixest copies its data frame several times, text columns included
    frame = data[[c for c in data.columns if c in named]].dropna(subset=[y_name] + used).reset_index(drop=True)
    try:  # pyfixest's Rust demeaning aborts the process when nothing is left after absorbing the effects
        check_fixed_effects(frame, fe)
    except UnfittableData as exc:
        raise ModelError(f"{method}: {exc}") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kwargs = {"weights": weights} if weights else {}
        try:
            fit = estimator(formula, data=frame, vcov=_pf_vcov(vcov, cluster), **kwargs)
        except Exception as exc:  # pyfixest raises its own types for separation etc.
            raise ModelError(f"{method}: {exc}") from exc
    collin = list(getattr(fit, "_collin_vars", []) or [])
    if collin:
        raise ModelError(
            f"regressor(s) {collin} are constant or collinear with the fixed effects {list(fe)}; "
            "they cannot be estimated"
        )
    untransformed = getattr(fit, "_X_untransformed", None)
    X_raw = pd.DataFrame(np.asarray(untransformed) if untransformed is not None else fit._X,
                         columns=list(fit._coefnames))
    if not fe:
        check_constant_regressors(X_raw)
    names = list(fit._coefnames)
    n = int(fit._N)
    used_data = fit._data
    codes, n_clusters = cluster_codes(used_data, cluster, vcov)
    V = np.asarray(fit._vcov, dtype=float)
    if not np.all(np.isfinite(V)) or np.any(np.diag(V) <= 0):
        raise ModelError(f"{method}: the covariance is not finite; check for separation or collinearity")
    k_note = int(fit._k)
    if fe:
        k_fe = np.asarray(getattr(fit, "_k_fe", []), dtype=float)
        k_all = k_note + int(k_fe.sum()) - (len(k_fe) - 1)
    else:
        k_all = k_note
    df_inf = (n_clusters - 1) if vcov == "cluster" else float(n - k_all)
    if vcov != "cluster":
        k_note = k_all
    else:  # the K pyfixest used in G/(G-1)(N-1)/(N-K): fixest counts FE not nested in the clusters
        ssc = float(np.ravel(fit._ssc)[0])
        k_note = int(round(n - (n - 1) * n_clusters / (n_clusters - 1) / ssc))
    design = None
    if linear:
        design = _fwl_design(fit, codes, names)
    stats_ = {"n_obs": n}
    r2 = getattr(fit, "_r2", None)
    r2w = getattr(fit, "_r2_within", None)
    if linear and r2 is not None:
        stats_["r2"] = r2
    if linear and r2w is not None and fe:
        stats_["r2_within"] = r2w
    if not linear:
        dev = getattr(fit, "deviance", None)
        if dev is not None:
            stats_["deviance"] = float(np.ravel(dev)[0])
    return PanelResult(
        params=pd.Series(np.asarray(fit._beta_hat, dtype=float), index=names),
        vcov=as_frame(V, names),
        n_obs=n,
        n_clusters=n_clusters,
        vcov_type=vcov,
        method=method,
        df_inference=float(df_inf),
        inference=inference_note(vcov, n_obs=n, n_params=k_note, n_clusters=n_clusters, cluster=cluster)
        + ("; K excludes fixed effects nested in the clusters" if fe and vcov == "cluster" else "")
        + ("; K includes the absorbed fixed effects" if fe and vcov != "cluster" else ""),
        formula=formula,
        fit_stats=stat_dict(**stats_),
        cluster=cluster,
        fixed_effects=fe,
        design=design,
    )


def _fwl_design(fit, codes: np.ndarray | None, names: list[str]) -> dict:
    """The fixed-effects-swept (and sqrt-weighted) design whose OLS coefficients equal the fit's.

    Also keeps the fixed-effect codes and weights so that the bootstrap can sweep the fixed effects
    out of resampled residuals when they are not nested in the clusters.
    """
    X = np.asarray(fit._X, dtype=float)
    y = np.asarray(fit._Y, dtype=float).ravel()
    w = np.asarray(fit._weights, dtype=float).ravel() if fit._has_weights else None
    beta = np.asarray(fit._beta_hat, dtype=float)
    if w is not None and not np.allclose(np.linalg.lstsq(X, y, rcond=None)[0], beta, rtol=1e-6, atol=1e-10):
        X, y = X * np.sqrt(w)[:, None], y * np.sqrt(w)
    fe = None
    if fit._has_fixef and codes is not None:
        fe_frame = fit._fe if isinstance(fit._fe, pd.DataFrame) else pd.DataFrame(np.asarray(fit._fe))
        fe = np.column_stack([pd.factorize(fe_frame[c])[0] for c in fe_frame.columns]).astype(np.uint64)
        nested = all(pd.Series(codes).groupby(fe[:, i]).nunique().max() == 1 for i in range(fe.shape[1]))
        if nested:
            fe = None
    return {"X": X, "y": y, "codes": codes, "names": names, "fe": fe, "weights": w}


def panel_ols(data: pd.DataFrame, formula: str, *, weights: str | None = None, vcov: str = "cluster",
              cluster: str | None = None) -> PanelResult:
    """Linear regression with absorbed fixed effects (within estimator; pyfixest ``feols``).

    Fixed effects go after a bar. Clustered standard errors are CR1 with t(G-1) (see
    ``analysis.models.base``); for few clusters add ``wild_cluster_bootstrap``.
    References: Correia (2016) / Bergé (2018) for the absorbed-FE algorithm; Cameron & Miller (2015)
    for cluster-robust inference.

    Example
    -------
    >>> res = panel_ols(df, "overdue_share ~ group_meetings + check_share | group_id + month",
    ...                 vcov="cluster", cluster="district")
    >>> res.tidy()
    """
    return _fit(pf.feols, data, formula, weights=weights, vcov=vcov, cluster=cluster,
                method="linear fixed effects (OLS within, pyfixest feols)", linear=True)


def panel_poisson(data: pd.DataFrame, formula: str, *, weights: str | None = None, vcov: str = "cluster",
                  cluster: str | None = None) -> PanelResult:
    """Poisson pseudo-ML with absorbed fixed effects for a non-negative outcome (pyfixest ``fepois``).

    Consistent for E[y|x, FE] = exp(x'b + FE) whatever the distribution of y, so it suits a share
    with many zeros (Santos Silva & Tenreyro 2006; Wooldridge 1999, J. Econometrics 90, 77-97).
    Coefficients are semi-elasticities: 100*b is the % change in the expected share per unit of x.

    Example
    -------
    >>> res = panel_poisson(df, "overdue_share ~ group_meetings + check_share | group_id + month",
    ...                     vcov="cluster", cluster="district")
    """
    y_name = outcome_name(formula)
    if y_name in data.columns and (pd.to_numeric(data[y_name], errors="coerce") < 0).any():
        raise ModelError(f"panel_poisson needs a non-negative outcome; {y_name!r} has negative values")
    return _fit(pf.fepois, data, formula, weights=weights, vcov=vcov, cluster=cluster,
                method="Poisson pseudo-ML with fixed effects (pyfixest fepois)", linear=False)
