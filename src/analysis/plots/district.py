"""Figures of the district report. Each returns a Figure and saves nothing."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis.words.i18n import t, translator


def expected(table: pd.DataFrame, *, name: str, lang: str = "vi", synthetic: bool = False) -> Figure:
    """A district's actual and model-expected overdue ratio by year (``expected_district_y`` rows)."""
    tr = translator(lang)
    data = table.sort_values("year")
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.plot(data["year"], data["actual_ratio"], marker="o", color="#08519c", label=tr("Thực tế", "Actual"))
    ax.plot(data["year"], data["expected_ratio"], marker="s", ls="--", color="#737373",
            label=tr("Kỳ vọng theo mô hình", "Model-expected"))
    ax.set_ylabel(t("overdue_ratio", lang))
    ax.set_xlabel(t("year", lang))
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    ax.set_title(tr(f"{name}: thực tế và kỳ vọng (tháng cuối mỗi năm)",
                    f"{name}: actual and expected (last month of each year)"), loc="left", fontsize=11)
    if synthetic:
        fig.text(0.99, 0.01, t("synthetic", lang), ha="right", va="bottom", fontsize=7, color="#a50f15")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
