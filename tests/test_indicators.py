"""Indicators on tiny hand-written tables; expected values worked out by hand in the comments."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data import indicators

EXACT = 1e-12  # closed-form sums and ratios


def _frame(rows):
    cols = ["group_id", "district", "association", "month", "borrowers", "outstanding", "overdue",
            "frozen", "loan_use_checks", "rating"]
    df = pd.DataFrame(rows, columns=cols)
    df["month"] = pd.to_datetime(df["month"])
    return df


# Two districts, three groups, Nov-Dec 2020 (+ one group in Jan 2021).
ROWS = [
    ("g1", "D1", "WU", "2020-11-01", 40, 900.0, 9.0, 0.0, 4, None),
    ("g1", "D1", "WU", "2020-12-01", 40, 1000.0, 0.0, 0.0, 6, "good"),
    ("g2", "D1", "FU", "2020-11-01", 10, 100.0, 50.0, 10.0, 0, None),
    ("g2", "D1", "FU", "2020-12-01", 10, 100.0, 20.0, 5.0, 2, "weak"),
    ("g3", "D2", "WU", "2020-12-01", 50, 500.0, 5.0, 0.0, 0, "fair"),
    ("g3", "D2", "WU", "2021-01-01", 50, 500.0, 0.0, 0.0, 30, None),
]


def test_overdue_ratio_is_value_weighted_not_mean_of_ratios():
    out = indicators.overdue_ratio(_frame(ROWS), freq="M")
    dec = out[out["period"] == pd.Period("2020-12", "M")].iloc[0]
    # (0 + 20 + 5) / (1000 + 100 + 500) = 25 / 1600 = 1.5625 %; mean of ratios would be 7.0 %
    assert dec["overdue_ratio"] == pytest.approx(1.5625, abs=EXACT)
    # (25 + 5 frozen) / 1600 = 1.875 %
    assert dec["overdue_frozen_ratio"] == pytest.approx(1.875, abs=EXACT)
    assert dec["groups"] == 3 and dec["borrowers"] == 100


def test_overdue_ratio_by_district_and_quarter_uses_closing_balances():
    out = indicators.overdue_ratio(_frame(ROWS), by=["district"], freq="Q")
    q4 = out[out["period"] == pd.Period("2020Q4", "Q")].set_index("district")
    # Q4 closes in December: D1 = 20 / 1100 = 1.81818..%, D2 = 5 / 500 = 1 %
    assert q4.loc["D1", "overdue_ratio"] == pytest.approx(100 * 20 / 1100, abs=EXACT)
    assert q4.loc["D2", "overdue_ratio"] == pytest.approx(1.0, abs=EXACT)
    q1 = out[out["period"] == pd.Period("2021Q1", "Q")]
    assert list(q1["district"]) == ["D2"] and q1["overdue_ratio"].iloc[0] == 0.0


def test_weak_share_by_year():
    out = indicators.weak_share(_frame(ROWS), freq="Y")
    row = out.iloc[0]
    assert (row["rated"], row["good"], row["fair"], row["weak"]) == (3, 1, 1, 1)
    assert row["weak_pct"] == pytest.approx(100 / 3, abs=EXACT)


def test_supervision_coverage_trailing_window_capped_at_borrowers():
    out = indicators.supervision_coverage(_frame(ROWS), by=["district"], freq="M", window=12)
    cov = out.set_index(["district", "period"])
    # D1 in Dec 2020: g1 checked 4 + 6 = 10 of 40, g2 0 + 2 = 2 of 10 -> 12 / 50 = 24 %
    assert cov.loc[("D1", pd.Period("2020-12", "M")), "coverage_pct"] == pytest.approx(24.0, abs=EXACT)
    # D2 in Jan 2021: 30 checks of 50 borrowers -> 60 %
    assert cov.loc[("D2", pd.Period("2021-01", "M")), "coverage_pct"] == pytest.approx(60.0, abs=EXACT)


def test_supervision_window_drops_old_checks():
    rows = [("g", "D", "WU", f"2020-{m:02d}-01", 10, 100.0, 0.0, 0.0, 1 if m == 1 else 0, None)
            for m in range(1, 13)]
    rows.append(("g", "D", "WU", "2021-01-01", 10, 100.0, 0.0, 0.0, 0, None))
    out = indicators.supervision_coverage(_frame(rows), freq="M", window=12).set_index("period")
    assert out.loc[pd.Period("2020-12", "M"), "coverage_pct"] == pytest.approx(10.0)  # Jan check within 12 m
    assert out.loc[pd.Period("2021-01", "M"), "coverage_pct"] == pytest.approx(0.0)  # Jan 2020 dropped


def test_meeting_compliance_against_the_schedule():
    units = pd.DataFrame({"province": ["94"] * 2, "district": ["D1", "D1"], "commune": ["C1", "C2"]})
    briefings = pd.DataFrame({
        "level": ["commune", "commune", "commune", "district", "district"],
        "unit": ["C1", "C1", "C2", "D1", "D1"],
        "association": ["WU"] * 5,
        "date": pd.to_datetime(["2020-01-10", "2020-01-25", "2020-03-10", "2020-02-10", "2020-03-05"]),
    })
    com = indicators.meeting_compliance(briefings, units, level="commune", freq="Y", start="2020-01", end="2020-03")
    # 2 communes x 1 association x 3 months = 6 slots; held: C1 Jan (twice, counts once), C2 Mar = 2
    assert com["scheduled"].iloc[0] == 6 and com["held"].iloc[0] == 2
    assert com["compliance_pct"].iloc[0] == pytest.approx(100 * 2 / 6)
    dis = indicators.meeting_compliance(briefings, units, level="district", freq="Y", start="2020-01", end="2020-04")
    # two-month slots Jan-Feb and Mar-Apr: both met
    assert dis["scheduled"].iloc[0] == 2 and dis["compliance_pct"].iloc[0] == 100.0


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError, match="freq"):
        indicators.overdue_ratio(_frame(ROWS), freq="W")


def test_province_ratio_on_the_sample_matches_the_calibration(small_panel):
    wu = small_panel[small_panel["association"] == "WU"]
    out = indicators.overdue_ratio(wu, freq="Y").set_index("period")
    assert out.loc[pd.Period("2016", "Y"), "overdue_ratio"] == pytest.approx(3.6, abs=0.15)


def test_meeting_compliance_ignores_slots_still_open_at_the_end():
    units = pd.DataFrame({"province": ["94"], "district": ["D1"], "commune": ["C1"]})
    briefings = pd.DataFrame({"level": ["district"], "unit": ["D1"], "association": ["WU"],
                              "date": pd.to_datetime(["2021-02-10"])})
    out = indicators.meeting_compliance(briefings, units, level="district", freq="Y", start="2021-01", end="2021-05")
    # slots Jan-Feb and Mar-Apr are due; May-Jun is still open in May
    assert out["scheduled"].iloc[0] == 2 and out["held"].iloc[0] == 1
