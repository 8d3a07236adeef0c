"""Shared report inputs: computed once, consistent with the indicators, private, reloadable."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from analysis.words import district_report as dr
from analysis.words import findings
from analysis.data import indicators, loading, panel, privacy
from analysis.results import report_inputs
EXACT = 1e-9


def test_prepare_writes_every_table_and_meta(small_shared_dir, small_shared):
    meta = json.loads((small_shared_dir / "meta.json").read_text())
    assert meta["synthetic"] is True and len(meta["districts"]) == 11
    for name in ["ratio_province_m", "ratio_district_m", "rating_district_y", "coverage_commune_y",
                 "compliance_commune_y", "model_fe_poisson", "model_compare", "mixed_district_effects",
                 "model_ordered_logit", "expected_district_y", "attention_groups"]:
        assert name in small_shared.tables, name
    assert isinstance(small_shared["ratio_province_m"]["period"].dtype, pd.PeriodDtype)
    assert small_shared.truth["synthetic"] is True


def test_shared_ratios_equal_the_indicators_recomputed(small_data_dir, small_shared):
    frame = panel.build(loading.load(small_data_dir))
    direct = indicators.overdue_ratio(frame, by=["district"], freq="Y")
    shared = small_shared["ratio_district_y"]
    merged = direct.merge(shared, on=["district", "period"], suffixes=("", "_shared"))
    assert len(merged) == len(direct)
    assert (merged["overdue_ratio"] - merged["overdue_ratio_shared"]).abs().max() < EXACT


def test_attention_list_is_publishable(small_shared):
    table = small_shared["attention_groups"]
    privacy.assert_publishable(table)
    assert table["reasons"].str.len().gt(0).all()
    assert table.loc[table["suppressed"], "borrowers"].isna().all()


def test_ensure_reads_a_given_shared_dir(small_shared_dir):
    shared = report_inputs.ensure("", small_shared_dir)
    assert shared.directory == small_shared_dir


def test_district_view_refuses_unknown_code_with_the_list(small_shared):
    with pytest.raises(ValueError, match=r"943 \(Kế Sách\)"):
        dr.DistrictView.build(small_shared, "999")


def test_kpi_table_reads_the_shared_numbers(small_shared):
    view = dr.DistrictView.build(small_shared, "943")
    kpi = dr.kpi_table(view, "en").set_index("Indicator")
    last = small_shared["ratio_district_m"].query("district == '943'").iloc[-1]
    assert kpi.loc["Overdue ratio (%)", "Kế Sách"] == pytest.approx(last["overdue_ratio"])
    assert kpi.loc["Borrowers", "Province"] == small_shared["ratio_province_m"]["borrowers"].iloc[-1]
    assert "Kế Sách" in dr.headline(view, "en")


def test_meetings_effect_converts_log_points_to_percent(small_shared):
    row = small_shared["model_fe_poisson"].query("term == 'group_meetings'").iloc[0]
    effect = findings.meetings_effect(small_shared)
    assert effect["pct"] == pytest.approx(100 * (math.exp(row["estimate"]) - 1))
    assert effect["pct_low"] < effect["pct"] < effect["pct_high"]
    sentence = findings.meetings_sentence(small_shared, "vi")
    assert "cùng một tổ" in sentence


def test_truth_rows_carry_the_generator_truth(small_shared):
    rows = {r["parameter"]: r for r in findings.truth_rows(small_shared)}
    truth = small_shared.truth["overdue_model"]
    assert rows["beta_meetings (FE Poisson)"]["truth"] == truth["beta_meetings"]
    assert rows["beta_meetings (FE Poisson)"]["covered"]
    # The pooled estimate is biased away from zero by leader capacity.
    assert rows["beta_meetings (pooled Poisson)"]["estimate"] < truth["beta_meetings"]
