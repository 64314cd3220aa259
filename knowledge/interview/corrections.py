"""Answers that are not plain answers: a correction of an earlier one ("不对，是三个月") and a
question of the resident's own ("这个怎么算？")."""
from __future__ import annotations

import re

from .choices import choice_keys
from .vocabulary import compact, is_unknown, nfkc, words

_SEPARATORS = " \t\u3000，,：:。.；;！!、～~-—"


def _strip_leads(rest: str, marker: str) -> str:
    """Drop further markers and leads ("说错了，应该是6000" -> "6000"); an ambiguous marker
    ("不是") only when it is the marker the answer began with."""
    w = words()
    changed = True
    while changed:
        changed = False
        stripped = rest.lstrip(_SEPARATORS)
        for m in w["correction_markers"] + w["correction_leads"]:
            if stripped.startswith(m) and (m not in w["ambiguous_markers"] or m == marker):
                stripped = stripped[len(m):]
                changed = True
                break
        rest = stripped
    return rest


def correction(text) -> str | None:
    """If the answer corrects an earlier one ("不对，是三个月", "说错了应该是6000"), the new answer
    ("三个月", "6000"); otherwise None. A bare "不是"/"不对" is not a correction (it can be a
    plain "no"); another bare marker ("说错了") gives ""."""
    w = words()
    s = nfkc(text)
    s = s.lstrip(_SEPARATORS)
    while s.startswith(w["fillers"]):
        s = s[1:].lstrip(_SEPARATORS)
    marker = next((m for m in w["correction_markers"] if s.startswith(m)), None)
    if marker is None:
        return None
    rest = s[len(marker):]
    ambiguous = marker in w["ambiguous_markers"]
    if ambiguous:
        if is_unknown(s):
            return None
        rest = rest.lstrip(w["marker_particles"])
        if rest.startswith(w["plain_answer_after"]):
            return None              # "不是很多", "不是我的责任": an answer, not a correction
    direct = bool(rest) and rest[0] not in _SEPARATORS
    # "不是三个月是五个月", "不对三个月，五个月": the part after the last 是 / separator
    if ambiguous and direct and not rest.startswith(w["correction_goes_on"]):
        parts = re.split(r"[，,；;]|是", rest)
        if len(parts) > 1:
            rest = parts[-1]
    rest = _strip_leads(rest, marker).strip(_SEPARATORS)
    if rest.strip(w["empty_particles"]) == "":
        return None if ambiguous else ""
    return rest


def looks_like_question(text, fact=None) -> bool:
    """True when the resident asked a question instead of answering: a question mark, or a
    question word (怎么, 什么, 为什么, 吗, 多少钱, 能不能, 可不可以, 哪里, 谁 ...) in a text of more
    than 5 characters. A bare number with a question mark ("6000？") is an unsure answer; with a
    choice ``fact``, naming one of its choices exactly is an answer."""
    t = nfkc(text)
    body = compact(t)
    if not body:
        return False
    if fact is not None and getattr(fact, "type", None) == "choice":
        # an answer naming a choice exactly ("什么都吵") is an answer
        if any(body in choice_keys(ch) for ch in fact.choices or []):
            return False
    if "?" in t:
        # "6000?" is an unsure answer, not a question
        return not re.fullmatch(r"[0-9.,万千百十元块]+", body)
    w = words()
    cleaned = body
    for x in w["not_question"]:
        cleaned = cleaned.replace(x, "")
    return len(body) > 5 and any(x in cleaned for x in w["question_words"])
