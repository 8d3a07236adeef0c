"""Policy figures built from tiny hand-written results with the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis.plots import policy as plots
from analysis.policy import PolicyResult, its


def es_result(reference: int | None = -1) -> PolicyResult:
    events = [-3, -2, 0, 1, 2]
    est = np.array([0.05, -0.02, -0.3, -0.5, -0.6])
    table = pd.DataFrame({"term": [f"event::{e}" for e in events], "event_time": events, "estimate": est,
                          "std_error": 0.1, "statistic": est / 0.1, "p_value": 0.5,
                          "conf_low": est - 0.2, "conf_high": est + 0.2})
    info = {} if reference is None else {"reference": reference}
    return PolicyResult(table=table, n_obs=100, n_clusters=11, vcov_type="cluster", method="TWFE, test",
                        inference="test", info=info)


def its_result():
    month = pd.date_range("2012-11-01", periods=36, freq="MS")
    k = np.arange(36) - 24
    y = 3.0 - 0.01 * np.arange(36) + np.where(k >= 0, -0.5 - 0.02 * k, 0.0)
    series = pd.DataFrame({"unit": "province", "month": month, "overdue": np.nan, "outstanding": 1000.0,
                           "ratio_pp": y})
    return its(series, break_month="2014-11", seasonality=False)


@pytest.mark.parametrize("lang,xlabel,ref_label", [
    ("en", "Periods since reform adoption", "Reference period"),
    ("vi", "Số kỳ kể từ khi áp dụng cải cách", "Kỳ tham chiếu"),
])
def test_event_study_marks_reference_and_intervals(lang, xlabel, ref_label):
    fig = plots.event_study(es_result(), lang=lang)
    ax = fig.axes[0]
    assert ax.get_xlabel() == xlabel
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert ref_label in labels
    ref = [line for line in ax.get_lines() if line.get_label() == ref_label][0]
    assert list(ref.get_xdata()) == [-1] and list(ref.get_ydata()) == [0.0]
    assert len(ax.containers) == 1  # one errorbar series with its intervals
    plt.close(fig)


def test_event_study_overlays_comparisons_with_names():
    fig = plots.event_study(es_result(), compare=[es_result(None)], names=["TWFE", "Callaway-Sant'Anna"], lang="en")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "TWFE" in labels and "Callaway-Sant'Anna" in labels
    assert len(fig.axes[0].containers) == 2
    plt.close(fig)


@pytest.mark.parametrize("lang,observed,counterfactual", [
    ("en", "Observed", "Counterfactual (no Directive)"),
    ("vi", "Quan sát", "Phản thực (không có Chỉ thị)"),
])
def test_its_draws_observed_fit_and_counterfactual(lang, observed, counterfactual):
    fig = plots.its(its_result(), lang=lang)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert len(lines[observed].get_xdata()) == 36
    assert len(lines[counterfactual].get_xdata()) == 12  # post-break months only
    assert ax.get_ylabel() in ("Overdue ratio (%)", "Tỷ lệ nợ quá hạn (%)")
    plt.close(fig)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang"):
        plots.event_study(es_result(), lang="fr")


def test_event_study_draws_simultaneous_band_when_present():
    res = es_result()
    table = res.table.assign(band_low=res.table["conf_low"] - 0.1, band_high=res.table["conf_high"] + 0.1)
    banded = PolicyResult(table=table, n_obs=100, n_clusters=11, vcov_type="wild", method="test",
                          inference="test", info=res.info)
    fig = plots.event_study(banded, lang="en")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Simultaneous confidence band" in labels
    plt.close(fig)


def test_event_study_ticks_mark_binned_end_points():
    res = es_result()
    binned = PolicyResult(table=res.table.assign(binned=[True, False, False, False, True]), n_obs=100,
                          n_clusters=11, vcov_type="cluster", method="test", inference="test", info=res.info)
    fig = plots.event_study(binned, lang="en")
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = dict(zip(ax.get_xticks().round().astype(int), [t.get_text() for t in ax.get_xticklabels()]))
    assert labels[-3] == "≤−3" and labels[2] == "≥2" and labels[0] == "0"
    plt.close(fig)
