"""Privacy rules for anything published: no borrower identifiers, small cells suppressed.

Borrower-level data are sensitive. Reports show groups, communes and districts, never borrowers;
a table cell that describes fewer than ``MIN_BORROWERS`` borrowers is suppressed (its values are
blanked and flagged), so that a reader cannot learn one household's debt.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import pandas as pd

MIN_BORROWERS = 5  # a cell describing fewer borrowers than this is suppressed

# Column names that would identify a person: names, ID card numbers, phone numbers.
_IDENTIFIER = re.compile(
    r"(^|_)(borrower_?name|ho_?ten|ten_?ho|full_?name|cmnd|cccd|id_?number|id_?card|national_?id|"
    r"so_?dien_?thoai|phone|dia_?chi|address)($|_)")


def _plain(name: str) -> str:
    name = name.replace("đ", "d").replace("Đ", "D")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def identifier_columns(table: pd.DataFrame) -> list[str]:
    """Columns whose names look like personal identifiers (any language, any case)."""
    return [c for c in table.columns if _IDENTIFIER.search(_plain(str(c)))]


def assert_publishable(table: pd.DataFrame) -> None:
    """Raise ``ValueError`` if a table about to be published carries personal identifiers."""
    found = identifier_columns(table)
    if found:
        raise ValueError(f"columns {found} look like personal identifiers and must not be published")


def suppress_small(table: pd.DataFrame, *, count: str = "borrowers", columns: Sequence[str] | None = None,
                   threshold: int = MIN_BORROWERS) -> pd.DataFrame:
    """Blank the values of rows describing fewer than ``threshold`` borrowers.

    ``columns`` are the values to blank (default: every numeric column, the count included).
    Returns a new frame with a boolean ``suppressed`` column; the input is not modified.

    Example:
        >>> t = pd.DataFrame({"commune": ["A", "B"], "borrowers": [3, 40], "overdue": [1.0, 2.0]})
        >>> suppress_small(t)["overdue"].isna().tolist()
        [True, False]
    """
    if count not in table:
        raise ValueError(f"column {count!r} (the number of borrowers a row describes) is missing")
    out = table.copy()
    small = out[count].fillna(0) < threshold
    cols = list(columns) if columns is not None else list(out.select_dtypes("number").columns)
    if count not in cols:
        cols.append(count)
    for c in cols:
        out[c] = out[c].astype("Float64" if pd.api.types.is_numeric_dtype(out[c]) else out[c].dtype)
        out.loc[small, c] = pd.NA
    out["suppressed"] = small.to_numpy()
    assert_publishable(out)
    return out
