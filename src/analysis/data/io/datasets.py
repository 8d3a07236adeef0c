"""Partitioned Parquet tables: a table held as a folder of part files (``group_months/province=94/
part-0.parquet``), read as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.data.io.headers import FileProblem

PART_SUFFIXES = (".parquet", ".pq")


def dataset_files(directory: str | Path, provinces: Iterable[str] | None = None) -> list[Path]:
    """The Parquet part files of a partitioned table folder, in order (sorted by relative path), and
    of the given provinces only when ``provinces`` is set (by their ``province=XX`` folder)."""
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in PART_SUFFIXES
                   and not any(part.startswith((".", "~$")) for part in p.relative_to(directory).parts))
    if provinces is None:
        return files
    wanted = {str(p) for p in provinces}
    return [p for p in files if partition_values(p.relative_to(directory)).get("province", None) in wanted]


def partition_values(relative: str | Path) -> dict[str, str]:
    """``{key: value}`` of the ``key=value`` folders in a part file's path (Hive partitioning)."""
    parts = Path(relative).parts[:-1]
    return dict(part.split("=", 1) for part in parts if "=" in part)


def read_dataset(directory: str | Path, *, provinces: Iterable[str] | None = None) -> tuple[pd.DataFrame, list]:
    """A partitioned table folder's rows (parts stacked in ``dataset_files`` order) and its parts
    ``[[relative path, rows], ...]``. Partition keys stay in the paths: they are not added as columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    files = dataset_files(directory, provinces)
    if not files:
        raise FileProblem("file_empty", "the folder holds no Parquet part files"
                          + (" of the provinces asked for" if provinces is not None else ""))
    pieces, parts = [], []
    for path in files:
        try:
            piece = pq.read_table(path)
        except Exception as exc:  # pyarrow raises its own error types for broken files
            raise FileProblem("file_unreadable", f"part {path.relative_to(directory)} is not a valid Parquet file "
                              f"({exc})") from None
        pieces.append(piece)
        parts.append([path.relative_to(directory).as_posix(), piece.num_rows])
    try:
        stacked = pa.concat_tables(pieces, promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise FileProblem("file_unreadable", f"the parts do not share one set of columns and types ({exc})") from None
    del pieces
    frame = stacked.to_pandas(split_blocks=True, self_destruct=True)  # frees each Arrow column as it converts
    del stacked
    pa.default_memory_pool().release_unused()  # hand the freed Arrow buffers back (national tables: GBs)
    frame.attrs = {}
    return frame, parts


