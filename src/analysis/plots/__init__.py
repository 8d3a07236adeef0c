"""Figures. Every function returns a matplotlib Figure and saves nothing.

``descriptive``: trends, rating mix, district comparison; ``policy``: event study and interrupted
time series; ``models``: coefficient and marginal-effect plots.
"""

from analysis.plots.descriptive import bars, rating_mix, risk_adjusted, trend

__all__ = ["bars", "rating_mix", "risk_adjusted", "trend"]
