"""Turn the analysis frame (``analysis.data.panel.build``) into the inputs of the policy designs.

- ``reform_panel``: one row per group and period (month or quarter) with an integer ``period``, the
  adoption ``cohort`` from the ``reforms`` table (0 = never treated) and the district as cluster.
  Groups are the units and count equally (the truth's reform ATT is defined that way).
- ``monthly_series``: the value-weighted overdue ratio (sum overdue / sum outstanding) by month for
  the province, each district or each association, with the outstanding balance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .results import PolicyError

LEVELS = ("province", "district", "association")
FREQS = {"month": "M", "quarter": "Q"}


def period_index(months: pd.Series | pd.DatetimeIndex, freq: str = "month") -> np.ndarray:
    """Consecutive integer periods (months or quarters since 1970) for month-start dates."""
    if freq not in FREQS:
        raise PolicyError(f"freq must be one of {tuple(FREQS)}, got {freq!r}")
    stamp = pd.DatetimeIndex(pd.to_datetime(months))
    if freq == "month":
        return ((stamp.year - 1970) * 12 + stamp.month - 1).to_numpy(dtype=np.int64)
    return ((stamp.year - 1970) * 4 + (stamp.month - 1) // 3).to_numpy(dtype=np.int64)


def period_label(period: int, freq: str = "month") -> str:
    """'2017-07' for a month index, '2017Q3' for a quarter index."""
    if freq == "month":
        return f"{1970 + period // 12}-{period % 12 + 1:02d}"
    return f"{1970 + period // 4}Q{period % 4 + 1}"


def reform_panel(panel: pd.DataFrame, reforms: pd.DataFrame, *, reform: str | None = None,
                 outcome: str = "overdue_share", scale: float = 100.0, freq: str = "month") -> pd.DataFrame:
    """Group-period panel for staggered DiD: columns group_id, district, period, month, cohort, y.

    ``y`` is ``scale * outcome`` (default: the overdue share in percentage points), averaged over the
    months of a quarter when ``freq="quarter"``. ``cohort`` is the period containing the district's
    adoption date (0 = never adopted). Raises ``PolicyError`` when a reform district is missing from
    the panel, an adoption date lies outside the panel's months, or several reforms are present and
    ``reform`` is not given. The inputs are not modified.
    """
    for col in ("group_id", "district", "month", outcome):
        if col not in panel.columns:
            raise PolicyError(f"panel lacks column {col!r} (build it with analysis.data.panel.build)")
    chosen = _one_reform(reforms, reform)
    first, last = panel["month"].min(), panel["month"].max()
    missing = sorted(set(chosen["unit"].astype(str)) - set(panel["district"].astype(str).unique()))
    if missing:
        raise PolicyError(f"reform district(s) {missing} not in the panel; districts in the panel: "
                          f"{sorted(panel['district'].astype(str).unique())}")
    adopted = pd.to_datetime(chosen["adopted_on"]).dt.to_period("M").dt.to_timestamp()
    outside = chosen.loc[(adopted < first) | (adopted > last), ["unit", "adopted_on"]]
    if not outside.empty:
        raise PolicyError(f"adoption date(s) outside the data ({first:%Y-%m} to {last:%Y-%m}): "
                          f"{outside.to_dict('records')}")
    adopt_period = dict(zip(chosen["unit"].astype(str), period_index(adopted, freq)))
    df = panel[["group_id", "district", "month", outcome]].assign(
        period=period_index(panel["month"], freq), y=panel[outcome].to_numpy(dtype=float) * scale)
    if freq == "quarter":
        df = (df.groupby(["group_id", "district", "period"], as_index=False, observed=True)
              .agg(month=("month", "min"), y=("y", "mean")))
    codes, names = pd.factorize(df["district"].astype(str), use_na_sentinel=False)  # a lookup per district, not row
    df["cohort"] = np.array([adopt_period.get(name, 0) for name in names], dtype=np.int64)[codes]
    return df[["group_id", "district", "period", "month", "cohort", "y"]].reset_index(drop=True)


def monthly_series(panel: pd.DataFrame, *, level: str = "province") -> pd.DataFrame:
    """Monthly overdue ratio sum(overdue)/sum(outstanding) with columns unit, month, overdue,
    outstanding, ratio_pp (percent). ``level``: "province", "district" or "association"."""
    if level not in LEVELS:
        raise PolicyError(f"level must be one of {LEVELS}, got {level!r}")
    key = [] if level == "province" else [level]
    out = (panel.groupby([*key, "month"], observed=True, as_index=False)[["overdue", "outstanding"]].sum())
    out["unit"] = "province" if level == "province" else out[level].astype(str)
    out["ratio_pp"] = 100 * out["overdue"] / out["outstanding"]
    return out[["unit", "month", "overdue", "outstanding", "ratio_pp"]].sort_values(["unit", "month"],
                                                                                      ignore_index=True)


def _one_reform(reforms: pd.DataFrame, reform: str | None) -> pd.DataFrame:
    if reforms.empty:
        raise PolicyError("the reforms table is empty: no treated districts")
    names = reforms["reform"].astype(str).unique()
    if reform is None:
        if len(names) > 1:
            raise PolicyError(f"several reforms in the table; choose one with reform=: {list(names)}")
        return reforms
    chosen = reforms.loc[reforms["reform"].astype(str) == reform]
    if chosen.empty:
        raise PolicyError(f"reform {reform!r} not in the table; reforms: {list(names)}")
    return chosen
