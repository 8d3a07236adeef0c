"""Viet Nam's official administrative units before and after 1 July 2025, from their keeper's open data.

The source is the ``vietnamadminunits`` package (MIT; pinned in ``pyproject.toml``), whose data set
holds the GSO units just before the reorganisation (63 provinces, 696 districts, 10,035 communes;
five island districts have no commune), the units after it (34 provinces, 3,321 communes), their
centroids, and the commune-level map between them, in which 471 old communes are divided among
several new ones, each with a default successor (shared/domain.md 5.3). Nothing here is typed by
hand: every unit, code, name, centroid and successor is read from the package's files.

The package's own parser and converter are not used: they geocode divided communes over the
internet, which a bank office does not have. This module reads its SQLite data set and its
conversion table directly (read-only), once per process.

Tables (pandas, codes as strings, names as the registry writes them, e.g. ``Xã Hồ Đắc Kiện``):

- :func:`old_communes`: one row per commune before 2025 with its district and province, type,
  centroid (``lat``, ``lon``) and the district and province centroids;
- :func:`old_districts`, :func:`old_provinces`: the levels above (island districts included);
- :func:`new_communes`, :func:`new_provinces`: the units from 1 July 2025;
- :func:`crosswalk`: old commune -> new commune, one row per pair (``default`` marks the official
  successor of a divided commune; ``divided`` the communes with several successors);
- :func:`successors`: one row per old commune with its default successor.

Name matching (:func:`name_key`, :func:`loose_key`) tolerates type prefixes (Xã, Phường, TT,
Thị trấn, Huyện, Quận, TX, TP, Tỉnh) and the two placements of the tone mark (Hoà / Hòa).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import re
import sqlite3
import unicodedata
from pathlib import Path

import pandas as pd

PACKAGE = "vietnamadminunits"
LICENSE = "MIT"
HOME = "github.com/tranngocminhhieu/vietnamadminunits"
REORGANISATION_DATE = "2025-07-01"  # Resolution 202/2025/QH15 (domain.md 5.2)

# Commune-level types before and after 2025 -> the contract's commune_type.
COMMUNE_TYPES = {"Xã": "commune", "Phường": "ward", "Thị trấn": "townlet", "Đặc khu": "special_zone"}


class RegistryUnavailable(RuntimeError):
    """The registry package is not installed (``make env`` installs it)."""


# --- the package's files ------------------------------------------------------------------------------

def _data_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # located, not imported (its __init__ loads geopy)
    if spec is None or not spec.submodule_search_locations:
        raise RegistryUnavailable(f"the {PACKAGE} package is not installed; run `make env`")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def version() -> str:
    """The installed version of the registry package (recorded in every run's manifest)."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError as exc:
        raise RegistryUnavailable(f"the {PACKAGE} package is not installed; run `make env`") from exc


def about() -> dict:
    """Name, version, licence and home of the registry: what a manifest and a report cite."""
    return {"name": PACKAGE, "version": version(), "license": LICENSE, "home": HOME,
            "snapshot": "units just before 1 July 2025 and from 1 July 2025"}


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    folder = _data_dir()
    uri = f"file:{folder / 'dataset.db'}?mode=ro&immutable=1"
    with sqlite3.connect(uri, uri=True) as conn:
        old = pd.read_sql("SELECT * FROM admin_units_legacy", conn)
        new = pd.read_sql("SELECT * FROM admin_units", conn)
    with open(folder / "converter_2025.json", encoding="utf-8") as fh:
        converter = json.load(fh)
    return old, new, converter


# --- units before 1 July 2025 --------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _old_all() -> pd.DataFrame:
    old = _tables()[0]
    out = pd.DataFrame({
        "province": old["provinceCode"], "province_name": old["provinceShort"],
        "province_full_name": old["province"],
        "district": old["districtCode"], "district_name": old["district"],
        "district_short_name": old["districtShort"], "district_type": old["districtType"],
        "commune": old["wardCode"], "commune_name": old["ward"], "commune_short_name": old["wardShort"],
        "commune_type": old["wardType"].map(COMMUNE_TYPES),
        "lat": old["wardLat"], "lon": old["wardLon"],
        "district_lat": old["districtLat"], "district_lon": old["districtLon"],
        "province_lat": old["provinceLat"], "province_lon": old["provinceLon"],
        "aliases": old["wardAlias"],
        "_key": old["provinceKey"] + "_" + old["districtKey"] + "_" + old["wardKey"].fillna(""),
    })
    # The five island districts have no commune: the district is its own commune-level unit (it became a
    # special zone, đặc khu, on 1 July 2025). They carry the district's code, name and centroid.
    island = out["commune"].isna()
    out["island"] = island
    for own, district in (("commune", "district"), ("commune_name", "district_name"),
                          ("commune_short_name", "district_short_name"), ("lat", "district_lat"),
                          ("lon", "district_lon")):
        out.loc[island, own] = out.loc[island, district]
    out.loc[island, "commune_type"] = "island_district"
    for column in ("province", "district", "commune"):
        out[column] = out[column].astype("string")
    return out.sort_values(["province", "district", "commune"], na_position="first").reset_index(drop=True)


def old_communes(*, islands: bool = False) -> pd.DataFrame:
    """The 10,035 communes before 1 July 2025 (one row each), with their district and province; with
    ``islands``, also the five island districts without communes, each as its own commune-level unit
    (code and name of the district, ``commune_type`` 'island_district')."""
    out = _old_all()
    out = out if islands else out[~out["island"]]
    return out.drop(columns=["_key", "island"]).reset_index(drop=True)


def old_districts() -> pd.DataFrame:
    """The 696 districts before 1 July 2025 (the five island districts without communes included)."""
    cols = ["district", "district_name", "district_short_name", "district_type", "province", "province_name",
            "district_lat", "district_lon"]
    out = _old_all()[cols].drop_duplicates("district").rename(columns={"district_lat": "lat", "district_lon": "lon"})
    return out.reset_index(drop=True)


def old_provinces() -> pd.DataFrame:
    """The 63 provinces before 1 July 2025."""
    cols = ["province", "province_name", "province_full_name", "province_lat", "province_lon"]
    out = _old_all()[cols].drop_duplicates("province").rename(columns={"province_lat": "lat", "province_lon": "lon"})
    return out.reset_index(drop=True)


# --- units from 1 July 2025 ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _new_all() -> pd.DataFrame:
    new = _tables()[1]
    out = pd.DataFrame({
        "new_province": new["provinceCode"].astype("string"), "new_province_name": new["provinceShort"],
        "new_province_full_name": new["province"],
        "new_commune": new["wardCode"].astype("string"), "new_commune_name": new["ward"],
        "new_commune_short_name": new["wardShort"], "new_commune_type": new["wardType"].map(COMMUNE_TYPES),
        "lat": new["wardLat"], "lon": new["wardLon"], "area_km2": new["wardAreaKm2"],
        "province_lat": new["provinceLat"], "province_lon": new["provinceLon"],
        "_key": new["provinceKey"] + "|" + new["wardKey"],
    })
    return out.sort_values(["new_province", "new_commune"]).reset_index(drop=True)


def new_communes() -> pd.DataFrame:
    """The 3,321 commune-level units from 1 July 2025."""
    return _new_all().drop(columns="_key")


def new_provinces() -> pd.DataFrame:
    """The 34 provinces from 1 July 2025, each with the old provinces merged into it (``members``,
    comma-separated codes, from the commune map)."""
    cols = ["new_province", "new_province_name", "new_province_full_name", "province_lat", "province_lon"]
    out = _new_all()[cols].drop_duplicates("new_province").rename(columns={"province_lat": "lat",
                                                                           "province_lon": "lon"})
    members = successors().groupby("new_province")["province"].agg(lambda v: ",".join(sorted(set(v))))
    out["members"] = out["new_province"].map(members)
    return out.reset_index(drop=True)


# --- the map -------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _crosswalk() -> pd.DataFrame:
    converter = _tables()[2]
    rows = []
    for new_province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, olds in wards.items():
            rows += [(old_key, f"{new_province}|{new_ward}", True, False) for old_key in olds]
    for new_province, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in olds.items():
            rows += [(old_key, f"{new_province}|{p['newWardKey']}", bool(p["isDefaultNewWard"]), True)
                     for p in parts]
    pairs = pd.DataFrame(rows, columns=["_key", "_new_key", "default", "divided"])
    old = _old_all()[["_key", "commune", "commune_name", "district", "district_name",
                                       "province", "province_name"]]
    new = _new_all()[["_key", "new_commune", "new_commune_name", "new_province", "new_province_name"]]
    out = (pairs.merge(old, on="_key", how="inner", validate="many_to_one")
           .merge(new.rename(columns={"_key": "_new_key"}), on="_new_key", how="left", validate="many_to_one"))
    if out["new_commune"].isna().any():  # a broken package, not a user error
        raise RegistryUnavailable(f"{PACKAGE}: {int(out['new_commune'].isna().sum())} map rows name no new unit")
    cols = ["commune", "commune_name", "district", "district_name", "province", "province_name",
            "new_commune", "new_commune_name", "new_province", "new_province_name", "default", "divided"]
    return out[cols].sort_values(["commune", "default", "new_commune"], ascending=[True, False, True]
                                 ).reset_index(drop=True)


def crosswalk() -> pd.DataFrame:
    """Old commune -> new commune, one row per pair (10,602 pairs: the 10,035 communes and the five island
    districts): ``default`` is the official successor of the old unit (one each), ``divided`` marks the
    471 old communes split among several new ones."""
    return _crosswalk().copy()


def successors() -> pd.DataFrame:
    """One row per old commune: its default (official) successor commune and province."""
    cw = _crosswalk()
    return cw[cw["default"]].drop(columns="default").reset_index(drop=True)


def successor_province() -> dict[str, str]:
    """Old province code -> new province code (63 -> 34): where the old province's communes went."""
    pairs = successors()[["province", "new_province"]].drop_duplicates()
    return dict(zip(pairs["province"].astype(str), pairs["new_province"].astype(str)))


# --- name matching -------------------------------------------------------------------------------------

_PREFIX = re.compile(
    r"^(?:thành phố|thị xã|thị trấn|đặc khu|quận|huyện|phường|xã|tỉnh|tp\.?|tx\.?|tt\.?|p\.|x\.|q\.|h\.)\s*",
    re.IGNORECASE)
# Old and new placements of the tone mark on oa/oe/uy (Hoà / Hòa): both are written; one key for both.
_MARKS = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}  # grave, acute, hook, tilde, dot below


