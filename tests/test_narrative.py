"""Numbers in prose, in both languages."""

import pandas as pd
import pytest

from analysis.words import i18n, narrative


@pytest.mark.parametrize("value,digits,lang,expected", [
    (1082342.4, 0, "vi", "1.082.342"),
    (1082342.4, 0, "en", "1,082,342"),
    (3.456, 2, "en", "3.46"),
    (3.456, 1, "vi", "3,5"),
    (-0.6, 2, "en", "−0.60"),
])
def test_number(value, digits, lang, expected):
    assert narrative.number(value, digits, lang) == expected


def test_pct_pp_interval_month():
    assert narrative.pct(3.6, 1, "vi") == "3,6%"
    assert narrative.pp(-0.6, 2, "en") == "−0.60 percentage points"
    assert narrative.pp(0.26, 1, "vi") == "+0,3 điểm phần trăm"
    assert narrative.interval(-0.8, -0.2, 1, "en") == "[−0.8; −0.2]"
    assert narrative.month(pd.Period("2020-12", "M"), "vi") == "tháng 12/2020"
    assert narrative.month(pd.Period("2020-12", "M"), "en") == "Dec 2020"


def test_bad_language_and_unknown_label():
    with pytest.raises(ValueError):
        narrative.number(1, 0, "fr")
    with pytest.raises(KeyError, match="no label"):
        i18n.t("no_such_label", "vi")
    assert i18n.t("weak", "vi") == "Yếu"


def test_table_formatter_shows_whole_numbers_without_decimals():
    fmt = narrative.formatter(1, "vi")
    assert fmt(478.0) == "478"
    assert fmt(22277) == "22.277"
    assert fmt(0.73) == "0,7"


@pytest.mark.parametrize("bound,lang,expected", [
    (1 / 2048, "en", "< 0.0005"),  # all 2^11 sign patterns, none as extreme
    (1 / 2048, "vi", "< 0,0005"),
    (1 / 1024, "en", "< 0.001"),  # 0.000977 rounded up
    (1 / 9999, "en", "< 0.0002"),  # 0.00010001: rounding down would understate the bound
    (0.0005, "en", "< 0.0005"),
])
def test_p_below_rounds_the_bound_up(bound, lang, expected):
    assert narrative.p_below(bound, lang) == expected
