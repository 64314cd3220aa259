"""Safety first: detect words about violence, threats, self-harm or a person in danger
(``knowledge/texts/safety.yml``)."""
from __future__ import annotations

import functools
import re
import unicodedata

from ..content.library import get_knowledge

# violence spoken of in general or in the past: an answer to a question about violence
ABUSE = "abuse"


_WORD = re.compile(r"\{([a-z_]+)\}")


def expand(expr: str, words: dict[str, str]) -> str:
    """``{name}`` in an expression stands for the alternation ``words[name]`` (a list of people
    written once); regular-expression counts such as ``{0,4}`` are left alone."""
    return _WORD.sub(lambda m: f"(?:{words[m[1]]})", expr)


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(kind, one compiled alternation of the kind's expressions), in file order."""
    safety = get_knowledge().texts["safety"]
    words = safety.get("words") or {}
    return tuple((kind, re.compile("|".join(f"(?:{expand(e, words)})" for e in exprs)))
                 for kind, exprs in (safety.get("patterns") or {}).items())


def guidance() -> str:
    """What the robot says at once when someone may be in danger (110 / 12338 / protection order)."""
    return get_knowledge().texts.say("safety.guidance")


def just_in_case() -> str:
    """Said under an answer when only the NLU model, not the words, heard danger."""
    return get_knowledge().texts.say("safety.just_in_case")


def detect(text: str) -> str | None:
    """The kind of danger the text speaks of (violence, threat, confinement, self_harm, help,
    missing_or_neglect, sexual, or ``abuse`` for violence in general), or None."""
    text = unicodedata.normalize("NFKC", text or "")
    for kind, pattern in _patterns():
        if pattern.search(text):
            return kind
    return None
