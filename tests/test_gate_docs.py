"""The Monte Carlo tables in the docs are the stored gate record (tools/gate_docs.py), not typed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("gate_docs", ROOT / "tools" / "gate_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_print_the_stored_gate():
    tool = _tool()
    designs = set()
    for doc in tool.DOCS:
        text = doc.read_text(encoding="utf-8")
        assert tool.refresh(text) == text, f"{doc.name}: run tools/gate_docs.py"
        designs |= {m.group(2) for m in tool.BLOCK.finditer(text)}
    assert {"models", "directive", "reform"} <= designs


def test_a_changed_table_is_found(tmp_path):
    tool = _tool()
    text = "<!-- gate:models -->\n| typed by hand |\n<!-- /gate:models -->\n"
    assert "typed by hand" not in tool.refresh(text) and "OLS FE" in tool.refresh(text)
