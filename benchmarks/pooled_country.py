"""The pooled reform on a country folder, against the generator's truth and each adopting province alone.

    .venv/bin/python benchmarks/pooled_country.py --data /tmp/natprep/country

For every province with a reform: its partitions are loaded and built into its panel, reduced to the sums
the national prepare writes (``reductions.estimator_parts``), and the reform evaluated inside the
province as its own prepare does (``policy.reform_effect``: randomization inference, its MDE). The sums
are then pooled as the national step pools them (``reductions._pooled``: the reform adopted in the most
districts, the provinces' overdue levels for the design weights). Prints every row of the pooled table
(estimate, interval, MDE, degrees of freedom), the truth each row targets (``truth.json``: the simple
ATT's mean over treated group-months, the weighted rows' weights times the provinces' true effects),
whether the interval covers it, and whether its MDE is below every adopting province's own. Not a test:
a check of issue 17's "the pooled estimate covers the truth and its MDE is below every province's" on
the synthetic country, without the rest of the national prepare (about 2 minutes on one core).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a country folder (python -m analysis synth --country)")
    args = parser.parse_args()

    from analysis import policy
    from analysis.data import loading, panel
    from analysis.data.synthetic import country
    from analysis.results import reductions

    data = Path(args.data)
    reforms = pd.read_parquet(data / "reforms.parquet")
    units = pd.read_parquet(data / "units.parquet", columns=["district", "province"]).drop_duplicates()
    codes = sorted(units.loc[units["district"].astype(str).isin(reforms["unit"].astype(str)), "province"]
                   .astype(str).unique())
    sums, districts, series, own = [], [], [], []
    for code in codes:
        tables = loading.load(data, provinces=[code])
        frame = panel.build(tables)
        parts, _ = reductions.estimator_parts(frame, tables)
        sums.append(parts["reform_sums"])
        districts.append(parts["reform_districts"])
        series.append(parts["series_province_m"])
        rows = tables.get("reforms")
        for name in sorted(rows["reform"].astype(str).unique()) if rows is not None else []:
            chosen = rows[rows["reform"].astype(str) == name]
            try:
                rp = policy.reform_panel(frame, chosen, freq="month")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    head = policy.reform_effect(rp, outcome="y", unit="group_id", time="period", cohort="cohort",
                                                cluster="district", freq="month")
            except policy.PolicyError as exc:
                print(f"{code}: {name}: not evaluated ({exc})")
                continue
            own.append({"province": code, "reform": name, **head.table.iloc[0][["estimate", "mde"]].to_dict()})
        print(f"{code}: {len(frame):,} group-months", flush=True)
    tables, headlines, meta, skipped = {}, {}, {}, {}
    levels = reductions.province_levels(reductions.province_ratios(pd.concat(series, ignore_index=True)))
    reductions._pooled(pd.concat(sums, ignore_index=True), pd.concat(districts, ignore_index=True), tables,
                       headlines, meta, skipped, honest=False, levels=levels)
    if "reform_pooled" not in headlines:
        raise SystemExit(f"no pooled reform: {skipped}")
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))["provinces"]
    info = headlines["reform_pooled"].extras
    name = info["reform"]
    mine = pd.DataFrame(own)
    mine = mine[(mine["reform"] == name) & mine["province"].isin(info["provinces"])]
    simple = country.pooled_reform_truth(truth, info["provinces"]).get("att_simple_pp")
    weighted = {key: country.pooled_reform_truth(truth, info["provinces"], weights=info[key]).get("att_pp")
                for key in ("precision_weights", "level_weights") if key in info}
    target = {"ATT": simple, "ATT_precision": weighted.get("precision_weights"),
              "ATT_precision_hk": weighted.get("precision_weights"), "ATT_level": weighted.get("level_weights"),
              "ATT_level_cr2": weighted.get("level_weights"), "ATT_level_hk": weighted.get("level_weights")}
    table = tables["national_reform"]
    table = table[table["reform"].astype(str) == name].copy()
    table["truth"] = table["term"].map(target)
    table["covers"] = (table["conf_low"] <= table["truth"]) & (table["truth"] <= table["conf_high"])
    table["mde_below_every_province"] = table["mde"] < mine["mde"].min()
    print(f"\nreform {name!r}: {len(info['provinces'])} provinces, {info['n_adopting_districts']} adopting and "
          f"{info['n_never_districts']} never-treated districts")
    print(table[["term", "estimate", "conf_low", "conf_high", "mde", "dof", "truth", "covers",
                 "mde_below_every_province"]].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print("\neach adopting province alone (randomization inference):")
    print(mine.sort_values("mde").to_string(index=False, float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()
