"""Sóc Trăng province before the 1 July 2025 reorganisation: 11 district-level units, 109 communes.

Names are real (domain.md section 5.1; the per-district breakdown is background knowledge marked
[U] there and adds up to the verified 109 = 12 townlets + 17 wards + 80 communes). District codes
follow the GSO numbering (941-951). Commune codes are NOT official GSO codes: they are the
district code followed by a two-digit sequence, made for the synthetic sample.
"""

from __future__ import annotations

import unicodedata

import pandas as pd

PROVINCE_CODE = "94"  # GSO code of Sóc Trăng [U]
PROVINCE_NAME = "Sóc Trăng"

# (district code, district name, [(commune type, commune name), ...])
_W, _T, _C = "ward", "townlet", "commune"
DISTRICTS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("941", "TP Sóc Trăng", tuple((_W, f"Phường {i}") for i in range(1, 11))),
    ("942", "Châu Thành", ((_T, "TT Châu Thành"), (_C, "Hồ Đắc Kiện"), (_C, "Phú Tâm"), (_C, "Thuận Hòa"),
                           (_C, "Phú Tân"), (_C, "Thiện Mỹ"), (_C, "An Hiệp"), (_C, "An Ninh"))),
    ("943", "Kế Sách", ((_T, "TT Kế Sách"), (_T, "TT An Lạc Thôn"), (_C, "Xuân Hòa"), (_C, "Phong Nẫm"),
                        (_C, "An Lạc Tây"), (_C, "Trinh Phú"), (_C, "Ba Trinh"), (_C, "Thới An Hội"),
                        (_C, "Nhơn Mỹ"), (_C, "Kế Thành"), (_C, "Kế An"), (_C, "Đại Hải"), (_C, "An Mỹ"))),
    ("944", "Mỹ Tú", ((_T, "TT Huỳnh Hữu Nghĩa"), (_C, "Long Hưng"), (_C, "Hưng Phú"), (_C, "Mỹ Hương"),
                      (_C, "Mỹ Tú"), (_C, "Mỹ Phước"), (_C, "Thuận Hưng"), (_C, "Mỹ Thuận"), (_C, "Phú Mỹ"))),
    ("945", "Cù Lao Dung", ((_T, "TT Cù Lao Dung"), (_C, "An Thạnh 1"), (_C, "An Thạnh Tây"),
                            (_C, "An Thạnh Đông"), (_C, "Đại Ân 1"), (_C, "An Thạnh 2"), (_C, "An Thạnh 3"),
                            (_C, "An Thạnh Nam"))),
    ("946", "Long Phú", ((_T, "TT Long Phú"), (_T, "TT Đại Ngãi"), (_C, "Song Phụng"), (_C, "Long Đức"),
                         (_C, "Châu Khánh"), (_C, "Phú Hữu"), (_C, "Tân Hưng"), (_C, "Hậu Thạnh"),
                         (_C, "Trường Khánh"), (_C, "Tân Thạnh"), (_C, "Long Phú"))),
    ("947", "Mỹ Xuyên", ((_T, "TT Mỹ Xuyên"), (_C, "Đại Tâm"), (_C, "Tham Đôn"), (_C, "Thạnh Phú"),
                         (_C, "Ngọc Đông"), (_C, "Thạnh Quới"), (_C, "Hòa Tú 1"), (_C, "Gia Hòa 1"),
                         (_C, "Ngọc Tố"), (_C, "Gia Hòa 2"), (_C, "Hòa Tú 2"))),
    ("948", "TX Ngã Năm", ((_W, "Phường 1"), (_W, "Phường 2"), (_W, "Phường 3"), (_C, "Vĩnh Quới"),
                           (_C, "Tân Long"), (_C, "Long Bình"), (_C, "Mỹ Quới"), (_C, "Mỹ Bình"))),
    ("949", "Thạnh Trị", ((_T, "TT Phú Lộc"), (_T, "TT Hưng Lợi"), (_C, "Thạnh Trị"), (_C, "Thạnh Tân"),
                          (_C, "Châu Hưng"), (_C, "Lâm Tân"), (_C, "Lâm Kiết"), (_C, "Tuân Tức"),
                          (_C, "Vĩnh Thành"), (_C, "Vĩnh Lợi"))),
    ("950", "TX Vĩnh Châu", ((_W, "Phường 1"), (_W, "Phường 2"), (_W, "Vĩnh Phước"), (_W, "Khánh Hòa"),
                             (_C, "Vĩnh Hiệp"), (_C, "Hòa Đông"), (_C, "Lạc Hòa"), (_C, "Vĩnh Hải"),
                             (_C, "Vĩnh Tân"), (_C, "Lai Hòa"))),
    ("951", "Trần Đề", ((_T, "TT Trần Đề"), (_T, "TT Lịch Hội Thượng"), (_C, "Đại Ân 2"), (_C, "Liêu Tú"),
                        (_C, "Lịch Hội Thượng"), (_C, "Trung Bình"), (_C, "Tài Văn"), (_C, "Viên An"),
                        (_C, "Thạnh Thới An"), (_C, "Thạnh Thới Thuận"), (_C, "Viên Bình"))),
)

# Districts on the coast or the Hậu river mouths, hit hardest by the 2016 salinity intrusion.
COASTAL_DISTRICTS = ("945", "946", "947", "950", "951")


def units_table() -> pd.DataFrame:
    """The ``units`` table of the data contract: one row per commune-level unit."""
    rows = []
    for district, district_name, communes in DISTRICTS:
        for i, (kind, name) in enumerate(communes, start=1):
            code = f"{district}{i:02d}"
            rows.append({
                "province": PROVINCE_CODE,
                "province_name": PROVINCE_NAME,
                "district": district,
                "district_name": district_name,
                "commune": code,
                "commune_name": name,
                "commune_type": kind,
                "transaction_point": f"DGD{code}",
                "valid_from": pd.Timestamp("2008-01-01"),
                "valid_to": pd.Timestamp("2025-06-30"),
                "successor_commune": pd.NA,
            })
    frame = pd.DataFrame(rows)
    frame["successor_commune"] = frame["successor_commune"].astype("string")
    return frame


def district_names() -> dict[str, str]:
    return {code: name for code, name, _ in DISTRICTS}


def slug(text: str) -> str:
    """ASCII slug of a Vietnamese name: 'Kế Sách' -> 'ke-sach', 'Đại Tâm' -> 'dai-tam'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)
