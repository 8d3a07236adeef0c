"""The typed results the reports read: frozen objects with named fields, rebuilt from the shared folder.

``Results`` is what a notebook gets from ``analysis.results.shared(...)``: tables by name
(``results["ratio_province_m"]``) and the headline answers as objects (``results.directive``,
``results.reform``, ``results.meetings``, ``results.dose``, ``results.district("943")``). Words and
figures read these; nothing downstream parses table names, string keys or comma-joined reasons.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.results.store import Store


def t_mde(std_error: float, n_clusters: int | None) -> float:
    """Minimum detectable effect at 80% power and 5% (two-sided) under t(G-1): (t_{1-a/2} + t_power) x SE
    (NaN without at least two clusters or a finite standard error)."""
    from scipy import stats

    from analysis.constants import ALPHA, POWER

    if not n_clusters or n_clusters < 2 or not math.isfinite(std_error):
        return float("nan")
    dof = n_clusters - 1
    return float((stats.t.ppf(1 - ALPHA / 2, dof) + stats.t.ppf(POWER, dof)) * std_error)


@dataclass(frozen=True)
class Estimate:
    """One headline number with its uncertainty.

    Attributes:
        question: "directive", "reform", "meetings" or "dose".
        term: the row of its result table (e.g. "level_change_pp", "ATT").
        estimate, conf_low, conf_high, p_value, std_error: the estimate and its 95% interval.
        mde: the smallest true value the test detects with 80% power (same units), or NaN.
        units: "pp" (percentage points), "pct" (percent change) or "log".
        method, inference: what was estimated and how the interval was computed (one sentence each).
        estimator: the Monte Carlo gate's name for the method (``results.montecarlo.HEADLINES``).
        n_obs, n_clusters: observations and clusters used.
        window: (first, last) month of the data used, when it matters.
        extras: further named facts (e.g. effective clusters, the dominant district).
    """

    question: str
    term: str
    estimate: float
    std_error: float
    conf_low: float
    conf_high: float
    p_value: float
    mde: float
    units: str
    method: str
    inference: str
    estimator: str
    n_obs: int
    n_clusters: int | None = None
    window: tuple[str, str] | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def excludes_zero(self) -> bool:
        """The interval lies wholly on one side of zero."""
        return self.conf_low > 0 or self.conf_high < 0

    @property
    def detectable(self) -> bool:
        """|estimate| reaches the minimum detectable effect."""
        return not math.isnan(self.mde) and abs(self.estimate) >= self.mde

    def to_dict(self) -> dict:
        out = asdict(self)
        out["window"] = list(self.window) if self.window else None
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Estimate:
        data = dict(data)
        if data.get("window"):
            data["window"] = tuple(data["window"])
        return cls(**data)


@dataclass(frozen=True)
class DistrictResults:
    """One district's figures for its report (computed once for all districts by the prepare step).

    Attributes: code, name, rank (1 = lowest overdue ratio at the last month), n_districts, period
    (last month), overdue_ratio, province_ratio, change_12m (pp against a year earlier, NaN if the
    data do not reach back), outstanding, borrowers, groups, compliance_pct (commune briefings held
    on schedule in the last year, NaN when briefings were not recorded), province_compliance_pct.
    """

    code: str
    name: str
    rank: int
    n_districts: int
    period: pd.Period
    overdue_ratio: float
    province_ratio: float
    change_12m: float
    outstanding: float
    borrowers: float
    groups: float
    compliance_pct: float
    province_compliance_pct: float


@dataclass(frozen=True)
class EventStudy:
    """A stored event study (event-time rows with intervals) as the figures read it.

    Attributes: table (term, event_time, estimate, conf_low, conf_high, ...), info (reference period,
    frequency), method, inference."""

    table: pd.DataFrame
    info: dict
    method: str
    inference: str


@dataclass(frozen=True)
class DirectiveSeries:
    """The province series of the Directive 40 headline: month, observed, fitted and counterfactual
    (percent), and the first month of the Directive."""

    series: pd.DataFrame
    break_month: pd.Timestamp


EVENT_STUDIES = {"cs_dynamic_q": "policy_cs_dynamic_q", "sunab_event_q": "policy_sunab_event_q",
                 "twfe_event_q": "policy_twfe_event_q"}
REFORM_TABLES = ("policy_reform", "policy_reform_clusters", "policy_reform_variants", "policy_cs_group",
                 "policy_cs_dynamic_q", "policy_sunab_event_q", "policy_twfe_event_q", "policy_pretrend",
                 "policy_leave_one_out", "policy_placebo_dates", "policy_honest")


@dataclass(frozen=True)
class ReformEvaluation:
    """One reform's evaluation (``results.reforms``).

    Attributes:
        name: the reform's name as in the reforms table.
        estimate: the headline ATT (randomization inference; ``Estimate``).
        tables: this reform's rows of each reform table (``policy_reform``, ``policy_reform_variants``,
            ``policy_cs_group``, ``policy_cs_dynamic_q``, ...; the ``reform`` column dropped); a table
            missing here could not be computed for this reform (``skipped`` says why).
        meta: what the prepare step recorded (methods, event-study windows, HonestDiD breakdown).
        skipped: secondary analyses left out for this reform, with the estimator's reason.
    """

    name: str
    estimate: Estimate
    tables: dict[str, pd.DataFrame]
    meta: dict
    skipped: dict[str, str]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def event_study(self, name: str) -> EventStudy | None:
        """One of "cs_dynamic_q", "sunab_event_q", "twfe_event_q"; None when not computed for this reform."""
        if name not in EVENT_STUDIES:
            raise KeyError(f"no event study {name!r}; have {sorted(EVENT_STUDIES)}")
        if EVENT_STUDIES[name] not in self.tables or name not in self.meta:
            return None
        meta = self.meta[name]
        return EventStudy(table=self.tables[EVENT_STUDIES[name]], info=dict(meta["info"]), method=meta["method"],
                          inference=meta["inference"])

    @property
    def honest_breakdown(self) -> float | None:
        """HonestDiD's breakdown value of the relative-magnitude bound, when computed."""
        value = self.meta.get("honest", {}).get("breakdown", {}).get("relative_magnitude")
        return None if value is None else float(value)


