"""Headers and labels of users' exports: the one alias table (canonical column -> labels found in
VBSP/Union exports), label normalisation (case, spaces, punctuation, diacritics, legacy VNI text),
units in brackets (money in million VND), the file formats read, and ``FileProblem`` (a file that
cannot be read as a table).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

DATETIME = "datetime64[us]"  # one resolution for every date and month column (pandas 3 default; synth months)
FORMATS = {".csv": "csv", ".tsv": "csv", ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
           ".parquet": "parquet", ".pq": "parquet"}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 in the 1900 date system (serial 1 = 1900-01-01)

# --- one alias table: canonical column -> labels found in VBSP/Union exports -------------------

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "province": ("Tỉnh", "Mã tỉnh", "Province", "Province code"),
    "province_name": ("Tên tỉnh", "Province name"),
    "district": ("Huyện", "Mã huyện", "Quận/huyện", "District", "District code"),
    "district_name": ("Tên huyện", "Tên quận/huyện", "District name"),
    "commune": ("Xã", "Mã xã", "Xã/phường", "Mã xã/phường", "Commune", "Commune code"),
    "commune_name": ("Tên xã", "Tên xã/phường", "Commune name"),
    "commune_type": ("Loại xã", "Loại đơn vị", "Commune type", "Unit type"),
    "transaction_point": ("Điểm giao dịch", "Điểm giao dịch xã", "Điểm GD", "Transaction point"),
    "valid_from": ("Hiệu lực từ", "Từ ngày", "Valid from"),
    "valid_to": ("Hiệu lực đến", "Đến ngày", "Valid to"),
    "successor_commune": ("Xã mới", "Sáp nhập vào", "Xã sau sáp nhập", "Successor commune", "New commune"),
    "successor_commune_name": ("Tên xã mới", "Tên xã sau sáp nhập", "Successor commune name", "New commune name"),
    "successor_province": ("Tỉnh mới", "Mã tỉnh mới", "Tỉnh sau sáp nhập", "Successor province", "New province"),
    "successor_province_name": ("Tên tỉnh mới", "Successor province name", "New province name"),
    "successor_valid_from": ("Xã mới hiệu lực từ", "Ngày hiệu lực xã mới", "Successor valid from",
                             "New commune valid from"),
    "new_commune": ("Mã xã hiện nay", "Xã hiện nay", "Current commune", "Commune in force"),
    "group_id": ("Mã tổ", "Mã tổ TK&VV", "Mã tổ TKVV", "Group ID", "Group code"),
    "association": ("Hội", "Hội đoàn thể", "Tổ chức hội", "Hội quản lý", "Đơn vị nhận ủy thác",
                    "Association", "Union"),
    "hamlet": ("Ấp", "Ấp/khóm", "Thôn", "Thôn/ấp", "Khóm", "Hamlet", "Village"),
    "founded_on": ("Ngày thành lập", "Founded", "Founded on", "Date founded"),
    "closed_on": ("Ngày giải thể", "Ngày đóng", "Ngày sáp nhập tổ", "Closed", "Closed on", "Date closed"),
    "month": ("Tháng", "Tháng báo cáo", "Kỳ báo cáo", "Month", "Period"),
    "borrowers": ("Số hộ vay", "Số hộ còn dư nợ", "Hộ vay", "Số hộ", "Borrowers", "Number of borrowers"),
    "outstanding": ("Dư nợ", "Tổng dư nợ", "Dư nợ ủy thác", "Outstanding", "Outstanding loans"),
    "overdue": ("Nợ quá hạn", "NQH", "Dư nợ quá hạn", "Overdue", "Overdue debt"),
    "frozen": ("Nợ khoanh", "Dư nợ khoanh", "Frozen", "Frozen debt"),
    "interest_arrears": ("Lãi tồn", "Lãi tồn đọng", "Interest arrears", "Unpaid interest"),
    "savings": ("Tiết kiệm", "Số dư tiết kiệm", "Tiền gửi tiết kiệm", "Savings"),
    "group_meetings": ("Số buổi họp tổ", "Số lần họp tổ", "Họp tổ", "Group meetings", "Meetings"),
    "loan_use_checks": ("Số hộ được kiểm tra", "Kiểm tra sử dụng vốn", "Số hộ kiểm tra", "Loan use checks",
                        "Checks"),
    "supervision_visits": ("Số lần giám sát", "Giám sát", "Số lần kiểm tra giám sát", "Supervision visits",
                           "Visits"),
    "rating": ("Xếp loại", "Xếp loại tổ", "Rating", "Group rating", "Grade"),
    "level": ("Cấp", "Level"),
    "unit": ("Đơn vị", "Mã đơn vị", "Unit", "Unit code"),
    "date": ("Ngày", "Ngày giao ban", "Date"),
    "reform": ("Cải cách", "Tên cải cách", "Mô hình", "Reform"),
    "adopted_on": ("Ngày áp dụng", "Ngày triển khai", "Adopted on", "Adoption date"),
}

# canonical value -> labels, for the columns whose values are categories
VALUE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "rating": {
        "good": ("Tốt", "Good", "Loại tốt"),
        "fair": ("Khá", "Fair", "Loại khá"),
        "average": ("Trung bình", "TB", "Average", "Loại trung bình"),
        "weak": ("Yếu", "Yếu kém", "Kém", "Weak", "Poor", "Loại yếu"),
    },
    "association": {
        "WU": ("WU", "Hội Phụ nữ", "Hội LHPN", "Phụ nữ", "Hội Liên hiệp Phụ nữ", "LHPN", "HPN",
               "Women's Union", "Women"),
        "FU": ("FU", "Hội Nông dân", "Nông dân", "HND", "Farmers' Union", "Farmers"),
        "VA": ("VA", "Hội Cựu chiến binh", "Cựu chiến binh", "CCB", "Veterans' Association", "Veterans"),
        "YU": ("YU", "Đoàn Thanh niên", "Thanh niên", "Đoàn TNCS Hồ Chí Minh", "ĐTN", "Youth Union", "Youth"),
    },
    "level": {
        "province": ("Tỉnh", "Cấp tỉnh", "Province"),
        "district": ("Huyện", "Cấp huyện", "District"),
        "commune": ("Xã", "Cấp xã", "Commune"),
    },
    "commune_type": {
        "ward": ("Phường", "Ward"),
        "townlet": ("Thị trấn", "Townlet", "Town"),
        "commune": ("Xã", "Commune"),
        "island_district": ("Huyện đảo", "Island district"),
        "special_zone": ("Đặc khu", "Special zone"),
    },
}

# file stem -> table (besides the table names themselves)
STEM_ALIASES: dict[str, tuple[str, ...]] = {
    "units": ("Đơn vị", "Danh mục xã", "Địa bàn", "Units"),
    "groups": ("Tổ", "Danh sách tổ", "Tổ TK&VV", "Groups"),
    "group_months": ("Số liệu tháng", "Tổ tháng", "Báo cáo tháng", "Group months"),
    "briefings": ("Giao ban", "Briefings"),
    "reforms": ("Cải cách", "Reforms"),
}

# TCVN 5712:1993 (VN3, the "ABC" font encoding): legacy byte -> Unicode letter.
_TCVN3_FROM = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢§£¤¥¦"
_TCVN3_TO = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ"
_TCVN3 = str.maketrans(_TCVN3_FROM, _TCVN3_TO)
# VNI-Windows writes a base letter followed by a mark letter (ù acute, ø grave, û hook, õ tilde,
# ï dot, â/á/à/å/ã/ä circumflex(+tone), ê/é/è/ú/ü/ë breve(+tone)); ô = ơ, ö = ư, ñ = đ, and
# í ì æ ó ò are the toned i. Dropping the marks gives the base letters, enough to recognise a header.
_VNI_MARKS = re.compile(r"(?<=[A-Za-z])[ùøûõïâáàåãäêéèúüëÙØÛÕÏÂÁÀÅÃÄÊÉÈÚÜË]")
_VNI_LETTERS = str.maketrans("ôöñÔÖÑíìæóòÍÌÆÓÒ", "ouđOUĐiiiiiIIIII")


def normalize_label(text: object) -> str:
    """Header/value key: lower case, no diacritics (đ -> d), no spaces or punctuation."""
    text = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[\W_]+", "", text)


def _lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table = {}
    for canonical, labels in aliases.items():
        for label in (canonical, *labels):
            table.setdefault(normalize_label(label), canonical)
    return table


HEADER_LOOKUP = _lookup(HEADER_ALIASES)
VALUE_LOOKUP = {column: _lookup(labels) for column, labels in VALUE_ALIASES.items()}
STEM_LOOKUP = _lookup(STEM_ALIASES)


def canonical_header(label: object) -> str | None:
    """The canonical column a header names, or None (a unit in brackets is ignored: ``Số hộ vay (hộ)``)."""
    return _header_name(label)[0]


_UNIT_SUFFIX = re.compile(r"^(?P<head>.*?)\s*[(\[](?P<unit>[^()\[\]]*)[)\]]\s*$", re.S)
ACCEPTED_MONEY_UNITS = {"trieudong", "trieu", "trd", "tr", "trieuvnd", "millionvnd", "millionvnđ", "million",
                        "mvnd", "vndmillion"}
MONEY_UNIT_FACTORS = {  # header unit (normalised) -> factor to million VND
    "dong": 1e-6, "d": 1e-6, "vnd": 1e-6, "vnđ": 1e-6, "nghindong": 1e-3, "ngandong": 1e-3, "1000dong": 1e-3,
    "1000d": 1e-3, "nghin": 1e-3, "ngan": 1e-3, "thousandvnd": 1e-3, "tydong": 1e3, "ty": 1e3, "billionvnd": 1e3,
}


def _clean_label(label: object) -> str:
    """A header as one line: line breaks and repeated spaces become one space."""
    return "" if label is None else re.sub(r"\s+", " ", str(label)).strip()


def _header_name(label: object) -> tuple[str | None, str | None]:
    """(canonical column, unit written in brackets or None) for a header."""
    name = HEADER_LOOKUP.get(normalize_label(label))
    if name is not None:
        return name, None
    match = _UNIT_SUFFIX.match(_clean_label(label))
    if match:
        name = HEADER_LOOKUP.get(normalize_label(match["head"]))
        if name is not None:
            return name, match["unit"].strip()
    return None, None


def money_unit_factor(unit: str | None) -> float | None:
    """Factor from the unit a header names to million VND (None: unknown or already million VND)."""
    if not unit:
        return None
    key = normalize_label(unit)
    return None if key in ACCEPTED_MONEY_UNITS else MONEY_UNIT_FACTORS.get(key)


def suggest_header(label: object, columns: Iterable[str]) -> str | None:
    """The contract column a header probably means (``Dư nợ cuối tháng`` -> outstanding), or None."""
    import difflib

    columns = set(columns)
    key = normalize_label(_clean_label(label))
    if not key:
        return None
    candidates = {alias: name for alias, name in HEADER_LOOKUP.items() if name in columns and len(alias) >= 3}
    contained = sorted((len(alias), name) for alias, name in candidates.items() if alias in key or key in alias)
    if contained:
        return contained[-1][1]
    close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.75)
    return candidates[close[0]] if close else None


def legacy_encoding(labels: Iterable[object]) -> str | None:
    """'TCVN3' or 'VNI' when headers only make sense after undoing that legacy encoding."""
    labels = [str(x) for x in labels]
    for name, convert in (("TCVN3", lambda s: s.translate(_TCVN3)),
                          ("VNI", lambda s: _VNI_MARKS.sub("", s.translate(_VNI_LETTERS)))):
        hits = [x for x in labels if canonical_header(x) is None and canonical_header(convert(x))]
        if hits:
            return name
    return None



class FileProblem(Exception):
    """A file that cannot be read as a table; ``rule`` names the check."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


