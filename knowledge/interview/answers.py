"""Turn a resident's everyday answer into a typed fact value.

Residents answer the way they talk: "六千五", "一个月五千多", "去年3月", "嗯，报警了",
"骑电动车", "八级伤残". :func:`parse_answer` turns such an answer into a JSON-friendly value for a
:class:`knowledge.cases.Fact`, or raises :class:`ParseError` whose message is a short Chinese hint
to re-ask with (``hints`` of ``knowledge/texts/parse.yml``). The smaller parsers
(:func:`parse_boolean`, :func:`parse_age`, :func:`parse_grade`, and ``numbers``, ``dates``,
``choices``) return ``None`` when they do not understand.
"""
from __future__ import annotations

import functools
import math
import re
from datetime import date

from ..content import numerals
from .choices import match_choice, options
from .dates import date_and_precision, duration_days, duration_months, duration_parts
from .numbers import is_none_answer, parse_number, pick_number
from .vocabulary import alternation, compact, hint, is_unknown, nfkc, words

TEXT_MAX = 500


class ParseError(ValueError):
    """The answer was not understood; ``str(exc)`` / ``exc.hint`` is a friendly re-ask hint."""

    def __init__(self, hint: str):
        super().__init__(hint)
        self.hint = hint


# --------------------------------------------------------------------------- boolean
@functools.lru_cache(maxsize=1)
def _yes_verb_re() -> re.Pattern:
    """"签了", "报过警", "申请了": something done."""
    return re.compile(f"(?:{alternation(words()['yes_verbs'])})" + r"[^不没未了过]{0,3}?(?:了|过)")


def parse_boolean(text) -> bool | None:
    """True for 是/对/嗯/有/签了/报警了/已经/当然 ..., False for 不是/没有/没/否/还没 ...;
    None for 不知道 and for anything not understood."""
    n = compact(text)
    if not n or is_unknown(n):
        return None
    w = words()
    stripped = n.rstrip(w["particles"]) or n
    for cand in (n, stripped):
        if cand in w["yes_exact"]:
            return True
        if cand in w["no_exact"]:
            return False
    weak = False
    i = 0
    while i < len(n):
        rest = n[i:]
        neutral = next((x for x in w["neutral"] if rest.startswith(x)), None)
        if neutral:
            i += len(neutral)
            continue
        if rest.startswith(w["yes_override"]):
            return True
        if rest.startswith(w["no_strong"]):
            return False
        if rest.startswith(w["yes_strong"]) or _yes_verb_re().match(rest):
            return True
        if rest.startswith(w["yes_weak"]):
            weak = True
        i += 1
    if not weak and n.endswith("了") and not any(x in n for x in w["negation"]):
        return True  # "受伤了", "报案了": the thing asked about happened
    return True if weak else None


# --------------------------------------------------------------------------- age, grade
@functools.lru_cache(maxsize=1)
def _under_one_re() -> re.Pattern:
    return re.compile(f"({alternation(words()['under'])})" + r"\s*(1|一)\s*(周)?岁")


