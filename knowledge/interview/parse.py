"""Turn a resident's everyday answer into a typed fact value.

Residents answer the way they talk: "六千五", "一个月五千多", "去年3月", "嗯，报警了",
"骑电动车", "八级伤残". :func:`parse_answer` turns such an answer into a JSON-friendly value for a
:class:`knowledge.cases.Fact`, or raises :class:`ParseError` whose message is a short Chinese hint
to re-ask with. The smaller parsers (:func:`parse_number`, :func:`parse_date`, ...) return ``None``
when they do not understand. Standard library only.

Helpers for the dialogue: :func:`date_precision` (did the resident give a day, a month or only a
year), :func:`duration_months` ("两年半" -> 30), :func:`correction` ("不对，是三个月" -> "三个月")
and :func:`looks_like_question` (the resident asked instead of answering).
"""
from __future__ import annotations

import calendar
import math
import re
import unicodedata
from datetime import date, timedelta

__all__ = ["ParseError", "parse_answer", "parse_number", "parse_date", "date_precision",
           "parse_boolean", "parse_choice", "parse_age", "parse_grade", "duration_months",
           "correction", "looks_like_question"]

TEXT_MAX = 500


class ParseError(ValueError):
    """The answer was not understood; ``str(exc)`` / ``exc.hint`` is a friendly re-ask hint."""

    def __init__(self, hint: str):
        super().__init__(hint)
        self.hint = hint


# --------------------------------------------------------------------------- hints
HINT_EMPTY = "还没看到您的回答，请再说一下。"
HINT_MONEY = "没看懂金额，请直接写数字，比如 6000 或 六千。"
HINT_NUMBER = "没看懂这个数，请直接写数字，比如 3 或 2.5。"
HINT_INTEGER = "没看懂，请写一个整数，比如 3。"
HINT_NOT_INTEGER = "这里请写整数，比如 3。"
HINT_SEVERAL = "您写了好几个数，请只写一个，比如 {example}。"
HINT_VAGUE = "请写一个大概的具体数字，比如 {example}。"
HINT_DATE = "没看懂日期，请按“2024年3月5日”或“2024-03-05”这样写。"
HINT_FUTURE = "这个日期还没到（今天是 {today}），请写已经发生的日期。"
HINT_TOO_OLD = "这个日期太早了，请再核对一下年份，比如 2024年3月5日。"
HINT_BOOLEAN = "请回答“是”或“不是”（也可以说“有”或“没有”）。"
HINT_CHOICE = "没对上选项，请回复序号：{options}。"
HINT_CHOICE_AMBIGUOUS = "您说的和好几个选项都沾边，请回复一个序号：{options}。"
HINT_AGE = "没看懂年龄，请写周岁数字，比如 45。"
HINT_GRADE = "伤残等级是一级到十级，请写 1 到 10 的数字，比如 8。"
HINT_UNKNOWN = "这一项需要您回答才能往下算。记不清的话，按大概的情况说就行{example}。"
HINT_UNKNOWN_CHOICE = "这一项需要您选一个才能往下算，挑最接近的就行：{options}。"
HINT_MIN = "这个数不能小于 {n}，请再核对一下。"
HINT_MAX = "这个数不能大于 {n}，请再核对一下。"
HINT_MONEY_MIN = "金额不能少于 {n} 元，请再核对一下。"
HINT_MONEY_MAX = "金额不能超过 {n} 元，请再核对一下。"
HINT_SKIP = "（不清楚可以回答“跳过”）"

# --------------------------------------------------------------------------- text helpers
_PUNCT_RE = re.compile(r"[\s\u3000,.;:!?'\"`~()\[\]{}<>/\\|@#$%^&*_+=\-，。；：！？、…·「」『』《》〈〉（）【】“”‘’]+")
_TRAILING_PARTICLES = "啊呀吧呢啦嘛哦噢喔哈呗咯哟"

_UNKNOWN_WORDS = ("不知道", "不清楚", "不确定", "不记得", "记不清", "记不得", "忘了", "忘记了",
                  "说不清", "搞不清", "弄不清", "不晓得", "不了解", "不懂", "不好说", "说不准",
                  "没印象", "不明白", "不详", "未知", "天知道", "不太清楚", "不是很清楚",
                  "不大清楚", "没注意", "没留意", "不知")
_SKIP_WORDS = ("跳过", "不填", "不用填", "先不填", "略过", "以后再说", "不想说", "不方便说",
               "下一个", "下一题", "pass", "skip")


