"""Numbers in prose: one formatter, rounding once, at presentation, in either language.

Vietnamese writes a decimal comma and a dot for thousands (3,6%; 1.082.342); English the reverse.
"""

from __future__ import annotations

import math

from analysis.words.i18n import LANGS


def _check(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")


def number(value: float, digits: int = 0, lang: str = "vi") -> str:
    """``number(1082342.4, 0, "vi") == "1.082.342"``; ``number(3.456, 2, "en") == "3.46"``."""
    _check(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", "−")


def pct(value: float, digits: int = 1, lang: str = "vi") -> str:
    """A percentage already in percent units: ``pct(3.6, 1, "vi") == "3,6%"``."""
    return f"{number(value, digits, lang)}%"


def pp(value: float, digits: int = 2, lang: str = "vi") -> str:
    """Percentage points with a sign: ``pp(-0.6, 2, "en") == "−0.60 percentage points"``."""
    unit = "điểm phần trăm" if lang == "vi" else "percentage points"
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, digits, lang)} {unit}"


def p_below(bound: float, lang: str = "vi") -> str:
    """A p-value known only to lie below ``bound``, rounded up to one significant figure:
    ``p_below(1 / 2048, "en") == "< 0.0005"``; ``p_below(1 / 2048, "vi") == "< 0,0005"``."""
    step = 10.0 ** math.floor(math.log10(bound))
    up = math.ceil(bound / step * (1 - 1e-12)) * step
    return f"< {number(up, max(0, -math.floor(math.log10(up) + 1e-12)), lang)}"


def interval(low: float, high: float, digits: int = 2, lang: str = "vi") -> str:
    """``interval(-0.8, -0.2, 1, "en") == "[−0.8; −0.2]"`` (semicolon: safe with decimal commas)."""
    return f"[{number(low, digits, lang)}; {number(high, digits, lang)}]"


def month(period, lang: str = "vi") -> str:
    """``month(Period('2020-12'), 'vi') == 'tháng 12/2020'``; English 'Dec 2020'."""
    _check(lang)
    if lang == "vi":
        return f"tháng {period.month}/{period.year}"
    return period.strftime("%b %Y")


def formatter(digits: int = 1, lang: str = "vi"):
    """A cell formatter for tables: ``formatter(2, "vi")(1234.5) == "1.234,50"``.

    Whole numbers (counts, even when stored as floats) are shown without decimals.
    """
    _check(lang)

    def fmt(value) -> str:
        if isinstance(value, (int, float)) and float(value).is_integer():
            return number(value, 0, lang)
        return number(value, digits, lang)

    return fmt
