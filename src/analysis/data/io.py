"""Readers for users' own VBSP/Union exports: CSV, Excel (.xlsx, .xls) and Parquet, to canonical tables.

Reading has two steps, both pure (input files are opened read-only and never modified):

1. ``read_raw``: the file's cells as written, with each header mapped to its canonical name
   through one alias table (Vietnamese or English, matched ignoring case, spaces, punctuation
   and diacritics; a unit in brackets and line breaks are ignored: ``Dư nợ\n(triệu đồng)``) and
   each row's spreadsheet row number (header = row 1). Excel is read with python-calamine (the
   Rust reader behind pandas' ``engine="calamine"``; a 345k-row sheet in about 5 s against 100-180 s
   with openpyxl), every sheet of a workbook: sheets that share the header are stacked (the month
   taken from the sheet name when there is no month column), other sheets are named in a warning.
   Columns holding personal data (names, phone numbers, CMND/CCCD numbers, addresses; found by
   header and content, ``privacy.personal_kind``) are dropped here, before any table exists, and
   named in a ``personal_data`` warning; ``keep_personal`` keeps named ones as ``private_<name>``
   (never publishable).
2. ``to_canonical``: values parsed to the contract's types (``analysis.data.contract``): codes stay
   text exactly as written (leading zeros kept), Vietnamese numbers (``1.234,5``) and dates
   (``31/12/2020``, ``12/2020``, ``2020-12``, Excel dates) are understood, ratings and
   associations are mapped to their canonical codes. Cells that cannot be parsed become missing
   and are recorded, with the offending text, for ``schema.validate`` to report.

Provenance travels in ``DataFrame.attrs`` (never as extra columns), all JSON-safe so that
``to_parquet`` keeps it: ``source`` (file path), ``table``, ``sheet`` (Excel), ``encoding`` and
``separator`` (CSV), ``rows`` (spreadsheet row numbers as runs ``[[first, count], ...]``; see
``row_numbers``), ``issues`` (problems found while reading, as dicts of ``problems.Issue``) and
``canonical`` (True once parsed).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import contract, problems

DATETIME = "datetime64[us]"  # one resolution for every date and month column (pandas 3 default; synth months)
FORMATS = {".csv": "csv", ".tsv": "csv", ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
           ".parquet": "parquet", ".pq": "parquet"}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 in the 1900 date system (serial 1 = 1900-01-01)

# --- one alias table: canonical column -> labels found in VBSP/Union exports -------------------

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "province": ("Tỉnh", "Mã tỉnh", "Province", "Province code"),
    "province_name": ("Tên tỉnh", "Province name"),
    "district": ("Huyện", "Mã huyện", "Quận/huyện", "District", "District code"),
    "district_name": ("Tên huyện", "Tên quận/huyện", "District name"),
    "commune": ("Xã", "Mã xã", "Xã/phường", "Mã xã/phường", "Commune", "Commune code"),
    "commune_name": ("Tên xã", "Tên xã/phường", "Commune name"),
    "commune_type": ("Loại xã", "Loại đơn vị", "Commune type", "Unit type"),
    "transaction_point": ("Điểm giao dịch", "Điểm giao dịch xã", "Điểm GD", "Transaction point"),
    "valid_from": ("Hiệu lực từ", "Từ ngày", "Valid from"),
    "valid_to": ("Hiệu lực đến", "Đến ngày", "Valid to"),
    "successor_commune": ("Xã mới", "Sáp nhập vào", "Xã sau sáp nhập", "Successor commune", "New commune"),
    "successor_commune_name": ("Tên xã mới", "Tên xã sau sáp nhập", "Successor commune name", "New commune name"),
    "successor_province": ("Tỉnh mới", "Mã tỉnh mới", "Tỉnh sau sáp nhập", "Successor province", "New province"),
    "successor_province_name": ("Tên tỉnh mới", "Successor province name", "New province name"),
    "successor_valid_from": ("Xã mới hiệu lực từ", "Ngày hiệu lực xã mới", "Successor valid from",
                             "New commune valid from"),
    "new_commune": ("Mã xã hiện nay", "Xã hiện nay", "Current commune", "Commune in force"),
    "group_id": ("Mã tổ", "Mã tổ TK&VV", "Mã tổ TKVV", "Group ID", "Group code"),
    "association": ("Hội", "Hội đoàn thể", "Tổ chức hội", "Hội quản lý", "Đơn vị nhận ủy thác",
                    "Association", "Union"),
    "hamlet": ("Ấp", "Ấp/khóm", "Thôn", "Thôn/ấp", "Khóm", "Hamlet", "Village"),
    "founded_on": ("Ngày thành lập", "Founded", "Founded on", "Date founded"),
    "closed_on": ("Ngày giải thể", "Ngày đóng", "Ngày sáp nhập tổ", "Closed", "Closed on", "Date closed"),
    "month": ("Tháng", "Tháng báo cáo", "Kỳ báo cáo", "Month", "Period"),
    "borrowers": ("Số hộ vay", "Số hộ còn dư nợ", "Hộ vay", "Số hộ", "Borrowers", "Number of borrowers"),
    "outstanding": ("Dư nợ", "Tổng dư nợ", "Dư nợ ủy thác", "Outstanding", "Outstanding loans"),
    "overdue": ("Nợ quá hạn", "NQH", "Dư nợ quá hạn", "Overdue", "Overdue debt"),
    "frozen": ("Nợ khoanh", "Dư nợ khoanh", "Frozen", "Frozen debt"),
    "interest_arrears": ("Lãi tồn", "Lãi tồn đọng", "Interest arrears", "Unpaid interest"),
    "savings": ("Tiết kiệm", "Số dư tiết kiệm", "Tiền gửi tiết kiệm", "Savings"),
    "group_meetings": ("Số buổi họp tổ", "Số lần họp tổ", "Họp tổ", "Group meetings", "Meetings"),
    "loan_use_checks": ("Số hộ được kiểm tra", "Kiểm tra sử dụng vốn", "Số hộ kiểm tra", "Loan use checks",
                        "Checks"),
    "supervision_visits": ("Số lần giám sát", "Giám sát", "Số lần kiểm tra giám sát", "Supervision visits",
                           "Visits"),
    "rating": ("Xếp loại", "Xếp loại tổ", "Rating", "Group rating", "Grade"),
    "level": ("Cấp", "Level"),
    "unit": ("Đơn vị", "Mã đơn vị", "Unit", "Unit code"),
    "date": ("Ngày", "Ngày giao ban", "Date"),
    "reform": ("Cải cách", "Tên cải cách", "Mô hình", "Reform"),
    "adopted_on": ("Ngày áp dụng", "Ngày triển khai", "Adopted on", "Adoption date"),
}

# canonical value -> labels, for the columns whose values are categories
VALUE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "rating": {
        "good": ("Tốt", "Good", "Loại tốt"),
        "fair": ("Khá", "Fair", "Loại khá"),
        "average": ("Trung bình", "TB", "Average", "Loại trung bình"),
        "weak": ("Yếu", "Yếu kém", "Kém", "Weak", "Poor", "Loại yếu"),
    },
    "association": {
        "WU": ("WU", "Hội Phụ nữ", "Hội LHPN", "Phụ nữ", "Hội Liên hiệp Phụ nữ", "LHPN", "HPN",
               "Women's Union", "Women"),
        "FU": ("FU", "Hội Nông dân", "Nông dân", "HND", "Farmers' Union", "Farmers"),
        "VA": ("VA", "Hội Cựu chiến binh", "Cựu chiến binh", "CCB", "Veterans' Association", "Veterans"),
        "YU": ("YU", "Đoàn Thanh niên", "Thanh niên", "Đoàn TNCS Hồ Chí Minh", "ĐTN", "Youth Union", "Youth"),
    },
    "level": {
        "province": ("Tỉnh", "Cấp tỉnh", "Province"),
        "district": ("Huyện", "Cấp huyện", "District"),
        "commune": ("Xã", "Cấp xã", "Commune"),
    },
    "commune_type": {
        "ward": ("Phường", "Ward"),
        "townlet": ("Thị trấn", "Townlet", "Town"),
        "commune": ("Xã", "Commune"),
        "island_district": ("Huyện đảo", "Island district"),
        "special_zone": ("Đặc khu", "Special zone"),
    },
}

# file stem -> table (besides the table names themselves)
STEM_ALIASES: dict[str, tuple[str, ...]] = {
    "units": ("Đơn vị", "Danh mục xã", "Địa bàn", "Units"),
    "groups": ("Tổ", "Danh sách tổ", "Tổ TK&VV", "Groups"),
    "group_months": ("Số liệu tháng", "Tổ tháng", "Báo cáo tháng", "Group months"),
    "briefings": ("Giao ban", "Briefings"),
    "reforms": ("Cải cách", "Reforms"),
}

# TCVN 5712:1993 (VN3, the "ABC" font encoding): legacy byte -> Unicode letter.
_TCVN3_FROM = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢§£¤¥¦"
_TCVN3_TO = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ"
_TCVN3 = str.maketrans(_TCVN3_FROM, _TCVN3_TO)
# VNI-Windows writes a base letter followed by a mark letter (ù acute, ø grave, û hook, õ tilde,
# ï dot, â/á/à/å/ã/ä circumflex(+tone), ê/é/è/ú/ü/ë breve(+tone)); ô = ơ, ö = ư, ñ = đ, and
# í ì æ ó ò are the toned i. Dropping the marks gives the base letters, enough to recognise a header.
_VNI_MARKS = re.compile(r"(?<=[A-Za-z])[ùøûõïâáàåãäêéèúüëÙØÛÕÏÂÁÀÅÃÄÊÉÈÚÜË]")
_VNI_LETTERS = str.maketrans("ôöñÔÖÑíìæóòÍÌÆÓÒ", "ouđOUĐiiiiiIIIII")


def normalize_label(text: object) -> str:
    """Header/value key: lower case, no diacritics (đ -> d), no spaces or punctuation."""
    text = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[\W_]+", "", text)


def _lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table = {}
    for canonical, labels in aliases.items():
        for label in (canonical, *labels):
            table.setdefault(normalize_label(label), canonical)
    return table


HEADER_LOOKUP = _lookup(HEADER_ALIASES)
VALUE_LOOKUP = {column: _lookup(labels) for column, labels in VALUE_ALIASES.items()}
STEM_LOOKUP = _lookup(STEM_ALIASES)


def canonical_header(label: object) -> str | None:
    """The canonical column a header names, or None (a unit in brackets is ignored: ``Số hộ vay (hộ)``)."""
    return _header_name(label)[0]


_UNIT_SUFFIX = re.compile(r"^(?P<head>.*?)\s*[(\[](?P<unit>[^()\[\]]*)[)\]]\s*$", re.S)
ACCEPTED_MONEY_UNITS = {"trieudong", "trieu", "trd", "tr", "trieuvnd", "millionvnd", "millionvnđ", "million",
                        "mvnd", "vndmillion"}
MONEY_UNIT_FACTORS = {  # header unit (normalised) -> factor to million VND
    "dong": 1e-6, "d": 1e-6, "vnd": 1e-6, "vnđ": 1e-6, "nghindong": 1e-3, "ngandong": 1e-3, "1000dong": 1e-3,
    "1000d": 1e-3, "nghin": 1e-3, "ngan": 1e-3, "thousandvnd": 1e-3, "tydong": 1e3, "ty": 1e3, "billionvnd": 1e3,
}


def _clean_label(label: object) -> str:
    """A header as one line: line breaks and repeated spaces become one space."""
    return "" if label is None else re.sub(r"\s+", " ", str(label)).strip()


def _header_name(label: object) -> tuple[str | None, str | None]:
    """(canonical column, unit written in brackets or None) for a header."""
    name = HEADER_LOOKUP.get(normalize_label(label))
    if name is not None:
        return name, None
    match = _UNIT_SUFFIX.match(_clean_label(label))
    if match:
        name = HEADER_LOOKUP.get(normalize_label(match["head"]))
        if name is not None:
            return name, match["unit"].strip()
    return None, None


def money_unit_factor(unit: str | None) -> float | None:
    """Factor from the unit a header names to million VND (None: unknown or already million VND)."""
    if not unit:
        return None
    key = normalize_label(unit)
    return None if key in ACCEPTED_MONEY_UNITS else MONEY_UNIT_FACTORS.get(key)


def suggest_header(label: object, columns: Iterable[str]) -> str | None:
    """The contract column a header probably means (``Dư nợ cuối tháng`` -> outstanding), or None."""
    import difflib

    columns = set(columns)
    key = normalize_label(_clean_label(label))
    if not key:
        return None
    candidates = {alias: name for alias, name in HEADER_LOOKUP.items() if name in columns and len(alias) >= 3}
    contained = sorted((len(alias), name) for alias, name in candidates.items() if alias in key or key in alias)
    if contained:
        return contained[-1][1]
    close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.75)
    return candidates[close[0]] if close else None


def legacy_encoding(labels: Iterable[object]) -> str | None:
    """'TCVN3' or 'VNI' when headers only make sense after undoing that legacy encoding."""
    labels = [str(x) for x in labels]
    for name, convert in (("TCVN3", lambda s: s.translate(_TCVN3)),
                          ("VNI", lambda s: _VNI_MARKS.sub("", s.translate(_VNI_LETTERS)))):
        hits = [x for x in labels if canonical_header(x) is None and canonical_header(convert(x))]
        if hits:
            return name
    return None


# --- reading files ---------------------------------------------------------------------------

class FileProblem(Exception):
    """A file that cannot be read as a table; ``rule`` names the check."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