def _nfkc(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def _compact(text) -> str:
    """NFKC, lower case, without whitespace and punctuation."""
    return _PUNCT_RE.sub("", _nfkc(text).lower())


def _squash(text) -> str:
    """Like ``_compact`` but keeps decimal points ("1.5年") and date separators ("2023.3.5")."""
    s = _nfkc(text).lower()
    s = re.sub(r"(?<=\d)[.](?=\d)", "\x00", s)
    return _PUNCT_RE.sub("", s).replace("\x00", ".")


def _is_unknown(text) -> bool:
    """'不知道', '不清楚', '跳过' and the like: the resident cannot or will not answer."""
    n = _compact(text)
    return bool(n) and any(w in n for w in _UNKNOWN_WORDS + _SKIP_WORDS)


# --------------------------------------------------------------------------- numerals
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4,
              "伍": 5, "陆": 6, "陸": 6, "柒": 7, "捌": 8, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "".join(_CN_BIG) + "廿卅"
_CN_DIGIT_CHARS = "".join(_CN_DIGITS)

# one numeral: Arabic and Chinese digits, units, decimals ("1.2万", "三点五万"), "5k", "1.2w"
_NUM_RUN_RE = re.compile(
    r"(?:[0-9]+(?:\.[0-9]+)?|[" + _CN_CHARS + r"]|点(?=[0-9" + _CN_DIGIT_CHARS + r"]))+"
    r"(?:[kKwW](?![a-zA-Z]))?")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_ARABIC_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _int_value(s: str) -> float | None:
    """Value of a numeral without '点': "六千五", "一百零五", "3万5", "1.2万", "二〇二三"."""
    s = s.replace("廿", "二十").replace("卅", "三十")
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s):
        if len(s) == 1:
            return float(_CN_DIGITS[s])
        # digit by digit ("二〇二三"); two bare digits ("五六") mean "five or six"
        if len(s) >= 3 or any(c in "零〇" for c in s):
            return float("".join(str(_CN_DIGITS[c]) for c in s))
        return None
    tokens = []                      # (kind, value): num | zero | unit | big
    i = 0
    while i < len(s):
        m = _ARABIC_RE.match(s, i)
        if m:
            tokens.append(("num", float(m.group()), len(m.group().replace(".", "")) == 1))
            i = m.end()
            continue
        c = s[i]
        if c in "零〇":
            tokens.append(("zero", 0.0, True))
        elif c in _CN_DIGITS:
            tokens.append(("num", float(_CN_DIGITS[c]), True))
        elif c in _CN_UNITS:
            tokens.append(("unit", float(_CN_UNITS[c]), False))
        elif c in _CN_BIG:
            tokens.append(("big", float(_CN_BIG[c]), False))
        else:
            return None
        i += 1
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


def _numeral_value(run: str) -> float | None:
    """Value of one numeral as found by ``_NUM_RUN_RE``, or None when it is not a number."""
    if not run or run[0] in "百佰千仟万萬亿億":
        return None                  # "万一" (in case) is not a number
    mult = 1.0
    if run[-1] in "kK":
        mult, run = 1000.0, run[:-1]
    elif run[-1] in "wW":
        mult, run = 10_000.0, run[:-1]
    if "点" in run:
        left, right = run.split("点", 1)
        m = re.fullmatch(r"([0-9" + _CN_DIGIT_CHARS + r"]+)([十百千万亿]?)", right)
        if not m:
            return None
        decimals = "".join(str(_CN_DIGITS.get(c, c)) for c in m.group(1))
        base = _int_value(left) if left else 0.0
        if base is None:
            return None
        value = base + float("0." + decimals)
        if m.group(2):
            value *= (_CN_UNITS.get(m.group(2)) or _CN_BIG[m.group(2)])
        return value * mult
    value = _int_value(run)
    return None if value is None else value * mult


_SKIP_AFTER = ("个", "月", "年", "天", "日", "号", "周", "星期", "礼拜", "岁", "人", "次", "小时",
               "共", "直", "起", "下", "些", "般", "级", "倍", "家", "口", "位", "遍", "辆")
_MONEY_AFTER = ("元", "块", "圆", "钱", "万", "千", "百", "k", "w")


def _candidates(text) -> list[dict]:
    """Every numeral in the text with its value and context."""
    s = _nfkc(text)
    s = _THOUSANDS_RE.sub("", s)
    s = re.sub(r"多(?=[十百千万亿])", "", s)       # "十多万" ~ 十万, "一百多万" ~ 一百万
    out = []
    for m in _NUM_RUN_RE.finditer(s):
        run = m.group()
        if not any(c.isdigit() or c in _CN_DIGITS or c in "十拾廿卅" for c in run):
            continue
        before, after = s[max(0, m.start() - 1):m.start()], s[m.end():m.end() + 2]
        value = _numeral_value(run)
        vague = after.startswith("几") or before == "几"
        out.append({"run": run, "value": value, "vague": vague or value is None,
                    "lone_one": run == "一",
                    "skip": after.startswith(_SKIP_AFTER) or before == "第",
                    "money": after.startswith(_MONEY_AFTER)})
    return out


def _pick_number(text) -> tuple[float | None, str]:
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
    value, status = _pick_number(text)
    return value if status == "ok" else None


