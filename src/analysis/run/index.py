"""The run's ``index.html``: every report with its status and links, the data hash and commit.

The page is the Jinja2 template ``resources/index.html.j2`` with autoescaping, so every name
taken from data or the run file is HTML-escaped.
"""

from __future__ import annotations

import functools

from analysis import paths

TEMPLATE = "index.html.j2"
DATA_HASH_SHOWN = 16  # characters, as in the brief's provenance line
COMMIT_SHOWN = 12
STATUSES = ("ok", "skipped", "failed")


@functools.lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(paths.RESOURCES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template(TEMPLATE)


def _row(slug: str, entry: dict) -> dict:
    return {"slug": slug, "label": entry.get("label", slug), "error": entry.get("error"),
            "status": entry.get("status", "?"), "seconds": entry.get("duration_s", ""),
            "links": [(kind.upper(), name) for kind, name in sorted(entry.get("outputs", {}).items())]}


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
        rows=[_row(slug, entry) for slug, entry in sorted(runs.items())],
    )
