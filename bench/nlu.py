"""NLU benchmark: Rasa's 5-fold cross-validation of the intent classifier and the entity
extractor on the whole training data (about 19 minutes on this 2-core machine, so it is a
benchmark, not a CI test; CI runs the fast smoke set of tests/test_rasa_quality.py).

    .venv/bin/python bench/nlu.py [--folds 5]

Writes bench/results/nlu_cross_validation.json (intent macro/weighted F1, accuracy, entity
macro-F1, per-intent F1) and prints it; exits 1 when intent macro-F1 is below the 0.90 target.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine, write_report

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
TARGET = 0.90


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    if not RASA.exists():
        print("bench/nlu.py: Rasa is not installed: run `make setup`", file=sys.stderr)
        return 2
    out = Path(tempfile.mkdtemp(prefix="nlu-cv-"))
    t0 = time.perf_counter()
    p = subprocess.run([str(RASA), "test", "nlu", "--config", "bot/config.yml", "--nlu", "bot/data",
                        "--cross-validation", "--folds", str(args.folds), "--out", str(out),
                        "--no-plot"], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if p.returncode != 0:
        print((p.stdout + p.stderr)[-3000:], file=sys.stderr)
        return 1
    # intent_report.json is the intents'; DIETClassifier_report.json is DIET's entity report
    intents = json.loads((out / "intent_report.json").read_text())
    entity_file = out / "DIETClassifier_report.json"
    entities = json.loads(entity_file.read_text()) if entity_file.exists() else {}
    report = {
        "machine": machine(),
        "folds": args.folds, "seconds": round(time.perf_counter() - t0),
        "intent_macro_f1": intents["macro avg"]["f1-score"],
        "intent_weighted_f1": intents["weighted avg"]["f1-score"],
        "intent_accuracy": intents.get("accuracy"),
        "entity_macro_f1": (entities.get("macro avg") or {}).get("f1-score"),
        "per_intent_f1": {k: v["f1-score"] for k, v in intents.items() if isinstance(v, dict)
                          and k not in ("macro avg", "weighted avg", "micro avg")},
    }
    write_report("nlu_cross_validation", report)
    return 0 if report["intent_macro_f1"] >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