def _arabize(text: str) -> str:
    """Replace Chinese numerals by Arabic digits ("二〇二三年三月五号" -> "2023年3月5号").
    Digit-by-digit numerals keep leading zeros ("零五年" -> "05年")."""
    def repl(m):
        run = m.group()
        if not any(c in _CN_DIGITS or c in "十拾廿卅" for c in run):
            return run
        if all(c in _CN_DIGITS for c in run):
            return "".join(str(_CN_DIGITS[c]) for c in run)
        value = _int_value(run)
        if value is None:
            return run
        return str(int(value)) if value == int(value) else str(value)
    return re.sub("[" + _CN_CHARS + "]+", repl, text)


# --------------------------------------------------------------------------- dates
def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _full_year(y: str, today: date) -> int:
    n = int(y)
    if len(y) <= 2:
        n = 2000 + n if 2000 + n <= today.year else 1900 + n
    return n


def _recent(candidate_year: int, month: int, day: int, today: date) -> date:
    """The date in the given year, or a year earlier if that is still to come."""
    d = date(candidate_year, month, day)
    return d if d <= today else date(candidate_year - 1, month, day)


_REL_YEAR = {"今年": 0, "本年": 0, "去年": -1, "上一年": -1, "前年": -2, "大前年": -3,
             "明年": 1}
_REL_MONTH = {"这个月": 0, "本月": 0, "这月": 0, "上个月": -1, "上月": -1, "上上个月": -2,
              "上上月": -2, "下个月": 1, "下月": 1}
_REL_DAY = {"今天": 0, "今日": 0, "今早": 0, "今晚": 0, "今儿": 0, "刚才": 0, "刚刚": 0,
            "昨天": -1, "昨日": -1, "昨晚": -1, "昨儿": -1, "前天": -2, "大前天": -3,
            "明天": 1, "后天": 2}
_REL_WEEK = {"上周": -7, "上星期": -7, "上个星期": -7, "上礼拜": -7, "上个礼拜": -7}
_PART_OF_YEAR = {"年初": 1, "年头": 1, "年中": 6, "年底": 12, "年末": 12, "年尾": 12}


