"""The one working-day calendar: working days, office hours, response limits.

Working days come from ``chinesecalendar`` (statutory holidays and the 调休 weekends worked in
their place). For a year the package does not know yet it raises ``NotImplementedError``; then
the calendar falls back to weekends plus the holidays fixed by 全国年节及纪念日放假办法 (2024
revision, in force since 2025-01-01): 元旦 1 day, 春节 4 days (除夕 to 正月初三), 清明 1 day,
劳动节 2 days, 端午 1 day, 中秋 1 day, 国庆 3 days — without 调休, which the State Council
publishes each year. Published schedules entered later (``extra``) win over both.

Times in the database are naive UTC; everything here works in China Standard Time (+08:00, no
daylight saving) and :func:`iso` writes ISO 8601 with the offset. Response limits, booking slots
and ledger deadlines all use :class:`WorkCalendar`.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)
_warned: set[int] = set()

CST = dt.timezone(dt.timedelta(hours=8), "CST")

# Lunar holidays after the package's last year: (除夕, 端午, 中秋) in the Gregorian calendar,
# converted with the `lunardate` tables (checked against chinesecalendar for 2025 and 2026).
LUNAR_HOLIDAYS = {
    2027: ("2027-02-05", "2027-06-09", "2027-09-15"),
    2028: ("2028-01-25", "2028-05-28", "2028-10-03"),
    2029: ("2029-02-12", "2029-06-16", "2029-09-22"),
    2030: ("2030-02-02", "2030-06-05", "2030-09-12"),
    2031: ("2031-01-22", "2031-06-24", "2031-10-01"),
    2032: ("2032-02-10", "2032-06-12", "2032-09-19"),
    2033: ("2033-01-30", "2033-06-01", "2033-09-08"),
    2034: ("2034-02-18", "2034-06-20", "2034-09-27"),
    2035: ("2035-02-07", "2035-06-10", "2035-09-16"),
    2036: ("2036-01-27", "2036-05-30", "2036-10-04"),
}


@lru_cache(maxsize=64)
def fixed_holidays(year: int) -> frozenset[dt.date]:
    """The days off of 全国年节及纪念日放假办法 for ``year`` (no 调休)."""
    days = {dt.date(year, 1, 1), dt.date(year, 5, 1), dt.date(year, 5, 2),
            dt.date(year, 10, 1), dt.date(year, 10, 2), dt.date(year, 10, 3)}
    qingming = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
    days |= {d for d, name in qingming if name == "清明"}
    lunar = LUNAR_HOLIDAYS.get(year)
    if lunar:
        eve, dragon_boat, mid_autumn = (dt.date.fromisoformat(d) for d in lunar)
        days |= {eve + dt.timedelta(days=i) for i in range(4)} | {dragon_boat, mid_autumn}
    return frozenset(days)


def to_local(utc_naive: dt.datetime) -> dt.datetime:
    """A naive UTC time from the database as an aware time in +08:00."""
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(CST)


def to_utc_naive(aware: dt.datetime) -> dt.datetime:
    return aware.astimezone(dt.timezone.utc).replace(tzinfo=None)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with +08:00 (seconds precision) of a naive UTC or an aware time."""
    if value is None:
        return None
    aware = to_local(value) if value.tzinfo is None else value.astimezone(CST)
    return aware.replace(microsecond=0).isoformat()


def parse_hours(span: str) -> tuple[dt.time, dt.time]:
    """"09:00-17:00" -> (09:00, 17:00); ValueError when malformed or empty."""
    start, _, end = span.replace("–", "-").partition("-")
    a, b = dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())
    if b <= a:
        raise ValueError(f"office hours end before they start: {span!r}")
    return a, b


