"""The prepare step: everything heavy is computed once per data set and stored for every report.

``prepare(data_dir, out_dir)`` loads and validates the data, builds the analysis frame, computes the
indicator tables, fits the models, runs the policy evaluation and the district summaries, and writes
the tables (Parquet, keys checked: ``TABLES``) and ``meta.json`` (provenance and the headline
estimates) to ``out_dir``. ``shared(data_dir, shared_dir)`` returns the typed ``Results`` of a folder,
computing them into a cache first when a notebook is opened by hand in JupyterLab.
"""

from __future__ import annotations

import gc
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import atomic, paths, provenance
from analysis.constants import SEED
from analysis.data import fingerprint, indicators, loading, panel, privacy
from analysis.results import reforms as reform_stage
from analysis.results import timing
from analysis.results.country import NationalResults
from analysis.results.estimates import Estimate, Results, t_mde
from analysis.results.store import TableSpec, write_table

MAIN_FORMULA = "overdue_share ~ group_meetings + check_share"
FE = "group_id + month"
ATTENTION_OVERDUE_PCT = 5.0  # a group with an overdue share at least this (%) needs attention
ITS_WINDOW_END = "2015-12"  # stop before the 2016 salinity intrusion and the 2017-2019 district reforms
ITS_PLACEBOS = ("2013-05", "2013-11")  # fake Directive dates inside the pre-Directive months
# the columns the models read (MAIN_FORMULA, FE, the cluster, the fractional logit's terms and weights)
MODEL_COLUMNS = ("overdue_share", "group_meetings", "check_share", "group_id", "month", "district", "association",
                 "year", "outstanding")
MODEL_KEYS = ("group_id", "district")  # text keys of the fixed effects and clusters (``as_codes``)
MIXED_COLUMNS = ("district", "district_name", "commune", "year", "month", "overdue", "outstanding",
                 "group_meetings", "check_share")
ORDERED_COLUMNS = ("group_id", "year", "month", "district", "commune", "association", "group_meetings",
                   "loan_use_checks", "borrowers", "overdue_share", "rating", "outstanding")

_M, _Y, _Q = "M", "Y", "Q"
TABLES: dict[str, TableSpec] = {
    "ratio_province_m": TableSpec(("period",), _M),
    "ratio_province_y": TableSpec(("period",), _Y),
    "ratio_district_m": TableSpec(("district", "period"), _M),
    "ratio_district_y": TableSpec(("district", "period"), _Y),
    "ratio_association_m": TableSpec(("association", "period"), _M),
    "ratio_association_y": TableSpec(("association", "period"), _Y),
    "ratio_district_association_y": TableSpec(("district", "association", "period"), _Y),
    "ratio_commune_y": TableSpec(("commune", "period"), _Y),
    "rating_province_y": TableSpec(("period",), _Y),
    "rating_district_y": TableSpec(("district", "period"), _Y),
    "rating_association_y": TableSpec(("association", "period"), _Y),
    "coverage_province_y": TableSpec(("period",), _Y),
    "coverage_district_y": TableSpec(("district", "period"), _Y),
    "coverage_commune_y": TableSpec(("commune", "period"), _Y),
    "compliance_province_y": TableSpec(("period",), _Y),
    "compliance_district_y": TableSpec(("district", "period"), _Y),  # district-level briefings, by district
    "compliance_commune_y": TableSpec(("district", "period"), _Y),  # commune-level briefings, by district
    "activity_district_y": TableSpec(("district", "period"), _Y),
    "district_summary": TableSpec(("district",)),
    "district_areas": TableSpec(("district", "new_commune")),
    "attention_groups": TableSpec(("group_id",)),
    "model_pooled_ols": TableSpec(("term",)),
    "model_fe_ols": TableSpec(("term",)),
    "model_pooled_poisson": TableSpec(("term",)),
    "model_fe_poisson": TableSpec(("term",)),
    "model_fractional_logit": TableSpec(("term",)),
    "model_fractional_logit_ame": TableSpec(("term",)),
    "model_compare": TableSpec(("index",)),
    "model_wild_bootstrap": TableSpec(("term",)),
    "model_ordered_logit": TableSpec(("term",)),
    "expected_district_y": TableSpec(("district", "year")),
    "mixed_district_effects": TableSpec(("district",)),
    "mixed_variance": TableSpec(("component",)),
    "mixed_fixed": TableSpec(("term",)),
    "policy_directive": TableSpec(("term",)),
    "policy_directive_series": TableSpec(("month",)),
    "policy_directive_placebo": TableSpec(("placebo_month", "term")),
    "policy_directive_variants": TableSpec(("estimator",)),
    "policy_dose": TableSpec(("term",)),
    **reform_stage.TABLES,  # one set of rows per reform (key column "reform")
}


