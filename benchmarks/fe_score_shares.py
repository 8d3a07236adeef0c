"""How much of the national FE OLS's clustered variance one province carries, unweighted and weighted.

    .venv/bin/python benchmarks/fe_score_shares.py --reps 0 1 2 [--scale 0.001]

For each replicate of the national Monte Carlo world (``montecarlo_national``: both worlds, the same seeds
as the gate), the drivers model is fitted from the provinces' blocks as the national step does, unweighted
and with each province weighted by its precision (``models.precision_weights``). For each slope it prints
the estimate, the CR1 standard error, the target (the same projection of the expected overdue shares) and
the province with the largest share of the squared influence sum (the CR1 "meat"): when one province
carries most of it, the CR1 t statistic is bounded near one and the interval over-covers. Also printed:
Sóc Trăng's (94) two-way demeaned overdue variance per group-month against the median province's.
A diagnostic for docs/national.md ("One province's weight"); about 20 s a replicate and world.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from scipy import linalg


def shares(blocks) -> tuple[str, dict[str, float]]:
    from analysis.models import blocks as fe

    by, _ = fe._demeaned_cross(blocks)
    total = sum(by.values())
    beta = linalg.solve(total[1:, 1:], total[1:, 0])
    bread = linalg.inv(total[1:, 1:])
    names = list(by)
    infl = np.array([bread @ (c[1:, 0] - c[1:, 1:] @ beta) for c in by.values()]) ** 2
    infl = infl / infl.sum(axis=0)
    top = infl.argmax(axis=0)
    resid = {n: (c[0, 0] - 2 * beta @ c[1:, 0] + beta @ c[1:, 1:] @ beta) / blocks[n].n_obs for n, c in by.items()}
    terms = next(iter(blocks.values())).names[1:]
    return ", ".join(f"{t} {names[k]} {infl[k, j]:.2f}" for j, (t, k) in enumerate(zip(terms, top))), resid


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--scale", type=float, default=0.001)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from analysis import models
    from analysis.constants import SEED
    from analysis.data.synthetic import country
    from analysis.data.synthetic.country.plan import POLICY_ON
    from analysis.results import montecarlo_national as mn

    for rep in args.reps:
        for world in mn.WORLDS:
            plan = country.make_plan(SEED + rep, scale=args.scale, start=mn.DEFAULTS["start"], end=mn.DEFAULTS["end"],
                                     policy={k: world == "effect" for k in POLICY_ON})
            parts, truth = mn._country_parts(plan)
            observed, expected = parts["blocks"]["fe"], truth["expected"]
            weights = models.precision_weights(observed)
            for label, obs, exp in (("unweighted", observed, expected),
                                    ("weighted", models.reweighted(observed, weights),
                                     models.reweighted(expected, weights))):
                fit = models.fe_ols_blocks(obs).tidy().set_index("term")
                target = models.fe_ols_blocks(exp).tidy().set_index("term")["estimate"] * (world == "effect")
                top, resid = shares(obs)
                cells = "; ".join(f"{t} {100 * fit.loc[t, 'estimate']:+.4f} (se {100 * fit.loc[t, 'std_error']:.4f}, "
                                  f"target {100 * target[t]:+.4f})" for t in fit.index)
                print(f"rep {rep} {world:6s} {label:10s} {cells}; largest share of the CR1 meat: {top}")
            _, resid = shares(observed)
            print(f"rep {rep} {world:6s} Sóc Trăng's demeaned overdue variance per group-month: "
                  f"{resid['94'] / np.median(list(resid.values())):.0f} x the median province's", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
