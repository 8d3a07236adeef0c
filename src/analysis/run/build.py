"""The run: ``build_reports(Settings(...))`` executes every report of a run file and writes
``<out>/<name>-<lang>/``: per report ``<slug>.ipynb``, ``.html``, ``.pdf`` and ``.xlsx`` (a failed
run leaves ``<slug>.error.ipynb`` and ``.error.html``), ``_shared/`` (the prepare step's output),
``manifest.json`` and ``index.html``. Every file is written atomically.

Order: the prepare process starts first (:mod:`analysis.run.prepare`); when there is surely work
(prepare changed, or ``--force``) the pool starts too (cluster, kernel warm-up) while the runs are
planned, otherwise only once planning found runs to do. Unchanged runs are skipped
(:mod:`analysis.run.plan`). A failing notebook does not stop the others; a failed prepare step
fails the reports that need its results and the reports that need only the data are built. The
manifest and index are rewritten after every report, so an interruption keeps the progress.
"""

from __future__ import annotations

import contextlib
import fnmatch
import shutil
import sys
import time
from pathlib import Path

from analysis.atomic import write_text
from analysis.errors import UserError
from analysis.run import manifest
from analysis.run.execute import execute_run
from analysis.run.index import index_html, overview_map
from analysis.run.plan import RunSpec, is_unchanged, plan_runs
from analysis.run.pool import LazyPool, Pool
from analysis.run.prepare import PrepareJob
from analysis.run.render import BANNER
from analysis.run.runfile import load_run_file
from analysis.run.settings import Context, Settings

MANIFEST_EVERY_S = 5.0  # manifest.json and index.html are rewritten at most this often while reports finish


def build_reports(settings: Settings) -> dict:
    """Execute every run of ``settings.run_path`` and write the reports; returns the manifest
    (a dict, with this machine's paths; the file on disk has them rewritten)."""
    started, t0 = manifest.now(), time.monotonic()
    context = open_run(settings)
    previous = manifest.read(context.out_dir / "manifest.json")
    prepare_job = start_prepare(context, previous)
    pool = LazyPool(scheduler=settings.scheduler, workers=settings.worker_count,
                    warm_imports=context.run_file.warm_imports)
    if prepare_job is not None or settings.force:
        pool.start()
    interrupted = True
    try:
        doc = _plan_and_run(context, previous=previous, prepare_job=prepare_job, pool=pool, started=started)
        interrupted = False
    finally:
        _stop(prepare_job, pool, interrupted=interrupted)
    doc["finished"] = manifest.now()
    doc["duration_s"] = round(time.monotonic() - t0, 3)
    write_manifest(context, doc)
    return doc


def open_run(settings: Settings) -> Context:
    """Validate the run file and the data folder, make the run folder, gather the provenance."""
    run_file = load_run_file(settings.run_path)
    data_dir = Path(settings.data_dir).resolve()
    if not data_dir.is_dir():
        raise UserError(f"data folder {data_dir} not found (make data writes the sample)")
    out_dir = Path(settings.out_root).resolve() / f"{run_file.name}-{settings.lang}"
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_temporaries(out_dir)
    prov = manifest.provenance(data_dir)
    if settings.code_version:
        prov["code_hash"] = settings.code_version
    synthetic = (data_dir / "truth.json").exists()
    prepare_fp = (manifest.fingerprint({"prepare": run_file.prepare, "data": prov["data_hash"],
                                        "code": prov["code_hash"], "lang": settings.lang})
                  if run_file.prepare else None)
    return Context(settings=settings, run_file=run_file, data_dir=data_dir, out_dir=out_dir, provenance=prov,
                   synthetic=synthetic, banner=BANNER[settings.lang] if synthetic else None,
                   prepare_fingerprint=prepare_fp)


def start_prepare(context: Context, previous: dict) -> PrepareJob | None:
    """Start the prepare process unless its last run succeeded with the same fingerprint."""
    target = context.run_file.prepare
    before = previous.get("prepare", {})
    unchanged = (before.get("fingerprint") == context.prepare_fingerprint and before.get("status") == "ok"
                 and context.shared_dir.is_dir())
    if not target or (unchanged and not context.settings.force):
        return None
    print(f"prepare: {target} ...", file=sys.stderr)
    return PrepareJob(target, str(context.data_dir), str(context.shared_dir), context.lang,
                      scheduler=context.settings.scheduler)


def _stop(prepare_job: PrepareJob | None, pool: LazyPool, *, interrupted: bool) -> None:
    if prepare_job is not None:
        prepare_job.kill()  # only if still running: after an error or an interruption
    with contextlib.suppress(Exception):  # a pool that failed to start has raised already
        if pool.started:
            pool.result().close(now=interrupted)


def _selected(context: Context) -> list[RunSpec]:
    specs = plan_runs(context)
    only = context.settings.only
    if only:
        specs = [s for s in specs if fnmatch.fnmatch(s.slug, only)]
        if not specs:
            raise UserError(f"--only {only!r} matches no report")
    return specs


