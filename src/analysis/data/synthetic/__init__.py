"""The synthetic worlds, apart from reading, importing and validating users' data.

- the province (the embedded default data, ``data/sample``): ``province`` (``generate``,
  ``write_sample``, ``calibration_table``), its simulation ``world``, its design ``design`` (the
  calibration targets and the known truth) and its ``truth``;
- the country (``country``: 63 provinces, 2012-01 to 2026-10, the 1 July 2025 reorganisation);
- the units they use: ``geography`` (Sóc Trăng from the registry) and ``provinces`` (the provinces
  from the registry, plus regions);
- ``cli``: the ``synth`` command.

Everything here is synthetic and marked so on every output; the real units come from
``analysis.data.registry``.
"""

from __future__ import annotations

from analysis.data.synthetic.design import DEFAULT_SEED, SNAPSHOT_MONTH
from analysis.data.synthetic.province import SynthData, calibration_table, content_hash, generate, write_sample

__all__ = ["DEFAULT_SEED", "SNAPSHOT_MONTH", "SynthData", "calibration_table", "content_hash", "generate",
           "write_sample"]
