"""Dot maps of Viet Nam: one dot per unit at its centroid in the official registry, coloured by a value.

No polygons: the registry (``analysis.data.registry``) gives centroids, and a dot at the centroid says
no more than the data know. Every unit of the level is drawn first as a small grey dot (and, for
provinces, the districts as specks) so that the country's shape shows; the units with data are
drawn over it, coloured by the value (percent, a sequential colormap with a labelled colorbar) and,
where a size column is given, with an area that follows it. Axes are longitude and latitude with an
aspect of 1/cos(latitude), so that a kilometre is as long north-south as east-west.

Units whose code is not in the registry (a bank's own codes) are not drawn; the figure's footnote
counts them (``words.maps.locate`` lists them). Each function returns a Figure and saves nothing.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis.words import maps as words_maps
from analysis.words import narrative as nr
from analysis.words.i18n import t, translator

CMAPS = {"overdue_ratio": "YlOrRd", "coverage_pct": "YlGnBu"}  # sequential: more is darker
GREY, SPECK = "#bdbdbd", "#e3e3e3"
DOT_S, MIN_S, MAX_S = 46.0, 10.0, 320.0  # marker areas (points^2): unsized dots, smallest and largest sized
PAD_DEG = 0.35  # margin around the whole country (degrees)
BACKDROP = {"province": "district", "new_province": "district", "district": "district", "commune": "commune"}


def draw(unit_map: words_maps.UnitMap, *, synthetic: bool = False) -> Figure:
    """The map of a ``words.maps.UnitMap`` (its table, level, measure, sizes, highlight, extent, title)."""
    return dots(unit_map.table, level=unit_map.level, measure=unit_map.measure, size_by=unit_map.size_by,
                lang=unit_map.lang, title=unit_map.title, highlight=unit_map.highlight, extent=unit_map.extent,
                synthetic=synthetic)


def dots(table: pd.DataFrame, *, level: str, measure: str = "overdue_ratio", size_by: str | None = None,
         lang: str = "vi", title: str | None = None, highlight: str | None = None,
         extent: tuple[float, float, float, float] | None = None, synthetic: bool = False) -> Figure:
    """A dot map of ``table`` (``code``, ``value`` in percent, ``size`` when ``size_by`` names it: a label key
    such as "outstanding") at ``level`` ("province", "new_province", "district", "commune").

    ``highlight``: a code drawn with a black ring and its name. ``extent``: (lon_min, lon_max, lat_min,
    lat_max) to draw, None for the whole country; a zoomed map also names each unit with data.
    """
    placed, unknown = words_maps.locate(table, level)
    box = extent or _country_box()
    fig, ax = plt.subplots(figsize=_figsize(box, zoomed=extent is not None))
    _backdrop(ax, level=level, box=box, zoomed=extent is not None)
    have = placed.dropna(subset=["value"])
    sizes = _sizes(have, size_by)
    order = np.argsort(-sizes, kind="stable")  # small dots on top of large ones
    sc = ax.scatter(have["lon"].to_numpy()[order], have["lat"].to_numpy()[order], c=have["value"].to_numpy()[order],
                    s=sizes[order], cmap=CMAPS.get(measure, "YlOrRd"), norm=_norm(have["value"]),
                    edgecolors="white", linewidths=0.5, zorder=3)
    missing = placed[placed["value"].isna()]
    if len(missing):
        ax.scatter(missing["lon"], missing["lat"], s=DOT_S, facecolors="none", edgecolors="#737373", linewidths=0.8,
                   zorder=3, label=t("map_no_data", lang))
    fig.colorbar(sc, ax=ax, shrink=0.55, pad=0.02, label=t(measure, lang))
    if extent is not None:
        _names(ax, placed)
    if highlight is not None:
        _ring(ax, placed, highlight)
    if size_by and len(have):
        _size_legend(ax, have["size"], size_by=size_by, lang=lang)
    elif len(missing):
        ax.legend(loc="lower left", fontsize=7, frameon=False)
    _frame(ax, box, lang=lang, title=title)
    _footnotes(fig, unknown=len(unknown), synthetic=synthetic, lang=lang)
    for text in fig.findobj(Text):  # names are data: never mathtext
        text.set_parse_math(False)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# pieces
# ---------------------------------------------------------------------------------------------

def _country_box() -> tuple[float, float, float, float]:
    units = words_maps.centroids("district")
    return (units["lon"].min() - PAD_DEG, units["lon"].max() + PAD_DEG,
            units["lat"].min() - PAD_DEG, units["lat"].max() + PAD_DEG)


def _aspect(box) -> float:
    return 1.0 / math.cos(math.radians((box[2] + box[3]) / 2))


def _figsize(box, *, zoomed: bool) -> tuple[float, float]:
    width = 6.4 if zoomed else 5.6
    ratio = (box[3] - box[2]) * _aspect(box) / (box[1] - box[0])
    return width, float(np.clip((width - 1.4) * ratio + 0.9, 3.4, 8.6))


def _inside(units: pd.DataFrame, box) -> pd.DataFrame:
    return units[units["lon"].between(box[0], box[1]) & units["lat"].between(box[2], box[3])]


def _backdrop(ax, *, level: str, box, zoomed: bool) -> None:
    """Every unit of ``level`` as a small grey dot, over specks of the finer level for the country's shape."""
    specks = "commune" if zoomed else BACKDROP[level]
    if specks != level:
        fine = _inside(words_maps.centroids(specks), box)
        ax.scatter(fine["lon"], fine["lat"], s=0.8 if zoomed else 1.5, color=SPECK, linewidths=0, zorder=1)
    units = _inside(words_maps.centroids(level), box)
    ax.scatter(units["lon"], units["lat"], s=14 if zoomed else 5, color=GREY, linewidths=0, zorder=2)


