"""Report tables that show results fixed after the external audit (tiny hand-made inputs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.words import findings

CR1_ROW = {"term": "group_meetings", "estimate": -0.005, "std_error": 0.002, "statistic": -2.5, "p_value": 0.031,
           "conf_low": -0.0095, "conf_high": -0.0005}


def _shared(p_value: float, bound: float) -> dict:
    """The two tables ``bootstrap_table`` reads; the bootstrap row as ``BootstrapResult.tidy()`` makes it."""
    boot = {**CR1_ROW, "std_error": np.nan, "p_value": p_value, "p_value_bound": bound}
    return {"model_fe_ols": pd.DataFrame([CR1_ROW]), "model_wild_bootstrap": pd.DataFrame([boot])}


@pytest.mark.parametrize("lang,text", [("en", "< 0.0005"), ("vi", "< 0,0005")])
def test_bootstrap_table_shows_a_zero_p_value_as_a_bound(lang, text):
    """No sign pattern of 2^11 as extreme: p < 1/2048, shown rounded up; an ordinary p stays a number."""
    assert list(findings.bootstrap_table(_shared(0.0, 1 / 2048), lang)["p"]) == [0.031, text]
    assert list(findings.bootstrap_table(_shared(0.04, np.nan), lang)["p"]) == [0.031, 0.04]
