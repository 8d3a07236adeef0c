# Writes the fixture notebooks of this folder (run from the project root):
#     .venv/bin/python tests/notebooks_fixtures/make_fixtures.py
"""Writes tests/notebooks_fixtures/*.ipynb (run once; the notebooks are committed)."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent
META = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}}

def params(src):
    c = new_code_cell(src)
    c.metadata["tags"] = ["parameters"]
    return c

def save(name, cells):
    nb = new_notebook(cells=cells, metadata=META)
    nbformat.write(nb, OUT / name)

# One report per district; fails on purpose for the district named in fail_district.
save("district_echo.ipynb", [
    new_markdown_cell("# Báo cáo huyện (fixture)"),
    params('district_code: str = "941"  # district in the units table\n'
           'data_dir: str = ""  # set by the runner\n'
           'lang: str = "vi"  # report language\n'
           'shared_dir: str = ""  # output of the prepare step\n'
           'fail_district: str = ""  # this district raises, to test failure isolation'),
    new_code_cell(
        "import csv, json, os\n"
        "from analysis.run.display import show_markdown\n"
        "units_csv = os.path.join(data_dir, 'units.csv')\n"
        "if os.path.exists(units_csv):\n"
        "    units = list(csv.DictReader(open(units_csv, encoding='utf-8')))\n"
        "else:  # the sample: units.parquet\n"
        "    import pandas as pd\n"
        "    units = pd.read_parquet(os.path.join(data_dir, 'units.parquet')).astype(str).to_dict('records')\n"
        "district_name = next(u['district_name'] for u in units if u['district'] == district_code)\n"
        "path = os.path.join(shared_dir, 'shared.json') if shared_dir else ''\n"
        "shared = json.load(open(path, encoding='utf-8')) if path and os.path.exists(path) else {}"),
    new_code_cell(
        "if district_code == fail_district:\n"
        "    raise ValueError(f'district {district_code} made to fail')"),
    new_code_cell("ratio = shared.get('ratio', '?')\n"
                  "show_markdown(f'## Huyện {district_name}\\n\\nTỷ lệ nợ quá hạn của **{district_name}**: {ratio}')"),
])

# State-leak check: the first sets state in the kernel, the second asserts it is gone.
save("state_set.ipynb", [
    params('marker: str = "x"  # any value'),
    new_code_cell(
        "import os, sys, random, warnings\n"
        "import matplotlib\n"
        "import pandas as pd\n"
        "LEAKED_VARIABLE = 42\n"
        "matplotlib.rcParams['lines.linewidth'] = 7.5\n"
        "pd.set_option('display.max_rows', 3)\n"
        "os.environ['VBSP_LEAK'] = '1'\n"
        "sys.path.append('/leaked/path')\n"
        "warnings.simplefilter('error')\n"
        "random.seed(1)\n"
        "os.chdir('/')\n"
        "print(os.getpid())"),
])
save("state_check.ipynb", [
    params('marker: str = "x"  # any value'),
    new_code_cell(
        "import os, sys, warnings\n"
        "import matplotlib\n"
        "import pandas as pd\n"
        "assert 'LEAKED_VARIABLE' not in globals(), 'variable leaked'\n"
        "assert matplotlib.rcParams['lines.linewidth'] != 7.5, 'rcParams leaked'\n"
        "assert pd.get_option('display.max_rows') != 3, 'pandas option leaked'\n"
        "assert 'VBSP_LEAK' not in os.environ, 'environment leaked'\n"
        "assert '/leaked/path' not in sys.path, 'sys.path leaked'\n"
        "assert not any(f[0] == 'error' and f[2] is Warning for f in warnings.filters), 'warning filter leaked'\n"
        "assert os.getcwd() != '/', 'working directory leaked'\n"
        "print(os.getpid())"),
])

# A figure and prose in Vietnamese, for the PDF checks.
save("vietnamese_figure.ipynb", [
    new_markdown_cell("# Sóc Trăng: Tỷ lệ nợ quá hạn\n\nHuyện **Kế Sách**, tổ do *Đoàn Thanh niên* quản lý."),
    params('lang: str = "vi"  # report language'),
    new_code_cell(
        "import warnings\n"
        "import matplotlib.pyplot as plt\n"
        "import pandas as pd\n"
        "from analysis.run.display import show_markdown, show_table\n"
        "warnings.simplefilter('always')"),
    new_code_cell(
        "fig, ax = plt.subplots(figsize=(5, 3))\n"
        "ax.plot([2014, 2015, 2016], [1.2, 0.8, 1.5])\n"
        "ax.set_title('Tỷ lệ nợ quá hạn — Sóc Trăng, Kế Sách (Đoàn Thanh niên)')\n"
        "ax.set_xlabel('Năm')\n"
        "plt.show()"),
    new_code_cell("table = pd.DataFrame({'Huyện': ['Kế Sách', 'Mỹ Tú'], 'Tỷ lệ (%)': [1.25, 0.5]})\n"
                  "show_table(table, caption='Bảng 1: Tỷ lệ nợ quá hạn')"),
])
# Reads the data folder alone (run-file entry 'needs: data'): built even when the prepare step failed.
save("data_only.ipynb", [
    new_markdown_cell("# Dữ liệu (fixture)"),
    params('data_dir: str = ""  # set by the runner\n'
           'lang: str = "vi"  # report language'),
    new_code_cell(
        "import csv, os\n"
        "from analysis.run.display import show_markdown\n"
        "units = list(csv.DictReader(open(os.path.join(data_dir, 'units.csv'), encoding='utf-8')))\n"
        "districts = sorted({u['district'] for u in units})"),
    new_code_cell("show_markdown(f'{len(districts)} huyện trong `{data_dir}`')"),
])
# The kernel process dies mid-notebook.
save("kernel_dies.ipynb", [
    params('marker: str = "x"  # any value'),
    new_code_cell("import os\nos._exit(1)"),
])
print("ok")
