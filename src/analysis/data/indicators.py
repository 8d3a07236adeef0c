"""Credit-quality and activity indicators, by unit and period.

All ratios are value-weighted: sum of overdue over sum of outstanding, never a mean of group
ratios. Balances (outstanding, overdue, frozen, borrowers) are end-of-month stocks, so a quarter
or a year is represented by its last month (as in VBSP's end-of-period reporting), not by a sum.

Inputs are the analysis frame of :func:`analysis.data.panel.build` (group-months with district,
commune and association) and, for meeting compliance, the ``briefings`` and ``units`` tables.
``by`` names any of ``district``, ``commune``, ``association`` (plus ``district_name``/
``commune_name`` to carry names), or the units of the effective-dated hierarchy
(``analysis.data.hierarchy``: ``province``, ``new_province``, ``province_in_force``, ...); an
empty ``by`` gives all the data together.

Across the July 2025 reorganisation, ``series`` computes a measure by the units of one scheme:
the old district, province or commune (permanent) or the new province or commune (every group
mapped the same way in every month, so a series is comparable before and after 2025), or the units
in force (old until the switch, new after: a break at the switch by design).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.data import hierarchy
from analysis.data.contract import BRIEFING_INTERVAL_MONTHS

FREQS = {"M": "M", "Q": "Q", "Y": "Y"}


def _period(month: pd.Series, freq: str) -> pd.Series:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, got {freq!r}")
    codes, months = pd.factorize(month)  # each distinct month converted once (as ``month.dt.to_period``)
    periods = pd.DatetimeIndex(months).to_period(FREQS[freq]).array.take(codes, allow_fill=True)
    return pd.Series(periods, index=month.index, name=month.name)


def _only(frame: pd.DataFrame, by: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """The frame with only the ``by`` columns and those of ``columns`` it has: a measure copies rows
    of the frame, and the analysis frame's twenty text columns made that the cost of a measure."""
    return frame[list(dict.fromkeys([*by, *(c for c in columns if c in frame)]))]


