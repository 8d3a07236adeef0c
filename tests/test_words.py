"""The words layer: the message catalogue, and sentences that never claim more than the interval allows.

The headline estimates are set by hand on the small province's results; the Monte Carlo gate is
replaced by a stub so each case (passed, failed, never measured) is checked.
"""

from __future__ import annotations

import string
from dataclasses import replace

import pytest

from analysis.results import montecarlo
from analysis.results.estimates import Estimate, Results
from analysis.words import findings, messages


def _with(results: Results, **estimates: Estimate) -> Results:
    meta = {**results.meta, "headlines": {**results.meta["headlines"],
                                          **{k: v.to_dict() for k, v in estimates.items()}}}
    return Results(store=results.store, meta=meta, truth_file=results.truth_file)


def _gate(passes: bool | None):
    def gate(design, estimator=None, *, term=None, inference=None, path=None):
        if passes is None:
            return None
        return {"estimator": estimator, "term": term, "size": 0.05 if passes else 0.14, "size_se": 0.01,
                "coverage": 0.95 if passes else 0.84, "coverage_se": 0.01, "passes": passes, "reps": 500}
    return gate


@pytest.fixture
def directive(small_shared) -> Estimate:
    return small_shared.directive


LANGUAGE_SPECIFIC = {"rank", "rank_ordinal"}  # Vietnamese says "thứ 3", English "3rd"


def test_every_message_has_both_languages_with_the_same_placeholders():
    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731
    for key, (vi, en) in messages.MESSAGES.items():
        assert vi and en, key
        assert fields(vi) ^ fields(en) <= LANGUAGE_SPECIFIC, key


def test_missing_value_or_key_raises():
    with pytest.raises(KeyError):
        messages.say("directive.change", "en", month="Nov 2014")
    with pytest.raises(KeyError, match="no message"):
        messages.say("no.such.message", "en")


@pytest.mark.parametrize("lang,said", [("en", "fell by about 0.60 percentage points"),
                                       ("vi", "giảm khoảng 0,60 điểm phần trăm")])
def test_a_clear_fall_is_said_with_its_range_and_mde(monkeypatch, small_shared, directive, lang, said):
    monkeypatch.setattr(montecarlo, "gate", _gate(True))
    e = replace(directive, estimate=-0.6, conf_low=-0.95, conf_high=-0.25, mde=0.5)
    text = findings.directive_sentence(_with(small_shared, directive=e), lang)
    assert said in text and ("0.95" in text or "0,95" in text) and ("0.50" in text or "0,50" in text)


def test_an_interval_through_zero_is_no_detectable_change(monkeypatch, small_shared, directive):
    monkeypatch.setattr(montecarlo, "gate", _gate(True))
    e = replace(directive, estimate=-0.3, conf_low=-0.9, conf_high=0.3, mde=0.8)
    text = findings.directive_sentence(_with(small_shared, directive=e), "en")
    assert "no detectable change" in text and "fell" not in text and "smallest change" in text


def test_a_method_that_failed_the_gate_prints_no_interval(monkeypatch, small_shared, directive):
    monkeypatch.setattr(montecarlo, "gate", _gate(False))
    e = replace(directive, estimate=-0.6, conf_low=-0.95, conf_high=-0.25, mde=0.5)
    res = _with(small_shared, directive=e)
    text = findings.directive_sentence(res, "en")
    assert "Interval not printed" in text and "0.95" not in text and "14.0%" in text
    table = findings.directive_table(res, "en")
    assert table["95% low"].isna().all() and table["95% high"].isna().all()


def test_a_method_never_checked_says_how_to_check_it(monkeypatch, small_shared, directive):
    monkeypatch.setattr(montecarlo, "gate", _gate(None))
    text = findings.directive_sentence(_with(small_shared, directive=directive), "en")
    assert "montecarlo --design directive --gate-out" in text


def test_a_dominant_district_is_named(monkeypatch, small_shared):
    monkeypatch.setattr(montecarlo, "gate", _gate(True))
    reform = small_shared.reform
    e = replace(reform, extras={**reform.extras, "dominant": "943", "dominant_share": 0.63, "g_star_empirical": 2.3})
    text = findings.reform_sentence(_with(small_shared, reform=e), "en")
    assert "Kế Sách alone carries 63%" in text and "2.3" in text


def test_brief_has_one_primary_statement_per_question(monkeypatch, small_shared):
    monkeypatch.setattr(montecarlo, "gate", _gate(True))
    text = findings.brief_finding(small_shared, "en")
    assert text.count("**Meetings**") == 1
    assert text.count("Directive 40-CT/TW") == 1 and text.count("adopted the reform") == 1


@pytest.fixture(scope="module")
def reorganised(tmp_path_factory):
    """Sóc Trăng from the synthetic country (through 2026-10, the July 2025 map in units), prepared."""
    from analysis import results
    from analysis.data.synthetic import country
    from analysis.results import prepare

    data = tmp_path_factory.mktemp("country94")
    country.write_country(data, scale=0.03, codes=["94"])
    out = tmp_path_factory.mktemp("country94_shared")
    prepare.prepare(data, out)
    return results.load(out), data


@pytest.mark.slow
def test_district_report_says_how_the_area_is_organised_after_july_2025(reorganised):
    from analysis.data import hierarchy, loading
    from analysis.words import district

    res, data = reorganised
    areas = hierarchy.district_areas(loading.load(data, validate=False)["units"], "943")
    text = district.reorganisation_sentence(res, "943", "en")
    assert "1 July 2025" in text and "Cần Thơ" in text and f"merged into {len(areas)} new communes" in text
    assert len(district.reorganisation_table(res, "943", "en")) == len(areas)


def test_data_before_the_reorganisation_say_so(small_shared):
    from analysis.words import district

    text = district.reorganisation_sentence(small_shared, "943", "en")
    assert "end before the administrative reorganisation" in text
    # the sample's units carry their official successors: the reader learns where the area went since
    assert "now belongs to Cần Thơ" in text
    assert len(district.reorganisation_table(small_shared, "943", "en")) > 0
