"""Descriptive figures: trends, rating mix, risk-adjusted district comparison, bar charts.

Each function returns a matplotlib Figure and saves nothing; labels come from ``analysis.words.i18n``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis.words.i18n import t

RATING_COLOURS = {"good": "#1a9850", "fair": "#91cf60", "average": "#fee08b", "weak": "#d73027"}
ACCENT, MUTED = "#08519c", "#bdbdbd"


def _x(period: pd.Series):
    return period.dt.to_timestamp() if hasattr(period, "dt") and isinstance(period.dtype, pd.PeriodDtype) else period


def trend(table: pd.DataFrame, *, y: str = "overdue_ratio", hue: str | None = None,
          highlight: str | None = None, labels: dict | None = None, lang: str = "vi",
          title: str | None = None, synthetic: bool = False) -> Figure:
    """Lines of ``y`` over ``period``; one line per ``hue`` value, ``highlight`` drawn in colour.

    ``labels`` maps hue values to display names (e.g. district code -> name).
    """
    fig, ax = plt.subplots(figsize=(8, 4))
    if hue is None:
        ax.plot(_x(table["period"]), table[y], color=ACCENT, lw=2, label=t("province", lang))
    else:
        for key, part in table.groupby(hue, sort=True):
            name = (labels or {}).get(key, key)
            strong = highlight is None or key == highlight
            ax.plot(_x(part["period"]), part[y], lw=2.4 if key == highlight else 1.2,
                    color=None if highlight is None else (ACCENT if strong else MUTED),
                    label=name, zorder=3 if key == highlight else 2)
    ax.set_ylabel(t(y, lang))
    ax.set_xlabel(t("period", lang))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if hue is not None and (highlight is None and table[hue].nunique() <= 12):
        ax.legend(fontsize=8, ncol=2, frameon=False)
    elif highlight is not None:
        handles = [h for h in ax.get_lines() if h.get_label() == (labels or {}).get(highlight, highlight)]
        ax.legend(handles=handles, frameon=False)
    _finish(fig, ax, title, synthetic, lang)
    return fig


def rating_mix(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None,
               synthetic: bool = False) -> Figure:
    """Stacked bars of the rating mix (percent of rated groups) per period."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    x = [str(p) for p in table["period"]]
    bottom = pd.Series(0.0, index=table.index)
    for cls in ("good", "fair", "average", "weak"):
        share = 100 * table[cls] / table["rated"]
        ax.bar(x, share, bottom=bottom, color=RATING_COLOURS[cls], label=t(cls, lang), width=0.7)
        bottom = bottom + share
    ax.set_ylabel(f"{t('rating', lang)} (%)")
    ax.set_ylim(0, 100)
    ax.legend(ncol=4, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    _finish(fig, ax, title, synthetic, lang)
    return fig


def risk_adjusted(table: pd.DataFrame, *, label: str = "label", highlight: str | None = None,
                  xlabel: str | None = None, lang: str = "vi", title: str | None = None,
                  synthetic: bool = False) -> Figure:
    """Dots with intervals, sorted: ``estimate``, ``conf_low``, ``conf_high`` per ``label``."""
    data = table.sort_values("estimate")
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(data) + 1.4))
    ypos = range(len(data))
    colours = [ACCENT if (highlight is None or lab == highlight) else "#737373" for lab in data[label]]
    ax.hlines(list(ypos), data["conf_low"], data["conf_high"], colors=colours, lw=2)
    ax.scatter(data["estimate"], list(ypos), color=colours, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(list(ypos), data[label])
    ax.set_xlabel(xlabel or "")
    ax.grid(axis="x", alpha=0.3)
    _finish(fig, ax, title, synthetic, lang)
    return fig


def bars(table: pd.DataFrame, *, x: str, y: str, lang: str = "vi", title: str | None = None,
         highlight: str | None = None, synthetic: bool = False) -> Figure:
    """Horizontal bars of ``y`` by ``x`` (sorted), ``highlight`` in colour."""
    data = table.sort_values(y)
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(data) + 1.4))
    colours = [ACCENT if highlight is None or v == highlight else MUTED for v in data[x]]
    ax.barh(data[x].astype(str), data[y], color=colours)
    ax.set_xlabel(t(y, lang))
    ax.grid(axis="x", alpha=0.3)
    _finish(fig, ax, title, synthetic, lang)
    return fig


def _finish(fig: Figure, ax, title: str | None, synthetic: bool, lang: str) -> None:
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    if synthetic:
        fig.text(0.99, 0.01, t("synthetic", lang), ha="right", va="bottom", fontsize=7, color="#a50f15")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
