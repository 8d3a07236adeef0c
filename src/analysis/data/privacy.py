"""Privacy rules for anything published: no borrower identifiers, small cells suppressed.

Borrower-level data are sensitive. Reports show groups, communes and districts, never borrowers;
a table cell that describes fewer than ``MIN_BORROWERS`` borrowers is suppressed (its values are
blanked and flagged), so that a reader cannot learn one household's debt.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import pandas as pd

MIN_BORROWERS = 5  # a cell describing fewer borrowers than this is suppressed

# Column names that would identify a person: names, ID card numbers, phone numbers, addresses.
# Matched on the plain form of the header (no diacritics, words joined by "_"); ``private_`` marks
# a personal column a user chose to keep (``loading.load(keep_personal=...)``): kept, never published.
_IDENTIFIER = re.compile(
    r"(^|_)(borrower_?name|ho_?ten|ho_va_ten|ten_?ho|ten_chu_ho|ten_to_truong|to_truong|ten_to_pho|"
    r"ten_nguoi_vay|ten_ho_vay|ho_vay_ten|full_?name|leader_?name|cmnd|cccd|cmt|can_cuoc|"
    r"chung_minh(_nhan_dan|_thu)?|so_dinh_danh|dinh_danh|id_?number|id_?card|national_?id|"
    r"so_?dien_?thoai|dien_thoai|dt_lien_he|sdt|so_dt|phone|mobile|email|ngay_sinh|nam_sinh|date_of_birth|"
    r"dia_?chi|noi_o|noi_cu_tru|thuong_tru|address)($|_)|^private_")

PERSONAL_KINDS = {"name": "names", "phone": "phone numbers", "id_number": "ID-card numbers (CMND/CCCD)",
                  "address": "addresses", "header": "personal data (by its header)"}
_SURNAMES = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly thach lam danh son kim "
    "truong dinh mai trinh dao cao luu quach tang ta chau la lieu ha tieu huu thai tong doan luong "
    "van lu diep hua mac giang tu ong khuu trieu ung".split())
_PHONE = re.compile(r"(?:\+?84|0)[235789]\d{8}|[5789]\d{8}")  # 0912..., +84912..., or 912... (lost its 0)
_ID_NUMBER = re.compile(r"\d{9}|\d{12}")  # CMND 9 digits, CCCD 12 digits
_ADDRESS = re.compile(r"\b(ap|khom|thon|xom|to dan pho|so nha|duong|xa|phuong|thi tran|huyen|quan|tinh|tp)\b")
CONTENT_SHARE = 0.6  # share of a column's non-empty cells that must look personal
CONTENT_SAMPLE = 2000  # cells examined per column


def _plain(name: str) -> str:
    name = name.replace("đ", "d").replace("Đ", "D")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def identifier_columns(table: pd.DataFrame) -> list[str]:
    """Columns whose names look like personal identifiers (any language, any case)."""
    return [c for c in table.columns if _IDENTIFIER.search(_plain(str(c)))]


def personal_kind(name: object, values: pd.Series | None = None) -> str | None:
    """What personal data a column holds ("header", "name", "phone", "id_number", "address"), or None.

    By the header first (``Họ tên``, ``SĐT``, ``Số CCCD``, ``Địa chỉ``, ...), then by content: at
    least ``CONTENT_SHARE`` of up to ``CONTENT_SAMPLE`` non-empty cells look like Vietnamese personal
    names (2-5 capitalised words, a common surname first), phone numbers, CMND/CCCD numbers or
    addresses. Only the kind is returned, never a value.
    """
    if _IDENTIFIER.search(_plain(str(name))):
        return "header"
    if values is None:
        return None
    cells = values.dropna()
    cells = cells[cells.astype("str").str.strip().ne("")]
    if cells.empty:
        return None
    cells = cells.iloc[:: max(1, len(cells) // CONTENT_SAMPLE)][:CONTENT_SAMPLE]
    text = cells.map(_cell_text)
    digits = text.str.replace(r"[\s.\-()]", "", regex=True)
    for kind, hit in (("phone", digits.str.fullmatch(_PHONE)),
                      ("id_number", digits.str.fullmatch(_ID_NUMBER)),
                      ("name", text.map(_looks_like_name)),
                      ("address", text.map(lambda s: bool(_ADDRESS.search(_plain(s).replace("_", " "))) and "," in s))):
        if hit.mean() >= CONTENT_SHARE:
            return kind
    return None


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _looks_like_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 5 or not all(w[:1].isupper() and w.isalpha() for w in words):
        return False
    return _plain(words[0]) in _SURNAMES


def private_name(name: object) -> str:
    """The name a kept personal column gets (``private_<plain header>``): loadable, never publishable."""
    return "private_" + (_plain(str(name)) or "column")


def assert_publishable(table: pd.DataFrame) -> None:
    """Raise ``ValueError`` if a table about to be published carries personal identifiers."""
    found = identifier_columns(table)
    if found:
        raise ValueError(f"columns {found} look like personal identifiers and must not be published")


def suppress_small(table: pd.DataFrame, *, count: str = "borrowers", columns: Sequence[str] | None = None,
                   threshold: int = MIN_BORROWERS) -> pd.DataFrame:
    """Blank the values of rows describing fewer than ``threshold`` borrowers.

    ``columns`` are the values to blank (default: every numeric column, the count included).
    Returns a new frame with a boolean ``suppressed`` column; the input is not modified.

    Example:
        >>> t = pd.DataFrame({"commune": ["A", "B"], "borrowers": [3, 40], "overdue": [1.0, 2.0]})
        >>> suppress_small(t)["overdue"].isna().tolist()
        [True, False]
    """
    if count not in table:
        raise ValueError(f"column {count!r} (the number of borrowers a row describes) is missing")
    out = table.copy()
    small = out[count].fillna(0) < threshold
    cols = list(columns) if columns is not None else list(out.select_dtypes("number").columns)
    if count not in cols:
        cols.append(count)
    for c in cols:
        out[c] = out[c].astype("Float64" if pd.api.types.is_numeric_dtype(out[c]) else out[c].dtype)
        out.loc[small, c] = pd.NA
    out["suppressed"] = small.to_numpy()
    assert_publishable(out)
    return out
