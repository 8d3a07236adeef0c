"""pyfixest's model matrix without a Python set of every row (installed by ``analysis.models.panel``).

pyfixest 0.60's ``create_model_matrix`` finds the rows formulaic dropped (missing values) as
``set(range(n)).difference(kept_index)``: a Python set of every row, then a walk over the kept rows'
index, one Python integer at a time. On the largest province (1.33 million group-months) that was about
0.1 s a fit and six fits a province. :func:`create_model_matrix` is pyfixest's function with that one
expression computed in NumPy: the same rows, as the same set of Python integers, in the same
``ModelMatrix``. Everything else (the formula, formulaic's matrices, the singletons, the weights) is
pyfixest's own code, called as pyfixest calls it.

It replaces ``pyfixest.estimation.formula.model_matrix.create_model_matrix`` only on the pyfixest version
it was copied from (:data:`FOR_VERSION`, the pinned one); on any other version pyfixest runs unchanged.
``tests/test_fixest_rows.py`` checks that fits and model matrices are the same with and without it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

FOR_VERSION = "0.60.0"


def dropped_rows(n_observations: int, kept: pd.Index) -> set[int]:
    """``set(range(n_observations)).difference(kept)`` for an index of row numbers, in NumPy."""
    values = kept.to_numpy()
    if values.dtype.kind not in "iu":  # not row numbers: pyfixest's own expression
        return set(range(n_observations)).difference(kept)
    inside = values[(values >= 0) & (values < n_observations)]
    present = np.zeros(n_observations, dtype=bool)
    present[inside] = True
    return set(np.flatnonzero(~present).tolist())


def create_model_matrix(formula, data, weights=None, offset=None, drop_singletons=False, drop_intercept=False,
                        ensure_full_rank=True, context=0):
    """pyfixest 0.60.0's ``create_model_matrix`` (see its docstring), with :func:`dropped_rows`."""
    from pyfixest.estimation.formula import model_matrix as mm

    with warnings.catch_warnings():  # pandas 3.1 deprecates inplace; pyfixest's callers rely on it
        warnings.simplefilter("ignore")
        data.reset_index(drop=True, inplace=True)  # Sanitise index
    n_observations = data.shape[0]
    formula_formulaic = mm._get_formulaic_formula(formula=formula, data=data, weights=weights, offset=offset)
    model_matrix = formula_formulaic.get_model_matrix(
        data=data,
        ensure_full_rank=ensure_full_rank,
        na_action="drop",
        output="pandas",
        context={
            "log": mm.log,
            "i": mm.factor_interaction,
            "__fixed_effect__": mm._factorize,
        }
        | {**mm.capture_context(context)},
    )
    drop_rows = dropped_rows(n_observations, model_matrix[mm._ModelMatrixKey.main]["lhs"].index)
    return mm.ModelMatrix(model_matrix, drop_rows=drop_rows, drop_singletons=drop_singletons,
                          drop_intercept=drop_intercept)


def install() -> bool:
    """Put :func:`create_model_matrix` in pyfixest's module when pyfixest is :data:`FOR_VERSION`; True if so."""
    import pyfixest
    from pyfixest.estimation.formula import model_matrix as mm

    if pyfixest.__version__ != FOR_VERSION:
        return False
    if mm.create_model_matrix is not create_model_matrix:
        ORIGINAL["create_model_matrix"] = mm.create_model_matrix  # pyfixest's own, for the tests
        mm.create_model_matrix = create_model_matrix
    return True


ORIGINAL: dict = {}
