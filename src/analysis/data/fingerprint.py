"""The one data hash: what the brief, the manifest and index.html print for a data folder.

The hash covers every data file the contract reader could read in the folder, recursively (tables
split into partitions by province included) plus ``truth.json`` of a synthetic sample, each by its
path relative to the folder and its SHA-256: renaming a folder or moving it to another machine
does not change it; changing, adding or removing a file does. (Two functions used to disagree: one
hashed only top-level table files by name, the other every data file recursively; the recursive
one is kept because partitioned national data live in sub-folders.)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA_SUFFIXES = (".parquet", ".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".json")


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_checksums(folder: str | Path) -> dict[str, str]:
    """SHA-256 of every data file under ``folder`` (hidden files and folders skipped), by relative path."""
    root = Path(folder)
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in files}


def hash_checksums(checksums: dict[str, str]) -> str:
    """SHA-256 of the sorted (path, checksum) pairs."""
    text = json.dumps(sorted(checksums.items()), separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_hash(folder: str | Path) -> str:
    """The data hash of a folder (see the module docstring)."""
    return hash_checksums(file_checksums(folder))


def partition_checksums(folder: str | Path, key: str = "province") -> dict[str, dict[str, str]]:
    """``file_checksums`` grouped by the ``key=value`` folder a file lies in (Hive partitioning, as
    ``synth --country`` writes ``group_months/province=94/part-0.parquet``): ``{value: {path: sha256}}``;
    files outside any such folder (``units.parquet``, ``truth.json``) are under the key ``""``."""
    out: dict[str, dict[str, str]] = {}
    prefix = f"{key}="
    for path, checksum in file_checksums(folder).items():
        values = [part[len(prefix):] for part in path.split("/")[:-1] if part.startswith(prefix)]
        out.setdefault(values[0] if values else "", {})[path] = checksum
    return out


def partition_hashes(folder: str | Path, key: str = "province") -> dict[str, str]:
    """The data hash of each partition of a folder (``partition_checksums``, hashed as ``data_hash``
    does): changing one province's part files changes that province's hash only."""
    return {value: hash_checksums(files) for value, files in partition_checksums(folder, key).items()}
