"""Plausibility checks: numbers that satisfy the contract's types but are probably wrong.

Run by ``schema.validate`` after the contract rules and by ``python -m analysis import``. Most
are warnings (the data may be right); money in the wrong unit by a factor of a thousand or more is
an error, because a report on it would print nonsense ("3.826.318.983.000 triệu đồng").

- ``money_unit``: outstanding per borrower (median over group-months) outside
  ``PER_BORROWER_RANGE`` million VND: the money columns are probably in đồng, thousand đồng or
  billion đồng; the unit that brings it back into range is suggested (``suggest_money_factor``).
  Group-months or months whose money is a thousand times or more off the rest are errors too.
- ``balance_jump``: a group's outstanding multiplied or divided by ``JUMP_FACTOR`` or more from one
  month to the next.
- ``commune_month_missing``: a month in which no group of a commune reported, while the commune's
  groups reported before and after.
- ``group_size``: borrowers per group outside ``GROUP_SIZE_RANGE`` where a group has loans.
- ``rating_month``: a rating in a month other than December (ratings are given at year end).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.data import io, lookup, problems

PER_BORROWER_RANGE = (1.0, 500.0)  # million VND outstanding per borrower; VBSP household loans (issue 10)
IMPOSSIBLE_PER_BORROWER = (0.01, 5000.0)  # outside this the unit cannot be right: an error
UNIT_OFF = 300.0  # a month or group-month this many times off the median is in another unit
JUMP_FACTOR = 5.0  # month-to-month change of a group's outstanding (x5 or /5) worth a look
JUMP_MIN = 10.0  # million VND: balances below this on both sides are not checked for jumps
GROUP_SIZE_RANGE = (5, 100)  # borrowers per group with loans (issue 10; sources say 3-60 or 5-60 members)
RATING_MONTH = 12  # groups are rated at year end
MONEY = ("outstanding", "overdue", "frozen", "interest_arrears", "savings")
UNIT_NAMES = {1e-6: "đồng", 1e-3: "thousand đồng (nghìn đồng)", 1e3: "billion đồng (tỷ đồng)"}


def suggest_money_factor(per_borrower: float) -> float | None:
    """The factor (1e-6, 1e-3 or 1e3) that brings outstanding per borrower into
    ``PER_BORROWER_RANGE`` million VND, or None if it is in range or no factor does."""
    low, high = PER_BORROWER_RANGE
    if not np.isfinite(per_borrower) or low <= per_borrower <= high:
        return None
    return next((f for f in UNIT_NAMES if low <= per_borrower * f <= high), None)


def per_borrower(gm: pd.DataFrame) -> pd.Series:
    """Outstanding per borrower (million VND) of group-months with loans and borrowers."""
    ok = (gm["borrowers"] > 0) & (gm["outstanding"] > 0)
    return (gm["outstanding"][ok] / gm["borrowers"][ok]).astype("float64")


def check(tables: Mapping[str, pd.DataFrame]) -> list[problems.Issue]:
    """Every plausibility issue of canonical tables (only the checks whose columns are present)."""
    gm = tables.get("group_months")
    if gm is None or not {"group_id", "month"} <= set(gm.columns):
        return []
    out = []
    if {"borrowers", "outstanding"} <= set(gm.columns):
        out += money_unit_issues(gm)
        out += group_size_issues(gm)
    if "outstanding" in gm:
        out += jump_issues(gm)
    groups = tables.get("groups")
    if groups is not None and {"group_id", "commune"} <= set(groups.columns):
        out += commune_gap_issues(gm, groups)
    if "rating" in gm:
        out += rating_month_issues(gm)
    return out


def _source(gm: pd.DataFrame) -> str:
    return gm.attrs.get("source", "group_months")


def _rows(gm: pd.DataFrame) -> np.ndarray:
    return io.row_numbers(gm)


def money_unit_issues(gm: pd.DataFrame) -> list[problems.Issue]:
    values = per_borrower(gm)
    if values.empty:
        return []
    median = float(values.median())
    out = []
    low, high = PER_BORROWER_RANGE
    if not low <= median <= high:
        factor = suggest_money_factor(median)
        impossible = not IMPOSSIBLE_PER_BORROWER[0] <= median <= IMPOSSIBLE_PER_BORROWER[1]
        hint = (f"the money columns look like they are in {UNIT_NAMES[factor]}: multiply them by {factor:g} "
                f"(with `python -m analysis import`, set money_unit: {factor:g} in the mapping)"
                if factor else "check the unit of the money columns (million VND)")
        out.append(problems.Issue(
            "error" if impossible else "warning", "group_months", _source(gm), None, "outstanding", "money_unit",
            f"{median:,.6g}", f"outstanding per borrower is {median:,.6g} million VND (median of "
            f"{len(values):,} group-months), outside {low:g}-{high:g}; {hint}"))
        return out  # the whole table is off: the finer checks below would repeat it
    off = values[(values > median * UNIT_OFF) | (values < median / UNIT_OFF)]
    if len(off):
        positions = np.flatnonzero(gm.index.isin(off.index))
        out += problems.issues_at(
            table="group_months", file=_source(gm), rows=_rows(gm)[positions], column="outstanding",
            rule="money_unit", values=[f"{v:,.6g} per borrower" for v in off],
            message=f"outstanding per borrower is {UNIT_OFF:g} or more times off the median "
                    f"({median:,.3g} million VND): these rows look like another unit (đồng?)")
    totals = gm.groupby("month")["outstanding"].sum()
    if len(totals) >= 3:
        mid = float(totals.median())
        odd = totals[(totals > mid * UNIT_OFF) | (totals < mid / UNIT_OFF)] if mid > 0 else totals[:0]
        if len(odd):
            shown = ", ".join(f"{m:%Y-%m}" for m in odd.index[:5]) + (" ..." if len(odd) > 5 else "")
            out.append(problems.Issue(
                "error", "group_months", _source(gm), None, "outstanding", "money_unit", shown,
                f"total outstanding of {len(odd)} month(s) is {UNIT_OFF:g} or more times off the other months "
                f"(median {mid:,.6g} million VND): those months look like another unit"))
    return out


def group_size_issues(gm: pd.DataFrame) -> list[problems.Issue]:
    low, high = GROUP_SIZE_RANGE
    bad = (gm["outstanding"] > 0) & ((gm["borrowers"] < low) | (gm["borrowers"] > high))
    if not bad.any():
        return []
    positions = np.flatnonzero(bad.to_numpy())
    return problems.issues_at(table="group_months", file=_source(gm), rows=_rows(gm)[positions], column="borrowers",
                            rule="group_size", values=gm["borrowers"].iloc[positions], severity="warning",
                            message=f"borrowers per group outside {low}-{high} (a group has 5-60 members; "
                                    "is this a commune total or a typing slip?)")


def _month_index(month: pd.Series) -> np.ndarray:
    """Months as integers (months since 1970-01), without Python objects."""
    return month.to_numpy().astype("datetime64[M]").astype(np.int64)


def jump_issues(gm: pd.DataFrame) -> list[problems.Issue]:
    codes = pd.factorize(gm["group_id"])[0]  # integer codes: no 30-million-object string arrays to sort
    months = _month_index(gm["month"])
    order = np.lexsort((months, codes))
    gid = codes[order]
    month = months[order]
    value = gm["outstanding"].to_numpy(dtype="float64")[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (gid[1:] == gid[:-1]) & (month[1:] - month[:-1] == 1)
    prev = np.r_[np.nan, value[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(prev > 0, value / prev, np.inf)
    big = np.maximum(prev, value) >= JUMP_MIN
    jump = same & big & ((ratio >= JUMP_FACTOR) | (ratio <= 1 / JUMP_FACTOR))
    if not jump.any():
        return []
    positions = np.sort(order[jump])
    prev_by_pos = pd.Series(prev, index=order)
    return problems.issues_at(
        table="group_months", file=_source(gm), rows=_rows(gm)[positions], column="outstanding", rule="balance_jump",
        values=[f"{p:,.6g} -> {v:,.6g}" for p, v in zip(prev_by_pos.loc[positions], gm["outstanding"].iloc[positions])],
        severity="warning",
        message=f"the group's outstanding changed {JUMP_FACTOR:g}-fold or more from the month before")


def commune_gap_issues(gm: pd.DataFrame, groups: pd.DataFrame) -> list[problems.Issue]:
    groups = groups.drop_duplicates("group_id")
    at = lookup.positions(groups["group_id"], gm["group_id"])
    communes, commune_code = np.unique(groups["commune"].astype("str").to_numpy(), return_inverse=True)
    known = at >= 0
    code = commune_code[at[known]]
    period = _month_index(gm["month"])[known] + 1970 * 12
    gaps = []
    if len(period):
        span_months = int(period.max() - period.min()) + 1  # the (commune, month) pairs present, sorted, by counting
        present = np.flatnonzero(np.bincount(code.astype(np.int64) * span_months + (period - period.min())))
        c, p = present // span_months, present % span_months + period.min()
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        ends = np.r_[starts[1:], len(c)]
        span = p[ends - 1] - p[starts] + 1
        for k in np.flatnonzero(span > ends - starts):  # communes with a month missing inside their span
            have = p[starts[k]:ends[k]]
            missing = np.setdiff1d(np.arange(have[0], have[-1] + 1), have)
            months = [f"{m // 12}-{m % 12 + 1:02d}" for m in missing]
            gaps.append(f"{communes[c[starts[k]]]} ({', '.join(months[:3])}{' ...' if len(months) > 3 else ''})")
    if not gaps:
        return []
    shown = "; ".join(gaps[:5]) + (f"; and {len(gaps) - 5} more" if len(gaps) > 5 else "")
    return [problems.Issue("warning", "group_months", _source(gm), None, "month", "commune_month_missing",
                         None, f"{len(gaps)} commune(s) have a month in which none of their groups reported, "
                               f"with reports before and after (a file or sheet left out?): {shown}")]


def rating_month_issues(gm: pd.DataFrame) -> list[problems.Issue]:
    bad = gm["rating"].notna() & (gm["month"].dt.month != RATING_MONTH)
    if not bad.any():
        return []
    positions = np.flatnonzero(bad.to_numpy())
    return problems.issues_at(table="group_months", file=_source(gm), rows=_rows(gm)[positions], column="rating",
                            rule="rating_month", values=gm["month"].iloc[positions].dt.strftime("%Y-%m"),
                            severity="warning",
                            message="a rating outside December (groups are rated at year end; the models "
                                    "use year-end ratings)")
