"""HTML and PDF reports from an executed notebook.

- HTML: nbconvert's ``HTMLExporter`` in-process (0.15-0.25 s a report, against 5.6 s through the
  nbconvert CLI; design.md), code cells and prompts hidden, papermill's injected-parameters cell and
  the ``parameters`` cell removed, an optional banner (the synthetic-data warning) at the top.
  One self-contained file: the template ``resources/report.html.j2`` is nbconvert's lab template without
  require.js, MathJax, Mermaid and the widget manager (which it fetches from a CDN); figures are data:
  URIs, styles inline, and a Content-Security-Policy (``REPORT_CSP``) forbids loading anything. No math
  is typeset, so a ``$`` in a name stays a ``$``.
- PDF: a Typst document built from the notebook's outputs and compiled with the ``typst`` PyPI
  package (offline, ~0.02 s a page). Markdown cells and ``text/markdown`` outputs go through
  :func:`markdown_to_typst` (a practical subset: headings, bold/italic, code, links, bullet and
  numbered lists, pipe tables, paragraphs; Markdown backslash escapes print the character, which is
  how ``words.escape.markdown`` keeps names literal); ``image/png``/``image/jpeg``/``image/svg+xml``
  outputs are written beside the ``.typ`` file and included; an ``application/vnd.typst`` output (offered by
  :mod:`analysis.run.display` objects) is used as is. Text is set in DejaVu Sans, which matplotlib ships
  and which covers Vietnamese; Typst embeds (subsets of) the fonts it uses, so the PDF carries them.

Typst markup reference: https://typst.app/docs/reference/syntax/ (escapes with a backslash).
"""

from __future__ import annotations

import base64
import functools
import html
import logging
import re
import string
import tempfile
from pathlib import Path

from analysis.atomic import write_bytes, write_text
from analysis.words import escape
from analysis.words.i18n import LANGS, t

TYPST_MIME = "application/vnd.typst"
BANNER = {lang: t("synthetic", lang) for lang in LANGS}  # the one wording (analysis.words.i18n)
REMOVE_CELL_TAGS = frozenset({"injected-parameters", "parameters", "remove-cell", "remove_cell"})
LANG_TAG = "lang-{}"  # a Markdown cell in one language only (headings of the report notebooks)
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})
PAGE_TEXT_WIDTH_PT = 481.0  # A4 (595 pt) minus 2 x 2 cm margins
PX_TO_PT = 0.75  # 96 px per inch -> 72 pt per inch
BODY_FONT = "DejaVu Sans"

# Starts of a line that Typst would read as a list ("- "), an enumeration ("+ ", "1. ") or a heading.
_TYPST_LINE_START = re.compile(r"^(\s*)([-+=]|\d+\.)(?=\s|$)")
# A Markdown backslash escape (CommonMark: any ASCII punctuation); the escaped character is held as a
# private-use placeholder while the inline markup is read, then printed literally.
_MD_ESCAPE = re.compile("\\\\([" + re.escape(string.punctuation) + "])")
_PLACEHOLDER_BASE = 0xF0000  # Supplementary Private Use Area-A: never in a report's own text
_PLACEHOLDER = re.compile("[\U000F0021-\U000F007E]")


def _escape_line_start(line: str) -> str:
    def fix(match: re.Match) -> str:
        indent, marker = match.groups()
        return indent + (marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker)

    return _TYPST_LINE_START.sub(fix, line, count=1)


typst_escape = escape.typst  # user text -> Typst markup (analysis.words.escape)
typst_string = escape.typst_string


def _hold_escapes(text: str) -> str:
    return _MD_ESCAPE.sub(lambda m: chr(_PLACEHOLDER_BASE + ord(m.group(1))), text)


def _release_escapes(typst: str) -> str:
    return _PLACEHOLDER.sub(lambda m: escape.typst_inline(chr(ord(m.group(0)) - _PLACEHOLDER_BASE)), typst)


