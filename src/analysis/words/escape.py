"""User text is data, never markup: one escaper per place a name is printed.

A name (unit, commune, hamlet, reform, association label, a header carried from an import) reaches a
report through one of these targets, and each has its own escaper:

- ``markdown(text)``: prose and headings built as Markdown (``run.display.show_markdown``). Every ASCII
  punctuation character gets a backslash (CommonMark: any ASCII punctuation may be escaped), so ``*``,
  ``[``, ``#``, ``$``, ``<`` and the rest print as written; line breaks become spaces. The Markdown is
  read by mistune for HTML and by ``run.render.markdown_to_typst`` for the PDF; both honour the escapes.
- ``html(text)``: text put into HTML by hand (``&``, ``<``, ``>``, quotes).
- ``latex(text)``: text read by LaTeX or MathJax (``$``, ``\\``, braces...). The reports do not load
  MathJax; this is for a LaTeX table or a figure label that does want math elsewhere.
- ``typst(text)``: text put into Typst markup (the PDF): every markup character with a backslash,
  list and heading markers at a line start, and ``-``/``.`` so that ``--``, ``...`` and ``-?`` are not
  turned into dashes, an ellipsis or a soft hyphen; bidirectional override controls are dropped, so
  that the PDF's text keeps the name's letters in the order written. ``typst_string(text)`` is a Typst
  string literal.
- ``excel_needs_prefix(text)``: whether a cell text starts like a formula (``= + - @``); the workbook
  writes such text as a string with Excel's quote prefix, so that editing the cell keeps it text.
- ``slug(text)``: a file-name part: ASCII letters, digits and ``-`` only (no ``/``, no ``..``), at
  most ``SLUG_MAX`` characters, with a short hash of the whole text when it had to be cut.
- ``plain(text)``: figure text for matplotlib with mathtext off: ``$`` and the rest are literal
  there already (``plots`` sets ``text.parse_math`` to False); line breaks become spaces.

Names keep every character they had, zero-width and right-to-left marks included (in the PDF, bidi
overrides aside): the report shows what the data say.
"""

from __future__ import annotations

import hashlib
import html as _html
import re
import string
import unicodedata

SLUG_MAX = 60  # characters of a name in a file name (code + name stay well under 255 bytes)
SLUG_HASH = 8  # hex digits of the name's hash appended when the slug was cut
FORMULA_PREFIXES = ("=", "+", "-", "@")  # a cell starting with one of these is read as a formula

_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\v\f]+")

# Characters with a meaning in Typst markup, escaped with a backslash wherever they appear; ``-`` and
# ``.`` because of the shorthands ``--``, ``---``, ``-?`` and ``...``. Quotes are printed as typed
# because the PDF sets ``smartquote(enabled: false)`` (``\'`` is not a Typst escape).
_TYPST_SPECIAL = re.compile(r"([\\#$@<>*_`\[\]~/\-.\"])")
# Starts of a line that Typst would read as a list ("- "), an enumeration ("+ ", "1. ") or a heading.
_TYPST_LINE_START = re.compile(r"^(\s*)(=+|\+)(?=\s|$)")  # "-" and "1." are escaped already

# Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069). A PDF page
# holds glyphs in the order they are drawn, so an override would reverse the name's letters in the PDF's
# text (what a reader copies or searches); the PDF prints the characters in the order they were written.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                  "%": r"\%", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}


def one_line(text) -> str:
    """``text`` as a string on one line (a name never breaks a paragraph or a table row)."""
    return _LINE_BREAKS.sub(" ", str(text))


def markdown(text) -> str:
    """``text`` for Markdown: printed as written by any CommonMark reader (and by the PDF converter)."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def html(text) -> str:
    """``text`` for HTML element content or a quoted attribute."""
    return _html.escape(str(text), quote=True)


def latex(text) -> str:
    """``text`` for LaTeX or MathJax: no math, no commands."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in str(text))


def _typst_line_start(line: str) -> str:
    return _TYPST_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line, count=1)


def typst_inline(text) -> str:
    """``text`` inside a line of Typst markup (no line-start handling); bidirectional embedding, override
    and isolate controls are left out (see ``BIDI_CONTROLS``)."""
    return _TYPST_SPECIAL.sub(r"\\\1", BIDI_CONTROLS.sub("", str(text)))


def typst(text) -> str:
    """``text`` for Typst markup, printed literally (one line or many)."""
    return "\n".join(_typst_line_start(line) for line in typst_inline(text).split("\n"))


def typst_string(text) -> str:
    """A Typst string literal holding ``text``."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def excel_needs_prefix(text) -> bool:
    """True when Excel would read the typed ``text`` as a formula."""
    return str(text).lstrip().startswith(FORMULA_PREFIXES)


def slug(text, *, max_len: int = SLUG_MAX) -> str:
    """An ASCII file-name part: diacritics stripped (đ -> d), lower case, other runs -> ``-``; cut to
    ``max_len`` with a hash of the whole text so that two long names stay apart. Never contains ``/``,
    ``\\`` or ``..``."""
    text = str(text)
    ascii_text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(out) > max_len:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:SLUG_HASH]
        out = out[: max_len - SLUG_HASH - 1].rstrip("-") + "-" + digest
    return out


def plain(text) -> str:
    """Figure text (matplotlib with ``text.parse_math`` off): one line, otherwise as written."""
    return one_line(text)