_ASCII_PREFIX = re.compile(r"^(?:thanh pho|thi xa|thi tran|dac khu|quan|huyen|phuong|xa|tinh)\s+")


def _tone_canonical(word: str) -> str:
    """Move a tone mark written on the first vowel of 'oa', 'oe', 'uy' at a syllable's end to the second
    ('hòa' -> 'hoà'), so that both spellings give one key."""
    decomposed = unicodedata.normalize("NFD", word)
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        pattern = re.compile(f"({first})([{''.join(_MARKS)}])({second})(?![a-z])")
        decomposed = pattern.sub(r"\1\3\2", decomposed)
    return unicodedata.normalize("NFC", decomposed)


def name_key(name: object) -> str:
    """A key for matching names: lower case, no type prefix, one tone placement, numbers without leading
    zeros, single spaces: 'Xã Thuận Hoà' and 'Thuận Hòa' both give 'thuận hoà', 'Phường 05' '5'."""
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    text = unicodedata.normalize("NFC", str(name)).strip().lower()
    text = re.sub(r"\s+", " ", text)
    previous = None
    while previous != text:
        previous, text = text, _PREFIX.sub("", text, count=1)
    text = re.sub(r"\b0+(\d)", r"\1", text)
    return " ".join(_tone_canonical(w) for w in text.split(" ")).strip()


