"""Policy evaluation: Directive 40 (interrupted time series) and staggered district reforms.

Which design answers which question, and what each assumes: docs/policy.md.
"""
from . import diagnostics
from .did import AttGt, aggte, att_gt
from .results import Inference, PolicyError, PolicyResult

__all__ = ["AttGt", "Inference", "PolicyError", "PolicyResult", "aggte", "att_gt", "diagnostics"]
