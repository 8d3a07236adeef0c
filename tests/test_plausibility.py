"""Plausibility checks on hand-made group-months: each signal fires on its case and not on clean data."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data import plausibility, schema


def panel(**changes) -> dict[str, pd.DataFrame]:
    """Two communes, two groups each, December 2019 to March 2020; 40 borrowers, 800 million VND."""
    months = pd.date_range("2019-12-01", "2020-03-01", freq="MS")
    rows = [(g, m, 40, 800.0, 0.0, "good" if m.month == 12 else None) for g in ("01", "02", "03", "04") for m in months]
    gm = pd.DataFrame(rows, columns=["group_id", "month", "borrowers", "outstanding", "overdue", "rating"])
    groups = pd.DataFrame({"group_id": ["01", "02", "03", "04"], "commune": ["A", "A", "B", "B"]})
    for where, column, value in changes.get("edits", []):
        gm.loc[where(gm), column] = value
    if "drop" in changes:
        gm = gm[~changes["drop"](gm)].reset_index(drop=True)
    return {"group_months": gm, "groups": groups}


def rules(tables) -> set[tuple[str, str]]:
    return {(i.severity, i.rule) for i in plausibility.check(tables)}


def test_clean_panel_has_no_signal():
    assert rules(panel()) == set()


CASES = [
    ("money in đồng", {"edits": [(lambda g: g.index >= 0, "outstanding", 800e6)]}, [("error", "money_unit")]),
    ("money in thousand đồng", {"edits": [(lambda g: g.index >= 0, "outstanding", 800e3)]}, [("error", "money_unit")]),
    ("1,000 million VND per borrower", {"edits": [(lambda g: g.index >= 0, "outstanding", 40e3)]},
     [("warning", "money_unit")]),
    ("one group-month in đồng", {"edits": [(lambda g: g.index == 5, "outstanding", 800e6)]},
     [("error", "money_unit"), ("warning", "balance_jump")]),
    ("a balance jump", {"edits": [(lambda g: (g.group_id == "01") & (g.month == "2020-02-01"), "outstanding", 8000.0)]},
     [("warning", "balance_jump")]),
    ("a commune missing a month", {"drop": lambda g: g.group_id.isin(["03", "04"]) & (g.month == "2020-01-01")},
     [("warning", "commune_month_missing")]),
    ("a commune total typed as a group", {"edits": [(lambda g: g.index == 2, "borrowers", 400)]},
     [("warning", "group_size")]),
    ("a rating in March", {"edits": [(lambda g: g.index == 3, "rating", "weak")]}, [("warning", "rating_month")]),
]


@pytest.mark.parametrize("case, changes, expected", CASES, ids=[c[0] for c in CASES])
def test_each_signal(case, changes, expected):
    assert rules(panel(**changes)) == set(expected)


def test_unit_is_suggested():
    assert plausibility.suggest_money_factor(19e6) == 1e-6
    assert plausibility.suggest_money_factor(19e3) == 1e-3
    assert plausibility.suggest_money_factor(0.019) == 1e3
    assert plausibility.suggest_money_factor(19.0) is None
    issue = plausibility.check(panel(edits=[(lambda g: g.index >= 0, "outstanding", 800e6)]))[0]
    assert "đồng" in issue.message and "1e-06" in issue.message


def test_validate_reports_them_after_the_contract_rules(small_sample):
    tables = dict(small_sample.tables)
    tables["group_months"] = tables["group_months"].assign(
        outstanding=lambda g: g["outstanding"] * 1e6, overdue=lambda g: g["overdue"] * 1e6,
        frozen=lambda g: g["frozen"] * 1e6)
    report = schema.validate(tables)
    assert [i.rule for i in report.errors] == ["money_unit"], report.to_text()
    assert "look like they are in đồng" in report.to_text()


def test_commune_gap_names_the_commune_and_its_missing_months():
    months = pd.to_datetime(["2020-01-01", "2020-02-01"])
    tables = panel(drop=lambda g: g.group_id.isin(["03", "04"]) & g.month.isin(months))
    [issue] = [i for i in plausibility.check(tables) if i.rule == "commune_month_missing"]
    assert "1 commune(s)" in issue.message and "B (2020-01, 2020-02)" in issue.message and "A (" not in issue.message
