"""The report runner: ``python -m analysis report`` (behind ``make reports``).

It executes notebook templates with papermill for every parameter set of a run file, in
parallel, and writes, for each run, the executed notebook, an HTML page without code and a PDF,
plus ``manifest.json`` and ``index.html`` for the whole run.

Run file (YAML, e.g. ``config/runs/sample.yml``; also documented in ``config/runs/README.md``)::

    name: sample                        # required; output folder reports/<name>-<lang>/
    title: "Báo cáo mẫu / Sample reports" # optional, shown on index.html
    prepare: "analysis.results.report_inputs:prepare"   # optional: callable(data_dir, out_dir, lang) -> None,
                                        # run ONCE before the notebooks (model fits shared by all
                                        # reports); its folder is passed to notebooks as shared_dir
    warm_imports: [pandas, statsmodels.api, seaborn]   # optional: modules each warm kernel pre-imports
    notebooks:
      - template: notebooks/province_report.ipynb       # path relative to the project root
        name: province                  # optional output-name prefix (default: template stem)
        title: "Toàn tỉnh / Province"   # optional label on index.html
        params: {seed: 20211231}        # optional: must be names in the notebook's parameters cell
      - template: notebooks/district_report.ipynb
        name: district
        for_each: district              # one run per district in the data's units table,
                                        # with parameter district_code

Every run also gets ``data_dir``, ``lang`` and ``shared_dir`` (absolute paths), each only if the
notebook's ``parameters`` cell declares it. Unknown keys, a missing template, parameters the
notebook does not declare and duplicate output names are errors (``UserError``). Output names slug
the parameters: ``district_943-ke-sach`` (code, then the unit's name without diacritics, đ -> d).

Command line::

    python -m analysis report [--run config/runs/sample.yml] [--data data/sample] [--lang vi|en]
        [--out reports/] [--workers N] [--scheduler ADDRESS] [--force] [--only PATTERN] [--no-pdf]

Outputs go to ``<out>/<name>-<lang>/``: ``<slug>.ipynb``, ``<slug>.html``, ``<slug>.pdf``
(a failed run leaves ``<slug>.error.ipynb`` and ``<slug>.error.html``), ``_shared/`` (the prepare
step's output), ``manifest.json`` and ``index.html``. Every file is written atomically.

Execution (design choices, measured figures in shared/design.md):

- Scheduler: a local Dask cluster (processes, one thread each) by default; ``--scheduler
  tcp://host:8786`` uses an existing cluster (its workers must see the project, data and output
  folders at the same paths and have ``analysis`` installed). Two extra values exist for tests and
  debugging: ``processes`` (a plain process pool) and ``inline`` (serial, in this process).
- Warm kernels: each worker process keeps ONE IPython kernel (IPC transport, so that many kernels
  starting at once do not race for TCP ports, papermill issues #239/#511) that imported the heavy
  libraries once (``warm_imports``). Before every notebook the kernel is reset: user namespace
  cleared (IPython's ``%reset -f``, in a new session so the execution counter starts at 1 again;
  the kernels keep no history database), figures closed, matplotlib rcParams (hence seaborn
  themes), pandas options, working directory, environment variables, ``sys.path``, warning
  filters, the ``random`` and NumPy global random states restored to the snapshot taken right
  after the warm-up. A kernel is replaced by a fresh one
  after a failed run, when the reset fails or the kernel died, and after ``MAX_RUNS_PER_KERNEL``
  runs. We chose this over "a fresh pre-warmed spare kernel per notebook" because on a 2-core
  machine the spare's imports (3-8.5 s of CPU) compete with the running notebook for the same
  cores: hiding that cost only works with idle cores, whereas a reset costs milliseconds. What a
  reset does not undo: changes to imported modules' internals (monkey-patching), IPython
  configuration/extension changes made by a notebook; report notebooks do neither (style.md).
- Shared work: the ``prepare`` callable runs once before the notebooks, in a separate Python
  process started by the driver first thing (while the runs are planned, the workers start and
  their kernels warm up); it is skipped when its fingerprint (prepare target, data hash, code
  hash, language) is unchanged and its last run succeeded. Not on a
  Dask worker: the nanny's ``MALLOC_TRIM_THRESHOLD_=65536`` made the model fits about twice as
  slow (mostly system time), and the driver needs the data folder anyway. Its output folder is
  built under a temporary name and renamed into place when complete.
- Skip-unchanged: a run's fingerprint hashes the template's bytes, its parameters, the data hash,
  the code hash (``src/analysis/**/*.py``), the language and the prepare fingerprint. A run is
  skipped when the previous manifest has the same fingerprint with status ok (or skipped) and its
  outputs exist; ``--force`` reruns everything.
- Failure isolation: a failing notebook keeps its executed notebook (with the error) and an HTML
  of it; the other runs go on; the run ends with a summary table and exit code 1.
"""

from __future__ import annotations

import ast
import atexit
import concurrent.futures
import contextlib
import fnmatch
import html
import importlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from analysis.run import manifest

from analysis import paths
from analysis.atomic import write_text
from analysis.errors import UserError

DEFAULT_RUN = paths.CONFIG / "runs" / "sample.yml"
KERNEL_NAME = "python3"
MAX_RUNS_PER_KERNEL = 50
CELL_TIMEOUT_S = 1800  # one cell; a hung notebook fails instead of blocking the run
KERNEL_START_TIMEOUT_S = 120
DEFAULT_WARM_IMPORTS = (
    "numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib.pyplot", "seaborn",
    "analysis", "analysis.run.display",
)
STANDARD_PARAMS = ("data_dir", "lang", "shared_dir")
FOR_EACH = {"district": "district_code"}
RUN_KEYS = {"name", "title", "description", "prepare", "warm_imports", "notebooks"}
ENTRY_KEYS = {"template", "params", "for_each", "name", "title"}
LANGS = ("vi", "en")
SHARED = "_shared"
DASK_WORKER_ENV = ("MALLOC_TRIM_THRESHOLD_",)