def _alt(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_DAY_SUFFIX = r"(?:日|号)?"
_OFFSET_RE = re.compile(
    r"(?P<n>\d+(?:\.\d+)?|半)(?P<many>多)?(?:个)?(?P<half>半)?(?P<many2>多)?"
    r"(?P<unit>天|日|周|星期|礼拜|个月|月|年)(?P<half2>半)?多?(?:以|之)?(?P<dir>前|后)")


def _date_and_precision(text, today: date) -> tuple[date, str] | None:
    s = _squash(text)
    raw = re.sub(r"\s+", "", _nfkc(text).lower())
    if not s:
        return None
    s = _arabize(s)
    raw = _arabize(raw)
    try:
        return _match_date(s, raw, today)
    except (ValueError, OverflowError):
        return None


def _match_date(s: str, raw: str, today: date) -> tuple[date, str] | None:
    # absolute: 2023年3月5日 / 2023-03-05 / 2023/3/5 / 2023.3.5 / 20230305
    m = re.search(r"(?<!\d)(\d{4}|\d{2})年(\d{1,2})月(\d{1,2})(?:日|号)?(?!\d)", s)
    if m:
        return date(_full_year(m.group(1), today), int(m.group(2)), int(m.group(3))), "day"
    m = re.search(r"(?<![\d.])(\d{4}|\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.])", raw)
    if m:
        return date(_full_year(m.group(1), today), int(m.group(2)), int(m.group(3))), "day"
    m = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", s)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), "day"
    # relative year: 去年3月5号 / 今年五月 / 去年年底 / 去年
    m = re.search(r"(" + _alt(_REL_YEAR) + r")(\d{1,2})月(?:份)?(?:(\d{1,2})" + _DAY_SUFFIX + ")?", s)
    if m:
        year = today.year + _REL_YEAR[m.group(1)]
        if m.group(3):
            return date(year, int(m.group(2)), int(m.group(3))), "day"
        return date(year, int(m.group(2)), 1), "month"
    m = re.search(r"(" + _alt(_REL_YEAR) + r")(" + _alt(_PART_OF_YEAR) + ")", s)
    if m:
        return date(today.year + _REL_YEAR[m.group(1)], _PART_OF_YEAR[m.group(2)], 1), "month"
    # relative month: 上个月5号 / 上个月
    m = re.search(r"(" + _alt(_REL_MONTH) + r")(?:(\d{1,2})" + _DAY_SUFFIX + ")?", s)
    if m:
        first = _add_months(today.replace(day=1), _REL_MONTH[m.group(1)])
        if m.group(2):
            return first.replace(day=int(m.group(2))), "day"
        return first, "month"
    # relative day and week: 昨天, 前天, 上周
    m = re.search(_alt(_REL_DAY), s)
    if m:
        return today + timedelta(days=_REL_DAY[m.group()]), "day"
    m = re.search(_alt(_REL_WEEK), s)
    if m:
        return today + timedelta(days=_REL_WEEK[m.group()]), "day"
    # offsets: 三天前, 两个月前, 半年前, 一年半以前, 三个多月前
    m = _OFFSET_RE.search(s)
    if m:
        n = 0.5 if m.group("n") == "半" else float(m.group("n"))
        if m.group("half") or m.group("half2"):
            n += 0.5
        sign = -1 if m.group("dir") == "前" else 1
        unit = m.group("unit")
        if unit in ("天", "日"):
            return today + timedelta(days=sign * round(n)), "day"
        if unit in ("周", "星期", "礼拜"):
            return today + timedelta(days=sign * round(7 * n)), "day"
        months = n * 12 if unit == "年" else n
        whole = int(months)
        d = _add_months(today, sign * whole) + timedelta(days=sign * round((months - whole) * 30))
        precision = "year" if unit == "年" and n == int(n) else "month"
        return d, precision
    # year and month: 2023年3月 / 2023-03
    m = re.search(r"(?<!\d)(\d{4}|\d{2})年(\d{1,2})月", s)
    if m:
        return date(_full_year(m.group(1), today), int(m.group(2)), 1), "month"
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})(?:月)?", raw.rstrip("。"))
    if m:
        return date(int(m.group(1)), int(m.group(2)), 1), "month"
    m = re.search(r"(?<!\d)(\d{4}|\d{2})年(" + _alt(_PART_OF_YEAR) + ")", s)
    if m:
        return date(_full_year(m.group(1), today), _PART_OF_YEAR[m.group(2)], 1), "month"
    # year only: 2023年 / 2023
    m = re.search(r"(?<!\d)(\d{4}|\d{2})年", s)
    if m:
        return date(_full_year(m.group(1), today), 1, 1), "year"
    m = re.search(r"(" + _alt(_REL_YEAR) + ")", s)
    if m:
        return date(today.year + _REL_YEAR[m.group(1)], 1, 1), "year"
    if re.fullmatch(r"(?:19|20)\d{2}", s):
        return date(int(s), 1, 1), "year"
    # month and day without a year: the most recent one
    m = re.search(r"(?<!\d)(\d{1,2})月(\d{1,2})(?:日|号)?(?!\d)", s) \
        or re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})", raw.rstrip("。"))
    if m:
        return _recent(today.year, int(m.group(1)), int(m.group(2)), today), "day"
    m = re.search(r"(?<!\d)(\d{1,2})月(?:份)?", s)
    if m:
        d = date(today.year, int(m.group(1)), 1)
        return (d if d <= today else date(today.year - 1, d.month, 1)), "month"
    m = re.search(r"(?<!\d)(\d{1,2})(?:日|号)", s)
    if m:
        d = today.replace(day=1)
        day = int(m.group(1))
        candidate = date(d.year, d.month, day) if day <= calendar.monthrange(d.year, d.month)[1] else None
        if candidate is None or candidate > today:
            prev = _add_months(d, -1)
            candidate = date(prev.year, prev.month, day)
        return candidate, "day"
    return None


def parse_date(text, today: date) -> date | None:
    """A date from "2023年3月5日", "2023-03-05", "23年3月5号", "二〇二三年三月五日", "去年3月",
    "三月五号", "上个月", "昨天", "三天前", "半年前" ... None if not understood. Answers naming only
    a month or a year give its first day; see :func:`date_precision`. Future dates are returned
    as such (``parse_answer`` rejects them)."""
    found = _date_and_precision(text, today)
    return found[0] if found else None


def date_precision(text, today: date | None = None) -> str | None:
    """How exact a date answer is: "day", "month" ("2023年3月", "上个月", "两个月前") or "year"
    ("2023年", "去年"); None when the text is not a date."""
    found = _date_and_precision(text, today or date.today())
    return found[1] if found else None


# --------------------------------------------------------------------------- boolean
_YES_EXACT = {"是", "是的", "对", "对的", "对啊", "嗯", "嗯嗯", "恩", "嗯呢", "有", "有的", "好",
              "好的", "当然", "肯定", "可以", "已经", "签了", "报了", "报警了", "交了", "买了",
              "没错", "没问题", "确定", "确实", "必须", "行", "在", "在的", "还在", "同意",
              "yes", "y", "ok", "okay", "true", "是滴", "有了", "是呀"}
_NO_EXACT = {"不是", "没有", "没", "否", "不", "还没", "还没有", "没签", "没报", "没报警", "没买",
             "没交", "不对", "无", "不会", "不要", "不行", "没呢", "不用", "未", "不在", "不同意",
             "no", "n", "false", "没得", "木有", "并没有", "从来没有", "一直没有"}
_NEUTRAL = ("对方", "对于", "是不是", "有没有", "可能", "也许", "大概", "好像", "应该", "估计",
            "似乎", "或许")
