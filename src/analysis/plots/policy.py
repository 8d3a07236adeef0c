"""Policy figures: event studies (staggered reforms) and interrupted time series (Directive 40).

Each function returns a matplotlib Figure and saves nothing; ``lang="vi"`` or ``"en"`` picks labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

LABELS = {
    "vi": {
        "event_x": "Số kỳ kể từ khi áp dụng cải cách",
        "event_x_month": "Số tháng kể từ khi áp dụng cải cách",
        "event_x_quarter": "Số quý kể từ khi áp dụng cải cách",
        "effect": "Tác động lên tỷ lệ nợ quá hạn (điểm %)",
        "reference": "Kỳ tham chiếu",
        "adoption": "Áp dụng",
        "interval": "Khoảng tin cậy 95%",
        "band": "Dải tin cậy đồng thời",
        "event_title": "Nghiên cứu sự kiện: tác động của cải cách",
        "its_y": "Tỷ lệ nợ quá hạn (%)",
        "its_x": "Tháng",
        "observed": "Quan sát",
        "fitted": "Mô hình (xu hướng có gián đoạn)",
        "counterfactual": "Phản thực (không có Chỉ thị)",
        "break": "Chỉ thị 40-CT/TW",
        "its_title": "Chuỗi thời gian gián đoạn: Chỉ thị 40-CT/TW",
        "synthetic": "Dữ liệu mô phỏng",
    },
    "en": {
        "event_x": "Periods since reform adoption",
        "event_x_month": "Months since reform adoption",
        "event_x_quarter": "Quarters since reform adoption",
        "effect": "Effect on overdue ratio (percentage points)",
        "reference": "Reference period",
        "adoption": "Adoption",
        "interval": "95% confidence interval",
        "band": "Simultaneous confidence band",
        "event_title": "Event study: effect of the reform",
        "its_y": "Overdue ratio (%)",
        "its_x": "Month",
        "observed": "Observed",
        "fitted": "Segmented trend (fitted)",
        "counterfactual": "Counterfactual (no Directive)",
        "break": "Directive 40-CT/TW",
        "its_title": "Interrupted time series: Directive 40-CT/TW",
        "synthetic": "Synthetic data",
    },
}
COLOURS = ("#08519c", "#d94801", "#238b45", "#6a51a3")


def _labels(lang: str) -> dict[str, str]:
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {tuple(LABELS)}, got {lang!r}")
    return LABELS[lang]


def event_study(result, *, lang: str = "vi", compare: Sequence = (), names: Sequence[str] = (),
                ylabel: str | None = None, title: str | None = None, synthetic: bool = False,
                intervals: bool | Sequence[bool] = True) -> Figure:
    """Event-time estimates with their intervals; adoption and the reference period marked.

    ``result`` (and each of ``compare``) is a policy result whose table has ``event_time`` rows, e.g.
    ``aggte(att_gt(...), kind="dynamic")`` or ``event_study(...)``. ``names`` label the series in the
    legend (result first). The reference period (``result.info["reference"]``, e = -1 for
    regression event studies) is drawn as a hollow marker at zero. Results with a simultaneous band
    (wild bootstrap: ``band_low``/``band_high``) show it as a shaded bar behind the first series.
    Binned end points of the first result (column ``binned``) get ticks "≤-4" / "≥8". ``intervals``
    (one flag, or one per series) draws the confidence intervals; without them a series shows its
    point estimates only (a method whose intervals failed the Monte Carlo gate).
    """
    lab = _labels(lang)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    series = [result, *compare]
    n = len(series)
    offsets = np.linspace(-0.15, 0.15, n) if n > 1 else [0.0]
    flags = [intervals] * n if isinstance(intervals, bool) else list(intervals)
    for i, res in enumerate(series):
        rows = res.table.loc[res.table["event_time"].notna() & res.table["estimate"].notna()]
        x = rows["event_time"].astype(float).to_numpy() + offsets[i]
        y = rows["estimate"].to_numpy(dtype=float)
        name = names[i] if i < len(names) else res.method.split(",")[0]
        colour = COLOURS[i % len(COLOURS)]
        if not flags[i]:
            ax.plot(x, y, marker="o", ms=4, ls="none", mfc="white", color=colour, label=name)
            continue
        err = np.vstack([y - rows["conf_low"].to_numpy(dtype=float), rows["conf_high"].to_numpy(dtype=float) - y])
        if "band_low" in rows.columns and i == 0:
            ax.vlines(x, rows["band_low"], rows["band_high"], color=colour, alpha=0.25, lw=5, label=lab["band"])
        ax.errorbar(x, np.nan_to_num(y), yerr=np.nan_to_num(err), fmt="o", ms=4, capsize=2, lw=1, color=colour,
                    label=name)
    reference = result.info.get("reference") if hasattr(result, "info") else None
    if reference is not None:
        ax.plot([reference], [0.0], marker="o", ms=8, mfc="white", mec="black", ls="none", label=lab["reference"])
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(-0.5, color="black", ls="--", lw=1, label=lab["adoption"])
    freq = result.info.get("freq") if hasattr(result, "info") else None
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _label_bins(ax, result.table)
    ax.set_xlabel(lab.get(f"event_x_{freq}", lab["event_x"]))
    ax.set_ylabel(ylabel or lab["effect"])
    ax.set_title(title or lab["event_title"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    _stamp(fig, synthetic, lab)
    return fig


def _label_bins(ax, table: pd.DataFrame) -> None:
    """Ticks of binned end points read "≤-4" / "≥8" (``event_study(..., bin_ends=True)``)."""
    if "binned" not in table.columns or not table["binned"].fillna(False).astype(bool).any():
        return
    ends = {int(e): ("≤" if e < 0 else "≥") for e in table.loc[table["binned"].fillna(False).astype(bool),
                                                               "event_time"]}
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{ends.get(round(x), '')}{round(x):d}".replace("-", "−")))


def its(result, *, lang: str = "vi", unit: str | None = None, title: str | None = None,
        synthetic: bool = False) -> Figure:
    """Observed monthly series, the fitted segmented trend and the counterfactual after the break.

    ``result`` comes from ``policy.its``. For a panel of series, ``unit`` picks one; by default the
    outstanding-unweighted mean over units is drawn.
    """
    lab = _labels(lang)
    s = result.series
    if unit is not None:
        if unit not in set(s["unit"]):
            raise ValueError(f"unit {unit!r} not in the result; units: {sorted(s['unit'].unique())}")
        s = s.loc[s["unit"] == unit]
    s = s.groupby("month", as_index=False)[["observed", "fitted", "counterfactual"]].mean()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.plot(s["month"], s["observed"], color="grey", marker=".", lw=0.8, label=lab["observed"])
    pre = s["month"] < result.break_month
    ax.plot(s.loc[pre, "month"], s.loc[pre, "fitted"], color=COLOURS[0], lw=2, label=lab["fitted"])
    ax.plot(s.loc[~pre, "month"], s.loc[~pre, "fitted"], color=COLOURS[0], lw=2)
    post = s.loc[~pre]
    ax.plot(post["month"], post["counterfactual"], color=COLOURS[1], ls="--", lw=2, label=lab["counterfactual"])
    ax.axvline(result.break_month, color="black", ls=":", lw=1.2, label=lab["break"])
    ax.set_xlabel(lab["its_x"])
    ax.set_ylabel(lab["its_y"])
    ax.set_title(title or lab["its_title"])
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    _stamp(fig, synthetic, lab)
    return fig


def trend_with_break(table: pd.DataFrame, *, break_month: pd.Timestamp, hue: str, lang: str = "vi",
                     title: str | None = None, synthetic: bool = False) -> Figure:
    """A monthly trend (``descriptive.trend``) with the Directive's month marked by a dotted line;
    hue values are labelled through ``words.i18n`` (e.g. association codes)."""
    from analysis.plots.descriptive import trend
    from analysis.words.i18n import LABELS

    labels = {v: LABELS[v][0 if lang == "vi" else 1] for v in table[hue].unique() if v in LABELS}
    fig = trend(table, hue=hue, labels=labels, lang=lang, synthetic=synthetic, title=title)
    fig.axes[0].axvline(break_month, color="black", lw=1, ls=":")
    return fig


def message(text: str) -> Figure:
    """A small figure that only says ``text`` (e.g. no reform in the data)."""
    fig, ax = plt.subplots(figsize=(8, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center")
    return fig


def _stamp(fig: Figure, synthetic: bool, lab: dict[str, str]) -> None:
    if synthetic:
        fig.text(0.99, 0.01, lab["synthetic"], ha="right", va="bottom", fontsize=7, color="grey")
    fig.tight_layout()
