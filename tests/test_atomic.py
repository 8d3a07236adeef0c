"""Atomic writes: complete or absent, never half-written; usual file permissions."""

import os
import stat

import pytest

from analysis import atomic


def test_write_replaces_target_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out" / "report.html"
    atomic.write_text(target, "one")
    atomic.write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_failure_while_writing_keeps_the_previous_file(tmp_path):
    target = tmp_path / "report.pdf"
    atomic.write_text(target, "complete")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        target = atomic.write_text(tmp_path / "index.html", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