def parse_age(text) -> int | None:
    """Whole years of age: "45", "45岁", "四十五岁", "68了", "六十八周岁", "三岁半" -> 3,
    "8个月" / "不满一岁" -> 0. None if not understood."""
    t = nfkc(text)
    if _under_one_re().search(t):
        return 0
    if any(x in t for x in words()["age_in_months"]) and "岁" not in t:
        months = parse_number(t)
        return None if months is None else int(months // 12)
    m = re.search(r"(" + numerals.RUN_RE.pattern + r")\s*周?岁", t)
    value = numerals.numeral_value(m.group(1)) if m else parse_number(t)
    return None if value is None else int(math.floor(value))


def parse_grade(text) -> int | None:
    """Disability grade 1-10: "8", "八级", "8级伤残", "伤残八级", "十级". None if there is no
    number; ParseError if the number is not a grade."""
    t = nfkc(text)
    m = re.search(r"(" + numerals.RUN_RE.pattern + r")\s*级", t)
    value = numerals.numeral_value(m.group(1)) if m else parse_number(t)
    if value is None:
        return None
    if value != int(value) or not 1 <= value <= 10:
        raise ParseError(hint("grade"))
    return int(value)


# --------------------------------------------------------------------------- parse_answer
def _fmt(n) -> str:
    n = float(n)
    return str(int(n)) if n == int(n) else f"{n:g}"


def _check_bounds(fact, value, money: bool = False):
    lo, hi = getattr(fact, "min", None), getattr(fact, "max", None)
    if lo is not None and value < lo:
        raise ParseError(hint("money_min" if money else "min", n=_fmt(lo)))
    if hi is not None and value > hi:
        raise ParseError(hint("money_max" if money else "max", n=_fmt(hi)))
    return value


def _optional(fact) -> bool:
    return getattr(fact, "required", True) is False


def _or_skip(fact, text: str) -> str:
    """A hint, with "say 跳过" for an optional fact."""
    return text + (hint("skip") if _optional(fact) else "")


def _unknown_or_raise(fact):
    """Unknown answer: None for an optional fact, a hint for a required one."""
    if _optional(fact):
        return None
    if getattr(fact, "type", None) == "choice" and getattr(fact, "choices", None):
        raise ParseError(hint("unknown_choice", options=options(fact)))
    example = getattr(fact, "example", "") or ""
    raise ParseError(hint("unknown", example=hint("unknown_example", example=example)
                          if example else ""))


def _number_error(fact, status, text_hint):
    example = getattr(fact, "example", "") or "6000"
    if status in ("several", "vague"):
        return ParseError(hint(status, example=example))
    return ParseError(_or_skip(fact, text_hint))


def _parse_numeric(fact, text):
    kind = fact.type
    money = kind == "money"
    text_hint = hint(kind if kind in ("money", "number") else "integer")
    if is_none_answer(text):
        lo, hi = getattr(fact, "min", None), getattr(fact, "max", None)
        if (lo is None or lo <= 0) and (hi is None or hi >= 0):
            return 0 if kind == "integer" else 0.0
        if _optional(fact):
            return None
        raise ParseError(text_hint)
    value, status = pick_number(text)
    if kind == "integer" and status in ("ok", "several"):
        # "住了两个星期" for a question in days, "两年半" for a question in months
        question = getattr(fact, "question", "") or ""
        parts = duration_parts(text)
        if parts:
            if "天" in question and (parts["years"] or parts["months"] or parts["weeks"]):
                value, status = float(round(duration_days(parts))), "ok"
            elif "月" in question and "天" not in question and parts["years"]:
                value, status = float(round(duration_months(text))), "ok"
    if status != "ok":
        if status == "none" and is_unknown(text):
            return _unknown_or_raise(fact)
        raise _number_error(fact, status, text_hint)
    if kind == "integer":
        if value != int(value):
            raise ParseError(hint("not_integer"))
        return _check_bounds(fact, int(value))
    return _check_bounds(fact, float(value), money)


def _parse_date(fact, text, today: date) -> str | None:
    found = date_and_precision(text, today)
    if found is None:
        if is_unknown(text):
            return _unknown_or_raise(fact)
        raise ParseError(_or_skip(fact, hint("date")))
    d = found[0]
    if d > today:
        raise ParseError(hint("future", today=hint("today", year=today.year, month=today.month,
                                                   day=today.day)))
    if d.year < 1900:
        raise ParseError(hint("too_old"))
    return d.isoformat()


def parse_answer(fact, text: str, today: date):
    """The typed value of a resident's answer to ``fact`` (a :class:`knowledge.cases.Fact`):
    money/number -> float, integer/grade/age -> int, date -> "YYYY-MM-DD", boolean -> bool,
    choice -> the choice's value, text -> the stripped text (at most 500 characters).
    "不知道"/"跳过" gives None for an optional fact. Raises :class:`ParseError` with a re-ask
    hint when the answer is not understood, out of fact.min/max, or a date in the future."""
    text = nfkc(text)
    kind = getattr(fact, "type", "text")
    if not compact(text):
        if _optional(fact):
            return None
        raise ParseError(hint("empty"))

    if kind in ("money", "number", "integer"):
        return _parse_numeric(fact, text)

    if kind == "choice":
        value, status = match_choice(fact, text)
        if status == "ok":
            return value
        if status == "none" and is_unknown(text):
            return _unknown_or_raise(fact)
        key = "choice_ambiguous" if status == "ambiguous" else "choice"
        raise ParseError(hint(key, options=options(fact)))

    if kind == "boolean":
        if is_unknown(text):
            return _unknown_or_raise(fact)
        value = parse_boolean(text)
        if value is None:
            raise ParseError(_or_skip(fact, hint("boolean")))
        return value

    if kind == "date":
        return _parse_date(fact, text, today)

    if kind == "grade":
        value = parse_grade(text)
        if value is None:
            if is_unknown(text) or (_optional(fact) and is_none_answer(text)):
                return _unknown_or_raise(fact)
            raise ParseError(hint("grade"))
        return _check_bounds(fact, value)

    if kind == "age":
        value = parse_age(text)
        if value is None:
            if is_unknown(text):
                return _unknown_or_raise(fact)
            raise ParseError(hint("age"))
        if not 0 <= value <= 150:
            raise ParseError(hint("age"))
        return _check_bounds(fact, value)

    # text
    if is_unknown(text) or (_optional(fact) and is_none_answer(text)):
        return _unknown_or_raise(fact)
    return text.strip()[:TEXT_MAX]
