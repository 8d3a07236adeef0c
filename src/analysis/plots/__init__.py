"""Figures. Every function returns a matplotlib Figure and saves nothing.

``descriptive``: trends, rating mix, district comparison; ``policy``: event study and interrupted
time series; ``models``: coefficient and marginal-effect plots; ``district``: the district report's;
``maps``: dot maps of Viet Nam at the official registry's centroids.

Text in figures is printed as written: names come from data, and matplotlib would read ``$...$`` in
them as math (``text.parse_math``). It is switched off when this package is imported and again on
every text of a figure that :func:`show` draws (a kernel may have restored matplotlib's defaults).

Importing the package also puts ``textcache`` on matplotlib's Agg renderer: strings are laid out once per
process instead of once per figure, for the same pixels.
"""

import matplotlib

from analysis.plots import district, maps, models, policy, textcache
from analysis.plots.descriptive import bars, rating_mix, risk_adjusted, trend
from analysis.plots.policy import event_study, its

matplotlib.rcParams["text.parse_math"] = False  # user text is data, never mathtext
textcache.install()

__all__ = ["bars", "district", "event_study", "its", "maps", "models", "policy", "rating_mix", "risk_adjusted",
           "textcache", "trend"]


def show(fig, dpi: int = 100) -> None:
    """Display a figure once as PNG and close it (:func:`png`); its title is the image's alternative text
    (:func:`title`), which the HTML report prints escaped."""
    from IPython.display import Image, display
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
    alt = title(fig)
    display(Image(data=png(fig, dpi=dpi), format="png", alt=alt or None))


def title(fig) -> str:
    """The figure's title as written: its suptitle, else its axes' titles (left, centre, right) joined."""
    if fig.get_suptitle():
        return fig.get_suptitle()
    titles = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    return " · ".join(text for text in titles if text)


PNG_COMPRESS_LEVEL = 3  # zlib level of the pixels, written unfiltered (``encode_png``)


def png(fig, dpi: int = 100) -> bytes:
    """The figure as PNG bytes, drawn in one pass, then closed.

    One pass: ``savefig`` without a tight bounding box (the figures already call ``tight_layout``), and
    without the placeholder layout engine that ``tight_layout`` leaves on the figure, for which
    ``savefig`` would first draw the whole figure once more without rendering (a third of its time). The
    pixels are matplotlib's own (``savefig`` to raw RGBA) and :func:`encode_png` writes them.
    """
    import io

    import matplotlib.pyplot as plt
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        fig.set_layout_engine(None)  # the layout is done: nothing for savefig to redo
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=dpi)
    renderer = fig.canvas.renderer  # the one savefig drew with, at ``dpi`` (the figure's own dpi is restored)
    width, height = int(renderer.width), int(renderer.height)
    plt.close(fig)
    return encode_png(buffer.getvalue(), width=width, height=height, dpi=dpi)


def encode_png(rgba: bytes, *, width: int, height: int, dpi: float) -> bytes:
    """8-bit RGBA rows as a PNG (ISO/IEC 15948): the rows unfiltered, deflated at ``PNG_COMPRESS_LEVEL``, with
    the resolution (pHYs) as matplotlib writes it.

    Why not Pillow's encoder (what ``savefig`` uses): it tries five filters on every row, which for flat-coloured
    figures costs more than it saves. For a district report's four figures: 36-39 ms and 259 KB with Pillow
    at level 3, 14 ms and 245 KB unfiltered at level 3 (``benchmarks/profile_figures.py``'s figures).
    """
    import struct
    import zlib

    if len(rgba) != width * height * 4:
        raise ValueError(f"{len(rgba)} bytes are not {width} x {height} RGBA pixels")
    rows = bytearray((width * 4 + 1) * height)  # each row: filter type 0 (none), then its pixels
    stride = width * 4
    for row in range(height):
        start = row * (stride + 1) + 1
        rows[start:start + stride] = rgba[row * stride:(row + 1) * stride]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    per_metre = int(dpi / 0.0254 + 0.5)
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),  # 8 bits, RGBA, deflate, no interlace
        chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),  # pixels per metre
        chunk(b"IDAT", zlib.compress(bytes(rows), PNG_COMPRESS_LEVEL)),
        chunk(b"IEND", b""),
    ))
