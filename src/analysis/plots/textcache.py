"""Text shaped and rendered once per process, not once per figure: the same pixels for less CPU.

matplotlib's Agg renderer lays out every string with FreeType and HarfBuzz (libraqm) each time it is
measured or drawn, renders every glyph of it with FreeType, and caches only the measurements, per renderer,
that is per figure. A district report draws four figures whose texts mostly repeat from report to report
(tick labels, axis labels, legends, the synthetic-data notice), and a warm kernel draws hundreds of reports:
shaping and glyph rendering were about a quarter of the four figures' CPU (``benchmarks/profile_figures.py``
measures a report's cells with and without these caches).

:func:`install` wraps two methods of ``RendererAgg`` with caches that live as long as the process:

- ``get_text_width_height_descent`` (a string's size): keyed by the FreeType font object, the size in points,
  the renderer's dpi, the string and the hinting flags;
- ``draw_text``: the laid-out glyphs (font, glyph index, offset) under the same key plus the text's font
  features and language; then each glyph's bitmap, keyed by font, size, dpi, glyph, hinting, antialiasing,
  angle and its position's fraction of a pixel (FreeType works in 1/64 pixel: a glyph moved by whole pixels
  is the same bitmap moved). Nine glyphs in ten of a district report's figures are already kept.

The font object comes from ``font_manager.get_font``, itself cached on the font files, the hinting and
kerning factors, so a change of ``rcParams`` (fonts, hinting) makes a new key, never a stale hit. Mathtext
and TeX are passed through untouched (the figures never use them: names are data). Nothing else changes:
``tests/test_plots_textcache.py`` checks that the PNG of each district figure is byte for byte the same with and without
the caches. The wrappers copy matplotlib 3.11's own ``draw_text``; :func:`install` does nothing on another
version, so an upgrade loses the speed, never the correctness.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.backends import backend_agg
from matplotlib.font_manager import fontManager, get_font
from matplotlib.ft2font import RenderMode

SUPPORTED = "3.11."  # the matplotlib whose RendererAgg.draw_text the wrapper reproduces
MAX_ENTRIES = 20_000  # entries per cache (a district report: about 130 strings, 1,100 glyphs of which 120 new
# after ten reports); a full cache starts again empty

_ORIGINAL = {}
_metrics: dict = {}
_glyphs: dict = {}
_bitmaps: dict = {}


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
    _bitmaps.clear()


def sizes() -> tuple[int, int, int]:
    """Entries in the three caches (measurements, layouts, glyph bitmaps)."""
    return len(_metrics), len(_glyphs), len(_bitmaps)


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
    _draw_glyphs(self, gc, x, y, angle, size, glyphs)


def _draw_glyphs(renderer, gc, x, y, angle, size, glyphs) -> None:
    """matplotlib 3.11's ``RendererAgg._draw_text_glyphs_and_boxes`` for one text (no boxes, no slant or
    stretch), each glyph's bitmap kept per sub-pixel offset: FreeType positions in 1/64 pixel, and a glyph
    moved by whole pixels is the same bitmap moved (the same bytes: tested)."""
    cos = math.cos(math.radians(angle))
    sin = math.sin(math.radians(angle))
    load_flags = backend_agg.get_hinting_flag()
    antialiased = gc.get_antialiased()
    height, dpi, matrix = renderer.height, renderer.dpi, None
    for ft_object, index, dx, dy in glyphs:  # dy is upwards
        x64 = round(0x40 * (x + dx * cos - dy * sin))
        y64 = round(0x40 * (height - y + dx * sin + dy * cos))  # FreeType's y is upwards
        key = (ft_object, size, dpi, index, load_flags, antialiased, angle, x64 & 63, y64 & 63)
        found = _bitmaps.get(key)
        if found is None:
            if matrix is None:
                matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[1, 0], [0, 1]]).round().astype(int)
            ft_object.set_size(size, dpi)
            ft_object._set_transform(matrix, [x64, y64])
            bitmap = ft_object._render_glyph(index, load_flags, RenderMode.NORMAL if antialiased else RenderMode.MONO)
            buffer = bitmap.buffer
            if not antialiased:
                buffer *= 0xff
            found = _remember(_bitmaps, key, (buffer, bitmap.left - (x64 >> 6), bitmap.top - (y64 >> 6)))
        buffer, left, top = found
        # draw_text_image's y is downwards & the bitmap's bottom side
        renderer._renderer.draw_text_image(
            buffer, left + (x64 >> 6), int(height) - (top + (y64 >> 6)) + buffer.shape[0], 0, gc)
