"""Shared report inputs: everything heavy is computed once per data set and reused by every notebook.

``prepare(data_dir, out_dir, lang)`` loads and validates the data, builds the panel, computes the
indicator tables, fits the models and runs the policy evaluation, and writes tidy tables (Parquet)
and metadata (JSON) to ``out_dir``. The district reports then only filter these tables, so no
model is refitted per district. ``load(shared_dir)`` reads them back; ``ensure(data_dir,
shared_dir)`` does either, for a notebook opened by hand in JupyterLab.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import atomic, paths

from analysis.data import indicators, io, loading, panel, privacy
from analysis.data.contract import TABLES

SEED = 20211231  # all resampling (wild bootstrap, multiplier bootstrap) flows from this seed
MAIN_FORMULA = "overdue_share ~ group_meetings + check_share"
FE = "group_id + month"
PERIOD_FREQ = {"_m": "M", "_q": "Q", "_y": "Y"}


# ---------------------------------------------------------------------------------------------
# data hash and loading
# ---------------------------------------------------------------------------------------------

def data_hash(data_dir: str | Path) -> str:
    """SHA-256 over the table files of a data folder (names and bytes), order-independent."""
    h = hashlib.sha256()
    for path in sorted(Path(data_dir).iterdir()):
        if path.is_file() and io.table_for_path(path) in TABLES:
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def is_synthetic(data_dir: str | Path) -> bool:
    """True when the folder holds the generated sample (it carries truth.json and a SYNTHETIC note)."""
    return (Path(data_dir) / "truth.json").exists()


@dataclass
class Shared:
    """The shared inputs in ``directory``: tables by name (read from Parquet on first use, so a
    district report reads only what it shows), the metadata dict and, for the sample, the truth."""

    directory: Path
    meta: dict
    truth: dict | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.parquet"))

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table (reads all of them)."""
        return {name: self[name] for name in self.names}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            path = self.directory / f"{name}.parquet"
            if not path.exists():
                raise KeyError(f"no shared table {name!r}; have {self.names}")
            self._cache[name] = _read_table(path)
        return self._cache[name]


def _read_table(path: Path) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    freq = PERIOD_FREQ.get(path.stem[-2:])
    if freq and "period" in frame:
        frame["period"] = pd.PeriodIndex(frame["period"], freq=freq)
    return frame


def load(shared_dir: str | Path) -> Shared:
    shared_dir = Path(shared_dir)
    meta = json.loads((shared_dir / "meta.json").read_text())
    truth_path = shared_dir / "truth.json"
    truth = json.loads(truth_path.read_text()) if truth_path.exists() else None
    return Shared(directory=shared_dir, meta=meta, truth=truth)


def ensure(data_dir: str | Path = "", shared_dir: str | Path = "", lang: str = "vi") -> Shared:
    """Shared inputs for a notebook: read ``shared_dir`` if given, else compute into a cache."""
    data_dir = Path(data_dir) if str(data_dir) else paths.SAMPLE
    if str(shared_dir) and (Path(shared_dir) / "meta.json").exists():
        return load(shared_dir)
    cache = paths.REPORTS / ".shared-cache" / data_hash(data_dir)[:16]
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
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = loading.load(data_dir)
    frame = panel.build(tables)
    timings: dict[str, float] = {}
    outputs: dict[str, pd.DataFrame] = {}

    def stage(name, fn, *args):
        t0 = time.perf_counter()
        result = fn(*args)
        timings[name] = round(time.perf_counter() - t0, 2)
        return result

    outputs.update(stage("indicators", indicator_tables, frame, tables))
    outputs.update(stage("attention", attention_tables, frame))
    model_tables, model_meta = stage("models", model_results, frame)
    outputs.update(model_tables)
    policy_tables, policy_meta = stage("policy", policy_results, frame, tables)
    outputs.update(policy_tables)
    for name, table in outputs.items():
        _write(out_dir / f"{name}.parquet", table)
    if is_synthetic(data_dir):
        atomic.write_text(out_dir / "truth.json", (data_dir / "truth.json").read_text())
    meta = {
        "data_dir": str(data_dir),
        "data_hash": data_hash(data_dir),
        "synthetic": is_synthetic(data_dir),
        "months": [str(frame["month"].min().to_period("M")), str(frame["month"].max().to_period("M"))],
        "n_group_months": int(len(frame)),
        "n_groups": int(frame["group_id"].nunique()),
        "districts": tables["units"].drop_duplicates("district").set_index("district")["district_name"].to_dict(),
        "seed": SEED,
        "models": model_meta,
        "policy": policy_meta,
        "timings_s": timings,
        "seconds": round(time.perf_counter() - started, 2),
    }
    atomic.write_text(out_dir / "meta.json", json.dumps(meta, ensure_ascii=False, indent=2, default=str))
    return meta


def _write(path: Path, table: pd.DataFrame) -> None:
    table = table.copy()
    for col in table.columns:
        if isinstance(table[col].dtype, pd.PeriodDtype):
            table[col] = table[col].astype(str)
        elif isinstance(table[col].dtype, pd.CategoricalDtype):
            table[col] = table[col].astype(str)
    with atomic.atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)


