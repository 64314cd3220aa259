"""Plain explanations for a resident who, in the middle of the questions, asks what a word
means ("啥叫鉴定") or says the question is not clear ("我看不懂"): ``knowledge/texts/glossary.yml``."""
from __future__ import annotations

from ..content.library import get_knowledge
from .vocabulary import compact, is_unknown


def _glossary() -> dict:
    return get_knowledge().texts["glossary"]


def _names() -> list[tuple[str, str]]:
    """(a word residents write, the term it means), the longest words first."""
    out = []
    for term, entry in _glossary()["terms"].items():
        for name in [term, *(entry.get("also") or [])]:
            out.append((str(name), term))
    return sorted(out, key=lambda x: len(x[0]), reverse=True)


def terms_in(text: str) -> list[str]:
    """The terms a text names, in the order they appear, each once (a longer word wins over
    the shorter one inside it: 劳动能力鉴定, not 鉴定)."""
    s = compact(text)
    found: list[tuple[int, str]] = []
    taken = [False] * len(s)
    for name, term in _names():
        start = s.find(compact(name))
        while start >= 0:
            end = start + len(compact(name))
            if not any(taken[start:end]):
                found.append((start, term))
                for i in range(start, end):
                    taken[i] = True
            start = s.find(compact(name), end)
    seen: list[str] = []
    for _, term in sorted(found):
        if term not in seen:
            seen.append(term)
    return seen


def asks_meaning(text: str) -> bool:
    """True when the text asks what something means or says it is not understood."""
    s = compact(text)
    g = _glossary()
    if any(compact(w) in s for w in g["not_understood"]):
        return True
    return not is_unknown(text) and any(compact(w) in s for w in g["asks"])


def term_text(term: str) -> str:
    g = _glossary()
    return g["intro"].format(term=term) + g["terms"][term]["explain"]


def explain(text: str, question: str = "", help_text: str = "", limit: int = 2) -> str | None:
    """The explanation for ``text`` asked while ``question`` was open; None when the text does
    not ask what something means. A word named in the text is explained; without one, the
    question is said again in other words with the words of it that need explaining."""
    if not asks_meaning(text):
        return None
    named = terms_in(text)
    if named:
        return "\n".join(term_text(t) for t in named[:limit])
    g = _glossary()
    lines = [g["question_help"].format(question=question.strip(),
                                       help=f"（{help_text.strip()}）" if help_text else "")]
    lines += [term_text(t) for t in terms_in(question)[:limit]]
    return "\n".join(lines)
