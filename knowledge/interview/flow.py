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
from . import answers, corrections, glossary, readback, safety
from .vocabulary import is_unknown

# the required question the resident said "不知道" to once (the next "不知道" settles it), and
# the facts taken as assumed after two (each with its caveat in the analysis)
UNKNOWN, ASSUMED = "_unknown", readback.ASSUMED


def words() -> dict:
    """What the robot says around the case questions (``knowledge/texts/dialogue.yml``)."""
    return get_knowledge().texts["dialogue"]


@dataclass
class Turn:
    """What became of one answer."""
    # answered | confirm (read back first) | corrected | explained | question | invalid | cancel
    # | handoff | danger
    kind: str
    facts: dict
    message: str | None = None
    fact: str | None = None
    extra: dict = field(default_factory=dict)


def applicable(case: CaseType, facts: dict) -> list[Fact]:
    """Facts that apply given the answers so far, in order (computed facts excluded)."""
    out = []
    shown_not_asked = words()["standard_facts"]
    for f in case.facts:
        if str(f.ask_if).strip() == "False" or f.key in shown_not_asked:
            continue
        if expr.evaluate(f.ask_if, {k: v for k, v in facts.items() if v is not None}):
            out.append(f)
    return out


def next_fact(case: CaseType, facts: dict) -> Fact | None:
    return next((f for f in applicable(case, facts) if f.key not in facts), None)


def complete(case: CaseType, facts: dict) -> bool:
    """Every question answered, nothing waiting to be read back, and the summary confirmed."""
    return (next_fact(case, facts) is None and readback.PENDING not in facts
            and bool(facts.get(readback.CONFIRMED)))


def prompt(case: CaseType, facts: dict, *, today: dt.date | None = None,
           region: str = "") -> tuple[str, str, list[dict]] | None:
    """What to ask next: (the fact key, or "_pending" / "_summary", the text, its buttons);
    None when the case is complete."""
    today = today or dt.date.today()
    pending = facts.get(readback.PENDING)
    if pending:
        text, buttons = readback.confirm_prompt(case.fact(pending["key"]), pending, today)
        return readback.PENDING, text, buttons
    fact = next_fact(case, facts)
    if fact is not None:
        text, buttons = question(case, fact, facts)
        return fact.key, text, buttons
    if facts.get(readback.CONFIRMED):
        return None
    text, buttons = readback.summary(case, facts, applicable(case, facts), region)
    return "_summary", text, buttons


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
    if not fact.required or fact.unknown:
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
    said_unknown = facts.pop(UNKNOWN, None)
    text = (text or "").strip()
    w = words()
    pending = facts.get(readback.PENDING)
    keys = {f.key for f in case.facts}
    if pending:
        current = case.fact(pending["key"])
    elif asked in keys and asked not in facts:
        current = case.fact(asked)
    else:
        current = next_fact(case, facts)
    danger = safety.detect(text)
    if danger and not (danger == safety.ABUSE and current is not None and current.about_violence):
        return Turn("danger", facts)
    if _says_stop(text, w):
        return Turn("cancel", facts, w["cancelled"])
    if _bare(text) in w["handoff_words"]:
        return Turn("handoff", facts)
    if current is None:
        return _summary_reply(case, facts, text, today)
    explained = glossary.explain(text, current.question, current.help or "")
    if explained:
        return Turn("explained", facts, explained, fact=current.key)
    if pending:
        facts.pop(readback.PENDING)
        if readback.is_yes(text):
            facts[current.key] = pending["value"]
            return Turn("answered", facts, fact=current.key)
        if readback.is_change(text):
            return Turn("invalid", facts, w["confirm_again"], fact=current.key)
        text = corrections.correction(text) or text
    if danger == safety.ABUSE and current.about_violence and current.type == "boolean" \
            and answers.parse_boolean(text) is None:
        # "他老揍俺" to "has your spouse been violent": yes, with the emergency number said
        facts[current.key] = True
        return Turn("answered", facts, w["violence_taken"], fact=current.key)
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
        if current.required and is_unknown(text):
            return _unknown(case, facts, current, said_unknown == current.key, str(exc))
        # "工资是6600" while another question is open: a change of an answer already given
        change = readback.find_change(case, facts, applicable(case, facts), text, today)
        if change is not None and change[0].key != current.key:
            return _apply_correction(case, facts, current, *change)
        if corrections.looks_like_question(text):
            return Turn("question", facts, fact=current.key)
        return Turn("invalid", facts, str(exc), fact=current.key)
    if readback.needs_confirm(current, text, value):
        facts[readback.PENDING] = {"key": current.key, "value": value, "said": text[:40]}
        return Turn("confirm", facts, fact=current.key)
    facts[current.key] = value
    return Turn("answered", facts, fact=current.key)


