"""Data-quality summaries for the data-quality notebook: validation, coverage, anomalies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.words import narrative as nr
from analysis.words.i18n import translator

GROUP_SIZE_RANGE = (5, 60)  # members per group: sources say 3-60 or 5-60 (domain.md section 3)
HIGH_OVERDUE_SHARE = 0.5


def validation_sentence(report, lang: str = "vi") -> str:
    tr = translator(lang)
    rows = sum(report.rows.values()) if report.rows else 0
    n_err, n_warn = len(report.errors), len(report.warnings)
    if report.ok:
        return tr(f"**Dữ liệu đạt hợp đồng dữ liệu**: {nr.number(rows, 0, lang)} dòng; {n_warn} cảnh báo.",
                  f"**The data satisfy the data contract**: {nr.number(rows, 0, lang)} rows; {n_warn} warning(s).")
    return tr(f"**Dữ liệu chưa đạt hợp đồng dữ liệu**: {n_err} lỗi, {n_warn} cảnh báo. Xem bảng dưới đây.",
              f"**The data do not satisfy the contract**: {n_err} error(s), {n_warn} warning(s). See the table below.")


def issue_summary(report, lang: str = "vi") -> pd.DataFrame:
    """One row per (severity, file, column, rule) with a count, the first rows and an example."""
    tr = translator(lang)
    cols = [tr("Mức", "Severity"), tr("Tệp", "File"), tr("Cột", "Column"), tr("Quy tắc", "Rule"),
            tr("Số dòng", "Rows"), tr("Dòng đầu tiên", "First rows"), tr("Ví dụ", "Example")]
    frame = report.to_frame()
    if frame.empty:
        return pd.DataFrame([[tr("không có", "none"), "", "", "", 0, "", ""]], columns=cols)
    frame["file"] = frame["file"].map(lambda f: str(f).rsplit("/", 1)[-1])
    frame["n"] = 1 + frame["more"].fillna(0)
    frame.loc[frame["row"].isna() & (frame["more"] > 0), "n"] = frame["more"]
    out = frame.groupby(["severity", "file", "column", "rule"], dropna=False, sort=False).agg(
        n=("n", "sum"), rows=("row", lambda r: ", ".join(str(int(v)) for v in r.dropna().head(5))),
        example=("value", lambda v: next((str(x) for x in v if pd.notna(x)), ""))).reset_index()
    out["column"] = out["column"].fillna("")
    out.columns = cols
    return out


def coverage_by_month(group_months: pd.DataFrame) -> pd.DataFrame:
    """Groups and rows per month, over every month from the first to the last (gaps show as 0)."""
    months = pd.period_range(group_months["month"].min(), group_months["month"].max(), freq="M")
    counts = group_months.groupby(group_months["month"].dt.to_period("M")).agg(
        groups=("group_id", "nunique"), rows=("group_id", "size"))
    counts = counts.reindex(months, fill_value=0)
    counts.index.name = "period"
    return counts.reset_index()


def coverage_sentence(coverage: pd.DataFrame, lang: str = "vi") -> str:
    tr = translator(lang)
    empty = coverage[coverage["groups"] == 0]
    first, last = coverage["period"].iloc[0], coverage["period"].iloc[-1]
    lo, hi = coverage["groups"].min(), coverage["groups"].max()
    gaps = tr(f"{len(empty)} tháng không có số liệu", f"{len(empty)} month(s) without data")
    return tr(f"Số liệu từ {nr.month(first, lang)} đến {nr.month(last, lang)} ({len(coverage)} tháng); "
              f"mỗi tháng có từ {nr.number(lo, 0, lang)} đến {nr.number(hi, 0, lang)} tổ; {gaps}.",
              f"Data from {nr.month(first, lang)} to {nr.month(last, lang)} ({len(coverage)} months); "
              f"{nr.number(lo, 0, lang)} to {nr.number(hi, 0, lang)} groups a month; {gaps}.")


def units_summary(tables: dict[str, pd.DataFrame], lang: str = "vi") -> pd.DataFrame:
    tr = translator(lang)
    units, groups, gm = tables["units"], tables["groups"], tables["group_months"]
    g = groups.merge(units[["commune", "district", "district_name"]], on="commune", how="left")
    per_group = gm.groupby("group_id").size().rename("group_months")
    g = g.join(per_group, on="group_id")
    out = g.groupby(["district", "district_name"], dropna=False).agg(
        communes=("commune", "nunique"), groups=("group_id", "nunique"),
        group_months=("group_months", "sum")).reset_index()
    out.columns = [tr("Mã huyện", "District code"), tr("Huyện", "District"), tr("Số xã có tổ", "Communes with groups"),
                   tr("Số tổ", "Groups"), tr("Số dòng tổ-tháng", "Group-months")]
    return out


def anomalies(tables: dict[str, pd.DataFrame], lang: str = "vi") -> pd.DataFrame:
    """Counts of patterns that are legal under the contract but worth a second look."""
    tr = translator(lang)
    gm = tables["group_months"]
    share = gm["overdue"] / gm["outstanding"].where(gm["outstanding"] > 0)
    months = gm["month"].dt.year * 12 + gm["month"].dt.month
    span = months.groupby(gm["group_id"]).agg(["min", "max", "size"])
    gaps = int(((span["max"] - span["min"] + 1) - span["size"]).clip(lower=0).sum())
    size = gm["borrowers"]
    rated = gm.groupby("group_id")["rating"].apply(lambda r: r.notna().any()) if "rating" in gm else None
    rows = [
        (tr(f"Tổ-tháng có nợ quá hạn trên {int(HIGH_OVERDUE_SHARE * 100)}% dư nợ",
            f"Group-months with overdue above {int(HIGH_OVERDUE_SHARE * 100)}% of outstanding"),
         int((share > HIGH_OVERDUE_SHARE).sum())),
        (tr("Tổ-tháng dư nợ bằng 0 nhưng còn nợ quá hạn", "Group-months with zero outstanding but overdue"),
         int(((gm["outstanding"] == 0) & (gm["overdue"] > 0)).sum())),
        (tr("Tháng bị thiếu giữa tháng đầu và tháng cuối của một tổ", "Missing months inside a group's span"), gaps),
        (tr(f"Tổ-tháng có số hộ vay ngoài khoảng {GROUP_SIZE_RANGE[0]}-{GROUP_SIZE_RANGE[1]}",
            f"Group-months with borrowers outside {GROUP_SIZE_RANGE[0]}-{GROUP_SIZE_RANGE[1]}"),
         int(((size < GROUP_SIZE_RANGE[0]) | (size > GROUP_SIZE_RANGE[1])).sum())),
        (tr("Tổ-tháng có nợ khoanh", "Group-months with frozen debt"),
         int((gm["frozen"] > 0).sum()) if "frozen" in gm else 0),
        (tr("Tổ chưa từng được xếp loại", "Groups never rated"),
         int((~rated).sum()) if rated is not None else int(gm["group_id"].nunique())),
    ]
    return pd.DataFrame(rows, columns=[tr("Dấu hiệu", "Signal"), tr("Số lượng", "Count")]).astype(
        {tr("Số lượng", "Count"): np.int64})
