"""Rasa's own quality checks, run by CI: data validation, a fast NLU smoke set of unseen phrasings
through the trained model, and the test stories with --fail-on-prediction-errors. The 5-fold
cross-validation (about 19 minutes) is a benchmark: bench/nlu.py."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "data" / "models" / "legalbot.tar.gz"
SMOKE = ROOT / "bot" / "tests" / "nlu_smoke.yml"
SMOKE_FLOOR = 0.85
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not RASA.exists(), reason="Rasa virtualenv not installed")]


def rasa(*args, timeout=1800):
    return subprocess.run([str(RASA), *args], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def test_rasa_data_validate_is_clean():
    p = rasa("data", "validate", "--config", "bot/config.yml", "--domain", "bot/domain.yml",
             "--data", "bot/data", "--fail-on-warnings")
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]


def _nlu_examples(path: Path) -> dict[str, str]:
    """{example text: intent}, entity markup removed."""
    out = {}
    for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        for line in (item.get("examples") or "").splitlines():
            text = re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", line.strip()[2:])
            if text:
                out[text] = item.get("intent")
    return out


def test_the_smoke_set_is_unseen_and_covers_every_intent():
    smoke = _nlu_examples(SMOKE)
    training = {}
    for path in sorted((ROOT / "bot" / "data").rglob("*.yml")):
        training.update(_nlu_examples(path))
    assert not set(smoke) & set(training), "the smoke set must not repeat training examples"
    assert set(smoke.values()) == {i for i in training.values() if i}


def test_nlu_smoke_set_with_the_trained_model(tmp_path):
    """Unseen resident phrasings through the trained model (the full cross-validation is
    bench/nlu.py). Measured 2026-12-05: see README "Dialogue quality"."""
    assert MODEL.exists(), "run `legalbot build` first"
    out = tmp_path / "nlu"
    p = rasa("test", "nlu", "--model", str(MODEL), "--nlu", str(SMOKE), "--out", str(out),
             "--no-plot", timeout=600)
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    report = json.loads((out / "intent_report.json").read_text())
    assert report["accuracy"] >= SMOKE_FLOOR, f"intent accuracy {report['accuracy']:.3f} on unseen phrasings"


def test_stories_with_fail_on_prediction_errors(tmp_path):
    assert MODEL.exists(), "run `legalbot build` first"
    p = rasa("test", "core", "--model", str(MODEL), "--stories", "bot/tests",
             "--fail-on-prediction-errors", "--out", str(tmp_path / "core"), "--no-plot")
    assert p.returncode == 0, (p.stdout + p.stderr)[-4000:]
