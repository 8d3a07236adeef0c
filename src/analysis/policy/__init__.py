"""Policy evaluation: Directive 40 (interrupted time series) and staggered district reforms.

Which design answers which question, and what each assumes: docs/policy.md.
"""
from . import diagnostics
from .did import AttGt, aggte, att_gt
from .event_study import event_study, twfe
from . import honest
from .honest import HonestInput, HonestResult, honest_did, honest_input
from .its import ItsResult, its, placebo_breaks
from .prepare import monthly_series, period_label, reform_panel
from .results import Inference, PolicyError, PolicyResult

__all__ = ["AttGt", "Inference", "ItsResult", "PolicyError", "PolicyResult", "aggte", "att_gt", "diagnostics",
           "event_study", "its", "monthly_series", "period_label", "placebo_breaks", "reform_panel", "twfe"]
__all__ += ["HonestInput", "HonestResult", "honest", "honest_did", "honest_input"]