def table_for_path(path: str | Path) -> str | None:
    """The contract table a file holds, from its stem (``group_months.csv``, ``Giao ban.xlsx``)."""
    return STEM_LOOKUP.get(normalize_label(Path(path).stem))


def read_table(path: str | Path, table: str | None = None, *, keep_personal: Iterable[str] = ()) -> pd.DataFrame:
    """Read one file (CSV, .xlsx or Parquet) into a canonical table.

    Args:
        path: the file; it is only read.
        table: contract table name; by default from the file stem.
        keep_personal: headers of personal-data columns to keep (as ``private_<name>``, never
            publishable) instead of dropping them.

    Returns:
        The table with canonical column names and dtypes; provenance in ``attrs`` (module doc).
        Values that could not be parsed are missing and listed in ``attrs["issues"]``.

    Raises:
        problems.DataContractError: the file is empty, binary, unreadable or not a known table.
    """
    path = Path(path)
    table = table or table_for_path(path)
    if table not in contract.TABLES:
        issue = problems.Issue("error", table or "?", str(path), None, None, "unknown_table", path.stem,
                             f"cannot tell which table this file holds; name it one of {', '.join(contract.TABLES)}")
        raise problems.DataContractError(problems.ValidationReport.from_issues([issue]))
    frame, issues = _read_checked(path, table, keep_personal=keep_personal)
    if frame is None:
        raise problems.DataContractError(problems.ValidationReport.from_issues(issues))
    return frame


