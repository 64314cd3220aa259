"""Reading facts back to the resident: an answer said roughly ("六千多", "月底", "春节前") is
confirmed before it is used, every fact is shown once more before the analysis, and a later
"工资是6500" / "不对，入职是2019年3月" changes one of them (also after the analysis)."""
from __future__ import annotations

import datetime as dt
import re

from ..content.cases import CaseType, Fact
from ..content.library import get_knowledge
from ..content.numerals import arabize
from . import answers, corrections
from .vocabulary import compact, squash, words as parse_words

PENDING, CONFIRMED = "_pending", "_confirmed"
# the facts taken as assumed after "不知道" twice (knowledge/interview/flow.py: _unknown)
ASSUMED = "_assumed"
_EXPLICIT_DATE = re.compile(r"(?<!\d)(\d{4}|\d{2})[年\-/.](\d{1,2})[月\-/.](\d{1,2})|(?:19|20)\d{6}")


def words() -> dict:
    return get_knowledge().texts["dialogue"]


def label(fact: Fact) -> str:
    """The short name of a fact as residents say it (工资, 入职时间)."""
    return fact.names[0] if fact.names else fact.question.rstrip("？?")


def show(fact: Fact, value) -> str:
    w = words()
    if value is None:
        return w["unknown_value"]
    if fact.type == "choice":
        return next((str(c.get("label", value)) for c in fact.choices if c["value"] == value),
                    str(value))
    if fact.type == "boolean":
        return w["yes_value"] if value else w["no_value"]
    if fact.type == "date":
        d = dt.date.fromisoformat(str(value))
        return w["date_value"].format(year=d.year, month=d.month, day=d.day)
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return f"{value}元" if fact.type == "money" else str(value)


def needs_confirm(fact: Fact, text: str, value) -> bool:
    """An answer to read back: an amount said roughly, or a date not written out in full."""
    if value is None:
        return False
    if fact.type in ("money", "number", "integer"):
        s = compact(text)
        return any(x in s for x in parse_words()["approx_words"])
    if fact.type == "date":
        return not _EXPLICIT_DATE.search(arabize(squash(text)))
    return False


def confirm_prompt(fact: Fact, pending: dict, today: dt.date) -> tuple[str, list[dict]]:
    w = words()
    said, value = pending["said"], pending["value"]
    if fact.type == "date":
        text = w["confirm_date"].format(said=said, date=show(fact, value),
                                        today=show(fact, today.isoformat()))
    elif fact.type == "money":
        text = w["confirm_money"].format(said=said, value=show(fact, value)[:-1])
    else:
        text = w["confirm_number"].format(said=said, value=show(fact, value))
    return text, yes_change_buttons()


def yes_change_buttons() -> list[dict]:
    w = words()
    return [{"title": w["confirm_yes"], "payload": w["confirm_yes"]},
            {"title": w["confirm_change"], "payload": w["confirm_change"]}]


def summary(case: CaseType, facts: dict, applicable: list[Fact], region: str) -> tuple[str, list[dict]]:
    """Every fact given, and the figures taken from the standards table, with 对 / 要改."""
    w = words()
    lines = [w["summary_check"]]
    for f in applicable:
        if f.key in facts:
            value = show(f, facts[f.key])
            if f.key in facts.get(ASSUMED, []):
                value += w["assumed_mark"]
            lines.append(w["summary_line"].format(name=label(f), value=value))
    for f in case.facts:
        if f.key in w["standard_facts"] and f.key not in facts:
            lines.append(w["summary_standards"].format(name=label(f), region=region))
    lines.append(w["summary_ask"])
    return "\n".join(lines), yes_change_buttons()


def is_yes(text: str) -> bool:
    return compact(text) in {compact(words()["confirm_yes"])} or answers.parse_boolean(text) is True


def is_change(text: str) -> bool:
    """"要改" / "不对" / "不是" alone: the resident wants to change something not yet said."""
    s = compact(text)
    return s in {compact(x) for x in words()["change_words"]}


def find_change(case: CaseType, facts: dict, applicable: list[Fact], text: str,
                today: dt.date) -> tuple[Fact, object] | None:
    """"工资是6500", "不对，入职是2019年3月", "改成七千": the fact changed and its new value, or
    None. A fact named in the text wins; without a name, the latest answer the words fit."""
    rest = corrections.correction(text)
    body = rest if rest else text
    given = [f for f in applicable if f.key in facts]
    best = None
    for f in given:
        for name in f.names:
            if name in body and (best is None or len(name) > len(best[1])):
                best = (f, name)
    if best is not None:
        f, name = best
        after = body[body.index(name) + len(name):]
        after = re.sub(r"^[的\s，,：:]*(应该是|应该|改成|改为|其实是|实际是|是|为|有)?", "", after)
        for candidate in (after, body):
            try:
                return f, _typed(answers.parse_answer(f, candidate, today))
            except answers.ParseError:
                continue
        return None
    if not rest:
        return None
    for f in reversed(given):
        try:
            return f, _typed(answers.parse_answer(f, rest, today))
        except answers.ParseError:
            continue
    return None


def _typed(value):
    return value.isoformat() if isinstance(value, dt.date) else value