def _unhold(text: str) -> str:
    """Held escapes back to their Markdown source (code keeps its backslashes, as in CommonMark)."""
    return _PLACEHOLDER.sub(lambda m: "\\" + chr(ord(m.group(0)) - _PLACEHOLDER_BASE), text)


def _plain(text: str) -> str:
    """Text between inline markup: Typst-escaped, held Markdown escapes left for ``_release_escapes``."""
    return escape.typst_inline(text)


def fonts_dir() -> Path:
    """matplotlib's bundled TrueType folder (DejaVu Sans/Serif/Mono: full Vietnamese coverage),
    found without importing matplotlib."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


# ---------------------------------------------------------------------------------------------
# Markdown -> Typst
# ---------------------------------------------------------------------------------------------

_INLINE = re.compile(
    r"(?P<code>`+)(?P<code_body>.+?)(?P=code)"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|__(?P<strong2>.+?)__"
    r"|\[(?P<link_text>[^\]]+)\]\((?P<link_url>[^)\s]+)\)"
    r"|(?<![\w*])\*(?!\s)(?P<em>.+?)(?<!\s)\*(?!\*)"
    r"|(?<!\w)_(?!\s)(?P<em2>.+?)(?<!\s)_(?!\w)"
    r"|(?P<br><br\s*/?>)"
)


def _inline(text: str) -> str:
    """Convert one paragraph's inline Markdown (no line-start escaping here)."""
    out, pos = [], 0
    for match in _INLINE.finditer(text):
        out.append(_plain(text[pos : match.start()]))
        groups = match.groupdict()
        if groups["code"]:
            out.append(f"#raw({typst_string(_unhold(groups['code_body'].strip()))})")
        elif groups["strong"] or groups["strong2"]:
            out.append("*" + _inline(groups["strong"] or groups["strong2"]) + "*")
        elif groups["link_text"]:
            out.append(f"#link({typst_string(_unhold(groups['link_url']))})[{_inline(groups['link_text'])}]")
        elif groups["em"] or groups["em2"]:
            out.append("_" + _inline(groups["em"] or groups["em2"]) + "_")
        elif groups["br"]:
            out.append(" \\ ")
        pos = match.end()
    out.append(_plain(text[pos:]))
    return "".join(out)


def _inline_line(text: str) -> str:
    """Inline conversion for text that starts a Typst line (escapes list/heading markers)."""
    return _escape_line_start(_inline(text))


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [cell.strip().replace("\\|", "|") for cell in cells]


_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _alignment(cell: str) -> str:
    cell = cell.strip()
    if cell.startswith(":") and cell.endswith(":"):
        return "center"
    if cell.endswith(":"):
        return "right"
    return "left"


def typst_table(header: list[str], rows: list[list[str]], *, align: list[str] | None = None,
                caption: str | None = None, markup: bool = True) -> str:
    """A Typst ``#table``; cells are Markdown (``markup=True``) or plain text to escape."""
    ncol = len(header)
    convert = _inline if markup else typst_escape
    align = align or ["left"] * ncol
    cells = ", ".join(f"[*{convert(h)}*]" for h in header)
    body = []
    for row in rows:
        row = (list(row) + [""] * ncol)[:ncol]
        body.append(", ".join(f"[{convert(str(c))}]" for c in row))
    table = (
        f"#table(columns: {ncol}, align: ({', '.join(align)},), stroke: 0.4pt + luma(160), inset: 4pt,\n"
        f"  table.header({cells}),\n"
        + "".join(f"  {line},\n" for line in body)
        + ")"
    )
    if caption:
        return f"#figure(kind: table, supplement: none, caption: [{typst_escape(caption)}])[\n{table}\n]"
    return table


