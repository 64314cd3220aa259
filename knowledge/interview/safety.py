"""Safety first: detect words about violence, threats, self-harm or a person in danger."""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import yaml

from ..content.loader import tidy


DEFAULT = Path(__file__).resolve().parent.parent / "texts" / "safety.yml"


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


@functools.lru_cache(maxsize=4)
def _patterns(path: str) -> tuple[tuple[str, re.Pattern], ...]:
    """(kind, one compiled alternation of the kind's expressions), in file order."""
    out = []
    for kind, exprs in (_load(path).get("patterns") or {}).items():
        out.append((kind, re.compile("|".join(f"(?:{e})" for e in exprs))))
    return tuple(out)


def guidance(path: Path | None = None) -> str:
    """What the robot says at once when someone may be in danger (110 / 12338 / protection order)."""
    return tidy(_load(str(path or DEFAULT))["guidance"])


# violence spoken of in general or in the past: an answer to a question about violence
ABUSE = "abuse"


def detect(text: str, path: Path | None = None) -> str | None:
    """The kind of danger the text speaks of (violence, threat, confinement, self_harm, help,
    missing_or_neglect, sexual, or ``abuse`` for violence in general), or None."""
    text = unicodedata.normalize("NFKC", text or "")
    for kind, pattern in _patterns(str(path or DEFAULT)):
        if pattern.search(text):
            return kind
    return None
