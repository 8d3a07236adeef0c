"""What a report build is asked to do (:class:`Settings`) and what is fixed once it starts
(:class:`Context`): both frozen, passed whole instead of long keyword lists."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from analysis import paths
from analysis.errors import UserError
from analysis.run.public import PublicPaths
from analysis.run.runfile import DEFAULT_RUN, RunFile

LANGS = ("vi", "en")
CELL_TIMEOUT_S = 1800  # one cell; a hung notebook fails instead of blocking the run
SHARED = "_shared"


@dataclass(frozen=True)
class Settings:
    """The choices of one ``python -m analysis report`` call (its options, in the same order).

    Attributes:
        scheduler: a Dask scheduler address, ``None`` for a local Dask cluster, or
            ``"processes"``/``"inline"`` (a plain process pool, serial in this process).
        workers: worker processes of a local pool (default: the CPU count).
        only: a glob on output names; the other reports stay listed as they were.
        code_version: replaces the hash of ``src/analysis`` in the fingerprints (tests use it to
            stay independent of edits elsewhere in the package).
    """

    run_path: Path = DEFAULT_RUN
    data_dir: Path = paths.SAMPLE
    lang: str = "vi"
    out_root: Path = paths.REPORTS
    workers: int | None = None
    scheduler: str | None = None
    force: bool = False
    only: str | None = None
    pdf: bool = True
    timeout: int | None = CELL_TIMEOUT_S
    progress: bool = True
    code_version: str | None = None

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise UserError(f"--lang must be one of {', '.join(LANGS)}")

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def scheduler_label(self) -> str:
        return self.scheduler or f"dask LocalCluster ({self.worker_count} workers)"


@dataclass(frozen=True)
class Context:
    """The facts of one build, fixed before anything runs.

    Attributes:
        data_dir: the data folder, resolved.
        out_dir: the run folder ``<out_root>/<run name>-<lang>``, resolved.
        provenance: what went in (see :mod:`analysis.run.manifest`): at least ``code_hash``,
            ``data_hash`` and ``data_files``.
        banner: the synthetic-data banner in the report language, ``None`` for real data.
        prepare_fingerprint: the shared step's fingerprint, ``None`` without one.
    """

    settings: Settings
    run_file: RunFile
    data_dir: Path
    out_dir: Path
    provenance: dict = field(repr=False)
    synthetic: bool = False
    banner: str | None = None
    prepare_fingerprint: str | None = None

    @property
    def lang(self) -> str:
        return self.settings.lang

    @property
    def shared_dir(self) -> Path:
        return self.out_dir / SHARED

    @property
    def public(self) -> PublicPaths:
        return PublicPaths(run_dir=self.out_dir, data_dir=self.data_dir)
