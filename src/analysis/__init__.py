"""Evidence suite for VBSP social-policy credit through savings-and-loan groups (Tổ TK&VV).

Modules (topic-named, one test module each):

- ``paths``: every path the project uses, in one place.
- ``atomic``: atomic file writes (outputs are never half-written).
- ``data.registry``: Viet Nam's official units before and after 1 July 2025.
- ``data.io`` / ``data.schema``: read CSV/Excel/Parquet exports and validate them against the data contract.
- ``data.synthetic``: the synthetic worlds: the calibrated province (the embedded default data) and the
  country, with their known truth.
- ``indicators``: overdue ratios, weak-group share, meeting compliance, supervision coverage.
- ``models``: fractional logit, panel fixed effects, mixed model, ordered logit, wild bootstrap.
- ``policy``: interrupted time series and staggered difference-in-differences.
- ``plots``, ``narrative``: figures and numbers-in-prose for the notebooks.
- ``runner``: executes the notebooks with papermill, writes HTML/PDF and a manifest.
"""

__version__ = "0.1.0"
