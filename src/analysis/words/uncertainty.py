"""Uncertainty in words: the Monte Carlo gate, plain ranges, technical notes and the names of methods.

An interval is printed only when its method passed the gate (``analysis.results.montecarlo.gate``:
false rejections 3-8% and coverage 92-97% under shared shocks); otherwise the sentence says why.
``technical_note`` states how an interval was computed, in the reader's language (a method keeps its
English name in brackets where that is the name the literature uses). ``findings`` and ``reforms``
build their sentences on these.
"""

from __future__ import annotations

from analysis.constants import ALPHA, LEVEL, POWER
from analysis.results import montecarlo
from analysis.results.estimates import Estimate
from analysis.words import narrative as nr
from analysis.words.messages import say

DESIGN_OF = {"meetings": "models", "checks": "models", "meetings_ols": "models", "checks_ols": "models",
             "directive": "directive", "dose": "directive", "reform": "reform", "reform_pooled": "national"}
GATE_ESTIMATOR = {"FE OLS national": "OLS FE", "dose-response DiD across provinces": "dose-response DiD"}
GATE_INFERENCE = {"dose": "wild cluster restricted bootstrap", "meetings_ols": "CR1 t(G-1)", "checks_ols": "CR1 t(G-1)"}


def design_of(est: Estimate) -> str:
    """The Monte Carlo design that checks an estimate: "national" for the national headlines (their own
    gate on whole synthetic countries), else the province design of its question."""
    return "national" if est.extras.get("scope") == "national" else DESIGN_OF[est.question]


def gate_row(est: Estimate) -> dict | None:
    """The Monte Carlo gate row of an estimate's method, or None when never measured. A national headline
    is looked up in the national design (``results.montecarlo_national.ESTIMATORS``)."""
    if design_of(est) == "national":
        from analysis.results import montecarlo_national

        estimator, inference = montecarlo_national.ESTIMATORS[est.question]
        return montecarlo.gate("national", estimator, term=est.term, inference=inference)
    return montecarlo.gate(DESIGN_OF[est.question], GATE_ESTIMATOR.get(est.estimator, est.estimator), term=est.term,
                           inference=GATE_INFERENCE.get(est.question))


def printable(est: Estimate) -> bool:
    """True when the estimate's method passed the gate (its interval may be printed)."""
    row = gate_row(est)
    return bool(row and row["passes"])


def level_text(lang: str) -> str:
    return nr.pct(100 * LEVEL, 0, lang)


def plain_range(low: str, high: str, lang: str) -> str:
    return say("range", lang, level=level_text(lang), low=low, high=high)


def gate_note(est: Estimate, lang: str) -> str:
    """Why an interval is not printed (failed or never checked)."""
    row = gate_row(est)
    design = design_of(est)
    if row is None:
        return say("not_checked", lang, design=design)
    band = montecarlo.SIZE_BAND, montecarlo.COVERAGE_BAND
    return say("not_gated", lang, size=nr.pct(100 * row["size"], 1, lang), coverage=nr.pct(100 * row["coverage"], 1,
                                                                                           lang),
               size_band=f"{nr.pct(100 * band[0][0], 0, lang)}–{nr.pct(100 * band[0][1], 0, lang)}",
               coverage_band=f"{nr.pct(100 * band[1][0], 0, lang)}–{nr.pct(100 * band[1][1], 0, lang)}")


def gate_sentence(est: Estimate, lang: str) -> str:
    row = gate_row(est)
    if not row or not row["passes"]:
        return gate_note(est, lang)
    return say("gate.passed", lang, reps=nr.number(row["reps"], 0, lang), level=level_text(lang),
               size=nr.pct(100 * row["size"], 1, lang), nominal_size=nr.pct(100 * ALPHA, 0, lang),
               coverage=nr.pct(100 * row["coverage"], 1, lang))


def pp_size(value: float, lang: str) -> str:
    """The size of a change in percentage points, without its sign."""
    return nr.pp(abs(value), 2, lang).lstrip("+")


