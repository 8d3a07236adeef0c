"""Write the report notebooks (notebooks/*.ipynb) from this one readable source.

The notebooks are committed output-free. Edit them here and run
``.venv/bin/python tools/build_notebooks.py``; tests/test_notebooks.py checks that the committed
notebooks match this source. Notebooks are thin: every number and table comes from
``analysis`` (mostly the shared inputs computed once by ``analysis.results.report_inputs``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks"

COMMON_PARAMS = '''data_dir: str = ""  # folder of contract tables; empty means the embedded synthetic sample (data/sample)
shared_dir: str = ""  # shared inputs written by analysis.results.report_inputs.prepare; empty means compute them (cached)
lang: str = "vi"  # report language: "vi" or "en"'''

COMMON_SETUP = '''from IPython.display import display

from analysis.words import i18n, narrative as nr

from analysis import plots

from analysis.results import report_inputs
from analysis.run.display import show_markdown, show_table, synthetic_banner

tr = i18n.translator(lang)
shared = report_inputs.ensure(data_dir, shared_dir, lang=lang)
meta = shared.meta
num = nr.formatter(1, lang)
synthetic = meta["synthetic"]
if synthetic:
    display(synthetic_banner(lang))'''


def setup(vi: str, en: str, extra: str = ""):
    """The derived-values cell: imports, shared inputs, banner, and the title in the report's language."""
    return code(COMMON_SETUP + ("\n" + extra.strip("\n") if extra else "") + f'\nshow_markdown(tr(f"# {vi}", f"# {en}"))')


def title(vi: str, en: str):
    """A bilingual title for readers of the notebook itself; the report shows setup()'s title."""
    cell = md(f"# {vi} / {en}")
    cell.metadata["tags"] = ["remove-cell"]
    return cell


def heading(vi: str, en: str):
    """A section heading in the report's language."""
    return code(f'show_markdown(tr("## {vi}", "## {en}"))')


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str, *, tags: tuple[str, ...] = ()):
    cell = new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def params(extra: str = "") -> nbformat.NotebookNode:
    return code(COMMON_PARAMS + ("\n" + extra if extra else ""), tags=("parameters",))


# ---------------------------------------------------------------------------------------------

DATA_QUALITY = [
    title("Chất lượng dữ liệu", "Data quality"),
    params(),
    setup("Chất lượng dữ liệu", "Data quality"),
    heading("Kiểm tra theo hợp đồng dữ liệu", "Checks against the data contract"),
    code('''from analysis.data import io, schema
from analysis.words import quality

folder = data_dir or str(report_inputs.paths.SAMPLE)
raw_tables, file_issues = io.collect_folder(folder)
report = schema.validate(raw_tables, file_issues)
show_markdown(quality.validation_sentence(report, lang))'''),
    code('''show_table(quality.issue_summary(report, lang), caption=tr("Vấn đề theo tệp, cột và quy tắc",
                                                     "Issues by file, column and rule"))'''),
    heading("Độ phủ theo tháng và đơn vị", "Coverage by month and unit"),
    code('''coverage = quality.coverage_by_month(raw_tables["group_months"])
plots.show(plots.trend(coverage, y="groups", lang=lang, synthetic=synthetic,
                       title=tr("Số tổ có số liệu mỗi tháng", "Groups reporting each month")))
show_markdown(quality.coverage_sentence(coverage, lang))'''),
    code('''show_table(quality.units_summary(raw_tables, lang), caption=tr("Số tổ và số xã theo huyện",
                                                          "Groups and communes by district"),
           number_format=nr.formatter(0, lang))'''),
    heading("Bất thường", "Anomalies"),
    code('''anomalies = quality.anomalies(raw_tables, lang)
show_table(anomalies, caption=tr("Các dấu hiệu cần kiểm tra lại", "Signals worth a second look"),
           number_format=nr.formatter(0, lang))'''),
]

DESCRIPTIVES = [
    title("Mô tả: xu hướng, xếp loại, giao ban, kiểm tra", "Descriptives: trends, ratings, briefings, checks"),
    params(),
    setup("Mô tả: xu hướng, xếp loại, giao ban, kiểm tra", "Descriptives: trends, ratings, briefings, checks",
          "from analysis.words import overview"),
    heading("Tỷ lệ nợ quá hạn", "Overdue ratio"),
    code('''show_markdown(overview.province_sentence(shared, lang))'''),
    code('''plots.show(overview.association_figure(shared, lang))'''),
    code('''plots.show(plots.trend(shared["ratio_district_m"], hue="district_name", lang=lang, synthetic=synthetic,
                       title=tr("Theo huyện", "By district")))'''),
    code('''show_table(overview.district_table(shared, lang), caption=overview.district_caption(shared, lang),
           number_format=nr.formatter(2, lang))'''),
    heading("Xếp loại tổ", "Group ratings"),
    code('''plots.show(plots.rating_mix(shared["rating_province_y"], lang=lang, synthetic=synthetic,
                            title=tr("Cơ cấu xếp loại tổ (tháng 12 mỗi năm)", "Rating mix (each December)")))
show_markdown(overview.weak_groups_sentence(shared, lang))'''),
    heading("Giao ban theo định kỳ", "Briefings on schedule"),
    code('''show_table(overview.compliance_table(shared, lang), caption=tr(
    "Tỷ lệ kỳ giao ban được tổ chức (%; tỉnh: quý; huyện: 2 tháng; xã: tháng)",
    "Share of scheduled briefings held (%; province: quarterly; district: 2-monthly; commune: monthly)"),
    number_format=nr.formatter(1, lang))'''),
    heading("Kiểm tra sử dụng vốn", "Loan-use checks"),
    code('''plots.show(plots.trend(shared["coverage_district_y"], y="coverage_pct", hue="district_name", lang=lang,
                       synthetic=synthetic, title=tr("Hộ vay được kiểm tra trong 12 tháng",
                                                     "Borrowers checked in the last 12 months")))'''),
]

