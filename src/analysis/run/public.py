"""Paths as published: no absolute path of this machine in index.html, manifest.json or a report.

A path inside the project is written relative to the project root (``data/sample``,
``notebooks/drivers.ipynb``); any other path relative to the run folder (``../../exports``); the
home folder as ``~``. Free text (error messages, tracebacks, notebook outputs) gets the same
rewriting wherever the run folder, the data folder, the project root or the home folder appears.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from analysis import paths

IMAGE_PREFIX = "image/"


@dataclass(frozen=True)
class PublicPaths:
    """The rewriting for one run: ``run_dir`` is the run's output folder, ``data_dir`` its data."""

    run_dir: Path
    data_dir: Path | None = None
    root: Path = paths.ROOT

    def path(self, path: str | Path) -> str:
        """``path`` relative to the project root if inside it, else relative to the run folder."""
        absolute = Path(os.path.abspath(path))
        root = Path(os.path.abspath(self.root))
        if absolute == root or root in absolute.parents:
            return absolute.relative_to(root).as_posix() or "."
        return Path(os.path.relpath(absolute, os.path.abspath(self.run_dir))).as_posix()

    def text(self, text: str) -> str:
        """``text`` with every known absolute folder rewritten (see the module docstring)."""
        if "/" not in text:
            return text
        for base, public in self._bases:
            text = _replace_base(text, base, public)
        return text

    def value(self, value):
        """Strings, lists and dicts (a manifest, a notebook) with :meth:`text` applied to every
        string; image data are left alone."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return type(value)({key: item if str(key).startswith(IMAGE_PREFIX) else self.value(item)
                                for key, item in value.items()})
        return value

    @cached_property
    def _bases(self) -> list[tuple[str, str]]:
        """The absolute folders to rewrite, longest first (computed once per run)."""
        folders = {os.path.abspath(self.run_dir): self.path(self.run_dir), os.path.abspath(self.root): "."}
        if self.data_dir is not None:
            folders[os.path.abspath(self.data_dir)] = self.path(self.data_dir)
        home = os.path.expanduser("~")
        if len(Path(home).parts) > 1 and home not in folders:
            folders[home] = "~"
        for folder in list(folders):
            resolved = os.path.realpath(folder)
            folders.setdefault(resolved, folders[folder])
        return sorted(folders.items(), key=lambda item: len(item[0]), reverse=True)


def _replace_base(text: str, base: str, public: str) -> str:
    if base not in text:
        return text
    pattern = re.compile(re.escape(base) + r"(/|(?![\w.\-]))")
    inside = "" if public == "." else f"{public}/"
    return pattern.sub(lambda m: inside if m.group(1) == "/" else public, text)
