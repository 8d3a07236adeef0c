"""Shared results on disk: Parquet tables whose keys are checked when written, and read back typed.

Every table the prepare step writes is declared in ``TABLES`` with its key (unique, no missing values:
``write_table`` refuses a table that breaks it) and, where it has a ``period`` column, the period's
frequency (stored in ``meta.json``, not coded in file names). Unit codes are strings everywhere, so
readers never need ``.astype(str)``.
"""

from __future__ import annotations

import json
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


@dataclass
class Store:
    """The tables of one shared folder, read on first use (a district report reads only what it shows)."""

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
            self._cache[name] = read_table(path, freq=self.specs.get(name, {}).get("freq"))
        return self._cache[name]