def loose_key(name: object) -> str:
    """``name_key`` without diacritics or spaces ('Đại Tâm' -> 'daitam'): a fallback for exports typed
    without accents, used only where it is unique."""
    text = name_key(name).replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _ASCII_PREFIX.sub("", text.strip())  # 'Xa Phong Nam' typed without accents
    return re.sub(r"[^a-z0-9]", "", text)


def _ascii(name: object) -> str:
    """The name in lower-case ASCII letters and digits, prefix kept ('Phường 09' -> 'phuong9')."""
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    text = unicodedata.normalize("NFC", str(name)).lower().replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\b0+(\d)", r"\1", re.sub(r"[^a-z0-9 ]", "", text)).replace(" ", "")


def same_name(a: object, b: object) -> bool:
    """Whether two names denote the same unit name (prefixes and tone placement aside)."""
    return name_key(a) == name_key(b) and name_key(a) != ""


def find_commune(commune_name: object, *, district_name: object = None, province_name: object = None
                 ) -> pd.DataFrame:
    """The old communes whose name matches ``commune_name``, narrowed by the district and province names
    where given: exact keys first, then keys without accents, then the registry's aliases (which
    include communes merged away before 2025: the commune that absorbed them is returned). Column
    ``match`` says which: 'exact', 'no accents' or 'alias'."""
    units = _keyed()
    for column, value in (("province_name", province_name), ("district_name", district_name)):
        if value is not None and name_key(value):
            narrowed = units[units[f"{column}_key"] == name_key(value)]
            if narrowed.empty:
                narrowed = units[units[f"{column}_loose"] == loose_key(value)]
            units = narrowed
    exact = units[units["commune_name_key"] == name_key(commune_name)]
    if len(exact):
        return _found(exact, "exact")
    loose = units[units["commune_name_loose"] == loose_key(commune_name)]
    if len(loose):
        return _found(loose, "no accents")
    known = _aliases()
    spelled = {loose_key(commune_name), _ascii(commune_name)}  # the registry's aliases keep the prefix ('phuong9')
    codes = known.loc[known["alias"].isin(spelled), "commune"]
    return _found(units[units["commune"].isin(codes)], "alias")


