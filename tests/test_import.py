"""import -> validate -> report on every export shape of the corpus (tests/exports_corpus.py).

Each shape is built from the small sample (seed 20211231, 10% of the groups) and imported; the
imported tables must validate and give back the sample's key figures exactly (up to float
rounding where money was converted from đồng). Shapes that cannot be read as they are are
rejected with one line naming the cause and the fix; applying the fix in the mapping then
imports them. One shape goes on through the whole report build, whose every output is searched
for the personal data of the export.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import exports_corpus as corpus
import pandas as pd
import pytest

from analysis.data import io, loading, schema
from analysis.data.imports import import_folder

RTOL = 1e-9  # money converted from đồng (x 1e-6) may differ in the last bits; everything else is exact
SNAPSHOT = pd.Timestamp("2021-05-01")
DIRECT = [s for s in corpus.SHAPES if s not in ("money_dong", "duplicate_header")]


def key_figures(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The article's figures, recomputed: groups, borrowers and outstanding at the snapshot (all and
    Women's Union), the Women's Union overdue ratio at end-2016 and end-2020, weak groups, rows."""
    gm = tables["group_months"].merge(tables["groups"][["group_id", "association"]], on="group_id")
    snap = gm[(gm["month"] == SNAPSHOT) & (gm["outstanding"] > 0)]
    wu = gm[gm["association"] == "WU"]
    out = {"rows": len(gm), "groups": snap["group_id"].nunique(), "borrowers": snap["borrowers"].sum(),
           "outstanding": snap["outstanding"].sum(),
           "outstanding_wu": snap.loc[snap["association"] == "WU", "outstanding"].sum(),
           "overdue_total": gm["overdue"].sum(), "savings_total": gm.get("savings", pd.Series([0.0])).sum()}
    for year in (2016, 2020):
        dec = wu[wu["month"] == pd.Timestamp(f"{year}-12-01")]
        out[f"wu_overdue_ratio_{year}"] = dec["overdue"].sum() / dec["outstanding"].sum()
        if "rating" in dec:
            out[f"wu_weak_{year}"] = int((dec["rating"] == "weak").sum())
    return out


def assert_same_figures(imported: dict, sample: dict) -> None:
    got, want = key_figures(imported), key_figures(sample)
    for name, value in got.items():
        assert value == pytest.approx(want[name], rel=RTOL, abs=0), name


@pytest.fixture(scope="module")
def built(small_sample, tmp_path_factory):
    """Build a shape once per module: shape -> raw folder."""
    root = tmp_path_factory.mktemp("exports")
    cache = {}

    def get(shape: str) -> Path:
        if shape not in cache:
            cache[shape] = corpus.build(shape, root / shape, small_sample.tables)
        return cache[shape]

    return get


@pytest.mark.parametrize("shape", DIRECT)
def test_shape_imports_validates_and_keeps_the_figures(shape, built, small_sample, tmp_path):
    raw = built(shape)
    before = {p: p.stat().st_mtime_ns for p in raw.rglob("*")}
    result = import_folder(raw, tmp_path / "data")
    assert result.report.ok, result.report.to_text()
    assert {p: p.stat().st_mtime_ns for p in raw.rglob("*")} == before  # inputs only read
    loaded = loading.load(tmp_path / "data")  # validate as `report` will
    expected = corpus.recode_groups(small_sample.tables) if shape == "codes_numeric_one" else small_sample.tables
    assert_same_figures(loaded, expected)
    if shape == "codes_numeric_one":  # zeros restored from groups, which kept them as text
        assert loaded["group_months"]["group_id"].str.fullmatch(r"\d{6}").all()


def test_rerun_with_the_written_mapping_is_identical(built, tmp_path):
    first = import_folder(built("realistic"), tmp_path / "a")
    again = import_folder(built("realistic"), tmp_path / "b", mapping_path=tmp_path / "a" / "import-mapping.yml")
    for name, frame in first.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], frame)
    text = (tmp_path / "a" / "import-mapping.yml").read_text(encoding="utf-8")
    assert "month_from: sheet" in text and "reason: signature block" in text and "to: personal" in text


