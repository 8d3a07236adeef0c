"""The national job end to end on a tiny synthetic country: the national prepare by province, then the
national brief, a report per province before and since 1 July 2025 and one per former district,
with the index grouped by province."""

from __future__ import annotations

import re

import pytest

from analysis import paths
from analysis.data.synthetic import country
from analysis.run.build import build_reports
from analysis.run.settings import Settings


@pytest.mark.slow
def test_national_run_builds_every_report(tmp_path):
    data = tmp_path / "country"
    country.write_country(data, scale=0.02, codes=["92", "94"])
    doc = build_reports(Settings(run_path=paths.CONFIG / "runs" / "national.yml", data_dir=data, lang="en",
                                 out_root=tmp_path / "reports", pdf=False, progress=False, workers=2,
                                 scheduler="processes"))
    runs = doc["runs"]
    failed = {k: v.get("error") for k, v in runs.items() if v["status"] != "ok"}
    assert not failed, failed
    assert {"brief", "province_92-can-tho", "province_94-soc-trang", "new_province_92-can-tho"} <= set(runs)
    districts = [k for k in runs if k.startswith("district_")]
    assert "district_943-huyen-ke-sach" in districts and len(districts) >= 15
    out = tmp_path / "reports" / "national-en"
    brief = (out / "brief.html").read_text(encoding="utf-8")
    assert "Directive 40-CT/TW" in brief and "Provinces since 7/2025" in brief
    new = (out / "new_province_92-can-tho.html").read_text(encoding="utf-8")
    assert "made of the former Cần Thơ, Sóc Trăng" in new
    district = (out / "district_943-huyen-ke-sach.html").read_text(encoding="utf-8")
    assert "1 July 2025" in district and "Cần Thơ" in district
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'data-group="([^"]*)"', index) == ["", "Cần Thơ", "Sóc Trăng"]
