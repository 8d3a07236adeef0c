"""Figures. Every function returns a matplotlib Figure and saves nothing.

``descriptive``: trends, rating mix, district comparison; ``policy``: event study and interrupted
time series; ``models``: coefficient and marginal-effect plots; ``district``: the district report's;
``maps``: dot maps of Viet Nam at the official registry's centroids.

Text in figures is printed as written: names come from data, and matplotlib would read ``$...$`` in
them as math (``text.parse_math``). It is switched off when this package is imported and again on
every text of a figure that :func:`show` draws (a kernel may have restored matplotlib's defaults).
"""

import matplotlib

from analysis.plots import district, maps, models, policy
from analysis.plots.descriptive import bars, rating_mix, risk_adjusted, trend
from analysis.plots.policy import event_study, its

matplotlib.rcParams["text.parse_math"] = False  # user text is data, never mathtext

__all__ = ["bars", "district", "event_study", "its", "maps", "models", "policy", "rating_mix", "risk_adjusted", "trend"]


def show(fig, dpi: int = 100) -> None:
    """Display a figure once as PNG and close it.

    The PNG is drawn in one pass (``savefig`` without a tight bounding box: the figures already call
    ``tight_layout``), about twice as fast as the inline backend's default, which draws twice.
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png"))
