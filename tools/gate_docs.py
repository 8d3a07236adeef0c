"""Write the stored Monte Carlo gate (``src/analysis/resources/montecarlo_gate.json``) into the docs.

Each design's table sits in a doc between ``<!-- gate:DESIGN -->`` and ``<!-- /gate:DESIGN -->``;
this replaces what is between them with ``montecarlo.gate_markdown(DESIGN)``, so the tables in the docs
are the record the reports read, never typed by hand.

    .venv/bin/python tools/gate_docs.py            # rewrite the docs
    .venv/bin/python tools/gate_docs.py --check    # exit 1 if a doc differs from the record
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from analysis import atomic
from analysis.results import montecarlo

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "docs" / "policy.md", ROOT / "docs" / "methods.md", ROOT / "docs" / "national.md"]
BLOCK = re.compile(r"(<!-- gate:(\w+) -->\n)(.*?)(<!-- /gate:\2 -->)", re.S)


def refresh(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + montecarlo.gate_markdown(m.group(2)) + "\n" + m.group(4), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when a doc is out of date")
    args = parser.parse_args(argv)
    stale = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        new = refresh(text)
        if new != text:
            stale.append(doc)
            if not args.check:
                atomic.write_text(doc, new)
    for doc in stale:
        print(("out of date: " if args.check else "rewrote: ") + str(doc.relative_to(ROOT)))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
