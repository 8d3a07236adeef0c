"""The analysis frame: the group-month panel joined to groups, units and reforms.

Variables live at their own level in the contract tables; this is the one merge that puts them
side by side for estimation, and it does no manipulation beyond the derived columns listed in
:func:`build`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data import hierarchy
from analysis.data.contract import DIRECTIVE_40_MONTH, RATINGS

RATING_DTYPE = pd.CategoricalDtype(list(reversed(RATINGS)), ordered=True)  # weak < ... < good


def build(tables: dict[str, pd.DataFrame], *, reform: str | None = None) -> pd.DataFrame:
    """One row per group-month with outstanding > 0, ready for models and indicators.

    Units (``analysis.data.hierarchy``): the old units, permanent (``province``, ``district``,
    ``commune`` and their ``_name``s: the pre-2025 district is a permanent historical dimension); the
    post-2025 units each old commune maps to, the same in every month (``new_province``,
    ``new_commune`` and names; the old unit itself where ``units`` gives no successor), for series
    across 2025; and the units in force that month (``province_in_force``, ``commune_in_force`` and
    names: the old ones before the reorganisation, the new ones from the month containing the
    successor's first day), with ``after_reorganisation`` (0/1). Groups stay attached to their old
    commune throughout; a group of a divided commune goes to the new commune the data name for it
    (``hierarchy.group_successors``), otherwise to its commune's (default) successor.

    Derived columns: ``year``, ``overdue_share`` (overdue / outstanding), ``overdue_frozen_share``,
    ``check_share`` (loan_use_checks / borrowers), ``post_directive`` and
    ``months_since_directive`` (Directive 40 from 2014-11), and for the reform (the first one in
    ``reforms`` unless ``reform`` names another): ``reform_month`` (first treated month of the
    group's district; NaT if never), ``treated`` (0/1) and ``event_time`` (months since
    ``reform_month``; NaN if never). ``rating`` is an ordered categorical weak < average < fair < good.

    Example:
        >>> from analysis.data import synthetic
        >>> df = build(synthetic.generate(seed=1, scale=0.05, start="2017-01", end="2017-12").tables)
        >>> float(df["overdue_share"].between(0, 1).mean())
        1.0
    """
    gm = tables["group_months"]
    groups = tables["groups"][["group_id", "commune", "association"]]
    units = hierarchy.commune_map(tables["units"])
    placed = hierarchy.group_successors(tables["groups"], tables["units"], gm)
    lending = gm[gm["outstanding"] > 0]  # before the joins: they would copy the units' text columns of every row
    frame = lending.drop(columns=["new_commune"], errors="ignore").merge(groups, on="group_id", how="left",
                                                                         validate="many_to_one")
    frame = frame.merge(units, on="commune", how="left", validate="many_to_one")
    moved = placed[placed["placed"] == "data"].set_index("group_id")
    if len(moved):  # groups of divided communes go to the new commune the data name for them
        at = frame["group_id"].isin(moved.index)
        for column in ("new_commune", "new_commune_name", "new_province", "new_province_name"):
            frame.loc[at, column] = frame.loc[at, "group_id"].map(moved[column]).to_numpy()
    frame = hierarchy.add_in_force(frame)
    frame["year"] = frame["month"].dt.year.astype("int64")
    frame["overdue_share"] = (frame["overdue"] / frame["outstanding"]).clip(0, 1)
    frozen = frame["frozen"] if "frozen" in frame else 0.0
    frame["overdue_frozen_share"] = ((frame["overdue"] + frozen) / frame["outstanding"]).clip(0, 1)
    if "loan_use_checks" in frame:
        frame["check_share"] = (frame["loan_use_checks"] / frame["borrowers"].where(frame["borrowers"] > 0)).clip(0, 1)
    directive = pd.Period(DIRECTIVE_40_MONTH, "M")
    month_index = frame["month"].dt.year * 12 + frame["month"].dt.month - 1
    directive_index = directive.year * 12 + directive.month - 1
    frame["months_since_directive"] = (month_index - directive_index).astype("int64")
    frame["post_directive"] = (frame["months_since_directive"] >= 0).astype("int64")
    if "rating" in frame:
        frame["rating"] = frame["rating"].astype(RATING_DTYPE)
    _add_reform(frame, tables.get("reforms"), reform=reform, month_index=month_index)
    return frame


def _add_reform(frame, reforms, *, reform, month_index):
    frame["reform_month"] = pd.NaT
    frame["reform_month"] = frame["reform_month"].astype("datetime64[ns]")
    frame["treated"] = 0
    frame["event_time"] = np.nan
    if reforms is None or reforms.empty:
        return
    name = reform if reform is not None else reforms["reform"].iloc[0]
    chosen = reforms[reforms["reform"] == name]
    if chosen.empty:
        raise ValueError(f"reform {name!r} not in the reforms table; have {sorted(reforms['reform'].unique())}")
    start = chosen.set_index("unit")["adopted_on"].dt.to_period("M").dt.to_timestamp()
    frame["reform_month"] = frame["district"].map(start).astype("datetime64[ns]")
    rm = frame["reform_month"]
    event = month_index - (rm.dt.year * 12 + rm.dt.month - 1)
    frame["event_time"] = event.astype("float64")
    frame["treated"] = (frame["event_time"] >= 0).astype("int64")


def group_years(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per group and calendar year with the December rating and that year's observables.

    Columns: group_id, year, district, commune, association, rating (December), meetings_mean,
    check_cover (checks in the year / max borrowers, capped at 1), overdue_pct (mean monthly
    overdue share, percent), outstanding (December). Used for ordered-logit models of the rating.
    """
    frame = frame.assign(_over=frame["overdue_share"] * 100)
    agg = frame.groupby(["group_id", "year"], observed=True).agg(
        district=("district", "first"), commune=("commune", "first"), association=("association", "first"),
        meetings_mean=("group_meetings", "mean"), checks=("loan_use_checks", "sum"),
        max_borrowers=("borrowers", "max"), overdue_pct=("_over", "mean"))
    agg["check_cover"] = (agg["checks"] / agg["max_borrowers"].clip(lower=1)).clip(upper=1.0)
    dec = frame[frame["month"].dt.month == 12].set_index(["group_id", "year"])[["rating", "outstanding"]]
    out = agg.join(dec, how="inner").reset_index()
    return out.drop(columns=["checks", "max_borrowers"])