def is_synthetic(data_dir: str | Path) -> bool:
    """True when the folder holds the generated sample (it carries truth.json and a SYNTHETIC note)."""
    return (Path(data_dir) / "truth.json").exists()


def load(shared_dir: str | Path) -> Results | NationalResults:
    """The typed results of a folder written by ``prepare`` (``Results``), or by the national prepare
    (``results.national``: a ``NationalResults``, whose ``.province(code)`` is a ``Results``)."""
    meta_path = Path(shared_dir) / "meta.json"
    if meta_path.exists() and json.loads(meta_path.read_text(encoding="utf-8")).get("kind") == "national":
        return NationalResults.open(shared_dir)
    return Results.open(shared_dir)


def shared(data_dir: str | Path = "", shared_dir: str | Path = "", lang: str = "vi") -> Results:
    """Results for a notebook: read ``shared_dir`` if given, else compute into a cache keyed by the data and
    the results' code."""
    data_dir = Path(data_dir) if str(data_dir) else paths.SAMPLE
    if str(shared_dir) and (Path(shared_dir) / "meta.json").exists():
        return load(shared_dir)
    from analysis.results.version import code_version

    key = f"{fingerprint.data_hash(data_dir)[:16]}-{code_version()[:8]}"  # new code, new results
    cache = paths.REPORTS / ".shared-cache" / key
    if not (cache / "meta.json").exists():
        prepare(data_dir, cache, lang=lang)
    return load(cache)


# ---------------------------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------------------------

def prepare(data_dir: str | Path, out_dir: str | Path, lang: str = "vi") -> dict:
    """Compute every shared table once and write it to ``out_dir`` (atomically, meta.json last)."""
    started = time.perf_counter()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    tables = loading.load(data_dir)
    frame = panel.build(tables)
    synthetic = is_synthetic(data_dir)
    about = {"data_name": data_dir.name, "data_hash": fingerprint.data_hash(data_dir), "synthetic": synthetic}
    return write_prepared(frame, tables, out_dir, about=about, truth=data_dir / "truth.json" if synthetic else None,
                          started=started)


