"""Display helpers for report notebooks: prose, tables and the synthetic-data banner.

Each helper returns a small frozen object whose ``_repr_mimebundle_`` offers

- ``text/html`` (everything taken from data is HTML-escaped; used by Jupyter and the HTML report),
- ``text/markdown`` (readable in any front end),
- ``application/vnd.typst`` (used by :mod:`analysis.run.render` for the PDF),
- ``text/plain``,
- for tables, ``application/vnd.vbsp.table+json``: the cells as values (numbers stay numbers),
  which :mod:`analysis.run.excel_out` writes to the report's Excel workbook.

Names taken from data go into Markdown through ``analysis.words.escape.markdown`` (the words layer
does it); table cells, captions and banners are escaped here for each target.

Usage in a notebook: ``show_markdown(f"Tỷ lệ nợ quá hạn: **{pct(x)}**")`` as a cell's last
expression (or ``display(...)``), ``show_table(frame, caption="...")``, ``synthetic_banner(lang)``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from analysis.run.render import BANNER, TYPST_MIME, markdown_to_typst, typst_escape, typst_table
from analysis.words import escape

TABLE_MIME = "application/vnd.vbsp.table+json"  # a table's values, for the Excel workbook of a report

NumberFormat = str | Callable[[object], str] | Mapping[str, str | Callable[[object], str]]


def _markdown_to_html(text: str) -> str:
    import mistune  # nbconvert's Markdown parser; escape=True escapes raw HTML in the text

    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(text)


@dataclass(frozen=True)
class MarkdownBlock:
    """Prose written in Markdown (raw HTML in it is shown literally, not interpreted)."""

    text: str

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {
            "text/plain": self.text,
            "text/markdown": self.text,
            "text/html": _markdown_to_html(self.text),
            TYPST_MIME: markdown_to_typst(self.text),
        }


@dataclass(frozen=True)
class TableBlock:
    """A table of already formatted cells (strings), with an optional caption."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None
    values: tuple[tuple, ...] | None = None  # the cells as JSON-safe values (None: missing)
    suppressed: tuple[bool, ...] | None = None  # rows blanked by privacy.suppress_small

    def _html(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in self.rows)
        caption = f"<caption>{esc(self.caption)}</caption>" if self.caption else ""
        return f'<table class="vbsp-table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def _markdown(self) -> str:
        cell = escape.markdown  # a cell is data: "|", "*", "[" ... print as written

        lines = [f"*{cell(self.caption)}*", ""] if self.caption else []
        lines.append("| " + " | ".join(cell(h) for h in self.header) + " |")
        lines.append("|" + "|".join("---" for _ in self.header) + "|")
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def _typst(self) -> str:
        align = ["right" if _looks_numeric(self.rows, i) else "left" for i in range(len(self.header))]
        return typst_table(list(self.header), [list(r) for r in self.rows], align=align,
                           caption=self.caption, markup=False)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        bundle = {
            "text/plain": self._markdown(),
            "text/markdown": self._markdown(),
            "text/html": self._html(),
            TYPST_MIME: self._typst(),
        }
        if self.values is not None:
            bundle[TABLE_MIME] = {"caption": self.caption, "columns": list(self.header),
                                  "text": [list(r) for r in self.rows],
                                  "values": [list(r) for r in self.values],
                                  "suppressed": list(self.suppressed) if self.suppressed is not None else None}
        return bundle


def _looks_numeric(rows, column: int) -> bool:
    values = [row[column] for row in rows if row[column].strip()]
    chars = set("0123456789.,-+%  ")
    return bool(values) and all(set(v) <= chars for v in values)


def _formatter(number_format: NumberFormat, column: str) -> Callable[[object], str]:
    if isinstance(number_format, Mapping):
        return _formatter(number_format.get(column, "{:,.1f}"), column)
    if callable(number_format):
        return number_format
    return _StringFormat(number_format)


@dataclass(frozen=True)
class _StringFormat:
    """A format string as a cell formatter (integers then get ``,`` thousands separators)."""

    spec: str

    def __call__(self, value) -> str:
        return self.spec.format(value)


def _format_cell(value, fmt: Callable[[object], str]) -> str:
    import numbers

    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return str(value)
    if isinstance(value, numbers.Integral):  # a language's formatter (words.narrative) also formats counts
        return f"{value:,}" if isinstance(fmt, _StringFormat) else fmt(int(value))
    return fmt(value)


def show_markdown(text: str) -> MarkdownBlock:
    """Prose for the report (HTML and PDF) from a Markdown string."""
    return MarkdownBlock(text=str(text))


def show_table(frame, *, caption: str | None = None, number_format: NumberFormat = "{:,.1f}",
               index: bool = False) -> TableBlock:
    """A table for the report. Floats use ``number_format`` (a format string, a callable, or a
    mapping column -> either); integers get thousands separators; missing values are blank.
    A boolean ``suppressed`` column (from ``privacy.suppress_small``) is not shown; it marks the
    rows whose blank cells were suppressed. The frame is not modified; a frame with personal
    identifiers is refused (``privacy.assert_publishable``)."""
    from analysis.data import privacy
    data = frame.reset_index() if index else frame
    privacy.assert_publishable(data)
    suppressed = None
    if "suppressed" in data.columns and data["suppressed"].dtype == bool:
        suppressed = tuple(bool(x) for x in data["suppressed"])
        data = data.drop(columns=["suppressed"])
    header = tuple(str(c) for c in data.columns)
    formats = {c: _formatter(number_format, str(c)) for c in data.columns}
    records = list(data.itertuples(index=False, name=None))
    rows = tuple(tuple(_format_cell(value, formats[col]) for col, value in zip(data.columns, record))
                 for record in records)
    values = tuple(tuple(_json_value(v) for v in record) for record in records)
    return TableBlock(header=header, rows=rows, caption=caption, values=values, suppressed=suppressed)


def _json_value(value):
    """A cell as a JSON value: numbers stay numbers, missing (and infinite) is None, anything else is text."""
    import math
    import numbers

    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value) if math.isfinite(value) else None  # JSON has no inf: the message would be lost
    return str(value)


@dataclass(frozen=True)
class Banner:
    """The 'synthetic data' warning shown at the top of reports built on the sample."""

    text: str

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {
            "text/plain": self.text,
            "text/markdown": f"**{self.text}**",
            "text/html": (
                '<div class="vbsp-banner" style="background:#fde8d8;border:1px solid #c0392b;'
                f'color:#8e2c1d;font-weight:bold;padding:.5em 1em">{html.escape(self.text)}</div>'
            ),
            TYPST_MIME: (
                '#block(width: 100%, fill: rgb("#fde8d8"), stroke: 0.6pt + rgb("#c0392b"), inset: 6pt)'
                f'[#text(weight: "bold", fill: rgb("#8e2c1d"))[{typst_escape(self.text)}]]'
            ),
        }


def synthetic_banner(lang: str = "vi") -> Banner:
    """The synthetic-data warning in ``lang`` ("vi" or "en")."""
    if lang not in BANNER:
        raise ValueError(f"lang must be one of {sorted(BANNER)}, got {lang!r}")
    return Banner(text=BANNER[lang])
