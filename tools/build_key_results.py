"""Build tests/nbval/key_results.ipynb and store its outputs (the nbval reference).

nbval re-executes the notebook in ``make test`` and compares the outputs of the cells marked
``# NBVAL_CHECK_OUTPUT`` with the stored ones: the calibration table of the sample and the key
estimates, rounded. Re-run this script (and review the diff) whenever the generator or the
estimators change on purpose.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "nbval" / "key_results.ipynb"

CELLS = [
    new_markdown_cell("# Key results on the embedded sample (nbval reference)\n\n"
                      "Outputs of cells marked `NBVAL_CHECK_OUTPUT` are compared by nbval on every `make test`."),
    new_code_cell("import warnings\nwarnings.filterwarnings('ignore')\n"
                  "from analysis.data import loading, panel, synthetic\nfrom analysis import paths, models\n"
                  "tables = loading.load(paths.SAMPLE)\nframe = panel.build(tables)"),
    new_code_cell("# NBVAL_CHECK_OUTPUT\n"
                  "cal = synthetic.calibration_table(tables)\n"
                  "for row in cal.itertuples():\n"
                  "    print(f'{row.target}: article {row.article:,.2f}, sample {row.sample:,.2f}')"),
    new_code_cell("# NBVAL_CHECK_OUTPUT\n"
                  "formula = 'overdue_share ~ group_meetings + check_share | group_id + month'\n"
                  "fit = models.panel_poisson(frame, formula, vcov='cluster', cluster='district')\n"
                  "for row in fit.tidy().itertuples():\n"
                  "    print(f'{row.term}: {row.estimate:.3f} [{row.conf_low:.3f}, {row.conf_high:.3f}]')\n"
                  "print(fit.n_obs, fit.n_clusters)"),
    new_code_cell("# NBVAL_CHECK_OUTPUT\n"
                  "gy = panel.group_years(frame)\n"
                  "ol = models.ordered_logit(gy, 'rating ~ meetings_mean + check_cover + overdue_pct + C(year)')\n"
                  "print(ol.tidy().query('term in [\"meetings_mean\", \"check_cover\", \"overdue_pct\"]')"
                  "[['term', 'estimate']].round(2).to_string(index=False))"),
    new_code_cell("# NBVAL_CHECK_OUTPUT\n"
                  "from analysis import policy\n"
                  "series = policy.monthly_series(frame, level='district')\n"
                  "d = policy.directive_effect(series, window=('2012-01', '2015-12')).table.iloc[0]\n"
                  "print(f'Directive 40 level change {d.estimate:.3f} [{d.conf_low:.3f}, {d.conf_high:.3f}], "
                  "MDE {d.mde:.3f}')\n"
                  "rp = policy.reform_panel(frame, tables['reforms'])\n"
                  "r = policy.reform_effect(rp, outcome='y', unit='group_id', time='period', cohort='cohort',\n"
                  "                         cluster='district').table.iloc[0]\n"
                  "print(f'reform ATT {r.estimate:.3f} [{r.conf_low:.3f}, {r.conf_high:.3f}], p {r.p_value:.3f}')"),
]


def main() -> int:
    nb = new_notebook(cells=CELLS)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"key-results-{i:02d}"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    for cell in nb.cells:  # keep execution counts: nbval only compares cells that were run
        if cell.cell_type == "code":
            cell.metadata.pop("execution", None)
    nbformat.write(nb, TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
