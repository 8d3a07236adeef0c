"""The results layer: computed once, keys checked, consistent with the indicators, private, typed."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from analysis import results as results_layer
from analysis.data import indicators, loading, panel, privacy
from analysis.results import prepare
from analysis.results.store import KeyError_, TableSpec, check_key, write_table
from analysis.words import district, findings

EXACT = 1e-9


def test_prepare_writes_every_declared_table_and_meta(small_shared_dir, small_shared):
    meta = json.loads((small_shared_dir / "meta.json").read_text())
    assert meta["synthetic"] is True and len(meta["districts"]) == 11
    assert set(meta["tables"]) == set(small_shared.store.names)
    assert set(small_shared.store.names) <= set(prepare.TABLES)
    assert isinstance(small_shared["ratio_province_m"]["period"].dtype, pd.PeriodDtype)
    assert isinstance(small_shared["ratio_district_y"]["period"].dtype, pd.PeriodDtype)
    assert small_shared.truth["synthetic"] is True
    assert "/" not in meta["data_name"]  # no machine path in what reports print


def test_every_shared_table_has_its_declared_key(small_shared):
    for name in small_shared.store.names:
        check_key(small_shared[name], prepare.TABLES[name].key, name=name)


def test_write_table_refuses_a_repeated_or_empty_key(tmp_path):
    frame = pd.DataFrame({"district": ["941", "941"], "period": ["2020", "2020"], "x": [1, 2]})
    with pytest.raises(KeyError_, match="repeated"):
        write_table(frame, tmp_path / "t.parquet", spec=TableSpec(("district", "period"), "Y"))
    with pytest.raises(KeyError_, match="empty key"):
        write_table(frame.assign(district=[None, "942"]), tmp_path / "t.parquet",
                    spec=TableSpec(("district", "period"), "Y"))
    assert not (tmp_path / "t.parquet").exists()


def test_unit_codes_are_read_back_as_text(small_shared):
    for name in ("ratio_district_m", "attention_groups", "mixed_district_effects", "district_summary"):
        assert small_shared[name]["district"].map(type).eq(str).all(), name


def test_shared_ratios_equal_the_indicators_recomputed(small_data_dir, small_shared):
    frame = panel.build(loading.load(small_data_dir))
    direct = indicators.overdue_ratio(frame, by=["district"], freq="Y")
    direct["district"] = direct["district"].astype(str)
    shared = small_shared["ratio_district_y"]
    merged = direct.merge(shared, on=["district", "period"], suffixes=("", "_shared"))
    assert len(merged) == len(direct)
    assert (merged["overdue_ratio"] - merged["overdue_ratio_shared"]).abs().max() < EXACT


def test_attention_reasons_are_boolean_columns_and_publishable(small_shared):
    table = small_shared["attention_groups"]
    privacy.assert_publishable(table)
    reasons = table[["overdue_5pct", "rated_weak", "no_meeting_3m"]]
    assert all(str(d) == "bool" for d in reasons.dtypes) and reasons.any(axis=1).all()
    assert (table.loc[table["overdue_5pct"], "overdue_ratio"].dropna() >= prepare.ATTENTION_OVERDUE_PCT).all()
    assert table.loc[table["suppressed"], "borrowers"].isna().all()


def test_shared_reads_a_given_folder(small_shared_dir):
    assert results_layer.shared("", small_shared_dir).directory == small_shared_dir


def test_district_results_rank_and_change_by_hand(small_shared):
    monthly = small_shared["ratio_district_m"]
    last = monthly["period"].max()
    latest = monthly[monthly["period"] == last].sort_values("overdue_ratio").reset_index(drop=True)
    d = small_shared.district("943")
    assert d.rank == int(latest.index[latest["district"] == "943"][0]) + 1 and d.n_districts == 11
    mine = monthly[monthly["district"] == "943"].set_index("period")["overdue_ratio"]
    assert d.change_12m == pytest.approx(mine[last] - mine[last - 12])
    with pytest.raises(ValueError, match=r"943 \(Huyện Kế Sách\)"):
        small_shared.district("999")


def test_kpi_table_reads_the_shared_numbers(small_shared):
    kpi = district.kpi_table(small_shared, "943", "en").set_index("Indicator")
    last = small_shared["ratio_district_m"].query("district == '943'").iloc[-1]
    assert kpi.loc["Overdue ratio (%)", "Huyện Kế Sách"] == pytest.approx(last["overdue_ratio"])
    assert kpi.loc["Borrowers", "Province"] == small_shared["ratio_province_m"]["borrowers"].iloc[-1]
    assert "Huyện Kế Sách" in district.headline(small_shared, "943", "en")


def test_headline_estimates_are_typed_and_match_their_tables(small_shared):
    row = small_shared["model_fe_poisson"].query("term == 'group_meetings'").iloc[0]
    assert small_shared.meetings.estimate == pytest.approx(row["estimate"])
    directive = small_shared.directive
    level = small_shared["policy_directive"].set_index("term").loc["level_change_pp"]
    assert directive.estimate == pytest.approx(level["estimate"]) and directive.mde == pytest.approx(level["mde"])
    assert directive.units == "pp" and directive.estimator == "directive_effect"
    reform = small_shared.reform
    assert reform.estimate == pytest.approx(small_shared["policy_reform"].iloc[0]["estimate"])
    assert reform.extras["n_assignments"] == 92400 and reform.extras["exact"]


def test_meetings_effect_converts_log_points_to_percent(small_shared):
    effect = findings.meetings_effect(small_shared)
    assert effect["pct"] == pytest.approx(100 * (math.exp(small_shared.meetings.estimate) - 1))
    assert effect["pct_low"] < effect["pct"] < effect["pct_high"]
    assert "cùng một tổ" in findings.meetings_sentence(small_shared, "vi")


def test_truth_rows_carry_the_generator_truth(small_shared):
    rows = {r["parameter"]: r for r in findings.truth_rows(small_shared)}
    truth = small_shared.truth["overdue_model"]
    assert rows["beta_meetings (FE Poisson)"]["truth"] == truth["beta_meetings"]
    assert rows["beta_meetings (FE Poisson)"]["covered"]
    # The pooled estimate is biased away from zero by leader capacity.
    assert rows["beta_meetings (pooled Poisson)"]["estimate"] < truth["beta_meetings"]
    assert any(k.startswith("Directive 40 level change") for k in rows)
