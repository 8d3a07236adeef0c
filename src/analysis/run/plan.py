"""Planning: one :class:`RunSpec` per notebook x parameter set, its output name and fingerprint,
and whether an unchanged run can be skipped.

Output names slug the parameters: ``district_943-ke-sach`` (code, then the unit's name without
diacritics, đ -> d). A run's fingerprint hashes the template's bytes, its parameters, the data
hash, the code hash, the language and, for a notebook that needs the shared results, the prepare
step's fingerprint. A run is skipped when the previous manifest has the same fingerprint with
status ok (or skipped) and its outputs exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import UserError
from analysis.run import manifest
from analysis.run.runfile import FOR_EACH, NotebookEntry, notebook_parameters
from analysis.run.settings import CELL_TIMEOUT_S, Context
from analysis.words import escape


@dataclass(frozen=True)
class RunSpec:
    """Everything one worker needs to execute and render one report.

    Attributes:
        needs: ``"shared"`` or ``"data"`` (see :class:`analysis.run.runfile.NotebookEntry`).
        data_dir: the data folder, for rewriting its path in the published outputs.
    """

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
    needs: str = "shared"
    data_dir: str | None = None
    group: str = ""  # the index page's section (a district report: its province before 2025)

    def outputs(self, failed: bool = False) -> dict[str, str]:
        """Output file names (relative to the run folder)."""
        if failed:
            return {"ipynb": f"{self.slug}.error.ipynb", "html": f"{self.slug}.error.html"}
        names = {"ipynb": f"{self.slug}.ipynb", "html": f"{self.slug}.html"}
        if self.pdf:
            names["pdf"] = f"{self.slug}.pdf"
        return names


def slugify(text: str) -> str:
    """ASCII slug: diacritics stripped (đ/Đ -> d), lower case, runs of other characters -> '-'; a long
    name is cut, with a hash of it (``words.escape.slug``: never a '/' or '..')."""
    return escape.slug(text)


def read_districts(data_dir: Path) -> list[tuple[str, str]]:
    """(district code, district name) pairs from the units table, in code order."""
    return [(code, name) for code, name, _ in read_district_provinces(data_dir)]


def read_units(data_dir: Path):
    """The units table of a data folder (Parquet or CSV), for ``for_each``."""
    import pandas as pd

    for suffix, reader in ((".parquet", pd.read_parquet), (".csv", lambda p: pd.read_csv(p, dtype=str))):
        path = data_dir / f"units{suffix}"
        if path.exists():
            return reader(path), path
    raise UserError(f"no units table (units.parquet or units.csv) in {data_dir}: for_each needs it")


def read_provinces(data_dir: Path, *, new: bool) -> list[tuple[str, str]]:
    """(code, name) of the provinces before 1 July 2025, or (``new``) of those since, in code order."""
    units, path = read_units(data_dir)
    code, name = ("successor_province", "successor_province_name") if new else ("province", "province_name")
    if new and code not in units.columns and "commune" in units.columns:
        units = _official_new_provinces(units)  # as loading fills them (data.official.fill_successors)
    if code not in units.columns:
        what = "new_province" if new else "province"
        raise UserError(f"{path}: column {code!r} missing (needed by for_each: {what})")
    names = units[name] if name in units.columns else units[code]
    rows = {str(c): str(n) for c, n in zip(units[code], names) if isinstance(c, str) or c == c}
    return sorted(rows.items())


def _official_new_provinces(units):
    """``units`` with the new province of each GSO-coded commune from the official registry (nothing
    where no commune code is in it)."""
    from analysis.data import registry

    succ = registry.successors().set_index("commune")
    succ.index = succ.index.astype(str)
    communes = units["commune"].astype(str)
    if not communes.isin(succ.index).any():
        return units
    return units.assign(successor_province=communes.map(succ["new_province"]),
                        successor_province_name=communes.map(succ["new_province_name"]))


def _communes_with_groups(data_dir: Path) -> set[str] | None:
    """Communes that have at least one group (the groups table, a file or a folder of parts), or None
    when the groups table cannot be read here (then every district of units is listed)."""
    import pandas as pd

    for name in ("groups.parquet", "groups"):
        path = data_dir / name
        if path.exists():
            try:
                return set(pd.read_parquet(path, columns=["commune"])["commune"].astype(str))
            except (OSError, ValueError, KeyError):
                return None
    return None


def read_district_provinces(data_dir: Path) -> list[tuple[str, str, str]]:
    """(district code, district name, province name before 2025) from the units table, in code order."""
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
    units = units.dropna(subset=["district"])
    with_groups = _communes_with_groups(data_dir)
    if with_groups is not None:  # a district without any group has nothing to report
        units = units[units["commune"].astype(str).isin(with_groups)]
    province = units["province_name"] if "province_name" in units.columns else units.get("province", "")
    rows = pd.DataFrame({"district": units["district"].astype(str), "name": units["district_name"].astype(str),
                         "province": pd.Series(province, index=units.index).fillna("").astype(str)})
    return sorted(rows.drop_duplicates("district").itertuples(index=False, name=None))


def plan_runs(context: Context) -> list[RunSpec]:
    """Every run of the run file, in run-file order; duplicate output names are an error."""
    specs = [spec for entry in context.run_file.notebooks for spec in _entry_specs(entry, context)]
    seen: dict[str, int] = {}
    for spec in specs:
        seen[spec.slug] = seen.get(spec.slug, 0) + 1
    duplicates = sorted(s for s, n in seen.items() if n > 1)
    if duplicates:
        raise UserError(f"{context.run_file.path}: duplicate output names {', '.join(duplicates)}; "
                        "give entries a 'name'")
    return specs


def _standard_parameters(context: Context) -> dict:
    return {"data_dir": str(context.data_dir), "lang": context.lang, "shared_dir": str(context.shared_dir)}


def _variants(entry: NotebookEntry, data_dir: Path) -> list[tuple[str, str, dict, str]]:
    """(slug, label, own parameters, index group) of each run of ``entry``."""
    prefix = slugify(entry.name or entry.template.stem).replace("-", "_")
    if not entry.for_each:
        tail = "-".join(_param_slug(v) for v in entry.params.values())
        return [(f"{prefix}_{tail}" if tail else prefix, entry.title or prefix, {}, "")]
    if entry.for_each in ("province", "new_province"):  # listed at the top of the index, with the brief
        return [(f"{prefix}_{slugify(code)}-{slugify(name)}".strip("-"),
                 f"{entry.title}: {name}" if entry.title else name, {FOR_EACH[entry.for_each]: code}, "")
                for code, name in read_provinces(data_dir, new=entry.for_each == "new_province")]
    return [(f"{prefix}_{slugify(code)}-{slugify(name)}".strip("-"),
             f"{entry.title}: {code} {name}" if entry.title else f"{code} {name}",
             {FOR_EACH[entry.for_each]: code}, province)
            for code, name, province in read_district_provinces(data_dir)]


def _param_slug(value) -> str:
    return slugify(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)


def _entry_specs(entry: NotebookEntry, context: Context) -> list[RunSpec]:
    declared = notebook_parameters(entry.template)
    base = {k: v for k, v in _standard_parameters(context).items() if k in declared}
    template_hash = manifest.sha256_file(entry.template)
    prov, settings = context.provenance, context.settings
    prepare = context.prepare_fingerprint if entry.needs == "shared" else None
    specs = []
    for slug, label, own, group in _variants(entry, context.data_dir):
        parameters = {**base, **entry.params, **own}
        fingerprint = manifest.fingerprint({
            "template": template_hash, "parameters": parameters, "data": prov["data_hash"],
            "code": prov["code_hash"], "lang": context.lang, "prepare": prepare,
        })
        specs.append(RunSpec(slug=slug, label=label, template=str(entry.template), parameters=parameters,
                             out_dir=str(context.out_dir), lang=context.lang, fingerprint=fingerprint,
                             banner=context.banner, pdf=settings.pdf, timeout=settings.timeout,
                             needs=entry.needs, data_dir=str(context.data_dir), group=group))
    return specs


def is_unchanged(spec: RunSpec, previous: dict | None) -> bool:
    """True when the last run of ``spec`` succeeded with the same fingerprint and its outputs exist."""
    if not previous or previous.get("fingerprint") != spec.fingerprint:
        return False
    if previous.get("status") not in ("ok", "skipped"):
        return False
    return all((Path(spec.out_dir) / name).exists() for name in spec.outputs().values())