def technical_note(est: Estimate, lang: str = "vi") -> str:
    """How the estimate's interval was computed, in ``lang``: the estimator's own sentence in English;
    in Vietnamese, the same facts from the estimate's fields (``TECHNICAL``)."""
    if lang == "en":
        return "*Technical note*: " + est.inference + "."
    fill = TECHNICAL.get(est.estimator)
    body = fill(est, lang) if fill else say("technical.generic", lang, n_obs=nr.number(est.n_obs, 0, lang))
    return "*" + say("technical.label", lang) + "*: " + body


def _directive_note(est: Estimate, lang: str) -> str:
    x = est.extras
    boot = say("technical.directive.boot", lang, n_boot=nr.number(x["n_boot"], 0, lang), seed=x["seed"]) \
        if "n_boot" in x and "seed" in x else ""
    scope = x.get("scope") or ("national" if "national" in est.method else "province")
    where = say("where.national" if scope == "national" else "where.province", lang)
    return say("technical.directive", lang, where=where, n_obs=nr.number(est.n_obs, 0, lang), boot=boot,
               power=nr.pct(100 * POWER, 0, lang))


def _reform_note(est: Estimate, lang: str) -> str:
    x = est.extras
    which = say("technical.reform.all" if x.get("exact") else "technical.reform.sample", lang,
                seed=x.get("seed", ""))
    g = est.n_clusters or 0
    return say("technical.reform", lang, which=which, n_assignments=nr.number(x["n_assignments"], 0, lang),
               n_clusters=g, dof=max(g - 1, 1), g_star=nr.number(x["g_star"], 1, lang))


def _pooled_note(est: Estimate, lang: str) -> str:
    g = est.n_clusters or 0
    return say("technical.reform_pooled", lang, n_clusters=g, dof=max(g - 1, 1), n_obs=nr.number(est.n_obs, 0, lang))


def _pooled_level_note(est: Estimate, lang: str) -> str:
    g = est.n_clusters or 0
    if est.term == "ATT_level_cr2":
        how = say("technical.reform_level.cr2", lang, k=est.extras.get("n_provinces", ""),
                  dof=nr.number(est.extras.get("dof", float("nan")), 1, lang))
    elif est.term == "ATT_level_hk":
        k = est.extras.get("n_provinces", "")
        how = say("technical.reform_level.hk", lang, k=k, dof=max(int(k) - 1, 1) if k != "" else "")
    else:
        how = say("technical.reform_level.cr1", lang, n_clusters=g, dof=max(g - 1, 1))
    return say("technical.reform_level", lang, how=how, n_obs=nr.number(est.n_obs, 0, lang))


TECHNICAL = {"directive_effect": _directive_note, "reform_effect": _reform_note, "pooled reform": _pooled_note,
             "pooled reform, design-weighted": _pooled_level_note}



VARIANTS = {  # estimator names of the result tables and the gate -> (vi, en) labels
    "CS additive": ("CS, xu hướng cộng", "CS, additive trends"),
    "CS ratio trends": ("CS, xu hướng tỷ lệ", "CS, ratio trends"),
    "CS ratio trends, not-yet treated": ("CS, xu hướng tỷ lệ, so với huyện chưa áp dụng",
                                         "CS, ratio trends, not-yet-treated comparisons"),
    "TWFE": ("Hiệu ứng cố định hai chiều (TWFE)", "Two-way fixed effects (TWFE)"),
    "ITS district panel": ("Bảng huyện, cụm theo huyện", "District panel, clustered by district"),
    "ITS province series": ("Chuỗi toàn tỉnh, Newey-West", "Province series, Newey-West"),
}
INFERENCES = {"CR1 t(G-1) by district": ("CR1, t(G−1), cụm theo huyện", "CR1, t(G−1), clustered by district")}


def variant_label(estimator: str, inference: str, lang: str) -> str:
    i = 0 if lang == "vi" else 1
    name = VARIANTS.get(estimator, (estimator, estimator))[i]
    how = INFERENCES.get(inference, (inference, inference))[i]
    return f"{name} ({how})"
