"""The version of the code the results depend on: a prepared folder is reused only by the same code."""

from __future__ import annotations

import hashlib

from analysis import paths

CODE_LAYERS = ("data", "models", "policy", "results")  # the code the results depend on


def code_version() -> str:
    """SHA-256 of the source of the layers the results depend on (``CODE_LAYERS``) and the base
    modules: editing a report notebook, words or plots does not rerun a province."""
    digest = hashlib.sha256()
    files = sorted(paths.PACKAGE.glob("*.py")) + sorted(
        p for layer in CODE_LAYERS for p in (paths.PACKAGE / layer).rglob("*.py") if "__pycache__" not in p.parts)
    for path in files:
        digest.update(path.relative_to(paths.PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
