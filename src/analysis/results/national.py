"""The national prepare: one Dask task per province, then national reductions of small parts.

``prepare(data_dir, out_dir, client=...)`` writes::

    OUT/meta.json                 kind "national": provinces (status, reused, timings), headlines, tables
    OUT/<table>.parquet           the national tables (``reductions.NATIONAL_TABLES``, keys checked)
    OUT/truth.json                the generator's truth (synthetic data only)
    OUT/province=XX/              province XX's own prepare (``prepare.write_prepared``: the same tables and
                                  meta.json as a one-province data set), its meta also holding its fingerprint
    OUT/province=XX/parts/        what the national reductions read (``reductions.province_parts``)

Per province (a Dask task, on the cluster the notebooks use: a local one by default, ``scheduler`` an
address to scale out; "inline" runs in this process): read that province's partitions only
(``loading.load(..., provinces=[XX])``), build its panel, run the one-province prepare on it
(indicators by old district, commune and association, attention list, district summaries, the models
with district clusters, the district mixed model, Directive 40 on the province series, the reform where
the province has one) and write its parts. Memory is that of the largest province, whatever the
number of provinces. The national reductions (``reductions.reduce_national``) then read only the parts.

Skip-unchanged per province: a province's fingerprint is the hash of its partition files
(``fingerprint.partition_hashes``), of its rows of the whole-file tables (units, reforms; any other
whole-file table counts for every province) and of the code of the layers the results depend on. A
province folder whose meta.json holds the same fingerprint (status ok) is kept, or hard-linked from
``previous`` (the last run's folder, when the run is built in a new one); only the others are computed,
then the national reductions run. When nothing changed at all, nothing runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import os
import resource
import shutil
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import atomic, paths, processes, provenance
from analysis.constants import SEED
from analysis.data import fingerprint, io, loading, panel
from analysis.results import prepare as one
from analysis.results import reductions, timing
from analysis.results.version import CODE_LAYERS, code_version  # noqa: F401 - national.code_version

KIND = "national"
PROVINCE_DIR = "province={code}"
SHARED_TABLES = ("units", "reforms")  # whole-file tables hashed by each province's rows


@dataclass(frozen=True)
class Province:
    """One province of the plan: code, name, fingerprint, its part files' bytes (to start big ones
    first) and whether its folder is reused ("kept", "linked") or computed ("")."""

    code: str
    name: str
    fingerprint: str
    data_hash: str
    size: int
    reuse: str = ""


# ---------------------------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------------------------

def shared(data_dir: str | Path = "", shared_dir: str | Path = "", lang: str = "vi"):
    """National results for a notebook (a ``NationalResults``): read ``shared_dir`` if it holds a national
    prepare's output, else prepare ``data_dir`` here (serially) into a cache keyed by the data and the
    results' code. Empty ``data_dir`` means the small synthetic country (``country.sample_country``),
    written on first use."""
    from analysis.data.synthetic import country
    from analysis.results.prepare import load

    if str(shared_dir) and (Path(shared_dir) / "meta.json").exists():
        return load(shared_dir)
    data_dir = Path(data_dir) if str(data_dir) else country.sample_country()
    key = f"{fingerprint.data_hash(data_dir)[:16]}-{code_version()[:8]}"  # new code, new results
    cache = paths.REPORTS / ".shared-cache" / f"national-{key}"
    if not (cache / "meta.json").exists():
        prepare(data_dir, cache, lang=lang, scheduler="inline")
    return load(cache)


def prepare(data_dir: str | Path, out_dir: str | Path, lang: str = "vi", *, client=None, scheduler: str | None = None,
            workers: int = 2, provinces=None, previous: str | Path | None = None, force: bool = False) -> dict:
    """The national prepare (module docstring); returns the national meta.

    ``client``: a ``distributed.Client`` to run on (the notebooks' cluster); otherwise ``scheduler``:
    None for a local cluster of ``workers`` processes, an address, or "inline" (serial, here).
    ``provinces``: only these pre-2025 province codes. ``force``: recompute every province."""
    started = time.perf_counter()
    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_provinces(data_dir, out_dir, provinces=provinces, previous=previous, force=force)
    national_fp = _national_fingerprint(plan)
    before = _read_meta(out_dir)
    if not force and before.get("fingerprint") == national_fp and all(p.reuse == "kept" for p in plan):
        return before | {"unchanged": True}
    _remove_stale(out_dir, {p.code for p in plan})
    timings = {}
    with _executor(client, scheduler, workers) as dask_client:
        t0 = time.perf_counter()
        runs = run_provinces(plan, data_dir=data_dir, out_dir=out_dir, client=dask_client)
        timings["provinces"] = round(time.perf_counter() - t0, 2)
        codes = [p.code for p in plan if (out_dir / PROVINCE_DIR.format(code=p.code) / reductions.PARTS).is_dir()]
        t0 = time.perf_counter()
        national = _call(dask_client, national_step, str(out_dir), codes)
        timings["national"] = round(time.perf_counter() - t0, 2)
    return _finish(plan, runs, national, data_dir=data_dir, out_dir=out_dir, fingerprint_=national_fp,
                   timings=timings, started=started, scheduler=_describe_scheduler(client, scheduler, workers))


def national_step(out_dir: str, codes: list[str]) -> dict:
    """The national reductions (a task on a worker: one BLAS thread, off the driver): read the
    provinces' parts, write the national tables; returns what meta.json records of them."""
    out = Path(out_dir)
    folders = {code: out / PROVINCE_DIR.format(code=code) for code in codes}
    tables, headlines, designs, skipped = reductions.reduce_national(folders)
    reductions.write_national(tables, out)
    months = tables["national_m"]["period"]
    return {"headlines": {name: est.to_dict() for name, est in headlines.items()}, "designs": designs,
            "skipped": skipped, "tables": sorted(tables), "months": [str(months.min()), str(months.max())],
            "successor": tables["province_map"].sort_values("communes", ascending=False, kind="stable")
            .drop_duplicates("province").set_index("province")["new_province"].to_dict()}


def _finish(plan, runs, national, *, data_dir, out_dir, fingerprint_, timings, started, scheduler) -> dict:
    """The table of province runs, truth.json and the national meta.json, written last."""
    reductions.write_national({"province_runs": _runs_table(plan, runs)}, out_dir)
    names = [*national["tables"], "province_runs"]
    reductions.remove_stale(out_dir, names)
    synthetic = one.is_synthetic(data_dir)
    if synthetic:
        atomic.write_text(out_dir / "truth.json", (data_dir / "truth.json").read_text(encoding="utf-8"))
    meta = _national_meta(plan, runs, national, data_dir=data_dir, synthetic=synthetic, fingerprint_=fingerprint_)
    meta.update({"headlines": national["headlines"], "national": national["designs"], "skipped": national["skipped"],
                 "scheduler": scheduler, "timings_s": timings, "seconds": round(time.perf_counter() - started, 2),
                 "tables": {name: {"key": list(reductions.NATIONAL_TABLES[name].key),
                                   "freq": reductions.NATIONAL_TABLES[name].freq} for name in names}})
    atomic.write_text(out_dir / "meta.json", json.dumps(meta, ensure_ascii=False, indent=2, default=str))
    return meta


def _national_meta(plan, runs, national, *, data_dir, synthetic, fingerprint_) -> dict:
    statuses = {p.code: runs[p.code]["status"] for p in plan}
    return {
        "kind": KIND, "data_name": data_dir.name, "data_hash": _data_hash(plan), "synthetic": synthetic,
        "fingerprint": fingerprint_, "code": provenance.git_state(), "code_version": code_version(), "seed": SEED,
        "months": national["months"],
        "n_group_months": int(sum(runs[p.code].get("n_group_months", 0) for p in plan)),
        "provinces": {p.code: {"name": p.name, "new_province": national["successor"].get(p.code),
                               "status": statuses[p.code],
                               "reused": bool(p.reuse), "error": runs[p.code].get("error")} for p in plan},
        "failed": sorted(code for code, status in statuses.items() if status != "ok"),
        "peak_rss_mib": max((runs[p.code].get("peak_rss_mib") or 0) for p in plan),
    }


def _runs_table(plan, runs) -> pd.DataFrame:
    rows = [{"province": p.code, "province_name": p.name, "status": runs[p.code]["status"],
             "reused": p.reuse or "computed", "seconds": runs[p.code].get("seconds"),
             "peak_rss_mib": runs[p.code].get("peak_rss_mib"), "n_group_months": runs[p.code].get("n_group_months"),
             "fingerprint": p.fingerprint[:16], "error": runs[p.code].get("error")} for p in plan]
    return pd.DataFrame(rows)


def _read_meta(folder: Path) -> dict:
    path = folder / "meta.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _describe_scheduler(client, scheduler, workers) -> str:
    if client is not None:
        return f"client {getattr(client.scheduler, 'address', client)}"
    return scheduler or f"local cluster, {workers} workers"


# ---------------------------------------------------------------------------------------------
# the plan: fingerprints and what can be reused
# ---------------------------------------------------------------------------------------------

def plan_provinces(data_dir: Path, out_dir: Path, *, provinces=None, previous=None, force=False) -> list[Province]:
    """Every province with its fingerprint, largest first, and whether its folder is reused."""
    units = _shared_tables(data_dir)
    codes = sorted(units["units"]["province"].dropna().astype(str).unique())
    if provinces is not None:
        wanted = {str(p).strip() for p in provinces}
        unknown = sorted(wanted - set(codes))
        if unknown:
            raise ValueError(f"provinces {unknown} are not in the units table; have {codes}")
        codes = [c for c in codes if c in wanted]
    checksums = fingerprint.partition_checksums(data_dir)
    names = units["units"].drop_duplicates("province").set_index("province")["province_name"].astype(str)
    version = code_version()
    plan = []
    for code in codes:
        data_hash = _province_data_hash(code, checksums, units)
        fp = hashlib.sha256(f"{data_hash}|{version}|{SEED}".encode()).hexdigest()
        size = sum((data_dir / path).stat().st_size for path in checksums.get(code, {}))
        reuse = "" if force else _reusable(code, fp, out_dir, previous)
        plan.append(Province(code=code, name=str(names.get(code, code)), fingerprint=fp, data_hash=data_hash,
                             size=size, reuse=reuse))
    return sorted(plan, key=lambda p: (-p.size, p.code))


def _shared_tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The small whole-file tables (units, reforms) read once, for province names and fingerprints."""
    out = {}
    for path in sorted(data_dir.iterdir()):
        table = io.table_for_path(path.name)
        if table in SHARED_TABLES and path.is_file():
            out[table] = io.read_table(path, table)
    if "units" not in out:
        raise ValueError(f"no units table file in {data_dir}: the national prepare needs one")
    return out


def _province_data_hash(code: str, checksums: dict[str, dict[str, str]], shared: dict[str, pd.DataFrame]) -> str:
    """Hash of the province's partition files, its rows of units and reforms, and every other
    whole-file data table (such a table is not split by province: a change in it reruns all)."""
    rows = io.restrict_provinces(shared, [code])
    digest = hashlib.sha256(fingerprint.hash_checksums(checksums.get(code, {})).encode())
    for name in sorted(rows):
        values = pd.util.hash_pandas_object(rows[name].astype(str), index=False).to_numpy()
        digest.update(name.encode() + values.tobytes())
    for path, checksum in sorted(checksums.get("", {}).items()):
        table = io.table_for_path(Path(path).name)
        if table is not None and table not in SHARED_TABLES:
            digest.update(f"{path}:{checksum}".encode())
    return digest.hexdigest()


def _national_fingerprint(plan: list[Province]) -> str:
    text = json.dumps(sorted((p.code, p.fingerprint) for p in plan))
    return hashlib.sha256(text.encode()).hexdigest()


def _data_hash(plan: list[Province]) -> str:
    return hashlib.sha256(json.dumps(sorted((p.code, p.data_hash) for p in plan)).encode()).hexdigest()


def _reusable(code: str, fp: str, out_dir: Path, previous) -> str:
    """"kept" when OUT's own province folder has this fingerprint, "linked" when the previous run's
    has (it is hard-linked into OUT), "" otherwise."""
    if _valid(out_dir / PROVINCE_DIR.format(code=code), fp):
        return "kept"
    if previous is not None:
        old = Path(previous) / PROVINCE_DIR.format(code=code)
        if _valid(old, fp):
            _link_tree(old, out_dir / PROVINCE_DIR.format(code=code))
            return "linked"
    return ""


def _valid(folder: Path, fp: str) -> bool:
    meta = _read_meta(folder) if folder.is_dir() else {}
    return (meta.get("fingerprint") == fp and meta.get("status") == "ok"
            and (folder / reductions.PARTS / reductions.FE_BLOCK).exists())


def _link_tree(source: Path, target: Path) -> None:
    """Hard links of ``source``'s files at ``target`` (a copy across file systems), installed atomically."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, tmp, copy_function=link)
    _install(tmp, target)


def _install(tmp: Path, final: Path) -> None:
    """Put a complete folder in place of ``final`` (the old one removed after the rename)."""
    old = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.old")
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def _remove_stale(out_dir: Path, codes: set[str]) -> None:
    """Province folders of provinces no longer in the plan, and temporaries of interrupted runs."""
    for path in out_dir.glob("province=*"):
        if path.is_dir() and path.name.split("=", 1)[1] not in codes:
            shutil.rmtree(path)
    for path in out_dir.glob(".province=*"):
        shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# the province tasks
# ---------------------------------------------------------------------------------------------

def run_provinces(plan, *, data_dir: Path, out_dir: Path, client=None) -> dict[str, dict]:
    """Run the task of every province not reused (largest first) on ``client`` (None: here, one after
    the other) and collect each one's summary."""
    runs = {p.code: {"status": "ok", "reused": p.reuse} | _reused_summary(out_dir, p) for p in plan if p.reuse}
    args = {p.code: (str(data_dir), p.code, str(out_dir), p.fingerprint, p.data_hash) for p in plan if not p.reuse}
    if client is None:
        for code, task_args in args.items():
            runs[code] = _guarded(code, lambda a=task_args: province_task(*a))
        return runs
    runs.update(_submit_all(client, args) if args else {})
    return runs


def _call(client, fn, *args):
    """``fn(*args)`` on a worker of ``client``, or here when it is None."""
    return fn(*args) if client is None else client.submit(fn, *args, pure=False).result()


def _submit_all(client, args: dict[str, tuple]) -> dict[str, dict]:
    from distributed import as_completed

    futures = {client.submit(province_task, *task_args, key=f"prepare-province-{code}-{task_args[3][:12]}",
                             pure=False, retries=0): code for code, task_args in args.items()}
    out = {}
    for future in as_completed(futures):
        out[futures[future]] = _guarded(futures[future], future.result)
    return out


def _guarded(code: str, call) -> dict:
    try:
        return call()
    except Exception as exc:  # one province failing does not stop the others
        return {"province": code, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}


@contextlib.contextmanager
def _executor(client, scheduler, workers):
    """None for "inline" (everything runs here), otherwise a Dask client (``_client``)."""
    if client is None and scheduler == "inline":
        yield None
        return
    with _client(client, scheduler, workers) as dask_client:
        yield dask_client


@contextlib.contextmanager
def _client(client, scheduler, workers):
    """The given client, one connected to ``scheduler``, or a local cluster (processes, one thread
    each, started as :func:`analysis.processes.local_workers` says); each task trims the heap when it ends."""
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as connected:
            yield connected
        return
    with processes.local_workers(), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                         silence_logs=logging.ERROR) as cluster, Client(cluster) as local:
        yield local


