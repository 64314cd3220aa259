"""Dates and lengths of time in a resident's words: "2023年3月5日", "去年3月", "上个月5号",
"三天前", "半年前"; "两年半", "一年零三个月", "两周"."""
from __future__ import annotations

import calendar
import functools
import re
from datetime import date, timedelta

from ..content.numerals import arabize
from .vocabulary import alternation, nfkc, squash, words

_NUM = r"\d+(?:\.\d+)?"
_DAY_SUFFIX = r"(?:日|号)?"


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


@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    """The relative-date patterns, built from the words of parse.yml."""
    w = words()
    year, part = alternation(w["relative_year"]), alternation(w["part_of_year"])
    units = alternation(u for group in w["time_units"].values() for u in group)
    return {
        "year_month": re.compile(f"({year})" + rf"(\d{{1,2}})月(?:份)?(?:(\d{{1,2}}){_DAY_SUFFIX})?"),
        "year_part": re.compile(f"({year})({part})"),
        # 月底 / 上个月底 / 3月底 / 去年5月中: the 月 of the relative words is the one before the part
        "month_part": re.compile(
            f"(?:(?P<rel>{alternation(k[:-1] for k in w['relative_month'] if k.endswith('月'))})|"
            f"(?:(?P<year>{year})?" + r"(?P<m>\d{1,2})))?月份?"
            f"(?P<part>{alternation(w['part_of_month'])})"),
        "month": re.compile(f"({alternation(w['relative_month'])})" + rf"(?:(\d{{1,2}}){_DAY_SUFFIX})?"),
        "day": re.compile(alternation(w["relative_day"])),
        "week": re.compile(alternation(w["relative_week"])),
        # 三天前, 两个月前, 半年前, 一年半以前, 三个多月前
        "offset": re.compile(rf"(?P<n>{_NUM}|半)(?P<many>多)?(?:个)?(?P<half>半)?(?P<many2>多)?"
                             f"(?P<unit>{units})" + r"(?P<half2>半)?多?(?:以|之)?(?P<dir>前|后)"),
        "number_part": re.compile(rf"(?<!\d)(\d{{4}}|\d{{2}})年({part})"),
        "year": re.compile(f"({year})"),
    }


def date_and_precision(text, today: date) -> tuple[date, str] | None:
    """(the date, "day" | "month" | "year"), or None when the text is not a date."""
    s = squash(text)
    raw = re.sub(r"\s+", "", nfkc(text).lower())
    if not s:
        return None
    s = arabize(s)
    raw = arabize(raw)
    try:
        return _match_date(s, raw, today)
    except (ValueError, OverflowError):
        return None


def _offset(m: re.Match, today: date) -> tuple[date, str]:
    units = words()["time_units"]
    n = 0.5 if m.group("n") == "半" else float(m.group("n"))
    if m.group("half") or m.group("half2"):
        n += 0.5
    sign = -1 if m.group("dir") == "前" else 1
    unit = m.group("unit")
    if unit in units["day"]:
        return today + timedelta(days=sign * round(n)), "day"
    if unit in units["week"]:
        return today + timedelta(days=sign * round(7 * n)), "day"
    in_years = unit in units["year"]
    months = n * 12 if in_years else n
    whole = int(months)
    d = _add_months(today, sign * whole) + timedelta(days=sign * round((months - whole) * 30))
    return d, "year" if in_years and n == int(n) else "month"


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _festival(s: str, today: date) -> tuple[date, str] | None:
    """春节前 / 过完年 / 去年春节: a day counted from the most recent Spring Festival (or the one
    of the year named), from the table of parse.yml. Always approximate ("about")."""
    w = words()
    m = re.search(f"({alternation(w['relative_year'])})?({alternation(w['festival_words'])})", s)
    if m is None:
        return None
    days = {int(y): date.fromisoformat(str(v)) for y, v in w["spring_festival"].items()}
    if m.group(1):
        year = today.year + w["relative_year"][m.group(1)]
        base = days.get(year)
    else:
        base = max((d for d in days.values() if d <= today), default=None)
    if base is None:
        return None
    return base + timedelta(days=w["festival_words"][m.group(2)]), "about"