@dataclass(frozen=True)
class NotEvaluatedReform:
    """A reform the data could not evaluate: ``reason`` is a code of ``results.reforms.REASONS``,
    ``values`` what its sentence needs, ``detail`` the estimator's own message (English)."""

    name: str
    reason: str
    values: dict
    detail: str


@dataclass
class StoredResults:
    """A results folder as written by a prepare step: its tables (``store``, read on first use), its
    ``meta.json`` and the generator's ``truth.json`` (synthetic data only; ``truth_file``, read on first use
    of ``truth``: a synthetic country's is 1.2 MB, and a district report never reads it). ``Results`` and
    ``results.country.NationalResults`` are its two kinds."""

    store: Store
    meta: dict
    truth_file: Path | None = None

    @classmethod
    def open(cls, directory: str | Path):
        directory = Path(directory)
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        cls.check_meta(directory, meta)
        truth_path = directory / "truth.json"
        return cls(store=Store(directory=directory, specs=meta.get("tables", {})), meta=meta,
                   truth_file=truth_path if truth_path.exists() else None)

    @functools.cached_property
    def truth(self) -> dict | None:
        """The generator's truth (synthetic data), None for users' data."""
        return json.loads(self.truth_file.read_text(encoding="utf-8")) if self.truth_file else None

    @classmethod
    def check_meta(cls, directory: Path, meta: dict) -> None:
        """Refuse a folder of another kind (nothing to check here)."""

    @property
    def directory(self) -> Path:
        return self.store.directory

    @property
    def synthetic(self) -> bool:
        return bool(self.meta["synthetic"])

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.store[name]

    def __contains__(self, name: str) -> bool:
        return name in self.store


