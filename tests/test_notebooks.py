"""The report notebooks: the .ipynb files are the source researchers edit in JupyterLab.

Structure (checked on the committed notebooks and on a copy executed and saved the way JupyterLab
saves it, with outputs and execution counts): one literal parameters cell first, every import in the
setup cell right after it, no ``def``/``class``, headings as Markdown cells tagged by language.
Each template also runs end to end through papermill on the small province with non-default
parameters; ``make test`` also runs them all with nbval on the sample.
"""

from __future__ import annotations

import ast

import nbformat
import papermill as pm
import pytest
from nbclient import NotebookClient

from analysis import paths
from analysis.words import district

TEMPLATES = sorted(p.name for p in paths.NOTEBOOKS.glob("*.ipynb"))
LANG_TAGS = {"lang-vi", "lang-en"}


def _read(name):
    return nbformat.read(paths.NOTEBOOKS / name, as_version=4)


def check_structure(nb, name: str) -> None:
    """The house rules of a report notebook (see the module docstring)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), f"{name}: first code cell must be tagged parameters"
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1, name
    for stmt in ast.parse(code[0].source).body:
        assert isinstance(stmt, ast.AnnAssign) and isinstance(stmt.value, ast.Constant), ast.dump(stmt)
    for i, cell in enumerate(code):
        tree = ast.parse(cell.source)
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef,
                                      ast.AsyncFunctionDef)) for n in ast.walk(tree)), name
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert i == 1 or not imports, f"{name}: imports belong in the setup cell (cell {i} imports)"
        assert not cell.source.lstrip().startswith('show_markdown(tr("#'), f"{name}: headings are Markdown cells"
    headings = [c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith("#")]
    tagged = [c for c in headings if set(c.metadata.get("tags", [])) & LANG_TAGS]
    vi = sum("lang-vi" in c.metadata.get("tags", []) for c in tagged)
    assert vi == len(tagged) - vi > 0, f"{name}: every heading comes in Vietnamese and English"


@pytest.mark.parametrize("name", TEMPLATES)
def test_notebook_structure(name):
    nb = _read(name)
    check_structure(nb, name)
    declared = {stmt.target.id for stmt in ast.parse(nb.cells[1].source).body}
    assert {"data_dir", "shared_dir", "lang"} <= declared
    # papermill must parse every line (a comment with '=' or quotes can defeat its parser)
    assert set(pm.inspect_notebook(str(paths.NOTEBOOKS / name))) == declared


def test_structure_check_catches_a_definition_and_a_late_import():
    nb = _read("descriptives.ipynb")
    nb.cells.append(nbformat.v4.new_code_cell("def helper():\n    return 1"))
    with pytest.raises(AssertionError):
        check_structure(nb, "descriptives.ipynb")
    nb = _read("descriptives.ipynb")
    nb.cells.append(nbformat.v4.new_code_cell("import numpy as np"))
    with pytest.raises(AssertionError, match="setup cell"):
        check_structure(nb, "descriptives.ipynb")


@pytest.mark.slow
def test_a_notebook_saved_from_jupyterlab_keeps_the_checks(small_data_dir, small_shared_dir, tmp_path):
    """Run a notebook in a kernel as JupyterLab does (parameters edited in place, outputs and execution
    counts kept), save it, and check it still passes the structural checks and papermill's parser."""
    nb = _read("evidence_brief.ipynb")
    nb.cells[1].source = nb.cells[1].source.replace('data_dir: str = ""', f'data_dir: str = "{small_data_dir}"') \
        .replace('shared_dir: str = ""', f'shared_dir: str = "{small_shared_dir}"')
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(paths.NOTEBOOKS)}}).execute()
    saved = tmp_path / "evidence_brief.ipynb"
    nbformat.write(nb, saved)
    again = nbformat.read(saved, as_version=4)
    assert any(c.get("outputs") for c in again.cells if c.cell_type == "code")
    check_structure(again, "saved evidence_brief.ipynb")
    assert set(pm.inspect_notebook(str(saved))) == {"data_dir", "shared_dir", "lang", "reform_names"}


RUNS = [
    ("data_quality.ipynb", {"lang": "en"}, ["The data satisfy the data contract"]),
    ("descriptives.ipynb", {"lang": "en"}, ["The province's overdue ratio went from"]),
    ("drivers.ipynb", {"lang": "vi"}, ["So sánh **cùng một tổ**"]),
    ("policy.ipynb", {"lang": "en"}, ["When Directive 40-CT/TW took effect",
                                      "Callaway-Sant'Anna, against 3 districts"]),
    ("district_report.ipynb", {"lang": "en", "district_code": "951"}, ["# District report: Huyện Trần Đề",
                                                                       "lowest of 11 districts"]),
    ("district_report.ipynb", {"lang": "vi", "district_code": "941"},
     ["# Báo cáo huyện: Thành phố Sóc Trăng", "thấp thứ"]),
    ("evidence_brief.ipynb", {"lang": "en"}, ["**Meetings**", "Synthetic data"]),
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

    from analysis import results as results_layer
    from analysis.results import prepare

    data = tmp_path / "data"
    data.mkdir()
    for name in ("units", "groups", "group_months"):
        shutil.copy(small_data_dir / f"{name}.parquet", data / f"{name}.parquet")
    shared_dir = tmp_path / "shared"
    meta = prepare.prepare(data, shared_dir)
    assert meta["synthetic"] is False and "reform" in meta["skipped"]
    for name, params, expected in [("policy.ipynb", {"lang": "en"}, "No reform to evaluate"),
                                   ("district_report.ipynb", {"lang": "en", "district_code": "943"}, "Kế Sách")]:
        out = tmp_path / name
        pm.execute_notebook(str(paths.NOTEBOOKS / name), str(out), progress_bar=False, cwd=str(paths.NOTEBOOKS),
                            parameters={"data_dir": str(data), "shared_dir": str(shared_dir), **params})
        assert expected in _texts(nbformat.read(out, as_version=4))
    # with no briefings recorded, compliance is unknown (blank), never a misleading 0%
    results = results_layer.load(shared_dir)
    kpi = district.kpi_table(results, "943", "en").set_index("Indicator")
    assert kpi.loc["Commune briefings held on schedule (%)"].isna().all()
