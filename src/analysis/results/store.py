"""Shared results on disk: Parquet tables whose keys are checked when written, and read back typed.

Every table the prepare step writes is declared in ``TABLES`` with its key (unique, no missing values:
``write_table`` refuses a table that breaks it) and, where it has a ``period`` column, the period's
frequency (stored in ``meta.json``, not coded in file names). Unit codes are strings everywhere, so
readers never need ``.astype(str)``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import atomic

CODE_COLUMNS = ("district", "commune", "group_id", "association", "province", "cluster")


@dataclass(frozen=True)
class TableSpec:
    """A shared table: its key columns and the frequency of its ``period`` column (None: no period)."""

    key: tuple[str, ...]
    freq: str | None = None


class KeyError_(ValueError):
    """A shared table breaks its declared key (duplicates or missing values)."""


def write_table(frame: pd.DataFrame, path: Path, *, spec: TableSpec) -> None:
    """Check the key, turn periods and categories into text, write Parquet atomically."""
    check_key(frame, spec.key, name=path.stem)
    table = frame.copy()
    for col in table.columns:
        if isinstance(table[col].dtype, (pd.PeriodDtype, pd.CategoricalDtype)):
            table[col] = table[col].astype(str)
    for col in CODE_COLUMNS:
        if col in table.columns:
            table[col] = table[col].astype("string")
    with atomic.atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)


def check_key(frame: pd.DataFrame, key: tuple[str, ...], *, name: str) -> None:
    """Raise when ``key`` columns are missing, empty somewhere, or repeated."""
    if not key:
        return
    missing = [k for k in key if k not in frame.columns]
    if missing:
        raise KeyError_(f"shared table {name}: key column(s) {missing} absent; columns {list(frame.columns)}")
    empty = frame[list(key)].isna().any(axis=1)
    if empty.any():
        raise KeyError_(f"shared table {name}: {int(empty.sum())} row(s) with an empty key {list(key)}")
    repeated = frame.duplicated(list(key), keep=False)
    if repeated.any():
        example = frame.loc[repeated, list(key)].head(3).to_dict("records")
        raise KeyError_(f"shared table {name}: key {list(key)} repeated, e.g. {example}")


def read_table(path: Path, *, freq: str | None) -> pd.DataFrame:
    """Read a shared table; ``period`` becomes a pandas Period column of ``freq``."""
    frame = pd.read_parquet(path)
    for col in CODE_COLUMNS:
        if col in frame.columns:
            frame[col] = frame[col].astype(str)
    if freq and "period" in frame.columns:
        frame["period"] = periods(frame["period"], freq)
    return frame


def periods(values: pd.Series, freq: str) -> pd.arrays.PeriodArray:
    """``values`` (period labels such as "2024-03") as Periods of ``freq``: each distinct label parsed
    once (a table repeats a few hundred labels over many rows; parsing every row took 0.15 s for a
    province's tables). The same values as ``pd.PeriodIndex(values, freq=freq)``; missing stays NaT."""
    codes, labels = pd.factorize(values)
    return pd.PeriodIndex(labels, freq=freq).array.take(codes, allow_fill=True)


# A warm kernel draws hundreds of district reports, a province's dozen in turn, each opening the results
# afresh: 18 small tables, 84 ms of reading a report. Tables read through a Store are kept for the process
# while their file is unchanged, up to this many bytes in memory (a province's report tables: about 3 MB).
READ_CACHE_BYTES = 64 * 2**20
_read_cache: OrderedDict[tuple, tuple[pd.DataFrame, int]] = OrderedDict()


def read_shared(path: Path, *, freq: str | None) -> pd.DataFrame:
    """``read_table``, once per process while the file is the same (path, inode, size and modification time:
    results are written atomically, so a new file is a new inode); the least recently used tables go first
    beyond ``READ_CACHE_BYTES``. Each call returns its own DataFrame, a shallow copy that pandas'
    copy-on-write keeps apart from the kept one: a notebook that changes its table changes only its own."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns, freq)
    if key in _read_cache:
        _read_cache.move_to_end(key)
        return _read_cache[key][0].copy(deep=False)
    frame = read_table(path, freq=freq)
    size = int(frame.memory_usage(index=True, deep=True).sum())
    if size <= READ_CACHE_BYTES:
        _read_cache[key] = (frame, size)
        while sum(kept for _, kept in _read_cache.values()) > READ_CACHE_BYTES:
            _read_cache.popitem(last=False)
    return frame.copy(deep=False)


@dataclass
class Store:
    """The tables of one shared folder, read on first use (a district report reads only what it shows) and
    kept for the process while their files are unchanged (``read_shared``)."""

    directory: Path
    specs: dict[str, dict] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, directory: str | Path) -> Store:
        directory = Path(directory)
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        return cls(directory=directory, specs=meta.get("tables", {}))

    @property
    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.parquet"))

    def __contains__(self, name: str) -> bool:
        return (self.directory / f"{name}.parquet").exists()

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            path = self.directory / f"{name}.parquet"
            if not path.exists():
                raise KeyError(f"no shared table {name!r}; have {self.names}")
            self._cache[name] = read_shared(path, freq=self.specs.get(name, {}).get("freq"))
        return self._cache[name]
