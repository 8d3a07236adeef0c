"""Dot maps (plots.maps) and their data and captions (words.maps), from tiny hand-written tables on real
registry codes: Sóc Trăng's districts 941-951 (province 94), communes of TP Sóc Trăng, Cần Thơ (92, a
province before and since July 2025)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps
from matplotlib.text import Text

from analysis.data import registry
from analysis.plots import maps
from analysis.words import maps as words_maps

ATOL_DEG = 1e-9  # centroids are copied, not computed
KE_SACH = "943"
SOC_TRANG_DISTRICTS = [str(c) for c in range(941, 952)]
BANK_CODES = ["X01", "X02"]  # a bank's own codes: not in the registry


def _data_dots(fig):
    """The scatter of units with data: the one collection with colour values."""
    ax = fig.axes[0]
    (sc,) = [c for c in ax.collections if c.get_array() is not None]
    return sc


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def _districts(values, codes=SOC_TRANG_DISTRICTS, sizes=None) -> pd.DataFrame:
    table = pd.DataFrame({"code": codes, "value": values})
    if sizes is not None:
        table["size"] = sizes
    return table


LEVEL_CASES = [  # level, codes, the registry's table and its code column
    ("district", SOC_TRANG_DISTRICTS, registry.old_districts, "district"),
    ("province", ["92", "93", "94"], registry.old_provinces, "province"),
    ("new_province", ["92"], registry.new_provinces, "new_province"),
    ("commune", ["31498", "31501", "31504"], lambda: registry.old_communes(islands=True), "commune"),
]


@pytest.mark.parametrize(("level", "codes", "units", "column"), LEVEL_CASES)
def test_dots_sit_at_the_registry_centroids(level, codes, units, column):
    values = np.linspace(0.5, 3.0, len(codes))
    fig = maps.dots(_districts(values, codes), level=level, lang="en")
    sc = _data_dots(fig)
    got = pd.DataFrame(sc.get_offsets(), columns=["lon", "lat"]).assign(value=np.asarray(sc.get_array()))
    reg = units().set_index(column)
    want = pd.DataFrame({"lon": reg.loc[codes, "lon"].to_numpy(float), "lat": reg.loc[codes, "lat"].to_numpy(float),
                         "value": values})
    got = got.sort_values("value").reset_index(drop=True)
    np.testing.assert_allclose(got[["lon", "lat", "value"]].to_numpy(), want[["lon", "lat", "value"]].to_numpy(),
                               atol=ATOL_DEG)


def test_ke_sach_is_where_the_registry_says():
    placed, unknown = words_maps.locate(_districts([1.0], [KE_SACH]), "district")
    assert unknown == ()
    assert placed.loc[0, "name"] == "Kế Sách"
    assert placed.loc[0, "lat"] == pytest.approx(9.83, abs=0.01)  # Kế Sách, Sóc Trăng: about 9°50' N
    assert placed.loc[0, "lon"] == pytest.approx(105.92, abs=0.01)


def test_colours_follow_the_values():
    values = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2]
    fig = maps.dots(_districts(values), level="district", lang="en")
    fig.canvas.draw()
    sc = _data_dots(fig)
    colours = sc.get_facecolors()
    order = np.argsort(np.asarray(sc.get_array()))
    cmap = colormaps[maps.CMAPS["overdue_ratio"]]
    np.testing.assert_allclose(colours[order[0]], cmap(0.0))
    np.testing.assert_allclose(colours[order[-1]], cmap(1.0))
    luminance = colours[order, :3] @ np.array([0.299, 0.587, 0.114])
    assert np.all(np.diff(luminance) < 0)  # YlOrRd: a higher ratio is a darker dot
    cbar = fig.axes[1]
    assert cbar.get_ylabel() == "Overdue ratio (%)"


def test_dot_area_follows_size():
    fig = maps.dots(_districts([1.0, 2.0], ["941", "943"], sizes=[100.0, 400.0]), level="district",
                    size_by="outstanding")
    sc = _data_dots(fig)
    by_value = dict(zip(np.asarray(sc.get_array()), sc.get_sizes()))
    assert by_value[2.0] == pytest.approx(maps.MAX_S)
    assert by_value[1.0] == pytest.approx(maps.MAX_S / 4)


def test_unknown_codes_are_counted_not_drawn():
    table = _districts([1.0, 2.0, 3.0, 4.0], ["941", "943", *BANK_CODES])
    placed, unknown = words_maps.locate(table, "district")
    assert list(placed["code"]) == ["941", "943"]
    assert unknown == tuple(BANK_CODES)
    fig = maps.dots(table, level="district", lang="en")
    assert len(_data_dots(fig).get_offsets()) == 2
    assert "2 codes not in the registry, not drawn" in _texts(fig)


def test_backdrop_shows_every_unit_of_the_level():
    fig = maps.dots(_districts([1.0], ["941"]), level="district")
    sizes = [len(c.get_offsets()) for c in fig.axes[0].collections]
    assert len(registry.old_districts()) in sizes  # all 696 former districts in grey


def test_vietnamese_labels_render_and_names_are_not_mathtext():
    fig = maps.dots(_districts([1.0, 2.0], ["941", KE_SACH]), level="district", lang="vi",
                    title="Huyện $Kế$ Sách", extent=words_maps.neighbour_extent(KE_SACH), synthetic=True)
    texts = _texts(fig)
    assert "Tỷ lệ nợ quá hạn (%)" in [fig.axes[1].get_ylabel()]
    assert "Kinh độ (°Đ)" in texts and "Kế Sách" in texts
    assert all(not t.get_parse_math() for t in fig.findobj(Text))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)  # draws every text (a mathtext parse of '$Kế$' would not raise,
    assert buffer.getvalue()[:4] == b"\x89PNG"  # but parse_math=False keeps the dollars as written)


def test_neighbours_ring_the_district_on_its_province():
    values = np.linspace(0.5, 1.5, len(SOC_TRANG_DISTRICTS))
    fig = maps.neighbours(_districts(values), district=KE_SACH, lang="en")
    ax = fig.axes[0]
    ring = [c for c in ax.collections if c.get_array() is None and len(c.get_offsets()) == 1]
    ke_sach = registry.old_districts().set_index("district").loc[KE_SACH]
    np.testing.assert_allclose(ring[-1].get_offsets()[0], [ke_sach["lon"], ke_sach["lat"]], atol=ATOL_DEG)
    lon0, lon1 = ax.get_xlim()
    lat0, lat1 = ax.get_ylim()
    d = registry.old_districts()
    soc_trang = d[d["province"] == "94"]
    assert soc_trang["lon"].between(lon0, lon1).all() and soc_trang["lat"].between(lat0, lat1).all()
    assert not (lat0 < 21.0 < lat1)  # zoomed on the Mekong delta, not the country


def test_neighbour_extent_of_a_bank_code_is_none():
    assert words_maps.neighbour_extent("X01") is None


# --- words.maps on hand-written results ---------------------------------------------------------

class _Results:
    """What words.maps reads from results: tables by name and a district's name."""

    def __init__(self, tables, names=None):
        self.tables, self.names = tables, names or {}

    def __getitem__(self, name):
        return self.tables[name]

    def district(self, code):
        return type("D", (), {"name": self.names[code]})


