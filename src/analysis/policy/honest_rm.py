"""HonestDiD's relative magnitudes Delta^RM(Mbar): the conditional-least-favourable hybrid test of
Andrews, Roth and Pakes (2023), inverted on a grid of theta (R HonestDiD 0.2.8 ``deltarm.R``,
``arp-nuisance.R``), and R's normal draws it needs to coincide with the R package. The entry point
is ``analysis.policy.honest.honest_did``; see that module for the method and its references.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from .results import PolicyError

GRID_POINTS = 1000  # R createSensitivityResults_relativeMagnitudes(gridPoints = 10^3)
GRID_HALF_WIDTH = 20  # R: theta grid over [-20, 20] standard errors of l'beta_post
LF_DRAWS = 1000  # R .compute_least_favorable_cv(sims = 1000)
KAPPA_SHARE = 0.1  # R: first-stage (least-favourable) size kappa = alpha / 10
TOL_LAMBDA = 1e-6  # R: dual weights above this are binding moments
TOL_DUAL = 1e-6  # R .vlo_vup_dual_fn: tol_equality
VERTEX_LIMIT = 60_000  # enumerate dual vertices when C(rows, k+1) is at most this; else solve LPs

# ---------------------------------------------------------------------------------------------------
# Relative magnitudes: ARP conditional-least-favourable hybrid (R deltarm.R, arp-nuisance.R)


def relative_magnitude_ci(betahat, sigma, *, num_pre: int, num_post: int, mbar: float, l_vec,
                          alpha: float = 0.05, grid_points: int = GRID_POINTS,
                          grid_bounds: tuple[float, float] | None = None, seed: int = 0) -> tuple[float, float]:
    """C-LF confidence set for l'tau_post under Delta^RM(Mbar) (R ``computeConditionalCS_DeltaRM``).

    Delta^RM(Mbar) is the union over the period s of the largest pre-period change and its sign of
    polyhedra {A delta <= 0} (Rambachan and Roth 2023, Lemma 2.2); theta is accepted when any of them
    accepts it. Returns the smallest and largest accepted grid values (NaN, NaN if none).
    """
    beta, sig, lv = np.asarray(betahat, float), np.asarray(sigma, float), np.asarray(l_vec, float)
    sd_theta = float(np.sqrt(lv @ sig[num_pre:, num_pre:] @ lv))
    lo, hi = grid_bounds or (-GRID_HALF_WIDTH * sd_theta, GRID_HALF_WIDTH * sd_theta)
    grid = np.linspace(lo, hi, grid_points)
    accept = np.zeros(grid_points, dtype=bool)
    for s, positive in itertools.product(range(-(num_pre - 1), 1), (True, False)):
        A = rm_constraints(num_pre, num_post, mbar=mbar, s=s, max_positive=positive)
        accept |= _arp_accept(beta, sig, A, grid, num_pre=num_pre, l_vec=lv, alpha=alpha, seed=seed)
    return _interval(grid, accept)


def _interval(grid: np.ndarray, accept: np.ndarray) -> tuple[float, float]:
    if not accept.any():
        return float("nan"), float("nan")
    if accept[0] or accept[-1]:
        warnings.warn("robust confidence set reaches the edge of the theta grid: reported as unbounded there; "
                      "widen grid_bounds", stacklevel=3)
    low = -np.inf if accept[0] else grid[accept].min()
    high = np.inf if accept[-1] else grid[accept].max()
    return float(low), float(high)


def rm_constraints(num_pre: int, num_post: int, *, mbar: float, s: int, max_positive: bool) -> np.ndarray:
    """A with Delta^RM_{s,sign}(Mbar) = {delta: A delta <= 0}, reference period dropped (R .create_A_RM)."""
    n = num_pre + num_post
    atilde = np.zeros((n, n + 1))
    for r in range(n):
        atilde[r, r:r + 2] = (-1.0, 1.0)
    v = np.zeros(n + 1)
    v[num_pre + s - 1:num_pre + s + 1] = (-1.0, 1.0)
    v = v if max_positive else -v
    bound = np.vstack([np.tile(v, (num_pre, 1)), np.tile(mbar * v, (num_post, 1))])
    A = np.vstack([atilde - bound, -atilde - bound])
    A = A[(A**2).sum(axis=1) > 1e-10]
    return np.delete(A, num_pre, axis=1)


def _arp_accept(beta, sigma, A, grid, *, num_pre, l_vec, alpha, seed) -> np.ndarray:
    """Accept/reject each theta of the grid with the ARP hybrid test (R .ARP_computeCI, LF hybrid)."""
    post_cols = slice(num_pre, A.shape[1])
    rows = np.flatnonzero(np.any(A[:, post_cols] != 0, axis=1))  # R postPeriodMomentsOnly = TRUE
    A = A[rows]
    a_gamma = A[:, post_cols] @ np.linalg.inv(_gamma(l_vec))
    y0, x = A @ beta, a_gamma[:, 1:]
    sig_y = A @ sigma @ A.T
    poly = _DualPolytope.build(np.sqrt(np.diag(sig_y)), x)
    kappa = KAPPA_SHARE * alpha
    lf_cv = _least_favorable_cv(poly, sig_y, kappa=kappa, seed=seed)
    accept = np.zeros(len(grid), dtype=bool)
    pending, cache = [], {}
    for i, th in enumerate(grid):
        out = _lf_stage(y0 - a_gamma[:, 0] * th, sig_y, poly, lf_cv=lf_cv, cache=cache)
        if isinstance(out, bool):
            accept[i] = not out
        else:
            pending.append((i, *out))
    if pending:  # the truncated-normal quantiles of every theta left at once (one scipy call, not one each)
        index, stat, zlo, zup = (np.array(v) for v in zip(*pending))
        accept[index] = ~_lf_reject(stat, zlo, zup, alpha=alpha, kappa=kappa)
    return accept


def _gamma(l_vec: np.ndarray) -> np.ndarray:
    """Invertible matrix with first row l' (R .construct_Gamma: pivot columns of rref([l, I]))."""
    B = np.column_stack([l_vec, np.eye(l_vec.size)])
    cols, rank = [], 0
    for j in range(B.shape[1]):
        if np.linalg.matrix_rank(B[:, cols + [j]]) > rank:
            cols, rank = cols + [j], rank + 1
    return B[:, cols].T


