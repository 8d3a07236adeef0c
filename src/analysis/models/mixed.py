"""Linear mixed model: district random intercepts, commune variance components, optional random slopes.

Fitted by (RE)ML with statsmodels ``MixedLM`` (Lindstrom & Bates 1988); reported on the outcome's
scale as lme4's ``VarCorr``: variances and standard deviations from ``cov_re``, ``vcomp`` and ``scale``
(what statsmodels' summary prints as "Group Var"), not the entries of the same names in ``fit.params``,
which are ratios to the residual variance (``cov_re_unscaled``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM

from analysis.models.base import (
    ModelError,
    ModelResult,
    as_frame,
    check_columns,
    check_formula,
    outcome_name,
    stat_dict,
)


@dataclass(frozen=True)
class MixedResult(ModelResult):
    """A mixed-model fit; fixed effects in ``params``/``tidy()``; see ``ModelResult``.

    Attributes (extra)
    ------------------
    variance_table : variance, std_dev and share of each level (see ``variance_components``).
    group_effects : predicted (BLUP) random intercepts of the grouping level with intervals.
    groups : the grouping column (e.g. "district").
    """

    variance_table: pd.DataFrame | None = None
    group_effects: pd.DataFrame | None = None
    groups: str = ""
    _fit: Any = field(default=None, repr=False, compare=False)

    def variance_components(self) -> pd.DataFrame:
        """One row per level: component, variance, std_dev, share (of the total variance).

        Random-slope variances are listed but their share is left empty (it depends on x).
        """
        return self.variance_table.copy()

    def district_effects(self, alpha: float = 0.05) -> pd.DataFrame:
        """Predicted random intercept of each group (BLUP) with a conditional-variance interval.

        Columns: group, effect, std_error, conf_low, conf_high. The interval uses the conditional
        (posterior) variance of the random effect given the data, as lme4's ``condVar``; it ignores
        the uncertainty of the estimated variance parameters.
        """
        crit = stats.norm.ppf(1 - alpha / 2)
        eff = self.group_effects.copy()
        eff["conf_low"] = eff["effect"] - crit * eff["std_error"]
        eff["conf_high"] = eff["effect"] + crit * eff["std_error"]
        return eff


def mixed_effects(data: pd.DataFrame, formula: str, *, groups: str, re_formula: str | None = None,
                  vc_formula: dict[str, str] | None = None, reml: bool = True) -> MixedResult:
    """Linear mixed model with random effects for ``groups`` and nested variance components.

    ``vc_formula`` adds variance components nested in the groups, e.g. communes within districts:
    ``{"commune": "0 + C(commune)"}``. ``re_formula="1 + x"`` adds a random slope for x.
    Fixed-effect inference: model-based (RE)ML covariance with t(G-1) critical values, G the number
    of groups (a between-groups degrees-of-freedom rule, conservative with few districts).
    Reference implementation: lme4 (Bates, Maechler, Bolker & Walker 2015, JSS 67(1)).

    Example
    -------
    >>> res = mixed_effects(df, "overdue_share ~ group_meetings + check_share", groups="district",
    ...                     vc_formula={"commune": "0 + C(commune)"})
    >>> res.variance_components(); res.district_effects()
    """
    check_formula(data, formula, extra=(groups,))
    if vc_formula:
        check_columns(data, [k for k in vc_formula], what="vc_formula")
    y_name = outcome_name(formula)
    needed = [y_name, groups] + list(vc_formula or {})
    frame = data.dropna(subset=needed).reset_index(drop=True)
    n_groups = frame[groups].nunique()
    if n_groups < 2:
        raise ModelError(f"mixed_effects needs at least 2 groups in {groups!r}; found {n_groups}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MixedLM.from_formula(formula, data=frame, groups=groups, re_formula=re_formula or "1",
                                     vc_formula=vc_formula)
        exog = pd.DataFrame(model.exog, columns=model.exog_names)
        for col in exog.columns:
            if col != "Intercept" and np.var(exog[col].to_numpy(dtype=float)) == 0:
                raise ModelError(f"regressor {col!r} is constant; it cannot be estimated")
        fit = model.fit(reml=reml, method=["lbfgs", "bfgs", "cg"])
    fe_names = list(model.exog_names)
    k = len(fe_names)
    V = np.asarray(fit.cov_params())[:k, :k]
    scale = float(fit.scale)
    rows = []
    cov_re = np.asarray(fit.cov_re)
    for i, name in enumerate(fit.cov_re.index):
        slope = name not in ("Intercept", groups)
        label = f"{groups} ({name} slope)" if slope else f"{groups} (intercept)"
        rows.append({"component": label, "variance": cov_re[i, i], "slope": slope})
    vc_names = list(model.exog_vc.names) if vc_formula else []
    for name, var in zip(vc_names, np.atleast_1d(fit.vcomp)):
        rows.append({"component": f"{name} within {groups}", "variance": float(var), "slope": False})
    rows.append({"component": "residual", "variance": scale, "slope": False})
    table = pd.DataFrame(rows)
    table["std_dev"] = np.sqrt(table["variance"])
    total = table.loc[~table["slope"], "variance"].sum()
    table["share"] = np.where(table["slope"], np.nan, table["variance"] / total)
    table = table.drop(columns="slope")[["component", "variance", "std_dev", "share"]]

    re_cov = fit.random_effects_cov
    effects = []
    for g, eff in fit.random_effects.items():
        effects.append({"group": g, "effect": float(eff.iloc[0]),
                        "std_error": float(np.sqrt(np.asarray(re_cov[g])[0, 0]))})
    group_effects = pd.DataFrame(effects)
    return MixedResult(
        params=pd.Series(np.asarray(fit.fe_params), index=fe_names),
        vcov=as_frame(V, fe_names),
        n_obs=int(model.nobs),
        n_clusters=int(n_groups),
        vcov_type="model",
        method=f"linear mixed model ({'REML' if reml else 'ML'}, statsmodels MixedLM)",
        df_inference=float(n_groups - 1),
        inference=(f"model-based {'REML' if reml else 'ML'} covariance of the fixed effects; "
                   f"t({n_groups - 1}) critical values (G-1, G={n_groups} {groups})"),
        formula=formula,
        fit_stats=stat_dict(n_obs=model.nobs, loglik=fit.llf),
        cluster=groups,
        variance_table=table,
        group_effects=group_effects,
        groups=groups,
        _fit=fit,
    )
