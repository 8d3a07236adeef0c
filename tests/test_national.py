"""The national prepare (results.national): by province on Dask, national reductions, skip-unchanged.

References: the one-province prepare (``prepare.prepare``) on a one-province country for every
per-province table and the national series and Directive headline; pyfixest ``feols`` on the whole
country's group-months for the national FE OLS; a separately started ``dask scheduler`` with two
``dask worker`` processes for the distributed run.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from analysis import results
from analysis.data import fingerprint, loading, panel
from analysis.data.synthetic import country
from analysis.results import national, prepare
from analysis.results.country import NationalResults

pytestmark = pytest.mark.slow

SCALE = 0.02  # a few dozen groups per province: every design still estimable
CODES = ["92", "94", "95"]  # Cần Thơ, Sóc Trăng (reforms), Bạc Liêu; from July 2025: Cần Thơ (92 + 94), Cà Mau (95)
RTOL = 1e-8  # the same computations in another order: float error only
FE_TOL = dict(fixef_tol=1e-14, fixef_maxiter=100_000)  # pyfixest's demeaning exact to float error


@pytest.fixture(scope="module")
def country_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("country3")
    country.write_country(out, scale=SCALE, codes=CODES)
    return out


@pytest.fixture(scope="module")
def national_dir(country_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("national3")
    national.prepare(country_dir, out, scheduler="inline")
    return out


@pytest.fixture(scope="module")
def one_country_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("country1")
    country.write_country(out, scale=SCALE, codes=["94"])
    return out


def test_one_province_country_gives_the_one_province_prepare_tables(one_country_dir, tmp_path):
    single, nat = tmp_path / "single", tmp_path / "national"
    prepare.prepare(one_country_dir, single)
    national.prepare(one_country_dir, nat, scheduler="inline")
    mine = nat / "province=94"
    names = sorted(p.stem for p in single.glob("*.parquet"))
    assert names == sorted(p.stem for p in mine.glob("*.parquet"))
    for name in names:
        pd.testing.assert_frame_equal(pd.read_parquet(mine / f"{name}.parquet"),
                                      pd.read_parquet(single / f"{name}.parquet"), obj=name)
    a, b = (json.loads((folder / "meta.json").read_text()) for folder in (single, mine))
    assert a["headlines"] == b["headlines"] and a["skipped"] == b["skipped"]
    res = results.load(nat)
    by_province = res["province_m"].set_index("period")["overdue_ratio"]
    alone = results.load(single)["ratio_province_m"].set_index("period")["overdue_ratio"]
    np.testing.assert_allclose(by_province.to_numpy(), alone.reindex(by_province.index).to_numpy(), rtol=RTOL)
    for field in ("estimate", "conf_low", "conf_high", "p_value"):
        assert getattr(res.national.directive, field) == pytest.approx(
            getattr(results.load(single).directive, field), rel=RTOL)
    assert "fe_ols" in res.skipped and res.national.meetings_ols is None  # one cluster: nothing to cluster by


def test_national_fe_ols_equals_pyfixest_on_the_whole_country(country_dir, national_dir):
    frame = panel.build(loading.load(country_dir))
    ref = pf.feols("overdue_share ~ group_meetings + check_share | group_id + month", data=frame,
                   vcov={"CRV1": "province"}, **FE_TOL)
    got = results.load(national_dir)["national_fe_ols"].set_index("term")
    np.testing.assert_allclose(got.loc[ref.coef().index, "estimate"], ref.coef(), rtol=RTOL)
    np.testing.assert_allclose(got.loc[ref.se().index, "std_error"], ref.se(), rtol=RTOL)
    meetings = results.load(national_dir).national.meetings_ols
    assert meetings.estimate == pytest.approx(100 * ref.coef()["group_meetings"], rel=RTOL)
    assert meetings.n_clusters == len(CODES) and meetings.units == "pp"


def test_national_series_add_up_and_cross_2025_by_new_province(country_dir, national_dir):
    res = results.load(national_dir)
    frame = panel.build(loading.load(country_dir))
    last = frame["month"].max()
    at_last = frame[frame["month"] == last]
    national_m = res["national_m"]
    assert national_m["overdue_ratio"].iloc[-1] == pytest.approx(
        100 * at_last["overdue"].sum() / at_last["outstanding"].sum(), rel=RTOL)
    new = res["new_province_m"]
    for code, rows in at_last.groupby("new_province"):
        mine = new[(new["new_province"] == code) & (new["period"] == pd.Period(last, "M"))]
        assert mine["outstanding"].iloc[0] == pytest.approx(rows["outstanding"].sum(), rel=RTOL)
    assert set(new["period"].dt.year) >= {2024, 2025, 2026}  # one series for each new province, both sides of July 2025


def test_results_api_of_a_national_folder(national_dir):
    res = results.load(national_dir)
    assert isinstance(res, NationalResults)
    assert isinstance(res.province("94"), results.Results) and res.province("94").districts
    district = next(iter(res.province("94").districts))
    assert res.province_of(district) == "94" and res.district(district).code == district
    provinces = res.provinces
    assert set(provinces.old) == set(CODES) and set(provinces.successor) == set(CODES)
    assert set(provinces.successor.values()) <= set(provinces.new)
    assert isinstance(res.national.directive, results.Estimate) and res.national.dose.n_clusters == len(CODES)
    assert res.national.directive.inference.startswith("national series, GLS with ARMA(1,1) errors")
    assert res.province("94").directive.inference.startswith("province series")
    merged = [new for new in provinces.new if new not in provinces.old]
    for new in merged:
        with pytest.raises(ValueError, match="since 1 July 2025"):
            res.province(new)
    with pytest.raises(ValueError, match="not in the data"):
        res.province_of("nowhere")


def test_every_national_table_has_its_declared_key(national_dir):
    from analysis.results.reductions import NATIONAL_TABLES
    from analysis.results.store import check_key

    res = results.load(national_dir)
    # one reform province (94) among these: nothing to pool, and the brief is told why
    expected = set(NATIONAL_TABLES) - {name for name in NATIONAL_TABLES if name.startswith("national_reform")}
    assert set(res.store.names) == expected and set(res.meta["tables"]) == expected
    assert "more than one province" in res.skipped["reform_pooled"]
    for name in res.store.names:
        check_key(res[name], NATIONAL_TABLES[name].key, name=name)


def test_partition_hash_changes_for_the_changed_province_only(country_dir, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(country_dir, copy)
    before = fingerprint.partition_hashes(copy)
    _touch_province(copy, "92")
    after = fingerprint.partition_hashes(copy)
    assert {code for code in before if before[code] != after[code]} == {"92"}


def test_changing_one_province_reruns_only_that_province(country_dir, national_dir, tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(country_dir, data)
    shutil.copytree(national_dir, out)  # the previous run, as if made on this folder
    stamps = {code: (out / f"province={code}" / "meta.json").stat().st_mtime_ns for code in CODES}
    assert national.prepare(data, out, scheduler="inline").get("unchanged")
    _touch_province(data, "92")
    meta = national.prepare(data, out, scheduler="inline")
    assert {code for code, info in meta["provinces"].items() if not info["reused"]} == {"92"}
    for code in ("94", "95"):
        assert (out / f"province={code}" / "meta.json").stat().st_mtime_ns == stamps[code]
    assert (out / "province=92" / "meta.json").stat().st_mtime_ns != stamps["92"]
    runs = results.load(out)["province_runs"].set_index("province")["reused"]
    assert runs.to_dict() == {"92": "computed", "94": "kept", "95": "kept"}
    assert national.prepare(data, out, scheduler="inline").get("unchanged")


def test_a_new_output_folder_links_the_previous_run(country_dir, national_dir, tmp_path):
    meta = national.prepare(country_dir, tmp_path / "next", scheduler="inline", previous=national_dir)
    assert all(info["reused"] for info in meta["provinces"].values())
    same = (tmp_path / "next" / "province=94" / "meta.json").stat().st_ino
    assert same == (national_dir / "province=94" / "meta.json").stat().st_ino  # hard links, not copies


def _touch_province(data: Path, code: str) -> None:
    """Change one value of one province's group-months partition (a month's overdue of one group)."""
    path = data / "group_months" / f"province={code}" / "part-0.parquet"
    table = pd.read_parquet(path)
    row = table.index[table["overdue"] < table["outstanding"] - 1][0]
    table.loc[row, "overdue"] = table.loc[row, "overdue"] + 1.0
    table.to_parquet(path, index=False)


# ---------------------------------------------------------------------------------------------
# a separately started scheduler and two workers
# ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def dask_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on localhost, stopped by the test."""
    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = {"cwd": tmp_path, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--dashboard-address", ":0"], **common)]
    try:
        for _ in range(2):
            processes.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                               "--dashboard-address", ":0", "--local-directory", str(tmp_path)],
                                              **common))
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_runs_on_an_external_scheduler_with_two_workers(country_dir, national_dir, dask_cluster, tmp_path):
    started = time.monotonic()
    meta = national.prepare(country_dir, tmp_path / "out", scheduler=dask_cluster)
    assert meta["failed"] == [] and meta["scheduler"] == dask_cluster
    assert not any(info["reused"] for info in meta["provinces"].values())
    ran_on = results.load(tmp_path / "out")["province_runs"]
    assert (ran_on["status"] == "ok").all() and ran_on["peak_rss_mib"].notna().all()
    for name in ("national_m", "province_m", "national_fe_ols", "national_directive", "national_dose"):
        pd.testing.assert_frame_equal(results.load(tmp_path / "out")[name], results.load(national_dir)[name],
                                      obj=name)
    assert time.monotonic() - started < 600


