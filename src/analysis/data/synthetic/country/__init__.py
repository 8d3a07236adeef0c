"""A synthetic country: 63 provinces, 2012-01 to 2026-10, and the 1 July 2025 reorganisation.

``python -m analysis synth --country --out DIR`` writes it as a Parquet dataset partitioned by the
province before 2025 (``DIR/group_months/province=94/part-0.parquet``; ``units.parquet`` and
``reforms.parquet`` whole), one province at a time, so that memory does not grow with the number of
provinces. Everything is synthetic and marked so; the structure follows the official registry
(``analysis.data.registry``, through ``synthetic.provinces``: real provinces, districts and communes,
the 63 -> 34 map) and the national figures of shared/domain.md 4.1.

The data-generating process is that of the sample (one ``synthetic.world.World`` per province,
same parameters of meetings, checks, leader capacity, Directive 40, reforms and ratings), with:

- **Sóc Trăng (94)** as in the sample: its real districts and communes (``geography``), district
  effects, reform cohorts, 2016 salinity, and its calibration targets (``design.TARGETS``: the
  2021-05 snapshot counts and money exactly, Women's Union overdue ratios and weak groups);
- **other provinces**: their real districts and communes (registry), their own district effects, overdue level
  (``rel_risk``), association mix, group size, rating class mix (domain.md 1a: provinces differ a
  lot, from Huế-like 97.5% good to Cà Mau-like 49/27/24/0.4), pre-Directive practice gap (the
  Directive's dose varies across provinces), staggered reforms in some provinces (districts adopt at
  different dates; most provinces never), the 2016 salinity in the Mekong Delta and typhoon Yagi
  (2024-09) in the north [U];
- **national totals** near the published figures (``NATIONAL_BORROWERS``, ``NATIONAL_OUTSTANDING``
  and the overdue targets ``OVERDUE_TARGETS``): each province's borrowers and outstanding follow its
  share of the national paths month by month, and each province's expected overdue ratio (without
  its shocks) is calibrated to its share of the national target at the target months;
- **shocks** (issue 8): a national monthly AR(1) shock common to every province
  (``NATIONAL_SHOCK``) on top of ``design.SHOCKS`` (a province-wide monthly AR(1), district monthly
  AR(1), commune-by-year);
- **the reorganisation**: every old commune has its official default successor in one of the 34 new
  provinces, valid from 2025-07-01 (``units.successor_*``); most groups of a divided commune name
  their own successor (``groups.successor_commune``, ``GROUP_SUCCESSOR_SHARE``); groups and
  transaction points are kept and stay attached to their old commune; no district briefings after
  2025-06; province briefings from 2025-07 are those of the new province.

``truth.json`` holds the national and per-province truth: Directive 40's effect by province and
nationally, the dose (practice gap) by province and the cross-province dose-response, reform cohorts
and effects, shock sizes and the realised national and province shock series, rating cut-points and
class mixes, and the national totals by year against the published figures.

Modules: ``plan`` (every province's parameters from the seed), ``province`` (units, groups, one
province's tables), ``world`` (one province's simulation), ``truth`` (``truth.json``), ``write``
(writing, the small sample country, the ``synth --country`` command).
"""

from __future__ import annotations

from analysis.data.synthetic.country.plan import (
    COUNTRY_END,
    COUNTRY_START,
    NATIONAL_GROUPS,
    PARTITION_KEY,
    PARTITIONED,
    REFERENCE_MONTH,
    CountryPlan,
    ProvinceSpec,
    make_plan,
)
from analysis.data.synthetic.country.province import ProvinceData, generate_province, province_units
from analysis.data.synthetic.country.truth import (
    national_truth,
    pooled_reform_truth,
    published_targets,
    totals_table,
)
from analysis.data.synthetic.country.write import (
    SAMPLE_PROVINCES,
    SAMPLE_SCALE,
    national_totals,
    run,
    sample_country,
    selected_codes,
    write_country,
)

__all__ = ["COUNTRY_END", "COUNTRY_START", "NATIONAL_GROUPS", "PARTITIONED", "PARTITION_KEY", "REFERENCE_MONTH",
           "SAMPLE_PROVINCES", "SAMPLE_SCALE", "CountryPlan", "ProvinceData", "ProvinceSpec", "generate_province",
           "make_plan", "national_totals", "national_truth", "pooled_reform_truth", "province_units", "published_targets", "run",
           "sample_country", "selected_codes", "totals_table", "write_country"]