# ---------------------------------------------------------------------------------------------
# Run file
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NotebookEntry:
    """One ``notebooks:`` entry of a run file."""

    template: Path
    params: dict = field(default_factory=dict)
    for_each: str | None = None
    name: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class RunFile:
    """A validated run file."""

    path: Path
    name: str
    notebooks: tuple[NotebookEntry, ...]
    title: str | None = None
    prepare: str | None = None
    warm_imports: tuple[str, ...] = DEFAULT_WARM_IMPORTS


def _check_keys(mapping: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise UserError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def notebook_parameters(template: Path) -> dict:
    """The parameters declared in ``template``'s ``parameters`` cell (papermill's inspection)."""
    import papermill

    return papermill.inspect_notebook(str(template))


def load_run_file(path: str | Path, *, root: Path = paths.ROOT) -> RunFile:
    """Read and validate a run file; templates are resolved against ``root``."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise UserError(f"run file {path} not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping with keys name, notebooks")
    _check_keys(raw, RUN_KEYS, str(path))
    if not isinstance(raw.get("name"), str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", raw["name"]):
        raise UserError(f"{path}: 'name' is required (letters, digits, _ . -)")
    entries_raw = raw.get("notebooks")
    if not isinstance(entries_raw, list) or not entries_raw:
        raise UserError(f"{path}: 'notebooks' must be a non-empty list")
    prepare = raw.get("prepare")
    if prepare is not None and (not isinstance(prepare, str) or ":" not in prepare):
        raise UserError(f"{path}: 'prepare' must look like 'package.module:function'")
    warm = raw.get("warm_imports", list(DEFAULT_WARM_IMPORTS))
    if not isinstance(warm, list) or not all(isinstance(w, str) for w in warm):
        raise UserError(f"{path}: 'warm_imports' must be a list of module names")
    entries = tuple(_entry(item, where=f"{path}: notebooks[{i}]", root=root) for i, item in enumerate(entries_raw))
    return RunFile(path=path, name=raw["name"], notebooks=entries, title=raw.get("title"),
                   prepare=prepare, warm_imports=tuple(warm))


def _entry(item, *, where: str, root: Path) -> NotebookEntry:
    if not isinstance(item, dict):
        raise UserError(f"{where}: expected a mapping with key 'template'")
    _check_keys(item, ENTRY_KEYS, where)
    if "template" not in item:
        raise UserError(f"{where}: 'template' is required")
    template = (root / item["template"]).resolve()
    if not template.is_file():
        raise UserError(f"{where}: template {item['template']} not found (looked at {template})")
    params = item.get("params") or {}
    if not isinstance(params, dict):
        raise UserError(f"{where}: 'params' must be a mapping")
    for_each = item.get("for_each")
    if for_each is not None and for_each not in FOR_EACH:
        raise UserError(f"{where}: for_each must be one of {', '.join(FOR_EACH)}, got {for_each!r}")
    declared = notebook_parameters(template)
    needed = set(params) | ({FOR_EACH[for_each]} if for_each else set())
    missing = sorted(needed - set(declared))
    if missing:
        raise UserError(
            f"{where}: parameter(s) {', '.join(missing)} not declared in the parameters cell of "
            f"{item['template']} (it declares: {', '.join(declared) or 'nothing'})"
        )
    reserved = sorted(set(params) & (set(STANDARD_PARAMS) | set(FOR_EACH.values())))
    if reserved:
        raise UserError(f"{where}: parameter(s) {', '.join(reserved)} are set by the runner")
    return NotebookEntry(template=template, params=dict(params), for_each=for_each,
                         name=item.get("name"), title=item.get("title"))


# ---------------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------------

def slugify(text: str) -> str:
    """ASCII slug: diacritics stripped (đ/Đ -> d), lower case, runs of other characters -> '-'."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_districts(data_dir: Path) -> list[tuple[str, str]]:
    """(district code, district name) pairs from the units table, in code order."""
    import pandas as pd

    for suffix, reader in ((".parquet", pd.read_parquet), (".csv", lambda p: pd.read_csv(p, dtype=str))):
        path = data_dir / f"units{suffix}"
        if path.exists():
            units = reader(path)
            break
    else:
        raise UserError(f"no units table (units.parquet or units.csv) in {data_dir}: for_each needs it")
    for column in ("district", "district_name"):
        if column not in units.columns:
            raise UserError(f"{path}: column {column!r} missing (needed by for_each: district)")
    pairs = units[["district", "district_name"]].astype(str).drop_duplicates("district")
    return sorted(pairs.itertuples(index=False, name=None))


@dataclass(frozen=True)
class RunSpec:
    """Everything one worker needs to execute and render one report."""

    slug: str
    label: str
    template: str
    parameters: dict
    out_dir: str
    lang: str
    fingerprint: str
    banner: str | None
    pdf: bool = True
    timeout: int | None = CELL_TIMEOUT_S

    def outputs(self, failed: bool = False) -> dict[str, str]:
        """Output file names (relative to the run folder)."""
        if failed:
            return {"ipynb": f"{self.slug}.error.ipynb", "html": f"{self.slug}.error.html"}
        names = {"ipynb": f"{self.slug}.ipynb", "html": f"{self.slug}.html"}
        if self.pdf:
            names["pdf"] = f"{self.slug}.pdf"
        return names


def _param_slug(value) -> str:
    return slugify(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)


def plan_runs(run_file: RunFile, *, data_dir: Path, out_dir: Path, lang: str, code_hash: str,
              data_hash: str, prepare_fingerprint: str | None, banner: str | None, pdf: bool = True,
              timeout: int | None = CELL_TIMEOUT_S) -> list[RunSpec]:
    """One :class:`RunSpec` per notebook x parameter set, with output names and fingerprints."""
    specs: list[RunSpec] = []
    shared_dir = out_dir / SHARED
    standard = {"data_dir": str(data_dir.resolve()), "lang": lang, "shared_dir": str(shared_dir.resolve())}
    for entry in run_file.notebooks:
        declared = notebook_parameters(entry.template)
        base = {k: v for k, v in standard.items() if k in declared}
        prefix = slugify(entry.name or entry.template.stem).replace("-", "_")
        variants: list[tuple[str, str, dict]] = []
        if entry.for_each:
            for code, name in read_districts(data_dir):
                variants.append((f"{prefix}_{slugify(code)}-{slugify(name)}".strip("-"), f"{code} {name}",
                                 {FOR_EACH[entry.for_each]: code}))
        else:
            tail = "-".join(_param_slug(v) for v in entry.params.values())
            variants.append((f"{prefix}_{tail}" if tail else prefix, entry.title or prefix, {}))
        template_hash = manifest.sha256_file(entry.template)
        for slug, label, own in variants:
            parameters = {**base, **entry.params, **own}
            fingerprint = manifest.fingerprint({
                "template": template_hash, "parameters": parameters, "data": data_hash, "code": code_hash,
                "lang": lang, "prepare": prepare_fingerprint,
            })
            specs.append(RunSpec(slug=slug, label=label if not entry.for_each or not entry.title else f"{entry.title}: {label}",
                                 template=str(entry.template), parameters=parameters, out_dir=str(out_dir),
                                 lang=lang, fingerprint=fingerprint, banner=banner, pdf=pdf, timeout=timeout))
    seen: dict[str, int] = {}
    for spec in specs:
        seen[spec.slug] = seen.get(spec.slug, 0) + 1
    duplicates = sorted(s for s, n in seen.items() if n > 1)
    if duplicates:
        raise UserError(f"{run_file.path}: duplicate output names {', '.join(duplicates)}; give entries a 'name'")
    return specs


def is_unchanged(spec: RunSpec, previous: dict | None) -> bool:
    """True when the last run of ``spec`` succeeded with the same fingerprint and its outputs exist."""
    if not previous or previous.get("fingerprint") != spec.fingerprint:
        return False
    if previous.get("status") not in ("ok", "skipped"):
        return False
    return all((Path(spec.out_dir) / name).exists() for name in spec.outputs().values())


# ---------------------------------------------------------------------------------------------
# Warm kernels (one per worker process)
# ---------------------------------------------------------------------------------------------

# Runs inside the kernel, as module ``_vbsp_warm`` (kept out of the user namespace).
_KERNEL_MODULE = r'''
import importlib, os, random, sys, warnings
_state = {}

def warm(modules):
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional module only costs its import later
            failed.append(f"{name}: {exc!r}")
    snapshot()
    return failed

def snapshot():
    _state["cwd"] = os.getcwd()
    _state["environ"] = dict(os.environ)
    _state["path"] = list(sys.path)
    _state["warnings"] = list(warnings.filters)
    _state["random"] = random.getstate()
    if "numpy" in sys.modules:
        _state["np_random"] = sys.modules["numpy"].random.get_state()
    if "matplotlib" in sys.modules:
        _state["rc"] = dict(sys.modules["matplotlib"].rcParams)

def reset(cwd):
    ip = get_ipython()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    ip.reset(new_session=True)  # %reset -f, plus a new history session: In[1] again, no clash
    os.environ.clear()
    os.environ.update(_state["environ"])
    sys.path[:] = _state["path"]
    warnings.filters[:] = _state["warnings"]
    warnings._filters_mutated()
    random.setstate(_state["random"])
    if "np_random" in _state:
        sys.modules["numpy"].random.set_state(_state["np_random"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "rc" in _state:
            rc = sys.modules["matplotlib"].rcParams
            dict.update(rc, _state["rc"])
        elif "matplotlib" in sys.modules:
            sys.modules["matplotlib"].rcdefaults()
        if "pandas" in sys.modules:
            sys.modules["pandas"].reset_option("all")
    os.chdir(cwd)  # (no gc.collect(): IPython's reset already collects)
'''


def _kernel_call(code: str) -> str:
    """Kernel code that runs ``code`` with the helper module bound to ``_w`` and leaves no names."""
    return (
        "def __vbsp():\n    import sys\n    _w = sys.modules['_vbsp_warm']\n"
        f"    {code}\n__vbsp()\nglobals().pop('__vbsp', None)\n"
    )


class WarmKernel:
    """One IPython kernel that imported the heavy libraries once and is reset between notebooks.

    All methods must be called from one thread (the worker's kernel thread): the kernel manager
    and client are asyncio objects bound to that thread's event loop.
    """

    def __init__(self, warm_imports: tuple[str, ...]):
        from jupyter_client.manager import AsyncKernelManager

        self.warm_imports = tuple(warm_imports)
        self.ipc_dir = tempfile.mkdtemp(prefix="vbsp-k-")  # short path: unix sockets allow ~100 chars
        self.km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=os.path.join(self.ipc_dir, "k"))
        self.kc = None
        self.runs = 0
        self.pid: int | None = None
        self._warm_msg: str | None = None
        self.warm_failures: list[str] = []

    def start(self) -> None:
        """Start the kernel and queue the warm-up imports; returns without waiting for them."""
        from jupyter_core.utils import run_sync

        # No history database: many kernels writing one SQLite file lock it, and reports don't need it.
        run_sync(self.km.start_kernel)(cwd=str(paths.ROOT), env=_clean_env(),
                                       extra_arguments=["--HistoryManager.enabled=False"])
        self.pid = getattr(getattr(self.km.provisioner, "process", None), "pid", None)
        self.kc = self.km.client()
        self.kc.start_channels()
        setup = (
            "import sys as _s, types as _t\n"
            "_m = _t.ModuleType('_vbsp_warm')\n"
            f"exec({_KERNEL_MODULE!r}, _m.__dict__)\n"
            "_s.modules['_vbsp_warm'] = _m\n"
            f"_s.modules['_vbsp_warm']._failed = _m.warm({list(self.warm_imports)!r})\n"
            "del _s, _t, _m\n"
        )
        self._warm_msg = self.kc.execute(setup, silent=True, store_history=False,
                                         user_expressions={"failed": "__import__('sys').modules['_vbsp_warm']._failed"})

    @staticmethod
    def _reply(kc, msg_id: str, timeout: float) -> dict:
        from jupyter_core.utils import run_sync

        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("kernel did not answer in time")
            msg = run_sync(kc.get_shell_msg)(timeout=remaining)
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def client(self):
        """A new, started kernel client: one per notebook (nbclient leaves a used client's
        channels unusable for later requests)."""
        kc = self.km.client()
        kc.start_channels()
        return kc

    def ready(self) -> float:
        """Wait for the warm-up to finish (once); returns the seconds waited."""
        if self._warm_msg is None:
            return 0.0
        started = time.monotonic()
        reply = self._reply(self.kc, self._warm_msg, KERNEL_START_TIMEOUT_S)
        self._warm_msg = None
        self.kc.stop_channels()
        self.kc = None
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel warm-up failed: {reply['content'].get('evalue')}")
        failed = reply["content"].get("user_expressions", {}).get("failed", {}).get("data", {})
        try:
            self.warm_failures = list(ast.literal_eval(failed.get("text/plain", "[]")))
        except (ValueError, SyntaxError):
            self.warm_failures = [failed.get("text/plain", "")]
        return time.monotonic() - started

    def reset(self, kc, cwd: str) -> None:
        """Clear the previous notebook's state (see the module docstring); raises if it fails."""
        msg = kc.execute(_kernel_call(f"_w.reset({cwd!r})"), silent=True, store_history=False)
        reply = self._reply(kc, msg, 60)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel reset failed: {reply['content'].get('evalue')}")

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return bool(run_sync(self.km.is_alive)())

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            if self.kc is not None:
                self.kc.stop_channels()
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # already dead, or the loop is gone at exit: kill by pid
            self.kill()
        shutil.rmtree(self.ipc_dir, ignore_errors=True)

    def kill(self) -> None:
        if self.pid:
            try:
                os.kill(self.pid, 9)
            except OSError:
                pass


