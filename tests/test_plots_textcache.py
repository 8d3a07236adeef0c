"""``plots.textcache``: text laid out once per process gives byte-identical figures, follows font changes,
and steps aside on another matplotlib."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hostile_names import DISTRICT_NAMES
from matplotlib.backends.backend_agg import RendererAgg

from analysis import plots
from analysis.plots import maps, textcache


@pytest.fixture
def fresh_cache():
    """The caches installed and empty; put back as they were afterwards."""
    was = bool(textcache._ORIGINAL)
    textcache.install()
    textcache.clear()
    yield
    textcache.clear()
    if not was:
        textcache.uninstall()


def _figures():
    names = dict(DISTRICT_NAMES, **{"952": "Thị xã Ngã Bảy (cũ) ỷ ữ ặ Đ"})
    periods = pd.period_range("2022-01", "2024-12", freq="M")
    ratio = pd.DataFrame([(d, p, (i % 7) / 10 + int(d) % 5) for d in names for i, p in enumerate(periods)],
                         columns=["district", "period", "overdue_ratio"])
    rating = pd.DataFrame({"period": ["2022", "2023", "2024"], "rated": [40, 41, 42], "good": [20, 25, 30],
                           "fair": [10, 9, 8], "average": [6, 5, 3], "weak": [4, 2, 1]})
    expected = pd.DataFrame({"year": [2022, 2023, 2024], "actual_ratio": [0.5, 0.4, 0.3],
                             "expected_ratio": [0.45, 0.41, 0.33]})
    dots = pd.DataFrame({"code": ["941", "942", "943"], "value": [0.8, 0.4, 1.2],
                         "name": [names["941"], names["942"], names["943"]]})
    for lang in ("vi", "en"):
        yield plots.trend(ratio, hue="district", highlight="943", labels=names, lang=lang, synthetic=True,
                          title=names["949"])
        yield plots.trend(ratio, hue="district", labels=names, lang=lang)
        yield plots.rating_mix(rating, lang=lang, title=names["948"], synthetic=True)
        yield plots.district.expected(expected, name=names["952"], lang=lang, synthetic=True)
        yield plots.bars(ratio.groupby("district", as_index=False)["overdue_ratio"].mean().assign(
            district=lambda d: d["district"].map(names)), x="district", y="overdue_ratio", lang=lang)
        yield maps.dots(dots, level="district", lang=lang, title=names["944"], highlight="943", synthetic=True,
                        extent=(105.6, 106.4, 9.3, 10.0))


def _pngs() -> list[bytes]:
    return [plots.png(fig, dpi=(100, 72)[number % 2]) for number, fig in enumerate(_figures())]  # two sizes


@pytest.mark.filterwarnings("ignore:Tight layout not applied")  # the 300-character name
def test_figures_are_byte_for_byte_the_same_with_and_without_the_caches(fresh_cache):
    textcache.uninstall()
    plain = _pngs()
    textcache.install()
    first = _pngs()  # fills the caches
    filled = textcache.sizes()
    second = _pngs()  # draws from them
    assert min(filled) > 50
    assert textcache.sizes() == filled  # nothing new the second time: every text and glyph a hit
    assert first == plain
    assert second == plain


def test_glyphs_moved_rotated_and_without_antialiasing_are_the_same_bytes(fresh_cache):
    """The same strings at many sub-pixel and whole-pixel offsets, at angles, with and without antialiasing:
    the kept bitmaps, moved, give matplotlib's own pixels."""
    def figure(antialiased: bool):
        fig = plt.figure(figsize=(4, 3))
        for number in range(40):
            fig.text(0.05 + number * 0.0213, 0.1 + number * 0.0177, "Ngã Năm ỷ 0,5%", fontsize=7 + number % 4,
                     rotation=(0, 90, 33.3, -12)[number // 4 % 4], antialiased=antialiased)
        return fig

    textcache.uninstall()
    plain = [plots.png(figure(antialiased), dpi=97) for antialiased in (True, False)]
    textcache.install()
    for _ in range(2):  # the second time from the caches
        assert [plots.png(figure(antialiased), dpi=97) for antialiased in (True, False)] == plain
    assert textcache.sizes()[2] < 2 * 40 * 14  # glyphs were reused


def test_a_change_of_font_is_a_new_key_not_a_stale_hit(fresh_cache):
    def width(family: str) -> float:
        with matplotlib.rc_context({"font.family": family}):
            fig, ax = plt.subplots()
            text = ax.text(0.1, 0.5, "Nợ quá hạn của Huyện Kế Sách")
            box = text.get_window_extent(renderer=fig.canvas.get_renderer())
            plt.close(fig)
            return box.width

    sans = width("DejaVu Sans")
    serif = width("DejaVu Serif")
    textcache.uninstall()
    assert (sans, serif) == (width("DejaVu Sans"), width("DejaVu Serif"))
    assert sans != serif


def test_language_and_font_features_are_part_of_the_key(fresh_cache):
    def figure():
        fig, ax = plt.subplots()
        ax.text(0.1, 0.2, "Sóc Trăng")
        ax.text(0.1, 0.5, "Sóc Trăng", language="vi")
        ax.text(0.1, 0.8, "Sóc Trăng", fontfeatures=["-kern"])
        return fig

    cached = plots.png(figure())
    keys = [key for key in textcache._glyphs if key[3] == "Sóc Trăng"]
    assert sorted((str(key[5]), str(key[6])) for key in keys) == [
        ("('-kern',)", "None"), ("None", "None"), ("None", "vi")]
    textcache.uninstall()
    assert plots.png(figure()) == cached


def test_another_matplotlib_is_left_alone(monkeypatch):
    was = bool(textcache._ORIGINAL)
    textcache.uninstall()
    try:
        monkeypatch.setattr(matplotlib, "__version__", "3.12.0")
        assert textcache.install() is False
        assert RendererAgg.draw_text is not textcache._draw_text
    finally:
        monkeypatch.undo()
        if was:
            textcache.install()


@pytest.mark.filterwarnings("ignore:Tight layout not applied")
def test_full_caches_start_again_empty(fresh_cache, monkeypatch):
    monkeypatch.setattr(textcache, "MAX_ENTRIES", 5)
    _pngs()
    assert 0 < max(textcache.sizes()) <= 5
