"""Descriptive plots build from fixture data and carry the right labels and series."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import plots


def _ratio_table():
    periods = pd.period_range("2020-01", "2020-06", freq="M")
    rows = [(d, p, v) for d in ("941", "943") for p, v in zip(periods, range(6))]
    return pd.DataFrame(rows, columns=["district", "period", "overdue_ratio"])


def test_trend_one_line_per_district_and_vietnamese_label():
    fig = plots.trend(_ratio_table(), hue="district", labels={"943": "Kế Sách"}, highlight="943", lang="vi")
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2
    assert ax.get_ylabel() == "Tỷ lệ nợ quá hạn (%)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Kế Sách"]


def test_trend_english_and_synthetic_mark():
    table = _ratio_table()[lambda d: d["district"] == "941"]
    fig = plots.trend(table, lang="en", synthetic=True)
    assert fig.axes[0].get_ylabel() == "Overdue ratio (%)"
    assert any("SYNTHETIC" in t.get_text() for t in fig.texts)


def test_rating_mix_stacks_to_100():
    table = pd.DataFrame({"period": ["2019", "2020"], "rated": [10, 20], "good": [5, 18], "fair": [2, 1],
                          "average": [2, 1], "weak": [1, 0]})
    fig = plots.rating_mix(table, lang="en")
    ax = fig.axes[0]
    heights = {}
    for patch in ax.patches:
        heights.setdefault(round(patch.get_x(), 3), 0.0)
        heights[round(patch.get_x(), 3)] += patch.get_height()
    assert all(abs(h - 100) < 1e-9 for h in heights.values())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Good", "Fair", "Average", "Weak"]


def test_risk_adjusted_sorted_with_intervals():
    table = pd.DataFrame({"label": ["A", "B", "C"], "estimate": [0.3, -0.2, 0.1],
                          "conf_low": [0.1, -0.4, -0.1], "conf_high": [0.5, 0.0, 0.3]})
    fig = plots.risk_adjusted(table, highlight="B")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["B", "C", "A"]


@pytest.mark.parametrize("dpi", [100, 72, 97])
def test_png_is_drawn_once_and_has_matplotlibs_own_pixels(dpi):
    """``plots.png`` drops the placeholder layout engine left by ``tight_layout`` (so that ``savefig``
    does not draw the figure twice) and writes the same pixels as matplotlib's own PNG, unfiltered at
    ``PNG_COMPRESS_LEVEL``, with the same resolution; Pillow reads it and checks every chunk's CRC."""
    import io
    import zlib
    from unittest import mock

    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.figure import Figure
    from PIL import Image

    def figure():
        return plots.trend(_ratio_table(), hue="district", labels={"943": "Kế Sách"}, highlight="943", lang="vi",
                           title="Tỷ lệ nợ quá hạn", synthetic=True)

    reference = figure()
    buffer = io.BytesIO()
    reference.savefig(buffer, format="png", dpi=dpi)
    plt.close(reference)
    with mock.patch.object(Figure, "draw", autospec=True, side_effect=Figure.draw) as draw:
        data = plots.png(figure(), dpi=dpi)
    assert draw.call_count == 1
    ours, theirs = Image.open(io.BytesIO(data)), Image.open(io.BytesIO(buffer.getvalue()))
    ours.load()
    assert (ours.mode, ours.size, ours.info["dpi"]) == (theirs.mode, theirs.size, theirs.info["dpi"])
    assert (np.asarray(ours) == np.asarray(theirs)).all()

    idat = data[data.index(b"IDAT") + 4: data.index(b"IEND") - 8]
    rows = zlib.decompress(idat)
    width, height = ours.size
    assert rows[:: width * 4 + 1] == bytes(height)  # every row unfiltered
    assert idat[1] >> 6 == 1  # zlib's FLEVEL for levels 2-5


def test_encode_png_refuses_a_buffer_of_another_size():
    with pytest.raises(ValueError, match="not 3 x 2 RGBA"):
        plots.encode_png(bytes(23), width=3, height=2, dpi=100)