def markdown_to_typst(text: str) -> str:
    """Convert a practical subset of Markdown to Typst markup.

    Headings, **bold**, *italic*, ``code``, links, bullet and numbered lists, pipe tables, fenced
    code, block quotes, rules and paragraphs; anything else is printed literally (escaped).
    """
    lines = _hold_escapes(text.replace("\r\n", "\n")).split("\n")
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(_inline_line(" ".join(s.strip() for s in paragraph)))
            out.append("")
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            fence, body = stripped[:3], []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i])
                i += 1
            out.append(f"#raw(block: true, {typst_string(_unhold(chr(10).join(body)))})")
            out.append("")
        elif not stripped:
            flush()
        elif m := re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", stripped):
            flush()
            out.append("=" * len(m.group(1)) + " " + _inline(m.group(2)))
            out.append("")
        elif re.match(r"^(-{3,}|\*{3,}|_{3,})$", stripped):
            flush()
            out.append("#line(length: 100%, stroke: 0.4pt)")
        elif stripped.startswith("|") and i + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[i + 1]):
            flush()
            header = _split_row(stripped)
            align = [_alignment(c) for c in _split_row(lines[i + 1])]
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_split_row(lines[i]))
                i += 1
            out.append(typst_table(header, rows, align=(align + ["left"] * len(header))[: len(header)]))
            out.append("")
            continue
        elif m := re.match(r"^(\s*)[-*+]\s+(.*)$", line):
            flush()
            out.append(" " * len(m.group(1)) + "- " + _inline(m.group(2)))
        elif m := re.match(r"^(\s*)\d+[.)]\s+(.*)$", line):
            flush()
            out.append(" " * len(m.group(1)) + "+ " + _inline(m.group(2)))
        elif stripped.startswith(">"):
            flush()
            out.append(f"#quote(block: true)[{_inline(stripped.lstrip('>').strip())}]")
        else:
            paragraph.append(line)
        i += 1
    flush()
    return _release_escapes("\n".join(out).strip()) + "\n"


# ---------------------------------------------------------------------------------------------
# Notebook -> Typst -> PDF
# ---------------------------------------------------------------------------------------------

def shows_banner(nb) -> bool:
    """True when the notebook itself displays the synthetic-data banner (``display.synthetic_banner``),
    so that the runner does not add a second one."""
    banners = set(BANNER.values())
    return any(
        _text(output.get("data", {}).get("text/plain", "")) in banners
        for cell in nb.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def report_lang(nb, default: str = "vi") -> str:
    """The report's language: the ``lang`` parameter papermill ran the notebook with."""
    params = nb.get("metadata", {}).get("papermill", {}).get("parameters", {})
    lang = params.get("lang", default)
    return lang if lang in LANGS else default


def other_language_tags(lang: str) -> set[str]:
    """Tags of cells written for the other language(s), left out of a report in ``lang``."""
    return {LANG_TAG.format(other) for other in LANGS if other != lang}


def in_language(nb, lang: str):
    """A copy of ``nb`` without the Markdown cells tagged for another language."""
    import nbformat

    copy = nbformat.from_dict(nb)
    drop = other_language_tags(lang)
    copy.cells = [c for c in copy.cells if not _tags(c) & drop]
    return copy


def without_stderr(nb):
    """``nb`` without stderr streams (library warnings, in English, for the developer: they stay in the
    executed notebook; the PDF leaves them out too). Changes ``nb`` in place and returns it."""
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("outputs"):
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream"
                                                            and o.get("name") == "stderr")]
    return nb


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _png_width_px(data: bytes) -> int | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big")
    return None


def _image_block(name: str, data: bytes) -> str:
    width = _png_width_px(data)
    size = f"{min(width * PX_TO_PT, PAGE_TEXT_WIDTH_PT):.0f}pt" if width else "100%"
    return f'#align(center, image("{name}", width: {size}))'


