"""A stand-in for ``analysis.results.report_inputs:prepare`` in runner tests: writes one shared number and
logs each call (to the file named by VBSP_TEST_PREPARE_LOG) so tests can count them."""

import json
import os
from pathlib import Path


def prepare(data_dir, out_dir, lang):
    Path(out_dir, "shared.json").write_text(json.dumps({"ratio": "0.42", "lang": lang}), encoding="utf-8")
    log = os.environ.get("VBSP_TEST_PREPARE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{data_dir}\n")


def broken(data_dir, out_dir, lang):
    Path(out_dir, "half.json").write_text("{", encoding="utf-8")
    raise RuntimeError("model fit did not converge")
