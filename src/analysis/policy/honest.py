"""HonestDiD: confidence sets for event-study effects when parallel trends may fail.

Rambachan, A. and Roth, J. (2023), "A More Credible Approach to Parallel Trends", Review of Economic
Studies 90(5), 2555-2591. The event-study coefficients are beta = tau + delta, with tau the effects
(zero before adoption) and delta the difference in trends. Instead of delta_post = 0 (parallel trends)
we only assume delta lies in a set Delta and report a confidence set for theta = l'tau_post that is
valid for every delta in Delta:

- relative magnitudes Delta^RM(Mbar): every post-period change |delta_{t+1} - delta_t| is at most
  Mbar times the largest pre-period change (Mbar = 1: "no worse than the worst pre-trend move").
  Confidence set: the conditional-least-favourable hybrid test ("C-LF") of Andrews, Roth and Pakes
  (2023, "Inference for Linear Conditional Moment Inequalities", Review of Economic Studies 90(5)
  2763-2791), inverted on a grid of theta and united over the location and sign of the largest
  pre-period change (Rambachan and Roth 2023, section 4.2 and Lemma 2.2).
- smoothness Delta^SD(M): the slope of delta changes by at most M between consecutive periods (M = 0:
  the pre-trend continues linearly). Confidence set: the optimal fixed-length interval ("FLCI") of
  Armstrong and Kolesar (2018, Econometrica 86(2) 655-683), an affine estimator of theta with minimal
  worst-case length (Rambachan and Roth 2023, section 4.1).

Both are the defaults of the R package HonestDiD 0.2.8 (``createSensitivityResults``,
``createSensitivityResults_relativeMagnitudes``), which this is a port of; tests/test_policy_honest.py
reproduces the package README's Medicaid results. Two implementation notes: the least-favourable
critical value uses 1,000 normal draws, and those draws replicate R's ``set.seed(seed); rnorm()``
(Mersenne-Twister, inversion) so that results coincide with the R package; the folded-normal quantile
of the FLCI is computed exactly where R simulates it with 10^6 draws (half-lengths differ by < 0.1%).
All intervals use normal critical values, as the R package does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .honest_rm import GRID_HALF_WIDTH, GRID_POINTS, relative_magnitude_ci
from .results import PolicyError, PolicyResult, cluster_sums

MBAR_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)  # relative-magnitude bounds reported by default
TIDY_HONEST = ["term", "method", "ci", "parameter", "estimate", "conf_low", "conf_high"]
PARAMETER = {"original": "none", "relative_magnitude": "Mbar", "smoothness": "M"}


@dataclass(frozen=True)
class HonestInput:
    """Event-study coefficients in HonestDiD's layout: pre-periods, then post-periods, reference omitted.

    Attributes
    ----------
    betahat : coefficients, ordered by event time, the reference period left out.
    sigma : their covariance matrix.
    event_times : event time of each coefficient.
    num_pre, num_post : coefficients before and after the reference period.
    reference : the omitted event time (-1, or -1 - anticipation).
    source : one sentence on where the covariance comes from.
    """

    betahat: np.ndarray
    sigma: np.ndarray
    event_times: tuple[int, ...]
    num_pre: int
    num_post: int
    reference: int = -1
    source: str = ""


@dataclass(frozen=True)
class HonestResult:
    """Robust confidence sets for theta = l'tau_post over a grid of Mbar and M.

    Attributes
    ----------
    table : one row per (method, parameter): ``term``, ``method`` ("original", "relative_magnitude",
        "smoothness"), ``ci`` ("normal", "C-LF", "FLCI"), ``parameter`` (Mbar or M; NaN for the
        original row), ``estimate`` (l'beta_post on the original row, NaN on robust rows: a robust set
        has no point estimate), ``conf_low``, ``conf_high`` (NaN when the data reject the restriction
        at every theta; -inf/inf when the set reaches the edge of the theta grid).
    breakdown : per robust method, the smallest Mbar (or M) of the grid whose set contains 0 (NaN if
        none does; the first grid value if even that set contains 0).
    l_vec : weights of theta on the post-period effects.
    alpha : 1 - confidence level.
    method : the methods and their references.
    inference : one sentence: covariance, critical values, grid.
    info : event times, numbers of periods, source of the covariance.
    """

    table: pd.DataFrame
    breakdown: Mapping[str, float]
    l_vec: tuple[float, ...]
    alpha: float
    method: str
    inference: str
    info: Mapping[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """One row per (method, Mbar or M): term, method, ci, parameter, estimate, conf_low, conf_high."""
        out = self.table.loc[:, TIDY_HONEST].reset_index(drop=True)
        out.attrs = {"breakdown": dict(self.breakdown), "method": self.method, "inference": self.inference}
        return out


# ---------------------------------------------------------------------------------------------------
# Adapter from our event-study results


def honest_input(result: PolicyResult) -> HonestInput:
    """Coefficients and covariance of an event study, in HonestDiD's layout.

    Accepts ``aggte(att_gt(...), kind="dynamic")`` (covariance from the influence functions: analytic
    inf'inf/n^2, or clustered CR1 G/(G-1) psi'psi/n^2 with psi the cluster sums, also for "wild"
    inference) or ``event_study(...)`` (its clustered covariance). HonestDiD needs every pre-period
    coefficient measured from one common reference period, so Callaway-Sant'Anna results must use
    ``att_gt(..., base_period="universal")``; a "varying" base period raises ``PolicyError``
    (Rambachan and Roth 2023, section 6; R ``honest_did.AGGTEobj`` refuses it too).
    """
    info = result.info
    if "influence" in info:
        return _from_aggte(result)
    if "vcov" in info and "reference" in info:
        return _from_event_study(result)
    raise PolicyError("honest_did needs an event study: aggte(att_gt(...), kind='dynamic') or event_study(...)")


def _from_aggte(result: PolicyResult) -> HonestInput:
    info = result.info
    if info.get("aggregation") != "dynamic":
        raise PolicyError(f"honest_did needs aggte(kind='dynamic'), got aggregation {info.get('aggregation')!r}")
    if info.get("base_period") != "universal":
        raise PolicyError("honest_did needs pre-period effects measured from one common base period: "
                          "use att_gt(..., base_period='universal') (got base_period="
                          f"{info.get('base_period')!r})")
    reference = -1 - int(info.get("anticipation", 0))
    sigma_all, source = _influence_vcov(np.asarray(info["influence"]), info.get("unit_cluster"), info["settings"])
    return _layout(result.table, sigma_all, reference=reference, source=source)


def _influence_vcov(influence: np.ndarray, clusters, settings) -> tuple[np.ndarray, str]:
    """Covariance of the estimates from R ``did``-scaled influence functions (n x K)."""
    n = influence.shape[0]
    if settings is None or settings.kind == "analytic":
        return influence.T @ influence / n**2, "influence functions, units independent (inf'inf/n^2)"
    psi, g = cluster_sums(influence, clusters)
    return (g / (g - 1)) * psi.T @ psi / n**2, (
        f"influence functions summed by {settings.cluster} ({g} clusters), CR1 G/(G-1) psi'psi/n^2")


def _from_event_study(result: PolicyResult) -> HonestInput:
    reference = int(result.info["reference"])
    return _layout(result.table, np.asarray(result.info["vcov"]), reference=reference,
                   source=f"{result.inference} (event_study covariance)")


def _layout(table: pd.DataFrame, sigma_all: np.ndarray, *, reference: int, source: str) -> HonestInput:
    """Keep the event-time rows (term ``event::e``) except the reference, ordered by event time."""
    terms = table["term"].astype(str)
    rows = np.flatnonzero(terms.str.startswith("event::").to_numpy())
    times = np.array([int(terms.iloc[i].split("::")[1]) for i in rows])
    keep = times != reference
    rows, times = rows[keep][np.argsort(times[keep])], np.sort(times[keep])
    if np.any(np.diff(times) != 1) and not _gap_is_reference(times, reference):
        raise PolicyError(f"honest_did needs consecutive event times; got {times.tolist()}")
    num_pre, num_post = int((times < reference).sum()), int((times > reference).sum())
    if num_pre < 1 or num_post < 1:
        raise PolicyError(f"honest_did needs at least one pre- and one post-period coefficient besides the "
                          f"reference e = {reference}; got event times {times.tolist()}")
    betahat = table["estimate"].to_numpy(dtype=float)[rows]
    return HonestInput(betahat=betahat, sigma=sigma_all[np.ix_(rows, rows)], event_times=tuple(times.tolist()),
                       num_pre=num_pre, num_post=num_post, reference=reference, source=source)


def _gap_is_reference(times: np.ndarray, reference: int) -> bool:
    full = np.arange(times.min(), times.max() + 1)
    return set(full.tolist()) - set(times.tolist()) == {reference}


# ---------------------------------------------------------------------------------------------------
# The sensitivity analysis


def honest_did(data: PolicyResult | HonestInput, *, mbar: Sequence[float] = MBAR_GRID,
               m: Sequence[float] | None = None, l_vec: str | Sequence[float] = "average", alpha: float = 0.05,
               grid_points: int = GRID_POINTS, seed: int = 0) -> HonestResult:
    """HonestDiD sensitivity analysis (Rambachan and Roth 2023) of an event study.

    Parameters
    ----------
    data : ``aggte(..., kind="dynamic")`` with a universal base period, ``event_study(...)``, or a
        ``HonestInput``.
    mbar : relative-magnitude bounds Mbar (C-LF confidence sets).
    m : smoothness bounds M in outcome units per period squared (FLCI); default: 9 values from 0 to
        twice the largest absolute second difference of the pre-period coefficients.
    l_vec : theta = l'tau_post: "average" (mean of the effects for e >= 0, the "ATT" row of
        ``aggte``), "first" (e = 0), or weights for the post-period coefficients.
    alpha : 1 - confidence level.
    grid_points : theta grid of the C-LF test inversion, over +-20 standard errors (R's default).
    seed : seed of the least-favourable critical value's normal draws (R's ``seed``).

    Example
    -------
    >>> gt = att_gt(rp, ..., base_period="universal", inference=Inference(kind="cluster", cluster="district"))
    >>> honest_did(aggte(gt, kind="dynamic", min_e=-4, max_e=8)).tidy()
    """
    inp = data if isinstance(data, HonestInput) else honest_input(data)
    lv, term = _target(inp, l_vec)
    args = dict(num_pre=inp.num_pre, num_post=inp.num_post, l_vec=lv, alpha=alpha)
    est, low, high = original_ci(inp.betahat, inp.sigma, **args)
    rows = [_row(term, "original", "normal", np.nan, est, low, high)]
    for value in mbar:
        lo, hi = relative_magnitude_ci(inp.betahat, inp.sigma, mbar=value, grid_points=grid_points, seed=seed, **args)
        rows.append(_row(term, "relative_magnitude", "C-LF", value, np.nan, lo, hi))
    for value in (default_m_grid(inp) if m is None else m):
        lo, hi = smoothness_flci(inp.betahat, inp.sigma, m=value, **args)
        rows.append(_row(term, "smoothness", "FLCI", value, np.nan, lo, hi))
    table = pd.DataFrame(rows)
    return HonestResult(table=table, breakdown=breakdown_values(table), l_vec=tuple(lv.tolist()), alpha=alpha,
                        method=_METHOD, inference=_sentence(inp, grid_points, alpha),
                        info={"event_times": inp.event_times, "num_pre": inp.num_pre, "num_post": inp.num_post,
                              "reference": inp.reference, "source": inp.source})


_METHOD = ("HonestDiD (Rambachan and Roth 2023): relative magnitudes Delta^RM(Mbar) with the conditional-"
           "least-favourable hybrid (Andrews, Roth and Pakes 2023), smoothness Delta^SD(M) with the optimal "
           "FLCI (Armstrong and Kolesar 2018); port of R HonestDiD 0.2.8")


def _sentence(inp: HonestInput, grid_points: int, alpha: float) -> str:
    return (f"covariance: {inp.source}; normal critical values ({100 * (1 - alpha):.0f}%), as R HonestDiD; "
            f"C-LF sets inverted on {grid_points} theta values over +-{GRID_HALF_WIDTH} standard errors")


def _row(term, method, ci, parameter, estimate, low, high) -> dict:
    return {"term": term, "method": method, "ci": ci, "parameter": float(parameter), "estimate": float(estimate),
            "conf_low": float(low), "conf_high": float(high)}


def _target(inp: HonestInput, l_vec) -> tuple[np.ndarray, str]:
    """Weights on the post-period coefficients and the term naming theta."""
    post = np.array(inp.event_times[inp.num_pre:])
    if isinstance(l_vec, str):
        if l_vec == "average":
            w = (post >= 0).astype(float)
            return w / w.sum(), "ATT"
        if l_vec == "first":
            return (post == post[post >= 0].min()).astype(float), f"event::{int(post[post >= 0].min())}"
        raise PolicyError(f"l_vec must be 'average', 'first' or weights, got {l_vec!r}")
    lv = np.asarray(l_vec, dtype=float)
    if lv.shape != (inp.num_post,):
        raise PolicyError(f"l_vec needs {inp.num_post} weights (one per post-period coefficient), got {lv.size}")
    return lv, "l'tau_post"


def default_m_grid(inp: HonestInput) -> np.ndarray:
    """9 values of M from 0 to twice the largest |second difference| of the pre-period coefficients."""
    pre = np.r_[inp.betahat[:inp.num_pre], 0.0]  # the reference coefficient is 0
    curv = np.abs(np.diff(pre, 2)).max() if pre.size >= 3 else 0.0
    top = 2 * curv if curv > 0 else float(np.sqrt(inp.sigma[0, 0]))
    return np.linspace(0.0, top, 9)


def breakdown_values(table: pd.DataFrame) -> dict[str, float]:
    """Smallest Mbar / M of the grid whose robust set contains 0, per method (NaN if none)."""
    out = {}
    for method in ("relative_magnitude", "smoothness"):
        t = table.loc[table["method"] == method].sort_values("parameter")
        hit = t.loc[(t["conf_low"] <= 0) & (t["conf_high"] >= 0), "parameter"]
        out[method] = float(hit.iloc[0]) if len(hit) else float("nan")
    return out


def original_ci(betahat, sigma, *, num_pre: int, num_post: int, l_vec, alpha: float = 0.05
                ) -> tuple[float, float, float]:
    """l'beta_post and its normal interval (R ``constructOriginalCS``)."""
    b, s = np.asarray(betahat, float)[num_pre:], np.asarray(sigma, float)[num_pre:, num_pre:]
    lv = np.asarray(l_vec, float)
    est, se = float(lv @ b), float(np.sqrt(lv @ s @ lv))
    z = stats.norm.ppf(1 - alpha / 2)
    return est, est - z * se, est + z * se


