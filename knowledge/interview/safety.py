"""Safety first: detect words about violence, threats, self-harm or a person in danger
(``knowledge/texts/safety.yml``)."""
from __future__ import annotations

import functools
import re
import unicodedata

from ..content.library import get_knowledge

# violence spoken of in general or in the past: an answer to a question about violence
ABUSE = "abuse"


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(kind, one compiled alternation of the kind's expressions), in file order."""
    kinds = get_knowledge().texts["safety"].get("patterns") or {}
    return tuple((kind, re.compile("|".join(f"(?:{e})" for e in exprs)))
                 for kind, exprs in kinds.items())


def guidance() -> str:
    """What the robot says at once when someone may be in danger (110 / 12338 / protection order)."""
    return get_knowledge().texts.say("safety.guidance")


def detect(text: str) -> str | None:
    """The kind of danger the text speaks of (violence, threat, confinement, self_harm, help,
    missing_or_neglect, sexual, or ``abuse`` for violence in general), or None."""
    text = unicodedata.normalize("NFKC", text or "")
    for kind, pattern in _patterns():
        if pattern.search(text):
            return kind
    return None
