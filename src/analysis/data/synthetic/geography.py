"""Sóc Trăng province before the 1 July 2025 reorganisation, from the official registry.

The 11 district-level units and 108 communes, with their GSO codes, names and default successors in
the new Cần Thơ (92), come from ``analysis.data.registry`` (shared/domain.md 5.3). The source article
counts 109 commune transaction points in 2021 (domain.md 4.4); the registry, a snapshot of mid-2025,
lacks **Phường 9** of TP Sóc Trăng, merged before 2025. It is kept here as the one hand-written row:

- its successor, Phường 1 (31522), is the registry's: it lists 'phuong9' among Phường 1's aliases;
- its last day, 30/11/2024, is [U] (the merger of Phường 1 and Phường 9 was planned in October 2023,
  vi.wikipedia "Phường 9, thành phố Sóc Trăng"; the resolution's date was not verified);
- its own GSO code is not used: Wikipedia gives 31522, which the registry gives to the merged Phường 1,
  so Phường 9 carries the non-GSO code ``941-P9`` rather than an invented one.

``valid_from`` is left empty: when each unit took its present form is not in the registry.
"""

from __future__ import annotations

import unicodedata

import pandas as pd

from analysis.data import registry
from analysis.data.contract import REORGANISATION_DATE

PROVINCE_CODE = "94"  # GSO code of Sóc Trăng (registry)
PROVINCE_NAME = "Sóc Trăng"

# Districts on the coast or the Hậu river mouths, hit hardest by the 2016 salinity intrusion [U]
# (Cù Lao Dung, Long Phú, Mỹ Xuyên, TX Vĩnh Châu, Trần Đề; GSO codes from the registry).
COASTAL_DISTRICTS = ("945", "946", "947", "950", "951")

# The commune the registry lacks (see the module docstring); every value but the dates is the registry's
# or says where it is not.
PHUONG_9 = {"commune": "941-P9", "commune_name": "Phường 9", "commune_type": "ward", "district": "941",
            "successor_commune": "31522", "valid_to": "2024-11-30"}  # valid_to [U]
LAST_DAY = pd.Timestamp(REORGANISATION_DATE) - pd.Timedelta(days=1)

UNIT_COLUMNS = ["province", "province_name", "district", "district_name", "commune", "commune_name",
                "commune_type", "transaction_point", "valid_from", "valid_to", "successor_commune",
                "successor_commune_name", "successor_province", "successor_province_name", "successor_valid_from"]


def with_official_successors(communes: pd.DataFrame) -> pd.DataFrame:
    """``units`` rows (contract columns) for registry communes (rows of ``registry.old_communes()``),
    each ending on 30 June 2025 with its official default successor from 1 July 2025."""
    succ = registry.successors().set_index("commune")
    out = pd.DataFrame({
        "province": communes["province"].astype("str"), "province_name": communes["province_name"].astype("str"),
        "district": communes["district"].astype("str"), "district_name": communes["district_name"].astype("str"),
        "commune": communes["commune"].astype("str"), "commune_name": communes["commune_name"].astype("str"),
        "commune_type": communes["commune_type"].astype("str"),
    })
    out["transaction_point"] = ("DGD" + out["commune"]).astype("str")
    out["valid_from"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
    out["valid_to"] = pd.Series(LAST_DAY, index=out.index).astype("datetime64[us]")
    for column in ("new_commune", "new_commune_name", "new_province", "new_province_name"):
        out["successor_" + column.removeprefix("new_")] = out["commune"].map(succ[column]).astype("str")
    out["successor_valid_from"] = pd.Series(pd.Timestamp(REORGANISATION_DATE), index=out.index
                                            ).astype("datetime64[us]")
    return out[UNIT_COLUMNS].reset_index(drop=True)


def units_table() -> pd.DataFrame:
    """The ``units`` table of the data contract for Sóc Trăng: the registry's 108 communes and Phường 9
    (109 rows, in the registry's order with Phường 9 after Phường 1)."""
    communes = registry.old_communes()
    official = with_official_successors(communes[communes["province"] == PROVINCE_CODE])
    p9 = dict(PHUONG_9)
    heir = official.set_index("commune").loc[p9["successor_commune"]]
    row = {**{c: heir[c] for c in ("province", "province_name", "district_name")}, **p9}
    row.update(transaction_point="DGD" + p9["commune"], valid_from=pd.NaT,
               valid_to=pd.Timestamp(p9["valid_to"]), successor_commune_name=heir["commune_name"],
               successor_province=PROVINCE_CODE, successor_province_name=PROVINCE_NAME,
               successor_valid_from=pd.Timestamp(p9["valid_to"]) + pd.Timedelta(days=1))
    at = int(official.index[official["commune"] == p9["successor_commune"]][0]) + 1
    frame = pd.concat([official.iloc[:at], pd.DataFrame([row]), official.iloc[at:]], ignore_index=True)
    for column in ("valid_from", "valid_to", "successor_valid_from"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    for column in UNIT_COLUMNS:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("str")
    return frame[UNIT_COLUMNS]


def district_names() -> dict[str, str]:
    units = registry.old_districts()
    units = units[units["province"] == PROVINCE_CODE]
    return dict(zip(units["district"].astype(str), units["district_name"]))


def slug(text: str) -> str:
    """ASCII slug of a Vietnamese name: 'Kế Sách' -> 'ke-sach', 'Đại Tâm' -> 'dai-tam'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)
