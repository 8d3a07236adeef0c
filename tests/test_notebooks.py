"""The report notebooks: in sync with their source, thin, and executable with other parameters.

Each template runs end to end through papermill on the small province (a user's data folder in
Parquet) with non-default parameters; ``make test`` also runs them all with nbval on the sample.
"""

from __future__ import annotations

import ast
import sys

import nbformat
import papermill as pm
import pytest

from analysis.words import district_report as dr
from analysis import paths
sys.path.insert(0, str(paths.ROOT / "tools"))
import build_notebooks  # noqa: E402

TEMPLATES = sorted(build_notebooks.NOTEBOOKS)


def _read(name):
    return nbformat.read(paths.NOTEBOOKS / name, as_version=4)


def test_committed_notebooks_match_their_source():
    for name, text in build_notebooks.build().items():
        committed = (paths.NOTEBOOKS / name).read_text(encoding="utf-8")
        assert committed == text, f"notebooks/{name} is stale: run tools/build_notebooks.py"


@pytest.mark.parametrize("name", TEMPLATES)
def test_one_literal_parameters_cell_and_no_definitions(name):
    nb = _read(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell must be tagged parameters"
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    for stmt in ast.parse(code[0].source).body:
        assert isinstance(stmt, ast.AnnAssign) and isinstance(stmt.value, ast.Constant), ast.dump(stmt)
    for cell in code:
        tree = ast.parse(cell.source)
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.walk(tree)), name
    declared = {stmt.target.id for stmt in ast.parse(code[0].source).body}
    assert {"data_dir", "shared_dir", "lang"} <= declared
    # papermill must parse every line (a comment with '=' or quotes can defeat its parser)
    assert set(pm.inspect_notebook(str(paths.NOTEBOOKS / name))) == declared


RUNS = [
    ("data_quality.ipynb", {"lang": "en"}, ["The data satisfy the data contract"]),
    ("descriptives.ipynb", {"lang": "en"}, ["The province's overdue ratio went from"]),
    ("drivers.ipynb", {"lang": "vi"}, ["So sánh **cùng một tổ**"]),
    ("policy.ipynb", {"lang": "en"}, ["When Directive 40 took effect", "Callaway-Sant'Anna against never-treated"]),
    ("district_report.ipynb", {"lang": "en", "district_code": "951"}, ["# District report: Trần Đề", "lowest of 11 districts"]),
    ("district_report.ipynb", {"lang": "vi", "district_code": "941"}, ["# Báo cáo huyện: TP Sóc Trăng", "thấp thứ"]),
    ("evidence_brief.ipynb", {"lang": "en"}, ["When a group holds one more meeting", "Synthetic data"]),
]


def _texts(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("data", {}).get("text/markdown", ""))
            parts.append(out.get("text", ""))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("name,params,expected", RUNS, ids=[f"{r[0]}-{r[1]}" for r in RUNS])
def test_template_runs_on_a_user_data_folder(name, params, expected, small_data_dir, small_shared_dir, tmp_path):
    parameters = {"data_dir": str(small_data_dir), "shared_dir": str(small_shared_dir), **params}
    out = tmp_path / name
    pm.execute_notebook(str(paths.NOTEBOOKS / name), str(out), parameters=parameters, progress_bar=False,
                        cwd=str(paths.NOTEBOOKS), kernel_name="python3")
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.papermill.parameters == parameters
    text = _texts(nb)
    for snippet in expected:
        assert snippet in text, f"{snippet!r} not in the output of {name}"
    assert "Traceback" not in text


@pytest.mark.slow
def test_reports_run_without_the_optional_tables(small_data_dir, tmp_path):
    """briefings and reforms are optional in the contract: the suite still reports, and says so."""
    import shutil

    from analysis.results import report_inputs
    data = tmp_path / "data"
    data.mkdir()
    for name in ("units", "groups", "group_months"):
        shutil.copy(small_data_dir / f"{name}.parquet", data / f"{name}.parquet")
    shared_dir = tmp_path / "shared"
    meta = report_inputs.prepare(data, shared_dir)
    assert meta["synthetic"] is False and "did_skipped" in meta["policy"]
    for name, params, expected in [("policy.ipynb", {"lang": "en"}, "No reform to evaluate"),
                                   ("district_report.ipynb", {"lang": "en", "district_code": "943"}, "Kế Sách")]:
        out = tmp_path / name
        pm.execute_notebook(str(paths.NOTEBOOKS / name), str(out), progress_bar=False, cwd=str(paths.NOTEBOOKS),
                            parameters={"data_dir": str(data), "shared_dir": str(shared_dir), **params})
        assert expected in _texts(nbformat.read(out, as_version=4))
    # with no briefings recorded, compliance is unknown (blank), never a misleading 0%
    shared = report_inputs.load(shared_dir)
    kpi = dr.kpi_table(dr.DistrictView.build(shared, "943"), "en").set_index("Indicator")
    assert kpi.loc["Commune briefings held on schedule (%)"].isna().all()