def _part_of_month(s: str, today: date) -> tuple[date, str] | None:
    """月底 / 上个月底 / 这个月初 / 3月底 / 去年5月中: the end, start or middle of the month."""
    w, p = words(), _patterns()
    m = p["month_part"].search(s)
    if m is None:
        return None
    rel, year_word, month, part = m.group("rel"), m.group("year"), m.group("m"), m.group("part")
    if rel:
        first = _add_months(today.replace(day=1), w["relative_month"][rel + "月"])
    elif month:
        year = today.year + (w["relative_year"][year_word] if year_word else 0)
        first = date(year, int(month), 1)
        if not year_word and first > today:
            first = first.replace(year=first.year - 1)
    else:
        # a bare 月底: this month's, or last month's when this one has not got there yet
        first = today.replace(day=1)
    day = w["part_of_month"][part]
    d = _month_end(first) if day < 0 else first.replace(day=day)
    if not rel and not month and d > today:
        prev = _add_months(first, -1)
        d = _month_end(prev) if day < 0 else prev.replace(day=day)
    return d, "about"


def _match_date(s: str, raw: str, today: date) -> tuple[date, str] | None:
    w, p = words(), _patterns()
    rel_year, part_of_year = w["relative_year"], w["part_of_year"]
    found = _part_of_month(s, today) or _festival(s, today)
    if found is not None:
        return found
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
    m = p["year_month"].search(s)
    if m:
        year = today.year + rel_year[m.group(1)]
        if m.group(3):
            return date(year, int(m.group(2)), int(m.group(3))), "day"
        return date(year, int(m.group(2)), 1), "month"
    m = p["year_part"].search(s)
    if m:
        month = part_of_year[m.group(2)]
        first = date(today.year + rel_year[m.group(1)], month, 1)
        return (_month_end(first) if month == 12 else first), "about"
    # relative month: 上个月5号 / 上个月
    m = p["month"].search(s)
    if m:
        first = _add_months(today.replace(day=1), w["relative_month"][m.group(1)])
        if m.group(2):
            return first.replace(day=int(m.group(2))), "day"
        return first, "month"
    # relative day and week: 昨天, 前天, 上周
    m = p["day"].search(s)
    if m:
        return today + timedelta(days=w["relative_day"][m.group()]), "day"
    m = p["week"].search(s)
    if m:
        return today + timedelta(days=w["relative_week"][m.group()]), "day"
    m = p["offset"].search(s)
    if m:
        return _offset(m, today)
    # year and month: 2023年3月 / 2023-03
    m = re.search(r"(?<!\d)(\d{4}|\d{2})年(\d{1,2})月", s)
    if m:
        return date(_full_year(m.group(1), today), int(m.group(2)), 1), "month"
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})(?:月)?", raw.rstrip("。"))
    if m:
        return date(int(m.group(1)), int(m.group(2)), 1), "month"
    m = p["number_part"].search(s)
    if m:
        return date(_full_year(m.group(1), today), part_of_year[m.group(2)], 1), "month"
    # year only: 2023年 / 2023 / 去年
    m = re.search(r"(?<!\d)(\d{4}|\d{2})年", s)
    if m:
        return date(_full_year(m.group(1), today), 1, 1), "year"
    m = p["year"].search(s)
    if m:
        return date(today.year + rel_year[m.group(1)], 1, 1), "year"
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
    found = date_and_precision(text, today)
    return found[0] if found else None


def date_precision(text, today: date | None = None) -> str | None:
    """How exact a date answer is: "day", "month" ("2023年3月", "上个月", "两个月前") or "year"
    ("2023年", "去年"); None when the text is not a date."""
    found = date_and_precision(text, today or date.today())
    return found[1] if found else None


# --------------------------------------------------------------------------- lengths of time
@functools.lru_cache(maxsize=1)
def _duration_re() -> re.Pattern:
    units = words()["time_units"]
    return re.compile("|".join([
        rf"(?P<y>{_NUM})年(?P<yh>半)?",
        r"(?P<yhalf>半)年",
        rf"(?P<m>{_NUM})个?(?P<mh>半)?月",
        r"(?P<mhalf>半)个?月",
        rf"(?P<w>{_NUM})个?(?:{alternation(units['week'])})",
        rf"(?P<d>{_NUM})(?:{alternation(units['day'])})"]))


def duration_parts(text) -> dict | None:
    """{"years", "months", "weeks", "days"} as written, or None when the text names no length."""
    s = arabize(squash(text).replace("多", ""))
    parts = {"years": 0.0, "months": 0.0, "weeks": 0.0, "days": 0.0}
    found = False
    for m in _duration_re().finditer(s):
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
    p = duration_parts(text)
    if p is None:
        return None
    return p["years"] * 12 + p["months"] + p["weeks"] * 7 / 30 + p["days"] / 30


def duration_days(p: dict) -> float:
    """The days of :func:`duration_parts`' result (a month as 30 days, a year as 365)."""
    return p["years"] * 365 + p["months"] * 30 + p["weeks"] * 7 + p["days"]