def write_prepared(frame: pd.DataFrame, tables: dict[str, pd.DataFrame], out_dir: str | Path, *, about: dict,
                   truth: Path | None = None, started: float | None = None) -> dict:
    """The prepare step on data already loaded (``frame`` from ``panel.build(tables)``): every shared
    table and ``meta.json`` (``about`` first: data_name, data_hash, synthetic, and any other facts the
    caller records) in ``out_dir``; ``truth`` is copied beside them. The national prepare calls it once
    per province."""
    started = time.perf_counter() if started is None else started
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def stage(name, fn, *args):
        t0 = time.perf_counter()
        with timing.step(name):
            result = fn(*args)
            gc.collect()  # model libraries leave reference cycles holding arrays of the data's size
        timings[name] = round(time.perf_counter() - t0, 2)
        return result

    outputs = stage("indicators", indicator_tables, frame, tables)
    outputs.update(stage("attention", attention_tables, frame))
    with timing.step("districts"):
        outputs["district_summary"] = district_summary(outputs)
        outputs["district_areas"] = district_areas(tables["units"])
    model_tables, model_meta, headlines = stage("models", model_results, frame)
    outputs.update(model_tables)
    policy_tables, policy_meta, policy_headlines, skipped = stage("policy", policy_results, frame, tables)
    outputs.update(policy_tables)
    headlines.update(policy_headlines)
    unknown = sorted(set(outputs) - set(TABLES))
    if unknown:
        raise ValueError(f"shared tables {unknown} are not declared in results.prepare.TABLES")
    with timing.step("write"):
        for name, table in outputs.items():
            write_table(table, out_dir / f"{name}.parquet", spec=TABLES[name])
    if truth is not None:
        atomic.write_text(out_dir / "truth.json", truth.read_text(encoding="utf-8"))
    for stale in set(p.stem for p in out_dir.glob("*.parquet")) - set(outputs):
        (out_dir / f"{stale}.parquet").unlink()
    meta = {
        **about,
        "months": [str(frame["month"].min().to_period("M")), str(frame["month"].max().to_period("M"))],
        "n_group_months": int(len(frame)),
        "n_groups": int(frame["group_id"].nunique()),
        "districts": tables["units"].drop_duplicates("district").set_index("district")["district_name"].to_dict(),
        "seed": SEED,
        "code": provenance.git_state(),
        "tables": {name: {"key": list(TABLES[name].key), "freq": TABLES[name].freq} for name in outputs},
        "headlines": {name: est.to_dict() for name, est in headlines.items() if est is not None},
        "skipped": skipped,
        "models": model_meta,
        "policy": policy_meta,
        "timings_s": timings,
        "seconds": round(time.perf_counter() - started, 2),
    }
    atomic.write_text(out_dir / "meta.json", json.dumps(meta, ensure_ascii=False, indent=2, default=str))
    return meta


# ---------------------------------------------------------------------------------------------
# district summaries
# ---------------------------------------------------------------------------------------------

def district_areas(units: pd.DataFrame) -> pd.DataFrame:
    """How each old district's area is organised after the July 2025 reorganisation (new province and
    communes; ``data.hierarchy.district_areas``) plus ``reorganised``: whether the units table gives
    successors at all (data before 2025 have none)."""
    from analysis.data import hierarchy

    areas = hierarchy.district_areas(units)
    has = "successor_commune" in units and units["successor_commune"].notna().any()
    return areas.assign(reorganised=bool(has))


