"""Shared fixtures. The small province is generated once per test session (about a second)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from analysis import paths
from analysis.data import synthetic

SMALL_SEED = 20211231
SMALL_SCALE = 0.1


@pytest.fixture(scope="session")
def small_sample():
    """A synthetic province with 10% of the groups, full 2012-01..2021-05 window."""
    return synthetic.generate(seed=SMALL_SEED, scale=SMALL_SCALE)


@pytest.fixture(scope="session")
def small_panel(small_sample):
    from analysis.data import panel
    return panel.build(small_sample.tables)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    """The full embedded sample as written by `make data` (written to a temp folder if absent)."""
    if (paths.SAMPLE / ".complete").exists():
        return paths.SAMPLE
    out = tmp_path_factory.mktemp("sample")
    synthetic.write_sample(out)
    return out


@pytest.fixture(scope="session")
def small_data_dir(tmp_path_factory):
    """The small province written as contract files (Parquet), as a user's data folder would be."""
    out = tmp_path_factory.mktemp("small_data")
    synthetic.write_sample(out, seed=SMALL_SEED, scale=SMALL_SCALE)
    return out


@pytest.fixture(scope="session")
def small_shared_dir(small_data_dir, tmp_path_factory):
    """The prepare step's results computed once for the small province."""
    from analysis.results import prepare

    out = tmp_path_factory.mktemp("small_shared")
    prepare.prepare(small_data_dir, out, lang="vi")
    return out


@pytest.fixture(scope="session")
def small_shared(small_shared_dir):
    from analysis import results

    return results.load(small_shared_dir)
