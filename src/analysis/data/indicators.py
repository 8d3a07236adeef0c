"""Credit-quality and activity indicators, by unit and period.

All ratios are value-weighted: sum of overdue over sum of outstanding, never a mean of group
ratios. Balances (outstanding, overdue, frozen, borrowers) are end-of-month stocks, so a quarter
or a year is represented by its last month (as in VBSP's end-of-period reporting), not by a sum.

Inputs are the analysis frame of :func:`analysis.data.panel.build` (group-months with district,
commune and association) and, for meeting compliance, the ``briefings`` and ``units`` tables.
``by`` names any of ``district``, ``commune``, ``association`` (plus ``district_name``/
``commune_name`` to carry names); an empty ``by`` gives the province.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis.data.contract import BRIEFING_INTERVAL_MONTHS

FREQS = {"M": "M", "Q": "Q", "Y": "Y"}


def _period(month: pd.Series, freq: str) -> pd.Series:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, got {freq!r}")
    return month.dt.to_period(FREQS[freq])


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
    rows = _end_of_period(frame, freq)
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
    frame = frame.sort_values(["group_id", "month"])
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


def _value_months_ago(group: pd.Series, month_index: pd.Series, cum: pd.Series, k: int) -> pd.Series:
    """For each row, the group's cumulative value at month index - k (latest row at or before)."""
    left = pd.DataFrame({"g": group.to_numpy(), "m": (month_index - k).to_numpy(), "pos": np.arange(len(group))})
    right = pd.DataFrame({"g": group.to_numpy(), "m": month_index.to_numpy(), "cum": cum.to_numpy()})
    left = left.sort_values("m")
    right = right.sort_values("m")
    merged = pd.merge_asof(left, right, on="m", by="g", direction="backward")
    merged = merged.sort_values("pos")
    return pd.Series(merged["cum"].fillna(0.0).to_numpy(), index=group.index)


def meeting_compliance(briefings: pd.DataFrame, units: pd.DataFrame, *, level: str = "commune",
                       by: Sequence[str] = (), freq: str = "Y", start: str, end: str) -> pd.DataFrame:
    """Share of scheduled giao ban slots in which a briefing was held (percent).

    The schedule (source article): province quarterly, district every 2 months, commune monthly.
    A slot (a quarter, a two-month block Jan-Feb, Mar-Apr, ..., or a month) counts as met when at
    least one briefing of that level was held for the unit and association within it. Units and
    associations are taken from ``units`` and the four association codes; slots from ``start`` to
    ``end`` (YYYY-MM, inclusive). ``by`` may hold ``district``, ``commune`` (commune level),
    ``association``. Returns ``*by, period, scheduled, held, compliance_pct``.
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
    unit_col = {"province": None, "district": "district", "commune": "commune"}[level]
    if unit_col is None:
        unit_frame = pd.DataFrame({"unit": units["province"].drop_duplicates().astype(str)})
    else:
        cols = ["district"] if level == "district" else ["district", "commune"]
        unit_frame = units[cols].drop_duplicates().assign(unit=lambda d: d[unit_col].astype(str))
    assocs = pd.DataFrame({"association": sorted(briefings["association"].dropna().unique())
                           if len(briefings) else ["WU", "FU", "VA", "YU"]})
    grid = unit_frame.merge(assocs, how="cross").merge(slots, how="cross")
    held = briefings[briefings["level"] == level].copy()
    held["slot"] = held["date"].dt.to_period("M").map(slot_of)
    held = held[["unit", "association", "slot"]].drop_duplicates().assign(held=1)
    grid = grid.merge(held, on=["unit", "association", "slot"], how="left")
    grid["held"] = grid["held"].fillna(0).astype(int)
    grid["period"] = grid["slot_end"].map(lambda p: p.asfreq(freq))
    out = grid.groupby([*by, "period"], observed=True).agg(
        scheduled=("held", "size"), held=("held", "sum")).reset_index()
    out["compliance_pct"] = 100 * out["held"] / out["scheduled"]
    return out