def test_realistic_export_records_every_decision(built, tmp_path):
    result = import_folder(built("realistic"), tmp_path / "data")
    text = (tmp_path / "data" / "import-report.txt").read_text(encoding="utf-8")
    dropped = "Họ và tên tổ trưởng, Số CCCD, Điện thoại, Địa chỉ"
    assert f"personal data dropped (never loaded or published): {dropped}" in text
    assert "113 total row(s) checked: equal to the sums of the rows" in text
    source = next(s for s in result.mapping.sources if s.sheet == "T12-2020")
    assert source.header_rows == [7, 8] and source.month == "2020-12" and source.month_from == "sheet"
    columns = {c.header: c.to for c in source.columns}
    assert columns["Dư nợ / Tổng số"] == "outstanding" and columns["Dư nợ / Nợ quá hạn"] == "overdue"
    assert {d["reason"] for d in source.drop_rows} >= {"title block", "column numbers under the header",
                                                       "total row (Tổng cộng)", "signature block"}


VALID = Path(__file__).parent / "data" / "contract" / "valid"


def small_exports(folder: Path, total: str = "1750,5") -> Path:
    """Two monthly CSV reports (month only in the title, Vietnamese numbers) and the fixture's units and groups."""
    folder.mkdir()
    for name in ("units.csv", "groups.csv"):
        (folder / name).write_bytes((VALID / name).read_bytes())
    for month in (11, 12):
        (folder / f"bao_cao_{month}.csv").write_text(
            f"NGÂN HÀNG CHÍNH SÁCH XÃ HỘI;;;\nBÁO CÁO THÁNG {month} NĂM 2019;;;\n;;;\n"
            "Mã tổ;Số hộ vay;Dư nợ;Nợ quá hạn\n0001;40;1000,5;10\n0002;30;750;0\n"
            f"Tổng cộng;70;{total if month == 12 else '1750,5'};10\n;;;\n;Người lập biểu;;Giám đốc\n",
            encoding="utf-8")
    return folder


def test_month_from_the_title_and_a_wrong_total_is_named(tmp_path):
    raw = small_exports(tmp_path / "raw", total="1800")
    result = import_folder(raw, tmp_path / "data")
    assert result.report.ok, result.report.to_text()
    assert sorted(result.tables["group_months"]["month"].dt.strftime("%Y-%m").unique()) == ["2019-11", "2019-12"]
    lines = [line for line in result.report.to_text().splitlines() if "[totals_mismatch]" in line]
    assert len(lines) == 1 and "bao_cao_12.csv" in lines[0]
    assert "says 1,800 but the rows above it sum to 1,750.5" in lines[0]