@dataclass(frozen=True)
class WorkCalendar:
    office_start: dt.time = dt.time(9)
    office_end: dt.time = dt.time(17)
    extra: dict = field(default_factory=dict)  # date -> True (working) / False (day off)
    # the admins' published schedule (PublishedSchedule): a callable -> {date: bool}
    published: object = field(default=None, compare=False)

    @classmethod
    def from_span(cls, span: str, extra: dict | None = None,
                  published=None) -> "WorkCalendar":
        start, end = parse_hours(span)
        return cls(start, end, dict(extra or {}), published)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra:
            return bool(self.extra[day])
        if self.published is not None:
            days = self.published()
            if day in days:
                return bool(days[day])
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in _warned:
                _warned.add(day.year)
                log.warning("chinesecalendar does not know %s yet: weekends and the fixed "
                            "holidays of 全国年节及纪念日放假办法 are used until an admin enters "
                            "the published schedule (console: 节假日安排)", day.year)
            return day.weekday() < 5 and day not in fixed_holidays(day.year)

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day after ``day``."""
        day += dt.timedelta(days=1)
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def _at(self, day: dt.date, t: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, t, tzinfo=CST)

    def in_office_hours(self, when: dt.datetime) -> bool:
        local = when.astimezone(CST)
        return (self.is_workday(local.date())
                and self.office_start <= local.timetz().replace(tzinfo=None) < self.office_end)

    def add_office_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """``start`` plus ``duration`` counted only in office hours of working days."""
        now = start.astimezone(CST)
        left = duration
        day = now.date()
        while True:
            if self.is_workday(day):
                opens, closes = self._at(day, self.office_start), self._at(day, self.office_end)
                begin = max(now, opens)
                if begin < closes:
                    if begin + left <= closes:
                        return begin + left
                    left -= closes - begin
            day = self.next_workday(day)
            now = self._at(day, self.office_start)

    def due_at(self, since: dt.datetime, *, priority: bool, urgent: dt.timedelta,
               normal: dt.timedelta) -> dt.datetime:
        """When a person must have answered: urgent ones by the clock, the others in office
        hours."""
        since = since.astimezone(CST)
        return since + urgent if priority else self.add_office_time(since, normal)

    def reply_expected(self, now: dt.datetime) -> tuple[str, dt.datetime]:
        """What to tell a resident who is handed to a person now: ("today", end of today's
        office hours) on a working day before closing time, otherwise ("next_workday", noon of
        the next working day, or the end of office hours if they close earlier)."""
        now = now.astimezone(CST)
        if self.is_workday(now.date()) and now < self._at(now.date(), self.office_end):
            return "today", self._at(now.date(), self.office_end)
        day = self.next_workday(now.date())
        return "next_workday", self._at(day, min(dt.time(12), self.office_end))


class PublishedSchedule:
    """The published holiday schedule (holidays and 调休 working days) that admins enter in the
    console, kept in the database (``calendar_days``) so every process sees it. Read through a
    cache of ``ttl`` seconds; a change made in this process is seen at once."""

    def __init__(self, sessions, ttl: float = 30.0):
        self.sessions = sessions
        self.ttl = ttl
        self._lock = threading.Lock()
        self._days: dict = {}
        self._read_at = -1e9

    def __call__(self) -> dict:
        if time.monotonic() - self._read_at > self.ttl:
            from sqlalchemy import select

            from ..models_booking import CalendarDay
            with self.sessions() as s:
                days = {r.day: r.workday for r in s.scalars(select(CalendarDay))}
            with self._lock:
                self._days, self._read_at = days, time.monotonic()
        return self._days

    def entries(self, year: int | None = None) -> list[dict]:
        from sqlalchemy import select

        from ..models_booking import CalendarDay
        with self.sessions() as s:
            rows = s.scalars(select(CalendarDay).order_by(CalendarDay.day)).all()
        return [{"day": r.day.isoformat(), "workday": r.workday, "note": r.note}
                for r in rows if year is None or r.day.year == year]

    def save(self, entries: list, *, user_id: int | None = None,
             remove: list | None = None) -> int:
        """Store ``[{"day": "YYYY-MM-DD", "workday": bool, "note"?}]`` and drop the days in
        ``remove``; all or nothing. ValueError names the first bad entry."""
        from ..db import session_scope
        from ..models_booking import CalendarDay

        clean = []
        for i, e in enumerate(entries or [], 1):
            try:
                day = dt.date.fromisoformat(str(e["day"]))
                if not isinstance(e["workday"], bool):
                    raise ValueError
                note = str(e.get("note") or "")[:80]
            except (KeyError, TypeError, ValueError):
                raise ValueError(i) from None
            clean.append((day, e["workday"], note))
        gone = []
        for i, d in enumerate(remove or [], 1):
            try:
                gone.append(dt.date.fromisoformat(str(d)))
            except ValueError:
                raise ValueError(i) from None
        with session_scope(self.sessions) as s:
            for day, workday, note in clean:
                row = s.get(CalendarDay, day) or CalendarDay(day=day)
                row.workday, row.note, row.updated_by = workday, note, user_id
                s.add(row)
            for day in gone:
                row = s.get(CalendarDay, day)
                if row is not None:
                    s.delete(row)
        self._read_at = -1e9
        return len(clean)
