"""The national prepare's map and reduce: small per-province parts, and the national tables made from them.

Map (``province_parts``, inside each province's task): from that province's analysis frame, the parts
the national steps need, each summable across provinces: the monthly series by old province and by
the new province its communes map to (``indicators.series``: sums of groups, borrowers, outstanding,
overdue, frozen), the province's monthly sums for the dose design (``policy.dose_sums``), its districts
and its old -> new province map, and the sufficient statistics of the national FE OLS
(``models.fe_block``). They are written to ``province=XX/parts/`` (``PART_TABLES``, keys checked).

Reduce (``reduce_national``, once): the national monthly series by old province, by new province
(across the July 2025 reorganisation: every group mapped the same way in every month) and for the
country; Directive 40 on the national series (``policy.directive_effect``); the Directive by dose
across provinces (``policy.directive_dose_sums``: province dose = pre-Directive meeting shortfall
against the country, province and month effects, wild cluster bootstrap by province); the national
FE OLS of the drivers model (``models.fe_ols_blocks``: group and month effects, exact map-reduce, CR1
by province); the per-province FE Poisson estimates side by side (a national Poisson is not fitted:
each IRLS step would need a pass over every province; the one-province headline model stays the
province's); a province summary, the district -> province lookup and the province map. Time and memory
of the reduce grow with the number of provinces and months, not with the group-months.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.constants import ALPHA, POWER
from analysis.data import hierarchy, indicators
from analysis.results import prepare
from analysis.results.estimates import Estimate
from analysis.results.store import TableSpec, read_table, write_table

PARTS = "parts"
FE_BLOCK = "fe_ols.npz"
FE_Y, FE_X = "overdue_share", ("group_meetings", "check_share")  # prepare.MAIN_FORMULA
SERIES_COLUMNS = ["groups", "borrowers", "outstanding", "overdue", "frozen"]

_M, _Y = "M", "Y"
PART_TABLES: dict[str, TableSpec] = {
    "series_province_m": TableSpec(("province", "period"), _M),
    "series_new_province_m": TableSpec(("new_province", "period"), _M),
    "dose_sums": TableSpec(("province", "month")),
    "districts": TableSpec(("district",)),
    "province_map": TableSpec(("province", "new_province")),
}
NATIONAL_TABLES: dict[str, TableSpec] = {
    "national_m": TableSpec(("period",), _M),
    "national_y": TableSpec(("period",), _Y),
    "province_m": TableSpec(("province", "period"), _M),
    "province_y": TableSpec(("province", "period"), _Y),
    "new_province_m": TableSpec(("new_province", "period"), _M),
    "new_province_y": TableSpec(("new_province", "period"), _Y),
    "province_summary": TableSpec(("province",)),
    "province_map": TableSpec(("province", "new_province")),
    "district_province": TableSpec(("district",)),
    "province_runs": TableSpec(("province",)),
    "national_directive": TableSpec(("term",)),
    "national_directive_series": TableSpec(("month",)),
    "national_directive_placebo": TableSpec(("placebo_month", "term")),
    "national_dose": TableSpec(("term",)),
    "national_dose_provinces": TableSpec(("province",)),
    "national_fe_ols": TableSpec(("term",)),
    "national_fe_poisson_by_province": TableSpec(("province", "term")),
}


# ---------------------------------------------------------------------------------------------
# map: one province
# ---------------------------------------------------------------------------------------------

def province_parts(frame: pd.DataFrame, tables: dict[str, pd.DataFrame], folder: Path) -> dict:
    """Write the province's parts to ``folder`` (``PART_TABLES`` and the FE block); returns row counts."""
    from analysis import models, policy

    folder.mkdir(parents=True, exist_ok=True)
    parts = {
        "series_province_m": indicators.series(frame, scheme="province", freq="M").drop(columns="scheme"),
        "series_new_province_m": indicators.series(frame, scheme="new_province", freq="M").drop(columns="scheme"),
        "dose_sums": policy.dose_sums(frame, unit="province", cluster="province"),
        "districts": frame.drop_duplicates("district")[["district", "district_name", "province", "province_name"]],
        "province_map": hierarchy.province_map(tables["units"], tables["groups"], tables.get("group_months")),
    }
    for name, table in parts.items():
        write_table(table.reset_index(drop=True), folder / f"{name}.parquet", spec=PART_TABLES[name])
    block = models.fe_block(frame, y=FE_Y, x=list(FE_X), unit="group_id", time="month")
    block.save(folder / FE_BLOCK)
    return {name: int(len(table)) for name, table in parts.items()}


