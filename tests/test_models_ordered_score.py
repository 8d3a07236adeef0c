"""The ordered logit's analytic score and Hessian agree with numerical derivatives of its log-likelihood."""

import numpy as np
from statsmodels.tools.numdiff import approx_fprime, approx_hess

from analysis.models.ordered import _WeightedOrderedModel

GRAD_TOL = 1e-5  # analytic vs central-difference derivatives of a smooth log-likelihood


def _model(weights=None):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 2))
    latent = x @ np.array([1.0, -0.5]) + rng.logistic(size=400)
    y = np.digitize(latent, [-1.0, 0.5, 2.0])
    return _WeightedOrderedModel(y, x, case_weights=weights, distr="logit")


def test_score_matches_numerical_gradient_unweighted_and_weighted():
    params = np.array([0.8, -0.4, -1.1, 0.3, 0.2])
    for weights in (None, np.linspace(0.5, 2.0, 400)):
        model = _model(weights)
        numeric = approx_fprime(params, lambda p: model.loglikeobs(p).sum(), centered=True)
        np.testing.assert_allclose(model.score(params), numeric, rtol=GRAD_TOL, atol=GRAD_TOL)


def test_hessian_matches_numerical_hessian():
    model = _model()
    params = np.array([0.8, -0.4, -1.1, 0.3, 0.2])
    numeric = approx_hess(params, lambda p: model.loglikeobs(p).sum())
    np.testing.assert_allclose(model.hessian(params), numeric, rtol=1e-4, atol=1e-3)
