"""The warm kernel's helper: imported INSIDE each worker's IPython kernel (never by the driver).

:func:`warm` imports the heavy libraries once and takes a snapshot of the state a notebook may
change; :func:`reset` restores it before the next notebook: user namespace cleared (IPython's
``%reset -f``, in a new session so the execution counter starts at 1 again), figures closed,
matplotlib rcParams (hence seaborn themes), pandas options, working directory, environment
variables, ``sys.path``, warning filters, the ``random`` and NumPy global random states. What a
reset does not undo: changes to imported modules' internals (monkey-patching), IPython
configuration or extension changes made by a notebook; report notebooks do neither (style.md).

The driver reaches this module through ``sys.modules`` (:data:`MODULE`) in one-line kernel
calls, so that no name is left in the notebook's namespace.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
import warnings

MODULE = __name__
_state: dict = {}


def warm(modules) -> None:
    """Import ``modules`` (a failure only costs that import later), then :func:`snapshot`;
    :func:`warm_failures` lists what failed."""
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name}: {exc!r}")
    snapshot()
    _state["failed"] = failed


def warm_failures() -> list[str]:
    """The imports that failed in :func:`warm`, as ``"module: error"`` lines."""
    return list(_state.get("failed", []))


def snapshot() -> None:
    """Record the state that :func:`reset` restores."""
    _state["environ"] = dict(os.environ)
    _state["path"] = list(sys.path)
    _state["warnings"] = list(warnings.filters)
    _state["random"] = random.getstate()
    if "numpy" in sys.modules:
        _state["np_random"] = sys.modules["numpy"].random.get_state()
    if "matplotlib" in sys.modules:
        _state["rc"] = dict(sys.modules["matplotlib"].rcParams)


def reset(cwd: str) -> None:
    """Clear the previous notebook's state and change to ``cwd`` (see the module docstring)."""
    from IPython import get_ipython

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    get_ipython().reset(new_session=True)  # IPython's reset collects garbage itself
    _restore_process_state()
    _restore_library_options()
    os.chdir(cwd)


def _restore_process_state() -> None:
    os.environ.clear()
    os.environ.update(_state["environ"])
    sys.path[:] = _state["path"]
    warnings.filters[:] = _state["warnings"]
    warnings._filters_mutated()
    random.setstate(_state["random"])
    if "np_random" in _state:
        sys.modules["numpy"].random.set_state(_state["np_random"])


def _restore_library_options() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "rc" in _state:
            dict.update(sys.modules["matplotlib"].rcParams, _state["rc"])
        elif "matplotlib" in sys.modules:
            sys.modules["matplotlib"].rcdefaults()
        if "pandas" in sys.modules:
            sys.modules["pandas"].reset_option("all")
