"""Danger-word benchmark: precision and recall of knowledge/texts/safety.yml on the written
case set tests/data/safety_cases.yml, for each half and for the whole.

    .venv/bin/python bench/safety.py [--misses first|second|all]

A case is in the first (development) half when the first byte of the SHA-256 of its text is
even, in the second when odd; the set's header says how far the second half is still held out.
`--misses` lists the wrong answers of a half. To measure new wording honestly, write new cases
first, score them before changing any pattern, then add them to the set. Writes
bench/results/safety.json.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import machine, write_report  # noqa: E402
from knowledge.interview import safety  # noqa: E402

CASES = ROOT / "tests" / "data" / "safety_cases.yml"


def load_cases(path: Path = CASES) -> list[tuple[str, str | None, str]]:
    """(text, expected kind or None, register) for every case of the file."""
    out = []
    for kind, registers in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"].items():
        for register, texts in registers.items():
            out += [(t, None if kind == "none" else kind, register) for t in texts]
    return out


def half(text: str) -> int:
    """1 (development) or 2 (held out), by a fixed rule on the text alone."""
    return 1 + hashlib.sha256(text.encode("utf-8")).digest()[0] % 2


def score(cases: list[tuple[str, str | None, str]]) -> dict:
    """Danger is any kind; an emergency is any kind but `abuse` (it interrupts even the question
    about violence). Precision: of the cases taken for danger, how many are; recall: of the
    danger cases, how many are taken for it."""
    tp = fp = fn = tn = same_kind = emergency_as_abuse = 0
    for text, expected, _ in cases:
        got = safety.detect(text)
        if expected and got:
            tp += 1
            same_kind += got == expected
            emergency_as_abuse += expected != safety.ABUSE and got == safety.ABUSE
        elif got:
            fp += 1
        elif expected:
            fn += 1
        else:
            tn += 1
    return {"cases": len(cases), "danger": tp + fn, "near_misses": fp + tn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
            "false_alarms": fp, "missed": fn,
            "kind_accuracy": round(same_kind / tp, 3) if tp else 1.0,
            "emergency_taken_for_abuse": emergency_as_abuse}


def misses(cases) -> list[str]:
    out = []
    for text, expected, _ in cases:
        got = safety.detect(text)
        if (got is None) != (expected is None) or got != expected:
            out.append(f"{expected or 'none':>18} -> {got or 'none':<18} {text}")
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", choices=["first", "second", "all"])
    args = parser.parse_args()
    cases = load_cases()
    halves = {1: [c for c in cases if half(c[0]) == 1], 2: [c for c in cases if half(c[0]) == 2]}
    report = {"machine": machine(), "file": str(CASES.relative_to(ROOT)),
              "first_half": score(halves[1]), "second_half": score(halves[2]),
              "whole": score(cases),
              "dialect": score([c for c in cases if c[2] == "dialect"]),
              "standard": score([c for c in cases if c[2] == "standard"])}
    write_report("safety", report)
    show = {"first": halves[1], "second": halves[2], "all": cases}.get(args.misses or "")
    for line in misses(show or []):
        print(line)


if __name__ == "__main__":
    main()