def _read_checked(path: Path, table: str, keep_personal: Iterable[str] = (),
                  provinces: Iterable[str] | None = None) -> tuple[pd.DataFrame | None, list]:
    """(frame or None, file-level issues); never raises for a bad file."""
    try:
        raw = read_raw(path, table=table, keep_personal=keep_personal, provinces=provinces)
    except FileProblem as exc:
        return None, [problems.Issue("error", table, str(path), None, None, exc.rule, None, str(exc))]
    except Exception as exc:  # an unexpected parser failure is still a problem of this file
        return None, [problems.Issue("error", table, str(path), None, None, "file_unreadable", None,
                                   f"could not read the file: {type(exc).__name__}: {exc}")]
    frame = to_canonical(raw, table=table)
    return frame, problems.issues_from_attrs(frame)


def read_folder(directory: str | Path, *, provinces: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Read every table file in a folder (one per table, found by stem) into canonical tables.

    Raises ``problems.DataContractError`` if a file cannot be read at all or two files claim one
    table; value-level problems are left for ``schema.validate`` (``attrs["issues"]``).
    """
    tables, issues = collect_folder(directory, provinces=provinces)
    fatal = [i for i in issues if i.severity == "error"]
    if fatal:
        raise problems.DataContractError(problems.ValidationReport.from_issues(issues))
    return tables


def collect_folder(directory: str | Path, *, keep_personal: Iterable[str] = (),
                   provinces: Iterable[str] | None = None) -> tuple[dict[str, pd.DataFrame], list]:
    """(tables, folder- and file-level issues) for a folder; never raises for bad files.

    A table may be one file (``group_months.parquet``) or a folder of Parquet parts named like the
    table (``group_months/`` or ``group_months.parquet/``), partitioned by province
    (``group_months/province=94/part-0.parquet``; see ``read_dataset``). ``provinces`` (pre-2025
    province codes) keeps only those provinces: partition folders of other provinces are not read,
    and the rows of whole-file tables are restricted to the units of those provinces
    (``restrict_provinces``).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise problems.DataContractError(problems.ValidationReport.from_issues([problems.Issue(
            "error", "?", str(directory), None, None, "no_folder", None, "folder not found")]))
    provinces = None if provinces is None else sorted({str(p).strip() for p in provinces})
    found: dict[str, list[Path]] = {}
    issues, unknown = [], []
    for path in sorted(p for p in directory.iterdir() if not p.name.startswith((".", "~$"))):
        if path.is_dir():  # a table as a folder of parts: group_months/ (or group_months.parquet/, as Dask writes)
            table = table_for_path(path.name)
            if table is not None and Path(path.name).suffix.lower() in ("", *PART_SUFFIXES) and dataset_files(path):
                found.setdefault(table, []).append(path)
            continue
        table = table_for_path(path)
        if path.suffix.lower() not in FORMATS:
            continue
        elif table is None:
            unknown.append(path)
        else:
            found.setdefault(table, []).append(path)
    if len(unknown) == 1:
        issues.append(problems.Issue("warning", "?", str(unknown[0]), None, None, "unknown_file", unknown[0].stem,
                                   "file name is not a table name; ignored"))
    elif unknown:  # one line for many (e.g. one file per commune)
        names = ", ".join(repr(p.name) for p in unknown[:3])
        issues.append(problems.Issue("warning", "?", str(directory), None, None, "unknown_file",
                                     f"{len(unknown)} files",
                                   f"{len(unknown)} files whose names are not table names were ignored ({names} ...); "
                                   "one file per commune, district or month? `python -m analysis import` stacks them"))
    tables = {}
    for table, paths in sorted(found.items(), key=lambda item: list(contract.TABLES).index(item[0])):
        if len(paths) > 1:
            for path in paths:
                issues.append(problems.Issue("error", table, str(path), None, None, "duplicate_table", None,
                                           f"{len(paths)} files hold table {table}: "
                                           + ", ".join(p.name for p in paths)))
            continue
        frame, file_issues = _read_checked(paths[0], table, keep_personal=keep_personal, provinces=provinces)
        issues.extend(i for i in file_issues if frame is None)
        if frame is not None:
            tables[table] = frame
    if provinces is not None:
        tables = restrict_provinces(tables, provinces)
    return tables, issues


PART_SUFFIXES = (".parquet", ".pq")


def dataset_files(directory: str | Path, provinces: Iterable[str] | None = None) -> list[Path]:
    """The Parquet part files of a partitioned table folder, in order (sorted by relative path), and
    of the given provinces only when ``provinces`` is set (by their ``province=XX`` folder)."""
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in PART_SUFFIXES
                   and not any(part.startswith((".", "~$")) for part in p.relative_to(directory).parts))
    if provinces is None:
        return files
    wanted = {str(p) for p in provinces}
    return [p for p in files if partition_values(p.relative_to(directory)).get("province", None) in wanted]


def partition_values(relative: str | Path) -> dict[str, str]:
    """``{key: value}`` of the ``key=value`` folders in a part file's path (Hive partitioning)."""
    parts = Path(relative).parts[:-1]
    return dict(part.split("=", 1) for part in parts if "=" in part)


