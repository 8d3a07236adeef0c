"""Warm kernels: each worker process keeps ONE IPython kernel that imported the heavy libraries
once and is reset between notebooks (the kernel side is :mod:`analysis.run.kernel`).

Kernels use IPC transport, so that many kernels starting at once do not race for TCP ports
(papermill issues #239/#511). A kernel is replaced by a fresh one after a failed run, when the
reset fails or the kernel died, and after ``MAX_RUNS_PER_KERNEL`` runs. We chose this over "a
fresh pre-warmed spare kernel per notebook" because on a 2-core machine the spare's imports
(3-8.5 s of CPU) compete with the running notebook for the same cores: hiding that cost only
works with idle cores, whereas a reset costs milliseconds.
"""

from __future__ import annotations

import ast
import atexit
import concurrent.futures
import os
import shutil
import tempfile
import time

from analysis import paths, processes
from analysis.run import kernel as kernel_side
from analysis.run.runfile import DEFAULT_WARM_IMPORTS

KERNEL_NAME = "python3"
# A kernel grows by about 2 MiB a district report (262 MiB started, 684 MiB after 175 reports) with no
# slowdown (benchmarks/profile_report.py: CPU per 25 reports flat); a new kernel costs about 2 CPU-s of
# imports and a slower first report (fonts, tables): every 50 runs, that was 14 restarts in a national run.
MAX_RUNS_PER_KERNEL = 200
KERNEL_START_TIMEOUT_S = 120
RESET_TIMEOUT_S = 60


def kernel_call(function: str, *args) -> str:
    """Kernel code calling ``function`` of the kernel helper module; it leaves no names behind."""
    arguments = ", ".join(repr(a) for a in args)
    return f"__import__('importlib').import_module({kernel_side.MODULE!r}).{function}({arguments})"


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
        run_sync(self.km.start_kernel)(cwd=str(paths.ROOT), env=processes.computing_env(),
                                       extra_arguments=["--HistoryManager.enabled=False"])
        self.pid = getattr(getattr(self.km.provisioner, "process", None), "pid", None)
        self.kc = self.km.client()
        self.kc.start_channels()
        self._warm_msg = self.kc.execute(kernel_call("warm", list(self.warm_imports)), silent=True,
                                         store_history=False,
                                         user_expressions={"failed": kernel_call("warm_failures")})

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
        self.warm_failures = _literal_list(reply["content"].get("user_expressions", {}).get("failed", {}))
        return time.monotonic() - started

    def reset(self, kc, cwd: str) -> None:
        """Clear the previous notebook's state (:func:`analysis.run.kernel.reset`); raises if it fails."""
        msg = kc.execute(kernel_call("reset", cwd), silent=True, store_history=False)
        reply = self._reply(kc, msg, RESET_TIMEOUT_S)
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


def _literal_list(expression: dict) -> list[str]:
    text = expression.get("data", {}).get("text/plain", "[]")
    try:
        return list(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return [text]


class KernelHost:
    """The worker process's kernel thread: owns the warm kernel and runs the notebooks."""

    def __init__(self) -> None:
        self.thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="vbsp-kernel")
        self.kernel: WarmKernel | None = None
        self.warm_imports: tuple[str, ...] = DEFAULT_WARM_IMPORTS
        atexit.register(self.kill)
        try:
            import multiprocessing.util

            multiprocessing.util.Finalize(self, KernelHost.kill, args=(self,), exitpriority=10)
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


_HOST: KernelHost | None = None


def host() -> KernelHost:
    """This process's kernel host (created on first use)."""
    global _HOST
    if _HOST is None:
        _HOST = KernelHost()
    return _HOST


def has_kernel() -> bool:
    """True when this process has started a warm kernel that is still kept."""
    return _HOST is not None and _HOST.kernel is not None


def shutdown_kernels(now: bool = False) -> None:
    """Shut this process's warm kernel down (called on every worker at the end of a run).

    ``now=True`` (after an interruption) kills it at once instead of waiting for the notebook it
    may still be running."""
    current = host()
    if now:
        current.kill()
        return
    try:
        current.thread.submit(current.retire).result(timeout=60)
    except concurrent.futures.TimeoutError:
        current.kill()
