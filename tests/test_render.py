"""HTML and PDF rendering: Markdown -> Typst, escaping, code hidden, Vietnamese text and figures
intact in the PDF (text extracted with pypdf, normalised to NFC on both sides)."""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from pathlib import Path

import nbformat
import pypdf
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.run import render
from analysis.run.build import build_reports
from analysis.run.settings import Settings

FIXTURES = Path(__file__).parent / "notebooks_fixtures"
VIETNAMESE_WORDS = ["Tỷ lệ nợ quá hạn", "Sóc Trăng", "Kế Sách", "Đoàn Thanh niên"]
# A 1x1 white PNG (hand-made bytes), enough to check that images reach the PDF.
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def pdf_images(data: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes) -> dict[str, bool]:
    """Font base names -> whether the font program is embedded."""
    fonts = {}
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def compile_typst(source: str) -> bytes:
    import typst

    return typst.compile(source.encode("utf-8"), font_paths=[str(render.fonts_dir())])


MARKDOWN_CASES = [
    ("# Tiêu đề", "= Tiêu đề"),
    ("### Mục", "=== Mục"),
    ("Chữ **đậm** và *nghiêng*", "Chữ *đậm* và _nghiêng_"),
    ("- một\n- hai", "- một\n- hai"),
    ("1. một\n2. hai", "+ một\n+ hai"),
    ("giá #1 $5 @a <b> a_b c*d", "giá \\#1 \\$5 \\@a \\<b\\> a\\_b c\\*d"),
    ("[VBSP](https://vbsp.org.vn)", '#link("https://vbsp.org.vn")[VBSP]'),
    ("`x = 1`", '#raw("x = 1")'),
]


@pytest.mark.parametrize(("markdown", "expected"), MARKDOWN_CASES)
def test_markdown_to_typst(markdown, expected):
    assert render.markdown_to_typst(markdown).strip() == expected


def test_markdown_pipe_table_becomes_typst_table():
    out = render.markdown_to_typst("| Huyện | Tỷ lệ |\n|---|---:|\n| Kế Sách | 1,2 |\n")
    assert out.startswith("#table(columns: 2, align: (left, right,)")
    assert "table.header([*Huyện*], [*Tỷ lệ*])" in out and "[Kế Sách], [1,2]" in out


def test_escaped_text_prints_literally():
    """Every Typst special character survives escaping (checked in the compiled PDF)."""
    nasty = "a#b $c$ @d <e> *f* _g_ `h` \\i [j] ~k // l /* m - n + o = p"
    text = pdf_text(compile_typst(f'#set text(font: "DejaVu Sans")\n{render.typst_escape(nasty)}\n'))
    assert nasty in text.replace("\n", " ")
    lines = ["- not a list", "+ not an enum", "= not a heading", "12. not numbered"]
    source = "\n\n".join(render.typst_escape(line) for line in lines)
    text = pdf_text(compile_typst('#set text(font: "DejaVu Sans")\n' + source + "\n"))
    assert [line.strip() for line in text.splitlines() if line.strip()] == lines


def small_notebook() -> nbformat.NotebookNode:
    params = new_code_cell('district_code = "943"')
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('# Parameters\ndistrict_code = "944"')
    injected.metadata["tags"] = ["injected-parameters"]
    figure = new_code_cell("SECRET_CODE_SOURCE = plot()")
    figure.outputs = [new_output("display_data", data={"image/png": base64.b64encode(PNG_1PX).decode(),
                                                       "text/plain": "<Figure>"})]
    prose = new_code_cell("show()")
    prose.outputs = [new_output("display_data", data={"text/markdown": "Nhóm do **Đoàn Thanh niên** quản lý",
                                                      "text/plain": "x"})]
    return new_notebook(cells=[
        new_markdown_cell("# Tỷ lệ nợ quá hạn\n\nTỉnh Sóc Trăng, huyện Kế Sách."),
        params, injected, figure, prose,
    ])


def test_pdf_keeps_vietnamese_text_embeds_fonts_and_images(tmp_path):
    target = render.write_pdf(small_notebook(), tmp_path / "r.pdf", banner=render.BANNER["vi"])
    data = target.read_bytes()
    text = pdf_text(data)
    for word in [*VIETNAMESE_WORDS, "DỮ LIỆU MÔ PHỎNG"]:
        assert unicodedata.normalize("NFC", word) in text
    assert "SECRET_CODE_SOURCE" not in text and 'district_code' not in text
    assert pdf_images(data) == 1
    fonts = pdf_fonts(data)
    assert any("DejaVuSans" in name for name in fonts) and all(fonts.values())


def test_html_hides_code_and_parameters_and_escapes_banner_and_title(tmp_path):
    page = render.html_report(small_notebook(), title="<b>Kế Sách</b>", banner="DỮ LIỆU <MÔ PHỎNG>")
    assert "SECRET_CODE_SOURCE" not in page and 'district_code = "944"' not in page
    assert "<title>&lt;b&gt;Kế Sách&lt;/b&gt;</title>" in page
    assert "DỮ LIỆU &lt;MÔ PHỎNG&gt;" in page
    assert "data:image/png;base64," in page
    assert "Tỷ lệ nợ quá hạn" in page


