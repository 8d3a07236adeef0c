"""Each estimator reproduces published output of a reference implementation (sources cited per test)."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.special import gammaln
from statsmodels.tools.numdiff import approx_fprime

from analysis import models as M

DATA = Path(__file__).parent / "data" / "models"
RTOL_PRINTED = 1e-6  # published output printed with 7+ significant digits
RTOL_ROUNDED = 1e-3  # published output printed with 4 significant digits (lme4 summary)
RTOL_OPTIM = 1e-5  # numerical optimiser vs another optimiser


@pytest.fixture(scope="module")
def grunfeld10() -> pd.DataFrame:
    """Grunfeld (1958) investment data, the 10 firms of R plm's ``Grunfeld`` and Stata's grunfeld.dta."""
    d = sm.datasets.grunfeld.load_pandas().data
    return d[d["firm"] != "American Steel"].reset_index(drop=True)


@pytest.fixture(scope="module")
def star98() -> pd.DataFrame:
    d = sm.datasets.star98.load_pandas().data
    return d.assign(total=d["NABOVE"] + d["NBELOW"], share=d["NABOVE"] / (d["NABOVE"] + d["NBELOW"]))


STAR98_TERMS = ["LOWINC", "PERASIAN", "PERBLACK", "PERHISP", "PERMINTE", "AVYRSEXP", "AVSALK", "PERSPENK",
                "PTRATIO", "PCTAF", "PCTCHRT", "PCTYRRND", "PERMINTE_AVYRSEXP", "PERMINTE_AVSAL", "AVYRSEXP_AVSAL",
                "PERSPEN_PTRATIO", "PERSPEN_PCTAF", "PTRATIO_PCTAF", "PERMINTE_AVYRSEXP_AVSAL", "PERSPEN_PTRATIO_PCTAF"]
# R: glm(cbind(NABOVE, NBELOW) ~ ., family = binomial, data = star98), as printed in statsmodels'
# genmod/tests/results/results_glm.py (class Star98): coefficients, standard errors, Pearson X2, logLik.
R_STAR98_PARAMS = [-0.0168150366, 0.0099254766, -0.0187242148, -0.0142385609, 0.2544871730, 0.2406936644,
                   0.0804086739, -1.9521605027, -0.3340864748, -0.1690221685, 0.0049167021, -0.0035799644,
                   -0.0140765648, -0.0040049918, -0.0039063958, 0.0917143006, 0.0489898381, 0.0080407389,
                   0.0002220095, -0.0022492486, 2.9588779262]
R_STAR98_BSE = [4.339467e-04, 6.013714e-04, 7.435499e-04, 4.338655e-04, 2.994576e-02, 5.713824e-02,
                1.392359e-02, 3.168109e-01, 6.126411e-02, 3.270139e-02, 1.253877e-03, 2.254633e-04,
                1.904573e-03, 4.739838e-04, 9.623650e-04, 1.450923e-02, 7.451666e-03, 1.499497e-03,
                2.988794e-05, 3.489838e-04, 1.546712e+00]
R_STAR98_PEARSON = 4051.921614
R_STAR98_LOGLIK = -2998.61255899391
STAR98_DF_RESID = 282


def _star98_fit(star98, vcov="iid"):
    return M.fractional_logit(star98, "share ~ " + " + ".join(STAR98_TERMS), weights="total", vcov=vcov)


def test_fractional_logit_matches_r_glm_quasibinomial(star98):
    """A weighted fractional logit of NABOVE/total with weights total has the binomial GLM's estimates;
    its iid SEs are R quasibinomial's: binomial SE * sqrt(Pearson X2 / df)."""
    res = _star98_fit(star98)
    r_params = pd.Series(R_STAR98_PARAMS, index=STAR98_TERMS + ["Intercept"])
    r_bse = pd.Series(R_STAR98_BSE, index=STAR98_TERMS + ["Intercept"]) * np.sqrt(R_STAR98_PEARSON / STAR98_DF_RESID)
    np.testing.assert_allclose(res.params[r_params.index], r_params, rtol=RTOL_PRINTED)
    np.testing.assert_allclose(res.std_errors[r_bse.index], r_bse, rtol=RTOL_PRINTED * 10)


