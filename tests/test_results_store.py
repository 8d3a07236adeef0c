"""Shared tables read through a ``Store`` are kept for the process while their file is the same, and every
reader gets its own DataFrame."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.results import store
from analysis.results.store import Store, TableSpec, read_table, write_table

SPEC = TableSpec(key=("district", "period"), freq="M")


def _table(value: float) -> pd.DataFrame:
    return pd.DataFrame({"district": ["941", "941", "942"], "period": ["2024-01", "2024-02", "2024-01"],
                         "overdue_ratio": [value, value + 1, value + 2]})


@pytest.fixture
def reads(monkeypatch):
    """An empty process cache, and a count of the files actually read."""
    monkeypatch.setattr(store, "_read_cache", type(store._read_cache)())
    count = []

    def counted(path, *, freq):
        count.append(path.name)
        return read_table(path, freq=freq)

    monkeypatch.setattr(store, "read_table", counted)
    return count


def _store(directory) -> Store:
    return Store(directory=directory, specs={"ratio": {"freq": "M"}})


def test_a_second_store_reads_the_kept_table_not_the_file(tmp_path, reads):
    write_table(_table(1.0), tmp_path / "ratio.parquet", spec=SPEC)
    first, second = _store(tmp_path)["ratio"], _store(tmp_path)["ratio"]
    assert reads == ["ratio.parquet"]
    pd.testing.assert_frame_equal(first, read_table(tmp_path / "ratio.parquet", freq="M"))
    pd.testing.assert_frame_equal(second, first)
    assert second is not first
    assert isinstance(second["period"].dtype, pd.PeriodDtype)


def test_a_reader_that_changes_its_table_changes_only_its_own(tmp_path, reads):
    write_table(_table(1.0), tmp_path / "ratio.parquet", spec=SPEC)
    mine = _store(tmp_path)["ratio"]
    mine["extra"] = 1
    mine.loc[0, "overdue_ratio"] = -99.0
    mine["district"] = mine["district"].str.upper()
    theirs = _store(tmp_path)["ratio"]
    pd.testing.assert_frame_equal(theirs, read_table(tmp_path / "ratio.parquet", freq="M"))
    assert reads == ["ratio.parquet"]


def test_a_rewritten_file_is_read_again(tmp_path, reads):
    write_table(_table(1.0), tmp_path / "ratio.parquet", spec=SPEC)
    assert _store(tmp_path)["ratio"]["overdue_ratio"].iloc[0] == 1.0
    write_table(_table(5.0), tmp_path / "ratio.parquet", spec=SPEC)  # atomic: a new file
    assert _store(tmp_path)["ratio"]["overdue_ratio"].iloc[0] == 5.0
    assert reads == ["ratio.parquet", "ratio.parquet"]


def test_the_least_recently_used_go_first_beyond_the_budget(tmp_path, reads, monkeypatch):
    for name in ("a", "b", "c"):
        write_table(_table(1.0), tmp_path / f"{name}.parquet", spec=SPEC)
    one = int(read_table(tmp_path / "a.parquet", freq=None).memory_usage(index=True, deep=True).sum())
    monkeypatch.setattr(store, "READ_CACHE_BYTES", 2 * one + one // 2)  # room for two
    folder = Store(directory=tmp_path)
    for name in ("a", "b", "a", "c"):  # c pushes out b, the least recently used
        Store(directory=tmp_path)[name]
    assert reads == ["a.parquet", "b.parquet", "c.parquet"]
    folder["a"], Store(directory=tmp_path)["c"], Store(directory=tmp_path)["b"]
    assert reads == ["a.parquet", "b.parquet", "c.parquet", "b.parquet"]


def test_a_table_beyond_the_budget_is_not_kept(tmp_path, reads, monkeypatch):
    write_table(_table(1.0), tmp_path / "ratio.parquet", spec=SPEC)
    monkeypatch.setattr(store, "READ_CACHE_BYTES", 10)
    _store(tmp_path)["ratio"], _store(tmp_path)["ratio"]
    assert reads == ["ratio.parquet", "ratio.parquet"] and not store._read_cache
