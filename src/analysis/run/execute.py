"""One report on a worker: parameterize and execute the template with papermill on the worker's
warm kernel, then write the executed notebook, HTML, PDF and Excel tables atomically.

A failing notebook keeps its executed notebook (with the error) and an HTML of it
(``<slug>.error.ipynb``/``.error.html``); stale outputs of the other outcome are removed. Every
published file has this machine's absolute paths rewritten (:mod:`analysis.run.public`).
"""

from __future__ import annotations

import atexit
import logging
import os
import time
import traceback
from pathlib import Path

from analysis.atomic import write_text
from analysis.run.manifest import now
from analysis.run.plan import RunSpec
from analysis.run.public import PublicPaths
from analysis.run.runfile import DEFAULT_WARM_IMPORTS
from analysis.run.warm import KERNEL_NAME, KERNEL_START_TIMEOUT_S, MAX_RUNS_PER_KERNEL, WarmKernel, host

ENGINE = "vbsp-warm"


def execute_run(spec: RunSpec, warm_imports=DEFAULT_WARM_IMPORTS) -> dict:
    """Execute and render one report on this process's warm kernel; never raises for a notebook error."""
    current = host()
    return current.thread.submit(_execute_in_host, spec, tuple(warm_imports)).result()


def prewarm(warm_imports=DEFAULT_WARM_IMPORTS) -> None:
    """Start this process's warm kernel and preload the renderers, in the background (the kernel
    imports in its own process meanwhile). Called on every worker when the pool starts."""
    current = host()
    current.thread.submit(current.ensure_kernel, tuple(warm_imports))
    current.thread.submit(_preload)


def _preload() -> None:
    """Import what executing and rendering a notebook needs in this (worker) process."""
    import nbformat
    import papermill.execute  # noqa: F401
    import typst  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401

    from analysis.run import render

    _register_engine()
    render.html_report(nbformat.v4.new_notebook(), title="warm-up")  # compiles the templates
    render.typst_fonts()  # finds and reads the PDF's fonts


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine on a kernel manager/client that we own and keep alive."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            client = PapermillNotebookClient(
                nb_man, km=kwargs["km"], kernel_name=kernel_name, timeout=execution_timeout,
                startup_timeout=start_timeout, log=logging.getLogger("papermill"), log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
            )
            client.kc = kwargs["kc"]  # not a trait: set after construction, or nbclient makes its own
            try:
                return client.execute()
            finally:
                atexit.unregister(client._cleanup_kernel)  # the kernel is ours to shut down

    if ENGINE not in papermill_engines._engines:
        papermill_engines.register(ENGINE, WarmEngine)


def _parameterized(spec: RunSpec):
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(spec.template)
    nb = parameterize_notebook(nb, spec.parameters, report_mode=True, kernel_name=KERNEL_NAME, language="python")
    output_path = str(Path(spec.out_dir) / spec.outputs()["ipynb"])
    nb = prepare_notebook_metadata(nb, spec.template, output_path, report_mode=True)
    return remove_error_markers(nb)


def _error_cell(error: str):
    import nbformat

    cell = nbformat.v4.new_markdown_cell(f"**The notebook could not be executed:** `{error}`")
    cell.metadata["tags"] = ["papermill-error-cell-tag"]
    return cell


def execute_notebook(spec: RunSpec, kernel: WarmKernel, kc):
    """Parameterize and execute ``spec``'s template in ``kernel``; returns (nb, error or None)."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    _register_engine()
    logging.getLogger("papermill").setLevel(logging.WARNING)  # not "Executing notebook with kernel" per run
    nb = _parameterized(spec)
    try:
        nb = papermill_engines.execute_notebook_with_engine(
            ENGINE, nb, input_path=spec.template, output_path=None, kernel_name=KERNEL_NAME,
            progress_bar=False, log_output=False, start_timeout=KERNEL_START_TIMEOUT_S,
            execution_timeout=spec.timeout, km=kernel.km, kc=kc,
        )
    except Exception as exc:  # e.g. the kernel died: keep the parameterized notebook with the error
        error = f"{type(exc).__name__}: {exc}".strip()
        nb.cells.insert(0, _error_cell(error))
        return nb, error
    try:
        raise_for_execution_errors(nb, None)  # adds papermill's error banner cells to nb
    except PapermillExecutionError as exc:
        return nb, f"{exc.ename}: {exc.evalue}"
    return nb, None


def write_outputs(spec: RunSpec, nb, failed: bool) -> dict[str, str]:
    """Write the report's files (PDF first, the notebook last); returns their names."""
    import nbformat

    from analysis.run import excel_out, render

    out_dir = Path(spec.out_dir)
    nb = PublicPaths(run_dir=out_dir, data_dir=Path(spec.data_dir) if spec.data_dir else None).value(nb)
    names, stale = spec.outputs(failed=failed), spec.outputs(failed=not failed)
    if failed:
        stale["pdf"] = f"{spec.slug}.pdf"
    banner = None if render.shows_banner(nb) else spec.banner  # one banner, not two
    if "pdf" in names:
        render.write_pdf(nb, out_dir / names["pdf"], banner=banner, lang=spec.lang)
    render.write_html(nb, out_dir / names["html"], title=spec.label, banner=banner)
    write_text(out_dir / names["ipynb"], nbformat.writes(nb))
    xlsx = f"{spec.slug}.xlsx"
    if not failed and excel_out.write_workbook(nb, out_dir / xlsx, title=spec.label, lang=spec.lang,
                                               banner=spec.banner):
        names["xlsx"] = xlsx
    else:
        stale["xlsx"] = xlsx
    for name in stale.values():
        (out_dir / name).unlink(missing_ok=True)
    return names


def _run_on_kernel(spec: RunSpec, warm_imports: tuple[str, ...], result: dict):
    """Execute ``spec`` on the host's kernel, recording the kernel in ``result``; returns (nb, error)."""
    kernel = host().ensure_kernel(warm_imports)
    waited = kernel.ready()
    kc = kernel.client()
    try:
        kernel.reset(kc, cwd=str(Path(spec.template).parent))
        kernel.runs += 1
        result["kernel"] = {"pid": kernel.pid, "run_number": kernel.runs, "waited_s": round(waited, 3),
                            "warm_import_failures": kernel.warm_failures}
        return execute_notebook(spec, kernel, kc)
    finally:
        kc.stop_channels()


def _retire_if_needed(ok: bool) -> None:
    current = host()
    kernel = current.kernel
    if kernel is not None and (not ok or kernel.runs >= MAX_RUNS_PER_KERNEL or not kernel.alive()):
        current.retire()  # a fresh kernel for whatever runs next here


def _execute_in_host(spec: RunSpec, warm_imports: tuple[str, ...]) -> dict:
    started, t0 = now(), time.monotonic()
    result = {"slug": spec.slug, "status": "failed", "error": None, "started": started, "outputs": {},
              "kernel": {}, "worker_pid": os.getpid()}
    nb = None
    try:
        nb, error = _run_on_kernel(spec, warm_imports, result)
        result["error"] = error
        result["outputs"] = write_outputs(spec, nb, failed=error is not None)
        result["status"] = "ok" if error is None else "failed"
    except Exception as exc:  # kernel death, rendering failure: this run fails, the others go on
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()
        if nb is not None:
            try:
                result["outputs"] = write_outputs(spec, nb, failed=True)
            except Exception:
                pass
    finally:
        _retire_if_needed(result["status"] == "ok")
    result["finished"] = now()
    result["duration_s"] = round(time.monotonic() - t0, 3)
    return result
