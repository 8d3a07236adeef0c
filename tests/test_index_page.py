"""The run's index page: grouped by province, with a search box that works without a server.

The search is checked in a real headless browser (Debian's Chromium; ``.ci/run`` installs it):
Chromium loads the page from disk with ``?q=...`` in the address, runs the page's script and dumps
the resulting DOM, in which the rows that do not match are ``hidden``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.parse

import pytest

from analysis.run import index

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--virtual-time-budget=2000"]


def manifest() -> dict:
    runs = {
        "brief": {"label": "Tóm tắt bằng chứng", "status": "ok", "outputs": {"html": "brief.html"}},
        "district_943-ke-sach": {"label": "Báo cáo huyện: 943 Kế Sách", "group": "Sóc Trăng", "status": "ok",
                                 "outputs": {"html": "district_943-ke-sach.html"}},
        "district_951-tran-de": {"label": "Báo cáo huyện: 951 Trần Đề", "group": "Sóc Trăng", "status": "ok",
                                 "outputs": {"html": "district_951-tran-de.html"}},
        "district_701-huyen-mo-phong-01": {"label": "Báo cáo huyện: 701 Huyện mô phỏng 01", "group": "Đồng Nai",
                                           "status": "failed", "error": "<b>boom</b>",
                                           "outputs": {"html": "district_701-huyen-mo-phong-01.error.html"}},
    }
    return {"run": {"lang": "vi", "title": "Quốc gia", "name": "national"}, "runs": runs,
            "provenance": {"data_hash": "a" * 64, "commit": "b" * 40}, "finished": "2026-11-30"}


def test_reports_are_grouped_by_province_ungrouped_first():
    html = index.index_html(manifest())
    sections = re.findall(r'<section class="group" data-group="([^"]*)">', html)
    assert sections == ["", "Đồng Nai", "Sóc Trăng"]  # Vietnamese order: Đ before S
    assert html.index("Huyện mô phỏng 01") < html.index("Kế Sách") < html.index("Trần Đề")
    assert "&lt;b&gt;boom&lt;/b&gt;" in html  # escaped


def test_search_keys_ignore_case_and_diacritics():
    assert index.search_key("Kế Sách ĐỒNG") == "ke sach dong"


def _visible_rows(html_path, query: str) -> list[str]:
    url = html_path.as_uri() + "?" + urllib.parse.urlencode({"q": query})
    done = subprocess.run([CHROMIUM, *BROWSER_FLAGS, f"--user-data-dir={html_path.parent / 'profile'}",
                           "--dump-dom", url], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = re.findall(r'<tr class="report"([^>]*)>.*?<code>([^<]+)</code>', done.stdout, flags=re.S)
    return [slug for attrs, slug in rows if "hidden" not in attrs]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (.ci/run installs Debian's chromium)")
@pytest.mark.parametrize("query,expected", [
    ("ke sach", ["district_943-ke-sach"]),
    ("Trần Đề", ["district_951-tran-de"]),
    ("soc trang", ["district_943-ke-sach", "district_951-tran-de"]),
    ("dong nai 701", ["district_701-huyen-mo-phong-01"]),
    ("", ["brief", "district_701-huyen-mo-phong-01", "district_943-ke-sach", "district_951-tran-de"]),
])
def test_search_box_filters_in_a_real_browser(tmp_path, query, expected):
    page = tmp_path / "index.html"
    page.write_text(index.index_html(manifest()), encoding="utf-8")
    assert _visible_rows(page, query) == expected
