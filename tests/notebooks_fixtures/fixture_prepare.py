"""Stand-ins for ``analysis.results.prepare:prepare`` in runner tests: ``prepare`` writes one shared
number and logs each call (to the file named by VBSP_TEST_PREPARE_LOG) so tests can count them;
``broken`` raises; ``aborts`` dies like a Rust panic in a native library (SIGABRT in ``fit_models``)."""

import json
import os
import resource
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


def aborts(data_dir, out_dir, lang):
    Path(out_dir, "indicators.json").write_text("{}", encoding="utf-8")
    fit_models()


def fit_models():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file from the abort
    os.abort()