_YES_OVERRIDE = ("没错", "没问题", "不错", "不假", "当然", "肯定")   # checked before 不/没
_YES_STRONG = ("确实", "的确", "可以", "必须", "同意", "是", "有", "还在", "在世", "健在")
_NO_STRONG = ("不", "没", "未", "无", "否", "别", "甭", "木有")
_YES_WEAK = ("嗯", "恩", "对", "好", "已经", "行", "ok", "yes")
_YES_VERB_RE = re.compile(r"(?:签|报警|报案|报|交|买|领|办|给|写|申请|找到|抓到|打|做|生|怀|住|发|立|"
                          r"离|认定|鉴定|拿到|收到|递交|提交|起诉|投保|缴|登记)"
                          r"[^不没未了过]{0,3}?(?:了|过)")


def _boolean(text) -> bool | None:
    n = _compact(text)
    if not n or _is_unknown(n):
        return None
    stripped = n.rstrip(_TRAILING_PARTICLES) or n
    for cand in (n, stripped):
        if cand in _YES_EXACT:
            return True
        if cand in _NO_EXACT:
            return False
    weak = False
    i = 0
    while i < len(n):
        rest = n[i:]
        w = next((w for w in _NEUTRAL if rest.startswith(w)), None)
        if w:
            i += len(w)
            continue
        if rest.startswith(_YES_OVERRIDE):
            return True
        if rest.startswith(_NO_STRONG):
            return False
        if rest.startswith(_YES_STRONG) or _YES_VERB_RE.match(rest):
            return True
        if rest.startswith(_YES_WEAK):
            weak = True
        i += 1
    if not weak and n.endswith("了") and not any(x in n for x in _NEGATION_BEFORE):
        return True  # "受伤了", "报案了": the thing asked about happened
    return True if weak else None


def parse_boolean(text) -> bool | None:
    """True for 是/对/嗯/有/签了/报警了/已经/当然 ..., False for 不是/没有/没/否/还没 ...;
    None for 不知道 and for anything not understood."""
    return _boolean(text)


# --------------------------------------------------------------------------- choice
_CHOICE_PREFIX = ("我选", "选择", "选", "就是", "应该是", "是")
_NEGATION_BEFORE = ("不是", "不", "没有", "没", "非", "无", "未")
_ORDINAL_RE = re.compile(r"(?:我选|选择|选)?第?([0-9]{1,2}|[一二两三四五六七八九十]{1,2})"
                         r"(?:个|项|种|条|号|类|选项)?")


def _choice_keys(choice: dict) -> list[str]:
    keys = [choice.get("value"), choice.get("label")] + list(choice.get("synonyms") or [])
    label = _nfkc(choice.get("label") or "")
    keys += [p for p in re.split(r"[，,、（）()；;：:。]|或者|或是", label) if len(p) >= 2]
    out = []
    for k in keys:
        if k is None or isinstance(k, bool):
            continue
        c = _compact(k)
        if c and c not in out:
            out.append(c)
    return out


def _match_choice(fact, text) -> tuple[object, str]:
    """(value, status), status in ok | none | ambiguous."""
    choices = list(getattr(fact, "choices", None) or [])
    n = _compact(text)
    if not n or not choices:
        return None, "none"
    variants = [n]
    for p in _CHOICE_PREFIX:
        if n.startswith(p) and len(n) > len(p):
            variants.append(n[len(p):])
    variants += [v.rstrip(_TRAILING_PARTICLES + "的了") for v in list(variants)]
    variants = [v for v in dict.fromkeys(variants) if v]
    keys = [(ch, _choice_keys(ch)) for ch in choices]

    # 1. exact value, label or synonym
    hits = {i for i, (_, ks) in enumerate(keys) for v in variants if v in ks}
    if len(hits) == 1:
        return choices[hits.pop()].get("value"), "ok"
    if len(hits) > 1:
        return None, "ambiguous"
    # 2. by number: "1", "第一个", "选2"
    m = _ORDINAL_RE.fullmatch(n)
    if m:
        idx = parse_number(m.group(1))
        if idx is not None and 1 <= idx <= len(choices) and idx == int(idx):
            return choices[int(idx) - 1].get("value"), "ok"
        return None, "none"
    # 3. substring either way, the longest overlap wins
    scores = {}
    for i, (_, ks) in enumerate(keys):
        best = 0
        for k in ks:
            for v in variants:
                pos = v.find(k)
                while pos >= 0:
                    negated = not k.startswith(_NEGATION_BEFORE) and \
                        v[:pos].endswith(_NEGATION_BEFORE)
                    if not negated:
                        best = max(best, len(k))
                        break
                    pos = v.find(k, pos + 1)
                if len(v) >= 2 and v in k:
                    best = max(best, len(v))
        if best:
            scores[i] = best
    if not scores:
        return _closest_choice(choices, keys, n)
    top = max(scores.values())
    winners = [i for i, s in scores.items() if s == top]
    if len(winners) > 1:
        return None, "ambiguous"
    return choices[winners[0]].get("value"), "ok"


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _closest_choice(choices, keys, n: str) -> tuple[object, str]:
    """Last resort for a description in the resident's own words ("上班的时候在厂里受的伤"):
    the choice sharing the largest share of the answer's character pairs, when it is clearly
    ahead of the next one."""
    grams = _bigrams(n)
    if len(grams) < 2 or n.startswith(_NEGATION_BEFORE):
        return None, "none"
    scores = sorted(((max(len(grams & _bigrams(k)) for k in ks) / len(grams), i)
                     for i, (_, ks) in enumerate(keys)), reverse=True)
    best, i = scores[0]
    second = scores[1][0] if len(scores) > 1 else 0.0
    if best >= 0.25 and best - second >= 0.1 - 1e-9:
        return choices[i].get("value"), "ok"
    return None, "none"


