"""Every path the project uses, in one place."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("VBSP_ROOT", Path(__file__).resolve().parents[2]))
CONFIG = ROOT / "config"
DATA = ROOT / "data"
SAMPLE = DATA / "sample"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
TESTS_DATA = ROOT / "tests" / "data"

TABLES = ("units", "groups", "group_months", "briefings", "reforms")
