"""The national prepare's map and reduce: small per-province parts, and the national tables made from them.

Map (``province_parts``, inside each province's task): from that province's analysis frame, the parts
the national steps need, each summable across provinces: the monthly series by old province and by
the new province its communes map to (``indicators.series``: sums of groups, borrowers, outstanding,
overdue, frozen), the province's monthly sums for the dose design (``policy.dose_sums``), its districts
and its old -> new province map, and the sufficient statistics of the national FE OLS
(``models.fe_block``). They are written to ``province=XX/parts/`` (``PART_TABLES``, keys checked).

Reduce (``reduce_national``, once): the national monthly series by old province, by new province (across the July
2025 reorganisation: every group mapped the same way in every month) and for the country; Directive 40 on the
national series (``policy.directive_effect``); the Directive by dose across provinces
(``policy.directive_dose_sums``: province dose = pre-Directive meeting shortfall against the country, province
and month effects, wild cluster bootstrap by province); the national FE OLS of the drivers model
(``models.fe_ols_blocks``: group and month effects, exact map-reduce, CR1 by province), and the same with each
province weighted by its own precision (``models.precision_weights``: one high-overdue province would otherwise
carry the clustered variance); the rating gap (next year's overdue share of groups rated weak against good ones,
province and year effects, CR1 by province, unweighted and precision-weighted: descriptive); each reform adopted
in several provinces, pooled (``policy.pooled``: cohorts = province x adoption month, comparisons inside each
province, CR1 by former district, HonestDiD, MDE; precision-weighted rows beside it) beside the provinces' own
estimates; what the country can detect against one province (``detection_table``); the per-province FE Poisson
estimates side by side (a national Poisson is not fitted: each IRLS step would need a pass over every province;
the one-province headline model stays the province's); a province summary, the district -> province lookup and
the province map. Every national interval is checked by the national Monte Carlo design
(``results.montecarlo_national``), which calls ``estimate_national`` itself. Time and memory of the reduce grow
with the number of provinces and months, not with the group-months."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import hierarchy, indicators
from analysis.results import prepare
from analysis.results.estimates import Estimate, t_mde
from analysis.results.store import TableSpec, read_table, write_table

COMPARISON_PROVINCE = "94"  # Sóc Trăng (GSO code), the source article's province: what one province detects

PARTS = "parts"
NATIONAL = "national"  # extras["scope"] of the national headlines: their gate is the national design
FE_BLOCK = "fe_ols.npz"
FE_Y, FE_X = "overdue_share", ("group_meetings", "check_share")  # prepare.MAIN_FORMULA
QUALITY_BLOCK = "quality.npz"
QUALITY_Y, QUALITY_X = "overdue_next_year", ("weak", "average", "fair")  # rating classes against "good"
SERIES_COLUMNS = ["groups", "borrowers", "outstanding", "overdue", "frozen"]

_M, _Y = "M", "Y"
PART_TABLES: dict[str, TableSpec] = {
    "series_province_m": TableSpec(("province", "period"), _M),
    "series_new_province_m": TableSpec(("new_province", "period"), _M),
    "dose_sums": TableSpec(("province", "month")),
    "districts": TableSpec(("district",)),
    "province_map": TableSpec(("province", "new_province")),
    "reform_sums": TableSpec(("reform", "province", "district", "cohort", "period")),
    "reform_districts": TableSpec(("reform", "province", "district")),
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
    "national_fe_fwls": TableSpec(("term",)),
    "national_fe_design": TableSpec(("term",)),
    "national_quality": TableSpec(("term",)),
    "national_quality_fwls": TableSpec(("term",)),
    "national_detect": TableSpec(("question",)),
    "national_fe_poisson_by_province": TableSpec(("province", "term")),
    "national_reform": TableSpec(("reform", "term")),
    "national_reform_event": TableSpec(("reform", "term")),
    "national_reform_honest": TableSpec(("reform", "row")),
    "national_reform_cohorts": TableSpec(("reform", "province", "cohort")),
    "national_reform_provinces": TableSpec(("reform", "province")),
    "national_reform_weights": TableSpec(("reform", "province")),
}


# ---------------------------------------------------------------------------------------------
# map: one province
# ---------------------------------------------------------------------------------------------

def province_parts(frame: pd.DataFrame, tables: dict[str, pd.DataFrame], folder: Path) -> dict:
    """Write the province's parts to ``folder`` (``PART_TABLES`` and the FE block); returns row counts."""
    folder.mkdir(parents=True, exist_ok=True)
    parts, blocks = estimator_parts(frame, tables)
    parts.update({
        "series_new_province_m": indicators.series(frame, scheme="new_province", freq="M").drop(columns="scheme"),
        "districts": frame.drop_duplicates("district")[["district", "district_name", "province", "province_name"]],
        "province_map": hierarchy.province_map(tables["units"], tables["groups"], tables.get("group_months")),
    })
    for name, table in parts.items():
        write_table(table.reset_index(drop=True), folder / f"{name}.parquet", spec=PART_TABLES[name])
    blocks["fe"].save(folder / FE_BLOCK)
    blocks["quality"].save(folder / QUALITY_BLOCK)
    return {name: int(len(table)) for name, table in parts.items()}


