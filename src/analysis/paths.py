"""Every path the project uses, in one place."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # the installed package (src/analysis)
RESOURCES = PACKAGE / "resources"  # data files shipped with the package
ROOT = Path(os.environ.get("VBSP_ROOT", PACKAGE.parents[1]))
CONFIG = ROOT / "config"
DATA = ROOT / "data"
SAMPLE = DATA / "sample"
SAMPLE_COUNTRY = DATA / "sample-country"  # the small synthetic country the national notebooks open by default
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
TESTS_DATA = ROOT / "tests" / "data"

TABLES = ("units", "groups", "group_months", "briefings", "reforms")