class _KernelHost:
    """The worker process's kernel thread: owns the warm kernel and runs the notebooks."""

    def __init__(self) -> None:
        self.thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="vbsp-kernel")
        self.kernel: WarmKernel | None = None
        self.warm_imports: tuple[str, ...] = DEFAULT_WARM_IMPORTS
        atexit.register(self.kill)
        try:
            import multiprocessing.util

            multiprocessing.util.Finalize(self, _KernelHost.kill, args=(self,), exitpriority=10)
        except Exception:
            pass

    def ensure_kernel(self, warm_imports: tuple[str, ...]) -> WarmKernel:
        if self.kernel is not None and tuple(warm_imports) != self.kernel.warm_imports:
            self.retire()
        if self.kernel is None:
            self.kernel = WarmKernel(warm_imports)
            self.kernel.start()
        return self.kernel

    def retire(self) -> None:
        if self.kernel is not None:
            self.kernel.shutdown()
            self.kernel = None

    def kill(self) -> None:
        if self.kernel is not None:
            self.kernel.kill()
            shutil.rmtree(self.kernel.ipc_dir, ignore_errors=True)
            self.kernel = None


_HOST: _KernelHost | None = None


def _host() -> _KernelHost:
    global _HOST
    if _HOST is None:
        _HOST = _KernelHost()
    return _HOST


