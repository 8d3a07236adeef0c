"""A province whose names were taken from a hostile export: the synthetic sample, scaled down, with its
unit, hamlet and reform names replaced by text that is markup somewhere (HTML, Markdown, MathJax,
Typst, Excel formulas, paths), invisible or right-to-left characters, a 300-character name, and its
reforms split into two reforms with such names. Every report must print these names as written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SEED = 20211231
SCALE = 0.04  # about 1,100 groups: every design still estimable, the whole run in well under a minute

LONG = ("Huyện Rất Dài " + "Xã Kênh Ngang Ấp Mới " * 14)[:300]  # a 300-character name
DISTRICT_NAMES = {  # district code of the synthetic province -> name
    "941": '<script>alert("xss")</script><b>Thành phố</b> & Co',
    "942": "*bold* [link](javascript:alert(1))",
    "943": "Kế Sách $x$ và $$\\frac{1}{2}$$",
    "944": "#set text(red) = Mỹ Tú @ref <lbl> // chú thích",
    "945": '=HYPERLINK("http://evil.example/","Nhấn vào")',
    "946": "../../../etc/Long Phú",
    "947": "Mỹ\u200bXuyên\u200d\u2060 ẩn",
    "948": "\u202eNgã Năm\u202c \u05e2\u05d1\u05e8\u05d9\u05ea",
    "949": LONG,
    "950": "+Vĩnh Châu -- ... \"trích\" 'dẫn'",
    "951": "@Trần Đề | cột | `mã` ~ _gạch_",
}
COMMUNE_NAME = '<img src="https://evil.example/x.png"> Xã *{n}*'
HAMLET_NAME = "Ấp [{n}](https://evil.example) $y$"
PROVINCE_NAME = "Sóc Trăng <i>tỉnh</i> *$z$*"
REFORM_NAMES = (
    '<script>alert("r")</script> Kiểm tra *vốn* $hằng$ tháng #1',
    '=HYPERLINK("http://evil.example") ../../Họp tổ [mở](javascript:x) \u200bđịnh kỳ',
)
REFORM_OF_COHORT = {"2017-07": 0, "2019-07": 0, "2018-07": 1}  # adoption month -> which reform

NAMES = (*DISTRICT_NAMES.values(), *REFORM_NAMES)  # the names whose exact text the reports must show


def _generate():
    try:
        from analysis.data import synthetic as generator
    except ImportError:  # the generator's older home
        from analysis.data import synth as generator
    return generator


def write(folder: Path) -> Path:
    """Write the hostile province's contract tables (Parquet) and its truth.json to ``folder``."""
    generator = _generate()
    generator.write_sample(folder, seed=SEED, scale=SCALE)
    units = pd.read_parquet(folder / "units.parquet")
    units["district_name"] = units["district"].astype(str).map(DISTRICT_NAMES).fillna(units["district_name"])
    units["commune_name"] = [COMMUNE_NAME.format(n=i) for i in range(len(units))]
    if "province_name" in units:
        units["province_name"] = PROVINCE_NAME
    units.to_parquet(folder / "units.parquet", index=False)
    groups = pd.read_parquet(folder / "groups.parquet")
    if "hamlet" in groups:
        groups["hamlet"] = [HAMLET_NAME.format(n=i % 7) for i in range(len(groups))]
        groups.to_parquet(folder / "groups.parquet", index=False)
    reforms = pd.read_parquet(folder / "reforms.parquet")
    month = pd.to_datetime(reforms["adopted_on"]).dt.strftime("%Y-%m")
    reforms["reform"] = [REFORM_NAMES[REFORM_OF_COHORT[m]] for m in month]
    reforms.to_parquet(folder / "reforms.parquet", index=False)
    return folder