def estimator_parts(frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict]:
    """What the national estimators read of one province (the national prepare writes them as parts;
    the national Monte Carlo keeps them in memory): its monthly series, its dose sums, its reform sums,
    and its blocks: "fe" (the drivers model) and "quality" (next year's overdue by this year's rating)."""
    from analysis import models, policy

    reform_sums, reform_districts = province_reform_sums(frame, tables.get("reforms"))
    parts = {
        "series_province_m": indicators.series(frame, scheme="province", freq="M").drop(columns="scheme"),
        "dose_sums": policy.dose_sums(frame, unit="province", cluster="province"),
        "reform_sums": reform_sums, "reform_districts": reform_districts,
    }
    blocks = {"fe": models.fe_block(frame, y=FE_Y, x=list(FE_X), unit="group_id", time="month"),
              "quality": models.fe_block(quality_frame(frame), y=QUALITY_Y, x=list(QUALITY_X), unit="province",
                                         time="year")}
    return parts, blocks


def quality_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per group and year y+1 with its rating at the end of year y (dummies ``QUALITY_X``; good is
    the reference) and its mean overdue share over the months of y+1 with loans outstanding: what a
    rating says about the year that follows, compared inside a province and year."""
    rated = frame.loc[frame["rating"].notna(), ["group_id", "province", "year", "rating"]]
    rated = rated.drop_duplicates(["group_id", "year"], keep="last").assign(year=lambda d: d["year"] + 1)
    following = frame.groupby(["group_id", "year"], as_index=False, observed=True)["overdue_share"].mean()
    out = rated.merge(following.rename(columns={"overdue_share": QUALITY_Y}), on=["group_id", "year"], how="inner")
    for level in QUALITY_X:
        out[level] = (out["rating"].astype(str) == level).astype(float)
    return out[["group_id", "province", "year", QUALITY_Y, *QUALITY_X]]


def province_reform_sums(frame: pd.DataFrame, reforms: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The province's sums for the pooled reform (``policy.pooled.reform_sums``), one set per reform it
    adopted; adoptions after the data's last month are not yet treated (their districts compare)."""
    from analysis import policy
    from analysis.policy import pooled

    sums, districts = [], []
    if reforms is not None and not reforms.empty and not frame.empty:
        last = frame["month"].max()
        province = str(frame["province"].iloc[0])
        present = set(frame["district"].astype(str).unique())
        for name, rows in reforms.groupby("reform", sort=True):
            rows = rows[(pd.to_datetime(rows["adopted_on"]).dt.to_period("M").dt.to_timestamp() <= last)
                        & rows["unit"].astype(str).isin(present)]  # a district without groups adds nothing
            if rows.empty:
                continue
            try:
                rp = policy.reform_panel(frame, rows, freq="month")
                s, d = pooled.reform_sums(rp, province=province)
            except policy.PolicyError:
                continue  # the province's own reform stage says why (reforms_not_evaluated)
            sums.append(s.assign(reform=str(name)))
            districts.append(d.assign(reform=str(name)))
    empty_s = pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
        ("reform", str), ("province", str), ("district", str), ("cohort", "int64"), ("period", "int64"),
        ("S", float), ("N", float))})
    empty_d = pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
        ("reform", str), ("province", str), ("district", str), ("cohort", "int64"), ("units", "int64"))})
    out_s = pd.concat(sums, ignore_index=True)[list(empty_s.columns)] if sums else empty_s
    out_d = pd.concat(districts, ignore_index=True)[list(empty_d.columns)] if districts else empty_d
    return out_s, out_d


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
    from analysis import models

    tables = {}
    tables.update(series_tables(folders))
    tables["province_summary"] = province_summary(tables["province_m"], tables["national_m"])
    tables["province_map"] = read_parts(folders, "province_map").sort_values(["province", "new_province"])
    tables["district_province"] = read_parts(folders, "districts").sort_values("district")
    blocks = {kind: {code: models.FeBlock.load(folder / PARTS / name) for code, folder in folders.items()
                     if (folder / PARTS / name).exists()}
              for kind, name in (("fe", FE_BLOCK), ("quality", QUALITY_BLOCK))}
    estimated, headlines, meta, skipped = estimate_national(
        tables["province_m"], read_parts(folders, "dose_sums"), blocks, read_parts(folders, "reform_sums"),
        read_parts(folders, "reform_districts"))
    tables.update(estimated)
    tables["national_fe_poisson_by_province"] = fe_poisson_by_province(folders)
    if "national_reform" in tables:
        tables["national_reform_provinces"] = reform_by_province(folders)
    tables["national_detect"] = detection_table(headlines, folders)
    return tables, headlines, meta, skipped