DRIVERS = [
    title("Các yếu tố liên quan đến nợ quá hạn", "Drivers of overdue"),
    params(),
    setup("Các yếu tố liên quan đến nợ quá hạn", "Drivers of overdue"),
    heading("Các mô hình cạnh nhau", "Models side by side"),
    code('''show_table(shared["model_compare"].rename(columns={"index": ""}).fillna(""),
           caption=tr("Tỷ lệ nợ quá hạn của tổ theo số buổi họp tổ và tỷ lệ hộ được kiểm tra; sai số chuẩn cụm theo huyện",
                      "Group overdue share on meetings and checks; standard errors clustered by district"),
           number_format="{}")'''),
    code('''from analysis.words import findings

show_markdown(findings.meetings_sentence(shared, lang))'''),
    code('''show_markdown(findings.pooled_vs_fe_sentence(shared, lang))'''),
    heading("Suy luận với ít cụm", "Inference with few clusters"),
    code('''show_table(findings.bootstrap_table(shared, lang), caption=tr(
    "Bootstrap cụm hoang dã (Webb, 11 huyện) cho hệ số họp tổ của mô hình hiệu ứng cố định tuyến tính",
    "Wild cluster bootstrap (Webb, 11 districts) for the meetings coefficient of the linear fixed-effects model"),
    number_format=nr.formatter(4, lang))'''),
    heading("Hiệu ứng biên trung bình", "Average marginal effects"),
    code('''show_table(findings.ame_table(shared, lang), caption=tr(
    "Logit phân số (Papke-Wooldridge), trọng số dư nợ: thay đổi tỷ lệ nợ quá hạn (điểm phần trăm)",
    "Fractional logit (Papke-Wooldridge), weighted by outstanding: change in the overdue share (percentage points)"),
    number_format=nr.formatter(3, lang))'''),
    heading("So sánh huyện đã điều chỉnh rủi ro", "Risk-adjusted district comparison"),
    code('''eff = shared["mixed_district_effects"].rename(columns={"effect": "estimate", "district_name": "label"})
plots.show(plots.risk_adjusted(eff, lang=lang, synthetic=synthetic,
                               xlabel=tr("Hiệu ứng huyện (điểm phần trăm, mô hình hỗn hợp)",
                                         "District effect (percentage points, mixed model)")))
show_table(findings.variance_table(shared, lang), caption=tr("Phân rã phương sai", "Variance components"),
           number_format=nr.formatter(3, lang))'''),
    heading("Xếp loại tổ", "Group rating (ordered logit)"),
    code('''show_table(findings.ordered_table(shared, lang), caption=tr(
    "Logit thứ bậc của xếp loại tháng 12 (hệ số dương: xếp loại tốt hơn)",
    "Ordered logit of the December rating (positive: better rating)"), number_format=nr.formatter(3, lang))'''),
    heading("Đối chiếu với sự thật đã biết (chỉ dữ liệu mô phỏng)", "Check against the known truth (synthetic data only)"),
    code('''show_table(findings.truth_table(shared, lang), caption=tr(
    "Tham số thật của bộ sinh dữ liệu và ước lượng", "True parameters of the generator and estimates"),
    number_format=nr.formatter(3, lang)) if synthetic else show_markdown(tr("Không áp dụng.", "Not applicable."))'''),
]

POLICY = [
    title("Chỉ thị 40 và cải cách địa phương", "Directive 40 and local reforms"),
    params(),
    setup("Chỉ thị 40 và cải cách địa phương", "Directive 40 and local reforms"),
    heading("Chuỗi thời gian gián đoạn: Chỉ thị 40-CT/TW (22/11/2014)", "Interrupted time series: Directive 40"),
    code('''from analysis.words import findings

show_markdown(findings.its_sentence(shared, lang))'''),
    code('''plots.show(findings.its_figure(shared, lang))'''),
    code('''show_table(findings.its_table(shared, lang), caption=tr(
    "Hồi quy phân đoạn, sai số Newey-West; ngày gãy giả định (placebo)",
    "Segmented regression, Newey-West errors; placebo break dates"), number_format=nr.formatter(3, lang))'''),
    heading("Cải cách theo huyện, triển khai so le", "Staggered district reforms"),
    code('''show_markdown(findings.did_sentence(shared, lang))'''),
    code('''plots.show(findings.event_study_figure(shared, lang))'''),
    code('''show_table(findings.did_table(shared, lang), caption=tr(
    "Callaway-Sant'Anna so với hiệu ứng cố định hai chiều (TWFE)", "Callaway-Sant'Anna vs two-way fixed effects (TWFE)"),
    number_format=nr.formatter(3, lang))'''),
    heading("Kiểm định", "Diagnostics"),
    code('''show_table(findings.diagnostics_table(shared, lang), caption=tr("Kiểm định xu hướng trước, giả định và độ nhạy",
                                                                  "Pre-trend, placebo and sensitivity checks"),
           number_format=nr.formatter(3, lang))'''),
]