def _preload() -> None:
    """Import what executing and rendering a notebook needs in this (worker) process."""
    import nbformat  # noqa: F401
    import papermill.execute  # noqa: F401
    import typst  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401

    _register_engine()
    from analysis.run import render
    render.html_report(nbformat.v4.new_notebook(), title="warm-up")  # compiles the templates


def prewarm(warm_imports=DEFAULT_WARM_IMPORTS) -> None:
    """Start this process's warm kernel and preload the renderers, in the background (the kernel
    imports in its own process meanwhile). Called on every worker when the pool starts."""
    host = _host()
    host.thread.submit(host.ensure_kernel, tuple(warm_imports))
    host.thread.submit(_preload)


def shutdown_kernels(now: bool = False) -> None:
    """Shut this process's warm kernel down (called on every worker at the end of a run).

    ``now=True`` (after an interruption) kills it at once instead of waiting for the notebook it
    may still be running."""
    host = _host()
    if now:
        host.kill()
        return
    try:
        host.thread.submit(host.retire).result(timeout=60)
    except concurrent.futures.TimeoutError:
        host.kill()


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

    if "vbsp-warm" not in papermill_engines._engines:
        papermill_engines.register("vbsp-warm", WarmEngine)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _execute_notebook(spec: RunSpec, kernel: WarmKernel, kc):
    """Parameterize and execute ``spec``'s template in ``kernel``; returns (nb, error or None)."""
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import prepare_notebook_metadata, raise_for_execution_errors, remove_error_markers
    from papermill.engines import papermill_engines
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    _register_engine()
    logging.getLogger("papermill").setLevel(logging.WARNING)  # not "Executing notebook with kernel" per run
    nb = load_notebook_node(spec.template)
    nb = parameterize_notebook(nb, spec.parameters, report_mode=True, kernel_name=KERNEL_NAME, language="python")
    output_path = str(Path(spec.out_dir) / spec.outputs()["ipynb"])
    nb = prepare_notebook_metadata(nb, spec.template, output_path, report_mode=True)
    nb = remove_error_markers(nb)
    try:
        nb = papermill_engines.execute_notebook_with_engine(
            "vbsp-warm", nb, input_path=spec.template, output_path=None, kernel_name=KERNEL_NAME,
            progress_bar=False, log_output=False, start_timeout=KERNEL_START_TIMEOUT_S,
            execution_timeout=spec.timeout, km=kernel.km, kc=kc,
        )
    except Exception as exc:  # e.g. the kernel died: keep the parameterized notebook with the error
        import nbformat

        error = f"{type(exc).__name__}: {exc}".strip()
        cell = nbformat.v4.new_markdown_cell(f"**The notebook could not be executed:** `{error}`")
        cell.metadata["tags"] = ["papermill-error-cell-tag"]
        nb.cells.insert(0, cell)
        return nb, error
    try:
        raise_for_execution_errors(nb, None)  # adds papermill's error banner cells to nb
    except PapermillExecutionError as exc:
        return nb, f"{exc.ename}: {exc.evalue}"
    return nb, None