DETECT_ORDER = ("directive", "dose", "meetings_ols", "meetings_fwls", "meetings_design", "checks_ols", "checks_fwls",
                "checks_design", "reform_pooled", "reform_level", "reform_level_cr2", "reform_level_hk", "quality",
                "quality_fwls")
PROVINCE_TERMS = {"meetings_ols": "group_meetings", "checks_ols": "check_share",  # in the province's model_fe_ols
                  "meetings_fwls": "group_meetings", "checks_fwls": "check_share",
                  "meetings_design": "group_meetings", "checks_design": "check_share"}


def detection_table(headlines: dict[str, Estimate], folders: dict[str, Path],
                    reference: str = COMPARISON_PROVINCE) -> pd.DataFrame:
    """What the country can detect: each national headline's minimum detectable effect (80% power, 5%
    two-sided) beside the one of ``reference`` (Sóc Trăng, the source article's province) estimated
    alone with the province's own design for the same question: the Directive on its own series, the
    dose across its communes, its FE OLS by district (CR1 t(G-1), the MDE from its standard error), its
    reform (randomization inference). Empty province cells where the reference province is not in the
    data or could not estimate the question; the rating gap has no one-province version (it compares
    provinces' groups within a province and year, clustered by province)."""
    from analysis.results.estimates import Results

    ref = None
    if reference in folders and (folders[reference] / "meta.json").exists():
        try:
            ref = Results.open(folders[reference])
        except (OSError, ValueError, KeyError):
            ref = None
    rows = []
    for question in DETECT_ORDER:
        est = headlines.get(question)
        if est is None:
            continue
        row = {"question": question, "term": est.term, "units": est.units, "estimate": est.estimate,
               "conf_low": est.conf_low, "conf_high": est.conf_high, "p_value": est.p_value, "mde": est.mde,
               "n_clusters": est.n_clusters, "province": reference if ref is not None else "",
               "province_estimate": np.nan, "province_mde": np.nan, "province_n_clusters": np.nan}
        if ref is not None:
            row.update(_province_detect(ref, question))
        rows.append(row)
    return pd.DataFrame(rows, columns=["question", "term", "units", "estimate", "conf_low", "conf_high", "p_value",
                                       "mde", "n_clusters", "province", "province_estimate", "province_mde",
                                       "province_n_clusters"])


def _province_detect(res, question: str) -> dict:
    """One province's estimate and MDE for ``question`` (``detection_table``)."""
    if question in PROVINCE_TERMS and "model_fe_ols" in res:
        row = res["model_fe_ols"].set_index("term").loc[PROVINCE_TERMS[question]]
        g = len(res.districts)
        return {"province_estimate": 100 * float(row["estimate"]),
                "province_mde": 100 * t_mde(float(row["std_error"]), g), "province_n_clusters": g}
    own = {"directive": res.directive, "dose": res.dose, "reform_pooled": res.reform, "reform_level": res.reform,
           "reform_level_cr2": res.reform, "reform_level_hk": res.reform}.get(question)
    if own is None:
        return {}
    return {"province_estimate": own.estimate, "province_mde": own.mde, "province_n_clusters": own.n_clusters}