def parse_choice(fact, text):
    """The ``value`` of the choice the text names: by value, label, synonym, substring either way
    or number ("1", "第一个"); None when nothing or more than one choice matches."""
    value, status = _match_choice(fact, text)
    return value if status == "ok" else None


def _options(fact) -> str:
    return "；".join(f"{i} {ch.get('label') or ch.get('value')}"
                    for i, ch in enumerate(fact.choices or [], 1))


# --------------------------------------------------------------------------- age, grade
def parse_age(text) -> int | None:
    """Whole years of age: "45", "45岁", "四十五岁", "68了", "六十八周岁", "三岁半" -> 3,
    "8个月" / "不满一岁" -> 0. None if not understood."""
    t = _nfkc(text)
    if re.search(r"(不满|不到|没满|未满|还没到)\s*(1|一)\s*(周)?岁", t):
        return 0
    if ("个月" in t or "月大" in t) and "岁" not in t:
        months = parse_number(t)
        return None if months is None else int(months // 12)
    m = re.search(r"(" + _NUM_RUN_RE.pattern + r")\s*周?岁", t)
    value = _numeral_value(m.group(1)) if m else parse_number(t)
    return None if value is None else int(math.floor(value))


def parse_grade(text) -> int | None:
    """Disability grade 1-10: "8", "八级", "8级伤残", "伤残八级", "十级". None if there is no
    number; ParseError if the number is not a grade."""
    t = _nfkc(text)
    m = re.search(r"(" + _NUM_RUN_RE.pattern + r")\s*级", t)
    value = _numeral_value(m.group(1)) if m else parse_number(t)
    if value is None:
        return None
    if value != int(value) or not 1 <= value <= 10:
        raise ParseError(HINT_GRADE)
    return int(value)


# --------------------------------------------------------------------------- durations
_DURATION_RE = re.compile(
    r"(?P<y>\d+(?:\.\d+)?)年(?P<yh>半)?"
    r"|(?P<yhalf>半)年"
    r"|(?P<m>\d+(?:\.\d+)?)个?(?P<mh>半)?月"
    r"|(?P<mhalf>半)个?月"
    r"|(?P<w>\d+(?:\.\d+)?)个?(?:星期|周|礼拜)"
    r"|(?P<d>\d+(?:\.\d+)?)(?:天|日)")


def _duration_parts(text) -> dict | None:
    s = _arabize(_squash(text).replace("多", ""))
    parts = {"years": 0.0, "months": 0.0, "weeks": 0.0, "days": 0.0}
    found = False
    for m in _DURATION_RE.finditer(s):
        found = True
        if m.group("y"):
            parts["years"] += float(m.group("y")) + (0.5 if m.group("yh") else 0)
        elif m.group("yhalf"):
            parts["years"] += 0.5
        elif m.group("m"):
            parts["months"] += float(m.group("m")) + (0.5 if m.group("mh") else 0)
        elif m.group("mhalf"):
            parts["months"] += 0.5
        elif m.group("w"):
            parts["weeks"] += float(m.group("w"))
        else:
            parts["days"] += float(m.group("d"))
    return parts if found else None


def duration_months(text) -> float | None:
    """A length of time in months: "三个月" 3, "两年半" 30, "半年" 6, "一年零三个月" 15,
    "18个月" 18, "两周" ~0.47. None if the text names no length of time."""
    p = _duration_parts(text)
    if p is None:
        return None
    return p["years"] * 12 + p["months"] + p["weeks"] * 7 / 30 + p["days"] / 30


def _duration_days(p: dict) -> float:
    return p["years"] * 365 + p["months"] * 30 + p["weeks"] * 7 + p["days"]


# --------------------------------------------------------------------------- dialogue helpers
_CORRECTION_MARKERS = ("刚才那个不对", "刚才说错了", "刚才错了", "我说错了", "说错了", "搞错了",
                       "弄错了", "写错了", "填错了", "打错了", "记错了", "错了", "改一下", "改一改",
                       "更正一下", "更正", "纠正一下", "纠正", "应该是", "不对", "不是")
_AMBIGUOUS_MARKERS = ("不对", "不是")           # also plain answers: "不是" alone is a "no"
_SEPARATORS = " \t\u3000，,：:。.；;！!、～~-—"
_FILLERS = ("哦", "噢", "啊", "呃", "嗯", "哎", "唉", "诶", "额")
_LEADS = ("应该是", "其实是", "实际上是", "实际是", "改成", "改为", "改到", "是")


def correction(text) -> str | None:
    """If the answer corrects an earlier one ("不对，是三个月", "说错了应该是6000"), the new answer
    ("三个月", "6000"); otherwise None. A bare "不是"/"不对" is not a correction (it can be a
    plain "no"); another bare marker ("说错了") gives ""."""
    s = _nfkc(text)
    s = s.lstrip(_SEPARATORS)
    while s.startswith(_FILLERS):
        s = s[1:].lstrip(_SEPARATORS)
    marker = next((m for m in _CORRECTION_MARKERS if s.startswith(m)), None)
    if marker is None:
        return None
    rest = s[len(marker):]
    if marker in _AMBIGUOUS_MARKERS:
        if _is_unknown(s):
            return None
        rest = rest.lstrip("的啊呀吧嘛")
        if rest.startswith(("很", "太", "特别", "那么", "这么", "一定", "完全", "我的", "我们的")):
            return None              # "不是很多", "不是我的责任": an answer, not a correction
    direct = bool(rest) and rest[0] not in _SEPARATORS
    # "不是三个月是五个月", "不对三个月，五个月": the part after the last 是 / separator
    if marker in _AMBIGUOUS_MARKERS and direct and not rest.startswith(("是", "应该", "其实")):
        parts = re.split(r"[，,；;]|是", rest)
        if len(parts) > 1:
            rest = parts[-1]
    changed = True
    while changed:
        changed = False
        stripped = rest.lstrip(_SEPARATORS)
        for m in _CORRECTION_MARKERS + _LEADS:
            if stripped.startswith(m) and (m not in _AMBIGUOUS_MARKERS or m == marker):
                stripped = stripped[len(m):]
                changed = True
                break
        rest = stripped
    rest = rest.strip(_SEPARATORS)
    if rest.strip("的啊呀吧呢啦嘛哦") == "":
        return None if marker in _AMBIGUOUS_MARKERS else ""
    return rest


_QUESTION_WORDS = ("为什么", "怎么", "什么", "多少钱", "能不能", "可不可以", "哪里", "哪儿", "谁",
                   "吗", "如何", "咋", "啥", "是否", "要不要", "会不会", "该不该", "有没有用",
                   "哪个", "哪些", "几时")
_NOT_QUESTION = ("没什么", "什么都", "什么也", "不怎么", "谁也", "谁都", "多少钱都", "怎么也",
                 "怎么都")


def looks_like_question(text, fact=None) -> bool:
    """True when the resident asked a question instead of answering: a question mark, or a
    question word (怎么, 什么, 为什么, 吗, 多少钱, 能不能, 可不可以, 哪里, 谁 ...) in a text of more
    than 5 characters. A bare number with a question mark ("6000？") is an unsure answer; with a
    choice ``fact``, naming one of its choices exactly is an answer."""
    t = _nfkc(text)
    body = _compact(t)
    if not body:
        return False
    if fact is not None and getattr(fact, "type", None) == "choice":
        # an answer naming a choice exactly ("什么都吵") is an answer
        if any(body in _choice_keys(ch) for ch in fact.choices or []):
            return False
    if "?" in t:
        # "6000?" is an unsure answer, not a question
        return not re.fullmatch(r"[0-9.,万千百十元块]+", body)
    cleaned = body
    for w in _NOT_QUESTION:
        cleaned = cleaned.replace(w, "")
    return len(body) > 5 and any(w in cleaned for w in _QUESTION_WORDS)


# --------------------------------------------------------------------------- parse_answer
def _fmt(n) -> str:
    n = float(n)
    return str(int(n)) if n == int(n) else f"{n:g}"


def _check_bounds(fact, value, money: bool = False):
    lo, hi = getattr(fact, "min", None), getattr(fact, "max", None)
    if lo is not None and value < lo:
        raise ParseError((HINT_MONEY_MIN if money else HINT_MIN).format(n=_fmt(lo)))
    if hi is not None and value > hi:
        raise ParseError((HINT_MONEY_MAX if money else HINT_MAX).format(n=_fmt(hi)))
    return value


_NONE_RE = re.compile(r"(?:一分钱?|一毛钱?|分文|一个)?(?:都|也)?(?:没|无|未|木有|一个没)")


def _is_none_answer(text) -> bool:
    """"没有", "没住院", "一分没给": the amount or count is zero."""
    n = _compact(text)
    if n in ("无", "没", "没有", "没得", "木有"):
        return True
    if not _NONE_RE.match(n):
        return False
    rest = _NONE_RE.sub("", n, count=1)
    return not any(c.isdigit() or c in _CN_DIGITS for c in rest)


def _optional(fact) -> bool:
    return getattr(fact, "required", True) is False


def _unknown_or_raise(fact):
    """Unknown answer: None for an optional fact, a hint for a required one."""
    if _optional(fact):
        return None
    if getattr(fact, "type", None) == "choice" and getattr(fact, "choices", None):
        raise ParseError(HINT_UNKNOWN_CHOICE.format(options=_options(fact)))
    example = getattr(fact, "example", "") or ""
    raise ParseError(HINT_UNKNOWN.format(example=f"，比如 {example}" if example else ""))


def _number_error(fact, status, hint):
    example = getattr(fact, "example", "") or "6000"
    if status == "several":
        return ParseError(HINT_SEVERAL.format(example=example))
    if status == "vague":
        return ParseError(HINT_VAGUE.format(example=example))
    return ParseError(hint + (HINT_SKIP if _optional(fact) else ""))


def _parse_numeric(fact, text):
    kind = fact.type
    money = kind == "money"
    hint = {"money": HINT_MONEY, "number": HINT_NUMBER}.get(kind, HINT_INTEGER)
    if _is_none_answer(text):
        lo, hi = getattr(fact, "min", None), getattr(fact, "max", None)
        if (lo is None or lo <= 0) and (hi is None or hi >= 0):
            return 0 if kind == "integer" else 0.0
        if _optional(fact):
            return None
        raise ParseError(hint)
    value, status = _pick_number(text)
    if kind == "integer" and status in ("ok", "several"):
        # "住了两个星期" for a question in days, "两年半" for a question in months
        question = getattr(fact, "question", "") or ""
        parts = _duration_parts(text)
        if parts:
            if "天" in question and (parts["years"] or parts["months"] or parts["weeks"]):
                value, status = float(round(_duration_days(parts))), "ok"
            elif "月" in question and "天" not in question and parts["years"]:
                value, status = float(round(duration_months(text))), "ok"
    if status != "ok":
        if status == "none" and _is_unknown(text):
            return _unknown_or_raise(fact)
        raise _number_error(fact, status, hint)
    if kind == "integer":
        if value != int(value):
            raise ParseError(HINT_NOT_INTEGER)
        return _check_bounds(fact, int(value))
    return _check_bounds(fact, float(value), money)


def parse_answer(fact, text: str, today: date):
    """The typed value of a resident's answer to ``fact`` (a :class:`knowledge.cases.Fact`):
    money/number -> float, integer/grade/age -> int, date -> "YYYY-MM-DD", boolean -> bool,
    choice -> the choice's value, text -> the stripped text (at most 500 characters).
    "不知道"/"跳过" gives None for an optional fact. Raises :class:`ParseError` with a re-ask
    hint when the answer is not understood, out of fact.min/max, or a date in the future."""
    text = _nfkc(text)
    kind = getattr(fact, "type", "text")
    if not _compact(text):
        if _optional(fact):
            return None
        raise ParseError(HINT_EMPTY)

    if kind in ("money", "number", "integer"):
        return _parse_numeric(fact, text)

    if kind == "choice":
        value, status = _match_choice(fact, text)
        if status == "ok":
            return value
        if status == "none" and _is_unknown(text):
            return _unknown_or_raise(fact)
        template = HINT_CHOICE_AMBIGUOUS if status == "ambiguous" else HINT_CHOICE
        raise ParseError(template.format(options=_options(fact)))

    if kind == "boolean":
        if _is_unknown(text):
            return _unknown_or_raise(fact)
        value = parse_boolean(text)
        if value is None:
            raise ParseError(HINT_BOOLEAN + (HINT_SKIP if _optional(fact) else ""))
        return value

    if kind == "date":
        found = _date_and_precision(text, today)
        if found is None:
            if _is_unknown(text):
                return _unknown_or_raise(fact)
            raise ParseError(HINT_DATE + (HINT_SKIP if _optional(fact) else ""))
        d = found[0]
        if d > today:
            raise ParseError(HINT_FUTURE.format(today=f"{today.year}年{today.month}月{today.day}日"))
        if d.year < 1900:
            raise ParseError(HINT_TOO_OLD)
        return d.isoformat()

    if kind == "grade":
        value = parse_grade(text)
        if value is None:
            if _is_unknown(text) or (_optional(fact) and _is_none_answer(text)):
                return _unknown_or_raise(fact)
            raise ParseError(HINT_GRADE)
        return _check_bounds(fact, value)

    if kind == "age":
        value = parse_age(text)
        if value is None:
            if _is_unknown(text):
                return _unknown_or_raise(fact)
            raise ParseError(HINT_AGE)
        if not 0 <= value <= 150:
            raise ParseError(HINT_AGE)
        return _check_bounds(fact, value)

    # text
    if _is_unknown(text) or (_optional(fact) and _is_none_answer(text)):
        return _unknown_or_raise(fact)
    return text.strip()[:TEXT_MAX]