def _write_outputs(spec: RunSpec, nb, failed: bool) -> dict[str, str]:
    import nbformat

    from analysis.run import render
    out_dir = Path(spec.out_dir)
    names = spec.outputs(failed=failed)
    stale = spec.outputs(failed=not failed)
    if failed:
        stale["pdf"] = f"{spec.slug}.pdf"
    title = spec.label
    banner = None if render.shows_banner(nb) else spec.banner  # one banner, not two
    if "pdf" in names:
        render.write_pdf(nb, out_dir / names["pdf"], banner=banner, lang=spec.lang)
    render.write_html(nb, out_dir / names["html"], title=title, banner=banner)
    write_text(out_dir / names["ipynb"], nbformat.writes(nb))
    from analysis import excel_out  # the report's tables as one Excel workbook
    xlsx = f"{spec.slug}.xlsx"
    if not failed and excel_out.write_workbook(nb, out_dir / xlsx, title=title, lang=spec.lang, banner=spec.banner):
        names["xlsx"] = xlsx
    else:
        stale["xlsx"] = xlsx
    for name in stale.values():
        (out_dir / name).unlink(missing_ok=True)
    return names


def _execute_in_host(spec: RunSpec, warm_imports: tuple[str, ...]) -> dict:
    host = _host()
    started, t0 = _now(), time.monotonic()
    result = {"slug": spec.slug, "status": "failed", "error": None, "started": started, "outputs": {},
              "kernel": {}, "worker_pid": os.getpid()}
    nb = None
    try:
        kernel = host.ensure_kernel(warm_imports)
        waited = kernel.ready()
        kc = kernel.client()
        try:
            kernel.reset(kc, cwd=str(Path(spec.template).parent))
            kernel.runs += 1
            result["kernel"] = {"pid": kernel.pid, "run_number": kernel.runs, "waited_s": round(waited, 3),
                                "warm_import_failures": kernel.warm_failures}
            nb, error = _execute_notebook(spec, kernel, kc)
        finally:
            kc.stop_channels()
        result["error"] = error
        result["outputs"] = _write_outputs(spec, nb, failed=error is not None)
        result["status"] = "ok" if error is None else "failed"
    except Exception as exc:  # kernel death, rendering failure: this run fails, the others go on
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()
        if nb is not None:
            try:
                result["outputs"] = _write_outputs(spec, nb, failed=True)
            except Exception:
                pass
    finally:
        kernel = host.kernel
        if kernel is not None and (result["status"] != "ok" or kernel.runs >= MAX_RUNS_PER_KERNEL or not kernel.alive()):
            host.retire()  # a fresh kernel for whatever runs next here
    result["finished"] = _now()
    result["duration_s"] = round(time.monotonic() - t0, 3)
    return result


def execute_run(spec: RunSpec, warm_imports=DEFAULT_WARM_IMPORTS) -> dict:
    """Execute and render one report on this process's warm kernel; never raises for a notebook error."""
    host = _host()
    return host.thread.submit(_execute_in_host, spec, tuple(warm_imports)).result()


def _clean_env() -> dict[str, str]:
    """This process's environment without Dask's worker malloc setting: MALLOC_TRIM_THRESHOLD_=65536
    (set by the nanny) made the shared model fits ~2x slower here (sys time 52 s vs 4 s)."""
    return {k: v for k, v in os.environ.items() if k not in DASK_WORKER_ENV}


