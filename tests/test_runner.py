"""The report runner (analysis.run): run-file validation, failure isolation, skip-unchanged,
--force, atomic outputs, manifest contents, HTML escaping of names from data, no state leaking
between notebooks, no absolute path in published outputs, a prepare step that dies natively.

Fixture notebooks (tests/notebooks_fixtures) are trivial and import nothing heavy; the data are a
hand-written three-district units table. Most tests use the serial 'inline' scheduler; the
default path (a local Dask cluster with 2 workers) is tested once, on failure isolation.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
import yaml

from analysis import paths
from analysis.atomic import atomic_path
from analysis.data import fingerprint
from analysis.errors import UserError
from analysis.run import build as run_build
from analysis.run import cli, manifest, plan, render, runfile, warm
from analysis.run.public import PublicPaths
from analysis.run.settings import SHARED, Settings

FIXTURES = Path(__file__).parent / "notebooks_fixtures"
DISTRICT_NB = FIXTURES / "district_echo.ipynb"
EVIL = "<script>alert(1)</script> & Đ"  # a district name taken from data, to be escaped
UNITS_CSV = (
    "province,district,district_name,commune,commune_name\n"
    "94,941,Thành phố Sóc Trăng,94101,Phường 1\n"
    "94,943,Kế Sách,94301,Thị trấn Kế Sách\n"
    f'94,944,"{EVIL}",94401,Xã Đại Ân\n'
)
CODE_VERSION = "test-code-v1"  # fixed, so edits elsewhere in src/analysis do not affect these tests
OK_SLUGS = ("district_941-thanh-pho-soc-trang", "district_943-ke-sach")
FAIL_SLUG = "district_944-script-alert-1-script-d"


def write_data(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (folder / "group_months.csv").write_text("group_id,month,overdue\nG1,2020-01,0.0\n", encoding="utf-8")
    (folder / "truth.json").write_text("{}", encoding="utf-8")  # marks the synthetic sample
    return folder


def write_run(path: Path, notebooks: list[dict], *, prepare: str | None = None,
              warm_imports=("json",), name: str = "t") -> Path:
    doc = {"name": name, "warm_imports": list(warm_imports), "notebooks": notebooks}
    if prepare:
        doc["prepare"] = prepare
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def district_run(path: Path, *, fail: str = "", prepare: bool = True) -> Path:
    entry = {"template": str(DISTRICT_NB), "name": "district", "for_each": "district",
             "params": {"fail_district": fail}}
    return write_run(path, [entry], prepare="fixture_prepare:prepare" if prepare else None)


@pytest.fixture
def fixture_env(monkeypatch, tmp_path):
    """Fixture modules importable here, on Dask workers and in kernels; prepare calls logged."""
    monkeypatch.syspath_prepend(str(FIXTURES))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(FIXTURES), os.environ.get("PYTHONPATH", "")]))
    log = tmp_path / "prepare.log"
    monkeypatch.setenv("VBSP_TEST_PREPARE_LOG", str(log))
    return log


def build(tmp_path: Path, run: Path, **kwargs) -> dict:
    options = dict(run_path=run, data_dir=tmp_path / "data", out_root=tmp_path / "reports", lang="vi",
                   scheduler="inline", workers=1, progress=False, code_version=CODE_VERSION)
    options.update(kwargs)
    return run_build.build_reports(Settings(**options))


def statuses(doc: dict) -> dict[str, str]:
    return {slug: entry["status"] for slug, entry in doc["runs"].items()}


# ---------------------------------------------------------------------------------------------

SLUG_CASES = [
    ("Kế Sách", "ke-sach"),
    ("Thành phố Sóc Trăng", "thanh-pho-soc-trang"),
    ("Đoàn Thanh niên", "doan-thanh-nien"),
    ("Mỹ Xuyên", "my-xuyen"),
    (EVIL, "script-alert-1-script-d"),
]


@pytest.mark.parametrize(("name", "slug"), SLUG_CASES)
def test_slugify_strips_vietnamese_diacritics(name, slug):
    assert plan.slugify(name) == slug


RUN_FILE_ERRORS = [
    ({"name": "t", "notebooks": [{"template": str(DISTRICT_NB)}], "colour": 1}, "unknown key"),
    ({"name": "t", "notebooks": [{"template": str(DISTRICT_NB), "param": {}}]}, "unknown key"),
    ({"name": "t", "notebooks": [{"template": "notebooks/nope.ipynb"}]}, "not found"),
    ({"name": "t", "notebooks": [{"template": str(DISTRICT_NB), "params": {"colour": "red"}}]}, "not declared"),
    ({"name": "t", "notebooks": [{"template": str(DISTRICT_NB), "params": {"data_dir": "x"}}]}, "set by the runner"),
    ({"name": "t", "notebooks": [{"template": str(DISTRICT_NB), "for_each": "hamlet"}]}, "for_each"),
    ({"name": "bad name!", "notebooks": [{"template": str(DISTRICT_NB)}]}, "'name' is required"),
    ({"name": "t", "notebooks": []}, "non-empty list"),
    ({"name": "t", "notebooks": [{"template": str(DISTRICT_NB), "needs": "models"}]}, "needs must be one of"),
]


@pytest.mark.parametrize(("doc", "message"), RUN_FILE_ERRORS)
def test_run_file_errors_are_clear(tmp_path, doc, message):
    path = tmp_path / "run.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(UserError, match=message):
        runfile.load_run_file(path)


def test_duplicate_output_names_are_rejected(tmp_path):
    entry = {"template": str(DISTRICT_NB), "name": "district", "for_each": "district"}
    run = write_run(tmp_path / "run.yml", [entry, entry])
    write_data(tmp_path / "data")
    with pytest.raises(UserError, match="duplicate output names"):
        build(tmp_path, run)


# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_default_dask_path_isolates_a_failing_district(tmp_path, fixture_env, capsys):
    """Local Dask cluster, 2 workers: district 944 fails, the others finish; exit code 1."""
    write_data(tmp_path / "data")
    run = district_run(tmp_path / "run.yml", fail="944")
    code = cli.main(["report", "--run", str(run), "--data", str(tmp_path / "data"),
                     "--out", str(tmp_path / "reports"), "--workers", "2", "--no-progress"])
    assert code == 1
    out_dir = tmp_path / "reports" / "t-vi"
    for slug in OK_SLUGS:
        for suffix in (".ipynb", ".html", ".pdf"):
            assert (out_dir / f"{slug}{suffix}").stat().st_size > 0
    error_nb = nbformat.read(out_dir / f"{FAIL_SLUG}.error.ipynb", as_version=4)
    assert any(o.get("evalue") == "district 944 made to fail" for c in error_nb.cells for o in c.get("outputs", []))
    assert "made to fail" in (out_dir / f"{FAIL_SLUG}.error.html").read_text(encoding="utf-8")
    assert not (out_dir / f"{FAIL_SLUG}.pdf").exists()
    summary = capsys.readouterr().out
    assert FAIL_SLUG in summary and "ValueError: district 944 made to fail" in summary
    doc = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert statuses(doc) == {OK_SLUGS[0]: "ok", OK_SLUGS[1]: "ok", FAIL_SLUG: "failed"}
    assert doc["prepare"]["status"] == "ok"
    assert len(fixture_env.read_text().splitlines()) == 1  # shared work done once for 3 reports
    assert not any(pid_alive(e["kernel"]["pid"]) for e in doc["runs"].values())  # kernels shut down


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


@pytest.mark.slow
def test_existing_dask_scheduler_by_address(tmp_path, fixture_env):
    import logging

    from distributed import LocalCluster

    write_data(tmp_path / "data")
    run = district_run(tmp_path / "run.yml")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        doc = build(tmp_path, run, scheduler=cluster.scheduler_address, only="district_943*")
        assert statuses(doc) == {OK_SLUGS[1]: "ok"}
        assert doc["run"]["scheduler"] == cluster.scheduler_address
        assert not pid_alive(doc["runs"][OK_SLUGS[1]]["kernel"]["pid"])


@pytest.fixture
def inline_build(tmp_path, fixture_env):
    """One serial run of the district fixture with district 944 failing."""
    write_data(tmp_path / "data")
    run = district_run(tmp_path / "run.yml", fail="944")
    doc = build(tmp_path, run)
    return tmp_path, run, doc


def test_manifest_contents(inline_build):
    tmp_path, run, doc = inline_build
    out_dir = tmp_path / "reports" / "t-vi"
    on_disk = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["runs"].keys() == doc["runs"].keys()
    prov = on_disk["provenance"]
    assert len(prov["commit"]) == 40 or prov["commit"] == "unknown"
    assert prov["dirty"] in (True, False, None)
    assert prov["packages"]["papermill"] == metadata.version("papermill")
    assert prov["packages"]["typst"] == metadata.version("typst")
    assert prov["units_registry"]["name"] == "vietnamadminunits"
    assert prov["units_registry"]["version"] == metadata.version("vietnamadminunits")
    units_sha = hashlib.sha256((tmp_path / "data" / "units.csv").read_bytes()).hexdigest()
    assert prov["data_files"]["units.csv"] == units_sha
    assert set(prov["data_files"]) == {"units.csv", "group_months.csv", "truth.json"}
    assert len(prov["environment_yml_sha256"]) == 64
    assert on_disk["synthetic"] is True and on_disk["banner"] == render.BANNER["vi"]
    ok = on_disk["runs"][OK_SLUGS[1]]
    assert ok["status"] == "ok" and ok["error"] is None
    assert ok["parameters"]["district_code"] == "943"
    assert ok["parameters"]["data_dir"] == "../../data"  # relative to the run folder
    assert ok["needs"] == "shared"
    assert ok["started"] <= ok["finished"] and ok["duration_s"] > 0
    assert ok["outputs"] == {"ipynb": f"{OK_SLUGS[1]}.ipynb", "html": f"{OK_SLUGS[1]}.html",
                             "pdf": f"{OK_SLUGS[1]}.pdf"}
    failed = on_disk["runs"][FAIL_SLUG]
    assert failed["status"] == "failed" and failed["error"] == "ValueError: district 944 made to fail"
    assert on_disk["prepare"]["status"] == "ok"


def test_manifest_and_index_print_the_one_data_hash(inline_build):
    tmp_path, _, _ = inline_build
    out_dir = tmp_path / "reports" / "t-vi"
    on_disk = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    expected = fingerprint.data_hash(tmp_path / "data")
    assert on_disk["provenance"]["data_hash"] == expected
    assert f"<code>{expected[:16]}</code>" in (out_dir / "index.html").read_text(encoding="utf-8")


def published_text(path: Path) -> str:
    if path.suffix == ".pdf":
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
    return path.read_text(encoding="utf-8", errors="replace")


def test_published_outputs_hold_no_absolute_path(inline_build):
    tmp_path, _, _ = inline_build
    out_dir = tmp_path / "reports" / "t-vi"
    files = [p for p in out_dir.iterdir() if p.suffix in (".html", ".pdf", ".json", ".ipynb")]
    assert len(files) >= 10
    for path in files:
        text = published_text(path)
        for absolute in (str(tmp_path), str(paths.ROOT)):
            assert absolute not in text, f"{path.name} holds {absolute}"
    nb = nbformat.read(out_dir / f"{OK_SLUGS[1]}.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["shared_dir"] == SHARED  # relative to the run folder


PUBLIC_CASES = [
    ("{root}/data/sample", "data/sample"),
    ("{root}", "."),
    ("{tmp}/exports", "../../exports"),
    ("{tmp}/reports/r-vi/_shared", "_shared"),
]


@pytest.mark.parametrize(("path", "shown"), PUBLIC_CASES)
def test_public_paths_are_relative_to_the_project_or_the_run_folder(tmp_path, path, shown):
    public = PublicPaths(run_dir=tmp_path / "reports" / "r-vi")
    assert public.path(path.format(root=paths.ROOT, tmp=tmp_path)) == shown


def test_public_text_rewrites_known_folders_only(tmp_path):
    public = PublicPaths(run_dir=tmp_path / "reports" / "r-vi", data_dir=tmp_path / "exports")
    text = (f"File {paths.ROOT}/src/analysis/x.py, data {tmp_path}/exports/units.csv, "
            f"out {tmp_path}/reports/r-vi, other {paths.ROOT}frame/y")
    assert public.text(text) == (f"File src/analysis/x.py, data ../../exports/units.csv, "
                                 f"out ., other {paths.ROOT}frame/y")
    image = {"image/png": f"{tmp_path}/exports", "text/plain": [f"{tmp_path}/exports"]}
    assert public.value(image) == {"image/png": f"{tmp_path}/exports", "text/plain": ["../../exports"]}


def test_output_notebook_carries_papermill_metadata(inline_build):
    tmp_path, _, _ = inline_build
    nb = nbformat.read(tmp_path / "reports" / "t-vi" / f"{OK_SLUGS[1]}.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["district_code"] == "943"
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'district_code = "943"' in injected[0].source
    # the prepare step's output reached the notebook through shared_dir
    html_text = (tmp_path / "reports" / "t-vi" / f"{OK_SLUGS[1]}.html").read_text(encoding="utf-8")
    assert "0.42" in html_text and "Kế Sách" in html_text
    assert html_text.count('class="vbsp-banner"') == 1  # synthetic sample: truth.json in the data


def test_names_from_data_are_html_escaped(inline_build):
    tmp_path, _, _ = inline_build
    out_dir = tmp_path / "reports" / "t-vi"
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Đ" in index
    for page in out_dir.glob("*.html"):
        assert "<script>alert(1)</script>" not in page.read_text(encoding="utf-8"), page.name
    error_page = (out_dir / f"{FAIL_SLUG}.error.html").read_text(encoding="utf-8")
    assert "<title>944 &lt;script&gt;alert(1)&lt;/script&gt; &amp; Đ</title>" in error_page
    assert all(f'href="{slug}.html"' in index for slug in OK_SLUGS)
    assert f'href="{FAIL_SLUG}.error.ipynb"' in index


def test_skip_unchanged_then_force_then_data_change(inline_build):
    tmp_path, run, _ = inline_build
    out_dir = tmp_path / "reports" / "t-vi"
    pdf_mtime = (out_dir / f"{OK_SLUGS[0]}.pdf").stat().st_mtime_ns
    again = build(tmp_path, run)
    assert statuses(again) == {OK_SLUGS[0]: "skipped", OK_SLUGS[1]: "skipped", FAIL_SLUG: "failed"}
    assert (out_dir / f"{OK_SLUGS[0]}.pdf").stat().st_mtime_ns == pdf_mtime  # not rewritten
    log = Path(os.environ["VBSP_TEST_PREPARE_LOG"])
    assert len(log.read_text().splitlines()) == 1  # shared work skipped too

    forced = build(tmp_path, run, force=True)
    assert statuses(forced)[OK_SLUGS[0]] == "ok"
    assert len(log.read_text().splitlines()) == 2

    new_code = build(tmp_path, run, code_version="test-code-v2")
    assert statuses(new_code)[OK_SLUGS[0]] == "ok"

    with open(tmp_path / "data" / "group_months.csv", "a", encoding="utf-8") as handle:
        handle.write("G1,2020-02,1.0\n")
    changed = build(tmp_path, run, code_version="test-code-v2", only="district_94[13]*")
    assert statuses(changed) == {OK_SLUGS[0]: "ok", OK_SLUGS[1]: "ok", FAIL_SLUG: "failed"}
    assert len(log.read_text().splitlines()) == 4


def test_a_failed_run_that_is_fixed_replaces_its_error_files(inline_build):
    tmp_path, _, _ = inline_build
    out_dir = tmp_path / "reports" / "t-vi"
    fixed = district_run(tmp_path / "run.yml", fail="")
    doc = build(tmp_path, fixed)
    assert statuses(doc) == dict.fromkeys((*OK_SLUGS, FAIL_SLUG), "ok")
    assert not list(out_dir.glob("*.error.*"))
    assert (out_dir / f"{FAIL_SLUG}.pdf").exists()


def test_interrupted_run_leaves_no_partial_file_and_rerun_completes(tmp_path, fixture_env, monkeypatch):
    write_data(tmp_path / "data")
    run = district_run(tmp_path / "run.yml", prepare=False)
    out_dir = tmp_path / "reports" / "t-vi"
    real_write_pdf = render.write_pdf
    calls = []

    def interrupted_write_pdf(nb, target, **kwargs):
        calls.append(target)
        if len(calls) == 2:  # Ctrl-C half-way through writing the second PDF
            with atomic_path(target) as tmp:
                tmp.write_bytes(b"%PDF-1.7 half")
                raise KeyboardInterrupt
        return real_write_pdf(nb, target, **kwargs)

    monkeypatch.setattr(render, "write_pdf", interrupted_write_pdf)
    with pytest.raises(KeyboardInterrupt):
        build(tmp_path, run)
    assert not list(out_dir.glob(".*.tmp")) and not list(out_dir.glob("*.tmp"))
    assert not (out_dir / f"{OK_SLUGS[1]}.pdf").exists()
    assert not (out_dir / f"{OK_SLUGS[1]}.html").exists()  # the PDF is written first
    assert statuses(manifest.read(out_dir / "manifest.json"))[OK_SLUGS[0]] == "ok"

    (out_dir / ".district_x.pdf.k1l2.tmp").write_bytes(b"left by a killed run")
    monkeypatch.setattr(render, "write_pdf", real_write_pdf)
    doc = build(tmp_path, run)
    assert statuses(doc) == {OK_SLUGS[0]: "skipped", OK_SLUGS[1]: "ok", FAIL_SLUG: "ok"}
    assert not list(out_dir.glob(".*.tmp"))
    for slug in (*OK_SLUGS, FAIL_SLUG):
        assert (out_dir / f"{slug}.pdf").read_bytes().startswith(b"%PDF")


STATE_NOTEBOOKS = [
    {"template": str(FIXTURES / "state_set.ipynb"), "params": {"marker": "a"}},
    {"template": str(FIXTURES / "state_check.ipynb"), "params": {"marker": "b"}},
]


def test_state_does_not_leak_between_notebooks_on_one_kernel(tmp_path):
    write_data(tmp_path / "data")
    run = write_run(tmp_path / "run.yml", STATE_NOTEBOOKS, warm_imports=("pandas", "matplotlib", "no_such_module_vbsp"))
    doc = build(tmp_path, run, pdf=False)
    first, second = doc["runs"]["state_set_a"], doc["runs"]["state_check_b"]
    assert (first["status"], second["status"]) == ("ok", "ok"), second.get("error")
    assert ["no_such_module_vbsp" in f for f in first["kernel"]["warm_import_failures"]] == [True]
    assert first["kernel"]["pid"] == second["kernel"]["pid"]  # the same warm kernel ran both
    assert second["kernel"]["run_number"] == 2
    nb = nbformat.read(tmp_path / "reports" / "t-vi" / "state_check_b.ipynb", as_version=4)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3]
    streams = [o.text for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream"]
    assert not any("ERROR" in text for text in streams), streams  # e.g. IPython history clashes


def test_state_check_notebook_detects_a_leak_without_reset(tmp_path, monkeypatch):
    """The leak check is sensitive: with the reset disabled it fails."""
    write_data(tmp_path / "data")
    run = write_run(tmp_path / "run.yml", STATE_NOTEBOOKS, warm_imports=("pandas", "matplotlib"))
    monkeypatch.setattr(warm.WarmKernel, "reset", lambda self, kc, cwd: None)
    doc = build(tmp_path, run, pdf=False)
    assert doc["runs"]["state_check_b"]["status"] == "failed"
    assert "leaked" in doc["runs"]["state_check_b"]["error"]


def test_a_dead_kernel_fails_one_run_and_is_replaced(tmp_path):
    write_data(tmp_path / "data")
    notebooks = [{"template": str(FIXTURES / "kernel_dies.ipynb"), "params": {"marker": "a"}},
                 {"template": str(FIXTURES / "state_check.ipynb"), "params": {"marker": "b"}}]
    run = write_run(tmp_path / "run.yml", notebooks, warm_imports=("json",))
    doc = build(tmp_path, run, pdf=False)
    died, after = doc["runs"]["kernel_dies_a"], doc["runs"]["state_check_b"]
    assert died["status"] == "failed" and "DeadKernelError" in died["error"]
    assert (tmp_path / "reports" / "t-vi" / "kernel_dies_a.error.ipynb").exists()
    assert after["status"] == "ok" and after["kernel"]["pid"] != died["kernel"]["pid"]


def test_a_failed_prepare_fails_every_run_and_leaves_no_shared_folder(tmp_path, fixture_env):
    write_data(tmp_path / "data")
    entry = {"template": str(DISTRICT_NB), "name": "district", "for_each": "district"}
    run = write_run(tmp_path / "run.yml", [entry], prepare="fixture_prepare:broken")
    doc = build(tmp_path, run)
    assert doc["prepare"]["status"] == "failed"
    assert "model fit did not converge" in doc["prepare"]["error"] and doc["prepare"]["failed_step"] == "broken"
    assert set(statuses(doc).values()) == {"failed"}
    assert all(e["error"].startswith("prepare failed in step broken") for e in doc["runs"].values())
    out_dir = tmp_path / "reports" / "t-vi"
    assert not (out_dir / SHARED).exists() and not list(out_dir.glob(".*"))


def test_a_native_abort_in_prepare_names_the_step_and_data_only_reports_still_build(tmp_path, fixture_env, capsys):
    """The prepare process dies with SIGABRT (as a Rust panic in pyfixest does): the run names the
    step that died and what to try; the reports that need its results fail with that cause, the
    report that needs only the data is built; nothing half-written is left."""
    write_data(tmp_path / "data")
    entries = [{"template": str(DISTRICT_NB), "name": "district", "for_each": "district"},
               {"template": str(FIXTURES / "data_only.ipynb"), "name": "data", "needs": "data"}]
    run = write_run(tmp_path / "run.yml", entries, prepare="fixture_prepare:aborts")
    code = cli.main(["report", "--run", str(run), "--data", str(tmp_path / "data"), "--out", str(tmp_path / "reports"),
                     "--scheduler", "inline", "--no-pdf", "--no-progress"])
    assert code == 1
    out_dir = tmp_path / "reports" / "t-vi"
    doc = manifest.read(out_dir / "manifest.json")
    error = doc["prepare"]["error"]
    assert doc["prepare"]["status"] == "failed" and doc["prepare"]["failed_step"] == "fit_models"
    assert "died in step fit_models" in error and "SIGABRT" in error and "python -m analysis validate" in error
    assert statuses(doc) == {**dict.fromkeys((*OK_SLUGS, FAIL_SLUG), "failed"), "data": "ok"}
    for slug in (*OK_SLUGS, FAIL_SLUG):
        assert doc["runs"][slug]["error"].startswith("prepare failed in step fit_models")
    html_text = (out_dir / "data.html").read_text(encoding="utf-8")
    assert "3 huyện trong" in html_text and "../../data" in html_text and str(tmp_path) not in html_text
    assert "Bước tính chung bị lỗi" in (out_dir / "index.html").read_text(encoding="utf-8")  # a vi run
    assert "died in step fit_models" in capsys.readouterr().out
    assert not (out_dir / SHARED).exists() and not list(out_dir.glob(".*"))


PYFIXEST_ABORT_DUMP = """Fatal Python error: Aborted

