"""The national brief's words: every national question is answered (or the gate's reason given), numbers
come from the results, intervals appear only where the national gate passed, and the country's detection
is set beside Sóc Trăng's."""

from __future__ import annotations

import pytest

from analysis.results import national
from analysis.words import findings
from analysis.words import narrative as nr
from analysis.words import national as words
from analysis.words.uncertainty import pp_size, technical_note

LABELS = {"vi": ["Họp tổ", "Kiểm tra sử dụng vốn", "Chất lượng tổ", "Chỉ thị 40-CT/TW", "Cải cách gộp nhiều tỉnh"],
          "en": ["Meetings", "Loan-use checks", "Group quality", "Directive 40-CT/TW",
                 "A reform pooled across provinces"]}


@pytest.fixture(scope="module")
def nat():
    return national.shared()


@pytest.fixture
def gate_passes(monkeypatch):
    """Every method as if it had passed the gate (the wording of a printed interval)."""
    monkeypatch.setattr(findings, "printable", lambda e: True)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_national_question_is_named_in_both_languages(nat, lang):
    text = words.national_finding(nat, lang)
    for label in LABELS[lang]:
        assert f"**{label}" in text, label
    head = nat.national.reform_pooled
    scope = f"{head.extras['n_adopting_districts']} "
    assert scope in text and str(head.extras["n_cohorts"]) in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_printed_intervals_are_the_estimates(nat, lang, gate_passes):
    e = words.pooled_choice(nat)
    assert e.question == "reform_level_cr2"  # every interval passes: the design-weighted estimate leads (CR2)
    text = words.pooled_reform_text(nat, lang)
    assert nr.pp(e.conf_low, 2, lang) in text and nr.pp(e.conf_high, 2, lang) in text
    assert pp_size(e.mde, lang) in text
    simple = nat.national.reform_pooled  # and the simple average beside it
    assert nr.pp(simple.conf_low, 3, lang) in text and pp_size(simple.mde, lang) in text
    assert ("design" in text) if lang == "en" else ("theo thiết kế" in text)
    own = nat["national_reform_provinces"]
    own = own[own["term"] == "ATT"]
    beats = pp_size(float(own["mde"].min()), lang)  # "detects less than any adopting province" only when true
    said = ("smaller effect than any" in text) if lang == "en" else ("nhỏ hơn bất kỳ tỉnh nào" in text)
    assert said == bool((own["mde"] > e.mde).all())
    if said:
        assert beats in text
    q = nat.national.quality
    quality = words.quality_text(nat, lang)
    assert nr.pp(q.conf_low, 2, lang) in quality
    assert ("not an effect" in quality) if lang == "en" else ("không phải tác động" in quality)
    checks = words.checks_text(nat, lang)
    e = nat.national.checks_ols
    assert nr.pp(e.conf_low * words.CHECK_STEP, 3, lang) in checks


def test_pooled_choice_follows_the_gate(nat, monkeypatch):
    """The design-weighted ATT leads only where its interval passed; else the simple ATT."""
    monkeypatch.setattr(findings, "printable", lambda e: e.question == "reform_level_cr2")
    assert words.pooled_choice(nat).question == "reform_level_cr2"
    monkeypatch.setattr(findings, "printable", lambda e: e.question in ("reform_level_hk", "reform_level"))
    hk = words.pooled_choice(nat)  # CR2 failed: Hartung-Knapp comes before CR1
    assert hk.question == "reform_level_hk"
    assert "Hartung-Knapp" in technical_note(hk, "en") and "Hartung-Knapp" in technical_note(hk, "vi")
    assert f"t({hk.extras['n_provinces'] - 1})" in technical_note(hk, "en")
    monkeypatch.setattr(findings, "printable", lambda e: e.question == "reform_pooled")
    assert words.pooled_choice(nat).question == "reform_pooled"
    text = words.pooled_reform_text(nat, "en")
    assert "design" not in text and nr.pp(nat.national.reform_pooled.conf_low, 2, "en") in text


def test_intervals_not_gated_are_not_printed(nat, monkeypatch):
    monkeypatch.setattr(findings, "printable", lambda e: False)
    assert words.pooled_choice(nat).question == "reform_pooled"
    e = nat.national.reform_pooled
    text = words.national_finding(nat, "en")
    assert nr.pp(e.conf_low, 2, "en") not in text
    table = words.detection_table(nat, "en")
    assert table["95% low"].isna().all() and table["95% high"].isna().all()
    assert table["Can the data tell?"].str.startswith("no conclusion").all()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_detection_table_sets_the_country_beside_soc_trang(nat, lang, gate_passes):
    table = words.detection_table(nat, lang)
    assert len(table) == len(nat["national_detect"])
    column = "Sóc Trăng riêng: nhỏ nhất phát hiện được" if lang == "vi" else "Sóc Trăng alone: minimum detectable"
    assert column in table.columns
    verdicts = table.iloc[:, -1]
    detect = nat["national_detect"]
    for verdict, row in zip(verdicts, detect.itertuples()):
        if row.question in ("quality", "quality_fwls"):  # descriptive: said so, whatever the interval
            continue
        excludes = row.conf_low > 0 or row.conf_high < 0
        assert verdict.startswith(("có", "yes") if excludes else ("chưa", "no"))
    assert "Sóc Trăng" in words.detection_text(nat, lang)


def test_reform_table_puts_the_pooled_estimate_first(nat, gate_passes):
    table = words.reform_provinces_table(nat, "en")
    assert table.iloc[0, 0] == "Pooled, the country, design-weighted"
    assert table.iloc[0, 1] == pytest.approx(nat.national.reform_level.estimate)
    assert table.iloc[1, 0] == "Pooled, the country, by treated group-months"
    assert table.iloc[1, 1] == pytest.approx(nat.national.reform_pooled.estimate)
    assert "Sóc Trăng" in set(table["Scope"])


def test_gate_table_has_a_row_per_headline(nat):
    table = words.gate_table(nat, "vi")
    heads = [q for q in words.QUESTIONS if getattr(nat.national, q) is not None]
    assert len(table) == len(heads)


def test_truth_table_on_the_synthetic_country(nat, gate_passes):
    from analysis.data.synthetic.country import pooled_reform_truth

    table = words.truth_table(nat, "en").set_index("Quantity")
    head = nat.national.reform_pooled
    truth = pooled_reform_truth(nat.truth["provinces"], head.extras["provinces"])["att_simple_pp"]
    assert table.loc["Reform, averaged over treated group-months (pp)", "Truth"] == pytest.approx(truth)
    level = head.extras["level_weights"]  # the design-weighted target: its weights x the provinces' own effects
    effects = {c: nat.truth["provinces"][c]["reforms"]["att_simple_pp"] for c in level}
    assert table.loc["Reform, design-weighted (pp)", "Truth"] == pytest.approx(
        sum(level[c] * effects[c] for c in level) / sum(level.values()))
    weights = head.extras["precision_weights"]  # the precision-weighted target: its weights x the provinces' own
    own = {c: t["reforms"]["att_simple_pp"] for c, t in nat.truth["provinces"].items() if c in weights}
    weighted = pooled_reform_truth(nat.truth["provinces"], head.extras["provinces"], weights=weights)["att_pp"]
    assert weighted == pytest.approx(sum(weights[c] * own[c] for c in own) / sum(weights[c] for c in own))
    assert table.loc["Directive 40: level change (pp)", "Truth"] == pytest.approx(
        nat.truth["national"]["directive40"]["level_change_pp"])
