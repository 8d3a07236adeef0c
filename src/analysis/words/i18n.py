"""Labels in Vietnamese and English: one table, one lookup.

``t("overdue_ratio", lang)`` returns the label; unknown keys raise (a typo should fail loudly).
"""

from __future__ import annotations

LANGS = ("vi", "en")

LABELS: dict[str, tuple[str, str]] = {
    # measures
    "overdue_ratio": ("Tỷ lệ nợ quá hạn (%)", "Overdue ratio (%)"),
    "overdue_frozen_ratio": ("Tỷ lệ nợ quá hạn và nợ khoanh (%)", "Overdue and frozen ratio (%)"),
    "outstanding": ("Dư nợ (triệu đồng)", "Outstanding (million VND)"),
    "overdue": ("Nợ quá hạn (triệu đồng)", "Overdue (million VND)"),
    "borrowers": ("Số hộ vay", "Borrowers"),
    "groups": ("Số tổ", "Groups"),
    "weak_pct": ("Tổ xếp loại yếu (%)", "Groups rated weak (%)"),
    "coverage_pct": ("Hộ vay được kiểm tra sử dụng vốn trong 12 tháng (%)",
                     "Borrowers whose loan use was checked in the last 12 months (%)"),
    "compliance_pct": ("Giao ban đúng định kỳ (%)", "Briefings held on schedule (%)"),
    "group_meetings": ("Số buổi họp tổ trong tháng", "Group meetings in the month"),
    "check_share": ("Tỷ lệ hộ được kiểm tra trong tháng", "Share of borrowers checked in the month"),
    "expected_ratio": ("Tỷ lệ nợ quá hạn dự kiến theo mô hình (%)", "Model-expected overdue ratio (%)"),
    "month": ("Tháng", "Month"),
    "year": ("Năm", "Year"),
    "period": ("Kỳ", "Period"),
    "district": ("Huyện", "District"),
    "commune": ("Xã", "Commune"),
    "association": ("Hội đoàn thể", "Association"),
    "rating": ("Xếp loại", "Rating"),
    "province": ("Toàn tỉnh", "Province"),
    # maps
    "longitude": ("Kinh độ (°Đ)", "Longitude (°E)"),
    "latitude": ("Vĩ độ (°B)", "Latitude (°N)"),
    "map_no_data": ("không có số liệu", "no data"),
    "map_other_units": ("các đơn vị khác trong danh mục", "other units in the registry"),
    # ratings and associations
    "good": ("Tốt", "Good"),
    "fair": ("Khá", "Fair"),
    "average": ("Trung bình", "Average"),
    "weak": ("Yếu", "Weak"),
    "WU": ("Hội Phụ nữ", "Women's Union"),
    "FU": ("Hội Nông dân", "Farmers' Union"),
    "VA": ("Hội Cựu chiến binh", "Veterans' Association"),
    "YU": ("Đoàn Thanh niên", "Youth Union"),
    # banners
    "synthetic": ("DỮ LIỆU MÔ PHỎNG: không phải số liệu thật của NHCSXH hay các Hội",
                  "SYNTHETIC DATA: not real VBSP or Union figures"),
    "suppressed": ("ẩn (dưới 5 hộ vay)", "suppressed (fewer than 5 borrowers)"),
}


def t(key: str, lang: str = "vi") -> str:
    """The label of ``key`` in ``lang`` ("vi" or "en")."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    try:
        return LABELS[key][LANGS.index(lang)]
    except KeyError:
        raise KeyError(f"no label for {key!r}; add it to analysis.words.i18n.LABELS") from None


def translator(lang: str):
    """``tr = translator(lang)`` then ``tr("Tỷ lệ", "Ratio")`` returns the text in ``lang``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    return (lambda vi, en: vi) if lang == "vi" else (lambda vi, en: en)


def labels(keys, lang: str = "vi") -> dict[str, str]:
    """``{key: label}`` for several keys, e.g. association codes for a figure's legend."""
    return {key: t(key, lang) for key in keys}