Current thread 0x00007f0000000000 (most recent call first):
  File "/env/lib/python3.11/site-packages/pyfixest/estimation/demean_.py", line 10 in demean
  File "/project/src/analysis/models/panel.py", line 88 in panel_ols
  File "/project/src/analysis/results/prepare.py", line 290 in model_results
  File "/project/src/analysis/results/prepare.py", line 124 in stage
  File "/project/src/analysis/results/prepare.py", line 131 in prepare
  File "/project/src/analysis/run/prepare.py", line 91 in run_prepare
  File "<string>", line 4 in <module>
"""


def test_a_crash_dump_names_the_step_the_model_and_the_library():
    from analysis.run.prepare import crash_error

    line = crash_error(-6, PYFIXEST_ABORT_DUMP, target="analysis.results.prepare:prepare")
    assert line.startswith("analysis.results.prepare:prepare died in step model_results: prepare process was "
                           "killed by SIGABRT in models.panel.panel_ols (called from results.prepare.model_results), "
                           "inside pyfixest"), line
    assert "python -m analysis validate" in line


def test_a_kernel_keeps_shared_tables_and_hands_out_copies(tmp_path):
    """The warm kernel's reader (kernel.keep_shared_tables) reads a file once, gives every caller its own
    copy, and reads the file again once it was rewritten."""
    import pandas as pd

    from analysis.run import kernel

    reads = []

    def read_table(path, *, freq):
        reads.append(path)
        return pd.read_parquet(path)

    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1, 2]}).to_parquet(path)
    read = kernel._kept(read_table)
    first = read(path, freq=None)
    first.loc[0, "x"] = 99  # a notebook changing its copy
    assert read(path, freq=None)["x"].tolist() == [1, 2]
    assert len(reads) == 1
    pd.DataFrame({"x": [3, 4, 5]}).to_parquet(path)  # rewritten: another size and modification time
    assert read(path, freq=None)["x"].tolist() == [3, 4, 5]
    assert len(reads) == 2