def _output_to_typst(output, images: dict[str, bytes], key: str) -> str | None:
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") != "stdout":
            return None
        return f"#raw(block: true, {typst_string(_text(output.get('text', '')).rstrip())})"
    if kind == "error":
        return f"#text(fill: red)[*{typst_escape(output.get('ename', ''))}*: {typst_escape(output.get('evalue', ''))}]"
    data = output.get("data", {})
    if TYPST_MIME in data:
        return _text(data[TYPST_MIME])
    for mime, ext in (("image/png", "png"), ("image/jpeg", "jpg")):
        if mime in data:
            name = f"{key}.{ext}"
            images[name] = base64.b64decode(_text(data[mime]))
            return _image_block(name, images[name])
    if "image/svg+xml" in data:
        name = f"{key}.svg"
        images[name] = _text(data["image/svg+xml"]).encode("utf-8")
        return f'#align(center, image("{name}", width: 100%))'
    if "text/markdown" in data:
        return markdown_to_typst(_text(data["text/markdown"]))
    if "text/plain" in data:
        return f"#raw(block: true, {typst_string(_text(data['text/plain']).rstrip())})"
    return None


def notebook_to_typst(nb, *, banner: str | None = None, lang: str = "vi") -> tuple[str, dict[str, bytes]]:
    """Typst source and the images it includes (file name -> bytes) for an executed notebook."""
    images: dict[str, bytes] = {}
    parts = [
        '#set page(paper: "a4", margin: 2cm, numbering: "1")',
        f'#set text(font: "{BODY_FONT}", size: 10pt, lang: "{lang}")',
        "#set par(justify: false)",
        "#set smartquote(enabled: false)",  # quotes in names print as typed
        "#show heading: set block(above: 1.2em, below: 0.6em)",
        "#show figure: set block(breakable: true)",  # long tables continue on the next page
        "#show figure.where(kind: table): set figure.caption(position: top)",
        "",
    ]
    if banner:
        parts.append(
            "#block(width: 100%, fill: rgb(\"#fde8d8\"), stroke: 0.6pt + rgb(\"#c0392b\"), inset: 6pt)"
            f"[#text(weight: \"bold\", fill: rgb(\"#8e2c1d\"))[{typst_escape(banner)}]]\n"
        )
    remove = REMOVE_CELL_TAGS | other_language_tags(lang)
    for index, cell in enumerate(nb.cells):
        tags = _tags(cell)
        if tags & remove:
            continue
        if cell.cell_type == "markdown":
            parts.append(markdown_to_typst(_text(cell.source)))
        elif cell.cell_type == "code" and not tags & REMOVE_OUTPUT_TAGS:
            for number, output in enumerate(cell.get("outputs", [])):
                block = _output_to_typst(output, images, key=f"cell{index:03d}-{number}")
                if block:
                    parts.append(block + "\n")
    return "\n".join(parts), images


def write_pdf(nb, target: str | Path, *, banner: str | None = None, lang: str = "vi") -> Path:
    """Compile ``nb`` to a PDF at ``target`` (written atomically)."""
    import typst

    source, images = notebook_to_typst(nb, banner=banner, lang=lang)
    with tempfile.TemporaryDirectory(prefix="vbsp-typst-") as tmp:
        tmp_dir = Path(tmp)
        for name, data in images.items():
            (tmp_dir / name).write_bytes(data)
        main = tmp_dir / "report.typ"
        main.write_text(source, encoding="utf-8")
        pdf = typst.compile(str(main), root=str(tmp_dir), font_paths=typst_fonts())
    return write_bytes(target, pdf)


@functools.lru_cache(maxsize=1)
def typst_fonts():
    """The fonts Typst may use (the system's and matplotlib's DejaVu, ``fonts_dir``), found and read once per
    process: given as folders, every compilation searched and read them again (about 20 ms a report)."""
    import typst

    return typst.Fonts(include_system_fonts=True, include_embedded_fonts=True, font_paths=[str(fonts_dir())])


# ---------------------------------------------------------------------------------------------
# Notebook -> HTML
# ---------------------------------------------------------------------------------------------

