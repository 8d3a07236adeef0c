"""Every report of the sample run, built in Vietnamese and English on a province whose names came from a
hostile export (``tests/hostile_names.py``: HTML tags, Markdown, ``$...$``, Typst ``#set``, formulas,
``../``, zero-width and right-to-left characters, a 300-character name, two reforms).

The names must print as written: in the HTML text (parsed), in the PDF text (extracted; whitespace and
invisible format characters aside, which a PDF's text layer cannot hold), and as string cells of the
workbooks. No page loads anything remote, no file is written outside the output folder, the brief and
the policy report evaluate both reforms, and no Vietnamese output carries English developer text.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import hostile_names as hostile
import pytest
from bs4 import BeautifulSoup

LANGS = ("vi", "en")
# English words that Vietnamese prose never uses: a developer message or an untranslated note.
ENGLISH = re.compile(r"\b(the|and|with|of|is|not|choose|several|could|cannot|Technical|Traceback|Error)\b"
                     r"|reform=|tiếng Anh|\['|\{'|Timestamp\(")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)  # any scheme or protocol-relative address
REFORM_SENTENCE = {"vi": "Sau khi huyện áp dụng cải cách", "en": "After a district adopted the reform"}


def visible(text: str) -> str:
    """NFC text without whitespace and without format characters (zero-width, bidi controls)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def html_text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    if soup.title:
        soup.title.decompose()  # the run file's bilingual title, not report text
    return soup.get_text()


def pdf_text(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def xlsx_strings(path: Path) -> tuple[set[str], list[str]]:
    """The workbook's string cells and any formula cells."""
    import openpyxl

    strings, formulas = set(), []
    for sheet in openpyxl.load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(f"{sheet.title}!{cell.coordinate}")
                elif isinstance(cell.value, str):
                    strings.add(cell.value)
    return strings, formulas


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The hostile province and the sample run's reports on it in both languages: (root, docs by lang)."""
    from analysis.run.build import build_reports
    from analysis.run.settings import Settings

    root = tmp_path_factory.mktemp("hostile")
    data = hostile.write(root / "data")
    before = {p for p in root.rglob("*")}
    docs = {lang: build_reports(Settings(data_dir=data, out_root=root / "reports", lang=lang, scheduler="processes",
                                         workers=2, progress=False)) for lang in LANGS}
    written = {p for p in root.rglob("*")} - before
    return root, docs, written


def out_dir(built, lang: str) -> Path:
    return Path(built[1][lang]["run"]["out_dir"])


def district_file(built, lang: str, code: str, suffix: str) -> Path:
    (path,) = out_dir(built, lang).glob(f"district_{code}*{suffix}")
    return path


@pytest.mark.slow
def test_every_report_builds_and_nothing_is_written_outside_the_output_folder(built):
    root, docs, written = built
    for doc in docs.values():
        assert doc["prepare"]["status"] == "ok", doc["prepare"].get("error")
        failed = {slug: e.get("error") for slug, e in doc["runs"].items() if e["status"] != "ok"}
        assert not failed, failed
        assert len([s for s in doc["runs"] if s.startswith("district_")]) == len(hostile.DISTRICT_NAMES)
    outputs = [out_dir(built, lang).resolve() for lang in LANGS]
    outside = [p for p in written if not any(p.resolve().is_relative_to(o) or p.resolve() in o.parents
                                             for o in outputs)]
    assert not outside
    for lang in LANGS:
        names = [p.name for p in out_dir(built, lang).iterdir()]
        assert all(".." not in n and len(n.encode()) < 200 for n in names)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_names_print_as_written_in_html_pdf_and_workbooks(built, lang):
    for code, name in hostile.DISTRICT_NAMES.items():
        assert name in html_text(district_file(built, lang, code, ".html")), (code, name)
        assert visible(name) in visible(pdf_text(district_file(built, lang, code, ".pdf"))), (code, name)
        strings, formulas = xlsx_strings(district_file(built, lang, code, ".xlsx"))
        assert name in strings and not formulas, (code, formulas)
    folder = out_dir(built, lang)
    for report in ("brief", "policy"):
        text, pdf = html_text(folder / f"{report}.html"), visible(pdf_text(folder / f"{report}.pdf"))
        for reform in hostile.REFORM_NAMES:
            assert reform in text and visible(reform) in pdf, (report, reform)
    strings, formulas = xlsx_strings(folder / "policy.xlsx")
    assert not formulas and {hostile.DISTRICT_NAMES["945"], hostile.DISTRICT_NAMES["942"]} <= strings


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_pages_load_nothing_remote_and_run_no_script_but_the_index_search(built, lang):
    for path in out_dir(built, lang).glob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert csp and "default-src 'none'" in csp["content"], path.name
        for tag in soup.find_all(["script", "link", "img", "iframe", "object", "embed", "source"]):
            for attr in ("src", "href", "data"):
                value = tag.get(attr) or ""
                assert not REMOTE.match(value) or value.startswith("data:"), (path.name, tag.name, value[:60])
        scripts = soup.find_all("script")
        assert len(scripts) == (1 if path.name == "index.html" else 0), path.name
        assert "MathJax" not in str(soup) and "require.js" not in str(soup)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_the_brief_and_the_policy_report_evaluate_both_reforms(built, lang):
    folder = out_dir(built, lang)
    for report in ("brief", "policy"):
        text = html_text(folder / f"{report}.html")
        assert text.count(REFORM_SENTENCE[lang]) >= len(hostile.REFORM_NAMES), report
    from analysis import results

    shared = results.load(Path(built[1][lang]["run"]["out_dir"]) / "_shared")
    assert [r.name for r in shared.reforms] == list(hostile.REFORM_NAMES)
    assert all(r.estimate.extras["reform"] == r.name for r in shared.reforms)
    cohorts = [set(r["policy_reform_clusters"].query("cohort > 0")["cluster"]) for r in shared.reforms]
    assert cohorts[0] and cohorts[1] and not cohorts[0] & cohorts[1]  # each on its own adopting districts


@pytest.mark.slow
def test_vietnamese_outputs_carry_no_english_developer_text(built):
    folder = out_dir(built, "vi")
    reports = [p for p in folder.glob("*.html") if p.name != "index.html"]
    texts = {p.name: html_text(p) for p in reports} | {p.name: pdf_text(p) for p in folder.glob("*.pdf")}
    for name, text in texts.items():
        for hostile_name in hostile.NAMES:
            text = text.replace(hostile_name, " ")
        hits = [m.group(0) for m in ENGLISH.finditer(text)]
        assert not hits, (name, hits[:5])
    policy = html_text(folder / "policy.html")
    assert "Ghi chú kỹ thuật" in policy and "(tiếng Anh)" not in policy
    drivers = html_text(folder / "drivers.html")
    assert "Số quan sát" in drivers and not re.search(r"\d\.\d{4}\b", drivers)  # the models' table in Vietnamese
