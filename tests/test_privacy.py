"""Small cells are suppressed and identifiers refused, without touching the input."""

import pandas as pd
import pytest

from analysis.data import privacy


def test_rows_under_five_borrowers_are_blanked_and_flagged():
    table = pd.DataFrame({"commune": ["A", "B", "C"], "borrowers": [4, 5, 60],
                          "overdue": [1.5, 2.0, 3.0], "overdue_ratio": [10.0, 1.0, 0.5]})
    before = table.copy()
    out = privacy.suppress_small(table)
    assert out["suppressed"].tolist() == [True, False, False]
    assert out.loc[0, ["borrowers", "overdue", "overdue_ratio"]].isna().all()
    assert out.loc[1, "overdue"] == 2.0  # exactly five borrowers is published
    pd.testing.assert_frame_equal(table, before)  # input untouched


def test_identifier_columns_are_refused_in_any_language():
    for name in ["Họ tên", "borrower_name", "Số CCCD", "CMND", "phone"]:
        with pytest.raises(ValueError, match="identifiers"):
            privacy.assert_publishable(pd.DataFrame({name: ["x"], "borrowers": [10]}))
    privacy.assert_publishable(pd.DataFrame({"group_id": ["94301WU001"], "commune_name": ["Kế An"]}))


def test_missing_count_column_is_a_clear_error():
    with pytest.raises(ValueError, match="borrowers"):
        privacy.suppress_small(pd.DataFrame({"x": [1]}))
