"""Facts every layer shares, stated once."""

from __future__ import annotations

SEED = 20211231  # the one seed: the synthetic sample and every resampling step (bootstrap, permutations)
LEVEL = 0.95  # confidence level of every interval the reports print
ALPHA = 1 - LEVEL
POWER = 0.80  # power at which minimum detectable effects are stated
TIDY_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")