DISTRICT = [
    title("Báo cáo huyện", "District report"),
    params('district_code: str = "943"  # district code as in the units table; 943 is Kế Sách in the sample'),
    setup("Báo cáo huyện: {view.name}", "District report: {view.name}", '''
from analysis.words import district_report as dr
view = dr.DistrictView.build(shared, district_code)'''),
    heading("Chỉ số chính so với toàn tỉnh", "Key figures against the province"),
    code('''show_markdown(dr.headline(view, lang))'''),
    code('''show_table(dr.kpi_table(view, lang), caption=tr("Chỉ số chính", "Key figures"), number_format=num)'''),
    code('''plots.show(plots.trend(shared["ratio_district_m"], hue="district", highlight=district_code,
                       labels=view.names, lang=lang, synthetic=synthetic,
                       title=tr(f"Tỷ lệ nợ quá hạn: {view.name} và các huyện khác",
                                f"Overdue ratio: {view.name} and the other districts")))'''),
    heading("Theo hội đoàn thể", "By association"),
    code('''show_table(dr.association_table(view, lang), caption=tr("Theo hội đoàn thể, cuối kỳ gần nhất",
                                                         "By association, latest year end"), number_format=num)'''),
    heading("Các xã", "Communes"),
    code('''show_table(dr.commune_table(view, lang), caption=tr(
    "Các xã (ô mô tả dưới 5 hộ vay được ẩn)", "Communes (cells describing fewer than 5 borrowers are suppressed)"),
    number_format=num)'''),
    heading("Xếp loại, giao ban, kiểm tra", "Ratings, briefings, checks"),
    code('''plots.show(plots.rating_mix(view.ratings, lang=lang, synthetic=synthetic,
                            title=tr(f"Xếp loại tổ, {view.name}", f"Group ratings, {view.name}")))'''),
    code('''show_table(dr.activity_table(view, lang), caption=tr("Giao ban đúng kỳ và kiểm tra sử dụng vốn",
                                                      "Briefings on schedule and loan-use checks"), number_format=num)'''),
    heading("So với kỳ vọng theo mô hình", "Against the model-based expectation"),
    code('''show_markdown(dr.expected_sentence(view, lang))
plots.show(dr.expected_figure(view, lang, synthetic=synthetic))'''),
    heading("Các tổ cần quan tâm", "Groups that need attention"),
    code('''show_table(dr.attention_table(view, lang), caption=tr(
    "Tổ có nợ quá hạn từ 5%, xếp loại yếu, hoặc không họp trong 3 tháng (không có thông tin cá nhân hộ vay)",
    "Groups with overdue of 5% or more, rated weak, or no meeting in 3 months (no borrower data)"), number_format=num)'''),
]

BRIEF = [
    title("Tóm tắt bằng chứng", "Evidence brief"),
    params(),
    setup("Tóm tắt bằng chứng", "Evidence brief", "from analysis.words import findings"),
    heading("Phát hiện chính", "The finding"),
    code('''show_markdown(findings.brief_finding(shared, lang))'''),
    code('''plots.show(findings.brief_figure(shared, lang))'''),
    heading("Ý nghĩa cho thực tiễn", "What it means for practice"),
    code('''show_markdown(findings.brief_practice(shared, lang))'''),
    heading("Phương pháp", "Methods"),
    code('''show_markdown(findings.brief_methods(shared, lang))'''),
    heading("Hạn chế", "Limitations"),
    code('''show_markdown(findings.brief_limitations(shared, lang))'''),
    heading("Nguồn gốc", "Provenance"),
    code('''show_markdown(findings.provenance(shared, lang))'''),
]

NOTEBOOKS = {
    "data_quality.ipynb": DATA_QUALITY,
    "descriptives.ipynb": DESCRIPTIVES,
    "drivers.ipynb": DRIVERS,
    "policy.ipynb": POLICY,
    "district_report.ipynb": DISTRICT,
    "evidence_brief.ipynb": BRIEF,
}


def build() -> dict[str, str]:
    """Notebook texts by file name; cell ids are derived from the name so builds are identical."""
    out = {}
    for name, cells in NOTEBOOKS.items():
        nb = notebook(cells)
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{Path(name).stem.replace('_', '-')}-{i:02d}"
        out[name] = nbformat.writes(nb) + "\n"
    return out


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, text in build().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote notebooks/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
