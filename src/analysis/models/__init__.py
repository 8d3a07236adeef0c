"""Models of overdue risk: estimators returning frozen results with ``.tidy()``.

See ``docs/methods.md`` for which estimator answers which question, and ``analysis.models.base``
for the one standard-error convention used by every estimator.
"""

from analysis.models.base import ModelError, ModelResult
from analysis.models.blocks import (
    BlockOlsResult,
    FeBlock,
    design_vcov,
    fe_block,
    fe_ols_blocks,
    precision_weights,
    reweighted,
)
from analysis.models.bootstrap import BootstrapResult, wild_cluster_bootstrap
from analysis.models.compare import compare
from analysis.models.glm import FractionalLogitResult, fractional_logit
from analysis.models.mixed import MixedResult, mixed_effects
from analysis.models.ordered import OrderedResult, ordered_logit
from analysis.models.panel import PanelResult, panel_ols, panel_poisson

__all__ = [
    "ModelError", "ModelResult", "FractionalLogitResult", "PanelResult", "MixedResult", "OrderedResult",
    "BootstrapResult", "fractional_logit", "panel_ols", "panel_poisson", "mixed_effects", "ordered_logit",
    "wild_cluster_bootstrap", "compare", "BlockOlsResult", "FeBlock", "design_vcov", "fe_block", "fe_ols_blocks",
    "precision_weights", "reweighted",
]