def test_command_line(tmp_path):
    import subprocess
    import sys

    raw = small_exports(tmp_path / "raw")
    done = subprocess.run([sys.executable, "-m", "analysis", "import", str(raw), "--out", str(tmp_path / "data")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "group_months           4 rows from 2 source(s)" in done.stdout
    assert (tmp_path / "data" / "group_months.parquet").exists()
    check = subprocess.run([sys.executable, "-m", "analysis", "validate", str(tmp_path / "data")],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and "OK: the data satisfy the contract" in check.stdout, check.stdout


def fix_mapping(path: Path, edit) -> Path:
    text = path.read_text(encoding="utf-8")
    new = edit(text)
    assert new != text
    fixed = path.with_name("fixed.yml")
    fixed.write_text(new, encoding="utf-8")
    return fixed


REJECTED = [
    ("money_dong", "the money looks like đồng; set money_unit: 1e-06 at the top of import-mapping.yml",
     lambda t: t.replace("money_unit: 1.0\n", "money_unit: 1.0e-06\n", 1)),
    ("duplicate_header", "columns D and G have the same header 'Dư nợ' (e.g. opening and closing balance)",
     lambda t: re.sub(r"G: \{header: Dư nợ, to: null", "G: {header: Dư nợ, to: outstanding", t)),
]


@pytest.mark.parametrize("shape, cause, fix", REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected_with_one_line_then_fixed_in_the_mapping(shape, cause, fix, built, small_sample, tmp_path):
    result = import_folder(built(shape), tmp_path / "data")
    errors = [line for line in result.report.to_text().splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and cause in errors[0], result.report.to_text()
    assert not (tmp_path / "data" / "group_months.parquet").exists()  # nothing but the mapping written
    fixed = fix_mapping(tmp_path / "data" / "import-mapping.yml", fix)
    again = import_folder(built(shape), tmp_path / "data", mapping_path=fixed)
    assert again.report.ok, again.report.to_text()
    figures = dict(small_sample.tables)
    if shape == "duplicate_header":  # this export has no ratings and no savings
        figures["group_months"] = figures["group_months"].drop(columns=["rating", "savings"])
    assert_same_figures(loading.load(tmp_path / "data"), figures)


def test_codes_numbers_in_both_tables_warn_then_pad_codes_restores(built, small_sample, tmp_path):
    result = import_folder(built("codes_numeric_both"), tmp_path / "data")
    assert result.report.ok
    assert "set pad_codes: {group_id: <width>} in the mapping" in result.report.to_text()
    fixed = fix_mapping(tmp_path / "data" / "import-mapping.yml", lambda t: t.replace("pad_codes: {}",
                                                                                      "pad_codes: {group_id: 6}"))
    again = import_folder(built("codes_numeric_both"), tmp_path / "data", mapping_path=fixed)
    assert again.report.ok and not again.report.warnings, again.report.to_text()
    recoded = corpus.recode_groups(small_sample.tables)
    assert sorted(again.tables["groups"]["group_id"]) == sorted(recoded["groups"]["group_id"])


def test_a_changed_file_makes_the_mapping_stale(built, tmp_path):
    raw = tmp_path / "raw"
    import shutil

    shutil.copytree(built("clean_csv"), raw)
    import_folder(raw, tmp_path / "data")
    (raw / "reforms.csv").write_text((raw / "reforms.csv").read_text() + "", encoding="utf-8")
    with (raw / "reforms.csv").open("a", encoding="utf-8") as handle:
        handle.write("949,Thí điểm,2019-01-01\n")
    result = import_folder(raw, tmp_path / "out", mapping_path=tmp_path / "data" / "import-mapping.yml")
    assert [i.rule for i in result.report.errors] == ["mapping_stale"]


def test_validate_reads_the_sheet_per_month_workbook_with_its_month_column(built, tmp_path):
    """Without import: every sheet is read (not the first alone), so the models get every month."""
    raw = built("sheet_per_month_with_column")
    folder = tmp_path / "data"
    folder.mkdir()
    for path in raw.iterdir():
        target = {"Số liệu tổ theo tháng.xlsx": "group_months.xlsx", "Danh sách tổ.xlsx": "groups.xlsx",
                  "Danh mục xã.xlsx": "units.xlsx"}.get(path.name)
        if target:
            (folder / target).write_bytes(path.read_bytes())
    tables, issues = io.collect_folder(folder)
    assert tables["group_months"]["month"].nunique() == 113
    assert not [i for i in schema.validate(tables, extra_issues=issues).errors if i.rule == "model_fit"]


# --- the whole build ------------------------------------------------------------------------------

def output_text(path: Path) -> str:
    """The text of one output file, whatever its format (HTML, PDF, notebook, workbook, Parquet)."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml"))
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        return frame.astype(str).to_csv(index=False) + " ".join(map(str, frame.columns))
    return path.read_bytes().decode("utf-8", "replace")


@pytest.mark.slow
def test_realistic_export_builds_every_report_and_no_output_holds_personal_data(built, small_sample, tmp_path):
    from analysis.run.build import build_reports
    from analysis.run.settings import Settings
    data = tmp_path / "data"
    assert import_folder(built("realistic"), data).report.ok
    doc = build_reports(Settings(data_dir=data, out_root=tmp_path / "reports", lang="vi", scheduler="processes",
                                 workers=2, progress=False))
    assert doc["prepare"]["status"] == "ok", doc["prepare"]
    failed = {slug: e["error"] for slug, e in doc["runs"].items() if e["status"] != "ok"}
    assert not failed
    out = Path(doc["run"]["out_dir"])
    with_tables = [slug for slug, e in doc["runs"].items() if "xlsx" in e["outputs"]]
    assert {s for s in doc["runs"] if s.startswith(("district_", "data-quality", "drivers",
                                                    "policy"))} <= set(with_tables)
    assert 'href="district_941-thanh-pho-soc-trang.xlsx"' in (out / "index.html").read_text(encoding="utf-8")
    secrets = corpus.personal_values(small_sample.tables["groups"])
    values = set(secrets.to_numpy().ravel()) | {"Nguyễn Thị Bích", "Trần Văn Lộc"}
    values |= set(secrets.columns)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 40
    for path in files:
        text = output_text(path)
        found = [v for v in values if v in text]
        assert not found, f"{path.name} holds {found[:3]}"
