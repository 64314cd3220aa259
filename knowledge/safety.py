"""Safety first: detect words about violence, threats, self-harm or a person in danger."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml


@functools.lru_cache(maxsize=4)
def _patterns(path: str) -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {kind: tuple(words) for kind, words in (data.get("patterns") or {}).items()}


def detect(text: str, path: Path | None = None) -> str | None:
    """The kind of danger the text speaks of (violence, threat, self_harm, danger), or None."""
    pats = _patterns(str(path or Path(__file__).with_name("safety.yml")))
    for kind, words in pats.items():
        if any(w in text for w in words):
            return kind
    return None