def test_the_runner_prepare_step_reuses_the_last_run(country_dir, national_dir, tmp_path):
    from analysis.run.prepare import run_prepare

    data, shared = tmp_path / "data", tmp_path / "shared"
    shutil.copytree(country_dir, data)
    shutil.copytree(national_dir, shared)  # the last run's shared folder
    _touch_province(data, "94")
    done = run_prepare("analysis.results.national:prepare", str(data), str(shared), "vi", scheduler="inline")
    assert done["status"] == "ok", done
    runs = results.load(shared)["province_runs"].set_index("province")["reused"]
    assert runs.to_dict() == {"92": "linked", "94": "computed", "95": "linked"}


def test_a_one_province_folder_is_not_opened_as_national(small_shared_dir):
    with pytest.raises(ValueError, match="not a national results folder"):
        NationalResults.open(small_shared_dir)
    assert isinstance(results.load(small_shared_dir), results.Results)


def test_reform_pooled_across_the_sample_country():
    """92, 93 and 94: Hậu Giang (93) and Sóc Trăng (94) adopt the same reform at different dates; the
    national step pools them, and its estimate is ``policy.pooled`` on the provinces' own parts."""
    from analysis.policy import pooled
    from analysis.results import reductions

    nat = national.shared()
    head = nat.national.reform_pooled
    assert head is not None and head.extras["provinces"] == ["93", "94"] and head.extras["scope"] == "national"
    folders = {code: nat.directory / f"province={code}" for code in ("92", "93", "94")}
    sums, dist = reductions.read_parts(folders, "reform_sums"), reductions.read_parts(folders, "reform_districts")
    again = pooled.pooled_reform(sums, dist, honest=False).table.set_index("term").loc["ATT"]
    assert head.term == "ATT" and set(head.extras["precision_weights"]) == {"93", "94"}
    assert head.estimate == pytest.approx(again["estimate"], rel=1e-12)
    assert head.conf_low == pytest.approx(again["conf_low"], rel=1e-12)
    assert head.mde == pytest.approx(again["mde"], rel=1e-12) and head.mde > 0
    # each adopting province's own estimate beside it (93's own evaluation finds an adopting district without
    # groups at this scale, so only 94 has one); pooling detects smaller effects than any province alone
    own = nat["national_reform_provinces"]
    assert set(own["province"]) <= {"93", "94"} and "94" in set(own["province"])
    assert (head.mde < own.loc[own["term"] == "ATT", "mde"]).all()
    assert not nat["national_reform_event"].empty and not nat["national_reform_honest"].empty
    # the design-weighted rows: the provinces' own ATTs with weights 1 / (level^2 (1/adopting + 1/never))
    weights = nat["national_reform_weights"].set_index("province")
    level = nat.national.reform_level
    assert level.term == "ATT_level" and level.extras["level_weights"] == pytest.approx(
        weights["level_weight"].to_dict())
    inverse = 1 / (weights["level"] ** 2 * (1 / weights["adopting"] + 1 / weights["never"]))
    assert weights["level_weight"].to_numpy() == pytest.approx((inverse / inverse.sum()).to_numpy())
    assert level.estimate == pytest.approx((weights["level_weight"] * weights["att"]).sum(), rel=1e-12)
    assert nat.national.reform_level_cr2.estimate == pytest.approx(level.estimate, rel=1e-12)
    assert nat.national.reform_level_cr2.extras["dof"] <= level.n_clusters - 1
    hk = nat.national.reform_level_hk
    assert hk.term == "ATT_level_hk" and hk.estimate == pytest.approx(level.estimate, rel=1e-12)
    assert hk.extras["dof"] == hk.extras["n_provinces"] - 1 and "Hartung-Knapp" in hk.inference
    assert nat.national.dose.mde > 0 and nat.province("94").dose.mde > 0  # no longer NaN
    quality = nat.national.quality
    assert quality.term == "weak" and quality.extras["reference"] == "good"