def test_html_figure_alt_text_is_its_title_escaped_and_outputs_are_focusable():
    """The page is written without nbconvert's BeautifulSoup pass: the template gives each figure its title as
    alternative text (or nbconvert's placeholder words), escaped, and every cell and output stays focusable."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    from IPython.display import Image

    from analysis import plots

    fig, ax = plt.subplots()
    ax.set_title('Huyện "Kế Sách" <script>x</script> & $a$', loc="left")
    alt = plots.title(fig)
    assert alt == 'Huyện "Kế Sách" <script>x</script> & $a$'
    plt.close(fig)
    data, metadata = Image(data=PNG_1PX, format="png", alt=alt)._data_and_metadata()
    nb = small_notebook()
    nb.cells.insert(3, new_code_cell("x"))
    nb.cells[3].outputs = [new_output("display_data", data={"image/png": data, "text/plain": "<Figure>"},
                                      metadata={"image/png": metadata})]
    page = render.html_report(nb, title="t")
    assert 'alt="Huyện &quot;Kế Sách&quot; &lt;script&gt;x&lt;/script&gt; &amp; $a$"' in page
    assert f'alt="{render.NO_ALT}"' in page  # the figure without a title
    assert "<script>x" not in page
    divs = re.findall(r"<div [^>]*(?:jp-OutputArea-output|jp-Cell-inputWrapper)[^>]*>", page)
    assert len(divs) == 4 and all('tabindex="0"' in div for div in divs)  # 1 markdown cell, 3 outputs


def test_only_character_references_beyond_ascii_become_letters():
    """Headings come out of nbconvert with "&#7927;" for "ỷ": printed as the letter. A reference to an ASCII
    character (HTML's own "<", "'") stays, and so does text that only looks like a reference because its
    "&" was escaped (a name written "&#7927;" in the data)."""
    page = 'T&#7927; &#x1EC7; &#60;b&#62; &#39; &amp;#7927; &#xD800;'
    assert render.CHAR_REF.sub(render._non_ascii_char, page) == 'Tỷ ệ &#60;b&#62; &#39; &amp;#7927; &#xD800;'


def test_vietnamese_figure_notebook_through_the_runner(tmp_path):
    """A real matplotlib figure with a Vietnamese title: no missing-glyph warning, the PNG is in
    the PDF, and the prose and table text is intact."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text("district,district_name\n943,Kế Sách\n", encoding="utf-8")
    run = tmp_path / "run.yml"
    run.write_text(yaml.safe_dump({"name": "fig", "warm_imports": ["matplotlib.pyplot", "pandas"],
                                   "notebooks": [{"template": str(FIXTURES / "vietnamese_figure.ipynb")}]}),
                   encoding="utf-8")
    doc = build_reports(Settings(run_path=run, data_dir=data, out_root=tmp_path / "reports", scheduler="inline",
                                 workers=1, progress=False, code_version="t"))
    entry = doc["runs"]["vietnamese_figure"]
    assert entry["status"] == "ok", entry.get("error")
    out_dir = tmp_path / "reports" / "fig-vi"
    nb = nbformat.read(out_dir / "vietnamese_figure.ipynb", as_version=4)
    stderr = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr")
    assert "missing from" not in stderr and "Glyph" not in stderr
    data_pdf = (out_dir / "vietnamese_figure.pdf").read_bytes()
    assert pdf_images(data_pdf) == 1
    text = pdf_text(data_pdf)
    for word in [*VIETNAMESE_WORDS, "Bảng 1", "Mỹ Tú", "1.2"]:
        assert word in text
    assert doc["synthetic"] is False and "DỮ LIỆU MÔ PHỎNG" not in text


def test_a_banner_shown_by_the_notebook_is_detected():
    from analysis.run import display
    nb = small_notebook()
    assert not render.shows_banner(nb)
    cell = new_code_cell("synthetic_banner(lang)")
    cell.outputs = [new_output("execute_result", data=display.synthetic_banner("en")._repr_mimebundle_(),
                               execution_count=1)]
    nb.cells.insert(1, cell)
    assert render.shows_banner(nb)


@pytest.mark.parametrize("lang,kept,dropped", [("en", "Overdue ratio", "Tỷ lệ nợ quá hạn"),
                                               ("vi", "Tỷ lệ nợ quá hạn", "Overdue ratio")])
def test_reports_keep_the_headings_of_their_language_only(lang, kept, dropped):
    """Report notebooks carry each heading twice, tagged lang-vi / lang-en; the papermill ``lang``
    parameter picks the one the HTML and the PDF show."""
    nb = new_notebook(cells=[
        new_markdown_cell("## Tỷ lệ nợ quá hạn", metadata={"tags": ["lang-vi"]}),
        new_markdown_cell("## Overdue ratio", metadata={"tags": ["lang-en"]}),
        new_markdown_cell("Both languages"),
    ])
    nb.metadata["papermill"] = {"parameters": {"lang": lang}}
    html = render.html_report(nb, title="t")
    assert kept in html and dropped not in html and "Both languages" in html
    typst, _ = render.notebook_to_typst(nb, lang=lang)
    assert kept in typst and dropped not in typst
    assert len(nb.cells) == 3  # the caller's notebook is not changed