def _end_of_period(frame: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Rows of the last month of each period (the period's closing balances)."""
    period = _period(frame["month"], freq)
    last = frame.groupby(period)["month"].transform("max")
    out = frame[frame["month"] == last].copy()
    out["period"] = period[frame["month"] == last]
    return out


def overdue_ratio(frame: pd.DataFrame, *, by: Sequence[str] = (), freq: str = "M") -> pd.DataFrame:
    """Overdue ratio and overdue-plus-frozen ratio (percent) by unit and period.

    Returns columns: ``*by, period, groups, borrowers, outstanding, overdue, frozen,
    overdue_ratio, overdue_frozen_ratio`` (ratios in percent).

    Example:
        >>> df = pd.DataFrame({"month": pd.to_datetime(["2020-12-01"] * 2), "group_id": ["a", "b"],
        ...                    "borrowers": [40, 10], "outstanding": [900.0, 100.0],
        ...                    "overdue": [0.0, 10.0], "frozen": [0.0, 0.0]})
        >>> float(overdue_ratio(df)["overdue_ratio"].iloc[0])
        1.0
    """
    rows = _end_of_period(_only(frame, by, ("month", "group_id", "borrowers", "outstanding", "overdue", "frozen")),
                          freq)
    if "frozen" not in rows:
        rows["frozen"] = 0.0
    keys = [*by, "period"]
    out = rows.groupby(keys, observed=True, sort=True).agg(
        groups=("group_id", "nunique"), borrowers=("borrowers", "sum"),
        outstanding=("outstanding", "sum"), overdue=("overdue", "sum"), frozen=("frozen", "sum"),
    ).reset_index()
    denom = out["outstanding"].where(out["outstanding"] > 0)
    out["overdue_ratio"] = 100 * out["overdue"] / denom
    out["overdue_frozen_ratio"] = 100 * (out["overdue"] + out["frozen"]) / denom
    return out


def weak_share(frame: pd.DataFrame, *, by: Sequence[str] = (), freq: str = "Y") -> pd.DataFrame:
    """Rating mix of rated groups (counts and percent weak) by unit and period.

    Uses the last rating of each group within the period. Returns ``*by, period, rated, good,
    fair, average, weak, weak_pct``.
    """
    frame = _only(frame, by, ("month", "group_id", "rating"))
    rated = frame[frame["rating"].notna()].copy()
    rated["period"] = _period(rated["month"], freq)
    rated = rated.sort_values("month").groupby([*by, "period", "group_id"], observed=True).tail(1)
    counts = pd.crosstab([rated[k] for k in [*by, "period"]], rated["rating"].astype("str"))
    for cls in ("good", "fair", "average", "weak"):
        if cls not in counts:
            counts[cls] = 0
    counts = counts[["good", "fair", "average", "weak"]]
    out = counts.assign(rated=counts.sum(axis=1)).reset_index()
    out.columns.name = None
    out["weak_pct"] = 100 * out["weak"] / out["rated"]
    return out[[*by, "period", "rated", "good", "fair", "average", "weak", "weak_pct"]]


def supervision_coverage(frame: pd.DataFrame, *, by: Sequence[str] = (), freq: str = "M",
                         window: int = 12) -> pd.DataFrame:
    """Share of borrowers whose loan use was checked in the last ``window`` months (percent).

    Per group and month: checks = loan-use checks over the trailing window, capped at the current
    borrowers (the data count checks, not distinct borrowers, so a borrower checked twice counts
    twice: the cap keeps coverage at most 100%). Aggregated as sum(capped checks) / sum(borrowers)
    at the end of each period. Returns ``*by, period, borrowers, checked, coverage_pct``.
    """
    frame = _only(frame, by, ("group_id", "month", "loan_use_checks", "borrowers")).sort_values(["group_id", "month"])
    idx = frame["month"].dt.year * 12 + frame["month"].dt.month
    checks = frame["loan_use_checks"].astype(float)
    # Trailing sum over calendar months (gaps in a group's months are respected).
    cum = checks.groupby(frame["group_id"]).cumsum()
    lagged = _value_months_ago(frame["group_id"], idx, cum, window)
    trailing = cum - lagged
    data = frame.assign(checked=np.minimum(trailing, frame["borrowers"]))
    rows = _end_of_period(data, freq)
    out = rows.groupby([*by, "period"], observed=True).agg(
        borrowers=("borrowers", "sum"), checked=("checked", "sum")).reset_index()
    out["coverage_pct"] = 100 * out["checked"] / out["borrowers"].where(out["borrowers"] > 0)
    return out


def _scheduled_units(units: pd.DataFrame, level: str) -> pd.DataFrame:
    """Units holding giao ban at ``level`` with their window (``from_month`` inclusive, ``until_month``
    exclusive; NaT = open): districts and old provinces until the reorganisation, successor provinces
    from it, communes throughout."""
    cm = hierarchy.commune_map(units)
    nat = pd.Series(pd.NaT, index=cm.index, dtype="datetime64[us]")
    if level == "commune":
        out = cm[["district", "commune"]].assign(unit=cm["commune"], from_month=nat, until_month=nat)
    elif level == "district":
        out = cm.assign(unit=cm["district"], from_month=nat, until_month=cm["switch_month"])
        out = out.groupby(["district", "unit"], as_index=False).agg(from_month=("from_month", "first"),
                                                                    until_month=("until_month", "min"))
    else:
        old = cm.assign(unit=cm["province"], from_month=nat, until_month=cm["switch_month"])
        new = cm[cm["switch_month"].notna()].assign(unit=cm["new_province"], from_month=cm["switch_month"],
                                                    until_month=nat)
        both = pd.concat([old, new], ignore_index=True)
        out = both.groupby(["unit", both["from_month"].isna()], as_index=False).agg(
            from_month=("from_month", "min"), until_month=("until_month", "min"))
    return out.drop_duplicates(["unit", "from_month"]).reset_index(drop=True)


def _value_months_ago(group: pd.Series, month_index: pd.Series, cum: pd.Series, k: int) -> pd.Series:
    """For each row, the group's cumulative value at month index - k (latest row at or before; 0 if none).

    One sorted key per row, group code x span + month (span wider than the months plus ``k``), and a
    binary search for month - k in it: ``pd.merge_asof(by=group, direction="backward")`` without sorting
    and joining text columns (tests/test_fast_paths.py checks the two agree)."""
    if len(group) == 0:
        return pd.Series(np.zeros(0), index=group.index)
    codes = pd.factorize(group)[0].astype(np.int64)
    m = month_index.to_numpy(dtype=np.int64)
    low = m.min()
    span = int(m.max() - low) + k + 1
    base = codes * span
    key = base + (m - low + k)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    pos = np.searchsorted(sorted_key, base + (m - low), side="right") - 1
    found = pos >= 0
    found[found] = sorted_key[pos[found]] >= base[found]  # the same group's row, not an earlier group's
    values = cum.to_numpy(dtype=float)[order]
    out = np.where(found, values[np.maximum(pos, 0)], 0.0)
    return pd.Series(np.nan_to_num(out, nan=0.0), index=group.index)


def unit_columns(scheme: str) -> list[str]:
    """The code and name columns of the analysis frame for a unit scheme of ``hierarchy.SCHEMES``:
    ``district`` (old, permanent), ``province`` (old), ``commune`` (old), ``new_province``,
    ``new_commune``, ``province_in_force``, ``commune_in_force``."""
    if scheme not in hierarchy.SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(hierarchy.SCHEMES)}, got {scheme!r}")
    return list(hierarchy.SCHEMES[scheme])


MEASURES = ("overdue_ratio", "weak_share", "supervision_coverage")  # functions of this module


def series(frame: pd.DataFrame, *, scheme: str, measure: str = "overdue_ratio", unit: str | None = None,
           freq: str = "M", by: Sequence[str] = ()) -> pd.DataFrame:
    """A measure by the units of one scheme, over every period of the frame (across 2025 too).

    Args:
        frame: the analysis frame (``panel.build``).
        scheme: a key of ``hierarchy.SCHEMES``. ``district``, ``province`` (old units), ``new_province``
            and ``new_commune`` map each group to one unit for all months, so a series runs on
            through July 2025 (a new province's months before it aggregate its predecessor communes);
            the ``*_in_force`` schemes use the units of each month (old, then new: a break at the switch).
        measure: ``overdue_ratio``, ``weak_share`` or ``supervision_coverage``.
        unit: one unit code of the scheme to keep (all units if None).
        freq, by: as the measure's function (``by`` after the unit columns, e.g. ``["association"]``).

    Returns the measure's table with the scheme's code and name columns first, plus ``scheme``.

    Example:
        >>> df = pd.DataFrame({"month": pd.to_datetime(["2025-06-01", "2025-07-01"]), "group_id": ["a", "a"],
        ...     "borrowers": [40, 40], "outstanding": [100.0, 100.0], "overdue": [1.0, 2.0], "frozen": [0.0, 0.0],
        ...     "new_province": ["92", "92"], "new_province_name": ["Cần Thơ", "Cần Thơ"]})
        >>> series(df, scheme="new_province")["overdue_ratio"].tolist()  # Cần Thơ's June and July
        [1.0, 2.0]
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    columns = unit_columns(scheme)
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"the frame has no {', '.join(missing)}: build it with analysis.data.panel.build")
    if unit is not None:
        frame = frame[frame[columns[0]] == str(unit)]
    out = globals()[measure](frame, by=[*columns, *by], freq=freq)
    return out.assign(scheme=scheme)


def meeting_compliance(briefings: pd.DataFrame, units: pd.DataFrame, *, level: str = "commune",
                       by: Sequence[str] = (), freq: str = "Y", start: str, end: str) -> pd.DataFrame:
    """Share of scheduled giao ban slots in which a briefing was held (percent).

    The schedule (source article): province quarterly, district every 2 months, commune monthly.
    A slot (a quarter, a two-month block Jan-Feb, Mar-Apr, ..., or a month) counts as met when at
    least one briefing of that level was held for the unit and association within it. Units and
    associations are taken from ``units`` and the four association codes; slots from ``start`` to
    ``end`` (YYYY-MM, inclusive). ``by`` may hold ``district``, ``commune`` (commune level),
    ``association``. Returns ``*by, period, scheduled, held, compliance_pct``.

    Where ``units`` maps communes to successors (the 2025 reorganisation, ``hierarchy``), district
    slots end before the switch (no district level after it) and province slots are those of the old
    provinces before it and of the successor provinces from it; commune points continue.
    """
    if level not in BRIEFING_INTERVAL_MONTHS:
        raise ValueError(f"level must be one of {sorted(BRIEFING_INTERVAL_MONTHS)}, got {level!r}")
    every = BRIEFING_INTERVAL_MONTHS[level]
    months = pd.period_range(start, end, freq="M")
    slot_of = lambda m: (m.year * 12 + m.month - 1) // every  # noqa: E731
    slots = pd.DataFrame({"slot": sorted({slot_of(m) for m in months})})
    slots["slot_end"] = [pd.Period(year=(s * every + every - 1) // 12, month=(s * every + every - 1) % 12 + 1, freq="M")
                         for s in slots["slot"]]
    slots = slots[slots["slot_end"] <= months[-1]]  # a slot still open at the end is not yet due
    slots = slots.assign(slot_month=[p.to_timestamp() for p in slots["slot_end"]],
                         period=pd.Series([p.asfreq(freq) for p in slots["slot_end"]], index=slots.index))
    unit_frame = _scheduled_units(units, level)
    assocs = pd.DataFrame({"association": sorted(briefings["association"].dropna().unique())
                           if len(briefings) else ["WU", "FU", "VA", "YU"]})
    grid = unit_frame.merge(assocs, how="cross").merge(slots, how="cross")
    slot_month = grid["slot_month"]
    grid = grid[(grid["from_month"].isna() | (slot_month >= grid["from_month"]))
                & (grid["until_month"].isna() | (slot_month < grid["until_month"]))]
    grid = grid.drop(columns=["from_month", "until_month", "slot_month"])
    held = briefings[(briefings["level"] == level) & briefings["date"].notna()].copy()
    held["slot"] = ((held["date"].dt.year * 12 + held["date"].dt.month - 1) // every).astype("int64")  # slot_of
    held = held[["unit", "association", "slot"]].drop_duplicates().assign(held=1)
    grid = grid.merge(held, on=["unit", "association", "slot"], how="left")
    grid["held"] = grid["held"].fillna(0).astype(int)
    out = grid.groupby([*by, "period"], observed=True).agg(
        scheduled=("held", "size"), held=("held", "sum")).reset_index()
    out["compliance_pct"] = 100 * out["held"] / out["scheduled"]
    return out
