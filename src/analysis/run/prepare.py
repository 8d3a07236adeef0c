"""The shared step: the run file's ``prepare`` callable, run once before the notebooks.

It runs in a separate Python process started by the driver first thing (while the runs are
planned, the workers start and their kernels warm up), with the driver's environment: all cores
for BLAS, and ``analysis.processes.computing_env``'s malloc settings and hash seed; its memory is
returned when it ends. Its output folder is
built under a temporary name and renamed into place when complete.

A native crash (e.g. SIGABRT from a Rust panic in pyfixest) cannot be caught in Python: the
process dumps its Python stack (``faulthandler``) and the driver turns the dump into one line
naming the step of the prepare callable that died, the model and library, and what to try
(:func:`crash_error`). Reports whose run-file entry says ``needs: data`` are built anyway.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from analysis import processes
from analysis.run.manifest import now

CODE = ("import faulthandler, json, sys\nfaulthandler.enable(open(sys.argv[5] + '.crash', 'w'))\n"
        "from analysis.run.prepare import run_prepare\n"
        "result = run_prepare(*sys.argv[1:5], scheduler=sys.argv[6])\n"
        "open(sys.argv[5], 'w', encoding='utf-8').write(json.dumps(result))\n")
RUNNER_FRAME = "/analysis/run/"  # the runner's own frames name no model
FRAME = re.compile(r'File "([^"]+)", line \d+ in (\w+)')  # faulthandler, most recent call first


class PrepareJob:
    """:func:`run_prepare` in a fresh Python process; :meth:`wait` returns the result dict."""

    def __init__(self, target: str, data_dir: str, out_dir: str, lang: str, scheduler: str | None = None):
        self.target, self.out_dir = target, Path(out_dir)
        self.tmp = tempfile.TemporaryDirectory(prefix="vbsp-prepare-")
        self.result_path = Path(self.tmp.name) / "result.json"
        self.process = subprocess.Popen(
            [sys.executable, "-c", CODE, target, data_dir, out_dir, lang, str(self.result_path), scheduler or ""],
            env=processes.computing_env(), stdout=_stdout(),
        )

    def wait(self) -> dict:
        code = self.process.wait()
        try:
            if self.result_path.exists():
                return json.loads(self.result_path.read_text(encoding="utf-8"))
            remove_partial(self.out_dir)
            crash = Path(f"{self.result_path}.crash")
            dump = crash.read_text(errors="replace") if crash.exists() else ""
            return {"status": "failed", "error": crash_error(code, dump, target=self.target),
                    "failed_step": failed_step(dump, self.target), "started": None, "finished": now(),
                    "duration_s": None}
        finally:
            self.tmp.cleanup()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            remove_partial(self.out_dir)
        self.tmp.cleanup()


def _stdout():
    """The runner's stderr when it is a real file: the prepare step's prints go with the runner's messages."""
    try:
        sys.stderr.fileno()
        return sys.stderr
    except (AttributeError, OSError, ValueError):
        return None


def run_prepare(target: str, data_dir: str, out_dir: str, lang: str, scheduler: str = "") -> dict:
    """Run the shared ``prepare`` callable into a temporary folder, then move it to ``out_dir``.

    A callable that takes ``previous`` gets the last run's folder (the national prepare reuses its
    unchanged provinces from it) and one that takes ``scheduler`` the runner's ``--scheduler``."""
    started, t0 = now(), time.monotonic()
    final = Path(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        module_name, _, func_name = target.partition(":")
        func = getattr(importlib.import_module(module_name), func_name)
        func(data_dir=data_dir, out_dir=str(tmp), lang=lang, **_options(func, final, scheduler))
        _replace_folder(tmp, final)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        frames = [(f.filename, f.name) for f in reversed(traceback.extract_tb(exc.__traceback__))]
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}", "failed_step": step_in(frames, target),
                "started": started, "finished": now(), "duration_s": round(time.monotonic() - t0, 3)}
    return {"status": "ok", "error": None, "started": started, "finished": now(),
            "duration_s": round(time.monotonic() - t0, 3)}


def _options(func, final: Path, scheduler: str) -> dict:
    """``previous`` and ``scheduler`` for a prepare callable that accepts them ("processes" is the
    runner's own pool: the callable then makes its local cluster)."""
    accepted = inspect.signature(func).parameters
    options = {}
    if "previous" in accepted and final.is_dir():
        options["previous"] = str(final)
    if "scheduler" in accepted and scheduler and scheduler != "processes":
        options["scheduler"] = scheduler
    return options


def _replace_folder(new: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def remove_partial(out_dir: Path) -> None:
    """Remove the temporary folder of a prepare process that was killed or crashed."""
    for path in out_dir.parent.glob(f".{out_dir.name}.*.tmp"):
        shutil.rmtree(path, ignore_errors=True)


def step_in(frames: list[tuple[str, str]], target: str) -> str | None:
    """The innermost function of the prepare callable's module among ``frames`` ((file, function),
    innermost first): ``model_results`` for a failure in a model fit; ``None`` if none is there."""
    module = target.partition(":")[0].replace(".", "/")
    for filename, function in frames:
        name = filename.replace("\\", "/")
        if name.endswith((f"/{module}.py", f"/{module}/__init__.py")) or name == f"{module}.py":
            return function
    return None


def failed_step(dump: str, target: str) -> str | None:
    """:func:`step_in` for a ``faulthandler`` dump."""
    return step_in(FRAME.findall(dump), target)


def crash_error(returncode: int, dump: str, *, target: str) -> str:
    """One line for a prepare process that died: its step, then the signal, model, library and
    what to try (:func:`analysis.data.fitcheck.describe_crash`)."""
    from analysis.data import fitcheck

    step = failed_step(dump, target)
    where = f" in step {step}" if step else ""
    callee_frames = "\n".join(line for line in dump.splitlines() if RUNNER_FRAME not in line.replace("\\", "/"))
    return f"{target} died{where}: {fitcheck.describe_crash(returncode, callee_frames, stage='prepare')}"