def _unknown(case: CaseType, facts: dict, current: Fact, again: bool, hint: str) -> Turn:
    """"不知道" to a required question. The first time: how to find out, and what a second
    "不知道" will do. The second time: the value the case type assumes, with a caveat in the
    analysis; or, where nothing can honestly be assumed, the questions stop (facts kept)."""
    w = words()
    rule = current.unknown
    assume = "assume" in rule
    if not again:
        how = rule.get("how") or (hint if not assume else "")
        then = w["unknown_then_assume"].format(value=show(current, rule["assume"])) if assume \
            else w["unknown_then_stop"]
        return Turn("invalid", {**facts, UNKNOWN: current.key}, f"{how}{then}", fact=current.key)
    if assume:
        facts[current.key] = rule["assume"]
        facts[ASSUMED] = [k for k in facts.get(ASSUMED, []) if k != current.key] + [current.key]
        return Turn("answered", facts, w["unknown_assumed"].format(
            value=show(current, rule["assume"])), fact=current.key)
    return Turn("unknown_stop", facts, w["unknown_stop"].format(question=readback.label(current)),
                fact=current.key)


def caveats(case: CaseType, facts: dict) -> list[str]:
    """What the analysis must say about the answers assumed after "不知道"."""
    out = []
    for key in facts.get(ASSUMED, []):
        f = case.fact(key)
        if f is not None and f.unknown.get("caveat") and facts.get(key) == f.unknown.get("assume"):
            out.append(f.unknown["caveat"])
    return out


def _summary_reply(case: CaseType, facts: dict, text: str, today: dt.date) -> Turn:
    """The answer to the read-back of all facts: 对, 要改, or the change itself."""
    w = words()
    change = readback.find_change(case, facts, applicable(case, facts), text, today)
    if change is not None:
        f, value = change
        return _apply_correction(case, facts, None, f, value)
    if readback.is_yes(text):
        return Turn("answered", {**facts, readback.CONFIRMED: True})
    if readback.is_change(text):
        return Turn("invalid", facts, w["summary_what"])
    explained = glossary.explain(text)
    if explained:
        return Turn("explained", facts, explained)
    if corrections.looks_like_question(text):
        return Turn("question", facts)
    return Turn("invalid", facts, w["summary_not_understood"])


def change_after(case: CaseType, facts: dict, text: str, *, today: dt.date | None = None):
    """After the analysis: "不对，工资是6500" -> (the facts with the change, the fact, its new
    value), or None when the text changes no fact of this case."""
    today = today or dt.date.today()
    change = readback.find_change(case, facts, applicable(case, facts), text, today)
    if change is None:
        return None
    f, value = change
    new = _kept(case, _said(facts, f.key, value), {readback.CONFIRMED})
    return new, f, value


def _said(facts: dict, key: str, value) -> dict:
    """The facts with ``key`` answered by the resident (no longer assumed after "不知道")."""
    facts = {**facts, key: value}
    if key in facts.get(ASSUMED, []):
        facts[ASSUMED] = [k for k in facts[ASSUMED] if k != key]
    return facts


def _kept(case: CaseType, facts: dict, marks: set) -> dict:
    """Answers to questions that still apply (after a change), the ``marks`` and the assumptions."""
    keep = {x.key for x in applicable(case, facts)}
    out = {k: v for k, v in facts.items() if k in keep | marks}
    assumed = [k for k in facts.get(ASSUMED, []) if k in keep]
    if assumed:
        out[ASSUMED] = assumed
    return out


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


def _apply_correction(case: CaseType, facts: dict, current: Fact | None, f: Fact, value) -> Turn:
    # answers to questions that no longer apply are dropped; the read-back is shown again
    facts = _kept(case, _said(facts, f.key, value), set())
    if current is not None and f.key == current.key:
        return Turn("answered", facts, fact=f.key)
    return Turn("corrected", facts, words()["corrected"].format(question=readback.label(f),
                                                                value=readback.show(f, value)),
                fact=f.key)


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


def analyse(case: CaseType, facts: dict, *, region: str = ""):
    """The analysis of the facts gathered (``knowledge.analysis.engine.analyze``), with a caveat
    first among its uncertainties for each answer assumed after "不知道"."""
    from ..analysis.engine import analyze

    result = analyze(case, typed_facts(facts), region=region)
    result.uncertainties = caveats(case, facts) + list(result.uncertainties)
    return result


def kept_for_later(facts: dict) -> dict:
    """The answers (and assumptions) kept when the questions stop, to go on from later."""
    return {k: v for k, v in facts.items() if not k.startswith("_") or k == ASSUMED}


def typed_facts(facts: dict) -> dict:
    """The facts for the analysis: unknown optional answers and the read-back marks left out."""
    return {k: v for k, v in facts.items() if v is not None and not k.startswith("_")}


def problem_text(case: CaseType, message: str) -> str:
    """An analysis' complaint about a fact in the resident's words: fact keys become names."""
    for f in sorted(case.facts, key=lambda f: len(f.key), reverse=True):
        if f.key in message:
            name = readback.label(f)
            message = message.replace(f"（{f.key}）", "" if name in message else f"（{name}）")
            message = message.replace(f.key, name)
    return message
