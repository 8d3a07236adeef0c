"""The typed results of a national folder (written by ``results.national.prepare``).

``results.load(OUT)`` returns a ``NationalResults`` for such a folder: the national headlines
(``.national.directive``, ``.national.dose``, ``.national.meetings_ols``, ``.national.checks_ols``), the
national tables by name (``res["province_m"]``), ``.province(code)``: a one-province ``Results`` (so the
district and province code written for one province keeps working), ``.provinces``: the old and the
new provinces and the map between them, and ``.province_of(district)``: the district -> province
lookup (``.district(code)`` goes through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analysis.results.estimates import DistrictResults, Estimate, Results, StoredResults

PROVINCE_DIR = "province={code}"


@dataclass(frozen=True)
class NationalHeadlines:
    """The national headline estimates (None where the design could not be estimated; ``skipped``
    says why).

    Attributes: directive (Directive 40's level change on the national series, GLS-ARMA bootstrap-t),
    dose (extra change per meeting a month of a province's pre-Directive shortfall, across provinces,
    wild cluster bootstrap by province), meetings_ols and checks_ols (national FE OLS, group and month
    effects, pp of the overdue share per meeting / per unit share checked, CR1 by province), reform_pooled
    (the reform adopted by the most districts, pooled across the provinces adopting it: ``policy.pooled``).
    quality (next year's overdue share of groups rated weak against good ones, inside a province and year:
    descriptive). meetings_fwls, checks_fwls and quality_fwls: the same fits with each province weighted by
    its own precision (``models.precision_weights``); meetings_design and checks_design: the weighted
    coefficients with the design-based covariance (``models.design_vcov``); reform_level, reform_level_cr2 and
    reform_level_hk: the pooled reform with each adopting province weighted by the inverse of its modelled
    variance (its overdue level and district counts; ``policy.pooled``), with three intervals. Every one is
    gated by the national Monte Carlo design (``results.montecarlo_national``)."""

    directive: Estimate | None
    dose: Estimate | None
    meetings_ols: Estimate | None
    checks_ols: Estimate | None
    reform_pooled: Estimate | None = None
    quality: Estimate | None = None
    meetings_fwls: Estimate | None = None
    checks_fwls: Estimate | None = None
    quality_fwls: Estimate | None = None
    meetings_design: Estimate | None = None
    checks_design: Estimate | None = None
    reform_level: Estimate | None = None
    reform_level_cr2: Estimate | None = None
    reform_level_hk: Estimate | None = None


@dataclass(frozen=True)
class ProvinceList:
    """The provinces of a national folder.

    Attributes: old (pre-2025 code -> name), new (post-2025 code -> name), successor (old code -> the
    new province its communes map to; an old province whose communes went to several is listed under
    the one holding most of them), status (old code -> "ok" or "failed")."""

    old: dict[str, str]
    new: dict[str, str]
    successor: dict[str, str]
    status: dict[str, str] = field(default_factory=dict)

    def predecessors(self, new_code: str) -> list[str]:
        """The old provinces merged into a new one."""
        return sorted(old for old, new in self.successor.items() if new == str(new_code))


@dataclass
class NationalResults(StoredResults):
    """The results of a national folder (see the module docstring)."""

    _provinces: dict = field(default_factory=dict, repr=False)

    @classmethod
    def check_meta(cls, directory: Path, meta: dict) -> None:
        if meta.get("kind") != "national":
            raise ValueError(f"{directory} is not a national results folder (its meta.json has no kind 'national')")

    @property
    def national(self) -> NationalHeadlines:
        heads = self.meta.get("headlines", {})
        get = lambda name: Estimate.from_dict(heads[name]) if heads.get(name) else None  # noqa: E731
        return NationalHeadlines(directive=get("directive"), dose=get("dose"), meetings_ols=get("meetings_ols"),
                                 checks_ols=get("checks_ols"), reform_pooled=get("reform_pooled"),
                                 quality=get("quality"), meetings_fwls=get("meetings_fwls"),
                                 checks_fwls=get("checks_fwls"), quality_fwls=get("quality_fwls"),
                                 meetings_design=get("meetings_design"), checks_design=get("checks_design"),
                                 reform_level=get("reform_level"), reform_level_cr2=get("reform_level_cr2"),
                                 reform_level_hk=get("reform_level_hk"))

    @property
    def skipped(self) -> dict[str, str]:
        """National designs that could not be estimated, with the reason."""
        return dict(self.meta.get("skipped", {}))

    @property
    def provinces(self) -> ProvinceList:
        pmap = self.store["province_map"]
        main = pmap.sort_values("communes", ascending=False, kind="stable").drop_duplicates("province")
        return ProvinceList(
            old=dict(zip(pmap["province"], pmap["province_name"])),
            new=dict(zip(pmap["new_province"], pmap["new_province_name"])),
            successor=dict(zip(main["province"], main["new_province"])),
            status={code: info["status"] for code, info in self.meta["provinces"].items()})

    def province(self, code: str) -> Results:
        """The one-province results of old province ``code``; ValueError naming the valid codes, a new
        province's predecessors, or why the province failed."""
        code = str(code)
        info = self.meta["provinces"].get(code)
        if info is None:
            raise ValueError(self._not_a_province(code))
        if info["status"] != "ok":
            raise ValueError(f"province {code} ({info['name']}) has no results: {info.get('error')}")
        if code not in self._provinces:
            self._provinces[code] = Results.open(self.directory / PROVINCE_DIR.format(code=code))
        return self._provinces[code]

    def _not_a_province(self, code: str) -> str:
        provinces = self.provinces
        if code in provinces.new:
            olds = ", ".join(f"{c} ({provinces.old[c]})" for c in provinces.predecessors(code))
            return (f"{code} ({provinces.new[code]}) is a province since 1 July 2025; results are by the provinces "
                    f"before it: {olds}; its series across 2025 is in the table new_province_m")
        listing = ", ".join(f"{k} ({v})" for k, v in sorted(provinces.old.items()))
        return f"province {code!r} is not in the data; choose one of: {listing}"

    def province_of(self, district: str) -> str:
        """The old province of an old district; ValueError for an unknown district."""
        table = self.store["district_province"]
        row = table.loc[table["district"] == str(district), "province"]
        if row.empty:
            raise ValueError(f"district {district!r} is not in the data ({len(table)} districts)")
        return str(row.iloc[0])

    def district(self, code: str) -> DistrictResults:
        """One district's figures, from its province's results."""
        return self.province(self.province_of(code)).district(code)

    def for_district(self, code: str) -> Results:
        """The results a district report reads: its province's (one-province ``Results``)."""
        return self.province(self.province_of(code))