# ---------------------------------------------------------------------------------------------------
# Smoothness: the optimal fixed-length confidence interval (R flci.R)


def smoothness_flci(betahat, sigma, *, num_pre: int, num_post: int, m: float, l_vec, alpha: float = 0.05
                    ) -> tuple[float, float]:
    """FLCI for l'tau_post under Delta^SD(M) (Rambachan and Roth 2023, section 4.1; R ``findOptimalFLCI``).

    The affine estimator v_pre'beta_pre + l'beta_post, with the pre-period weights v_pre chosen to
    minimise the half-length cv_alpha(M * maxbias / sd) * sd, where cv_alpha(b) is the 1 - alpha
    quantile of |N(b, 1)| (Armstrong and Kolesar 2018).
    """
    beta, sig, lv = np.asarray(betahat, float), np.asarray(sigma, float), np.asarray(l_vec, float)
    prob = _FlciProblem.build(sig, num_pre=num_pre, l_vec=lv)
    w, half = prob.optimal(m=m, alpha=alpha)
    est = _w_to_l(w) @ beta[:num_pre] + lv @ beta[num_pre:]
    return float(est - half), float(est + half)


@dataclass(frozen=True)
class _FlciProblem:
    """Variance sd(w)^2 = w'Qw + q'w + r of the affine estimator and the bias constant (R flci.R)."""

    Q: np.ndarray
    q: np.ndarray
    r: float
    total: float  # sum of w: (1..T)'l
    constant: float  # worst-case bias constant of R .createObjectiveObjectForBias
    scale: float  # variances divided by this for the optimiser

    @classmethod
    def build(cls, sigma: np.ndarray, *, num_pre: int, l_vec: np.ndarray) -> _FlciProblem:
        k, t = num_pre, l_vec.size
        D = np.eye(k) - np.eye(k, k=-1)  # w -> pre-period weights (R .wToLFn)
        s_pre, s_pp, s_post = sigma[:k, :k], sigma[:k, k:], sigma[k:, k:]
        scale = float(l_vec @ s_post @ l_vec) or 1.0
        steps = np.arange(1, t + 1)
        constant = sum(abs(steps[:s] @ l_vec[t - s:]) for s in range(1, t + 1)) - steps @ l_vec
        return cls(Q=D.T @ s_pre @ D / scale, q=2 * D.T @ s_pp @ l_vec / scale, r=float(l_vec @ s_post @ l_vec) / scale,
                   total=float(steps @ l_vec), constant=float(constant), scale=scale)

    def var(self, w: np.ndarray) -> float:
        return float(w @ self.Q @ w + self.q @ w + self.r)

    def w_min_var(self) -> np.ndarray:
        """Minimum-variance w subject to sum(w) = total (closed form; R .findLowestH)."""
        k = self.q.size
        kkt = np.block([[2 * self.Q, np.ones((k, 1))], [np.ones((1, k)), np.zeros((1, 1))]])
        sol = np.linalg.lstsq(kkt, np.r_[-self.q, self.total], rcond=None)[0]
        return sol[:k]

    def min_bias(self, h: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        """Smallest worst-case bias / M with sd <= h (R .findWorstCaseBiasGivenH), by SLSQP on (U, w)."""
        k = self.q.size
        L = np.tril(np.ones((k, k)))
        cons = [{"type": "ineq", "fun": lambda x: np.r_[x[:k] - L @ x[k:], x[:k] + L @ x[k:]],
                 "jac": lambda x: np.block([[np.eye(k), -L], [np.eye(k), L]])},
                {"type": "ineq", "fun": lambda x: h**2 - self.var(x[k:]),
                 "jac": lambda x: np.r_[np.zeros(k), -(2 * self.Q @ x[k:] + self.q)]},
                {"type": "eq", "fun": lambda x: np.sum(x[k:]) - self.total,
                 "jac": lambda x: np.r_[np.zeros(k), np.ones(k)]}]
        x0 = np.r_[np.abs(L @ start), start]
        res = optimize.minimize(lambda x: x[:k].sum(), x0, jac=lambda x: np.r_[np.ones(k), np.zeros(k)],
                                constraints=cons, method="SLSQP", options={"ftol": 1e-13, "maxiter": 500})
        x = res.x if res.success else x0
        return self.constant + float(np.abs(L @ x[k:]).sum()), x[k:]

    def optimal(self, *, m: float, alpha: float) -> tuple[np.ndarray, float]:
        """Weights w and half-length of the shortest FLCI over h in [h_min, h_0] (R .findOptimalFLCI_helper)."""
        w_min = self.w_min_var()
        w0 = np.r_[np.zeros(self.q.size - 1), self.total]  # the minimum-bias estimator (R .findHForMinimumBias)
        h_lo, h_hi = math.sqrt(max(self.var(w_min), 0.0)), math.sqrt(max(self.var(w0), 0.0))

        def half(h):
            bias, w = self.min_bias(h, w_min)
            return folded_normal_quantile(1 - alpha, m * bias / math.sqrt(self.scale) / h) * h, w

        if h_hi - h_lo <= 1e-12 * max(h_hi, 1.0):
            hl, w = half(h_hi)
        else:
            best = optimize.minimize_scalar(lambda h: half(h)[0], bounds=(h_lo, h_hi), method="bounded",
                                            options={"xatol": 1e-9 * h_hi})
            hl, w = min((half(h) for h in (best.x, h_lo, h_hi)), key=lambda p: p[0])
        return w, hl * math.sqrt(self.scale)


def _w_to_l(w: np.ndarray) -> np.ndarray:
    """Pre-period weights from the cumulative parametrisation w (R .wToLFn)."""
    return w - np.r_[0.0, w[:-1]]


def folded_normal_quantile(p: float, mu: float) -> float:
    """The p quantile of |N(mu, 1)|: q with Phi(q - mu) - Phi(-q - mu) = p (exact; R simulates it)."""
    mu = abs(mu)
    f = lambda q: special.ndtr(q - mu) - special.ndtr(-q - mu) - p  # noqa: E731
    return float(optimize.brentq(f, 0.0, mu + 10.0, xtol=1e-14))
