"""Model figures: coefficient plot with intervals for one or several fitted models.

Returns a matplotlib Figure and saves nothing; term labels come from ``analysis.words.i18n`` when known.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.words.i18n import LABELS, t, translator

MODEL_COLOURS = ("#08519c", "#d94801", "#238b45", "#6a51a3", "#737373")


def _term_label(term: str, lang: str) -> str:
    return t(term, lang) if term in LABELS else term


def coefficients(tables: list[pd.DataFrame] | pd.DataFrame, *, names: list[str] | None = None,
                 terms: list[str] | None = None, lang: str = "vi", title: str | None = None) -> Figure:
    """Dot-and-interval plot of ``estimate`` with ``conf_low``..``conf_high`` per term, one series per model.

    ``tables`` are ``result.tidy()`` or ``result.ame()`` frames; ``terms`` selects and orders terms.

    Example
    -------
    >>> fig = coefficients([fe.tidy(), pooled.tidy()], names=["FE", "pooled"], lang="en")
    """
    tables = [tables] if isinstance(tables, pd.DataFrame) else list(tables)
    names = list(names) if names is not None else [f"({i + 1})" for i in range(len(tables))]
    if len(names) != len(tables):
        raise ValueError(f"{len(names)} names for {len(tables)} tables")
    if terms is None:
        terms = []
        for tab in tables:
            terms += [x for x in tab["term"] if x not in terms and x not in ("Intercept", "const")]
    tr = translator(lang)
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(terms) * max(1, len(tables)) ** 0.5 + 1.5))
    offsets = np.linspace(-0.15, 0.15, len(tables)) if len(tables) > 1 else [0.0]
    for k, (tab, name) in enumerate(zip(tables, names)):
        sel = tab.set_index("term").reindex(terms)
        y = np.arange(len(terms))[::-1] + offsets[k]
        colour = MODEL_COLOURS[k % len(MODEL_COLOURS)]
        ax.hlines(y, sel["conf_low"], sel["conf_high"], color=colour, lw=2)
        ax.scatter(sel["estimate"], y, color=colour, zorder=3, label=name)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(np.arange(len(terms))[::-1], [_term_label(x, lang) for x in terms])
    ax.set_xlabel(tr("Ước lượng (khoảng tin cậy 95%)", "Estimate (95% confidence interval)"))
    ax.grid(axis="x", alpha=0.3)
    if len(tables) > 1:
        ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