def _reused_summary(out_dir: Path, p: Province) -> dict:
    meta = _read_meta(out_dir / PROVINCE_DIR.format(code=p.code))
    return {"province": p.code, "n_group_months": meta.get("n_group_months"), "seconds": 0.0, "peak_rss_mib": None}


def province_task(data_dir: str, code: str, out_dir: str, fingerprint_: str, data_hash: str) -> dict:
    """One province, on a worker: its prepare and its parts into ``OUT/province=XX`` (installed when
    complete). A failure of the prepare step still installs the parts, with status "failed"."""
    t0 = time.perf_counter()
    _freeze_heap()
    data_dir_path, final = Path(data_dir), Path(out_dir) / PROVINCE_DIR.format(code=code)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with timing.step("load"):
            tables = loading.load(data_dir_path, provinces=[code])
        with timing.step("panel"):
            frame = panel.build(tables)
        about = {"kind": "province", "province": code, "data_name": data_dir_path.name, "data_hash": data_hash,
                 "fingerprint": fingerprint_, "synthetic": one.is_synthetic(data_dir_path), "status": "ok"}
        with timing.step("parts"):
            reductions.province_parts(frame, tables, tmp / reductions.PARTS)
        status, error = _province_prepare(frame, tables, tmp, about=about, started=t0)
        summary = {"province": code, "status": status, "error": error, "n_group_months": int(len(frame)),
                   "seconds": round(time.perf_counter() - t0, 2)}
        del frame, tables
        _install(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        _release_memory()
    return summary | {"peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _province_prepare(frame, tables, folder: Path, *, about: dict, started: float) -> tuple[str, str | None]:
    """``prepare.write_prepared`` for one province; on failure a meta.json saying why."""
    try:
        one.write_prepared(frame, tables, folder, about=about, started=started)
        return "ok", None
    except Exception as exc:  # noqa: BLE001 - recorded, shown in the national meta, rerun next time
        error = f"{type(exc).__name__}: {exc}"
        step = traceback.extract_tb(exc.__traceback__)[-1]
        meta = about | {"status": "failed", "error": error, "where": f"{Path(step.filename).name}:{step.lineno}"}
        atomic.write_text(folder / "meta.json", json.dumps(meta, ensure_ascii=False, indent=2))
        return "failed", error


def _freeze_heap() -> None:
    """Collect, then move every object alive now (the imported libraries: about a million objects) to
    the collector's permanent generation: the prepare collects after each stage and model fit (their
    reference cycles hold copies of the data), and each full collection then walks only what the task
    made, not the libraries again (0.12 s -> 0.01 s a collection; nine of them a province)."""
    import gc

    gc.collect()
    gc.freeze()


def _release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc), so that the next
    province on this worker starts from the worker's base memory."""
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


# ---------------------------------------------------------------------------------------------
# command line: python -m analysis prepare DATA --out OUT
# ---------------------------------------------------------------------------------------------

def add_arguments(parser) -> None:
    parser.add_argument("data", help="data folder, tables partitioned by province (as synth --country writes)")
    parser.add_argument("--out", required=True, help="output folder (province folders are reused when unchanged)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address (default: a local cluster); 'inline' runs here, serially")
    parser.add_argument("--workers", type=int, default=2, help="workers of the local cluster (default 2)")
    parser.add_argument("--provinces", default=None, help="only these pre-2025 province codes, comma-separated")
    parser.add_argument("--force", action="store_true", help="recompute every province")


def run(args) -> int:
    codes = [c.strip() for c in args.provinces.split(",")] if args.provinces else None
    meta = prepare(args.data, args.out, scheduler=args.scheduler, workers=args.workers, provinces=codes,
                   force=args.force)
    print(summary_line(meta))
    for code in meta["failed"]:
        print(f"  province {code} failed: {meta['provinces'][code]['error']}", file=sys.stderr)
    return 1 if meta["failed"] else 0


def summary_line(meta: dict) -> str:
    """One line: provinces computed, reused and failed, time, peak memory of a worker."""
    if meta.get("unchanged"):
        return f"national prepare of {meta['data_name']}: data and code unchanged, nothing recomputed"
    provinces = meta["provinces"].values()
    reused = sum(p["reused"] for p in provinces)
    return (f"national prepare of {meta['data_name']}: {len(meta['provinces'])} provinces "
            f"({len(meta['provinces']) - reused} computed, {reused} reused, {len(meta['failed'])} failed), "
            f"{meta['n_group_months']:,} group-months, {meta['seconds']} s "
            f"(provinces {meta['timings_s'].get('provinces')} s, national {meta['timings_s'].get('national')} s); "
            f"peak memory of a worker {meta['peak_rss_mib']} MiB")
