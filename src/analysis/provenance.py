"""Where the code came from: the git commit of the checkout (recorded once, by the prepare step)."""

from __future__ import annotations

import subprocess

from analysis import paths


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
