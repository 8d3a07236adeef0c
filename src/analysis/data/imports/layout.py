"""Reading the layout of an export: where the header is, what each column holds, which rows are data.

Rules (each decision is written to the mapping file, so that a person can check and change it):

- **Header**: among the first ``HEADER_SEARCH_ROWS`` rows, the row naming the most contract
  columns; a text-only row right above (a super-header such as ``Dư nợ`` merged over three
  columns) or below (``Tổng số / Nợ quá hạn / Nợ khoanh``) joins it. Rows above it are the title block.
- **Columns**: a joined header ``Dư nợ / Nợ quá hạn`` names overdue (the lower label), ``Dư nợ /
  Tổng số`` names outstanding (a generic lower label defers to the upper); headers with a unit in
  brackets or a line break match too; a close header (``Dư nợ cuối kỳ``) is a guess, an opening
  balance (``đầu kỳ``) is left out.
- **Rows**: a row of column numbers under the header (1, 2, 3 ...), totals (``Tổng cộng``,
  ``Cộng``: their sums are checked), section headings (one text across the row), the signature
  block (``Người lập biểu``, ``Kiểm soát``, ``Giám đốc``, a place and date) and rows without a
  key are dropped, each with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.data import contract, io
HEADER_SEARCH_ROWS = 40
MAX_HEADER_ROWS = 3
GENERIC_SUB = {"tongso", "tong", "cong", "tongcong", "sotien", "soluong", "trongdo", "total", "amount",
               "giatri", "so", "sodu"}
OPENING = re.compile(r"dauky|dauthang|daunam|kytruoc|thangtruoc|opening")
TOTAL = re.compile(r"^(tongcong|tongso|tong|total|grandtotal)(?!\w*to\d)")
SUBTOTAL = re.compile(r"^(cong|subtotal)")
SIGNATURE = re.compile(r"nguoilapbieu|lapbieu|nguoilap|kiemsoat|giamdoc|ketoantruong|truongphong|thutruong|"
                       r"kyghiro|kyten|kyhoten|xacnhan|prepared|approved|ngay\d+thang\d+nam\d+")
_ROMAN_OR_LETTER = re.compile(r"^([a-z]|[ivx]+)$")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def header_score(row: list) -> int:
    return sum(1 for v in row if isinstance(v, str) and io.canonical_header(v) is not None)


def find_header(cells: list[list]) -> list[int]:
    """0-based rows of the header block (one to three rows); [] when no row names a column."""
    scores = [(header_score(cells[i]), -i) for i in range(min(HEADER_SEARCH_ROWS, len(cells)))]
    if not scores or max(scores)[0] == 0:
        return []
    best = -max(scores)[1]
    block = [best]
    while len(block) < MAX_HEADER_ROWS and block[0] > 0 and _super_header(cells[block[0] - 1], cells[block[0]]):
        block.insert(0, block[0] - 1)
    while len(block) < MAX_HEADER_ROWS and block[-1] + 1 < len(cells) and _sub_header(cells[block[-1]], cells[block[-1] + 1]):
        block.append(block[-1] + 1)
    return block


def _super_header(above: list, row: list) -> bool:
    texts = [v for v in above if v is not None]
    if not texts or any(is_number(v) for v in texts) or len({_text(v) for v in texts}) < 2:
        return False
    return any(io.canonical_header(v) for v in texts if isinstance(v, str))


def _sub_header(row: list, below: list) -> bool:
    cells = [(j, v) for j, v in enumerate(below) if v is not None]
    if not cells or any(is_number(v) or not isinstance(v, str) for _, v in cells):
        return False
    differs = False
    for j, v in cells:
        above = row[j] if j < len(row) else None
        if _text(above) == _text(v):
            continue
        differs = True
        left = row[j - 1] if 0 < j <= len(row) else None
        right = row[j + 1] if j + 1 < len(row) else None
        spread = above is None or _text(above) in (_text(left), _text(right))
        known = io.normalize_label(v) in GENERIC_SUB or io.canonical_header(v) is not None
        if not (spread or known):
            return False
    return differs


def joined_labels(cells: list[list], block: list[int], width: int) -> list[list[str]]:
    """Per column, the header parts from top to bottom (blank upper cells filled from the left
    when a lower label stands under them, as in a two-row header exported without merges)."""
    rows = [list(cells[i]) + [None] * (width - len(cells[i])) for i in block]
    for k in range(len(rows) - 1):
        for j in range(1, width):
            if rows[k][j] is None and any(rows[m][j] is not None for m in range(k + 1, len(rows))):
                rows[k][j] = rows[k][j - 1]
    parts = []
    for j in range(width):
        col: list[str] = []
        for row in rows:
            text = io._clean_label(row[j])
            if text and (not col or col[-1] != text):
                col.append(text)
        parts.append(col)
    return parts


def column_name(parts: list[str], table_columns: set[str]) -> tuple[str | None, str | None, str]:
    """(contract column, unit in the header, how) for one column's header parts; how is "exact",
    "guess" or "" (no match) or "opening" (an opening balance, left out)."""
    if not parts:
        return None, None, ""
    last, first = parts[-1], parts[0]
    full = " ".join(parts)
    if OPENING.search(io.normalize_label(full)):
        return None, None, "opening"
    candidates = [last, full] + ([first] if io.normalize_label(last) in GENERIC_SUB or len(parts) == 1 else [])
    if len(parts) > 1 and io.normalize_label(_strip_unit(last)) in GENERIC_SUB:
        candidates = [first, full]
    for text in candidates:
        name, unit = io._header_name(text)
        if name in table_columns:
            return name, unit or _unit_of(parts), "exact"
    guess = io.suggest_header(full, table_columns)
    return (guess, _unit_of(parts), "guess") if guess else (None, None, "")


def _strip_unit(text: str) -> str:
    match = io._UNIT_SUFFIX.match(text)
    return match["head"] if match else text


def _unit_of(parts: list[str]) -> str | None:
    for text in reversed(parts):
        match = io._UNIT_SUFFIX.match(text)
        if match:
            return match["unit"].strip()
    return None


def guess_table(parts: list[list[str]]) -> str | None:
    """The contract table whose required columns the header names best."""
    best, best_score = None, (0.0, 0)
    for name, spec in contract.TABLES.items():
        columns = {c.name for c in spec.columns}
        found = {column_name(p, columns)[0] for p in parts} - {None}
        required = set(spec.required) - ({"month"} if name == "group_months" else set())
        score = (len(found & required) / len(required), len(found))
        if score > best_score:
            best, best_score = name, score
    return best if best_score[0] >= 0.5 else None


@dataclass(frozen=True)
class RowKind:
    kind: str  # "data", "numbering", "total", "subtotal", "heading", "signature", "no_key"
    reason: str


def classify_rows(cells: list[list], start: int, *, key_columns: list[int], numeric_columns: list[int]) -> list:
    """(0-based row, RowKind) for every non-empty row from ``start``; once the signature block
    starts, every later row belongs to it."""
    out = []
    in_signature = False
    seen_data = False
    for i in range(start, len(cells)):
        row = cells[i]
        values = [v for v in row if v is not None and _text(v)]
        if not values:
            continue
        texts = [io.normalize_label(v) for v in values if isinstance(v, str)]
        if in_signature or (seen_data and any(SIGNATURE.search(t) for t in texts)):
            in_signature = True
            out.append((i, RowKind("signature", "signature block")))
            continue
        if not seen_data and _numbering(values):
            out.append((i, RowKind("numbering", "column numbers under the header")))
            continue
        first_text = texts[0] if texts and isinstance(values[0], str) else None
        label = first_text if first_text and (TOTAL.match(first_text) or SUBTOTAL.match(first_text)) else None
        if label is not None:
            kind = "total" if TOTAL.match(label) else "subtotal"
            out.append((i, RowKind(kind, f"{'total' if kind == 'total' else 'subtotal'} row "
                                         f"({_text(next(v for v in values if isinstance(v, str) and io.normalize_label(v) == label))})")))
            continue
        has_numbers = any(j < len(row) and is_number(row[j]) or _numeric_text(row[j] if j < len(row) else None)
                          for j in numeric_columns)
        if len({_text(v) for v in values}) == 1 and not has_numbers and len(key_columns) and numeric_columns:
            out.append((i, RowKind("heading", f"section heading ({_text(values[0])[:40]})")))
            continue
        if any(j >= len(row) or row[j] is None or not _text(row[j]) for j in key_columns):
            out.append((i, RowKind("no_key", "no key (empty code cell)")))
            continue
        seen_data = True
        out.append((i, RowKind("data", "")))
    return out


def _numeric_text(value) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[+-]?[\d.,\s]+", value.strip())) and any(
        ch.isdigit() for ch in value)


def _numbering(values: list) -> bool:
    """A row like ``1 2 3 4`` or ``A B 1 2 3`` (column numbers printed under a header)."""
    tokens = [str(int(v)) if is_number(v) and float(v).is_integer() else io.normalize_label(_text(v).strip("()"))
              for v in values]
    numbers = [int(float(t)) for t in tokens if re.fullmatch(r"\d+", t)]
    letters = [t for t in tokens if _ROMAN_OR_LETTER.match(t)]
    if len(numbers) + len(letters) != len(tokens) or len(numbers) < 3:
        return False
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))