def test_fractional_logit_quasi_loglik_is_bernoulli_not_binomial(star98):
    """R's binomial logLik includes log C(n, k); the Bernoulli quasi-log-likelihood is that minus it."""
    res = _star98_fit(star98)
    log_choose = gammaln(star98["total"] + 1) - gammaln(star98["NABOVE"] + 1) - gammaln(star98["NBELOW"] + 1)
    assert res.quasi_loglik == pytest.approx(R_STAR98_LOGLIK - log_choose.sum(), rel=RTOL_PRINTED)


def test_fractional_logit_robust_se_match_statsmodels_sandwich(star98):
    """Independent implementation: statsmodels GLM sandwich (HC0) times the HC1 factor sqrt(N/(N-K))."""
    res = _star98_fit(star98, vcov="hetero")
    X = sm.add_constant(star98[STAR98_TERMS], prepend=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(star98["share"], X, family=sm.families.Binomial(), var_weights=star98["total"]).fit(cov_type="HC0")
    n, k = X.shape
    np.testing.assert_allclose(res.std_errors[STAR98_TERMS], ref.bse[STAR98_TERMS] * np.sqrt(n / (n - k)), rtol=1e-6)


def test_fractional_logit_ame_equals_numerical_derivative(star98):
    """AME = average derivative of the fitted mean: check against a finite difference of predictions."""
    res = _star98_fit(star98)
    X = sm.add_constant(star98[STAR98_TERMS], prepend=False).rename(columns={"const": "Intercept"})
    w = star98["total"] / star98["total"].sum()
    beta = res.params[X.columns]
    h = 1e-6
    ame = res.ame().set_index("term")["estimate"]
    for term in ["LOWINC", "PERASIAN"]:
        up, dn = X.copy(), X.copy()
        up[term] += h
        dn[term] -= h
        deriv = (1 / (1 + np.exp(-(up @ beta))) - 1 / (1 + np.exp(-(dn @ beta)))) / (2 * h)
        assert ame[term] == pytest.approx(float(w @ deriv), rel=1e-6)


def _dummies_frame() -> pd.DataFrame:
    """A fractional outcome with a continuous x, a 0/1 column d, a two-level and a three-level factor."""
    rng = np.random.default_rng(42)
    n = 600
    df = pd.DataFrame({"x": rng.normal(size=n), "d": rng.integers(0, 2, n).astype(float),
                       "s": rng.choice(["no", "yes"], n), "a": rng.choice(["p", "q", "r"], n)})
    eta = -0.5 + 0.8 * df["x"] + 1.2 * df["d"] - 0.7 * (df["s"] == "yes") + df["a"].map({"p": 0.0, "q": 0.9, "r": -1.1})
    df["share"] = rng.binomial(20, 1 / (1 + np.exp(-eta))) / 20
    return df


def test_fractional_logit_ame_discrete_for_dummies_matches_statsmodels_margeff():
    """statsmodels GLM(Binomial, scale="X2").get_margeff(dummy=True): discrete 0 -> 1 change for every
    0/1 column, derivative for continuous ones, delta-method SEs from the quasibinomial covariance."""
    df = _dummies_frame()
    formula = "share ~ x + d + C(s)"
    res = M.fractional_logit(df, formula, vcov="iid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.glm(formula, data=df, family=sm.families.Binomial()).fit(scale="X2", tol=1e-12)
        margeff = ref.get_margeff(dummy=True)
    ame = res.ame().set_index("term").loc[ref.model.exog_names[1:]]
    np.testing.assert_allclose(ame["estimate"], margeff.margeff, rtol=RTOL_OPTIM)
    np.testing.assert_allclose(ame["std_error"], margeff.margeff_se, rtol=RTOL_OPTIM)
    assert list(ame["effect"]) == ["discrete change", "derivative", "discrete change"]


def test_fractional_logit_ame_for_a_categorical_term_is_change_from_the_reference_level():
    """Three-level factor (Stata ``margins, dydx(i.a)``): mean prediction with every row at level q
    minus every row at the reference p, from statsmodels' predictions on counterfactual data; SE by
    the delta method with a numerical Jacobian of that function of the parameters."""
    df = _dummies_frame()
    formula = "share ~ x + d + C(a)"
    res = M.fractional_logit(df, formula, vcov="iid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.glm(formula, data=df, family=sm.families.Binomial()).fit(scale="X2", tol=1e-12)
    ame = res.ame().set_index("term")
    for level in ("q", "r"):
        X1 = ref.model.exog.copy()
        X0 = X1.copy()
        cols = [ref.model.exog_names.index(f"C(a)[T.{lv}]") for lv in ("q", "r")]
        X1[:, cols], X0[:, cols] = 0.0, 0.0
        X1[:, ref.model.exog_names.index(f"C(a)[T.{level}]")] = 1.0

        def change(beta):
            return np.mean(ref.model.predict(beta, exog=X1) - ref.model.predict(beta, exog=X0))

        row = ame.loc[f"C(a)[T.{level}]"]
        by_prediction = np.mean(ref.predict(df.assign(a=level)) - ref.predict(df.assign(a="p")))
        assert row["estimate"] == pytest.approx(by_prediction, rel=RTOL_OPTIM)
        assert row["estimate"] == pytest.approx(change(ref.params.to_numpy()), rel=RTOL_OPTIM)
        grad = approx_fprime(ref.params.to_numpy(), change, centered=True)
        assert row["std_error"] == pytest.approx(float(np.sqrt(grad @ ref.cov_params().to_numpy() @ grad)), rel=1e-5)
        assert row["effect"] == "discrete change"


# R plm (Croissant & Millo 2008, J. Stat. Software 27(2), section 6 / plm vignette):
# plm(inv ~ value + capital, Grunfeld, model = "within", effect = "individual" / "twoways")
PLM_WITHIN = [
    ("invest ~ value + capital | firm", {"value": (0.1101238, 0.0118567), "capital": (0.3100653, 0.0173545)}),
    ("invest ~ value + capital | firm + year", {"value": (0.1177159, 0.0137513), "capital": (0.3579163, 0.0227190)}),
]


@pytest.mark.parametrize("formula,expected", PLM_WITHIN)
def test_panel_ols_matches_plm_within(grunfeld10, formula, expected):
    res = M.panel_ols(grunfeld10, formula, vcov="iid")
    for term, (coef, se) in expected.items():
        assert res.params[term] == pytest.approx(coef, rel=RTOL_PRINTED * 10)
        assert res.std_errors[term] == pytest.approx(se, rel=1e-5)


def test_panel_ols_cluster_matches_stata_regress(grunfeld10):
    """Stata ``regress invest mvalue kstock, vce(cluster company)`` (statsmodels
    regression/tests/results/results_grunfeld_ols_robust_cluster.py): CR1 factor and t(G-1) = t(9)."""
    res = M.panel_ols(grunfeld10, "invest ~ value + capital", vcov="cluster", cluster="firm")
    row = res.tidy().set_index("term").loc["value"]
    assert row["estimate"] == pytest.approx(0.11556215606596, rel=RTOL_PRINTED)
    assert row["std_error"] == pytest.approx(0.01589433647768, rel=RTOL_PRINTED)
    assert row["p_value"] == pytest.approx(0.00004710548549, rel=1e-5)
    assert row["conf_low"] == pytest.approx(0.07960666895505, rel=RTOL_PRINTED)
    assert row["conf_high"] == pytest.approx(0.15151764317688, rel=RTOL_PRINTED)
    assert res.n_clusters == 10 and res.df_inference == 9
    assert "t(9)" in res.inference


def test_panel_poisson_matches_glm_with_dummies(grunfeld10):
    """Independent implementation: Poisson GLM with firm and year dummies has the same slopes."""
    res = M.panel_poisson(grunfeld10, "invest ~ value + capital | firm + year", vcov="iid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM.from_formula("invest ~ value + capital + C(firm) + C(year)", data=grunfeld10,
                                  family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(res.params[["value", "capital"]], ref.params[["value", "capital"]], rtol=1e-5)


def test_panel_poisson_cluster_se_is_cr1_of_dummy_glm(grunfeld10):
    """Clustered Poisson FE covariance = CR1 sandwich of the dummy-variable Poisson GLM times
    G/(G-1)*(N-1)/(N-K), K = 2 slopes + 20 year effects (firm effects are nested in the clusters)."""
    res = M.panel_poisson(grunfeld10, "invest ~ value + capital | firm + year", vcov="cluster", cluster="firm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        glm = sm.GLM.from_formula("invest ~ value + capital + C(firm) + C(year)", data=grunfeld10,
                                  family=sm.families.Poisson()).fit(tol=1e-12)
    X, y, mu = glm.model.exog, glm.model.endog, glm.mu
    bread = np.linalg.inv(X.T @ (X * mu[:, None]))
    scores = np.zeros((10, X.shape[1]))
    np.add.at(scores, pd.factorize(grunfeld10["firm"])[0], X * (y - mu)[:, None])
    n, G, K = 200, 10, 22
    V = G / (G - 1) * (n - 1) / (n - K) * bread @ scores.T @ scores @ bread
    idx = [list(glm.model.exog_names).index(t) for t in ("value", "capital")]
    np.testing.assert_allclose(res.std_errors[["value", "capital"]], np.sqrt(np.diag(V)[idx]), rtol=1e-4)
    assert "K=22" in res.inference and "t(9)" in res.inference


def test_mixed_effects_matches_lme4_pastes():
    """lme4 Pastes: lmer(strength ~ 1 + (1|batch) + (1|batch:cask)), REML (Bates, lme4 book ch. 2;
    values as in statsmodels regression/tests/test_lme.py::test_pastes_vcomp): intercept 60.0533
    (s.e. 0.6769), batch variance 1.657, cask:batch 8.434, residual 0.678."""
    pastes = pd.read_csv(DATA / "pastes.csv")
    res = M.mixed_effects(pastes, "strength ~ 1", groups="batch", vc_formula={"cask": "0 + C(cask)"})
    assert res.params["Intercept"] == pytest.approx(60.0533, rel=RTOL_ROUNDED)
    assert res.std_errors["Intercept"] == pytest.approx(0.6769, rel=RTOL_ROUNDED)
    vc = res.variance_components().set_index("component")
    assert vc.loc["batch (intercept)", "variance"] == pytest.approx(1.657, rel=RTOL_ROUNDED)
    assert vc.loc["cask within batch", "variance"] == pytest.approx(8.434, rel=RTOL_ROUNDED)
    assert vc.loc["residual", "variance"] == pytest.approx(0.678, rel=RTOL_ROUNDED)
    assert vc.loc["batch (intercept)", "std_dev"] == pytest.approx(np.sqrt(1.657), rel=RTOL_ROUNDED)
    assert vc["share"].sum() == pytest.approx(1.0)
    eff = res.district_effects()
    assert len(eff) == 10 and (eff["conf_low"] < eff["effect"]).all() and (eff["effect"] < eff["conf_high"]).all()
    assert eff["effect"].mean() == pytest.approx(0.0, abs=1e-6)  # BLUPs of a balanced design sum to 0


def test_mixed_variance_components_are_on_the_outcome_scale():
    """statsmodels 0.15 (regression/mixed_linear_model.py): the summary's "batch Var" row prints
    ``cov_re`` = scale * ``cov_re_unscaled``, on the outcome's scale, while ``fit.params["batch Var"]``
    is the ratio to the residual variance. variance_components() must give lme4's Pastes variances
    (batch 1.657, cask:batch 8.434, residual 0.678), i.e. the summary's numbers, not params'."""
    pastes = pd.read_csv(DATA / "pastes.csv")
    res = M.mixed_effects(pastes, "strength ~ 1", groups="batch", vc_formula={"cask": "0 + C(cask)"})
    vc = res.variance_components().set_index("component")["variance"]
    fit = res._fit
    np.testing.assert_allclose(vc[["batch (intercept)", "cask within batch", "residual"]], [1.657, 8.434, 0.678],
                               rtol=RTOL_ROUNDED)
    ratios = fit.params[["batch Var", "cask Var"]].to_numpy()
    np.testing.assert_allclose(vc[["batch (intercept)", "cask within batch"]], ratios * fit.scale, rtol=1e-8)
    assert not np.allclose(vc[["batch (intercept)", "cask within batch"]], ratios, rtol=0.1)
    printed = fit.summary().tables[1].loc[["batch Var", "cask Var"], "Coef."].astype(float)
    np.testing.assert_allclose(vc[["batch (intercept)", "cask within batch"]], printed, atol=0.0005 + 1e-9)


def test_mixed_effects_random_slope_matches_lme4_dietox():
    """lme4: lmer(Weight ~ Time + (1 + Time | Pig), dietox) REML (values from statsmodels
    regression/tests/test_lme.py::test_dietox_slopes): fixef 15.738650, 6.939014; s.e. 0.5501253,
    0.0798254; Pig intercept variance 19.4934552, Time slope 0.4160620; residual 6.03745."""
    dietox = pd.read_csv(DATA / "dietox.csv")
    res = M.mixed_effects(dietox, "Weight ~ Time", groups="Pig", re_formula="1 + Time")
    np.testing.assert_allclose(res.params[["Intercept", "Time"]], [15.738650, 6.939014], rtol=RTOL_OPTIM)
    np.testing.assert_allclose(res.std_errors[["Intercept", "Time"]], [0.5501253, 0.0798254], rtol=RTOL_ROUNDED)
    vc = res.variance_components().set_index("component")["variance"]
    np.testing.assert_allclose(vc[["Pig (intercept)", "Pig (Time slope)", "residual"]],
                               [19.4934552, 0.4160620, 6.03745], rtol=RTOL_ROUNDED)


# UCLA OARC "Ordered logistic regression | Stata data analysis examples": ologit apply pared public gpa
UCLA_OLOGIT = {"pared": (1.047664, 0.2657891), "public": (-0.0586828, 0.2978588), "gpa": (0.6157458, 0.2606311),
               "weak|average": (2.203323, 0.7795353), "average|good": (4.298767, 0.8043147)}
# R MASS::polr predicted probabilities of the first row (statsmodels results_ordinal_model.py)
POLR_FIRST_ROW = [0.5488310, 0.3593310, 0.09183798]


@pytest.fixture(scope="module")
def ucla() -> pd.DataFrame:
    d = pd.read_csv(DATA / "ologit_ucla.csv")
    return d.assign(rating=d["apply"].map({"unlikely": "weak", "somewhat likely": "average", "very likely": "good"}))


def test_ordered_logit_matches_stata_ologit(ucla):
    res = M.ordered_logit(ucla, "rating ~ pared + public + gpa")
    for term, (coef, se) in UCLA_OLOGIT.items():
        assert res.params[term] == pytest.approx(coef, rel=RTOL_OPTIM, abs=1e-6)
        assert res.std_errors[term] == pytest.approx(se, rel=1e-4)
    probs = res.predict_proba(ucla.head(1))
    np.testing.assert_allclose(probs.iloc[0], POLR_FIRST_ROW, rtol=1e-4)
    assert list(probs.columns) == ["weak", "average", "good"]


UCLA_LEVELS = ["unlikely", "somewhat likely", "very likely"]


@pytest.mark.parametrize("outcome", ["categorical", "codes"])
def test_ordered_logit_accepts_any_ordered_outcome(ucla, outcome):
    """The UCLA outcome as given (an ordered Categorical with its own levels), or as integer codes
    0 < 1 < 2, reproduces Stata's ologit on the UCLA page; cut-points are named by its levels."""
    apply = pd.Categorical(ucla["apply"], categories=UCLA_LEVELS, ordered=True)
    data = ucla.assign(apply=apply if outcome == "categorical" else apply.codes)
    res = M.ordered_logit(data, "apply ~ pared + public + gpa")
    levels = UCLA_LEVELS if outcome == "categorical" else ["0", "1", "2"]
    names = dict(zip(["weak|average", "average|good"], [f"{levels[0]}|{levels[1]}", f"{levels[1]}|{levels[2]}"]))
    for term, (coef, se) in UCLA_OLOGIT.items():
        assert res.params[names.get(term, term)] == pytest.approx(coef, rel=RTOL_OPTIM, abs=1e-6)
        assert res.std_errors[names.get(term, term)] == pytest.approx(se, rel=1e-4)
    assert list(res.levels) == levels
    np.testing.assert_allclose(res.predict_proba(data.head(1)).iloc[0], POLR_FIRST_ROW, rtol=1e-4)


def test_ordered_logit_unit_weights_change_nothing(ucla):
    a = M.ordered_logit(ucla, "rating ~ pared + public + gpa")
    b = M.ordered_logit(ucla.assign(w=1.0), "rating ~ pared + public + gpa", weights="w")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-6)


@pytest.mark.parametrize("vcov", ["iid", "hetero", "cluster"])
def test_ordered_logit_frequency_weights_equal_expanded_data(ucla, vcov):
    """Stata ``ologit ... [fweight=w]`` is the fit on the data with row i repeated w_i times: same
    estimates, covariance, N (= sum of weights), degrees of freedom, p-values, intervals, AIC and BIC."""
    w = np.random.default_rng(4).integers(1, 4, len(ucla))
    weighted = ucla.assign(w=w, school=np.arange(len(ucla)) % 20)
    expanded = weighted.loc[weighted.index.repeat(w)].reset_index(drop=True)
    kwargs = {"vcov": vcov, "cluster": "school" if vcov == "cluster" else None}
    a = M.ordered_logit(weighted, "rating ~ pared + public + gpa", weights="w", **kwargs)
    b = M.ordered_logit(expanded, "rating ~ pared + public + gpa", **kwargs)
    assert a.n_obs == b.n_obs == int(w.sum()) and a.df_inference == b.df_inference
    pd.testing.assert_frame_equal(a.tidy(), b.tidy(), rtol=RTOL_OPTIM)
    assert a.inference == b.inference
    for stat in ("n_obs", "loglik", "aic", "bic"):
        assert a.fit_stats[stat] == pytest.approx(b.fit_stats[stat], rel=1e-8), stat


def test_ordered_logit_rejects_fractional_frequency_weights(ucla):
    with pytest.raises(M.ModelError, match="frequency weights"):
        M.ordered_logit(ucla.assign(w=0.5), "rating ~ pared + public + gpa", weights="w")


# ---------------------------------------------------------------------------------------------
# wild cluster bootstrap vs pyfixest.wildboottest (port of Stata boottest / R fwildclusterboot)
# ---------------------------------------------------------------------------------------------
TIE_TOL = 2 / 2**11  # the original sign pattern and its mirror tie with |t|: counted by float noise or not


def _toy(beta: float) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    G, T = 11, 24
    df = pd.DataFrame({"g": np.repeat(np.arange(G), T), "t": np.tile(np.arange(T), G)})
    df["x"] = rng.normal(size=len(df)) + rng.normal(size=G)[df["g"]]
    df["z"] = rng.normal(size=len(df))
    df["y"] = beta * df["x"] + rng.normal(size=len(df)) + rng.normal(size=G)[df["g"]]
    return df


@pytest.mark.parametrize("formula", ["y ~ x + z", "y ~ x + z | t", "y ~ x + z | g + t"])
def test_wild_bootstrap_matches_pyfixest_enumeration(formula):
    pytest.importorskip("wildboottest")
    import pyfixest as pf

    df = _toy(beta=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols(formula, data=df, vcov={"CRV1": "g"}).wildboottest(param="x", reps=9999, cluster="g", seed=1)
    res = M.wild_cluster_bootstrap(M.panel_ols(df, formula, cluster="g"), "x", reps=9999)
    assert res.enumerated and res.reps == 2**11
    assert res.p_value == pytest.approx(float(ref["Pr(>|t|)"]), abs=TIE_TOL)


def test_wild_bootstrap_ci_inverts_the_test():
    df = _toy(beta=0.3)
    fit = M.panel_ols(df, "y ~ x + z | t", cluster="g")
    res = M.wild_cluster_bootstrap(fit, "x", reps=9999)
    assert res.conf_low < res.estimate < res.conf_high
    inside = M.wild_cluster_bootstrap(fit, "x", reps=9999, null=res.conf_low + 1e-4)
    outside = M.wild_cluster_bootstrap(fit, "x", reps=9999, null=res.conf_low - 1e-3)
    assert inside.p_value > 0.05 >= outside.p_value
    webb = M.wild_cluster_bootstrap(fit, "x", reps=999, weights="webb", seed=3)
    assert not webb.enumerated and webb.reps == 999
    again = M.wild_cluster_bootstrap(fit, "x", reps=999, weights="webb", seed=3)
    assert webb.p_value == again.p_value


def test_wild_bootstrap_p_value_zero_is_reported_as_a_bound():
    """A strong effect: none of the 2^11 sign patterns gives |t*| > |t|, so p = 0 by count but all the
    enumeration shows is p < 1/2048; the result, its tidy row and its printout say so."""
    res = M.wild_cluster_bootstrap(M.panel_ols(_toy(beta=2.0), "y ~ x + z | t", cluster="g"), "x", reps=9999)
    assert res.enumerated and res.p_value == 0.0
    assert res.p_value_bound == 1 / 2048 and res.p_value_text == "< 1/2048"
    row = res.tidy().iloc[0]
    assert row["p_value"] == 0.0 and row["p_value_bound"] == 1 / 2048 and row["p_value_text"] == "< 1/2048"
    assert "p < 1/2048" in str(res)
    weak = M.wild_cluster_bootstrap(M.panel_ols(_toy(beta=0.05), "y ~ x + z | t", cluster="g"), "x", reps=9999)
    assert weak.p_value > 0 and weak.p_value_bound is None and np.isnan(weak.tidy()["p_value_bound"].iloc[0])


def test_wild_bootstrap_result_states_its_inference_like_other_results():
    fit = M.panel_ols(_toy(beta=0.3), "y ~ x + z | t", cluster="g")
    exact = M.wild_cluster_bootstrap(fit, "x", reps=9999)
    drawn = M.wild_cluster_bootstrap(fit, "x", reps=999, weights="webb", seed=3)
    assert exact.vcov_type == drawn.vcov_type == "wild"
    assert "by g (11 clusters)" in exact.inference and "all 2048 sign patterns" in exact.inference
    assert "999 draws, seed 3" in drawn.inference and "webb" in drawn.inference


def test_wild_bootstrap_weighted_fe_matches_brute_force_definition():
    """pyfixest has no WLS wild bootstrap; check the weighted, non-nested-FE case against the textbook
    definition (Cameron, Gelbach & Miller 2008): refit the dummy-variable WLS for all 2^11 patterns."""
    df = _toy(beta=0.05).assign(w=np.random.default_rng(8).uniform(0.5, 2.0, size=11 * 24))
    res = M.wild_cluster_bootstrap(M.panel_ols(df, "y ~ x + z | t", cluster="g", weights="w"), "x", reps=9999)
    g = df["g"].to_numpy()
    sw = np.sqrt(df["w"].to_numpy())
    Xw = np.column_stack([df["x"], df["z"], pd.get_dummies(df["t"], dtype=float)]) * sw[:, None]
    yw = df["y"].to_numpy() * sw

    def t_stat(y):
        b = np.linalg.lstsq(Xw, y, rcond=None)[0]
        scores = np.zeros((11, Xw.shape[1]))
        np.add.at(scores, g, Xw * (y - Xw @ b)[:, None])
        A = np.linalg.pinv(Xw.T @ Xw)
        return b[0] / np.sqrt((A @ scores.T @ scores @ A)[0, 0])

    restricted = Xw[:, 1:] @ np.linalg.lstsq(Xw[:, 1:], yw, rcond=None)[0]
    t_obs = abs(t_stat(yw))
    patterns = itertools.product((1.0, -1.0), repeat=11)
    exceed = [abs(t_stat(restricted + (yw - restricted) * np.array(v)[g])) > t_obs * (1 + 1e-9) for v in patterns]
    assert res.p_value == pytest.approx(np.mean(exceed), abs=1e-12)
