"""The import mapping: every decision of an import, as a YAML file a person can read and edit.

``python -m analysis import RAW --out DATA`` writes ``DATA/import-mapping.yml``; rerunning with
``--mapping DATA/import-mapping.yml`` takes every decision from the file instead of guessing, so
the same files and the same mapping give the same tables. A source file changed since (its
SHA-256 differs) is refused. Per source (one sheet or one CSV/Parquet file):

- ``table``: the contract table it feeds; ``header_rows``: spreadsheet rows of the header;
- ``columns``: ``{letter: {header, to}}``; ``to`` is a contract column, ``null`` (not used),
  ``personal`` (personal data, dropped) or ``private`` (personal data kept as ``private_<name>``,
  never published);
- ``month`` and ``month_from`` (``column``, ``sheet``, ``file`` or ``title``) for tables with a month;
- ``money_unit``: factor to million VND for its money columns (1e-06 for đồng), besides a unit
  written in a header; ``date_order``: ``DMY`` (Vietnamese, default) or ``MDY`` per date column;
- ``drop_rows``: rows left out, with the reason (title, totals, signature ...);
- ``notes``: the guesses made (read-only; rewritten on every run).

At the top: ``money_unit`` (for every source without its own), ``keep_personal`` (headers of
personal columns to keep), ``pad_codes`` (``{group_id: 6}``: zero-pad codes to a width when no
table keeps their leading zeros) and ``restore_zeros`` (match codes that lost their leading zeros
against the tables that kept them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from analysis.errors import UserError

VERSION = 1
TARGETS_EXTRA = ("personal", "private")


@dataclass
class ColumnPlan:
    letter: str
    header: str
    to: str | None = None
    note: str = ""


@dataclass
class SourcePlan:
    file: str
    sheet: str | None
    sha256: str
    table: str | None
    header_rows: list[int] = field(default_factory=list)
    columns: list[ColumnPlan] = field(default_factory=list)
    month: str | None = None
    month_from: str | None = None
    money_unit: float | None = None
    date_order: dict[str, str] = field(default_factory=dict)
    drop_rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.file + (f" [{self.sheet}]" if self.sheet is not None else "")

    def dropped(self) -> dict[int, str]:
        """Spreadsheet row -> reason, from ``drop_rows``."""
        out = {}
        for item in self.drop_rows:
            first, _, last = str(item["rows"]).partition("-")
            for row in range(int(first), int(last or first) + 1):
                out[row] = item.get("reason", "")
        return out


@dataclass
class Mapping:
    raw_dir: str
    sources: list[SourcePlan] = field(default_factory=list)
    money_unit: float = 1.0
    keep_personal: list[str] = field(default_factory=list)
    pad_codes: dict[str, int] = field(default_factory=dict)
    restore_zeros: bool = True
    ignored: list[dict] = field(default_factory=list)
    gso_codes: list[dict] = field(default_factory=list)


def drop_ranges(rows: dict[int, str]) -> list[dict]:
    """Consecutive rows with one reason as ``{rows: "60-65", reason}`` entries."""
    out: list[dict] = []
    for row in sorted(rows):
        last = out[-1] if out else None
        if last and last["reason"] == rows[row] and last["_end"] == row - 1:
            last["_end"] = row
        else:
            out.append({"_start": row, "_end": row, "reason": rows[row]})
    return [{"rows": f"{d['_start']}" if d["_start"] == d["_end"] else f"{d['_start']}-{d['_end']}",
             "reason": d["reason"]} for d in out]


HEADER = """\
# Import mapping written by `python -m analysis import`. Every decision of the import is here;
# edit it and rerun with `--mapping <this file>` to apply your changes (the rerun guesses nothing).
#   columns.<letter>.to : contract column, null (not used), personal (dropped), private (kept, never published)
#   money_unit          : factor to million VND (1.0e-06 if the figures are in dong, 0.001 for thousand dong)
#   month / month_from  : the month of a source without a month column (YYYY-MM)
#   date_order          : DMY (31/12/2020, the default) or MDY (12/31/2020) per date column
#   drop_rows           : spreadsheet rows left out, with the reason
#   pad_codes           : e.g. {group_id: 6} to zero-pad codes that lost their leading zeros everywhere
#   gso_codes           : official GSO codes suggested for units with the bank's own codes, matched by name;
#                         set confirm: true on the right ones and rerun with --mapping to recode them
"""


class _Flow(dict):
    """A mapping written on one line: ``A: {header: Mã tổ, to: group_id}``."""


class _FlowList(list):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def write(mapping: Mapping, path: str | Path) -> Path:
    from analysis.atomic import write_text

    doc = {"version": VERSION, "raw_dir": mapping.raw_dir, "money_unit": mapping.money_unit,
           "keep_personal": list(mapping.keep_personal), "pad_codes": dict(mapping.pad_codes),
           "restore_zeros": mapping.restore_zeros, "sources": [], "ignored": list(mapping.ignored),
           "gso_codes": [_Flow(e) for e in mapping.gso_codes]}
    for source in mapping.sources:
        item = asdict(source)
        item["columns"] = {c.letter: _Flow({"header": c.header, "to": c.to, **({"note": c.note} if c.note else {})})
                           for c in source.columns}
        item["header_rows"] = _FlowList(source.header_rows)
        item["drop_rows"] = [_Flow(d) for d in source.drop_rows]
        if source.money_unit is None:
            del item["money_unit"]
        doc["sources"].append(item)
    text = HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=130)
    return write_text(path, text)


def read(path: str | Path) -> Mapping:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read the mapping {path}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        raise UserError(f"{path} is not an import mapping (version {VERSION})")
    try:
        sources = []
        for item in doc.get("sources") or []:
            columns = [ColumnPlan(letter=str(letter), header=str(spec.get("header", "")), to=spec.get("to"),
                                  note=str(spec.get("note", "")))
                       for letter, spec in (item.get("columns") or {}).items()]
            sources.append(SourcePlan(
                file=str(item["file"]), sheet=item.get("sheet"), sha256=str(item.get("sha256", "")),
                table=item.get("table"), header_rows=[int(r) for r in item.get("header_rows") or []],
                columns=columns, month=None if item.get("month") is None else str(item["month"]),
                month_from=item.get("month_from"),
                money_unit=None if item.get("money_unit") is None else float(item["money_unit"]),
                date_order=dict(item.get("date_order") or {}), drop_rows=list(item.get("drop_rows") or []),
                notes=list(item.get("notes") or [])))
        return Mapping(raw_dir=str(doc.get("raw_dir", "")), sources=sources,
                       money_unit=float(doc.get("money_unit", 1.0)),
                       keep_personal=[str(k) for k in doc.get("keep_personal") or []],
                       pad_codes={str(k): int(v) for k, v in (doc.get("pad_codes") or {}).items()},
                       restore_zeros=bool(doc.get("restore_zeros", True)), ignored=list(doc.get("ignored") or []),
                       gso_codes=[dict(e) for e in doc.get("gso_codes") or []])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UserError(f"{path}: malformed mapping ({type(exc).__name__}: {exc})") from None
