"""Coverage of the policy estimators' intervals over seeds of the full synthetic province.

    .venv/bin/python benchmarks/policy_seeds.py [--seeds 20211231 1 2 3 4 5 6 7]

Prints, per seed, the true Directive 40 level change and reform ATT (truth.json) with the
estimates and 95% intervals: ITS (district panel, clustered; province series, HAC) and
Callaway-Sant'Anna (never treated; additive and multiplicative trends) and static TWFE, then the
coverage counts. Figures, not a test.
"""

from __future__ import annotations

import argparse
import warnings

from analysis.data import panel, synth

from analysis import policy
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[20211231, 1, 2, 3, 4, 5, 6, 7])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    hits: dict[str, list[bool]] = {}
    for seed in args.seeds:
        sd = synth.generate(seed=seed)
        frame = panel.build(sd.tables)
        window = tuple(sd.truth["directive40"]["its_window"])
        level = sd.truth["directive40"]["level_change_pp"]
        att = sd.truth["reforms"]["att_simple_pp"]
        rows = {}
        for name, level_kind in (("ITS district panel", "district"), ("ITS province HAC", "province")):
            res = policy.its(policy.monthly_series(frame, level=level_kind), window=window).tidy().iloc[0]
            rows[name] = (level, res)
        rp = policy.reform_panel(frame, sd.tables["reforms"])
        inference = policy.Inference(kind="cluster", cluster="district")
        for trends in ("additive", "multiplicative"):
            gt = policy.att_gt(rp, outcome="y", unit="group_id", time="period", cohort="cohort",
                               inference=inference, trends=trends)
            rows[f"CS {trends}"] = (att, policy.aggte(gt, kind="simple").tidy().iloc[0])
        tw = policy.twfe(rp, outcome="y", unit="group_id", time="period", cohort="cohort", cluster="district")
        rows["TWFE"] = (att, tw.tidy().iloc[0])
        parts = []
        for name, (true, r) in rows.items():
            covered = r.conf_low <= true <= r.conf_high
            hits.setdefault(name, []).append(covered)
            parts.append(f"{name} {r.estimate:+.3f} [{r.conf_low:+.3f}, {r.conf_high:+.3f}]{'' if covered else ' MISS'}")
        print(f"seed {seed}: truth level {level:+.3f}, ATT {att:+.3f} | " + " | ".join(parts), flush=True)
    print("coverage of the 95% intervals:")
    for name, h in hits.items():
        print(f"  {name}: {sum(h)}/{len(h)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
