"""Display helpers: every representation escapes names from data; numbers formatted as asked;
the caller's frame is not changed."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.run import display, render

EVIL = "<script>alert(1)</script> & Đ"
MIMES = {"text/plain", "text/markdown", "text/html", render.TYPST_MIME}


def frame() -> pd.DataFrame:
    return pd.DataFrame({"district_name": ["Kế Sách", EVIL], "groups": [1234, 56], "overdue_pct": [1.25, None]})


def test_show_table_bundle_escapes_names_from_data():
    bundle = display.show_table(frame(), caption="Bảng 1 <b>")._repr_mimebundle_()
    assert set(bundle) == MIMES | {display.TABLE_MIME}
    assert "<script>" not in bundle["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Đ" in bundle["text/html"]
    assert "<caption>Bảng 1 &lt;b&gt;</caption>" in bundle["text/html"]
    assert "\\<script\\>alert(1)\\<\\/script\\>" in bundle[render.TYPST_MIME]
    assert bundle["text/markdown"].splitlines()[2] == "| district\\_name | groups | overdue\\_pct |"
    assert "\\<script\\>alert\\(1\\)\\<\\/script\\> \\& Đ" in bundle["text/markdown"]


def test_show_table_formats_numbers_and_leaves_frame_alone():
    data = frame()
    before = data.copy()
    table = display.show_table(data, number_format={"overdue_pct": "{:.2f}"})
    assert table.rows == (("Kế Sách", "1,234", "1.25"), (EVIL, "56", ""))
    pd.testing.assert_frame_equal(data, before)
    custom = display.show_table(data[["overdue_pct"]], number_format=lambda x: f"{x:.1f}".replace(".", ","))
    assert custom.rows == (("1,2",), ("",))


def test_show_table_typst_compiles_with_vietnamese():
    import io

    import pypdf
    import typst

    bundle = display.show_table(frame(), caption="Bảng 1")._repr_mimebundle_()
    source = '#set text(font: "DejaVu Sans")\n' + bundle[render.TYPST_MIME]
    pdf = typst.compile(source.encode(), font_paths=[str(render.fonts_dir())])
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Kế Sách" in text and "<script>alert(1)</script> & Đ" in text and "1,234" in text


def test_show_markdown_escapes_raw_html():
    bundle = display.show_markdown(f"Huyện **{EVIL}**")._repr_mimebundle_()
    assert set(bundle) == MIMES
    assert "<script>" not in bundle["text/html"]
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Đ</strong>" in bundle["text/html"]
    assert bundle["text/markdown"] == f"Huyện **{EVIL}**"
    assert bundle[render.TYPST_MIME].strip() == "Huyện *\\<script\\>alert(1)\\<\\/script\\> & Đ*"


@pytest.mark.parametrize(("lang", "words"), [("vi", "DỮ LIỆU MÔ PHỎNG"), ("en", "SYNTHETIC DATA")])
def test_synthetic_banner(lang, words):
    bundle = display.synthetic_banner(lang)._repr_mimebundle_()
    assert words in bundle["text/html"] and words in bundle[render.TYPST_MIME]


def test_synthetic_banner_rejects_unknown_language():
    with pytest.raises(ValueError, match="lang"):
        display.synthetic_banner("fr")


def test_table_values_stay_numbers_and_suppressed_rows_are_marked():
    data = frame().assign(suppressed=[False, True])
    bundle = display.show_table(data, caption="Bảng 2")._repr_mimebundle_()[display.TABLE_MIME]
    assert bundle["columns"] == ["district_name", "groups", "overdue_pct"]  # the marker column is not shown
    assert bundle["values"] == [["Kế Sách", 1234, 1.25], [EVIL, 56, None]]
    assert bundle["suppressed"] == [False, True] and bundle["text"][0] == ["Kế Sách", "1,234", "1.2"]


def test_a_table_with_personal_identifiers_is_refused():
    with pytest.raises(ValueError, match="identifiers"):
        display.show_table(pd.DataFrame({"Họ tên": ["Nguyễn Văn A"], "borrowers": [10]}))


def test_counts_follow_the_language_of_the_formatter():
    """A language's formatter (words.narrative) formats whole-number columns too: 56.793 in Vietnamese,
    56,793 in English; a plain format string keeps the "," separator for integers."""
    from analysis.words import narrative as nr

    data = pd.DataFrame({"borrowers": [56793], "share": [0.25]})
    assert display.show_table(data, number_format=nr.formatter(2, "vi")).rows[0] == ("56.793", "0,25")
    assert display.show_table(data, number_format=nr.formatter(2, "en")).rows[0] == ("56,793", "0.25")
    assert display.show_table(data, number_format="{:.1f}").rows[0] == ("56,793", "0.2")