class PrepareJob:
    """:func:`run_prepare` in a fresh Python process started by the driver, with the driver's
    environment (all cores for BLAS, normal malloc); its memory is returned when it ends.
    Started before the runs are planned; :meth:`wait` returns the result dict."""

    CODE = ("import faulthandler, json, sys\nfaulthandler.enable(open(sys.argv[5] + '.crash', 'w'))\n"
            "from analysis.run.runner import run_prepare\n"
            "result = run_prepare(*sys.argv[1:5])\n"
            "open(sys.argv[5], 'w', encoding='utf-8').write(json.dumps(result))\n")

    def __init__(self, target: str, data_dir: str, out_dir: str, lang: str):
        self.tmp = tempfile.TemporaryDirectory(prefix="vbsp-prepare-")
        self.result_path = Path(self.tmp.name) / "result.json"
        try:
            sys.stderr.fileno()
            stdout = sys.stderr  # the prepare step's prints go with the runner's messages
        except (AttributeError, OSError, ValueError):
            stdout = None
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.CODE, target, data_dir, out_dir, lang, str(self.result_path)],
            env=_clean_env(), stdout=stdout,
        )

    def wait(self) -> dict:
        code = self.process.wait()
        try:
            if self.result_path.exists():
                return json.loads(self.result_path.read_text(encoding="utf-8"))
            from analysis import fitcheck  # a native abort: name the model and the step it died in
            crash = Path(f"{self.result_path}.crash")
            error = fitcheck.describe_crash(code, crash.read_text(errors="replace") if crash.exists() else "")
            return {"status": "failed", "error": error,
                    "started": None, "finished": _now(), "duration_s": None}
        finally:
            self.tmp.cleanup()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.tmp.cleanup()


def run_prepare(target: str, data_dir: str, out_dir: str, lang: str) -> dict:
    """Run the shared ``prepare`` callable into a temporary folder, then move it to ``out_dir``."""
    started, t0 = _now(), time.monotonic()
    final = Path(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        module_name, _, func_name = target.partition(":")
        func = getattr(importlib.import_module(module_name), func_name)
        func(data_dir=data_dir, out_dir=str(tmp), lang=lang)
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        status, error = "ok", None
    except Exception as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        shutil.rmtree(tmp, ignore_errors=True)
    return {"status": status, "error": error, "started": started, "finished": _now(),
            "duration_s": round(time.monotonic() - t0, 3)}


# ---------------------------------------------------------------------------------------------
# Schedulers
# ---------------------------------------------------------------------------------------------

class _Pool:
    """The small interface the runner needs from a scheduler."""

    def prewarm(self, warm_imports) -> None: ...
    def submit(self, fn, *args): ...
    def as_completed(self, futures): return concurrent.futures.as_completed(futures)
    def close(self, now: bool = False) -> None: ...


class DaskPool(_Pool):
    def __init__(self, *, workers: int, address: str | None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address:
            self.client = Client(address, timeout="30s")
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster)

    def prewarm(self, warm_imports) -> None:
        self.client.run(prewarm, tuple(warm_imports))

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def close(self, now: bool = False) -> None:
        try:
            self.client.run(shutdown_kernels, now)
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


class ProcessPool(_Pool):
    def __init__(self, *, workers: int, warm_imports):
        import multiprocessing

        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=prewarm, initargs=(tuple(warm_imports),),
        )

    def prewarm(self, warm_imports) -> None:
        pass  # the pool's initializer does it

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def close(self, now: bool = False) -> None:
        self.pool.shutdown(wait=True, cancel_futures=now)


class _Deferred:
    """A call made when its result is first asked for (the inline pool's 'future')."""

    def __init__(self, fn, args):
        self.fn, self.args, self.done, self.value = fn, args, False, None

    def result(self):
        if not self.done:
            self.value, self.done = self.fn(*self.args), True
        return self.value


class InlinePool(_Pool):
    """Serial, in this process, one run at a time in submission order (tests, debugging)."""

    def submit(self, fn, *args):
        return _Deferred(fn, args)

    def as_completed(self, futures):
        for future in futures:
            future.result()
            yield future

    def close(self, now: bool = False) -> None:
        if _HOST is not None and _HOST.kernel is not None:
            shutdown_kernels(now)


def make_pool(*, scheduler: str | None, workers: int, warm_imports) -> _Pool:
    if scheduler == "inline":
        return InlinePool()
    if scheduler == "processes":
        return ProcessPool(workers=workers, warm_imports=warm_imports)
    return DaskPool(workers=workers, address=scheduler)


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------

