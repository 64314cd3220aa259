"""Safety first: detect words about violence, threats, self-harm or a person in danger."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml


DEFAULT = Path(__file__).with_name("safety.yml")


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def _patterns(path: str) -> dict[str, tuple[str, ...]]:
    return {kind: tuple(words) for kind, words in (_load(path).get("patterns") or {}).items()}


def guidance(path: Path | None = None) -> str:
    """What the robot says at once when someone may be in danger (110 / 12338 / protection order)."""
    from .loader import tidy

    return tidy(_load(str(path or DEFAULT))["guidance"])


def detect(text: str, path: Path | None = None) -> str | None:
    """The kind of danger the text speaks of (violence, threat, self_harm, danger), or None."""
    pats = _patterns(str(path or DEFAULT))
    for kind, words in pats.items():
        if any(w in text for w in words):
            return kind
    return None
