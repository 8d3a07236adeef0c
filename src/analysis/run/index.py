"""The run's ``index.html``: every report with its status and links, the data hash and commit.

The page is the Jinja2 template ``resources/index.html.j2`` with autoescaping, so every name
taken from data or the run file is HTML-escaped. Reports are grouped by province (a district
report's ``group``; reports without one come first), and a search box filters them as one types,
with no server: the page's own script matches the typed words against each report's label, file
name and province, ignoring case and Vietnamese diacritics ("ke sach" finds "Kế Sách"). The query can
also come in the address (``index.html?q=ke+sach``). The page is self-contained: its script
(``resources/index.js``) is inlined and allowed by its SHA-256 in the page's Content-Security-Policy,
which forbids loading anything.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import unicodedata

from analysis import paths

TEMPLATE = "index.html.j2"
SCRIPT = "index.js"  # the search box's script, inlined and allowed by its hash (nothing else runs)
DATA_HASH_SHOWN = 16  # characters, as in the brief's provenance line
COMMIT_SHOWN = 12
STATUSES = ("ok", "skipped", "failed")


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


def index_html(doc: dict) -> str:
    """The index page of a manifest ``doc`` (as written: paths already public)."""
    runs = doc["runs"]
    prepare = doc.get("prepare") or {}
    return _template().render(
        lang=doc["run"]["lang"], title=doc["run"].get("title") or doc["run"]["name"], banner=doc.get("banner"),
        counts={s: sum(1 for e in runs.values() if e.get("status") == s) for s in STATUSES},
        data_hash=doc["provenance"]["data_hash"][:DATA_HASH_SHOWN],
        commit=str(doc["provenance"]["commit"])[:COMMIT_SHOWN], finished=str(doc.get("finished", "")),
        prepare_error=prepare.get("error") if prepare.get("status") == "failed" else None,
        groups=_groups([_row(slug, entry) for slug, entry in sorted(runs.items())]),
        n_reports=len(runs), script=_script(), csp=content_security_policy(_script()),
    )
