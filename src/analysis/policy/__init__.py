"""Policy evaluation: Directive 40 and staggered district reforms.

The headline estimates, one per question (docs/policy.md says why and what each assumes):

- ``directive_effect``: Directive 40's level and slope change on the province series (GLS with
  ARMA(1,1) errors, parametric bootstrap-t), with the minimum detectable effect;
- ``reform_effect``: the reform's overall ATT (Callaway-Sant'Anna, never-treated comparisons) with
  randomization inference over the districts' adoption assignments and the effective number of clusters.

Robustness and diagnostics: ``its`` and ``placebo_breaks`` (segmented regression), ``directive_dose``
(comparison inside the province by pre-Directive practice), ``att_gt``/``aggte``, ``event_study``,
``twfe``, ``honest_did`` (sensitivity to parallel-trends violations) and ``diagnostics``.
"""
from . import diagnostics, honest, randomization
from .did import AttGt, aggte, att_gt
from .directive import DirectiveResult, directive_effect, province_series
from .dose import directive_dose, directive_dose_sums, dose_panel, dose_panel_from_sums, dose_sums
from .event_study import event_study, twfe
from .honest import HonestInput, HonestResult, honest_did, honest_input
from .its import ItsResult, its, placebo_breaks
from .prepare import monthly_series, period_label, reform_panel
from .reform import DominanceWarning, ReformResult, reform_effect
from .results import Inference, PolicyError, PolicyResult

__all__ = ["AttGt", "DirectiveResult", "DominanceWarning", "HonestInput", "HonestResult", "Inference", "ItsResult",
           "PolicyError", "PolicyResult", "ReformResult", "aggte", "att_gt", "diagnostics", "directive_dose",
           "directive_dose_sums", "directive_effect", "dose_panel", "dose_panel_from_sums", "dose_sums",
           "event_study", "honest", "honest_did", "honest_input", "its", "monthly_series", "period_label",
           "placebo_breaks", "province_series", "randomization", "reform_effect", "reform_panel", "twfe"]