def test_what_the_country_detects_beside_soc_trang():
    """``national_detect``: every national headline's MDE, and Sóc Trăng's own where it has the question."""
    from analysis.results.estimates import t_mde

    nat = national.shared()
    d = nat["national_detect"].set_index("question")
    assert list(d.index) == ["directive", "dose", "meetings_ols", "meetings_fwls", "meetings_design", "checks_ols",
                             "checks_fwls", "checks_design", "reform_pooled", "reform_level", "reform_level_cr2",
                             "reform_level_hk", "quality", "quality_fwls"]
    for question, row in d.iterrows():
        head = getattr(nat.national, question)
        assert row["mde"] == pytest.approx(head.mde) and row["estimate"] == pytest.approx(head.estimate)
    st = nat.province("94")
    assert (d["province"] == "94").all()
    assert d.loc["directive", "province_mde"] == pytest.approx(st.directive.mde)
    assert d.loc["reform_pooled", "province_mde"] == pytest.approx(st.reform.mde)
    assert d.loc["reform_level", "province_mde"] == pytest.approx(st.reform.mde)
    fe = st["model_fe_ols"].set_index("term").loc["group_meetings"]
    assert d.loc["meetings_ols", "province_mde"] == pytest.approx(100 * t_mde(fe["std_error"], len(st.districts)))
    assert d.loc["meetings_fwls", "province_mde"] == d.loc["meetings_ols", "province_mde"]  # the same province fit
    assert d.loc["meetings_design", "estimate"] == d.loc["meetings_fwls", "estimate"]  # same fit, other covariance
    assert "Abadie" in nat.national.meetings_design.inference
    assert np.isnan(d.loc[["quality", "quality_fwls"], "province_mde"]).all()  # no one-province rating gap