BANNER_CSS = (
    "<style>.vbsp-banner{background:#fde8d8;border:1px solid #c0392b;color:#8e2c1d;"
    "font-weight:bold;padding:.5em 1em;margin:0 0 1em 0;font-family:'DejaVu Sans',sans-serif}</style>"
)


# Nothing is loaded from anywhere: figures are data: URIs, styles are inline, reports run no script.
REPORT_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; script-src 'none'; "
              "base-uri 'none'; form-action 'none'")
REPORT_TEMPLATE = "report.html.j2"  # in analysis/resources: the lab template without CDN scripts


NO_ALT = "No description has been provided for this image"  # nbconvert's words, for a figure without a title
# the template's own divs (a name from data is escaped: it cannot open a tag)
FOCUSABLE_DIV = re.compile(
    r'<div ((?:id="[^"]*" )?class="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*")')


# A numeric character reference: nbconvert's heading anchors write "Tỷ" as "T&#7927;". A letter beyond ASCII
# has no meaning in HTML, so it is printed as the letter; "&#60;" and the like stay as they are.
CHAR_REF = re.compile(r"&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));")


def _non_ascii_char(match: re.Match) -> str:
    code = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
    return chr(code) if 128 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)


def _report_exporter_class():
    """nbconvert's ``HTMLExporter`` without its last pass, which parses the whole page with BeautifulSoup
    (about 20 ms of a report's 30 ms) to give images an ``alt`` and outputs a ``tabindex``: the report
    template writes the ``alt`` (the figure's title, :func:`analysis.plots.show`) and :func:`html_report`
    the ``tabindex``. Everything else is ``HTMLExporter.from_notebook_node`` (nbconvert 7.17, pinned) as it is."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code",
                                 self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


@functools.lru_cache(maxsize=1)
def _html_exporter():
    """One exporter per process: its templates compile on first use (~0.4 s), then ~10 ms a report."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    log = logging.getLogger("analysis.run.render.nbconvert")
    log.setLevel(logging.ERROR)
    from analysis import paths

    # optimistic_validation: the notebook is validated once, after the preprocessors, not after each of them
    exporter = _report_exporter_class()(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, log=log, optimistic_validation=True,
        template_name="lab", template_file=REPORT_TEMPLATE,
        extra_template_basedirs=[str(paths.RESOURCES)], extra_template_paths=[str(paths.RESOURCES)])
    remover = TagRemovePreprocessor(
        remove_cell_tags=set(REMOVE_CELL_TAGS), remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS), enabled=True
    )
    exporter.register_preprocessor(remover, enabled=True)
    return exporter


def html_report(nb, *, title: str, banner: str | None = None) -> str:
    """Self-contained HTML of ``nb`` without code cells (nothing fetched: ``REPORT_CSP``); ``title`` and
    ``banner`` are escaped here."""
    nb = without_stderr(in_language(nb, report_lang(nb)))  # in_language copies: the caller's is not changed
    body, _ = _html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}, "vbsp_csp": REPORT_CSP,
                                                                 "vbsp_no_alt": NO_ALT})
    body = FOCUSABLE_DIV.sub(r'<div \1 tabindex="0"', body)  # cells and outputs focusable, as nbconvert makes them
    body = CHAR_REF.sub(_non_ascii_char, body)  # headings' letters as written, as BeautifulSoup printed them
    safe_title = f"<title>{html.escape(title)}</title>"
    body = re.sub(r"<title>.*?</title>", lambda _: safe_title, body, count=1, flags=re.S)
    if banner:
        div = f'{BANNER_CSS}<div class="vbsp-banner" role="note">{html.escape(banner)}</div>'
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + div, body, count=1)
    return body


def write_html(nb, target: str | Path, *, title: str, banner: str | None = None) -> Path:
    """Write :func:`html_report` to ``target`` atomically."""
    return write_text(target, html_report(nb, title=title, banner=banner))
