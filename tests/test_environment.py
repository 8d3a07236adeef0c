"""environment.yml and pyproject.toml pin the same direct dependencies; the lock agrees too."""

from __future__ import annotations

import re
import tomllib

import yaml

from analysis import paths

PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        m = PIN.match(line)
        if m:
            out[_norm(m.group(1))] = m.group(2)
    return out


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    return _pins(lines)


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return _pins(pip)


def test_every_direct_dependency_is_pinned():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"]:
        assert PIN.match(spec), f"{spec!r} in pyproject.toml is not pinned with =="


def test_environment_yml_and_pyproject_pin_the_same_versions():
    assert _environment_pins() == _pyproject_pins()


def test_lock_file_agrees_with_direct_pins():
    lock = _pins((paths.ROOT / "requirements.lock").read_text().splitlines())
    for name, version in _pyproject_pins().items():
        if name in lock:
            assert lock[name] == version, f"{name}: pyproject {version}, requirements.lock {lock[name]}"
    core = {"pandas", "numpy", "statsmodels", "pyfixest", "papermill", "typst", "dask"}
    assert core <= set(lock), f"requirements.lock lacks {core - set(lock)}"
