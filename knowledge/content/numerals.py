"""Chinese and Arabic numerals: the one numeral parser of the project.

Residents write numbers the way they say them ("六千五", "一万二", "3万5", "1.2万", "二〇二三") and
the statutes number their articles in Chinese (第一千零七十九条). :func:`plain_value` reads a
numeral without a decimal point, :func:`numeral_value` one run found by :data:`RUN_RE` (with
"点", "k", "w"), :func:`arabize` rewrites the numerals in a text as Arabic digits and
:func:`to_int` is the strict reading for article numbers. Standard library only; the numeral
characters are the number system itself, not vocabulary, so they stay here.
"""
from __future__ import annotations

import math
import re

_PLAIN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}
_FINANCIAL_DIGITS = {"壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6,
                     "陸": 6, "柒": 7, "捌": 8, "玖": 9}
DIGITS = {**_PLAIN_DIGITS, **_FINANCIAL_DIGITS}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
ZEROS = "零〇"
TENS = "十拾廿卅"                   # with a digit, what makes a run of characters a numeral
CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(BIG) + "廿卅"
DIGIT_CHARS = "".join(DIGITS)
# what statutes number their articles with: 第一千零七十九条, 第1079条, 之一
PLAIN_CHARS = "".join(_PLAIN_DIGITS) + "十百千"
ONE_TO_TEN = "".join(c for c, v in _PLAIN_DIGITS.items() if v) + "十"

# one numeral: Arabic and Chinese digits, units, decimals ("1.2万", "三点五万"), "5k", "1.2w"
RUN_RE = re.compile(
    r"(?:[0-9]+(?:\.[0-9]+)?|[" + CHARS + r"]|点(?=[0-9" + DIGIT_CHARS + r"]))+"
    r"(?:[kKwW](?![a-zA-Z]))?")
_ARABIC_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CHINESE_RUN_RE = re.compile("[" + CHARS + "]+")


def _tokens(s: str) -> list[tuple[str, float, bool]] | None:
    """(kind, value, single digit) with kind num | zero | unit | big; None on a foreign char."""
    tokens = []
    i = 0
    while i < len(s):
        m = _ARABIC_RE.match(s, i)
        if m:
            tokens.append(("num", float(m.group()), len(m.group().replace(".", "")) == 1))
            i = m.end()
            continue
        c = s[i]
        if c in ZEROS:
            tokens.append(("zero", 0.0, True))
        elif c in DIGITS:
            tokens.append(("num", float(DIGITS[c]), True))
        elif c in UNITS:
            tokens.append(("unit", float(UNITS[c]), False))
        elif c in BIG:
            tokens.append(("big", float(BIG[c]), False))
        else:
            return None
        i += 1
    return tokens


def plain_value(s: str) -> float | None:
    """Value of a numeral without '点': "六千五", "一百零五", "3万5", "1.2万", "二〇二三"."""
    s = s.replace("廿", "二十").replace("卅", "三十")
    if not s:
        return None
    if all(c in DIGITS for c in s):
        if len(s) == 1:
            return float(DIGITS[s])
        # digit by digit ("二〇二三"); two bare digits ("五六") mean "five or six"
        if len(s) >= 3 or any(c in ZEROS for c in s):
            return float("".join(str(DIGITS[c]) for c in s))
        return None
    tokens = _tokens(s)
    if tokens is None:
        return None
    total = section = 0.0
    current = None                   # a number waiting for its unit
    current_single = False
    last_unit = None                 # the multiplier just applied (for "六千五" = 6500)
    small_unit = math.inf            # units inside a section must decrease
    big_seen = math.inf
    zero = False
    prev = None
    for kind, value, single in tokens:
        if kind == "num":
            if prev == "num":
                return None          # "五六千", "3五": not one number
            current, current_single = value, single
        elif kind == "zero":
            if prev == "num":
                return None
            zero = True
        elif kind == "unit":
            if prev == "unit" or value >= small_unit:
                return None
            section += (1.0 if current is None else current) * value
            small_unit, last_unit = value, value
            current, zero = None, False
        else:                        # 万 / 亿
            if prev == "big" and value == big_seen:
                return None
            if current is not None:
                section += current
            if section == 0 and total == 0:
                return None          # a bare "万"
            if value > big_seen:
                return None          # "一亿万" and the like
            if value < big_seen and total and big_seen < math.inf:
                total += section * value
            else:
                total = (total + section) * value
            big_seen = value
            small_unit, last_unit = math.inf, value
            section, current, zero = 0.0, None, False
        prev = kind
    if current is not None:
        if prev == "num" and current_single and not zero and last_unit is not None \
                and len(tokens) >= 2 and tokens[-2][0] in ("unit", "big"):
            current *= last_unit / 10          # "六千五", "一万二", "3万5", "十五"
        section += current
    if prev is None:
        return None
    if all(k in ("unit", "big") for k, _, _ in tokens) and tokens[0][:2] != ("unit", 10.0):
        return None                  # "百", "千万": no digit at all
    return total + section


def numeral_value(run: str) -> float | None:
    """Value of one numeral as found by :data:`RUN_RE`, or None when it is not a number."""
    if not run or run[0] in BIG or UNITS.get(run[0], 0) > 10:
        return None                  # "万一" (in case), "百": not a number
    mult = 1.0
    if run[-1] in "kK":
        mult, run = 1000.0, run[:-1]
    elif run[-1] in "wW":
        mult, run = 10_000.0, run[:-1]
    if "点" in run:
        left, right = run.split("点", 1)
        m = re.fullmatch(r"([0-9" + DIGIT_CHARS + r"]+)([十百千万亿]?)", right)
        if not m:
            return None
        decimals = "".join(str(DIGITS.get(c, c)) for c in m.group(1))
        base = plain_value(left) if left else 0.0
        if base is None:
            return None
        value = base + float("0." + decimals)
        if m.group(2):
            value *= (UNITS.get(m.group(2)) or BIG[m.group(2)])
        return value * mult
    value = plain_value(run)
    return None if value is None else value * mult


def arabize(text: str) -> str:
    """Replace Chinese numerals by Arabic digits ("二〇二三年三月五号" -> "2023年3月5号").
    Digit-by-digit numerals keep leading zeros ("零五年" -> "05年")."""
    def repl(m):
        run = m.group()
        if not any(c in DIGITS or c in TENS for c in run):
            return run
        if all(c in DIGITS for c in run):
            return "".join(str(DIGITS[c]) for c in run)
        value = plain_value(run)
        if value is None:
            return run
        return str(int(value)) if value == int(value) else str(value)
    return _CHINESE_RUN_RE.sub(repl, text)


def to_int(text: str) -> int:
    """A whole number in Chinese or Arabic numerals (一千零七十九, 1079, 十二, 两百); ValueError
    for anything else."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    value = plain_value(text)
    if value is None or value != int(value):
        raise ValueError(f"not a numeral: {text!r}")
    return int(value)