def estimate_national(province_m: pd.DataFrame, dose_sums: pd.DataFrame, blocks: dict, reform_sums: pd.DataFrame,
                      reform_districts: pd.DataFrame, *, placebos: bool = True, seed: int | None = None,
                      honest: bool = True) -> tuple[dict, dict, dict, dict]:
    """Every national estimate from the provinces' estimator parts (``estimator_parts``): Directive 40 on
    the national series, the dose across provinces, the national FE OLS, the rating gap and the pooled
    reforms. The national prepare and the national Monte Carlo gate both call this, so the gate checks
    what the brief prints. ``blocks``: {"fe": province -> FE block, "quality": province -> rating block}.
    ``seed``: the bootstraps' seed (default: the project's); ``placebos``/``honest``: the placebo dates of
    the Directive and the HonestDiD sensitivity (the gate skips both)."""
    tables, headlines, meta, skipped = {}, {}, {}, {}
    window = (str(province_m["period"].min()), prepare.ITS_WINDOW_END)
    _directive(province_m, tables, headlines, meta, skipped, window=window, placebos=placebos, seed=seed)
    _dose(dose_sums, tables, headlines, meta, skipped, window=window, seed=seed, placebos=placebos)
    _fe_ols(blocks["fe"], tables, headlines, meta, skipped, levels=province_levels(province_m))
    _quality(blocks["quality"], tables, headlines, meta, skipped)
    _pooled(reform_sums, reform_districts, tables, headlines, meta, skipped, honest=honest,
            levels=province_levels(province_m))
    return tables, headlines, meta, skipped


def province_ratios(series_province_m: pd.DataFrame) -> pd.DataFrame:
    """The provinces' monthly series (their ``series_province_m`` parts stacked) with the ratios, sorted:
    the national table ``province_m``, which the national estimators read."""
    return _ratios(series_province_m).sort_values(list(NATIONAL_TABLES["province_m"].key)).reset_index(drop=True)


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


def _directive(province_m, tables, headlines, meta, skipped, *, window, placebos=True, seed=None) -> None:
    """Directive 40 on the national series (the provinces' series summed: ``directive_effect``)."""
    from analysis import policy

    series = province_series(province_m)
    try:
        head = policy.directive_effect(series, window=window, scope="national", **_seed(seed))
    except policy.PolicyError as exc:
        skipped["directive"] = str(exc)
        return
    tables["national_directive"] = head.table.reset_index(drop=True)
    tables["national_directive_series"] = head.series.drop(columns="unit").reset_index(drop=True)
    if placebos:
        tables["national_directive_placebo"] = prepare._directive_placebos(series, window=window)
    meta["directive"] = prepare._describe(head, window=list(head.info["window"]),
                                          break_month=str(head.break_month.date()))
    row = head.table.set_index("term").loc["level_change_pp"]
    headlines["directive"] = Estimate(
        question="directive", term="level_change_pp", estimate=float(row["estimate"]),
        std_error=float(row["std_error"]), conf_low=float(row["conf_low"]), conf_high=float(row["conf_high"]),
        p_value=float(row["p_value"]), mde=float(row["mde"]), units="pp", method=head.method,
        inference=head.inference, estimator="directive_effect", n_obs=head.n_obs, window=tuple(head.info["window"]),
        extras={"scope": NATIONAL, "break_month": str(head.break_month.to_period("M")),
                "pre_months": head.info["pre_months"],
                "post_months": head.info["post_months"], "series": "national (all provinces summed)",
                "n_provinces": int(series["unit"].nunique())})


def province_series(province_m: pd.DataFrame) -> pd.DataFrame:
    """The provinces' monthly series as ``policy.monthly_series`` gives them (unit, month, overdue,
    outstanding, ratio_pp)."""
    out = pd.DataFrame({"unit": province_m["province"].astype(str), "month": province_m["period"].dt.to_timestamp(),
                        "overdue": province_m["overdue"], "outstanding": province_m["outstanding"]})
    out["ratio_pp"] = 100 * out["overdue"] / out["outstanding"]
    return out.sort_values(["unit", "month"], ignore_index=True)


