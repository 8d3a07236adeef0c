"""The coefficient plot builds with Agg and carries translated labels and one series per model."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis.plots.models import coefficients

TIDY_A = pd.DataFrame({"term": ["Intercept", "group_meetings", "check_share"], "estimate": [1.0, -0.2, -2.0],
                       "conf_low": [0.5, -0.3, -3.0], "conf_high": [1.5, -0.1, -1.0]})
TIDY_B = TIDY_A.assign(estimate=[1.0, -0.45, -7.0], conf_low=[0.6, -0.6, -9.0], conf_high=[1.4, -0.3, -5.0])


@pytest.mark.parametrize("lang,xlabel,ylabel", [
    ("en", "Estimate (95% confidence interval)", "Group meetings in the month"),
    ("vi", "Ước lượng (khoảng tin cậy 95%)", "Số buổi họp tổ trong tháng"),
])
def test_coefficients_labels_and_series(lang, xlabel, ylabel):
    fig = coefficients([TIDY_A, TIDY_B], names=["FE", "pooled"], lang=lang)
    ax = fig.axes[0]
    assert ax.get_xlabel() == xlabel
    assert ylabel in [tick.get_text() for tick in ax.get_yticklabels()]
    assert len(ax.get_yticklabels()) == 2  # the intercept is left out
    assert [h.get_label() for h in ax.get_legend().legend_handles] == ["FE", "pooled"]
    plt.close(fig)
