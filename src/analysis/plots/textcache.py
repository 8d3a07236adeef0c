"""Text shaped once per process, not once per figure: the same pixels, a sixth less CPU a district report.

matplotlib's Agg renderer lays out every string with FreeType and HarfBuzz (libraqm) each time it is
measured or drawn, and caches the measurements per renderer, that is per figure. A district report draws
four figures whose texts mostly repeat from report to report (tick labels, axis labels, legends, the
synthetic-data notice), and a warm kernel draws hundreds of reports: in a national run, shaping was about
0.1 CPU-s of a report's 0.9 (measured in ``benchmarks/profile_figures.py``).

:func:`install` wraps two methods of ``RendererAgg`` with caches that live as long as the process:

- ``get_text_width_height_descent`` (a string's size): keyed by the FreeType font object, the size in points,
  the renderer's dpi, the string and the hinting flags;
- ``draw_text``: the laid-out glyphs (font, glyph index, offset) under the same key plus the text's font
  features and language; the glyphs are then rendered exactly as matplotlib does.

The font object comes from ``font_manager.get_font``, itself cached on the font files, the hinting and
kerning factors, so a change of ``rcParams`` (fonts, hinting) makes a new key, never a stale hit. Mathtext
and TeX are passed through untouched (the figures never use them: names are data). Nothing else changes:
``tests/test_plots.py`` checks that the PNG of each district figure is byte for byte the same with and without
the caches. The wrappers copy matplotlib 3.11's own ``draw_text``; :func:`install` does nothing on another
version, so an upgrade loses the speed, never the correctness.
"""

from __future__ import annotations

import matplotlib
from matplotlib.backends import backend_agg
from matplotlib.font_manager import fontManager, get_font

SUPPORTED = "3.11."  # the matplotlib whose RendererAgg.draw_text the wrapper reproduces
MAX_ENTRIES = 20_000  # strings per cache (a district report has about 130); full caches start again empty

_ORIGINAL = {}
_metrics: dict = {}
_glyphs: dict = {}


def install() -> bool:
    """Put the caches on ``RendererAgg`` (once); False when this matplotlib is not the one they copy."""
    if _ORIGINAL:
        return True
    if not matplotlib.__version__.startswith(SUPPORTED):
        return False
    renderer = backend_agg.RendererAgg
    _ORIGINAL["metrics"] = renderer.get_text_width_height_descent
    _ORIGINAL["draw_text"] = renderer.draw_text
    renderer.get_text_width_height_descent = _text_width_height_descent
    renderer.draw_text = _draw_text
    return True


def uninstall() -> None:
    """Restore matplotlib's methods and empty the caches (for tests that compare both)."""
    if _ORIGINAL:
        backend_agg.RendererAgg.get_text_width_height_descent = _ORIGINAL.pop("metrics")
        backend_agg.RendererAgg.draw_text = _ORIGINAL.pop("draw_text")
    clear()


def clear() -> None:
    _metrics.clear()
    _glyphs.clear()


def sizes() -> tuple[int, int]:
    """Entries in the two caches (measurements, layouts)."""
    return len(_metrics), len(_glyphs)


def _font(prop):
    return get_font(fontManager._find_fonts_by_props(prop))


def _remember(cache: dict, key, value):
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value
    return value


def _text_width_height_descent(self, s, prop, ismath):
    if ismath:  # mathtext or TeX: matplotlib's own path
        return _ORIGINAL["metrics"](self, s, prop, ismath)
    key = (_font(prop), prop.get_size_in_points(), self.dpi, s, backend_agg.get_hinting_flag())
    found = _metrics.get(key)
    if found is None:
        found = _remember(_metrics, key, _ORIGINAL["metrics"](self, s, prop, ismath))
    return found


def _draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
    """matplotlib 3.11's ``RendererAgg.draw_text`` with the layout of ``s`` cached."""
    if ismath:
        return _ORIGINAL["draw_text"](self, gc, x, y, s, prop, angle, ismath, mtext)
    font = self._prepare_font(prop)  # as matplotlib: the font cleared and sized for this renderer
    features = mtext.get_fontfeatures() if mtext is not None else None
    language = mtext.get_language() if mtext is not None else None
    flags = backend_agg.get_hinting_flag()
    size = prop.get_size_in_points()
    key = (font, size, self.dpi, s, flags, features, language)
    try:
        glyphs = _glyphs.get(key)
    except TypeError:  # unhashable features or language: not cached
        return _ORIGINAL["draw_text"](self, gc, x, y, s, prop, angle, ismath, mtext)
    if glyphs is None:
        glyphs = _remember(_glyphs, key, tuple(
            (item.ft_object, item.glyph_index, item.x, item.y)
            for item in font._layout(s, flags=flags, features=features, language=language)))
    self._draw_text_glyphs_and_boxes(
        gc, x, y, angle, ((ft_object, size, index, 0, 1, dx, dy) for ft_object, index, dx, dy in glyphs), [])