# ---------------------------------------------------------------------------------------------
# reduce: the country
# ---------------------------------------------------------------------------------------------

def read_parts(folders: dict[str, Path], name: str) -> pd.DataFrame:
    """One part table of every province, stacked."""
    spec = PART_TABLES[name]
    return pd.concat([read_table(folder / PARTS / f"{name}.parquet", freq=spec.freq) for folder in folders.values()],
                     ignore_index=True)


def reduce_national(folders: dict[str, Path]) -> tuple[dict, dict, dict, dict]:
    """The national tables from the provinces' parts (``folders``: province -> its folder).

    Returns (tables, headline estimates, meta by design, skipped designs with the reason)."""
    tables, headlines, meta, skipped = {}, {}, {}, {}
    tables.update(series_tables(folders))
    tables["province_summary"] = province_summary(tables["province_m"], tables["national_m"])
    tables["province_map"] = read_parts(folders, "province_map").sort_values(["province", "new_province"])
    tables["district_province"] = read_parts(folders, "districts").sort_values("district")
    window = (str(tables["national_m"]["period"].min()), prepare.ITS_WINDOW_END)
    _directive(tables, headlines, meta, skipped, window=window)
    _dose(folders, tables, headlines, meta, skipped, window=window)
    _fe_ols(folders, tables, headlines, meta, skipped)
    tables["national_fe_poisson_by_province"] = fe_poisson_by_province(folders)
    return tables, headlines, meta, skipped