def read_dataset(directory: str | Path, *, provinces: Iterable[str] | None = None) -> tuple[pd.DataFrame, list]:
    """A partitioned table folder's rows (parts stacked in ``dataset_files`` order) and its parts
    ``[[relative path, rows], ...]``. Partition keys stay in the paths: they are not added as columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    files = dataset_files(directory, provinces)
    if not files:
        raise FileProblem("file_empty", "the folder holds no Parquet part files"
                          + (" of the provinces asked for" if provinces is not None else ""))
    pieces, parts = [], []
    for path in files:
        try:
            piece = pq.read_table(path)
        except Exception as exc:  # pyarrow raises its own error types for broken files
            raise FileProblem("file_unreadable", f"part {path.relative_to(directory)} is not a valid Parquet file "
                              f"({exc})") from None
        pieces.append(piece)
        parts.append([path.relative_to(directory).as_posix(), piece.num_rows])
    try:
        stacked = pa.concat_tables(pieces, promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise FileProblem("file_unreadable", f"the parts do not share one set of columns and types ({exc})") from None
    del pieces
    frame = stacked.to_pandas(split_blocks=True, self_destruct=True)  # frees each Arrow column as it converts
    del stacked
    pa.default_memory_pool().release_unused()  # hand the freed Arrow buffers back (national tables: GBs)
    frame.attrs = {}
    return frame, parts


def restrict_provinces(tables: dict[str, pd.DataFrame], provinces: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Only the rows of the given pre-2025 provinces: units by ``province``; groups by their commune;
    group_months by their group; reforms by district; briefings by their unit at its level. Tables read
    from province partitions are already restricted and left as they are. Row numbers are kept."""
    wanted = {str(p) for p in provinces}
    out = dict(tables)
    units = out.get("units")
    if units is None or "province" not in units:
        return out
    units = out["units"] = _keep(units, units["province"].isin(wanted))
    keys = {"commune": set(units.get("commune", ())), "district": set(units.get("district", ())),
            "province": set(units["province"]) | set(units.get("successor_province", pd.Series(dtype="str")).dropna())}
    groups = out.get("groups")
    if groups is not None and "commune" in groups and not groups.attrs.get("parts"):
        groups = out["groups"] = _keep(groups, groups["commune"].isin(keys["commune"]))
    gm = out.get("group_months")
    if gm is not None and groups is not None and "group_id" in gm and not gm.attrs.get("parts"):
        out["group_months"] = _keep(gm, gm["group_id"].isin(set(groups["group_id"])))
    reforms = out.get("reforms")
    if reforms is not None and "unit" in reforms and not reforms.attrs.get("parts"):
        out["reforms"] = _keep(reforms, reforms["unit"].isin(keys["district"]))
    briefings = out.get("briefings")
    if briefings is not None and {"level", "unit"} <= set(briefings.columns) and not briefings.attrs.get("parts"):
        mask = pd.Series(False, index=briefings.index)
        for level, codes in keys.items():
            mask |= briefings["level"].eq(level) & briefings["unit"].isin(codes)
        out["briefings"] = _keep(briefings, mask)
    return out


