"""Randomization inference for a staggered reform assigned by cluster (district).

With 11 districts, 8 adopting in 3 cohorts and 3 never, every interval that leans on a large number
of clusters is a promise the data cannot keep. The design-based alternative (Fisher 1935; Imbens and
Rubin 2015, ch. 5; for staggered adoption Roth and Sant'Anna 2023, "Efficient estimation for
staggered rollout designs", JPE Microeconomics 1(4)) asks how unusual the estimate is among all the
ways the same cohorts could have been assigned to the districts: every permutation of the observed
cohort labels across clusters (92,400 for 3+3+2 adopters and 3 never-treated among 11), exactly when
their number is at most ``max_exact``, else a seeded random sample of them.

The statistic is the **studentised** Callaway-Sant'Anna simple ATT (never-treated comparisons,
additive trends, CR1 cluster standard error), which keeps the test valid for the weak null of a zero
average effect with heterogeneous effects in large samples and exact for the sharp null (Wu and Ding
2021, JASA 116(536)). The confidence interval inverts the test of a constant additive effect tau:
Y(0) = Y - tau D, and tau is kept when its p-value exceeds alpha.

The estimator is computed from cluster-by-period sums, so one permutation costs a few operations on
an 11 x T array: for cohort g and post period t (base period b = g - 1 - anticipation) the sums over
each cluster's units observed in both t and b of y_t - y_b (``S``), of D_t - D_b (``H``, the observed
treatment, for Y(0)) and their counts (``N``). ``engine`` reproduces ``did.att_gt`` + ``aggte(kind=
"simple")`` with ``Inference(kind="cluster")`` exactly (tests/test_policy_reform.py). Both the ATT and
the cluster influence sums are linear in the outcome, so the statistic at any tau follows from two
evaluations (on S and on H).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import pandas as pd

from analysis.constants import SEED

from .results import PolicyError

MAX_EXACT = 200_000  # enumerate every assignment up to this many, else sample
N_SAMPLE = 9_999  # sampled assignments when enumeration is too large
CHUNK = 4_000  # assignments evaluated at once (memory: CHUNK x clusters x periods)
TIE_TOL = 1e-9  # |t*| within this relative margin of |t| counts as at least as extreme


@dataclass(frozen=True)
class ClusterSums:
    """Cluster-by-period sums of the design (see the module docstring).

    Attributes: clusters (labels, sorted), cohorts (cohort value of each cluster, 0 = never),
    cohort_values (the distinct adoption periods), n_units (units per cluster), times (all periods),
    post (per cohort value: periods t >= g with its S, H, N arrays of shape clusters x periods).
    """

    clusters: np.ndarray
    cohorts: np.ndarray
    cohort_values: np.ndarray
    n_units: np.ndarray
    times: np.ndarray
    post: dict


def cluster_sums(data: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str, cluster: str,
                 anticipation: int = 0) -> ClusterSums:
    """Build the cluster-by-period sums from a long panel (one row per unit and period)."""
    missing = [c for c in (outcome, unit, time, cohort, cluster) if c not in data.columns]
    if missing:
        raise PolicyError(f"column(s) {', '.join(missing)} not in the data")
    df = data[list(dict.fromkeys((unit, time, outcome, cohort, cluster)))]
    if df.duplicated([unit, time]).any():
        raise PolicyError(f"more than one row per {unit} and {time}")
    per_unit = df.groupby(unit, sort=True).agg(g=(cohort, "first"), c=(cluster, "first"))
    if (df.groupby(cluster)[cohort].nunique() > 1).any():
        raise PolicyError(f"randomization inference permutes cohorts across {cluster}s, so {cohort} must be "
                          f"constant within each {cluster}; use cluster='{unit}' for unit-level assignment")
    times = np.sort(df[time].unique()).astype(np.int64)
    wide = df.pivot(index=unit, columns=time, values=outcome).reindex(index=per_unit.index, columns=times)
    y = wide.to_numpy(dtype=float)
    g_unit = per_unit["g"].fillna(0).to_numpy(dtype=np.int64)
    clusters, c_code = np.unique(per_unit["c"].astype(str).to_numpy(), return_inverse=True)
    g_cluster = np.zeros(len(clusters), dtype=np.int64)
    g_cluster[c_code] = g_unit
    always = (g_cluster > 0) & (g_cluster <= times[0] + anticipation)
    if always.any():
        raise PolicyError(f"{cluster}(s) {list(clusters[always])} are treated in the first period: no pre-period")
    values = np.unique(g_cluster[g_cluster > 0])
    if values.size == 0 or not (g_cluster == 0).any():
        raise PolicyError("randomization inference needs treated and never-treated clusters")
    post = {}
    for g in values:
        base = np.flatnonzero(times + anticipation < g)
        if base.size == 0:
            continue
        b = base[-1]
        cols = np.flatnonzero(times >= g)
        dy = y[:, cols] - y[:, [b]]
        ok = np.isfinite(dy)
        d_unit = (times[cols][None, :] >= g_unit[:, None]) & (g_unit[:, None] > 0)
        d_base = (times[b] >= g_unit) & (g_unit > 0)
        h = d_unit.astype(float) - d_base[:, None].astype(float)
        post[int(g)] = {"times": times[cols], "base": int(times[b]),
                        "S": _by_cluster(np.where(ok, dy, 0.0), c_code, len(clusters)),
                        "H": _by_cluster(np.where(ok, h, 0.0), c_code, len(clusters)),
                        "N": _by_cluster(ok.astype(float), c_code, len(clusters))}
    n_units = np.bincount(c_code, minlength=len(clusters)).astype(float)
    return ClusterSums(clusters=clusters, cohorts=g_cluster, cohort_values=values, n_units=n_units,
                       times=times, post=post)


def _by_cluster(values: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, values.shape[1]))
    np.add.at(out, codes, values)
    return out


def engine(sums: ClusterSums, assignments: np.ndarray, *, outcome: str = "S") -> tuple[np.ndarray, np.ndarray]:
    """Simple ATT and cluster influence sums for each assignment.

    ``assignments``: A x clusters array of cohort values (0 = never). Returns (att: A, psi: A x
    clusters), with psi scaled as R did (Var = G/(G-1) sum psi^2 / n^2). ``outcome`` "S" uses the
    outcome, "H" the observed treatment indicator (for Y(0) = Y - tau D).
    """
    n = sums.n_units.sum()
    A, G = assignments.shape
    num = np.zeros(A)
    s = np.zeros(A)
    inf_part = np.zeros((A, G))
    ind_att = np.zeros((A, G))  # sum_c ind_dc att_c
    ind_count = np.zeros((A, G))  # sum_c ind_dc
    pg_att = np.zeros(A)  # sum_c pg_c att_c
    control = (assignments == 0).astype(float)
    for g, cell in sums.post.items():
        treat = (assignments == g).astype(float)
        S, N = cell[outcome], cell["N"]
        n1, n0 = treat @ N, control @ N
        with np.errstate(divide="ignore", invalid="ignore"):
            m1, m0 = (treat @ S) / n1, (control @ S) / n0
        valid = (n1 > 0) & (n0 > 0)
        att = np.where(valid, m1 - m0, 0.0)
        pg = treat @ sums.n_units / n
        w = pg[:, None] * valid
        num += (w * att).sum(axis=1)
        s += w.sum(axis=1)
        m1z, m0z = np.where(valid, m1, 0.0), np.where(valid, m0, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            a1 = np.where(valid, n / n1, 0.0) * w
            a0 = np.where(valid, n / n0, 0.0) * w
        # sum_t w_t [ treated: n/n1 (S_dt - N_dt m1_t); control: -n/n0 (S_dt - N_dt m0_t) ]
        inf_part += treat * (a1 @ S.T - (a1 * m1z) @ N.T) - control * (a0 @ S.T - (a0 * m0z) @ N.T)
        ind = sums.n_units[None, :] * (treat - pg[:, None])
        ind_att += ind * att.sum(axis=1)[:, None]
        ind_count += ind * valid.sum(axis=1)[:, None]
        pg_att += pg * att.sum(axis=1)
    if np.any(s <= 0):
        raise PolicyError("an assignment has no post-treatment cell with treated and comparison units")
    att = num / s
    psi = inf_part / s[:, None] + ind_att / s[:, None] - ind_count * (pg_att / s**2)[:, None]
    return att, psi


def standard_error(psi: np.ndarray, n: float) -> np.ndarray:
    """CR1 standard error from cluster influence sums (A x G)."""
    G = psi.shape[1]
    return np.sqrt(G / (G - 1) * (psi**2).sum(axis=1)) / n


def count_assignments(cohorts: np.ndarray) -> int:
    """Distinct assignments of the observed cohort labels to clusters (a multinomial coefficient)."""
    _, counts = np.unique(cohorts, return_counts=True)
    total = math.factorial(len(cohorts))
    for c in counts:
        total //= math.factorial(int(c))
    return total


def assignments(cohorts: np.ndarray, *, max_exact: int = MAX_EXACT, n_sample: int = N_SAMPLE,
                seed: int = SEED) -> tuple[np.ndarray, bool]:
    """Every distinct permutation of ``cohorts`` across clusters when at most ``max_exact`` (the
    observed one included), else the observed plus ``n_sample`` seeded random permutations."""
    total = count_assignments(cohorts)
    if total <= max_exact:
        return _every_assignment(tuple(int(c) for c in cohorts)).copy(), True
    rng = np.random.default_rng(seed)
    draws = np.array([rng.permutation(cohorts) for _ in range(n_sample)])
    return np.vstack([cohorts[None, :], draws]), False


@lru_cache(maxsize=8)
def _every_assignment(cohorts: tuple[int, ...]) -> np.ndarray:
    """Every distinct permutation, the observed one first (cached: Monte Carlo replicates share it)."""
    observed = np.array(cohorts, dtype=np.int64)
    every = _distinct_permutations(observed)
    first = np.flatnonzero((every == observed[None, :]).all(axis=1))[0]
    return every[np.r_[first, np.delete(np.arange(len(every)), first)]]


def _distinct_permutations(values: np.ndarray) -> np.ndarray:
    """All distinct orderings of a multiset: each label in turn (ascending) placed on every combination of
    the positions still free, for every arrangement so far, in that order (arrangement, then combination).
    Whole arrays at each label; ``_distinct_permutations_by_loop`` (the previous path) gives the same rows
    in the same order (tests/test_fast_paths.py)."""
    labels, counts = np.unique(values, return_counts=True)
    G = len(values)
    out = np.zeros((1, G), dtype=values.dtype)
    free = np.ones((1, G), dtype=bool)
    for label, count in zip(labels, counts):
        n, n_free, count = out.shape[0], int(free[0].sum()), int(count)
        combos = np.array(list(combinations(range(n_free), count)), dtype=np.intp).reshape(-1, count)
        positions = np.nonzero(free)[1].reshape(n, n_free)  # each arrangement's free positions, ascending
        chosen = positions[np.arange(n)[:, None, None], combos[None, :, :]].reshape(-1)
        rows = np.repeat(np.arange(n * len(combos)), count)
        out, free = np.repeat(out, len(combos), axis=0), np.repeat(free, len(combos), axis=0)
        out[rows, chosen] = label
        free[rows, chosen] = False
    return out


def _distinct_permutations_by_loop(values: np.ndarray) -> np.ndarray:
    """``_distinct_permutations`` one arrangement and combination at a time (the previous path)."""
    labels, counts = np.unique(values, return_counts=True)
    G = len(values)
    out = [np.zeros(G, dtype=values.dtype)]
    free = [np.ones(G, dtype=bool)]
    for label, count in zip(labels, counts):
        new_out, new_free = [], []
        for arr, fr in zip(out, free):
            idx = np.flatnonzero(fr)
            for pos in combinations(idx, int(count)):
                a, f = arr.copy(), fr.copy()
                a[list(pos)] = label
                f[list(pos)] = False
                new_out.append(a)
                new_free.append(f)
        out, free = new_out, new_free
    return np.array(out)


@dataclass(frozen=True)
class RandomizationTest:
    """The permutation distribution of the studentised ATT, as linear pieces in tau.

    t_a(tau) = (att_a - tau * att_h_a) / se_a(tau), se_a(tau)^2 = c * sum_d (psi_ad - tau * psih_ad)^2.
    Row 0 is the observed assignment.
    """

    att: np.ndarray
    att_h: np.ndarray
    psi: np.ndarray
    psi_h: np.ndarray
    n: float
    exact: bool

    def statistics(self, tau: float) -> np.ndarray:
        se = standard_error(self.psi - tau * self.psi_h, self.n)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.att - tau * self.att_h) / se

    def p_value(self, tau: float = 0.0) -> float:
        t = np.abs(self.statistics(tau))
        t = np.where(np.isfinite(t), t, 0.0)
        observed = t[0]
        extreme = t >= observed * (1 - TIE_TOL)
        if self.exact:
            return float(extreme.mean())
        return float(extreme.sum() / len(t))  # observed row counted once: (1 + #) / (B + 1)

    def interval(self, estimate: float, se: float, *, alpha: float) -> tuple[float, float]:
        """{tau : p(tau) > alpha}, by a scan outwards from the estimate and bisection."""
        return (_edge(self, estimate, -se, alpha), _edge(self, estimate, se, alpha))


def _edge(test: RandomizationTest, estimate: float, step: float, alpha: float) -> float:
    inside = estimate
    if test.p_value(inside) <= alpha:
        return estimate
    outside = None
    for k in range(1, 400):
        tau = estimate + k * step * 0.25
        if test.p_value(tau) <= alpha:
            outside = tau
            break
        inside = tau
    if outside is None:
        return float("inf") * np.sign(step)
    for _ in range(50):
        mid = (inside + outside) / 2
        if test.p_value(mid) > alpha:
            inside = mid
        else:
            outside = mid
        if abs(outside - inside) < 1e-6 * max(abs(step), 1e-12):
            break
    return float((inside + outside) / 2)


def randomization_test(sums: ClusterSums, *, max_exact: int = MAX_EXACT, n_sample: int = N_SAMPLE,
                       seed: int = SEED) -> RandomizationTest:
    """Evaluate every (or sampled) assignment once on the outcome and once on the treatment."""
    assign, exact = assignments(sums.cohorts, max_exact=max_exact, n_sample=n_sample, seed=seed)
    parts = {"S": ([], []), "H": ([], [])}
    for start in range(0, len(assign), CHUNK):
        block = assign[start:start + CHUNK]
        for key in parts:
            att, psi = engine(sums, block, outcome=key)
            parts[key][0].append(att)
            parts[key][1].append(psi)
    cat = {k: (np.concatenate(v[0]), np.vstack(v[1])) for k, v in parts.items()}
    return RandomizationTest(att=cat["S"][0], att_h=cat["H"][0], psi=cat["S"][1], psi_h=cat["H"][1],
                             n=float(sums.n_units.sum()), exact=exact)


__all__ = ["ClusterSums", "RandomizationTest", "assignments", "cluster_sums", "count_assignments", "engine",
           "randomization_test", "standard_error"]