# ---------------------------------------------------------------------------------------------
# indicators
# ---------------------------------------------------------------------------------------------

def indicator_tables(frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Indicator tables by unit and period; names end in _m, _q or _y (the period frequency)."""
    d = ["district", "district_name"]
    c = ["district", "district_name", "commune", "commune_name"]
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
    suppressed): overdue share at least 5%, or rated weak in the last rating, or no group meeting
    in the last three months."""
    last = frame["month"].max()
    recent = frame[frame["month"] > last - pd.DateOffset(months=3)]
    meetings3 = recent.groupby("group_id")["group_meetings"].sum().rename("meetings_3m")
    rated = frame[frame["rating"].notna()].sort_values("month").groupby("group_id")["rating"].last()
    now = frame[frame["month"] == last].set_index("group_id")
    table = now[["district", "district_name", "commune_name", "association", "borrowers", "outstanding",
                 "overdue"]].join(meetings3).join(rated.astype(str).rename("last_rating"))
    table["overdue_ratio"] = 100 * table["overdue"] / table["outstanding"]
    reasons = pd.DataFrame({
        "overdue>=5%": table["overdue_ratio"] >= 5,
        "weak": table["last_rating"] == "weak",
        "no_meeting_3m": table["meetings_3m"].fillna(0) == 0,
    })
    table["reasons"] = reasons.apply(lambda r: ", ".join(k for k, v in r.items() if v), axis=1)
    table = table[reasons.any(axis=1)].reset_index().sort_values(["district", "overdue_ratio"],
                                                                  ascending=[True, False])
    table = privacy.suppress_small(table, columns=["borrowers", "outstanding", "overdue", "overdue_ratio"])
    return {"attention_groups": table.reset_index(drop=True)}


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------

def model_results(frame: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict]:
    """The drivers-of-overdue models, fitted once on the whole panel."""
    from analysis import models
    fits = {
        "pooled_ols": models.panel_ols(frame, f"{MAIN_FORMULA} | month", vcov="cluster", cluster="district"),
        "fe_ols": models.panel_ols(frame, f"{MAIN_FORMULA} | {FE}", vcov="cluster", cluster="district"),
        "pooled_poisson": models.panel_poisson(frame, f"{MAIN_FORMULA} | month", vcov="cluster", cluster="district"),
        "fe_poisson": models.panel_poisson(frame, f"{MAIN_FORMULA} | {FE}", vcov="cluster", cluster="district"),
    }
    frac = models.fractional_logit(frame, f"{MAIN_FORMULA} + C(association) + C(year)", weights="outstanding",
                                   vcov="cluster", cluster="district")
    out = {f"model_{name}": fit.tidy().assign(model=name) for name, fit in fits.items()}
    out["model_fractional_logit"] = frac.tidy().assign(model="fractional_logit")
    out["model_fractional_logit_ame"] = frac.ame()
    names = ["Pooled OLS", "FE OLS", "Pooled Poisson", "FE Poisson", "Fractional logit"]
    out["model_compare"] = models.compare(*fits.values(), frac, names=names).reset_index()
    boot = models.wild_cluster_bootstrap(fits["fe_ols"], "group_meetings", reps=9999, weights="webb", seed=SEED)
    out["model_wild_bootstrap"] = boot.tidy()
    out["expected_district_y"] = _expected_by_district(frame, frac)
    mixed, mixed_meta = _mixed_district_effects(frame)
    out.update(mixed)
    ordered = _ordered_rating(frame)
    out.update(ordered)
    meta = {name: {"method": fit.method, "inference": fit.inference, "n_obs": fit.n_obs,
                   "n_clusters": fit.n_clusters, "formula": fit.formula} for name, fit in fits.items()}
    meta["fractional_logit"] = {"method": frac.method, "inference": frac.inference, "n_obs": frac.n_obs,
                                "n_clusters": frac.n_clusters, "formula": frac.formula}
    meta["mixed"] = mixed_meta
    return out, meta


def _expected_by_district(frame: pd.DataFrame, frac) -> pd.DataFrame:
    """Actual vs model-expected overdue by district and year (risk adjustment on observables).

    The expected overdue of a group-month is the pooled fractional logit's fitted share (meetings,
    checks, association, year) times its outstanding: what the district's groups would owe if they
    performed like the province's groups with the same activity. Year-end months only.
    """
    dec = frame[frame["month"] == frame.groupby("year")["month"].transform("max")].copy()
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

    rhs = fit.formula.split("~", 1)[1]
    design = patsy.dmatrix(rhs, data, return_type="dataframe")
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

ITS_WINDOW_END = "2015-12"  # stop before the 2016 salinity intrusion and the 2017-2019 district reforms
ITS_PLACEBOS = ["2013-05", "2013-11"]
EVENT_LEADS, EVENT_LAGS = 4, 8  # quarters around adoption in the event studies


def policy_results(frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict]:
    """Directive 40 (interrupted time series) and the staggered reform (Callaway-Sant'Anna,
    TWFE, Sun-Abraham), with diagnostics. Results are stored as their full tables plus metadata
    (``meta['policy']``) so that notebooks can rebuild them for plots without refitting."""
    out: dict[str, pd.DataFrame] = {}
    meta: dict = {}
    out_its, meta_its = _its_results(frame)
    out.update(out_its)
    meta.update(meta_its)
    reforms = tables.get("reforms")
    if reforms is None or reforms.empty:
        meta["did_skipped"] = "no reforms table in the data"
        return out, meta
    out_did, meta_did = _did_results(frame, reforms)
    out.update(out_did)
    meta.update(meta_did)
    return out, meta


def _store(name: str, result, out: dict, meta: dict, **info) -> None:
    out[f"policy_{name}"] = result.table.reset_index(drop=True)
    meta[name] = {"n_obs": int(result.n_obs), "n_clusters": result.n_clusters, "vcov_type": result.vcov_type,
                  "method": result.method, "inference": result.inference,
                  "info": {k: v for k, v in {**dict(result.info), **info}.items()
                           if isinstance(v, (str, int, float, bool, type(None), list, tuple))}}


def _its_results(frame: pd.DataFrame) -> tuple[dict, dict]:
    from analysis import policy
    out, meta = {}, {}
    first = frame["month"].min().to_period("M")
    window = (str(first), ITS_WINDOW_END)
    try:
        districts = policy.its(policy.monthly_series(frame, level="district"), window=window)
        province = policy.its(policy.monthly_series(frame, level="province"), window=window)
    except policy.PolicyError as exc:
        meta["its_skipped"] = str(exc)
        return out, meta
    _store("its_district", districts, out, meta, window=list(window))
    _store("its_province", province, out, meta, window=list(window),
           break_month=str(province.break_month.date()))
    out["policy_its_series"] = province.series.reset_index(drop=True)
    placebo = policy.placebo_breaks(policy.monthly_series(frame, level="district"), placebo_months=ITS_PLACEBOS,
                                    window=window)
    out["policy_its_placebo"] = placebo.reset_index(drop=True)
    return out, meta


def _did_results(frame: pd.DataFrame, reforms: pd.DataFrame) -> tuple[dict, dict]:
    from analysis import policy
    from analysis.policy import diagnostics

    out, meta = {}, {}
    cluster = policy.Inference(kind="cluster", cluster="district")
    wild = policy.Inference(kind="wild", cluster="district", n_boot=999, seed=SEED)
    rp = policy.reform_panel(frame, reforms, freq="month")
    rpq = policy.reform_panel(frame, reforms, freq="quarter")
    cs_args = dict(outcome="y", unit="group_id", time="period", cohort="cohort")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = policy.att_gt(rp, **cs_args, control="never", inference=cluster, freq="month", trends="multiplicative")
        gt_add = policy.att_gt(rp, **cs_args, control="never", inference=cluster, freq="month")
        gt_notyet = policy.att_gt(rp, **cs_args, control="notyet", inference=cluster, freq="month",
                                  trends="multiplicative")
        gt_wild = policy.att_gt(rp, **cs_args, control="never", inference=wild, freq="month", trends="multiplicative")
        gtq = policy.att_gt(rpq, **cs_args, control="never", inference=cluster, freq="quarter",
                            trends="multiplicative")
        _store("cs_simple", policy.aggte(gt, kind="simple"), out, meta)
        _store("cs_simple_additive", policy.aggte(gt_add, kind="simple"), out, meta)
        _store("cs_simple_notyet", policy.aggte(gt_notyet, kind="simple"), out, meta)
        _store("cs_simple_wild", policy.aggte(gt_wild, kind="simple"), out, meta)
        _store("cs_group", policy.aggte(gt, kind="group"), out, meta)
        dynamic_q = policy.aggte(gtq, kind="dynamic", min_e=-EVENT_LEADS, max_e=EVENT_LAGS)
        _store("cs_dynamic_q", dynamic_q, out, meta, reference=-1, freq="quarter")
        _store("twfe", policy.twfe(rp, **cs_args, cluster="district"), out, meta)
        es_args = dict(**cs_args, cluster="district", leads=EVENT_LEADS, lags=EVENT_LAGS, freq="quarter")
        _store("twfe_event_q", policy.event_study(rpq, method="twfe", **es_args), out, meta)
        _store("sunab_event_q", policy.event_study(rpq, method="sunab", **es_args), out, meta)
        pre = diagnostics.pretrend_test(dynamic_q, leads=EVENT_LEADS)
        out["policy_pretrend"] = pd.DataFrame([{k: v for k, v in vars(pre).items()
                                                if isinstance(v, (str, int, float, bool, type(None)))}])

        def simple(data):
            res = policy.att_gt(data, **cs_args, control="never", inference=cluster, freq="month",
                                trends="multiplicative")
            return policy.aggte(res, kind="simple")

        out["policy_leave_one_out"] = diagnostics.leave_one_out(rp, estimate=simple, cluster="district")
        out["policy_placebo_dates"] = diagnostics.placebo_dates(rp, estimate=simple, time="period", cohort="cohort",
                                                                shifts=[12])
    return out, meta