def series_tables(folders: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """Monthly and yearly series by old province, new province and for the country (sums, then ratios;
    a year is its last month, as ``indicators``)."""
    by_old = read_parts(folders, "series_province_m")
    by_new = _ratios(read_parts(folders, "series_new_province_m").groupby(
        ["new_province", "new_province_name", "period"], as_index=False)[SERIES_COLUMNS].sum())
    national = _ratios(by_old.groupby("period", as_index=False)[SERIES_COLUMNS].sum())
    out = {"national_m": national, "province_m": _ratios(by_old), "new_province_m": by_new}
    year_ends = national.groupby(national["period"].dt.year)["period"].max()
    for name in ("national", "province", "new_province"):
        monthly = out[f"{name}_m"]
        yearly = monthly[monthly["period"].isin(year_ends)].copy()
        yearly["period"] = yearly["period"].dt.asfreq("Y")
        out[f"{name}_y"] = yearly.reset_index(drop=True)
    return {name: table.sort_values([c for c in NATIONAL_TABLES[name].key]).reset_index(drop=True)
            for name, table in out.items()}


def _ratios(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    denom = frame["outstanding"].where(frame["outstanding"] > 0)
    frame["overdue_ratio"] = 100 * frame["overdue"] / denom
    frame["overdue_frozen_ratio"] = 100 * (frame["overdue"] + frame["frozen"]) / denom
    return frame


def province_summary(province_m: pd.DataFrame, national_m: pd.DataFrame) -> pd.DataFrame:
    """Per old province at the last month: rank (1 = lowest overdue ratio), change against 12 months
    earlier, size, and the national ratio."""
    last = province_m["period"].max()
    latest = province_m[province_m["period"] == last].sort_values("overdue_ratio", kind="stable").copy()
    latest["rank"] = np.arange(1, len(latest) + 1)
    latest["n_provinces"] = len(latest)
    year_ago = province_m[province_m["period"] == last - 12].set_index("province")["overdue_ratio"]
    latest["change_12m"] = latest["overdue_ratio"] - latest["province"].map(year_ago)
    latest["national_ratio"] = float(national_m.loc[national_m["period"] == last, "overdue_ratio"].iloc[0])
    latest["period"] = str(last)
    cols = ["province", "province_name", "rank", "n_provinces", "period", "overdue_ratio", "national_ratio",
            "change_12m", "outstanding", "borrowers", "groups"]
    return latest[cols].reset_index(drop=True)


def _directive(tables, headlines, meta, skipped, *, window) -> None:
    """Directive 40 on the national series (the provinces' series summed: ``directive_effect``)."""
    from analysis import policy

    series = province_series(tables["province_m"])
    try:
        head = policy.directive_effect(series, window=window, scope="national")
    except policy.PolicyError as exc:
        skipped["directive"] = str(exc)
        return
    tables["national_directive"] = head.table.reset_index(drop=True)
    tables["national_directive_series"] = head.series.drop(columns="unit").reset_index(drop=True)
    tables["national_directive_placebo"] = prepare._directive_placebos(series, window=window)
    meta["directive"] = prepare._describe(head, window=list(head.info["window"]),
                                          break_month=str(head.break_month.date()))
    row = head.table.set_index("term").loc["level_change_pp"]
    headlines["directive"] = Estimate(
        question="directive", term="level_change_pp", estimate=float(row["estimate"]),
        std_error=float(row["std_error"]), conf_low=float(row["conf_low"]), conf_high=float(row["conf_high"]),
        p_value=float(row["p_value"]), mde=float(row["mde"]), units="pp", method=head.method,
        inference=head.inference, estimator="directive_effect", n_obs=head.n_obs, window=tuple(head.info["window"]),
        extras={"break_month": str(head.break_month.to_period("M")), "pre_months": head.info["pre_months"],
                "post_months": head.info["post_months"], "series": "national (all provinces summed)",
                "n_provinces": int(series["unit"].nunique())})


def province_series(province_m: pd.DataFrame) -> pd.DataFrame:
    """The provinces' monthly series as ``policy.monthly_series`` gives them (unit, month, overdue,
    outstanding, ratio_pp)."""
    out = pd.DataFrame({"unit": province_m["province"].astype(str), "month": province_m["period"].dt.to_timestamp(),
                        "overdue": province_m["overdue"], "outstanding": province_m["outstanding"]})
    out["ratio_pp"] = 100 * out["overdue"] / out["outstanding"]
    return out.sort_values(["unit", "month"], ignore_index=True)


def _dose(folders, tables, headlines, meta, skipped, *, window) -> None:
    """The Directive by pre-Directive meeting shortfall across provinces (``directive_dose_sums``)."""
    from analysis import policy

    sums = read_parts(folders, "dose_sums")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dose = policy.directive_dose_sums(sums, unit="province", cluster="province", window=window)
    except (policy.PolicyError, ValueError) as exc:
        skipped["dose"] = str(exc)
        return
    tables["national_dose"] = dose.table.reset_index(drop=True)
    tables["national_dose_provinces"] = dose_by_province(sums, window=window)
    meta["dose"] = prepare._describe(dose)
    r = dose.table.set_index("term").loc["dose_slope_pp"]
    headlines["dose"] = Estimate(
        question="dose", term="dose_slope_pp", estimate=float(r["estimate"]), std_error=float(r["std_error"]),
        conf_low=float(r["conf_low"]), conf_high=float(r["conf_high"]), p_value=float(r["p_value"]),
        mde=float("nan"), units="pp", method=dose.method, inference=dose.inference,
        estimator="dose-response DiD across provinces", n_obs=dose.n_obs, n_clusters=dose.n_clusters,
        window=tuple(dose.info["window"]),
        extras={"unit": "province", "dose_sd": dose.info["dose_sd"], "n_units": dose.info["n_units"],
                "per_sd": float(dose.table.set_index("term").loc["effect_per_sd_pp", "estimate"]),
                "placebo": dose.info.get("placebo")})


def dose_by_province(sums: pd.DataFrame, *, window) -> pd.DataFrame:
    """Each province's dose (as the design computes it) with its pre-Directive meetings and weight."""
    from analysis import policy

    panel = policy.dose_panel_from_sums(sums, unit="province", cluster="province", window=window)
    pre = panel[panel["post"] == 0]
    out = pre.groupby("province", as_index=False).agg(dose=("dose", "first"), outstanding_pre=("outstanding", "sum"),
                                                       ratio_pre_pp=("ratio_pp", "mean"))
    return out.sort_values("province", ignore_index=True)


def _fe_ols(folders, tables, headlines, meta, skipped) -> None:
    """The national FE OLS of the drivers model from the provinces' blocks (CR1 by province)."""
    from analysis import models

    blocks = {code: models.FeBlock.load(folder / PARTS / FE_BLOCK) for code, folder in folders.items()}
    try:
        fit = models.fe_ols_blocks(blocks, cluster="province")
    except models.ModelError as exc:
        skipped["fe_ols"] = str(exc)
        return
    tables["national_fe_ols"] = fit.tidy().assign(model="fe_ols_national")
    meta["fe_ols"] = {"method": fit.method, "inference": fit.inference, "n_obs": fit.n_obs,
                      "n_clusters": fit.n_clusters, "formula": fit.formula, "n_groups": fit.n_units,
                      "n_months": fit.n_periods, "r2_within": fit.fit_stats.get("r2_within")}
    for question, term in (("meetings_ols", "group_meetings"), ("checks_ols", "check_share")):
        headlines[question] = ols_estimate(fit, term, question=question)


def ols_estimate(fit, term: str, *, question: str) -> Estimate:
    """A national FE OLS coefficient as a headline, in percentage points of the overdue share, with
    its minimum detectable effect at 80% power under t(G-1): (t_{1-alpha/2} + t_power) x SE."""
    row = fit.tidy().set_index("term").loc[term]
    dof = fit.n_clusters - 1
    mde = (stats.t.ppf(1 - ALPHA / 2, dof) + stats.t.ppf(POWER, dof)) * float(row["std_error"])
    return Estimate(question=question, term=term, estimate=100 * float(row["estimate"]),
                    std_error=100 * float(row["std_error"]), conf_low=100 * float(row["conf_low"]),
                    conf_high=100 * float(row["conf_high"]), p_value=float(row["p_value"]), mde=100 * mde,
                    units="pp", method=fit.method, inference=fit.inference, estimator="FE OLS national",
                    n_obs=int(fit.n_obs), n_clusters=fit.n_clusters, extras={"formula": fit.formula})


def fe_poisson_by_province(folders: dict[str, Path]) -> pd.DataFrame:
    """Each province's FE Poisson estimates (its own prepare), side by side."""
    rows = []
    for code, folder in folders.items():
        path = folder / "model_fe_poisson.parquet"
        if path.exists():
            rows.append(read_table(path, freq=None).assign(province=code))
    if not rows:
        return pd.DataFrame(columns=["province", "term", "estimate"])
    out = pd.concat(rows, ignore_index=True)
    return out[["province", *[c for c in out.columns if c != "province"]]]


def write_national(tables: dict[str, pd.DataFrame], out_dir: Path) -> None:
    """Write national tables (keys checked: ``NATIONAL_TABLES``)."""
    unknown = sorted(set(tables) - set(NATIONAL_TABLES))
    if unknown:
        raise ValueError(f"national tables {unknown} are not declared in results.reductions.NATIONAL_TABLES")
    for name, table in tables.items():
        write_table(table.reset_index(drop=True), out_dir / f"{name}.parquet", spec=NATIONAL_TABLES[name])


def remove_stale(out_dir: Path, names) -> None:
    """Remove national tables of an earlier run that this one did not produce."""
    for stale in {p.stem for p in out_dir.glob("*.parquet")} - set(names):
        (out_dir / f"{stale}.parquet").unlink()
