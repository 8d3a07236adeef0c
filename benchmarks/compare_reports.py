"""Compare the reports of two run folders: do they say the same thing?

For every ``<slug>.html`` of the first folder that the second folder also has:

- HTML: the bytes; where they differ, the page again with every PNG data URI replaced by a digest of its
  decoded pixels (the same figure may be compressed differently) and the code's commit blanked;
- PDF: the bytes with Typst's dates and document ID blanked, and the text of every page
  (``pypdf``) when the bytes differ;
- Excel: every sheet's cell values and number formats (``openpyxl``; the files' own timestamps differ);
- notebook: every cell's source and outputs (papermill's timings and the execution metadata differ), PNG
  outputs by their pixels and the commit blanked as for HTML.

    .venv/bin/python benchmarks/compare_reports.py BEFORE_DIR AFTER_DIR [--only 'district_0*']

Prints one line per report that differs and a summary; exit code 1 when any report differs.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from pathlib import Path

# What Typst writes from the clock: dates (Info and XMP) and the document ID derived from them.
_PDF_CLOCK = re.compile(rb"(/ModDate\(|/CreationDate\(|<xmp:ModifyDate>|<xmp:CreateDate>|<xmpMM:InstanceID>"
                        rb"|<xmpMM:DocumentID>)[^)<]*|/ID\[\([^)]*\)\([^)]*\)\]")


_PNG_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
_COMMIT = re.compile(r"""\b(commit\s+(?:<code>|`|#raw\(\\?")?)[0-9a-f]{7,40}\b""")  # as HTML, Markdown, Typst


def _pixels(png_base64: str) -> str:
    """A digest of a base64 PNG's decoded pixels (mode, size and every byte)."""
    import base64
    import hashlib
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(png_base64)))
    return f"{image.mode}-{image.size}-{hashlib.sha256(image.tobytes()).hexdigest()}"


def _seen(text: str) -> str:
    """What a reader sees of a page or notebook: images by their pixels, the commit blanked."""
    return _COMMIT.sub(r"\1", _PNG_URI.sub(lambda m: "png:" + _pixels(m.group(1)), text))


def same_html(a: Path, b: Path) -> tuple[bool, str]:
    if a.read_bytes() == b.read_bytes():
        return True, "bytes"
    same = _seen(a.read_text(encoding="utf-8")) == _seen(b.read_text(encoding="utf-8"))
    return same, "same text and pixels" if same else "differs"


def same_pdf(a: Path, b: Path) -> tuple[bool, str]:
    da, db = (_PDF_CLOCK.sub(rb"\1", p.read_bytes()) for p in (a, b))
    if da == db:
        return True, "bytes"
    from pypdf import PdfReader

    ta, tb = ([_COMMIT.sub(r"\1", page.extract_text()) for page in PdfReader(p).pages] for p in (a, b))
    return ta == tb, "text only" if ta == tb else "text differs"


def _cells(path: Path) -> list:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return [(ws.title, [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]) for ws in book]


def same_xlsx(a: Path, b: Path) -> bool:
    return _cells(a) == _cells(b)


def _notebook(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                png = data["image/png"]
                data["image/png"] = _pixels("".join(png) if isinstance(png, list) else png)
    return json.loads(_COMMIT.sub(r"\1", json.dumps([(c["cell_type"], c["source"], c.get("outputs"))
                                                      for c in nb["cells"]])))


def same_ipynb(a: Path, b: Path) -> bool:
    return _notebook(a) == _notebook(b)


def compare(before: Path, after: Path, only: str) -> list[str]:
    problems = []
    slugs = sorted(p.stem for p in before.glob("*.html") if fnmatch.fnmatch(p.stem, only) and p.stem != "index")
    for slug in slugs:
        for ext, check in (("html", same_html), ("pdf", same_pdf), ("xlsx", same_xlsx), ("ipynb", same_ipynb)):
            a, b = before / f"{slug}.{ext}", after / f"{slug}.{ext}"
            if a.exists() != b.exists():
                problems.append(f"{slug}.{ext}: only in {'before' if a.exists() else 'after'}")
                continue
            if not a.exists():
                continue
            outcome = check(a, b)
            ok, how = outcome if isinstance(outcome, tuple) else (outcome, "")
            if not ok or how == "text only":
                problems.append(f"{slug}.{ext}: {how or 'differs'}")
    print(f"{len(slugs)} reports compared, {len(problems)} difference(s)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--only", default="*", help="glob on report names")
    args = parser.parse_args()
    problems = compare(args.before, args.after, args.only)
    for line in problems:
        print(line)
    return 1 if any("text only" not in p for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main())
