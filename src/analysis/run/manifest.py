"""Provenance for a report run: what went in (code, data, environment) and what came out.

The runner writes ``reports/<run>/manifest.json`` after every report and at the end. Its
top-level keys:

- ``run``: run-file name, path and hash, language, output folder, scheduler;
- ``provenance``: git commit (``"unknown"`` outside git), dirty flag (``git status --porcelain``
  non-empty), code hash (``src/analysis/**/*.py``), python and package versions, the
  ``environment.yml`` hash, the data folder, the data hash (:func:`analysis.data.fingerprint.data_hash`,
  the one the brief prints) and per-file SHA-256 checksums;
- ``started``/``finished``/``duration_s`` for the whole run, and ``synthetic`` (data from the
  generator: ``truth.json`` in the data folder);
- ``prepare``: status, fingerprint, times and error of the shared (model-fitting) step;
- ``runs``: one entry per report, keyed by its output name (see :mod:`analysis.run.plan`), with
  template, parameters, what it needs (``shared`` or ``data``), fingerprint, status
  (``ok``/``failed``/``skipped``), error message, start/end times, duration, output file names
  (relative to the run folder) and the kernel used.

Paths are written as :mod:`analysis.run.public` says: relative to the project root, or else to the
run folder; never this machine's absolute paths. Fingerprints are SHA-256 of a canonical JSON of
the inputs; a run whose fingerprint, previous status and outputs are unchanged is skipped.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from analysis import paths
from analysis.atomic import write_text
from analysis.data import fingerprint as data_fingerprint

# Direct dependencies whose versions go into the manifest (pyproject.toml pins them).
PACKAGES = (
    "numpy", "scipy", "pandas", "pyarrow", "statsmodels", "pyfixest", "pandera", "matplotlib", "seaborn",
    "papermill", "nbformat", "nbclient", "nbconvert", "ipykernel", "jupyter_client", "dask", "distributed",
    "typst", "PyYAML", "Jinja2", "tqdm", "vietnamadminunits",
)


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    return data_fingerprint.sha256_file(path)


def fingerprint(payload) -> str:
    """SHA-256 of the canonical JSON of ``payload`` (sorted keys; non-JSON values via ``str``)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return sha256_bytes(text.encode("utf-8"))


def code_hash(package_dir: str | Path | None = None) -> str:
    """SHA-256 over the package's ``*.py`` files (path and content): the code version."""
    root = Path(package_dir) if package_dir else paths.PACKAGE
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=paths.ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state() -> dict[str, object]:
    """Commit and dirty flag of the project checkout (``"unknown"``/``None`` outside git)."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if commit else None
    return {"commit": commit or "unknown", "dirty": None if status is None else bool(status)}


def package_versions(names=PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _registry() -> dict[str, str]:
    """The official registry of units every run's geography comes from (name, version, licence, home)."""
    from analysis.data import registry

    try:
        return registry.about()
    except registry.RegistryUnavailable as exc:
        return {"name": registry.PACKAGE, "version": "not installed", "error": str(exc)}


def provenance(data_dir: str | Path) -> dict[str, object]:
    """Everything about the inputs that a reader needs to reproduce a run."""
    checksums = data_fingerprint.file_checksums(data_dir)
    env_file = paths.ROOT / "environment.yml"
    return {
        **git_state(),
        "code_hash": code_hash(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "packages": package_versions(),
        "units_registry": _registry(),
        "environment_yml_sha256": sha256_file(env_file) if env_file.exists() else None,
        "data_dir": str(data_dir),
        "data_hash": data_fingerprint.hash_checksums(checksums),
        "data_files": checksums,
    }


def read(path: str | Path) -> dict:
    """A previous manifest, or ``{}`` when there is none or it cannot be read."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write(path: str | Path, manifest: dict) -> Path:
    return write_text(path, json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n")
