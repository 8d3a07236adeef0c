"""The results layer: everything heavy computed once per data set, stored with checked keys, and read
back as typed objects (``Results``: ``results.directive``, ``results.reform``, ``results.district(code)``;
for a national folder ``NationalResults``: ``.national``, ``.province(code)``, ``.provinces``, ``.province_of``).

``shared(data_dir, shared_dir, lang)`` is what a report notebook calls (``national_shared`` for the national
notebooks); ``prepare.prepare`` is the step
the runner runs once before the notebooks; ``national.prepare`` its national form (one Dask task per
province, then the national reductions).
"""

from analysis.results.country import NationalHeadlines, NationalResults, ProvinceList
from analysis.results.estimates import DistrictResults, Estimate, EventStudy, Results
from analysis.results.national import shared as national_shared
from analysis.results.prepare import load, shared

__all__ = ["DistrictResults", "Estimate", "EventStudy", "NationalHeadlines", "NationalResults", "ProvinceList",
           "Results", "load", "national_shared", "shared"]
