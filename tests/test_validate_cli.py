"""The ``validate`` command and data/README.md, the written data contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import paths
from analysis.data import contract, problems, schema
from analysis.run import cli

VALID = Path(__file__).parent / "data" / "contract" / "valid"
README = paths.DATA / "README.md"


def copy_valid(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(VALID, folder)
    return folder


def snapshot(folder: Path) -> dict:
    return {p.name: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in sorted(folder.iterdir())}


def test_valid_folder_exits_0_with_a_summary(tmp_path, capsys):
    folder = copy_valid(tmp_path)
    before = snapshot(folder)
    assert cli.main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK")
    for line in ("group_months           9 rows", "months        2019-12 .. 2020-02 (3 months)",
                 "groups                 3 with monthly data", "districts              2"):
        assert line in out
    assert snapshot(folder) == before  # nothing written, nothing touched


def test_invalid_folder_exits_1_naming_file_row_column_rule_value(tmp_path, capsys):
    folder = copy_valid(tmp_path)
    path = folder / "group_months.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("0001,2020-01,40,1001.5", "0001,2020-01,40,abc"),
                    encoding="utf-8")
    (folder / "groups.csv").write_bytes(b"\x00\x01\x02binary")
    before = snapshot(folder)
    assert cli.main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "ERROR group_months.csv, column outstanding: not a number [type]; row 3 ('abc')" in out
    assert "ERROR groups.csv: this is not a text table" in out and "[file_binary]" in out
    assert "Traceback" not in out
    assert snapshot(folder) == before


def test_missing_folder_is_a_user_error_without_traceback(tmp_path, capsys):
    code = cli.main(["validate", str(tmp_path / "nowhere")])
    captured = capsys.readouterr()
    assert code == 1 and "folder not found" in captured.out and "Traceback" not in captured.out + captured.err


def test_command_line_never_shows_a_traceback(tmp_path):
    folder = copy_valid(tmp_path)
    (folder / "units.csv").write_text("M· tæ,X·\n0001,09001\n", encoding="utf-8")  # TCVN3 header, wrong table
    done = subprocess.run([sys.executable, "-m", "analysis", "validate", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "this file looks like TCVN3 legacy encoding; re-save it as Unicode UTF-8" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_readme_documents_every_table_and_column():
    text = README.read_text(encoding="utf-8")
    for table in contract.TABLES.values():
        assert f"### `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text, f"{table.name}.{column.name} undocumented"
    for rule in problems.RULES:
        assert f"| `{rule}` |" in text


def test_readme_generated_part_is_current():
    text = README.read_text(encoding="utf-8")
    generated = text.split(schema.README_BEGIN, 1)[1].split(schema.README_END, 1)[0]
    assert generated.strip() == schema.contract_markdown().strip(), (
        "data/README.md is out of date: run "
        " .venv/bin/python -c 'from analysis.data import schema; schema.write_readme()'")


@pytest.mark.parametrize("section", ["Formats", "Headers", "Numbers", "Dates", "Encodings", "Example"])
def test_readme_has_the_user_sections(section):
    assert f"## {section}" in README.read_text(encoding="utf-8")
