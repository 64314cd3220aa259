"""The words residents answer with and the hints to re-ask with (``knowledge/texts/parse.yml``),
read on first use, and the normal form answers are compared in."""
from __future__ import annotations

import functools
import re
import unicodedata

from ..content.library import get_knowledge

_PUNCT_RE = re.compile(r"[\s\u3000,.;:!?'\"`~()\[\]{}<>/\\|@#$%^&*_+=\-，。；：！？、…·「」『』《》〈〉（）【】“”‘’]+")


def _frozen(node):
    if isinstance(node, dict):
        return {k: _frozen(v) for k, v in node.items()}
    if isinstance(node, list):
        return tuple(node)
    return node


@functools.lru_cache(maxsize=1)
def words() -> dict:
    """``words`` of parse.yml, lists as tuples (ready for ``str.startswith``)."""
    return _frozen(get_knowledge().texts["parse"]["words"])


def hint(key: str, **values) -> str:
    """The re-ask hint ``hints.<key>`` of parse.yml, with ``{name}`` filled from ``values``."""
    text = get_knowledge().texts["parse"]["hints"][key]
    return text.format(**values) if values else text


def alternation(items) -> str:
    """A regex alternative of the words, the longest first."""
    return "|".join(sorted(map(re.escape, items), key=len, reverse=True))


def nfkc(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def compact(text) -> str:
    """NFKC, lower case, without whitespace and punctuation."""
    return _PUNCT_RE.sub("", nfkc(text).lower())


def squash(text) -> str:
    """Like :func:`compact` but keeps decimal points ("1.5年") and date separators ("2023.3.5")."""
    s = nfkc(text).lower()
    s = re.sub(r"(?<=\d)[.](?=\d)", "\x00", s)
    return _PUNCT_RE.sub("", s).replace("\x00", ".")


def is_unknown(text) -> bool:
    """'不知道', '不清楚', '跳过' and the like: the resident cannot or will not answer."""
    n = compact(text)
    w = words()
    return bool(n) and any(x in n for x in w["unknown"] + w["skip"])
