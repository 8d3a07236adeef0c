"""The run file: which notebooks run, with which parameters (``config/runs/*.yml``).

Format (also documented in ``config/runs/README.md``)::

    name: sample                        # required; output folder reports/<name>-<lang>/
    title: "Báo cáo mẫu / Sample reports" # optional, shown on index.html
    prepare: "analysis.results.prepare:prepare"   # optional: callable(data_dir, out_dir, lang) -> None,
                                        # run ONCE before the notebooks (model fits shared by all
                                        # reports); its folder is passed to notebooks as shared_dir
    warm_imports: [pandas, statsmodels.api, seaborn]   # optional: modules each warm kernel pre-imports
    notebooks:
      - template: notebooks/province_report.ipynb       # path relative to the project root
        name: province                  # optional output-name prefix (default: template stem)
        title: "Toàn tỉnh / Province"   # optional label on index.html
        params: {seed: 20211231}        # optional: must be names in the notebook's parameters cell
        needs: data                     # optional: 'shared' (default: reads the prepare step's
                                        # output) or 'data' (the data alone: built even when the
                                        # prepare step failed)
      - template: notebooks/district_report.ipynb
        name: district
        for_each: district              # one run per district in the data's units table,
                                        # with parameter district_code

Every run also gets ``data_dir``, ``lang`` and ``shared_dir`` (absolute paths), each only if the
notebook's ``parameters`` cell declares it. Unknown keys, a missing template, parameters the
notebook does not declare and duplicate output names are errors (``UserError``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from analysis import paths
from analysis.errors import UserError

DEFAULT_RUN = paths.CONFIG / "runs" / "sample.yml"  # one province: a report per district, the brief, ...
NATIONAL_RUN = paths.CONFIG / "runs" / "national.yml"  # several provinces or a national folder
DEFAULT_WARM_IMPORTS = (
    "numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib.pyplot", "seaborn",
    "analysis", "analysis.run.display",
)
STANDARD_PARAMS = ("data_dir", "lang", "shared_dir")
# for_each -> the notebook parameter it sets: one run per old district, per old province (before 1 July
# 2025) or per new province (since); the units table lists them.
FOR_EACH = {"district": "district_code", "province": "province_code", "new_province": "province_code"}
NEEDS = ("shared", "data")
RUN_KEYS = {"name", "title", "description", "prepare", "warm_imports", "notebooks"}
ENTRY_KEYS = {"template", "params", "for_each", "name", "title", "needs"}


@dataclass(frozen=True)
class NotebookEntry:
    """One ``notebooks:`` entry of a run file.

    Attributes:
        needs: ``"shared"`` when the notebook reads the prepare step's output, ``"data"`` when
            it reads the data folder alone (it is then built even if the prepare step failed).
    """

    template: Path
    params: dict = field(default_factory=dict)
    for_each: str | None = None
    name: str | None = None
    title: str | None = None
    needs: str = "shared"


@dataclass(frozen=True)
class RunFile:
    """A validated run file."""

    path: Path
    name: str
    notebooks: tuple[NotebookEntry, ...]
    title: str | None = None
    prepare: str | None = None
    warm_imports: tuple[str, ...] = DEFAULT_WARM_IMPORTS


def notebook_parameters(template: Path) -> dict:
    """The parameters declared in ``template``'s ``parameters`` cell (papermill's inspection)."""
    import papermill

    return papermill.inspect_notebook(str(template))


def load_run_file(path: str | Path, *, root: Path = paths.ROOT) -> RunFile:
    """Read and validate a run file; templates are resolved against ``root``."""
    path = Path(path)
    raw = _read_yaml(path)
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


def _read_yaml(path: Path) -> dict:
    import yaml

    if not path.exists():
        raise UserError(f"run file {path} not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping with keys name, notebooks")
    return raw


def _check_keys(mapping: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise UserError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


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
    needs = item.get("needs", "shared")
    if needs not in NEEDS:
        raise UserError(f"{where}: needs must be one of {', '.join(NEEDS)}, got {needs!r}")
    _check_parameters(template, params, for_each, where=where, shown=item["template"])
    return NotebookEntry(template=template, params=dict(params), for_each=for_each,
                         name=item.get("name"), title=item.get("title"), needs=needs)


def _check_parameters(template: Path, params: dict, for_each: str | None, *, where: str, shown: str) -> None:
    declared = notebook_parameters(template)
    needed = set(params) | ({FOR_EACH[for_each]} if for_each else set())
    missing = sorted(needed - set(declared))
    if missing:
        raise UserError(
            f"{where}: parameter(s) {', '.join(missing)} not declared in the parameters cell of "
            f"{shown} (it declares: {', '.join(declared) or 'nothing'})"
        )
    reserved = sorted(set(params) & (set(STANDARD_PARAMS) | set(FOR_EACH.values())))
    if reserved:
        raise UserError(f"{where}: parameter(s) {', '.join(reserved)} are set by the runner")


def run_for_data(data_dir: str | Path) -> tuple[Path, str]:
    """The run a data folder calls for, and why: one province -> the province run (``sample.yml``);
    several provinces, or a folder partitioned by province (``synth --country``) -> the national run.
    Several provinces are never described as one.

    Raises:
        UserError: the folder's units table cannot be read, so the data cannot tell (one line: choose
            with ``--run``).
    """
    from analysis.data import io

    folder = Path(data_dir)
    partitioned = [t for t in ("group_months", "groups")
                   if (folder / t).is_dir() and any((folder / t).glob("province=*"))]
    if partitioned:
        return NATIONAL_RUN, f"{folder} is partitioned by province ({partitioned[0]}/province=...)"
    units = next((p for p in sorted(folder.glob("*")) if p.is_file() and io.table_for_path(p.name) == "units"), None)
    codes = None
    if units is not None:
        try:
            frame = io.read_table(units, "units")
            codes = sorted(frame["province"].dropna().astype(str).unique()) if "province" in frame else None
        except Exception:  # noqa: BLE001 - the data cannot tell; the user chooses
            codes = None
    if not codes:
        raise UserError(f"cannot tell whether {folder} holds one province or several (no units table with a "
                        f"province column): choose the run with --run {DEFAULT_RUN.relative_to(paths.ROOT)} "
                        f"(one province) or --run {NATIONAL_RUN.relative_to(paths.ROOT)} (several)")
    if len(codes) > 1:
        return NATIONAL_RUN, f"{folder} holds {len(codes)} provinces ({', '.join(codes[:6])}{'...' * (len(codes) > 6)})"
    return DEFAULT_RUN, f"{folder} holds one province ({codes[0]})"
