"""analysis.models.fixest_rows: pyfixest's model matrix with the dropped rows found in NumPy gives the same
matrices, the same dropped rows and the same fits as pyfixest's own function."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from pyfixest.estimation.formula import model_matrix as mm
from pyfixest.estimation.formula.parse import Formula

from analysis.models import fixest_rows, panel

pytestmark = pytest.mark.filterwarnings("ignore")  # pyfixest's own warnings (inplace, infinite rows)


def _panel(seed: int = 3, n_groups: int = 60, n_months: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), n_months)
    m = np.tile(np.arange(n_months), n_groups)
    x = rng.normal(size=g.size)
    z = rng.normal(size=g.size)
    y = 0.5 * x - 0.2 * z + rng.normal(size=g.size) + g % 7 * 0.1
    count = rng.poisson(np.exp(0.3 * x))
    frame = pd.DataFrame({"group_id": [f"T{i:03d}" for i in g], "month": m, "district": [f"D{i % 6}" for i in g],
                          "x": x, "z": z, "y": y, "count": count.astype(float), "w": rng.uniform(0.5, 2, g.size)})
    frame.loc[rng.choice(g.size, 25, replace=False), "x"] = np.nan  # rows formulaic drops
    frame.loc[rng.choice(g.size, 10, replace=False), "y"] = np.nan
    frame.loc[[5, 17], "count"] = np.inf  # rows pyfixest drops afterwards (infinite values)
    return frame


def test_installed_on_the_pinned_pyfixest_only(monkeypatch):
    assert pf.__version__ == fixest_rows.FOR_VERSION  # the pin (requirements.lock) and the copy agree
    assert mm.create_model_matrix is fixest_rows.create_model_matrix
    assert fixest_rows.ORIGINAL["create_model_matrix"].__module__ == mm.__name__
    monkeypatch.setattr(pf, "__version__", "0.61.0")
    monkeypatch.setattr(mm, "create_model_matrix", fixest_rows.ORIGINAL["create_model_matrix"])
    assert fixest_rows.install() is False
    assert mm.create_model_matrix is fixest_rows.ORIGINAL["create_model_matrix"]


@pytest.mark.parametrize("kept", [pd.RangeIndex(0, 8), pd.Index([0, 2, 3, 7]), pd.Index([], dtype="int64"),
                                  pd.Index([1, 4, 9, 12]), pd.Index(["a", "b"])])
def test_dropped_rows_is_the_set_difference(kept):
    assert fixest_rows.dropped_rows(8, kept) == set(range(8)).difference(kept)


@pytest.mark.parametrize("formula, weights", [
    ("y ~ x + z | group_id + month", None),
    ("y ~ x + z | group_id + month", "w"),
    ("y ~ x + i(month, ref=0)", None),
    ("count ~ x | group_id", None),
])
def test_the_same_model_matrix_as_pyfixest(formula, weights):
    ours = fixest_rows.create_model_matrix(Formula.parse(formula)[0], _panel(), weights=weights, drop_singletons=True)
    theirs = fixest_rows.ORIGINAL["create_model_matrix"](Formula.parse(formula)[0], _panel(), weights=weights,
                                                         drop_singletons=True)
    assert ours.na_index == theirs.na_index and len(ours.na_index) > 0
    for name in ("dependent", "independent", "fixed_effects", "weights"):
        a, b = getattr(ours, name), getattr(theirs, name)
        if a is None:
            assert b is None
        else:
            pd.testing.assert_frame_equal(a, b)


def test_the_same_fits_as_pyfixest(monkeypatch):
    data = _panel()
    fits = {}
    for which in ("ours", "theirs"):
        if which == "theirs":
            monkeypatch.setattr(mm, "create_model_matrix", fixest_rows.ORIGINAL["create_model_matrix"])
        ols = panel.panel_ols(data, "y ~ x + z | group_id + month", vcov="cluster", cluster="district")
        poisson = panel.panel_poisson(data.assign(count=data["count"].replace(np.inf, 1.0)), "count ~ x | group_id",
                                      vcov="hetero")
        fits[which] = (ols, poisson)
    for ours, theirs in zip(fits["ours"], fits["theirs"]):
        assert ours.n_obs == theirs.n_obs
        np.testing.assert_array_equal(ours.params.to_numpy(), theirs.params.to_numpy())
        np.testing.assert_array_equal(ours.vcov.to_numpy(), theirs.vcov.to_numpy())