def _keep(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """Rows where ``mask`` holds, with their spreadsheet row numbers and provenance kept."""
    mask = mask.fillna(False).to_numpy(dtype=bool)
    if mask.all():
        return frame
    attrs = dict(frame.attrs)
    kept = frame[mask].reset_index(drop=True)
    kept.attrs = attrs | {"rows": encode_rows(_rows(frame)[mask])}
    return kept


def read_raw(path: str | Path, *, table: str, keep_personal: Iterable[str] = (),
             provinces: Iterable[str] | None = None) -> pd.DataFrame:
    """Cells as written (text for CSV, typed cells for Excel/Parquet), headers mapped to canonical names.

    ``path`` may be a folder of Parquet parts (``read_dataset``; only ``provinces`` when given): the
    rows are numbered as if stacked in one file (position + 2) and ``attrs["parts"]`` lists the parts,
    so that a problem can name its part file and the row in it (``problems.locate_in_parts``).
    Personal-data columns are dropped (or kept as ``private_<name>`` when named in
    ``keep_personal``). Raises ``FileProblem`` for an empty, binary or unreadable file, for legacy
    encodings and for a workbook whose sheets cannot all be read.
    """
    path = Path(path)
    attrs: dict = {"source": str(path), "table": table}
    sheet_issues: list = []
    if path.is_dir():
        frame, attrs["parts"] = read_dataset(path, provinces=provinces)
        rows = np.arange(len(frame), dtype=np.int64) + 2
        return _finish_raw(frame, rows, attrs, sheet_issues, table=table, keep_personal=keep_personal)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileProblem("file_format", f"unsupported file type {path.suffix!r}; use CSV, .xlsx, .xls or Parquet")
    data = path.read_bytes()
    if not data.strip():
        raise FileProblem("file_empty", "the file is empty")
    if fmt == "csv":
        frame, rows, encoding = _csv_cells(data)
        attrs["encoding"] = encoding
    elif fmt == "excel":
        frame, rows, attrs["sheet"], sheet_issues = _excel_cells(data, table=table, source=str(path))
    else:
        frame, rows = _parquet_cells(data)
    attrs["separator"] = frame.attrs.get("separator")
    return _finish_raw(frame, rows, attrs, sheet_issues, table=table, keep_personal=keep_personal)


def _finish_raw(frame: pd.DataFrame, rows: np.ndarray, attrs: dict, sheet_issues: list, *, table: str,
                keep_personal: Iterable[str]) -> pd.DataFrame:
    source = attrs["source"]
    frame, header_issues, suggestions = _rename_headers(frame, table=table, source=source)
    frame, personal_issues = strip_personal(frame, table=table, source=source, keep=keep_personal)
    frame.attrs.update(attrs, rows=encode_rows(rows), suggest=suggestions,
                       issues=problems.issues_to_attrs(sheet_issues + header_issues + personal_issues))
    return frame


def strip_personal(frame: pd.DataFrame, *, table: str, source: str,
                   keep: Iterable[str] = ()) -> tuple[pd.DataFrame, list]:
    """Drop columns outside the contract that hold personal data; one ``personal_data`` warning each.

    A column named in ``keep`` (its header as written, matched like headers) is kept as
    ``private_<name>``, which ``privacy.assert_publishable`` refuses. Only headers are reported,
    never a value.
    """
    from analysis.data import privacy
    names = {c.name for c in contract.TABLES[table].columns}
    keep = {normalize_label(k) for k in keep}
    drop, rename, issues = [], {}, []
    for label in frame.columns:
        if label in names:
            continue
        kind = privacy.personal_kind(label, frame[label])
        if kind is None:
            continue
        what = privacy.PERSONAL_KINDS[kind]
        if normalize_label(label) in keep or normalize_label(privacy.private_name(label)) in keep:
            rename[label] = privacy.private_name(label)
            message = f"holds {what}; kept as {rename[label]} as asked (never published)"
        else:
            drop.append(label)
            message = f"holds {what}; dropped at reading (never loaded, never published)"
        issues.append(problems.Issue("warning", table, source, 1, str(label), "personal_data", str(label), message))
    if drop or rename:
        attrs = frame.attrs
        frame = frame.drop(columns=drop).rename(columns=rename)
        frame.attrs = attrs
    return frame, issues


def _binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 100


def _csv_cells(data: bytes) -> tuple[pd.DataFrame, np.ndarray, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel "Unicode text": UTF-16 with BOM
        text, encoding = data.decode("utf-16"), "utf-16"
    elif data.startswith((b"PK\x03\x04", b"PAR1")) or _binary(data):
        raise FileProblem("file_binary", "this is not a text table (binary content); "
                          "save it as CSV UTF-8, .xlsx or Parquet with a matching extension")
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:  # Excel's plain "CSV" on Vietnamese Windows writes code page 1258
            text, encoding = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "cp1258"
            header = _split_header(text.lstrip().split("\n", 1)[0])
            legacy = legacy_encoding(_split_header(data.decode("latin-1").lstrip().split("\n", 1)[0]))
            if legacy and not any(canonical_header(h) for h in header):
                raise _legacy_problem(legacy) from None
    stripped = text.lstrip("\r\n")
    blank_lines_above = text[: len(text) - len(stripped)].count("\n")
    sep = _separator(stripped.split("\n", 1)[0])
    try:
        cells = pd.read_csv(io.StringIO(stripped), sep=sep, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, engine="c", header=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise FileProblem("file_unreadable", f"not a valid table: {str(exc).strip()}") from None
    # the header is read as a row so that two identical headers stay visible ('Dư nợ', 'Dư nợ (2)')
    header = _unique_labels([_clean_label(v) if isinstance(v, str) else "" for v in cells.iloc[0]])
    cells = cells.iloc[1:].reset_index(drop=True).set_axis(header, axis=1)
    rows = np.arange(len(cells), dtype=np.int64) + 2 + blank_lines_above
    filled = np.zeros(len(cells), dtype=bool)
    for name in cells.columns:
        filled |= cells[name].str.strip().ne("").to_numpy()
    cells = cells[filled].reset_index(drop=True)
    cells.attrs["separator"] = sep
    return cells, rows[filled], encoding


def _split_header(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=_separator(line)), [])


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def _legacy_problem(name: str) -> FileProblem:
    return FileProblem("legacy_encoding", f"this file looks like {name} legacy encoding; "
                       "re-save it as Unicode UTF-8 (e.g. convert with Unikey, then CSV UTF-8)")


def _excel_cells(data: bytes, *, table: str, source: str) -> tuple[pd.DataFrame, np.ndarray, str, list]:
    """Cells of the workbook's table sheets (python-calamine), their spreadsheet rows, the sheet
    label and sheet-level issues. Sheets sharing the header are stacked; see ``choose_sheets``."""
    sheets = excel_sheets(data)
    chosen, notes = choose_sheets(sheets, table=table, source=source)
    header = _unique_labels([_clean_label(v) for v in chosen[0][1][0][1]])
    width = len(header)
    bodies, rows, months = [], [], []
    for name, records in chosen:
        body = [tuple(values[:width]) + (None,) * (width - len(values)) for _, values in records[1:]]
        bodies.extend(body)
        rows.extend(number for number, _ in records[1:])
        months.extend([notes["months"].get(name)] * len(body))
    frame = pd.DataFrame(bodies, columns=range(width), dtype=object)
    used = [j for j in range(width) if not header[j].startswith("(column ") or frame[j].notna().any()]
    frame = frame[used].set_axis([header[j] for j in used], axis=1)
    if notes["months"]:
        frame["month"] = pd.Series(months, dtype=object)
    label = chosen[0][0] if len(chosen) == 1 else f"{chosen[0][0]} .. {chosen[-1][0]} ({len(chosen)} sheets)"
    return frame, np.array(rows, dtype=np.int64), label, notes["issues"]


def excel_sheets(data: bytes) -> list[tuple[str, list[tuple[int, list]]]]:
    """Every visible worksheet as (name, [(spreadsheet row number, cells), ...] of non-empty rows).

    Empty cells are None; dates are ``datetime``/``date``; numbers ``int``/``float``. .xlsx, .xlsm
    and old .xls are all read by python-calamine.
    """
    import python_calamine

    if not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileProblem("file_binary", "not a valid Excel workbook; re-save it from Excel as .xlsx")
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise FileProblem("file_unreadable", f"not a valid Excel workbook ({exc})") from None
    out = []
    try:
        for meta in book.sheets_metadata:
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                continue
            try:
                cells = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except Exception:  # a chart sheet or a dialog sheet has no cells
                continue
            records = []
            for number, values in enumerate(cells, start=1):
                if any(v != "" and v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                    records.append((number, [None if v == "" else v for v in values]))
            out.append((meta.name, records))
    finally:
        book.close()
    return out


def choose_sheets(sheets: list, *, table: str, source: str) -> tuple[list, dict]:
    """The sheets holding ``table``, and notes: ``months`` (sheet -> month, when the month comes
    from sheet names) and ``issues`` (warnings naming the sheets not read).

    A sheet named like the table is read alone. Otherwise every sheet whose first row names a
    column of the table is read, and they must share that header; a workbook whose table sheets
    differ is refused (``sheets_differ``), never read in part. Without a ``month`` column, each
    sheet's name gives its month (``Tháng 12-2020``, ``T12.2020``, ``2020-12``).
    """
    filled = [(name, records) for name, records in sheets if records]
    if not filled:
        raise FileProblem("file_empty", "the workbook has no filled sheet")
    wanted = {normalize_label(table), *(normalize_label(s) for s in STEM_ALIASES.get(table, ()))}
    named = [s for s in filled if normalize_label(s[0]) in wanted]
    columns = {c.name for c in contract.TABLES[table].columns}

    def names(records) -> tuple:
        return tuple(_header_name(_clean_label(v))[0] if v is not None else None for v in records[0][1])

    data = [s for s in filled if columns & set(names(s[1]))]
    chosen = named[:1] or data or filled[:1]
    issues = []
    others = [s[0] for s in filled if s[0] not in {c[0] for c in chosen}]
    if named[:1] == chosen and others:
        issues.append(_sheet_issue(table, source, "sheets_ignored", others,
                                   f"read only sheet {chosen[0][0]!r} (named like the table); not read: "))
    elif others:
        issues.append(_sheet_issue(table, source, "sheets_ignored", others,
                                   f"no header of table {table} in the first row; not read: "))
    first = tuple(normalize_label(_clean_label(v)) for v in chosen[0][1][0][1] if v is not None)
    differ = [name for name, records in chosen[1:]
              if tuple(normalize_label(_clean_label(v)) for v in records[0][1] if v is not None) != first]
    if differ:
        raise FileProblem("sheets_differ", f"{len(chosen)} sheets hold table {table} but "
                          f"{_names(differ)} do not have the header of sheet {chosen[0][0]!r}; "
                          "nothing was read (put the table on one sheet with one header, or use "
                          "`python -m analysis import`, which reads such workbooks)")
    months: dict[str, pd.Timestamp] = {}
    if "month" in columns and "month" not in names(chosen[0][1]) and len(chosen) > 1:
        months = {name: month_in_text(name) for name, _ in chosen}
        missing = [name for name, month in months.items() if month is None]
        if missing:
            raise FileProblem("sheet_month", f"no month column, and the names of sheets {_names(missing)} "
                              "give no month (name sheets like 'Tháng 12-2020' or add a month column)")
        if len(set(months.values())) < len(months):
            raise FileProblem("sheet_month", "two sheets name the same month: " + _names(
                [n for n, m in months.items() if list(months.values()).count(m) > 1]))
        issues.append(problems.Issue("warning", table, source, None, "month", "sheet_month", None,
                                   f"no month column: the month of each row is taken from its sheet name "
                                   f"({len(months)} sheets, {chosen[0][0]!r} .. {chosen[-1][0]!r})"))
    return chosen, {"months": months, "issues": issues}


def _names(names: list[str], show: int = 5) -> str:
    text = ", ".join(repr(n) for n in names[:show])
    return text + (f" and {len(names) - show} more" if len(names) > show else "")


def _sheet_issue(table: str, source: str, rule: str, names: list[str], message: str):
    return problems.Issue("warning", table, source, None, None, rule, None, message + _names(names))


_MONTH_WORDS = r"(?:th[aá]ng|thang|t|month|m)"
_MONTH_IN_TEXT = (
    re.compile(rf"{_MONTH_WORDS}\s*\.?\s*(?P<m>\d{{1,2}})\s*(?:n[aă]m|nam|/|-|\.|_|\s)\s*(?P<y>(?:19|20)\d{{2}})",
               re.IGNORECASE),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/._]\s*(?P<m>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*[-/._]\s*(?P<y>(?:19|20)\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?!\d)"),
)


def month_in_text(text: object) -> pd.Timestamp | None:
    """The month a sheet name, file name or title names: ``Tháng 12 năm 2020``, ``T12-2020``,
    ``12.2020``, ``2020-12``, ``202012``; None when there is none."""
    text = unicodedata.normalize("NFC", str(text))
    for pattern in _MONTH_IN_TEXT:
        match = pattern.search(text)
        if match and 1 <= int(match["m"]) <= 12:
            return pd.Timestamp(year=int(match["y"]), month=int(match["m"]), day=1)
    return None


def _unique_labels(header: list[str]) -> list[str]:
    """Blank headers become ``(column N)``; a repeated header gets `` (2)``, `` (3)``..."""
    out, seen = [], {}
    for j, label in enumerate(header, start=1):
        label = label or f"(column {j})"
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _parquet_cells(data: bytes) -> tuple[pd.DataFrame, np.ndarray]:
    if not data.startswith(b"PAR1"):
        raise FileProblem("file_binary", "not a valid Parquet file")
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise FileProblem("file_unreadable", f"not a valid Parquet file ({exc})") from None
    frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex))
    frame.attrs = {}  # provenance of whoever wrote the file does not apply to this reading
    return frame, np.arange(len(frame), dtype=np.int64) + 2


def _rename_headers(frame: pd.DataFrame, *, table: str, source: str) -> tuple[pd.DataFrame, list, dict]:
    """Map headers to canonical names: (frame, issues, suggestions {header: column it may mean}).

    Two headers naming one column are ``duplicate_column`` errors; when they are identical (e.g.
    opening and closing ``Dư nợ``) neither is used, since either could be meant. A money header
    whose unit is not million VND (``Dư nợ (đồng)``) is a ``money_unit`` error. Legacy-encoded
    headers raise ``FileProblem``.
    """
    spec = contract.TABLES[table]
    columns = {c.name for c in spec.columns}
    money = {c.name for c in spec.columns if c.unit == "million VND"}
    labels = list(frame.columns)
    names = {label: _header_name(label) for label in labels}
    by_key: dict[str, list] = {}
    for label in labels:
        base = re.sub(r" \(\d+\)$", "", str(label))  # 'Dư nợ (2)': the second of two identical headers
        if names[label][0] in columns:
            by_key.setdefault((names[label][0], normalize_label(base)), []).append(label)
    identical = {label for group in by_key.values() if len(group) > 1 for label in group}
    mapping, seen, issues = {}, {}, []
    for (name, _), group in by_key.items():
        if len(group) > 1:
            letters = " and ".join(_column_letter(labels.index(g)) for g in group)
            issues.append(problems.Issue(
                "error", table, source, 1, name, "duplicate_column", re.sub(r" \(\d+\)$", "", str(group[0])),
                f"{len(group)} columns (columns {letters}) have the same header, so which one is {name} "
                f"cannot be told (e.g. opening and closing balance); rename them (e.g. 'Dư nợ đầu kỳ', "
                f"'Dư nợ cuối kỳ') or import with a mapping that names the column"))
            seen[name] = None
    for label in labels:
        name, unit = names[label]
        if label in identical:
            continue
        if name in columns and name not in seen:
            mapping[label] = seen[name] = name
            factor = money_unit_factor(unit) if name in money else None
            if factor is not None:
                issues.append(problems.Issue(
                    "error", table, source, 1, name, "money_unit", str(label),
                    f"the header says the unit is {unit!r} but money is in million VND; multiply by "
                    f"{factor:g} (or run `python -m analysis import`, which converts it)"))
        elif name in columns:
            issues.append(problems.Issue("error", table, source, 1, str(label), "duplicate_column", str(label),
                                       f"headers {_first(mapping, name)!r} and {label!r} "
                                       f"both name column {name}"))
        else:
            mapping[label] = str(label)
    missing = [c for c in spec.required if c not in seen]
    if missing:
        legacy = legacy_encoding(frame.columns)
        if legacy:
            raise _legacy_problem(legacy)
    free = [c for c in columns if c not in seen]
    suggestions = {str(label): s for label in labels if label in mapping and mapping[label] == str(label)
                   and (s := suggest_header(label, free))}
    keep = [label for label in frame.columns if label in mapping]
    out = frame.loc[:, keep] if len(keep) < len(frame.columns) else frame
    out = out.set_axis([mapping[label] for label in keep], axis=1)
    return out, issues, suggestions


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _first(mapping: dict, name: str) -> str:
    return next(str(label) for label, target in mapping.items() if target == name)


# --- parsing values --------------------------------------------------------------------------

_EN_EVIDENCE = re.compile(r"\.(?:\d{1,2}|\d{4,})$|^[+-]?0\.|,\d{3}\.")  # 12.5, 0.125, 1,234.5
_VI_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?")  # 1.234 or 1.234,5
_EN_NUMBER = re.compile(r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?")
_VI_NUMBER = re.compile(r"[+-]?(\d+|[1-9]\d{0,2}(\.\d{3})+)(,\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_numbers(values: pd.Series, convention: str | None = None) -> tuple[pd.Series, pd.Series, str]:
    """Numbers written the Vietnamese way (``1.234,5``) or the English way (``1,234.5``).

    One convention per column: English when the column shows it unambiguously (``12.5``,
    ``0.125``, ``1,234.5``), otherwise Vietnamese (``.`` groups thousands, ``,`` is the decimal).

    Args:
        values: the cells.
        convention: force "en" or "vi" instead of deciding from the values.

    Returns:
        (float64 values, mask of cells that are present but not numbers, convention used:
        "numeric" (already numbers), "plain" (no separators), "en", "vi", or "vi-ambiguous"
        when only ``1.234``-like values were seen).
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index), "numeric"
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index), "numeric"
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed, bad, convention = _parse_number_uniques(pd.Series(uniques, dtype=object), convention=convention)
    take = np.where(codes >= 0, codes, 0)
    out = np.where(codes >= 0, parsed.to_numpy()[take] if len(parsed) else np.nan, np.nan)
    bad_rows = np.where(codes >= 0, bad.to_numpy()[take] if len(bad) else False, False)
    return (pd.Series(out, index=values.index, dtype="float64"),
            pd.Series(bad_rows, index=values.index, dtype=bool), convention)


def _parse_number_uniques(uniques: pd.Series, convention: str | None) -> tuple[pd.Series, pd.Series, str]:
    is_num = uniques.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    direct = pd.to_numeric(uniques.where(is_num), errors="coerce")
    text = uniques.where(~is_num).astype("str").str.replace(_SPACES, "", regex=True).str.strip()
    text = text.where(~is_num & uniques.notna(), "")
    empty = text.eq("")
    convention = convention or _number_convention(text[text.str.contains(r"[.,]", regex=True)])
    if convention in ("en", "plain"):
        ok = text.str.fullmatch(_EN_NUMBER)
        number = pd.to_numeric(text.str.replace(",", "", regex=False).where(ok), errors="coerce")
    else:
        ok = text.str.fullmatch(_VI_NUMBER)
        number = pd.to_numeric(text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
                               .where(ok), errors="coerce")
    values = direct.where(is_num, number)
    bad = ~is_num & ~empty & values.isna()
    return values.astype("float64"), bad.astype(bool), convention


def _number_convention(marked: pd.Series) -> str:
    """How a column writes numbers, from its values that contain ``.`` or ``,``."""
    if marked.empty:
        return "plain"  # no separators at all: nothing to decide
    if marked.str.contains(_EN_EVIDENCE, regex=True).any():
        return "en"
    if marked.str.contains(",", regex=False).any():
        return "vi"
    if marked.str.fullmatch(_VI_THOUSANDS).all():
        return "vi-ambiguous"
    return "en"


_DATE_PATTERNS = (  # (regex with named groups, description)
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})"),
    re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(?:(?:tháng|thang|t)\s*)?(?P<m>\d{1,2})[/.-](?P<y>\d{4})", re.IGNORECASE),
    re.compile(r"(?P<serial>\d{4,5}(?:\.0+)?)"),  # Excel serial day number written as text
)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates as ``31/12/2020`` (day first), ``2020-12-31``, ``12/2020``, ``2020-12``, Excel dates.

    A date given only as month and year is the first of that month. Returns (datetime64[ns]
    values, mask of cells that are present but not dates).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        return out.astype(DATETIME), pd.Series(False, index=values.index)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed, bad = _parse_date_uniques(pd.Series(uniques, dtype=object))
    take = np.where(codes >= 0, codes, 0)
    out = pd.Series(parsed.to_numpy()[take] if len(parsed) else np.full(len(codes), np.datetime64("NaT", "ns")),
                    index=values.index).astype(DATETIME)
    out[codes < 0] = pd.NaT
    bad_rows = np.where(codes >= 0, bad.to_numpy()[take] if len(bad) else False, False)
    return out, pd.Series(bad_rows, index=values.index, dtype=bool)


def _timestamp(value) -> pd.Timestamp:
    if isinstance(value, pd.Period):
        return value.to_timestamp()
    return pd.Timestamp(value).replace(tzinfo=None)


def _parse_date_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
    result = pd.Series(pd.NaT, index=uniques.index, dtype=DATETIME)
    is_stamp = uniques.map(lambda v: hasattr(v, "year") and hasattr(v, "month") and not isinstance(v, str))
    if is_stamp.any():
        result[is_stamp] = pd.to_datetime(uniques[is_stamp].map(_timestamp))
    is_num = uniques.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    text = uniques.where(~is_num & ~is_stamp).astype("str").str.strip()
    text = text.where(~is_num & ~is_stamp & uniques.notna(), "")
    serial = pd.to_numeric(uniques.where(is_num), errors="coerce")
    for pattern in _DATE_PATTERNS:
        todo = text.ne("") & result.isna() & ~is_num
        if not todo.any():
            break
        parts = text[todo].str.extract(f"^{pattern.pattern}$", flags=pattern.flags)
        matched = parts.notna().any(axis=1)
        if "serial" in parts:
            serial = serial.where(is_num, pd.to_numeric(parts["serial"], errors="coerce").reindex(uniques.index))
            continue
        parts = parts[matched]
        if parts.empty:
            continue
        day = parts["d"] if "d" in parts else pd.Series("1", index=parts.index)
        result[parts.index] = pd.to_datetime(
            pd.DataFrame({"year": parts["y"].astype(int), "month": parts["m"].astype(int),
                          "day": day.astype(int)}), errors="coerce")
    from_serial = serial.notna() & result.isna() & serial.between(1, 2958465)
    if from_serial.any():
        result[from_serial] = EXCEL_EPOCH + pd.to_timedelta(serial[from_serial].round(), unit="D")
    present = uniques.notna() & (is_num | is_stamp | text.ne(""))
    return result, present & result.isna()


def parse_codes(values: pd.Series) -> pd.Series:
    """Codes and names as text exactly as written (trimmed); whole numbers lose a trailing ``.0``."""
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        out = values.str.strip()
    else:
        out = values.map(_code_text, na_action="ignore").astype("str").str.strip()
    empty = out.eq("")
    return out.where(~empty) if empty.any() else out  # missing cells stay missing


CODE_COLUMNS = frozenset({"province", "district", "commune", "group_id", "unit", "successor_commune",
                          "successor_province"})


def _numeric_cells(values: pd.Series) -> pd.Series | None:
    """Cells stored as numbers (Excel/Parquet), or None for a text column."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values.notna()
    if not pd.api.types.is_object_dtype(values):
        return None
    return values.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                      and v == v).astype(bool)


def _code_text(value: object) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def parse_categories(values: pd.Series, *, column: str) -> pd.Series:
    """Category labels mapped to canonical values; unknown labels are kept as written."""
    text = parse_codes(values)
    lookup = VALUE_LOOKUP.get(column, {})
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = np.array([lookup.get(normalize_label(u), u) for u in uniques], dtype=object)
    out = np.where(codes >= 0, mapped[np.where(codes >= 0, codes, 0)] if len(mapped) else None, None)
    return pd.Series(out, index=values.index, dtype="str")


def to_canonical(frame: pd.DataFrame, *, table: str) -> pd.DataFrame:
    """Parse a raw frame's contract columns to canonical dtypes (a new frame; the input is untouched).

    Cells that are present but unparseable become missing and are recorded as ``type`` issues
    with the offending text in ``attrs["issues"]`` (after any issues already there). Number
    columns that only hold ``1.234``-like values follow the file: English if another column
    shows English decimals, Vietnamese if one shows a decimal comma or the CSV uses ``;``;
    otherwise Vietnamese with a ``number_format`` warning.
    """
    spec = contract.TABLES[table]
    names = {c.name for c in spec.columns}
    source = frame.attrs.get("source", table)
    rows = _rows(frame)
    issues = problems.issues_from_attrs(frame)
    parsed = {name: _parse_column(frame[name], spec.column(name)) for name in frame.columns if name in names}
    notes = {name: note for name, (_, _, note) in parsed.items()}
    vietnamese = "vi" in notes.values() or frame.attrs.get("separator") == ";"
    for name, note in notes.items():
        if note != "vi-ambiguous" or vietnamese:
            continue
        if "en" in notes.values():
            parsed[name] = _parse_column(frame[name], spec.column(name), numbers="en")
        else:
            issues.append(problems.Issue("warning", table, source, None, name, "number_format", None,
                                       "numbers like 1.234 were read the Vietnamese way (1.234 = 1234); "
                                       "write decimals with a comma (1,5) or no thousands separator"))
    for name in parsed:
        numeric = _numeric_cells(frame[name]) if name in CODE_COLUMNS else None
        if numeric is not None and numeric.any():
            example = _code_text(frame[name][numeric.to_numpy()].iloc[0])
            issues.append(problems.Issue(
                "warning", table, source, None, name, "code_as_number", example,
                f"{int(numeric.sum()):,} codes are stored as numbers, not text (e.g. {example}): leading zeros, "
                "if the codes have any, were lost; format the column as Text in Excel, or run "
                "`python -m analysis import`, which restores them from the other tables"))
    for name, (_, bad, _) in parsed.items():
        if bad.any():
            positions = np.flatnonzero(bad.to_numpy())
            issues.extend(problems.issues_at(
                table=table, file=source, rows=rows[positions], column=name, rule="type",
                values=frame[name].iloc[positions].to_numpy(),
                message=f"not a {_KIND_WORDS[spec.column(name).kind]}"))
    out = {name: parsed[name][0] if name in parsed else frame[name].reset_index(drop=True) for name in frame.columns}
    result = pd.DataFrame(out, index=pd.RangeIndex(len(frame)), copy=False)  # no second copy of the columns
    result.attrs.update({k: v for k, v in frame.attrs.items() if k != "issues"},
                        table=table, source=source, rows=encode_rows(rows), issues=problems.issues_to_attrs(issues),
                        canonical=True)
    return result


_KIND_WORDS = {"int": "whole number", "float": "number", "month": "month (e.g. 12/2020 or 2020-12)",
               "date": "date (e.g. 31/12/2020)", "str": "text", "category": "category"}


def _parse_column(values: pd.Series, column: contract.Column,
                  numbers: str | None = None) -> tuple[pd.Series, pd.Series, str]:
    values = values.reset_index(drop=True)
    no_problem = pd.Series(False, index=values.index)
    if column.kind == "str":
        return parse_codes(values), no_problem, ""
    if column.kind == "category":
        return parse_categories(values, column=column.name), no_problem, ""
    if column.kind in ("month", "date"):
        dates, bad = parse_dates(values)
        if column.kind == "month":  # the first of the month (NaT stays NaT)
            dates = pd.Series(dates.to_numpy().astype("datetime64[M]").astype(DATETIME), index=dates.index)
        return dates, bad, ""
    if column.kind == "int" and pd.api.types.is_integer_dtype(values) and not values.isna().any():
        return values.astype("int64"), no_problem, "numeric"
    parsed, bad, note = parse_numbers(values, convention=numbers)
    if column.kind == "float":
        return parsed, bad, note
    fractional = parsed.notna() & (parsed != np.round(parsed))
    parsed = parsed.where(~fractional)
    if parsed.isna().any():
        return parsed.astype("Int64"), bad | fractional, note
    return parsed.astype("int64"), bad | fractional, note


def encode_rows(rows: np.ndarray) -> list[list[int]]:
    """Row numbers as runs ``[[first, count], ...]``: small, and JSON-safe so parquet keeps attrs."""
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts = np.concatenate([[0], breaks])
    counts = np.diff(np.concatenate([starts, [len(rows)]]))
    return [[int(rows[s]), int(c)] for s, c in zip(starts, counts)]


def _rows(frame: pd.DataFrame) -> np.ndarray:
    runs = frame.attrs.get("rows")
    if runs is not None and not isinstance(runs, list):
        runs = encode_rows(runs)
    if runs is None or sum(c for _, c in runs) != len(frame):
        return np.arange(len(frame), dtype=np.int64) + 2
    if not runs:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(first, first + count, dtype=np.int64) for first, count in runs])


def row_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row number of each row (header = 1); position + 2 for frames made in memory."""
    return _rows(frame)


GROUP_MONTH_DEFAULTS = {"frozen": 0.0, "interest_arrears": 0.0}  # absent means none recorded


def with_defaults(frame: pd.DataFrame, *, table: str) -> pd.DataFrame:
    """A copy with absent defaultable columns added (group_months: frozen = interest_arrears = 0)."""
    if table != "group_months":
        return frame
    missing = {c: v for c, v in GROUP_MONTH_DEFAULTS.items() if c not in frame.columns}
    return frame.assign(**{c: np.full(len(frame), v) for c, v in missing.items()}) if missing else frame
