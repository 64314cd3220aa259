"""Gathering a case type's facts one question at a time, in the resident's own words.

Pure logic (no Rasa): which fact to ask next, how an answer is understood (a value, a
correction of an earlier answer, a question of the resident's own, a wish to stop), and the
question text with its buttons. The facts are kept JSON-friendly (dates as ISO strings) so they
can live in a Rasa slot; ``None`` marks an optional fact the resident did not know.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..content import expr
from ..content.cases import CaseType, Fact
from ..content.library import get_knowledge
from . import answers, corrections, safety


def words() -> dict:
    """What the robot says around the case questions (``knowledge/texts/dialogue.yml``)."""
    return get_knowledge().texts["dialogue"]


@dataclass
class Turn:
    """What became of one answer."""
    kind: str  # answered | corrected | question | invalid | cancel | handoff | danger
    facts: dict
    message: str | None = None
    fact: str | None = None
    extra: dict = field(default_factory=dict)


def applicable(case: CaseType, facts: dict) -> list[Fact]:
    """Facts that apply given the answers so far, in order (computed facts excluded)."""
    out = []
    for f in case.facts:
        if str(f.ask_if).strip() == "False":
            continue
        if expr.evaluate(f.ask_if, {k: v for k, v in facts.items() if v is not None}):
            out.append(f)
    return out


def next_fact(case: CaseType, facts: dict) -> Fact | None:
    return next((f for f in applicable(case, facts) if f.key not in facts), None)


def question(case: CaseType, fact: Fact, facts: dict) -> tuple[str, list[dict]]:
    """The question as the resident reads it, and quick-reply buttons."""
    w = words()
    n = sum(1 for f in applicable(case, facts) if f.key in facts) + 1
    text = f"{w['progress'].format(n=n)}{fact.question}"
    if fact.help:
        text += f"\n（{fact.help}）"
    buttons: list[dict] = []
    if fact.type == "choice":
        buttons = [{"title": c.get("label", str(c["value"])), "payload": c.get("label", str(c["value"]))}
                   for c in fact.choices]
    elif fact.type == "boolean":
        buttons = [{"title": w["yes_button"], "payload": w["yes_button"]},
                   {"title": w["no_button"], "payload": w["no_button"]}]
    if not fact.required:
        buttons.append({"title": w["unknown_button"], "payload": w["unknown_button"]})
    buttons.append({"title": w["cancel_button"], "payload": w["cancel_button"]})
    return text, buttons


def show(fact: Fact, value) -> str:
    if value is None:
        return "不知道"
    if fact.type == "choice":
        return next((c.get("label", str(value)) for c in fact.choices if c["value"] == value), str(value))
    if fact.type == "boolean":
        return "是" if value else "否"
    return str(value)


def _parse(fact: Fact, text: str, today: dt.date):
    value = answers.parse_answer(fact, text, today)
    return value.isoformat() if isinstance(value, dt.date) else value


def handle(case: CaseType, facts: dict, text: str, *, today: dt.date | None = None,
           asked: str | None = None) -> Turn:
    """Understand ``text`` as the answer to the current question (``asked``, default: the next)."""
    today = today or dt.date.today()
    facts = dict(facts)
    text = (text or "").strip()
    w = words()
    current = case.fact(asked) if asked else next_fact(case, facts)
    danger = safety.detect(text)
    if danger and not (danger == safety.ABUSE and current is not None and current.about_violence):
        return Turn("danger", facts)
    if _says_stop(text, w):
        return Turn("cancel", facts, w["cancelled"])
    if _bare(text) in w["handoff_words"]:
        return Turn("handoff", facts)
    if current is None:
        return Turn("answered", facts)
    named = _named_correction(case, facts, current, text)
    if named is not None:
        f, rest = named
        try:
            value = _parse(f, rest, today)
        except answers.ParseError as exc:
            return Turn("invalid", facts, str(exc), fact=current.key)
        return _apply_correction(case, facts, current, f, value)
    rest = corrections.correction(text)
    if rest:
        # a correction of the current question, or of an earlier answer (latest first)
        for f in [current] + [f for f in reversed(applicable(case, facts)) if f.key in facts]:
            try:
                value = _parse(f, rest, today)
            except answers.ParseError:
                continue
            return _apply_correction(case, facts, current, f, value)
        return Turn("invalid", facts, w["correction_not_understood"], fact=current.key)
    try:
        value = _parse(current, text, today)
    except answers.ParseError as exc:
        if corrections.looks_like_question(text):
            return Turn("question", facts, fact=current.key)
        return Turn("invalid", facts, str(exc), fact=current.key)
    facts[current.key] = value
    return Turn("answered", facts, fact=current.key)


def _bare(text: str) -> str:
    return re.sub(r"[\s，,。.!！？?~～、…]+", "", text)


def _says_stop(text: str, w: dict) -> bool:
    """算了 / 算了吧 / 算了，不问了 / 换个问题: the resident wants to stop this case."""
    bare = _bare(text)
    for word in w["cancel_words"]:
        if bare.startswith(word):
            rest = bare[len(word):]
            while rest:
                tail = next((t for t in w["cancel_tails"] + w["cancel_words"]
                             if rest.startswith(t)), None)
                if tail is None:
                    break
                rest = rest[len(tail):]
            if not rest:
                return True
    return False


def _apply_correction(case: CaseType, facts: dict, current: Fact, f: Fact, value) -> Turn:
    facts = {**facts, f.key: value}
    # answers to questions that no longer apply are dropped
    keep = {x.key for x in applicable(case, facts)}
    facts = {k: v for k, v in facts.items() if k in keep}
    if f.key == current.key:
        return Turn("answered", facts, fact=f.key)
    return Turn("corrected", facts, words()["corrected"].format(question=f.question.rstrip("？?"),
                                                                value=show(f, value)), fact=f.key)


def _named_correction(case: CaseType, facts: dict, current: Fact, text: str):
    """"工资说错了，是七千", "不对，入职时间是2019年3月": (the fact named, its new answer), when the
    text corrects an answer given (or the question being asked) and names it; otherwise None."""
    best: tuple[Fact, str] | None = None
    for f in applicable(case, facts):
        if f.key not in facts and f.key != current.key:
            continue
        for name in f.names:
            if name in text and (best is None or len(name) > len(best[1])):
                best = (f, name)
    if best is None:
        return None
    f, name = best
    start = text.index(name)
    rest = corrections.correction((text[:start] + "，" + text[start + len(name):].lstrip("的")).strip("，"))
    return (f, rest) if rest else None


def typed_facts(facts: dict) -> dict:
    """The facts for the analysis: unknown optional answers left out."""
    return {k: v for k, v in facts.items() if v is not None}
