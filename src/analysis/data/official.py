"""Users' data against the official registry of units (``analysis.data.registry``).

Two steps, both run by ``validate`` and by ``loading.load`` (so every analysis sees the same tables):

- :func:`fill_successors`: data that run past June 2025 without successor columns get each commune's
  official default successor (GSO codes only; a warning says how many communes were filled and how many
  of them are divided among several new communes). A user's own successor columns always win.
- :func:`check`: warnings, never errors, for codes in GSO form that the registry does not know (which may
  be communes merged between 2019 and 2024: the registry is a snapshot of mid-2025), a name that does
  not match its code, a commune or district under another parent than the registry's, and successors
  (of a commune, or of a group of a divided commune) that differ from the official map. Nothing is
  rewritten: the data stay as the user wrote them.

Data with the bank's own unit codes (not GSO) are left alone: the checks run when at least half of the
commune codes are official (``in_gso_codes``), and then on every code in GSO form.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.data import io, problems, registry
from analysis.data.contract import REORGANISATION_DATE

GSO_FORM = {"province": re.compile(r"\d{2}"), "district": re.compile(r"\d{3}"), "commune": re.compile(r"\d{5}")}
FIRST_NEW_MONTH = pd.Timestamp(REORGANISATION_DATE)
SUCCESSOR_COLUMNS = ("successor_commune", "successor_commune_name", "successor_province", "successor_province_name",
                     "successor_valid_from")


def isin(values: pd.Series, lookup) -> pd.Series:
    """``values.isin(lookup)`` for a text column against a long lookup (the registry's 10,000 codes): the
    same booleans, with the lookup made into one Arrow array (pandas' Arrow ``isin`` builds a scalar per
    lookup value, a fifth of a second per province's validation). Other columns: pandas' ``isin``."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return values.isin(lookup)
    items = lookup.tolist() if hasattr(lookup, "tolist") else list(lookup)
    kept = [v for v in items if isinstance(v, str) or v is None or v is pd.NA or (isinstance(v, float) and v != v)]
    if not kept:  # as pandas: only text (and missing values) can match a text column
        return pd.Series(False, index=values.index, name=values.name)
    column = pa.array(values.array)
    found = pc.is_in(column, value_set=pa.array(kept, type=column.type, from_pandas=True))
    return pd.Series(np.array(found, dtype=np.bool_), index=values.index, name=values.name)


def gso_form(codes: pd.Series, level: str) -> pd.Series:
    """Whether each code is written in GSO form for its level (2, 3 or 5 digits)."""
    return codes.astype("str").str.fullmatch(GSO_FORM[level].pattern).fillna(False).astype(bool)


def in_gso_codes(units: pd.DataFrame) -> bool:
    """Whether the units are coded in GSO codes: at least half of their commune codes are in the registry
    (five-digit codes of the bank's own numbering are not mistaken for wrong GSO codes)."""
    if units is None or "commune" not in units or not len(units):
        return False
    official = registry.old_communes(islands=True)["commune"].astype(str)
    return bool(isin(units["commune"].astype(str), official).mean() >= 0.5)


def _source(frame: pd.DataFrame, table: str) -> str:
    return frame.attrs.get("source", table)


def _flag(frame, mask, *, table, column, rule, message, values) -> list[problems.Issue]:
    mask = np.asarray(pd.Series(mask).fillna(False), dtype=bool)
    if not mask.any():
        return []
    at = np.flatnonzero(mask)
    return problems.issues_at(table=table, file=_source(frame, table), rows=io.row_numbers(frame)[at],
                              column=column, rule=rule, values=values(at), message=message, severity="warning")


# --- filling successors ---------------------------------------------------------------------------------

def runs_past_june_2025(tables: dict[str, pd.DataFrame]) -> bool:
    gm = tables.get("group_months")
    return gm is not None and "month" in gm and len(gm) > 0 and bool(gm["month"].max() >= FIRST_NEW_MONTH)


def fill_successors(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[problems.Issue]]:
    """``tables`` with the official default successors filled in ``units`` where the data run past June 2025
    and ``units`` gives none; the warning that says so. Returns the tables unchanged otherwise."""
    units = tables.get("units")
    if units is None or "commune" not in units or not runs_past_june_2025(tables):
        return tables, []
    if "successor_commune" in units and units["successor_commune"].notna().any():
        return tables, []  # the user's own map wins (checked against the official one by ``check``)
    official = registry.successors().set_index("commune")
    codes = units["commune"].astype("str")
    known = isin(codes, official.index).to_numpy()
    source = _source(units, "units")
    if not known.any():
        return tables, [problems.Issue(
            "warning", "units", source, None, "successor_commune", "successors_missing", None,
            "the data run past June 2025 but units give no successor communes and no commune code is an official "
            "GSO code, so the 2025 map cannot be filled: add successor_commune (and successor_province) to units, "
            "or write the registry's crosswalk (python -m analysis crosswalk) and join it")]
    out = units.copy()
    out.attrs = dict(units.attrs)
    for column, source_column in (("successor_commune", "new_commune"), ("successor_commune_name", "new_commune_name"),
                                  ("successor_province", "new_province"),
                                  ("successor_province_name", "new_province_name")):
        values = codes.map(official[source_column]).where(known)
        out[column] = values.astype("str")
    last_day = FIRST_NEW_MONTH - pd.Timedelta(days=1)
    valid_to = (pd.to_datetime(out["valid_to"]) if "valid_to" in out
                else pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]"))
    out["valid_to"] = valid_to.where(~known | valid_to.notna(), last_day).astype("datetime64[us]")
    out["successor_valid_from"] = pd.Series(np.where(known, FIRST_NEW_MONTH, pd.NaT), index=out.index
                                            ).astype("datetime64[us]")
    divided = set(registry.crosswalk().loc[lambda c: c["divided"], "commune"].astype(str))
    n_divided = int(isin(codes[known], divided).sum())
    n_left = int((~known).sum())
    left = f"; {n_left} commune code(s) not in the registry were left without a successor" if n_left else ""
    about = registry.about()
    issue = problems.Issue(
        "warning", "units", source, None, "successor_commune", "successors_filled", f"{int(known.sum())} communes",
        f"the data run past June 2025 without successor columns: the official default successors of "
        f"{int(known.sum())} communes were filled from the registry ({about['name']} {about['version']}); "
        f"{n_divided} of them are divided among several new communes, and their groups go to the official "
        f"default unless groups.successor_commune (or group_months.new_commune) names another{left}")
    return {**tables, "units": out}, [issue]


# --- checks -------------------------------------------------------------------------------------------

def check(tables: dict[str, pd.DataFrame]) -> list[problems.Issue]:
    """Warnings for codes, names, parents and successors that differ from the official registry."""
    units = tables.get("units")
    if units is None or "commune" not in units:
        return []
    is_gso = gso_form(units["commune"], "commune")
    if not in_gso_codes(units):
        return []  # the bank's own codes (even five-digit ones): nothing to compare
    out = _unit_checks(units, is_gso)
    out += _successor_checks(units, tables.get("groups"))
    return out


def _unit_checks(units: pd.DataFrame, is_gso: pd.Series) -> list[problems.Issue]:
    official = registry.old_communes(islands=True).set_index("commune")
    official.index = official.index.astype("str")
    codes = units["commune"].astype("str")
    known = isin(codes, official.index)
    out = _flag(units, is_gso & ~known, table="units", column="commune", rule="unknown_code",
                message="a commune code in GSO form that is not in the official registry of units just before "
                        "1 July 2025; it may be a commune merged between 2019 and 2024 (those codes left the "
                        "registry), in which case the data are right: give its successor_commune",
                values=lambda at: [f"{c} ({n})" for c, n in zip(codes.iloc[at], _col(units, "commune_name").iloc[at])])
    reg = official.reindex(codes.where(known))
    if "commune_name" in units:
        name = units["commune_name"].astype("str")
        same = np.array([registry.same_name(a, b) or registry.loose_key(a) == registry.loose_key(b)
                         for a, b in zip(name, reg["commune_name"])])
        out += _flag(units, known.to_numpy() & ~same, table="units", column="commune_name", rule="name_mismatch",
                     message="the commune name does not match its code in the official registry",
                     values=lambda at: [f"{c}: {n!r} (registry: {r})" for c, n, r in
                                        zip(codes.iloc[at], name.iloc[at], reg["commune_name"].iloc[at])])
    for level, parent in (("district", "district"), ("province", "province")):
        if level not in units:
            continue
        given = units[level].astype("str")
        wrong = known.to_numpy() & (given.to_numpy() != reg[parent].astype("str").to_numpy())
        out += _flag(units, wrong, table="units", column=level, rule="wrong_parent",
                     message=f"the commune is under another {level} than in the official registry",
                     values=lambda at, g=given, p=parent: [
                         f"commune {c} under {level} {v} (registry: {r} {n})" for c, v, r, n in
                         zip(codes.iloc[at], g.iloc[at], reg[p].iloc[at], reg[f"{p}_name"].iloc[at])])
    if "district" in units:
        districts = registry.old_districts().set_index("district")
        districts.index = districts.index.astype("str")
        d = units["district"].astype("str")
        d_gso = gso_form(d, "district") & ~known
        out += _flag(units, d_gso & ~isin(d, districts.index), table="units", column="district", rule="unknown_code",
                     message="a district code in GSO form that is not in the official registry (696 districts "
                             "just before 1 July 2025)",
                     values=lambda at: d.iloc[at].tolist())
    return out


def _col(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("str") if column in frame else pd.Series("", index=frame.index)


def _successor_checks(units: pd.DataFrame, groups: pd.DataFrame | None) -> list[problems.Issue]:
    """A successor the user gives (their own columns win) that is not one of the commune's official
    successors: one warning per row, naming the commune and both successors (codes and names)."""
    cw = registry.crosswalk()
    pairs = set(zip(cw["commune"].astype(str), cw["new_commune"].astype(str)))
    default = registry.successors().set_index("commune")
    default.index = default.index.astype("str")
    names = registry.new_communes().set_index("new_commune")["new_commune_name"]
    names.index = names.index.astype("str")
    out = []
    if "successor_commune" in units and units["successor_commune"].notna().any():
        codes, succ = units["commune"].astype("str"), units["successor_commune"].astype("str")
        judged = isin(codes, default.index) & succ.notna() & gso_form(succ, "commune")
        final = ~isin(succ, units["commune"].astype("str")) | (succ == codes)  # not an earlier merger's hop
        differs = judged & final & ~pd.Series([(c, s) in pairs for c, s in zip(codes, succ)], index=units.index)
        given_names = _col(units, "successor_commune_name")
        out += _flag(units, differs, table="units", column="successor_commune", rule="successor_official",
                     message="the successor differs from the official 2025 map; yours is used",
                     values=lambda at: [_pair_text(c, n, s, g, default, names) for c, n, s, g in
                                        zip(codes.iloc[at], _col(units, "commune_name").iloc[at], succ.iloc[at],
                                            given_names.iloc[at])])
    if groups is not None and "successor_commune" in groups and groups["successor_commune"].notna().any():
        codes, succ = groups["commune"].astype("str"), groups["successor_commune"].astype("str")
        judged = isin(codes, default.index) & succ.notna()
        differs = judged & ~pd.Series([(c, s) in pairs for c, s in zip(codes, succ)], index=groups.index)
        out += _flag(groups, differs, table="groups", column="successor_commune", rule="successor_official",
                     message="the group's new commune is not one of its commune's official successors; yours is used",
                     values=lambda at: [_pair_text(c, "", s, "", default, names) for c, s in
                                        zip(codes.iloc[at], succ.iloc[at])])
    return out


def _pair_text(commune, name, succ, succ_name, default, names) -> str:
    official = default.loc[commune] if commune in default.index else None
    theirs = f"{succ} {succ_name or names.get(succ, '')}".strip()
    mine = f"{official['new_commune']} {official['new_commune_name']}" if official is not None else "?"
    return f"{commune} {name}: yours {theirs}, official {mine}".replace("  ", " ")
