"""One command line with subcommands: ``python -m analysis <command> ...``.

Each subcommand lives in its topic module, which defines ``add_arguments(parser)`` and
``run(args) -> int``. The module is imported only when its command is used, so ``--help``
is quick and one command's heavy imports do not slow the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from analysis.errors import UserError

# name -> (module, one-line help). Add a command here and in its module.
COMMANDS: dict[str, tuple[str, str]] = {
    "synth": ("analysis.data.synthetic.cli", "write the calibrated synthetic province (the embedded default data)"),
    "import": ("analysis.data.imports",
               "turn a folder of bank/Union exports into contract tables, with an editable mapping"),
    "crosswalk": ("analysis.data.crosswalk",
                  "write the official old -> new commune map (1 July 2025) as CSV and Excel, from the registry"),
    "validate": ("analysis.data.schema", "check a folder of tables (CSV/Excel/Parquet) against the data contract"),
    "prepare": ("analysis.results.national",
                "compute the shared results of a national data folder: one Dask task per province, then the "
                "national reductions (skips unchanged provinces)"),
    "report": ("analysis.run.report", "run the notebooks with papermill and build HTML/PDF reports"),
    "montecarlo": ("analysis.results.montecarlo", "Monte Carlo study of the estimators on a small synthetic province"),
}


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Evidence suite for VBSP savings-and-loan group credit quality.",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        parser = _top_parser()
        if not argv or argv[0] in ("-h", "--help"):
            parser.print_help()
            return 0 if argv else 2
        parser.error(f"unknown command {argv[0]!r}; choose from {', '.join(COMMANDS)}")
    name, rest = argv[0], argv[1:]
    module_name, help_text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"python -m analysis {name}", description=help_text)
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
