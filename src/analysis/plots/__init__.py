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


PNG_COMPRESS_LEVEL = 3  # zlib level: 6 (PIL's default) took 8-19 ms a figure, 3 takes 5-11 ms for files 1-9% larger


def png(fig, dpi: int = 100) -> bytes:
    """The figure as PNG bytes, drawn in one pass, then closed.

    One pass: ``savefig`` without a tight bounding box (the figures already call ``tight_layout``), and
    without the placeholder layout engine that ``tight_layout`` leaves on the figure, for which
    ``savefig`` would first draw the whole figure once more without rendering (a third of its time; the
    PNG is byte for byte the same). About twice as fast as the inline backend's default. The pixels are
    compressed at ``PNG_COMPRESS_LEVEL``.
    """
    import io

    import matplotlib.pyplot as plt
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        fig.set_layout_engine(None)  # the layout is done: nothing for savefig to redo
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    plt.close(fig)
    return buffer.getvalue()
