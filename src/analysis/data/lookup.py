"""Where each of a column's values sits in a table's key: ``pd.Index.get_indexer``, without turning a million
Arrow strings into Python objects first.

pandas looks text up in an index through NumPy object arrays: for the largest province's 1.33 million
group-months that conversion was most of the two group lookups of validation (``schema._life_check``,
``plausibility.commune_gap_issues``). :func:`positions` asks Arrow's hash lookup instead when both sides
are Arrow-backed text, and gives exactly what ``get_indexer`` gives (tests/test_fast_paths.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def positions(keys, values) -> np.ndarray:
    """``pd.Index(keys).get_indexer(values)``: the position of each value among the (unique) ``keys``, -1
    where it is not there; a missing value finds a missing key. Keys that are not unique raise, as
    ``get_indexer`` does."""
    index = pd.Index(keys)
    if not (_arrow_text(index.dtype) and _arrow_text(getattr(values, "dtype", None)) and index.is_unique):
        return index.get_indexer(values)
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.index_in(pa.array(pd.array(values)), value_set=pa.array(index.array), skip_nulls=False)
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.intp)


def _arrow_text(dtype) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