@dataclass(frozen=True)
class _DualPolytope:
    """{lambda >= 0 : sd'lambda = 1, X'lambda = 0}, the dual of min eta s.t. y - X delta <= eta * sd.

    ``maximize(Y)`` returns max over the polytope of lambda'y for each column y of Y, and the maximiser:
    the value of ARP's test LP and its dual weights (R .test_delta_lp_fn), or R .max_program. With few
    moments the polytope's vertices are enumerated once and every LP becomes a matrix product.
    """

    W: np.ndarray
    vertices: np.ndarray | None

    @classmethod
    def build(cls, sd: np.ndarray, x: np.ndarray) -> _DualPolytope:
        W = np.column_stack([sd, x])
        m, k1 = W.shape
        if math.comb(m, k1) > VERTEX_LIMIT:
            return cls(W=W, vertices=None)
        return cls(W=W, vertices=_vertices(W))

    def maximize(self, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Y = Y.reshape(self.W.shape[0], -1)
        if self.vertices is not None:
            vals = self.vertices @ Y
            best = vals.argmax(axis=0)
            return vals[best, np.arange(Y.shape[1])], self.vertices[best]
        out = [self._lp(Y[:, j]) for j in range(Y.shape[1])]
        return np.array([o[0] for o in out]), np.array([o[1] for o in out])

    def _lp(self, y: np.ndarray) -> tuple[float, np.ndarray]:
        e1 = np.r_[1.0, np.zeros(self.W.shape[1] - 1)]
        res = optimize.linprog(-y, A_eq=self.W.T, b_eq=e1, bounds=(0, None), method="highs")
        if res.status != 0:
            raise PolicyError(f"ARP linear program failed: {res.message}")
        return -res.fun, res.x


def _vertices(W: np.ndarray) -> np.ndarray:
    """Vertices of {lambda >= 0 : W'lambda = e1}: basic solutions on k+1 rows with lambda >= 0, in
    lexicographic order (as ``np.unique(axis=0)`` returns them). A polytope met before in this process is
    not enumerated again (the relative-magnitude sets of several Mbar share some)."""
    key = (W.shape, W.tobytes())
    found = _VERTEX_CACHE.get(key)
    if found is None:
        found = _enumerate_vertices(W)
        if len(_VERTEX_CACHE) >= VERTEX_CACHE_SIZE:
            _VERTEX_CACHE.pop(next(iter(_VERTEX_CACHE)))
        _VERTEX_CACHE[key] = found
    return found.copy()


VERTEX_CACHE_SIZE = 64
_VERTEX_CACHE: dict[tuple, np.ndarray] = {}


@functools.cache
def _subsets(m: int, k1: int) -> np.ndarray:
    """Every choice of k1 of m rows (read-only; enumerated once per shape)."""
    out = np.array(list(itertools.combinations(range(m), k1)), dtype=np.intp).reshape(-1, k1)
    out.setflags(write=False)
    return out


def _enumerate_vertices(W: np.ndarray) -> np.ndarray:
    m, k1 = W.shape
    subsets = _subsets(m, k1)
    mats = np.transpose(W[subsets], (0, 2, 1))  # (n, k1, k1): W_S'
    ok = np.abs(np.linalg.det(mats)) > 1e-12 * np.abs(W).max() ** k1
    e1 = np.r_[1.0, np.zeros(k1 - 1)]
    lam = np.linalg.solve(mats[ok], np.broadcast_to(e1, (int(ok.sum()), k1))[..., None])[..., 0]
    good = (lam >= -1e-12).all(axis=1)
    out = np.zeros((int(good.sum()), m))
    np.put_along_axis(out, subsets[ok][good], np.clip(lam[good], 0, None), axis=1)
    if out.shape[0] == 0:
        raise PolicyError("the moment inequalities have no dual vertex: the restriction cannot be tested")
    # np.unique(rounded, axis=0), faster: most bases are degenerate copies of a few vertices, so the rows
    # are first deduplicated by their bytes (a signed zero made positive), then the few left sorted
    # lexicographically and equal rows merged as np.unique does (tests/test_policy_honest.py).
    rounded = np.round(out, 14)
    row_bytes = np.ascontiguousarray(rounded + 0.0).view(np.dtype((np.void, rounded.dtype.itemsize * m)))[:, 0]
    _, first = np.unique(row_bytes, return_index=True)
    distinct = rounded[first]
    distinct = distinct[np.lexsort(distinct.T[::-1])]
    keep = np.r_[True, np.any(distinct[1:] != distinct[:-1], axis=1)]
    return distinct[keep]


def _least_favorable_cv(poly: _DualPolytope, sig_y: np.ndarray, *, kappa: float, seed: int) -> float:
    """1 - kappa quantile of the test statistic at y ~ N(0, Sigma_Y) (R .compute_least_favorable_cv)."""
    draws = r_mvnorm(LF_DRAWS, sig_y, seed=seed)
    eta, _ = poly.maximize(draws.T)
    return float(np.quantile(eta, 1 - kappa))  # R quantile type 7 = numpy "linear"


def _lf_test(y, sigma, poly: _DualPolytope, *, lf_cv, alpha, kappa) -> bool:
    """Reject theta? ARP conditional test with least-favourable first stage (R .lp_conditional_test_fn).
    One theta at a time; ``_arp_accept`` runs the same steps with the last one for every theta at once."""
    out = _lf_stage(y, sigma, poly, lf_cv=lf_cv)
    if isinstance(out, bool):
        return out
    stat, zlo, zup = out
    mod_size = (alpha - kappa) / (1 - kappa)
    return stat > max(0.0, _truncnorm_quantile(1 - mod_size, zlo, zup))


def _lf_reject(stat: np.ndarray, zlo: np.ndarray, zup: np.ndarray, *, alpha, kappa) -> np.ndarray:
    """The second stage of ``_lf_test`` for many thetas: stat above the 1 - (alpha - kappa)/(1 - kappa)
    quantile of N(0,1) truncated to [zlo, zup], or above 0 (Python's max(0, q): a NaN quantile is 0)."""
    mod_size = (alpha - kappa) / (1 - kappa)
    q = stats.truncnorm.ppf(1 - mod_size, zlo, zup)
    return stat > np.where(q > 0.0, q, 0.0)


def _lf_stage(y, sigma, poly: _DualPolytope, *, lf_cv, cache: dict | None = None) -> bool | tuple[float, float, float]:
    """``_lf_test`` up to its last step: the decision (True = reject) when it needs no quantile, else
    (stat, zlo, zup) for ``_lf_reject``. ``cache`` keeps what depends only on the binding moments."""
    eta_arr, lam_arr = poly.maximize(y)
    eta, lam = float(eta_arr[0]), lam_arr[0]
    if eta > lf_cv:
        return True
    k = poly.W.shape[1] - 1
    binding = lam > TOL_LAMBDA
    key = binding.tobytes()
    if cache is not None and key in cache:
        full_rank, primal = cache[key]
    else:
        x_b = poly.W[binding, 1:]
        full_rank = x_b.size > 0 and np.linalg.matrix_rank(x_b) == min(x_b.shape)
        primal = _primal_parts(sigma, poly.W, binding) if full_rank and binding.sum() == k + 1 else None
        if cache is not None:
            cache[key] = (full_rank, primal)
    if full_rank and binding.sum() == k + 1:
        z, sd_b = _bounds_primal(y, sigma, poly.W, binding, parts=primal)
    else:
        sd2 = float(lam @ sigma @ lam)
        if abs(sd2) < np.finfo(float).eps:
            return eta > 0
        sd_b = math.sqrt(sd2)
        z = _bounds_dual(y, sigma, lam, eta, poly, sd_b)
    zlo, zup = z[0] / sd_b, min(z[1], lf_cv) / sd_b
    stat = eta / sd_b
    if not zlo <= stat <= zup:
        return False
    return stat, zlo, zup


def _primal_parts(sigma, W, binding) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """What ``_bounds_primal`` needs that does not depend on y: gamma_b, v_b, sd2, rho."""
    m = W.shape[0]
    inv_b = np.linalg.inv(W[binding])
    s_b, s_bc = np.eye(m)[binding], np.eye(m)[~binding]
    gamma_b = W[~binding] @ inv_b @ s_b - s_bc
    v_b = (inv_b[0] @ s_b)
    sd2 = float(v_b @ sigma @ v_b)
    rho = gamma_b @ sigma @ v_b / sd2
    return gamma_b, v_b, sd2, rho


def _bounds_primal(y, sigma, W, binding, parts=None) -> tuple[tuple[float, float], float]:
    """Conditioning bounds (vlo, vup) and sd of the statistic, non-degenerate case (R, closed form)."""
    gamma_b, v_b, sd2, rho = _primal_parts(sigma, W, binding) if parts is None else parts
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = -(gamma_b @ y) / rho + v_b @ y
    vlo = cut[rho > 0].max() if (rho > 0).any() else -np.inf
    vup = cut[rho < 0].min() if (rho < 0).any() else np.inf
    return (float(vlo), float(vup)), math.sqrt(sd2)


def _bounds_dual(y, sigma, gamma, eta, poly: _DualPolytope, sd_b) -> tuple[float, float]:
    """Conditioning bounds from the dual LP, degenerate case (R .vlo_vup_dual_fn).

    With s = (I - b gamma') y and b = Sigma gamma / gamma'Sigma gamma, g(c) = max lambda'(s + b c) >= c
    and g(c) = c exactly on [vlo, vup]; found by Newton steps on the active dual vertex.
    """
    b = sigma @ gamma / float(gamma @ sigma @ gamma)
    s = y - b * float(gamma @ y)
    g = lambda c: poly.maximize(s + b * c)  # noqa: E731
    if abs(g(eta)[0][0] - eta) > TOL_DUAL:
        return eta, np.inf
    far = 20 * sd_b
    vup = _crossing(g, s, b, start=max(100.0, eta + far), inner=eta)
    vlo = _crossing(g, s, b, start=min(-100.0, eta - far), inner=eta)
    return vlo, vup


def _crossing(g, s, b, *, start: float, inner: float) -> float:
    """End of {c : g(c) = c} on the side of ``start`` (infinite if start is inside)."""
    val, lam = g(start)
    if abs(start - val[0]) <= TOL_DUAL:
        return np.inf if start > inner else -np.inf
    c, lo, hi = start, min(inner, start), max(inner, start)
    for _ in range(100):
        denom = 1.0 - float(lam[0] @ b)
        num = float(lam[0] @ s)
        c_new = (0.0 if abs(num) < np.finfo(float).eps ** 0.75 else num) / denom if abs(denom) > 1e-14 else inner
        if not lo - 1e-9 <= c_new <= hi + 1e-9:
            break
        c = c_new
        val, lam = g(c)
        if abs(c - val[0]) <= TOL_DUAL:
            return c
    return _bisect_crossing(g, inner, c)


def _bisect_crossing(g, inside: float, outside: float) -> float:
    """Bisection fallback of R .vlo_vup_dual_fn (tolerance 1e-6)."""
    while abs(outside - inside) > TOL_DUAL:
        mid = (inside + outside) / 2
        if abs(mid - g(mid)[0][0]) <= TOL_DUAL:
            inside = mid
        else:
            outside = mid
    return (inside + outside) / 2


def _truncnorm_quantile(p: float, lo: float, hi: float) -> float:
    """p quantile of N(0,1) truncated to [lo, hi] (R TruncatedNormal::norminvp)."""
    return float(stats.truncnorm.ppf(p, lo, hi))


# ---------------------------------------------------------------------------------------------------
# R's normal draws


def r_rnorm(n: int, *, seed: int = 0) -> np.ndarray:
    """The draws of R's ``set.seed(seed); rnorm(n)`` (Mersenne-Twister, inversion; R >= 3.6 defaults).

    Reproduces R's seed scrambling (50 LCG steps, then 625 LCG values as the Mersenne-Twister state) and
    its inversion method (two uniforms per draw, u = floor(2^27 u1) + u2, qnorm(u / 2^27)).
    """
    state = np.uint64(seed) & np.uint64(0xFFFFFFFF)
    values = []
    for j in range(50 + 625):
        state = (np.uint64(69069) * state + np.uint64(1)) & np.uint64(0xFFFFFFFF)
        if j >= 50:
            values.append(state)
    gen = np.random.MT19937()
    gen.state = {"bit_generator": "MT19937", "state": {"key": np.array(values[1:], dtype=np.uint32), "pos": 624}}
    u = gen.random_raw(2 * n).astype(float) * 2.3283064365386963e-10
    u = np.clip(u, 0.5 * 2.328306437080797e-10, 1 - 0.5 * 2.328306437080797e-10)  # R fixup()
    big = 134217728.0
    return special.ndtri((np.floor(big * u[0::2]) + u[1::2]) / big)


def r_mvnorm(n: int, sigma: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """R ``set.seed(seed); mvtnorm::rmvnorm(n, sigma = sigma)`` (eigen square root, draws by row)."""
    vals, vecs = np.linalg.eigh(sigma)
    root = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    z = r_rnorm(n * sigma.shape[0], seed=seed).reshape(n, sigma.shape[0])
    return z @ root
