"""GSO codes for exports that carry the bank's own unit codes: suggested by name, applied when confirmed.

``import`` matches each commune of the units table whose code is not an official GSO code to the
registry (``analysis.data.registry.find_commune``: province, district and commune names, tolerant of
type prefixes, tone placement, missing accents and the registry's aliases) and writes the suggestions
to the mapping file under ``gso_codes``, each with ``confirm: false``. Nothing is rewritten until the
user sets ``confirm: true`` on the ones that are right and reruns with ``--mapping``: then the confirmed
communes take their GSO codes in every table (units, groups, briefings), and so do their districts and
provinces where every confirmed commune of the district agrees.
"""

from __future__ import annotations

import pandas as pd

from analysis.data import registry

NOT_FOUND, AMBIGUOUS = "none", "ambiguous"


def needs_codes(units: pd.DataFrame) -> bool:
    """Whether the units carry codes other than the official GSO ones (most communes not in the registry)."""
    if units is None or "commune" not in units or not len(units):
        return False
    official = set(registry.old_communes(islands=True)["commune"].astype(str))
    return float(units["commune"].astype(str).isin(official).mean()) < 0.5


def suggest(units: pd.DataFrame) -> list[dict]:
    """One suggestion per commune of ``units``: its code and names, the matched GSO commune (or none),
    how it matched and ``confirm: false``."""
    out = []
    for row in units.drop_duplicates("commune").itertuples(index=False):
        get = row._asdict().get
        found = registry.find_commune(get("commune_name"), district_name=get("district_name"),
                                      province_name=get("province_name"))
        item = {"code": str(get("commune")), "name": _text(get("commune_name")),
                "district_name": _text(get("district_name")), "province_name": _text(get("province_name"))}
        if len(found) == 1:
            hit = found.iloc[0]
            item.update(gso=str(hit["commune"]), gso_name=str(hit["commune_name"]), gso_district=str(hit["district"]),
                        gso_province=str(hit["province"]), match=str(hit["match"]))
        else:
            item.update(gso=None, gso_name=None, gso_district=None, gso_province=None,
                        match=AMBIGUOUS if len(found) else NOT_FOUND)
        item["confirm"] = False
        out.append(item)
    return out


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def apply(tables: dict[str, pd.DataFrame], entries: list[dict]) -> tuple[dict[str, pd.DataFrame], str]:
    """The tables with the confirmed communes (and their districts and provinces) on GSO codes; a note."""
    confirmed = [e for e in entries if e.get("confirm") and e.get("gso")]
    if not confirmed:
        return tables, ""
    communes = {str(e["code"]): str(e["gso"]) for e in confirmed}
    units = tables.get("units")
    districts, provinces = {}, {}
    if units is not None:
        pairs = units.assign(_gso=units["commune"].astype(str).map(communes)).dropna(subset=["_gso"])
        gso_district = {str(e["gso"]): str(e["gso_district"]) for e in confirmed}
        gso_province = {str(e["gso"]): str(e["gso_province"]) for e in confirmed}
        districts = _agreeing(pairs["district"].astype(str), pairs["_gso"].map(gso_district))
        provinces = _agreeing(pairs["province"].astype(str), pairs["_gso"].map(gso_province))
    out = dict(tables)
    recode = {"units": {"commune": communes, "district": districts, "province": provinces},
              "groups": {"commune": communes}, "reforms": {"unit": districts}}
    for table, columns in recode.items():
        if table in out:
            out[table] = _recode(out[table], columns)
    if "briefings" in out:
        b = out["briefings"].copy()
        b.attrs = dict(out["briefings"].attrs)
        for level, mapping in (("commune", communes), ("district", districts), ("province", provinces)):
            at = b["level"].astype(str) == level
            b.loc[at, "unit"] = b.loc[at, "unit"].astype(str).replace(mapping)
        out["briefings"] = b
    note = (f"GSO codes: {len(communes)} commune(s), {len(districts)} district(s) and {len(provinces)} province(s) "
            f"recoded as confirmed in the mapping (gso_codes)")
    return out, note


def _agreeing(own: pd.Series, gso: pd.Series) -> dict[str, str]:
    """Own code -> GSO code where all confirmed communes under the own code agree on one GSO code."""
    pairs = pd.DataFrame({"own": own.to_numpy(), "gso": gso.to_numpy()}).dropna().drop_duplicates()
    single = pairs.groupby("own")["gso"].nunique() == 1
    return dict(pairs[pairs["own"].isin(single[single].index)].drop_duplicates("own").itertuples(index=False))


def _recode(frame: pd.DataFrame, columns: dict[str, dict[str, str]]) -> pd.DataFrame:
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    for column, mapping in columns.items():
        if column in out and mapping:
            out[column] = out[column].astype(str).replace(mapping).astype(frame[column].dtype)
    return out


def summary(entries: list[dict]) -> str:
    """One line for the import summary: how many communes matched and how to confirm them."""
    if not entries:
        return ""
    by = pd.Series([e.get("match") for e in entries]).value_counts()
    confirmed = sum(1 for e in entries if e.get("confirm"))
    parts = ", ".join(f"{int(n)} {how}" for how, n in by.items())
    return (f"GSO codes: the units carry the bank's own codes; {len(entries)} commune(s) matched to the official "
            f"registry by name ({parts}); {confirmed} confirmed. Check gso_codes in the mapping, set confirm: true "
            f"on the right ones and rerun with --mapping to use GSO codes (maps, the 2025 successors)")