def _clean_temporaries(out_dir: Path) -> None:
    """Remove temporaries left by an interrupted run (atomic writes never leave anything else)."""
    for path in out_dir.glob(".*.tmp"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _status_cell(status: str) -> str:
    colours = {"ok": "#1e7b34", "skipped": "#1e7b34", "failed": "#b02a1b"}
    return f'<td style="color:{colours.get(status, "#555")};font-weight:bold">{html.escape(status)}</td>'


def index_html(doc: dict) -> str:
    """The run's index page; every name taken from data or the run file is HTML-escaped."""
    esc = html.escape
    title = doc["run"].get("title") or doc["run"]["name"]
    rows = []
    for slug, entry in sorted(doc["runs"].items()):
        links = " ".join(
            f'<a href="{esc(name, quote=True)}">{esc(kind.upper())}</a>'
            for kind, name in sorted(entry.get("outputs", {}).items())
        )
        error = f'<br><small>{esc(entry["error"])}</small>' if entry.get("error") else ""
        rows.append(
            f"<tr><td>{esc(entry.get('label', slug))}{error}</td><td><code>{esc(slug)}</code></td>"
            f"{_status_cell(entry.get('status', '?'))}<td>{entry.get('duration_s', '')}</td><td>{links}</td></tr>"
        )
    counts = {s: sum(1 for e in doc["runs"].values() if e.get("status") == s) for s in ("ok", "skipped", "failed")}
    banner = (f'<p class="banner">{esc(doc["banner"])}</p>' if doc.get("banner") else "")
    prov = doc["provenance"]
    return f"""<!DOCTYPE html>
<html lang="{esc(doc['run']['lang'])}"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:'DejaVu Sans',sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}
.banner{{background:#fde8d8;border:1px solid #c0392b;color:#8e2c1d;font-weight:bold;padding:.5em 1em}}</style>
</head><body>
{banner}<h1>{esc(title)}</h1>
<p>{counts['ok']} ok, {counts['skipped']} unchanged (skipped), {counts['failed']} failed.
Data hash <code>{esc(prov['data_hash'][:12])}</code>, commit <code>{esc(str(prov['commit'])[:12])}</code>,
finished {esc(str(doc.get('finished', '')))}. <a href="manifest.json">manifest.json</a></p>
<table><thead><tr><th>Report</th><th>Name</th><th>Status</th><th>Seconds</th><th>Files</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</body></html>
"""


def _summary(doc: dict, stream) -> None:
    runs = doc["runs"]
    width = max([len(s) for s in runs] + [4])
    print(f"\n{'report':<{width}}  {'status':<8}  {'seconds':>8}  error", file=stream)
    for slug, entry in sorted(runs.items()):
        error = (entry.get("error") or "").splitlines()[0][:100] if entry.get("error") else ""
        print(f"{slug:<{width}}  {entry.get('status', '?'):<8}  {entry.get('duration_s', 0):>8}  {error}", file=stream)
    if doc.get("prepare", {}).get("status") == "failed":
        print(f"prepare failed: {doc['prepare']['error']}", file=stream)
    failed = sum(1 for e in runs.values() if e.get("status") == "failed")
    print(f"{len(runs)} reports: {failed} failed; output in {doc['run']['out_dir']}", file=stream)


def build_reports(*, run_path: str | Path = DEFAULT_RUN, data_dir: str | Path = paths.SAMPLE, lang: str = "vi",
                  out_root: str | Path = paths.REPORTS, workers: int | None = None, scheduler: str | None = None,
                  force: bool = False, only: str | None = None, pdf: bool = True,
                  timeout: int | None = CELL_TIMEOUT_S, progress: bool = True,
                  code_version: str | None = None) -> dict:
    """Execute every run of ``run_path`` and write the reports; returns the manifest (a dict).

    ``code_version`` replaces the hash of ``src/analysis`` in the fingerprints (tests use it to
    stay independent of edits elsewhere in the package)."""
    started, t0 = _now(), time.monotonic()
    if lang not in LANGS:
        raise UserError(f"--lang must be one of {', '.join(LANGS)}")
    run_file = load_run_file(run_path)
    data_dir = Path(data_dir).resolve()
    if not data_dir.is_dir():
        raise UserError(f"data folder {data_dir} not found (make data writes the sample)")
    out_dir = Path(out_root).resolve() / f"{run_file.name}-{lang}"
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_temporaries(out_dir)
    workers = workers or os.cpu_count() or 1

    checksums = manifest.data_files(data_dir)
    prov = manifest.provenance(data_dir, checksums)
    if code_version:
        prov["code_hash"] = code_version
    synthetic = (data_dir / "truth.json").exists()
    from analysis.run.render import BANNER

    banner = BANNER[lang] if synthetic else None
    previous = manifest.read(out_dir / "manifest.json")
    prepare_fp = (manifest.fingerprint({"prepare": run_file.prepare, "data": prov["data_hash"],
                                        "code": prov["code_hash"], "lang": lang}) if run_file.prepare else None)
    before = previous.get("prepare", {})
    prepare_job = None
    if run_file.prepare and (force or before.get("fingerprint") != prepare_fp or before.get("status") != "ok"
                             or not (out_dir / SHARED).is_dir()):
        print(f"prepare: {run_file.prepare} ...", file=sys.stderr)
        prepare_job = PrepareJob(run_file.prepare, str(data_dir), str(out_dir / SHARED), lang)
    # When there is surely work (prepare changed, or --force), the pool starts (cluster, kernel
    # warm-up) while the runs are planned; otherwise only once planning found runs to do.
    lazy_pool = _LazyPool(scheduler=scheduler, workers=workers, warm_imports=run_file.warm_imports)
    if prepare_job is not None or force:
        lazy_pool.start()
    interrupted = True
    try:
        doc = _plan_and_run(run_file=run_file, data_dir=data_dir, out_dir=out_dir, lang=lang, prov=prov,
                            synthetic=synthetic, banner=banner, previous=previous, prepare_fp=prepare_fp,
                            prepare_job=prepare_job, lazy_pool=lazy_pool, workers=workers,
                            scheduler=scheduler, force=force, only=only, pdf=pdf, timeout=timeout,
                            progress=progress, started=started)
        interrupted = False
    finally:
        if prepare_job is not None:
            prepare_job.kill()  # only if still running: after an error or an interruption
        with contextlib.suppress(Exception):  # a pool that failed to start has raised above
            if lazy_pool.started:
                lazy_pool.result().close(now=interrupted)
    doc["finished"] = _now()
    doc["duration_s"] = round(time.monotonic() - t0, 3)
    _write_manifest(out_dir, doc)
    return doc


class _LazyPool:
    """A pool started in a background thread on demand (:meth:`start`) or on first use."""

    def __init__(self, **options):
        self.options, self.future = options, None

    @property
    def started(self) -> bool:
        return self.future is not None

    def start(self) -> None:
        if self.future is None:
            starter = concurrent.futures.ThreadPoolExecutor(max_workers=1)
            self.future = starter.submit(self._make, **self.options)
            starter.shutdown(wait=False)

    @staticmethod
    def _make(*, scheduler, workers, warm_imports) -> _Pool:
        pool = make_pool(scheduler=scheduler, workers=workers, warm_imports=warm_imports)
        pool.prewarm(warm_imports)
        return pool

    def result(self) -> _Pool:
        self.start()
        return self.future.result()


def _plan_and_run(*, run_file: RunFile, data_dir: Path, out_dir: Path, lang: str, prov: dict, synthetic: bool,
                  banner: str | None, previous: dict, prepare_fp: str | None, prepare_job: PrepareJob | None,
                  lazy_pool: _LazyPool, workers: int, scheduler: str | None, force: bool, only: str | None,
                  pdf: bool, timeout: int | None, progress: bool, started: str) -> dict:
    specs = plan_runs(run_file, data_dir=data_dir, out_dir=out_dir, lang=lang, code_hash=prov["code_hash"],
                      data_hash=prov["data_hash"], prepare_fingerprint=prepare_fp, banner=banner, pdf=pdf,
                      timeout=timeout)
    if only:
        specs = [s for s in specs if fnmatch.fnmatch(s.slug, only)]
        if not specs:
            raise UserError(f"--only {only!r} matches no report")

    prev_runs = previous.get("runs", {})
    runs: dict[str, dict] = dict(prev_runs) if only else {}  # --only keeps the other reports listed
    todo = []
    for spec in specs:
        base = {"label": spec.label, "template": _rel(spec.template), "parameters": spec.parameters,
                "fingerprint": spec.fingerprint}
        if not force and is_unchanged(spec, prev_runs.get(spec.slug)):
            runs[spec.slug] = {**prev_runs[spec.slug], **base, "status": "skipped", "error": None}
        else:
            runs[spec.slug] = {**base, "status": "pending"}
            todo.append(spec)

    doc = {
        "run": {"name": run_file.name, "title": run_file.title, "file": _rel(run_file.path),
                "file_sha256": manifest.sha256_file(run_file.path), "lang": lang, "out_dir": str(out_dir),
                "scheduler": scheduler or f"dask LocalCluster ({workers} workers)", "workers": workers,
                "force": force, "only": only, "pdf": pdf},
        "provenance": prov, "synthetic": synthetic, "banner": banner, "started": started,
        "prepare": previous.get("prepare", {}) if run_file.prepare else {},
        "runs": runs,
    }
    if prepare_job is not None:
        result = prepare_job.wait()
        doc["prepare"] = {"target": run_file.prepare, "fingerprint": prepare_fp, **result}
        _write_manifest(out_dir, doc)
    if todo:
        if run_file.prepare and doc["prepare"].get("status") != "ok":
            for spec in todo:
                runs[spec.slug].update(status="failed", error=f"prepare failed: {doc['prepare'].get('error')}")
        else:
            _execute_all(lazy_pool.result(), todo, runs, doc, out_dir, run_file.warm_imports, progress)
    return doc


def _execute_all(pool: _Pool, todo: list[RunSpec], runs: dict, doc: dict, out_dir: Path, warm_imports,
                 progress: bool) -> None:
    from tqdm import tqdm

    futures = {pool.submit(execute_run, spec, tuple(warm_imports)): spec for spec in todo}
    bar = tqdm(total=len(todo), file=sys.stderr, unit="report", desc=doc["run"]["name"], disable=not progress)
    try:
        for future in pool.as_completed(list(futures)):
            spec = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # the worker itself died
                result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}", "outputs": {}}
            result.pop("slug", None)
            runs[spec.slug].update(result)
            bar.update(1)
            if result["status"] == "failed":
                bar.write(f"FAILED {spec.slug}: {result['error']}", file=sys.stderr)
            _write_manifest(out_dir, doc)  # progress survives an interruption
    finally:
        bar.close()