def _province_summary():
    return pd.DataFrame({"province": ["92", "94", "XX"], "province_name": ["Cần Thơ", "Sóc Trăng", "Tỉnh riêng"],
                         "period": ["2021-05"] * 3, "overdue_ratio": [1.5, 0.5, 9.0],
                         "outstanding": [100.0, 300.0, 50.0]})


def test_by_province_caption_gives_range_and_unknown():
    nat = _Results({"province_summary": _province_summary()})
    m = words_maps.by_province(nat, "en")
    assert m.level == "province" and m.size_by == "outstanding"
    assert m.unknown == ("XX",)
    assert "one of 2 provinces (before 7/2025)" in m.caption
    assert "from 0.50% (Sóc Trăng) to 1.50% (Cần Thơ)" in m.caption
    assert "May 2021" in m.caption and "1 units whose codes are not in the registry" in m.caption
    vi = words_maps.by_province(nat, "vi").caption
    assert "từ 0,50% (Sóc Trăng) đến 1,50% (Cần Thơ)" in vi and "tháng 5/2021" in vi
    fig = maps.draw(m)
    assert len(_data_dots(fig).get_offsets()) == 2


def test_by_new_province_one_unit():
    table = pd.DataFrame({"new_province": ["92", "92"], "period": pd.PeriodIndex(["2025-06", "2025-07"], freq="M"),
                          "overdue_ratio": [1.0, 1.25], "outstanding": [10.0, 12.0]})
    m = words_maps.by_new_province(_Results({"new_province_m": table}), "en")
    assert list(m.table["value"]) == [1.25]
    assert "The coloured dot is Cần Thơ" in m.caption and "in Jul 2025: 1.25%" in m.caption


def test_neighbours_caption_names_the_district_and_its_value():
    summary = pd.DataFrame({"district": SOC_TRANG_DISTRICTS, "period": "2021-05",
                            "overdue_ratio": np.linspace(0.5, 1.5, 11), "outstanding": 1.0})
    res = _Results({"district_summary": summary}, names={KE_SACH: "Kế Sách"})
    m = words_maps.neighbours(res, KE_SACH, "vi")
    assert m.highlight == KE_SACH and m.extent is not None
    assert m.caption.startswith("Kế Sách (viền đen, 0,70%)")
    assert "40 km" in m.caption


# --- the index page's map -------------------------------------------------------------------------

def test_index_map_is_an_embedded_png_from_the_results(small_shared_dir):
    from analysis.run import index

    overview = index.overview_map(small_shared_dir, "vi")
    assert overview["uri"].startswith("data:image/png;base64,")
    assert "huyện cũ" in overview["caption"] and "\\" not in overview["caption"]
    doc = {"run": {"lang": "vi", "title": "Tỉnh", "name": "province"}, "runs": {},
           "provenance": {"data_hash": "a" * 64, "commit": "b" * 40}, "finished": "2026-11-30"}
    html = index.index_html(doc, overview)
    assert f'<img src="{overview["uri"]}"' in html
    assert "img-src data:" in index.content_security_policy("") and "http" not in html.split("<body>")[1]


def test_index_map_waits_for_results(tmp_path):
    from analysis.run import index

    assert index.overview_map(tmp_path, "en") is None