def _norm(values: pd.Series) -> Normalize:
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    return Normalize(vmin=low, vmax=high)


def _sizes(have: pd.DataFrame, size_by: str | None) -> np.ndarray:
    """Marker areas: proportional to ``size`` (the largest MAX_S, none below MIN_S), or all DOT_S."""
    if not size_by or "size" not in have or have.empty:
        return np.full(len(have), DOT_S)
    size = have["size"].astype(float).clip(lower=0).fillna(0).to_numpy()
    top = size.max()
    return np.maximum(MIN_S, MAX_S * size / top) if top > 0 else np.full(len(have), DOT_S)


def _size_legend(ax, size: pd.Series, *, size_by: str, lang: str) -> None:
    top = float(size.max())
    if not top > 0:
        return
    steps = [top, top / 4]
    handles = [ax.scatter([], [], s=max(MIN_S, MAX_S * v / top), color=GREY, edgecolors="white") for v in steps]
    ax.legend(handles, [nr.number(v, 0, lang) for v in steps], title=t(size_by, lang), loc="lower left",
              fontsize=7, title_fontsize=7, frameon=False, labelspacing=1.2, borderpad=0.8)


def _names(ax, placed: pd.DataFrame) -> None:
    for row in placed.itertuples(index=False):
        ax.annotate(str(row.name), (row.lon, row.lat), xytext=(4, 4), textcoords="offset points", fontsize=7,
                    color="#252525", zorder=4, parse_math=False)


def _ring(ax, placed: pd.DataFrame, code: str) -> None:
    me = placed[placed["code"] == str(code)]
    if me.empty:
        return
    ax.scatter(me["lon"], me["lat"], s=DOT_S * 3.2, facecolors="none", edgecolors="black", linewidths=1.8, zorder=5)


def _frame(ax, box, *, lang: str, title: str | None) -> None:
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect(_aspect(box))
    ax.set_xlabel(t("longitude", lang), fontsize=8)
    ax.set_ylabel(t("latitude", lang), fontsize=8)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=10)


def _footnotes(fig, *, unknown: int, synthetic: bool, lang: str) -> None:
    tr = translator(lang)
    if unknown:
        fig.text(0.01, 0.005, tr(f"{unknown} mã không có trong danh mục, không vẽ",
                                 f"{unknown} codes not in the registry, not drawn"),
                 ha="left", va="bottom", fontsize=7, color="#525252")
    if synthetic:
        fig.text(0.99, 0.005, t("synthetic", lang), ha="right", va="bottom", fontsize=6, color="#a50f15")


def neighbours(table: pd.DataFrame, *, district: str, measure: str = "overdue_ratio", lang: str = "vi",
               title: str | None = None, synthetic: bool = False) -> Figure:
    """District ``district`` (black ring) among the districts of ``table`` (``code``, ``value``), on the area
    of its province and the registry's districts of other provinces nearby (grey dots), each unit with
    data coloured by its value and named (``words.maps.neighbour_extent``)."""
    return dots(table, level="district", measure=measure, lang=lang, title=title, highlight=district,
                extent=words_maps.neighbour_extent(district), synthetic=synthetic)


def png(fig: Figure, *, dpi: int = 72) -> bytes:
    """The figure as PNG bytes (one draw: ``analysis.plots.png``), closed afterwards: for a page that embeds
    it as a data URI."""
    from analysis import plots

    return plots.png(fig, dpi=dpi)