def _runs_table(context: Context, specs: list[RunSpec], previous: dict) -> tuple[dict, list[RunSpec]]:
    """The manifest's ``runs`` (skipped runs filled in, the rest pending) and the runs to do."""
    prev_runs = previous.get("runs", {})
    runs: dict[str, dict] = dict(prev_runs) if context.settings.only else {}  # --only keeps the others listed
    todo = []
    for spec in specs:
        base = {"label": spec.label, "group": spec.group, "template": context.public.path(spec.template),
                "parameters": spec.parameters,
                "needs": spec.needs, "fingerprint": spec.fingerprint}
        if not context.settings.force and is_unchanged(spec, prev_runs.get(spec.slug)):
            runs[spec.slug] = {**prev_runs[spec.slug], **base, "status": "skipped", "error": None}
        else:
            runs[spec.slug] = {**base, "status": "pending"}
            todo.append(spec)
    return runs, todo


def _new_doc(context: Context, runs: dict, previous: dict, started: str) -> dict:
    settings, run_file = context.settings, context.run_file
    return {
        "run": {"name": run_file.name, "title": run_file.title, "file": context.public.path(run_file.path),
                "file_sha256": manifest.sha256_file(run_file.path), "lang": settings.lang,
                "out_dir": str(context.out_dir), "scheduler": settings.scheduler_label,
                "workers": settings.worker_count, "force": settings.force, "only": settings.only, "pdf": settings.pdf},
        "provenance": context.provenance, "synthetic": context.synthetic, "banner": context.banner,
        "started": started, "prepare": previous.get("prepare", {}) if run_file.prepare else {},
        "runs": runs,
    }


def _plan_and_run(context: Context, *, previous: dict, prepare_job: PrepareJob | None, pool: LazyPool,
                  started: str) -> dict:
    runs, todo = _runs_table(context, _selected(context), previous)
    doc = _new_doc(context, runs, previous, started)
    if prepare_job is not None:
        doc["prepare"] = {"target": context.run_file.prepare, "fingerprint": context.prepare_fingerprint,
                          **prepare_job.wait()}
        write_manifest(context, doc)
    todo = _without_shared_results(context, doc, todo)
    if todo:
        _execute_all(context, doc, todo, pool.result())
    return doc


def _without_shared_results(context: Context, doc: dict, todo: list[RunSpec]) -> list[RunSpec]:
    """``todo`` less the runs that need the prepare step's results when it failed (those are
    marked failed, naming the step that died)."""
    prepare = doc["prepare"]
    if not context.run_file.prepare or prepare.get("status") == "ok":
        return todo
    step = f" in step {prepare['failed_step']}" if prepare.get("failed_step") else ""
    error = f"prepare failed{step}: this report needs its shared results (see the prepare error)"
    for spec in todo:
        if spec.needs == "shared":
            doc["runs"][spec.slug].update(status="failed", error=error)
    return [spec for spec in todo if spec.needs != "shared"]


def _execute_all(context: Context, doc: dict, todo: list[RunSpec], pool: Pool) -> None:
    from tqdm import tqdm

    warm_imports = tuple(context.run_file.warm_imports)
    futures = {pool.submit(execute_run, spec, warm_imports): spec for spec in todo}
    bar = tqdm(total=len(todo), file=sys.stderr, unit="report", desc=doc["run"]["name"],
               disable=not context.settings.progress)
    written = time.monotonic()
    try:
        for future in pool.as_completed(list(futures)):
            spec = futures[future]
            result = _result(future)
            doc["runs"][spec.slug].update(result)
            bar.update(1)
            if result["status"] == "failed":
                bar.write(f"FAILED {spec.slug}: {result['error']}", file=sys.stderr)
            if time.monotonic() - written >= MANIFEST_EVERY_S:  # progress survives an interruption
                write_manifest(context, doc)
                written = time.monotonic()
    finally:
        bar.close()
        write_manifest(context, doc)


def _result(future) -> dict:
    try:
        result = future.result()
    except Exception as exc:  # the worker itself died
        result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}", "outputs": {}}
    result.pop("slug", None)
    return result


def write_manifest(context: Context, doc: dict) -> None:
    """Write ``manifest.json`` and ``index.html`` with this machine's paths rewritten."""
    published = context.public.value(doc)
    manifest.write(context.out_dir / "manifest.json", published)
    shared_ok = doc.get("prepare", {}).get("status", "ok") == "ok"  # no map from a failed step's stale folder
    overview = overview_map(context.shared_dir, context.lang) if shared_ok else None
    write_text(context.out_dir / "index.html", index_html(published, overview))


def _clean_temporaries(out_dir: Path) -> None:
    """Remove temporaries left by an interrupted run (atomic writes never leave anything else)."""
    for path in out_dir.glob(".*.tmp"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