@dataclass
class Results(StoredResults):
    """The shared results of one data set (see the module docstring)."""

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: self.store[name] for name in self.store.names}

    def _headline(self, name: str) -> Estimate | None:
        data = self.meta.get("headlines", {}).get(name)
        return Estimate.from_dict(data) if data else None

    @property
    def meetings(self) -> Estimate:
        """FE Poisson: log change in expected overdue per extra group meeting in a month."""
        return self._headline("meetings")

    @property
    def checks(self) -> Estimate:
        """FE Poisson: log change in expected overdue per unit share of borrowers checked."""
        return self._headline("checks")

    @property
    def directive(self) -> Estimate | None:
        """Directive 40's level change (province series, GLS-ARMA bootstrap-t); None if not estimable."""
        return self._headline("directive")

    @property
    def dose(self) -> Estimate | None:
        """The Directive by dose: extra change per one meeting a month of pre-Directive shortfall."""
        return self._headline("dose")

    @property
    def reform(self) -> Estimate | None:
        """The first reform's overall ATT (randomization inference); None without reforms. Every reform:
        ``reforms``."""
        return self._headline("reform")

    @property
    def directive_series(self) -> DirectiveSeries | None:
        """The series the Directive 40 figure draws; None when the design could not be estimated."""
        if self.directive is None:
            return None
        return DirectiveSeries(series=self.store["policy_directive_series"],
                               break_month=pd.Period(self.directive.extras["break_month"], "M").to_timestamp())

    def event_study(self, name: str) -> EventStudy | None:
        """An event study of the first reform (``reforms[0].event_study``)."""
        reforms = self.reforms
        return reforms[0].event_study(name) if reforms else None

    @property
    def reforms(self) -> list[ReformEvaluation]:
        """Every reform evaluated, in order of first adoption (empty without reforms)."""
        policy = self.meta.get("policy", {})
        heads = policy.get("reform_headlines", {})
        out = []
        for name, data in heads.items():
            tables = {}
            for table in REFORM_TABLES:
                if table in self.store:
                    rows = self.store[table]
                    rows = rows[rows["reform"] == name]
                    if not rows.empty:
                        tables[table] = rows.drop(columns="reform").reset_index(drop=True)
            meta = dict(policy.get("reforms", {}).get(name, {}))
            out.append(ReformEvaluation(name=name, estimate=Estimate.from_dict(data), tables=tables, meta=meta,
                                        skipped=dict(meta.get("skipped", {}))))
        return out

    @property
    def reforms_not_evaluated(self) -> list[NotEvaluatedReform]:
        """The reforms of the table that could not be evaluated, with the reason."""
        return [NotEvaluatedReform(name=n["reform"], reason=n["reason"], values=dict(n.get("values", {})),
                                   detail=n.get("detail", ""))
                for n in self.meta.get("policy", {}).get("reforms_not_evaluated", [])]

    @property
    def has_reforms_table(self) -> bool:
        """False when the data have no reforms table (or an empty one)."""
        policy = self.meta.get("policy", {})
        return not policy.get("reforms_missing", False) and ("reform_headlines" in policy or "reform" in self.meta.get(
            "headlines", {}))

    @property
    def skipped(self) -> dict[str, str]:
        """Designs that could not be estimated on these data, with the reason."""
        return dict(self.meta.get("skipped", {}))

    @property
    def districts(self) -> dict[str, str]:
        return dict(self.meta["districts"])

    def district(self, code: str) -> DistrictResults:
        """One district's figures; raises ValueError naming the valid codes."""
        code = str(code)
        table = self.store["district_summary"]
        row = table.loc[table["district"] == code]
        if row.empty:
            listing = ", ".join(f"{k} ({v})" for k, v in sorted(self.districts.items()))
            raise ValueError(f"district_code {code!r} is not in the data; choose one of: {listing}")
        r = row.iloc[0]
        return DistrictResults(
            code=code, name=str(r["district_name"]), rank=int(r["rank"]), n_districts=int(r["n_districts"]),
            period=pd.Period(r["period"], "M"), overdue_ratio=float(r["overdue_ratio"]),
            province_ratio=float(r["province_ratio"]), change_12m=float(r["change_12m"]),
            outstanding=float(r["outstanding"]), borrowers=float(r["borrowers"]), groups=float(r["groups"]),
            compliance_pct=float(r["compliance_pct"]), province_compliance_pct=float(r["province_compliance_pct"]))

    def for_district(self, code: str) -> Results:
        """The results a district report reads: these (a national folder gives its province's)."""
        return self

    def of_district(self, name: str, code: str) -> pd.DataFrame:
        """Rows of table ``name`` for district ``code``."""
        table = self.store[name]
        return table[table["district"] == str(code)]