def _write_manifest(out_dir: Path, doc: dict) -> None:
    manifest.write(out_dir / "manifest.json", doc)
    write_text(out_dir / "index.html", index_html(doc))


def _rel(path) -> str:
    try:
        return Path(path).resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def add_arguments(parser) -> None:
    parser.add_argument("--run", default=str(DEFAULT_RUN), help="run file (YAML); default config/runs/sample.yml")
    parser.add_argument("--data", default=str(paths.SAMPLE), help="data folder; default data/sample")
    parser.add_argument("--lang", default="vi", choices=LANGS, help="report language")
    parser.add_argument("--out", default=str(paths.REPORTS), help="output root; reports go to <out>/<name>-<lang>/")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address (tcp://...); default a local Dask cluster; "
                             "'processes' or 'inline' for a plain process pool or serial execution")
    parser.add_argument("--force", action="store_true", help="rerun reports whose inputs are unchanged")
    parser.add_argument("--only", default=None, help="only reports whose name matches this glob (e.g. 'district_94*')")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="skip the PDFs")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds allowed for one cell")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def run(args) -> int:
    try:
        doc = build_reports(run_path=args.run, data_dir=args.data, lang=args.lang, out_root=args.out,
                            workers=args.workers, scheduler=args.scheduler, force=args.force, only=args.only,
                            pdf=args.pdf, timeout=args.timeout, progress=args.progress)
    except KeyboardInterrupt:
        print("\ninterrupted: finished reports are kept (no file is half-written); "
              "run the same command again to complete the rest", file=sys.stderr)
        return 130
    _summary(doc, sys.stdout)
    failed = any(e.get("status") == "failed" for e in doc["runs"].values())
    return 1 if failed or doc.get("prepare", {}).get("status") == "failed" else 0
