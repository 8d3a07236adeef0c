"""Figures. Every function returns a matplotlib Figure and saves nothing.

``descriptive``: trends, rating mix, district comparison; ``policy``: event study and interrupted
time series; ``models``: coefficient and marginal-effect plots.
"""

from analysis.plots import models, policy
from analysis.plots.descriptive import bars, rating_mix, risk_adjusted, trend
from analysis.plots.policy import event_study, its

__all__ = ["bars", "event_study", "its", "models", "policy", "rating_mix", "risk_adjusted", "trend"]


def show(fig) -> None:
    """Display a figure in the notebook once and close it (no duplicate inline rendering)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)