@functools.lru_cache(maxsize=1)
def _keyed() -> pd.DataFrame:
    """The old communes with their names' matching keys, computed once."""
    units = old_communes()
    for column in ("province_name", "district_name", "commune_name"):
        units[f"{column}_key"] = units[column].map(name_key)
        units[f"{column}_loose"] = units[column].map(loose_key)
    return units


def _found(rows: pd.DataFrame, how: str) -> pd.DataFrame:
    keys = [c for c in rows.columns if c.endswith(("_key", "_loose"))]
    return rows.drop(columns=keys).assign(match=how).reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def _aliases() -> pd.DataFrame:
    return aliases()


def aliases(province: str | None = None) -> pd.DataFrame:
    """Other names the registry knows for a commune, as ASCII keys (``loose_key`` form): spelling
    variants ('giahoaii' for Xã Gia Hòa 2) and communes merged into it before 2025 (Phường 9 of TP Sóc
    Trăng, kept as 'phuong9' under Phường 1). Columns ``alias, commune, commune_name, district,
    province``. The merged communes' own codes are not in the registry."""
    units = old_communes()
    if province is not None:
        units = units[units["province"] == str(province)]
    units = units[units["aliases"].notna()]
    rows = [{"alias": alias, "commune": row.commune, "commune_name": row.commune_name, "district": row.district,
             "province": row.province}
            for row in units.itertuples(index=False) for alias in json.loads(row.aliases)]
    return pd.DataFrame(rows, columns=["alias", "commune", "commune_name", "district", "province"])
