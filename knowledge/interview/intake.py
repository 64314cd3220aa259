"""Free text outside the questions: which case type a resident's story fits ("老板把我开了能赔
多少" -> unlawful_dismissal) and the facts it already gives ("工资六千" -> monthly_wage 6000),
so that the offer to analyse starts with them filled in (``knowledge/texts/intake.yml``)."""
from __future__ import annotations

import datetime as dt
import re

from ..content.cases import CaseType
from ..content.library import get_knowledge
from . import answers
from .choices import match_choice
from .vocabulary import compact

_STOP = re.compile(r"[，,。.；;！!？?\n]")
_AMOUNT = re.compile(r"\d|[二三四五六七八九十百千万两]")


def _intake() -> dict:
    return get_knowledge().texts["intake"]


def suggest(text: str, case_types: dict, fallback: str | None = None) -> str | None:
    """The case type the words fit best (the longest word matched, then the most matched
    characters), else ``fallback``."""
    fits = suggest_all(text, case_types)
    return fits[0] if fits else (fallback if fallback in case_types else None)


def suggest_all(text: str, case_types: dict) -> list[str]:
    """Every case type the words fit, best first: "被公司开了，还欠俺两个月工资" is a dismissal
    and unpaid wages."""
    s = compact(text)
    scored = []
    for case_id, phrases in _intake()["phrases"].items():
        if case_id not in case_types:
            continue
        found = [len(p) for p in phrases if compact(p) in s]
        if found:   # the most specific words first (撞了就跑)
            scored.append(((max(found), sum(found)), case_id))
    return [case_id for _, case_id in sorted(scored, key=lambda x: x[0], reverse=True)]


def second_offer(text: str, case_types: dict) -> str | None:
    """A second case type the story fits and the first does not cover, to offer as well."""
    fits = suggest_all(text, case_types)
    skips = (_intake().get("second_offer_skips") or {}).get(fits[0], []) if fits else []
    return next((c for c in fits[1:] if c not in skips), None)


def _strip(s: str, words: list[str], *, leading: bool) -> str:
    """``s`` without the ``words`` (only at its start when ``leading``), longest words first."""
    ordered = sorted((compact(w) for w in words), key=len, reverse=True)
    changed = True
    while changed and s:
        changed = False
        for w in ordered:
            if w and (s.startswith(w) if leading else w in s):
                s = s[len(w):] if leading else s.replace(w, "")
                changed = True
                break
    return s


def after_greeting(text: str) -> str | None:
    """The story after an opening greeting ("你好，我想问一下，我老公要跟我离婚…" -> the story),
    or None when the message is only a greeting (or too little else to be a question)."""
    w = _intake()
    parts = [compact(p) for p in _STOP.split(text or "")]
    rest = _strip("".join(p for p in parts if p), w["greeting_words"], leading=True)
    if len(rest) < int(w["greeting_rest_min"]):
        return None
    # keep the resident's own punctuation: drop the opening pieces that were only a greeting
    pieces = [p for p in re.split(r"(?<=[，,。.；;！!？?\n\s])", text) if p]
    while pieces and not _strip(compact(pieces[0]), w["greeting_words"], leading=True):
        pieces.pop(0)
    return "".join(pieces).strip() or rest


def only_asks_to_start(text: str) -> bool:
    """"帮我算算" / "帮我分析一下我的情况": words that only ask to start an analysis, nothing
    else said (so the case type offered, or being discussed, is the one meant)."""
    w = _intake()
    return len(_strip(compact(text), w["start_words"], leading=False)) <= int(w["start_rest_max"])


def prefill(case: CaseType, text: str, today: dt.date | None = None) -> dict:
    """Facts the text states plainly: a fact named with its value after it ("工资六千",
    "入职是2019年3月"), and a choice whose words the text uses ("没理由就让我走了").
    Values said roughly are kept too; the read-back before the analysis shows every one."""
    today = today or dt.date.today()
    out: dict = {}
    leads = sorted(_intake()["fact_leads"], key=len, reverse=True)
    # "俺俩都同意": agreeing to divorce, not "nothing in dispute" as it is when a choice is asked
    story = _strip(compact(text), _intake()["not_choices_in_stories"], leading=False)
    for f in case.facts:
        if f.type == "choice":
            value, status = match_choice(f, story)
            if status == "ok" and any(compact(s) in story for c in f.choices
                                      for s in c.get("synonyms") or []):
                out[f.key] = value
            continue
        if f.type not in ("money", "date", "number", "integer", "age", "grade"):
            continue
        for name in sorted(f.names, key=len, reverse=True):
            at = text.find(name)
            if at < 0:
                continue
            piece = _STOP.split(text[at + len(name):], maxsplit=1)[0].lstrip("的：: ")
            for lead in leads:
                if piece.startswith(lead) and f.type != "date":
                    piece = piece[len(lead):]
                    break
            if not piece.strip() or (f.type != "date" and not _AMOUNT.search(piece)):
                continue  # "工资一直拖着": no amount (a lone 一 is not one)
            try:
                value = answers.parse_answer(f, piece, today)
            except answers.ParseError:
                continue
            if value is not None:
                out[f.key] = value.isoformat() if isinstance(value, dt.date) else value
                break
    return out
