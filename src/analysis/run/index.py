"""The run's ``index.html``: every report with its status and links, the data hash and commit.

The page is the Jinja2 template ``resources/index.html.j2`` with autoescaping, so every name
taken from data or the run file is HTML-escaped. Reports are grouped by province (a district
report's ``group``; reports without one come first), and a search box filters them as one types,
with no server: the page's own script matches the typed words against each report's label, file
name and province, ignoring case and Vietnamese diacritics ("ke sach" finds "Kế Sách"). The query can
also come in the address (``index.html?q=ke+sach``). The page is self-contained: its script
(``resources/index.js``) is inlined and allowed by its SHA-256 in the page's Content-Security-Policy,
which forbids loading anything. Once the run's shared results exist, the page shows one small map
(``overview_map``: the provinces of a national folder, or the districts of one province, from
``words.maps`` and ``plots.maps``) as a PNG data URI.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import unicodedata
import warnings
from pathlib import Path

from analysis import paths

TEMPLATE = "index.html.j2"
SCRIPT = "index.js"  # the search box's script, inlined and allowed by its hash (nothing else runs)
DATA_HASH_SHOWN = 16  # characters, as in the brief's provenance line
COMMIT_SHOWN = 12
STATUSES = ("ok", "skipped", "failed")
WORDS = {  # the page's own words in the run's language
    "vi": {"ok": "xong", "skipped": "không đổi (bỏ qua)", "failed": "lỗi", "data_hash": "Mã băm dữ liệu",
           "commit": "commit", "finished": "hoàn thành", "prepare_failed": "Bước tính chung bị lỗi",
           "report": "Báo cáo", "name": "Tên tệp", "status": "Trạng thái", "seconds": "Giây", "files": "Tệp",
           "?": "?"},
    "en": {"ok": "ok", "skipped": "unchanged (skipped)", "failed": "failed", "data_hash": "Data hash",
           "commit": "commit", "finished": "finished", "prepare_failed": "Shared step failed", "report": "Report",
           "name": "Name", "status": "Status", "seconds": "Seconds", "files": "Files", "?": "?"},
}
MAP_DPI = 60  # the index's map: about 340 x 500 pixels, some 30 kB as a data URI
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # words.escape.markdown's backslashes, undone for HTML text


@functools.lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(paths.RESOURCES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template(TEMPLATE)


@functools.lru_cache(maxsize=1)
def _script() -> str:
    return (paths.RESOURCES / SCRIPT).read_text(encoding="utf-8")


def content_security_policy(script: str) -> str:
    """The page's policy: nothing loaded from anywhere; inline styles; only ``script`` may run."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "base-uri 'none'; form-action 'none'")


def search_key(text: str) -> str:
    """Lower case without diacritics (đ -> d): what the page's script compares (same rule in JavaScript)."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").lower()


def _row(slug: str, entry: dict) -> dict:
    group = entry.get("group") or ""
    label = entry.get("label", slug)
    return {"slug": slug, "label": label, "error": entry.get("error"), "group": group,
            "status": entry.get("status", "?"), "seconds": entry.get("duration_s", ""),
            "search": search_key(" ".join((label, slug, group))),
            "links": [(kind.upper(), name) for kind, name in sorted(entry.get("outputs", {}).items())]}


def _groups(rows: list[dict]) -> list[dict]:
    """Sections of the page: reports without a group first, then one section per group (sorted)."""
    names = sorted({r["group"] for r in rows if r["group"]}, key=search_key)
    out = [{"name": "", "rows": [r for r in rows if not r["group"]]}]
    out += [{"name": n, "rows": [r for r in rows if r["group"] == n]} for n in names]
    return [g for g in out if g["rows"]]


def overview_map(shared_dir: str | Path, lang: str) -> dict | None:
    """The page's map of the results in ``shared_dir`` (``uri``: a PNG data URI, ``title``, ``caption``), or
    None while there are none. Drawn once per results folder and version of its meta.json."""
    meta = Path(shared_dir) / "meta.json"
    if not meta.exists():
        return None
    return _overview_map(str(shared_dir), lang, meta.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _overview_map(shared_dir: str, lang: str, stamp: int) -> dict | None:
    from analysis import plots
    from analysis.results import load
    from analysis.results.country import NationalResults
    from analysis.words import maps

    try:
        results = load(shared_dir)
        unit_map = maps.by_province(results, lang) if isinstance(results, NationalResults) else maps.districts(
            results, lang)
        image = plots.maps.png(plots.maps.draw(unit_map, synthetic=results.synthetic), dpi=MAP_DPI)
    except Exception as exc:  # the page lists the reports even when its map cannot be drawn
        warnings.warn(f"index map not drawn: {type(exc).__name__}: {exc}", stacklevel=2)
        return None
    return {"uri": "data:image/png;base64," + base64.b64encode(image).decode("ascii"), "title": unit_map.title,
            "caption": _MD_ESCAPE.sub(r"\1", unit_map.caption)}


def index_html(doc: dict, overview: dict | None = None) -> str:
    """The index page of a manifest ``doc`` (as written: paths already public), with the ``overview_map``
    when given."""
    runs = doc["runs"]
    prepare = doc.get("prepare") or {}
    return _template().render(
        lang=doc["run"]["lang"], w=WORDS.get(doc["run"]["lang"], WORDS["en"]),
        title=doc["run"].get("title") or doc["run"]["name"], banner=doc.get("banner"),
        counts={s: sum(1 for e in runs.values() if e.get("status") == s) for s in STATUSES},
        data_hash=doc["provenance"]["data_hash"][:DATA_HASH_SHOWN],
        commit=str(doc["provenance"]["commit"])[:COMMIT_SHOWN], finished=str(doc.get("finished", "")),
        prepare_error=prepare.get("error") if prepare.get("status") == "failed" else None,
        groups=_groups([_row(slug, entry) for slug, entry in sorted(runs.items())]),
        n_reports=len(runs), script=_script(), csp=content_security_policy(_script()), overview=overview,
    )
