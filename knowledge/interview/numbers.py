"""The one number in an answer ("6,000元", "六千五", "一个月五千多" -> 5000.0), and answers that
mean zero ("没有", "一分没给")."""
from __future__ import annotations

import functools
import re

from ..content import numerals
from .vocabulary import alternation, compact, nfkc, words

_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def _candidates(text) -> list[dict]:
    """Every numeral in the text with its value and context."""
    w = words()
    s = nfkc(text)
    s = _THOUSANDS_RE.sub("", s)
    s = re.sub(r"多(?=[十百千万亿])", "", s)       # "十多万" ~ 十万, "一百多万" ~ 一百万
    out = []
    for m in numerals.RUN_RE.finditer(s):
        run = m.group()
        if not any(c.isdigit() or c in numerals.DIGITS or c in numerals.TENS for c in run):
            continue
        before, after = s[max(0, m.start() - 1):m.start()], s[m.end():m.end() + 2]
        value = numerals.numeral_value(run)
        vague = after.startswith("几") or before == "几"
        out.append({"run": run, "value": value, "vague": vague or value is None,
                    "lone_one": run == "一",
                    "skip": after.startswith(w["not_amount_after"]) or before == "第",
                    "money": after.startswith(w["money_after"])})
    return out


def pick_number(text) -> tuple[float | None, str]:
    """(value, status) where status is ok | none | several | vague."""
    cands = _candidates(text)
    if not cands:
        return None, "none"
    tiers = ([c for c in cands if not c["lone_one"] and not c["skip"]],
             [c for c in cands if not c["lone_one"]],
             cands)
    tier = next(t for t in tiers if t)
    if len(tier) > 1:
        money = [c for c in tier if c["money"]]
        if len(money) == 1:
            tier = money
    values = {c["value"] for c in tier}
    if any(c["vague"] for c in tier):
        return None, "vague"
    if len(values) > 1:
        return None, "several"
    return tier[0]["value"], "ok"


def parse_number(text) -> float | None:
    """A non-negative number in Arabic or Chinese numerals or a mixture ("6,000元", "六千五",
    "一万二", "1.2万", "3万5", "一个月五千多" -> 5000.0). None if there is none, several
    different ones, or only a vague one ("几千")."""
    value, status = pick_number(text)
    return value if status == "ok" else None


@functools.lru_cache(maxsize=1)
def _none_re() -> re.Pattern:
    """"一分没给", "一个也没有": the words for zero, then anything."""
    w = words()
    return re.compile(f"(?:{alternation(w['none_lead'])})?(?:{alternation(w['none_even'])})?"
                      f"(?:{alternation(w['none_words'])})")


def is_none_answer(text) -> bool:
    """"没有", "没住院", "一分没给": the amount or count is zero."""
    n = compact(text)
    if n in words()["none_exact"]:
        return True
    if not _none_re().match(n):
        return False
    rest = _none_re().sub("", n, count=1)
    return not any(c.isdigit() or c in numerals.DIGITS for c in rest)