def district_summary(outputs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per district at the last month: rank (1 = lowest overdue ratio), change against 12 months
    earlier, size, and commune briefings held on schedule in the last year (NaN when not recorded)."""
    monthly = outputs["ratio_district_m"]
    last_period = monthly["period"].max()
    latest = monthly[monthly["period"] == last_period].sort_values("overdue_ratio", kind="stable")
    latest = latest.assign(rank=np.arange(1, len(latest) + 1), n_districts=len(latest))
    year_ago = monthly[monthly["period"] == last_period - 12].set_index("district")["overdue_ratio"]
    latest["change_12m"] = latest["overdue_ratio"] - latest["district"].map(year_ago)
    province = outputs["ratio_province_m"]
    latest["province_ratio"] = float(province.loc[province["period"] == last_period, "overdue_ratio"].iloc[0])
    comp = outputs["compliance_commune_y"]
    comp = comp[comp["period"] == comp["period"].max()]
    by_district = comp.groupby("district")[["held", "scheduled"]].sum(min_count=1)
    latest["compliance_pct"] = latest["district"].map(100 * by_district["held"] / by_district["scheduled"])
    latest["province_compliance_pct"] = 100 * comp["held"].sum(min_count=1) / comp["scheduled"].sum()
    latest["period"] = str(last_period)
    cols = ["district", "district_name", "rank", "n_districts", "period", "overdue_ratio", "province_ratio",
            "change_12m", "outstanding", "borrowers", "groups", "compliance_pct", "province_compliance_pct"]
    return latest[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# indicators
# ---------------------------------------------------------------------------------------------

def indicator_tables(frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Indicator tables by unit and period (monthly names end in _m, yearly in _y; ``TABLES`` holds
    each table's key and frequency)."""
    d = ["district", "district_name"]
    c = ["district", "district_name", "commune", "commune_name"]
    # the measures count, group and order groups by their id and never print it: its codes, in the ids'
    # order, hashed once here instead of a million Arrow strings in each of the fourteen tables (a missing
    # id, which the contract forbids, would get code -1 and be counted: then the ids stay as they are)
    group_codes = pd.factorize(frame["group_id"], sort=True)[0]
    if (group_codes >= 0).all():
        frame = frame.assign(group_id=group_codes)
    out = {
        "ratio_province_m": indicators.overdue_ratio(frame, freq="M"),
        "ratio_province_y": indicators.overdue_ratio(frame, freq="Y"),
        "ratio_district_m": indicators.overdue_ratio(frame, by=d, freq="M"),
        "ratio_district_y": indicators.overdue_ratio(frame, by=d, freq="Y"),
        "ratio_association_m": indicators.overdue_ratio(frame, by=["association"], freq="M"),
        "ratio_association_y": indicators.overdue_ratio(frame, by=["association"], freq="Y"),
        "ratio_district_association_y": indicators.overdue_ratio(frame, by=[*d, "association"], freq="Y"),
        "ratio_commune_y": indicators.overdue_ratio(frame, by=c, freq="Y"),
        "rating_province_y": indicators.weak_share(frame, freq="Y"),
        "rating_district_y": indicators.weak_share(frame, by=d, freq="Y"),
        "rating_association_y": indicators.weak_share(frame, by=["association"], freq="Y"),
        "coverage_province_y": indicators.supervision_coverage(frame, freq="Y"),
        "coverage_district_y": indicators.supervision_coverage(frame, by=d, freq="Y"),
        "coverage_commune_y": indicators.supervision_coverage(frame, by=c, freq="Y"),
    }
    start = str(frame["month"].min().to_period("M"))
    end = str(frame["month"].max().to_period("M"))
    units = tables["units"]
    briefings = tables.get("briefings")
    recorded = briefings is not None
    if not recorded:  # the table is optional: schedule slots are listed, held stays unknown (NaN)
        briefings = pd.DataFrame({"level": pd.Series(dtype="str"), "unit": pd.Series(dtype="str"),
                                  "association": pd.Series(dtype="str"), "date": pd.Series(dtype="datetime64[us]")})
    for level in ("province", "district", "commune"):
        by = [] if level == "province" else ["district"]
        table = indicators.meeting_compliance(briefings, units, level=level, by=by, freq="Y", start=start, end=end)
        if not recorded:
            table["held"] = np.nan
            table["compliance_pct"] = np.nan
        out[f"compliance_{level}_y"] = table
    names = units.drop_duplicates("district").set_index("district")["district_name"]
    for level in ("district", "commune"):
        table = out[f"compliance_{level}_y"]
        table.insert(1, "district_name", table["district"].map(names))
    activity = frame.assign(period=frame["month"].dt.to_period("Y")).groupby(
        ["district", "district_name", "period"], observed=True).agg(
        meetings_mean=("group_meetings", "mean"), check_share_mean=("check_share", "mean")).reset_index()
    out["activity_district_y"] = activity
    return out


def attention_tables(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Groups that need attention at the last month, per district (no borrower data; small cells
    suppressed): overdue share at least ``ATTENTION_OVERDUE_PCT``, or rated weak in the last rating, or
    no group meeting in the last three months; one boolean column per reason."""
    last = frame["month"].max()
    recent = frame[frame["month"] > last - pd.DateOffset(months=3)]
    meetings3 = recent.groupby("group_id")["group_meetings"].sum().rename("meetings_3m")
    rated = frame[frame["rating"].notna()].sort_values("month").groupby("group_id")["rating"].last()
    now = frame[frame["month"] == last].set_index("group_id")
    table = now[["district", "district_name", "commune_name", "association", "borrowers", "outstanding",
                 "overdue"]].join(meetings3).join(rated.astype(str).rename("last_rating"))
    table["overdue_ratio"] = 100 * table["overdue"] / table["outstanding"]
    reasons = {"overdue_5pct": table["overdue_ratio"] >= ATTENTION_OVERDUE_PCT,
               "rated_weak": table["last_rating"] == "weak",
               "no_meeting_3m": table["meetings_3m"].fillna(0) == 0}
    for name, flag in reasons.items():
        table[name] = flag.to_numpy(dtype=bool)
    table = table[table[list(reasons)].any(axis=1)].reset_index().sort_values(["district", "overdue_ratio"],
                                                                             ascending=[True, False])
    table = privacy.suppress_small(table, columns=["borrowers", "outstanding", "overdue", "overdue_ratio"])
    return {"attention_groups": table.reset_index(drop=True)}


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------

def model_results(frame: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict, dict[str, Estimate]]:
    """The drivers-of-overdue models, fitted once on the whole panel (each on the columns it reads:
    copying a row subset of the whole frame, with its twenty text columns, cost more than some fits)."""
    from analysis import models
    data = as_codes(frame[list(MODEL_COLUMNS)], MODEL_KEYS)
    specs = {"pooled_ols": (models.panel_ols, "month"), "fe_ols": (models.panel_ols, FE),
             "pooled_poisson": (models.panel_poisson, "month"), "fe_poisson": (models.panel_poisson, FE)}
    fits = {}
    for name, (estimator, effects) in specs.items():
        with timing.step(name):
            fits[name] = estimator(data, f"{MAIN_FORMULA} | {effects}", vcov="cluster", cluster="district")
            gc.collect()  # pyfixest's reference cycles hold copies of the data until collected
    with timing.step("fractional_logit"):
        coded = data.assign(association=data["association"].astype("category"),
                            year=data["year"].astype("category"))
        frac = models.fractional_logit(coded, f"{MAIN_FORMULA} + C(association) + C(year)", weights="outstanding",
                                       vcov="cluster", cluster="district")  # categories: patsy reads them 30% faster
        del coded
    out = {f"model_{name}": fit.tidy().assign(model=name) for name, fit in fits.items()}
    out["model_fractional_logit"] = frac.tidy().assign(model="fractional_logit")
    out["model_fractional_logit_ame"] = frac.ame()
    names = ["Pooled OLS", "FE OLS", "Pooled Poisson", "FE Poisson", "Fractional logit"]
    out["model_compare"] = models.compare(*fits.values(), frac, names=names).reset_index()
    with timing.step("wild_bootstrap"):
        boot = models.wild_cluster_bootstrap(fits["fe_ols"], "group_meetings", reps=9999, weights="webb", seed=SEED)
    out["model_wild_bootstrap"] = boot.tidy().assign(p_value_bound=getattr(boot, "p_value_bound", np.nan))
    with timing.step("expected_district"):
        out["expected_district_y"] = _expected_by_district(
            frame[[*MODEL_COLUMNS, "overdue", "district_name"]], frac)
    with timing.step("mixed"):
        mixed, mixed_meta = _mixed_district_effects(frame[list(MIXED_COLUMNS)])
    out.update(mixed)
    with timing.step("ordered_logit"):
        ordered = _ordered_rating(frame[list(ORDERED_COLUMNS)])
    out.update(ordered)
    meta = {name: {"method": fit.method, "inference": fit.inference, "n_obs": fit.n_obs,
                   "n_clusters": fit.n_clusters, "formula": fit.formula} for name, fit in fits.items()}
    meta["fractional_logit"] = {"method": frac.method, "inference": frac.inference, "n_obs": frac.n_obs,
                                "n_clusters": frac.n_clusters, "formula": frac.formula}
    meta["mixed"] = mixed_meta
    fe = fits["fe_poisson"]
    headlines = {term_name: _model_estimate(fe, term, question=term_name)
                 for term_name, term in (("meetings", "group_meetings"), ("checks", "check_share"))}
    return out, meta, headlines


def as_codes(data: pd.DataFrame, columns) -> pd.DataFrame:
    """``data`` with the text ``columns`` as categoricals whose categories are in order of first
    appearance: every factorisation (pyfixest's fixed effects and clusters, ``cluster_codes``) then
    gives the codes it gave on the text, so the fits are the same to the last digit, without hashing a
    million Arrow strings once per fit (FE OLS 2.5 -> 1.5 s on the largest province)."""
    coded = {}
    for name in columns:
        codes, uniques = pd.factorize(data[name])
        coded[name] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))
    return data.assign(**coded)


def _model_estimate(fit, term: str, *, question: str) -> Estimate:
    """A model coefficient as a headline, with its minimum detectable effect at 80% power under the
    fit's own t(G-1) reference: (t_{1-alpha/2} + t_{power}) x standard error."""
    from scipy import stats

    from analysis.constants import ALPHA, POWER

    row = fit.tidy().set_index("term").loc[term]
    dof = (fit.n_clusters - 1) if fit.n_clusters else fit.n_obs
    mde = (stats.t.ppf(1 - ALPHA / 2, dof) + stats.t.ppf(POWER, dof)) * float(row["std_error"])
    return Estimate(question=question, term=term, estimate=float(row["estimate"]), std_error=float(row["std_error"]),
                    conf_low=float(row["conf_low"]), conf_high=float(row["conf_high"]), p_value=float(row["p_value"]),
                    mde=float(mde), units="log", method=fit.method, inference=fit.inference,
                    estimator="Poisson FE", n_obs=int(fit.n_obs), n_clusters=fit.n_clusters,
                    extras={"formula": fit.formula})


def _expected_by_district(frame: pd.DataFrame, frac) -> pd.DataFrame:
    """Actual vs model-expected overdue by district and year (risk adjustment on observables).

    The expected overdue of a group-month is the pooled fractional logit's fitted share (meetings,
    checks, association, year) times its outstanding: what the district's groups would owe if they
    performed like the province's groups with the same activity. Year-end months only.
    """
    dec = frame[frame["month"] == frame.groupby("year")["month"].transform("max")].copy()
    for column in ("association", "year"):  # categoricals of the whole panel's levels: patsy reads their codes
        dec[column] = pd.Categorical(dec[column], categories=pd.Index(frame[column].unique()).sort_values())
    dec["expected_overdue"] = _logit_predict(frac, dec) * dec["outstanding"]
    out = dec.groupby(["district", "district_name", "year"], observed=True).agg(
        outstanding=("outstanding", "sum"), overdue=("overdue", "sum"),
        expected_overdue=("expected_overdue", "sum")).reset_index()
    out["actual_ratio"] = 100 * out["overdue"] / out["outstanding"]
    out["expected_ratio"] = 100 * out["expected_overdue"] / out["outstanding"]
    out["excess_pp"] = out["actual_ratio"] - out["expected_ratio"]
    out["period"] = out["year"].astype(str)
    return out


def _logit_predict(fit, data: pd.DataFrame) -> np.ndarray:
    """Fitted shares Lambda(x'b) of a fractional logit for ``data`` (same formula terms)."""
    import patsy

    from analysis.models.glm import _categorical

    rhs = fit.formula.split("~", 1)[1]
    env = patsy.EvalEnvironment([{"C": _categorical, "np": np}])  # a categorical reaches patsy as its codes
    design = patsy.dmatrix(rhs, data, eval_env=env, return_type="dataframe")
    missing = [c for c in fit.params.index if c not in design.columns]
    if missing:
        raise ValueError(f"cannot predict: design lacks {missing}")
    eta = design[list(fit.params.index)].to_numpy() @ fit.params.to_numpy()
    return 1 / (1 + np.exp(-eta))


def _mixed_district_effects(frame: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict]:
    """District random intercepts (with communes nested) on commune-year overdue ratios, in pp."""
    from analysis import models
    dec = frame[frame["month"].dt.month == frame.groupby("year")["month"].transform("max").dt.month]
    cy = dec.groupby(["district", "district_name", "commune", "year"], observed=True).agg(
        overdue=("overdue", "sum"), outstanding=("outstanding", "sum")).reset_index()
    act = frame.groupby(["commune", "year"]).agg(meetings=("group_meetings", "mean"),
                                                 checks=("check_share", "mean")).reset_index()
    cy = cy.merge(act, on=["commune", "year"])
    cy["overdue_ratio"] = 100 * cy["overdue"] / cy["outstanding"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = models.mixed_effects(cy, "overdue_ratio ~ meetings + checks + C(year)", groups="district",
                                   vc_formula={"commune": "0 + C(commune)"})
    effects = fit.district_effects().rename(columns={"group": "district"})
    names = frame.drop_duplicates("district").set_index("district")["district_name"]
    effects["district"] = effects["district"].astype(str)
    effects["district_name"] = effects["district"].map(names)
    tables = {"mixed_district_effects": effects, "mixed_variance": fit.variance_components(),
              "mixed_fixed": fit.tidy()}
    return tables, {"method": fit.method, "inference": fit.inference, "n_obs": fit.n_obs,
                    "formula": fit.formula}


def _ordered_rating(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    from analysis import models
    gy = panel.group_years(frame)
    fit = models.ordered_logit(gy, "rating ~ meetings_mean + check_cover + overdue_pct + C(year)",
                               vcov="cluster", cluster="district")
    return {"model_ordered_logit": fit.tidy().assign(model="ordered_logit")}


# ---------------------------------------------------------------------------------------------
# policy
# ---------------------------------------------------------------------------------------------

def policy_results(frame: pd.DataFrame, tables: dict[str, pd.DataFrame]):
    """Directive 40 and the staggered reform: the pre-specified headline of each question
    (``directive_effect``, ``reform_effect``), the comparison by dose, robustness variants and
    diagnostics. Returns (tables, meta, headline estimates, skipped designs with the reason)."""
    out: dict[str, pd.DataFrame] = {}
    meta: dict = {}
    headlines: dict[str, Estimate] = {}
    skipped: dict[str, str] = {}
    with timing.step("directive"):
        _directive_stage(frame, out, meta, headlines, skipped)
    reforms = tables.get("reforms")
    if reforms is None or reforms.empty:
        skipped["reform"] = "no reforms table in the data"
        meta["reforms_missing"] = True
        return out, meta, headlines, skipped
    with timing.step("reforms"):
        tables_r, meta["reforms"], evaluated, not_evaluated = reform_stage.evaluate_all(frame, reforms)
    out.update(tables_r)
    meta["reform_headlines"] = {name: est.to_dict() for name, est in evaluated.items()}
    meta["reforms_not_evaluated"] = [n.to_dict() for n in not_evaluated]
    if evaluated:
        headlines["reform"] = next(iter(evaluated.values()))  # the first reform adopted: Results.reform
    else:
        skipped["reform"] = "; ".join(f"{n.reform}: {n.detail}" for n in not_evaluated)
    return out, meta, headlines, skipped


def _describe(result, **info) -> dict:
    return {"n_obs": int(result.n_obs), "n_clusters": result.n_clusters, "vcov_type": result.vcov_type,
            "method": result.method, "inference": result.inference,
            "info": {k: v for k, v in {**dict(result.info), **info}.items()
                     if isinstance(v, (str, int, float, bool, type(None), list, tuple))}}


def _its_window(frame: pd.DataFrame) -> tuple[str, str]:
    return str(frame["month"].min().to_period("M")), ITS_WINDOW_END


def _directive_stage(frame, out, meta, headlines, skipped) -> None:
    from analysis import policy

    window = _its_window(frame)
    with timing.step("series"):
        districts = policy.monthly_series(frame, level="district")
    try:
        with timing.step("headline"):
            head = policy.directive_effect(districts, window=window)
    except policy.PolicyError as exc:
        skipped["directive"] = str(exc)
        return
    out["policy_directive"] = head.table.reset_index(drop=True)
    out["policy_directive_series"] = head.series.drop(columns="unit").reset_index(drop=True)
    meta["directive"] = _describe(head, window=list(head.info["window"]),
                                  break_month=str(head.break_month.date()))
    row = head.table.set_index("term").loc["level_change_pp"]
    headlines["directive"] = Estimate(
        question="directive", term="level_change_pp", estimate=float(row["estimate"]),
        std_error=float(row["std_error"]), conf_low=float(row["conf_low"]), conf_high=float(row["conf_high"]),
        p_value=float(row["p_value"]), mde=float(row["mde"]), units="pp", method=head.method,
        inference=head.inference, estimator="directive_effect", n_obs=head.n_obs, window=tuple(head.info["window"]),
        extras={"break_month": str(head.break_month.to_period("M")), "pre_months": head.info["pre_months"],
                "post_months": head.info["post_months"], "n_boot": head.info["n_boot"], "seed": head.info["seed"],
                "scope": "province"})
    with timing.step("placebos"):
        out["policy_directive_placebo"] = _directive_placebos(districts, window=window)
    with timing.step("variants"):
        out["policy_directive_variants"] = _directive_variants(frame, districts, window=window)
    try:
        with timing.step("dose"):
            dose = policy.directive_dose(frame, window=window)
    except (policy.PolicyError, ValueError) as exc:
        skipped["dose"] = str(exc)
        return
    out["policy_dose"] = dose.table.reset_index(drop=True)
    meta["dose"] = _describe(dose)
    r = dose.table.set_index("term").loc["dose_slope_pp"]
    headlines["dose"] = Estimate(
        question="dose", term="dose_slope_pp", estimate=float(r["estimate"]), std_error=float(r["std_error"]),
        conf_low=float(r["conf_low"]), conf_high=float(r["conf_high"]), p_value=float(r["p_value"]),
        mde=t_mde(float(r["std_error"]), dose.n_clusters), units="pp", method=dose.method, inference=dose.inference,
        estimator="dose-response DiD", n_obs=dose.n_obs, n_clusters=dose.n_clusters,
        window=tuple(dose.info["window"]),
        extras={"dose_sd": dose.info["dose_sd"], "n_units": dose.info["n_units"],
                "per_sd": float(dose.table.set_index("term").loc["effect_per_sd_pp", "estimate"]),
                "placebo": dose.info.get("placebo")})


def _directive_placebos(series: pd.DataFrame, *, window) -> pd.DataFrame:
    """The headline method at fake break dates, on months before the Directive only."""
    from analysis import policy
    from analysis.data.contract import DIRECTIVE_40_MONTH

    pre = series.loc[series["month"] < pd.Timestamp(f"{DIRECTIVE_40_MONTH}-01")]
    rows = []
    for month in ITS_PLACEBOS:
        try:
            res = policy.directive_effect(pre, window=(window[0], str(pd.Period(DIRECTIVE_40_MONTH, "M") - 1)),
                                          break_month=month, seasonality=False)
        except policy.PolicyError:
            continue
        rows.append(res.table.iloc[:2].assign(placebo_month=month))
    columns = ["placebo_month", "term", "estimate", "std_error", "p_value", "conf_low", "conf_high", "mde"]
    return pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)


def _directive_variants(frame, districts, *, window) -> pd.DataFrame:
    """The designs the headline replaced, kept for comparison (their intervals fail the Monte Carlo
    gate under shared shocks; the words layer prints them only if the gate says they pass)."""
    from analysis import policy

    rows = []
    for label, inference, series in (
            ("ITS district panel", "CR1 t(G-1) by district", districts),
            ("ITS province series", "Newey-West HAC", policy.monthly_series(frame, level="province"))):
        try:
            r = policy.its(series, window=window).table.set_index("term").loc["level_change_pp"]
        except policy.PolicyError:
            continue
        rows.append({"estimator": label, "inference": inference, "term": "level_change_pp",
                     "estimate": r["estimate"], "conf_low": r["conf_low"], "conf_high": r["conf_high"],
                     "p_value": r["p_value"]})
    return pd.DataFrame(rows)