def _seed(seed) -> dict:
    return {} if seed is None else {"seed": int(seed)}


def _dose(sums, tables, headlines, meta, skipped, *, window, seed=None, placebos=True) -> None:
    """The Directive by pre-Directive meeting shortfall across provinces (``directive_dose_sums``), with
    its minimum detectable slope at 80% power: (t_{1-alpha/2} + t_{0.8}) x SE, t(G-1)."""
    from analysis import policy

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dose = policy.directive_dose_sums(sums, unit="province", cluster="province", window=window,
                                              placebo=placebos, **_seed(seed))
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
        mde=t_mde(float(r["std_error"]), dose.n_clusters), units="pp", method=dose.method, inference=dose.inference,
        estimator="dose-response DiD across provinces", n_obs=dose.n_obs, n_clusters=dose.n_clusters,
        window=tuple(dose.info["window"]),
        extras={"scope": NATIONAL, "unit": "province", "dose_sd": dose.info["dose_sd"], "n_units": dose.info["n_units"],
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


def province_levels(province_m: pd.DataFrame) -> dict[str, float]:
    """Each province's overdue level over the whole series (overdue over outstanding, summed over its
    months): the attribute the precision-weighted drivers' design-based covariance uses."""
    sums = province_m.groupby("province")[["overdue", "outstanding"]].sum()
    return (sums["overdue"] / sums["outstanding"]).to_dict()


def _fe_ols(blocks, tables, headlines, meta, skipped, *, levels: dict[str, float] | None = None) -> None:
    """The national FE OLS of the drivers model from the provinces' blocks (CR1 by province)."""
    from analysis import models

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
    _fe_fwls(blocks, tables, headlines, meta, levels=levels)


FWLS = "FE OLS national, precision-weighted"
DESIGN = "FE OLS national, precision-weighted, design-based"


def _fe_fwls(blocks, tables, headlines, meta, *, levels: dict[str, float] | None = None) -> None:
    """The same drivers model with each province weighted by its own precision (``models.precision_weights``):
    the overdue share's noise grows with its level, so an unweighted fit lets the province with the highest
    ratio carry the clustered variance (docs/national.md, "One province's weight"). CR1 by province; and
    beside it (``meetings_design``, ``checks_design``) the same coefficients with the design-based covariance
    (``_fe_design``)."""
    from analysis import models

    weights = models.precision_weights(blocks)
    fit = models.fe_ols_blocks(models.reweighted(blocks, weights), cluster="province")
    method = fit.method + "; each province weighted by the inverse of its residual variance (feasible WLS, one step)"
    tables["national_fe_fwls"] = fit.tidy().assign(model="fe_fwls_national")
    meta["fe_fwls"] = {"method": method, "inference": fit.inference, "n_obs": fit.n_obs,
                       "n_clusters": fit.n_clusters, "formula": fit.formula, "weights": dict(sorted(weights.items()))}
    for question, term in (("meetings_fwls", "group_meetings"), ("checks_fwls", "check_share")):
        est = ols_estimate(fit, term, question=question)
        headlines[question] = Estimate(**{**est.to_dict(), "estimator": FWLS, "method": method})
    if levels and all(p in levels for p in blocks):
        _fe_design(models.reweighted(blocks, weights), tables, headlines, meta, levels=levels, method=method)


def _fe_design(weighted, tables, headlines, meta, *, levels: dict[str, float], method: str) -> None:
    """The precision-weighted coefficients with the design-based covariance (``models.design_vcov``):
    the 63 provinces are the whole country, not a sample of provinces, and a province's linear slope
    grows with its overdue level (an effect that is multiplicative on a share is steeper in points where
    the share is high), so the spread of the provinces' slopes that their levels explain is not counted
    as noise, as CR1 counts it (docs/national.md, "Design-based intervals")."""
    from analysis import models

    fit = models.fe_ols_blocks(weighted, cluster="province", attributes={p: [levels[p]] for p in weighted})
    tables["national_fe_design"] = fit.tidy().assign(model="fe_fwls_national_design")
    meta["fe_design"] = {"method": method, "inference": fit.inference, "n_obs": fit.n_obs,
                         "n_clusters": fit.n_clusters, "attribute": "overdue level of the province (whole series)",
                         "levels": dict(sorted(levels.items()))}
    for question, term in (("meetings_design", "group_meetings"), ("checks_design", "check_share")):
        est = ols_estimate(fit, term, question=question)
        headlines[question] = Estimate(**{**est.to_dict(), "estimator": DESIGN, "method": method})


def ols_estimate(fit, term: str, *, question: str) -> Estimate:
    """A national FE OLS coefficient as a headline, in percentage points of the overdue share, with
    its minimum detectable effect at 80% power under t(G-1): (t_{1-alpha/2} + t_power) x SE."""
    row = fit.tidy().set_index("term").loc[term]
    mde = t_mde(float(row["std_error"]), fit.n_clusters)
    return Estimate(question=question, term=term, estimate=100 * float(row["estimate"]),
                    std_error=100 * float(row["std_error"]), conf_low=100 * float(row["conf_low"]),
                    conf_high=100 * float(row["conf_high"]), p_value=float(row["p_value"]), mde=100 * mde,
                    units="pp", method=fit.method, inference=fit.inference, estimator="FE OLS national",
                    n_obs=int(fit.n_obs), n_clusters=fit.n_clusters, extras={"scope": NATIONAL, "formula": fit.formula})


def _quality(blocks, tables, headlines, meta, skipped) -> None:
    """Next year's overdue share of groups by this year's rating, against good groups, inside a province
    and year (``quality_frame``; FE OLS from the blocks, CR1 by province). Descriptive: the rating is
    partly made from overdue itself, so the gap is what a rating foretells, not an effect of it."""
    from analysis import models

    if not blocks:
        skipped["quality"] = "no province has rated groups"
        return
    try:
        fit = models.fe_ols_blocks(blocks, cluster="province", unit="province", time="year")
    except models.ModelError as exc:
        skipped["quality"] = str(exc)
        return
    tables["national_quality"] = fit.tidy().assign(model="quality_next_year")
    meta["quality"] = {"method": fit.method, "inference": fit.inference, "n_obs": fit.n_obs,
                       "n_clusters": fit.n_clusters, "formula": fit.formula}
    est = ols_estimate(fit, "weak", question="quality")
    headlines["quality"] = Estimate(**{**est.to_dict(), "estimator": "rating gap national", "window": None,
                                       "extras": {**est.extras, "reference": "good", "outcome": QUALITY_Y}})
    weights = models.precision_weights(blocks)  # as _fe_fwls: each province by its own precision
    fit_w = models.fe_ols_blocks(models.reweighted(blocks, weights), cluster="province", unit="province", time="year")
    tables["national_quality_fwls"] = fit_w.tidy().assign(model="quality_next_year_fwls")
    est = ols_estimate(fit_w, "weak", question="quality_fwls")
    headlines["quality_fwls"] = Estimate(**{**est.to_dict(), "estimator": "rating gap national, precision-weighted",
                                            "window": None, "extras": {**est.extras, "reference": "good",
                                                                       "outcome": QUALITY_Y}})


# headline key -> (row of policy.pooled, estimator): the simple ATT, which passes the national gate, and the
# design-weighted ATT with its three intervals (the brief prints whichever passed: words.national.pooled_choice)
POOLED_ROWS = {"reform_pooled": ("ATT", "pooled reform"),
               "reform_level": ("ATT_level", "pooled reform, design-weighted"),
               "reform_level_cr2": ("ATT_level_cr2", "pooled reform, design-weighted"),
               "reform_level_hk": ("ATT_level_hk", "pooled reform, design-weighted")}


def _pooled(sums, districts, tables, headlines, meta, skipped, *, honest=True,
            levels: dict[str, float] | None = None) -> None:
    """Each reform adopted in districts of at least two provinces, pooled (``policy.pooled``); the headlines
    "reform_pooled" (the simple ATT) and, with the provinces' overdue ``levels``, "reform_level",
    "reform_level_cr2" and "reform_level_hk" (the design-weighted ATT, three intervals) are those of the
    reform adopted by the most districts."""
    from analysis import policy
    from analysis.policy import pooled

    if sums.empty:
        skipped["reform_pooled"] = "no province has a reform with adopting and never-treated districts"
        return
    counts = districts[districts["cohort"] > 0].groupby("reform")["province"].nunique()
    parts = {name: [] for name in ("national_reform", "national_reform_event", "national_reform_honest",
                                   "national_reform_cohorts", "national_reform_weights")}
    meta["reforms_pooled"] = {}
    ranked = counts[counts >= 2].sort_index()
    for name in ranked.index:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = pooled.pooled_reform(sums[sums["reform"] == name], districts[districts["reform"] == name],
                                           honest=honest, levels=levels)
        except policy.PolicyError as exc:
            skipped[f"reform_pooled:{name}"] = str(exc)
            continue
        parts["national_reform"].append(res.table.assign(reform=name))
        parts["national_reform_event"].append(res.event.assign(reform=name))
        parts["national_reform_cohorts"].append(res.cohorts.assign(reform=name))
        parts["national_reform_weights"].append(res.provinces.assign(reform=name))
        if res.honest is not None:
            parts["national_reform_honest"].append(
                res.honest.tidy().reset_index(drop=True).reset_index(names="row").assign(reform=name))
        meta["reforms_pooled"][name] = {"method": res.method, "inference": res.inference, "n_obs": res.n_obs,
                                        "n_clusters": res.n_clusters, "info": dict(res.info)}
        table = res.table.set_index("term")
        found = {}
        for question, (term, estimator) in POOLED_ROWS.items():
            if term not in table.index:
                continue
            r = table.loc[term]
            inference = res.inference if term == "ATT" else _pooled_inference(term, r, res.n_clusters)
            found[question] = Estimate(
                question=question, term=term, estimate=float(r["estimate"]), std_error=float(r["std_error"]),
                conf_low=float(r["conf_low"]), conf_high=float(r["conf_high"]), p_value=float(r["p_value"]),
                mde=float(r["mde"]), units="pp", method=res.method, inference=inference,
                estimator=estimator, n_obs=res.n_obs, n_clusters=res.n_clusters,
                extras={"scope": NATIONAL, "reform": name, "honest_breakdown": res.info.get("honest_breakdown"),
                        "dof": float(r["dof"]),
                        **{k: res.info[k] for k in ("n_provinces", "n_cohorts", "n_adopting_districts",
                                                    "n_never_districts", "n_groups", "provinces", "precision_weights",
                                                    "level_weights") if k in res.info}})
        best = headlines.get("reform_pooled")
        if best is None or found["reform_pooled"].extras["n_adopting_districts"] > best.extras["n_adopting_districts"]:
            for question in POOLED_ROWS:
                headlines.pop(question, None)
            headlines.update(found)
    if not ranked.size:
        skipped["reform_pooled"] = "no reform is adopted in more than one province"
    for table, frames in parts.items():
        if frames:
            frame = pd.concat(frames, ignore_index=True)
            tables[table] = frame[["reform", *[c for c in frame.columns if c != "reform"]]]


def _pooled_inference(term: str, row: pd.Series, n_clusters: int) -> str:
    """How a design-weighted row's interval is made (``policy.pooled``, module docstring)."""
    if term == "ATT_level_cr2":
        return (f"CR2 over the adopting provinces' own ATTs (leverage = weight), Bell-McCaffrey "
                f"t({float(row['dof']):.1f}) under the modelled variances")
    if term == "ATT_level_hk":
        return (f"Hartung-Knapp: the weighted spread of the adopting provinces' own ATTs, "
                f"t({int(row['dof'])})")
    return f"weighted influence functions summed by former district ({n_clusters} clusters), CR1, t({n_clusters - 1})"


def reform_by_province(folders: dict[str, Path]) -> pd.DataFrame:
    """Each province's own reform headline (its prepare's ``policy_reform``), side by side."""
    rows = []
    for code, folder in folders.items():
        path = folder / "policy_reform.parquet"
        if path.exists():
            rows.append(read_table(path, freq=None).assign(province=code))
    if not rows:
        return pd.DataFrame(columns=["reform", "province", "term", "estimate"])
    out = pd.concat(rows, ignore_index=True)
    if "reform" not in out:
        out["reform"] = ""
    return out[["reform", "province", *[c for c in out.columns if c not in ("reform", "province")]]]


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