def test_pooled_reform_truth_is_the_treated_group_month_mean():
    from analysis.data.synthetic.country import pooled_reform_truth

    provinces = {"a": {"reforms": {"reform": "r", "att_simple_pp": -1.0, "treated_group_months": 300}},
                 "b": {"reforms": {"reform": "r", "att_simple_pp": -2.0, "treated_group_months": 100}},
                 "c": {"reforms": {"note": "no reform in this province"}}}
    assert pooled_reform_truth(provinces)["att_simple_pp"] == pytest.approx(-1.25)
    assert pooled_reform_truth(provinces, ["b"])["att_simple_pp"] == pytest.approx(-2.0)
    assert pooled_reform_truth({"a": provinces["a"], "c": provinces["c"]}) == {}  # one province: nothing to pool


def test_national_monte_carlo_replicate_has_every_gated_interval():
    """One replicate of the national gate: a row for every interval the brief may print, in both worlds,
    with the precision-weighted pooled reform's target its own weights times the provinces' true effects."""
    from analysis.results import montecarlo_national as mcn

    rows = mcn.replicate_national(0, scale=0.0005)
    assert set(rows["world"]) == {"null", "effect"}
    null, effect = rows[rows["world"] == "null"], rows[rows["world"] == "effect"]
    assert (null["target"].fillna(0) == 0).all()
    for key, (estimator, inference) in mcn.ESTIMATORS.items():
        hit = effect[(effect["estimator"] == estimator) & (effect["inference"] == inference)]
        assert not hit.empty, key
    pooled = effect[effect["estimator"] == "pooled reform"].set_index(["term", "inference"])
    assert {"ATT_precision", "ATT", "ATT_precision_hk"} <= set(pooled.index.get_level_values("term"))
    assert (pooled["target"] < 0).all()  # the reform lowers overdue in the effect world
    assert (pooled["conf_low"] < pooled["conf_high"]).all()
