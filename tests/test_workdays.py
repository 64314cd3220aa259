"""The one working-day calendar: statutory holidays and 调休 from chinesecalendar, the fixed
holidays of 全国年节及纪念日放假办法 for a year it does not know, office hours, response limits."""
from __future__ import annotations

import datetime as dt

import pytest

from web.services.workdays import CST, WorkCalendar, fixed_holidays, iso, parse_hours

CAL = WorkCalendar()


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


@pytest.mark.parametrize("day, working", [
    ("2026-10-01", False),  # 国庆
    ("2026-10-10", True),  # a Saturday worked in exchange (调休)
    ("2026-09-25", False),  # 中秋 2026
    ("2026-12-05", False),  # an ordinary Saturday
    ("2026-12-07", True),
    # 2027: chinesecalendar 1.11 does not know it yet -> weekends + the fixed holidays
    ("2027-01-01", False), ("2027-02-05", False), ("2027-02-08", False), ("2027-02-09", True),
    ("2027-04-05", False), ("2027-05-03", True), ("2027-06-09", False), ("2027-09-15", False),
    ("2027-10-04", True),
])
def test_working_days(day, working):
    assert CAL.is_workday(dt.date.fromisoformat(day)) is working


def test_the_fixed_holidays_of_a_year_the_package_does_not_know():
    days = fixed_holidays(2027)
    assert len(days) == 13  # 元旦1 + 春节4 + 清明1 + 劳动节2 + 端午1 + 中秋1 + 国庆3
    assert dt.date(2027, 2, 5) in days  # 除夕 is a day off since the 2025 revision
    assert dt.date(2027, 4, 5) in days  # 清明 from the solar term


def test_a_published_schedule_wins():
    cal = WorkCalendar(extra={dt.date(2027, 2, 20): True, dt.date(2027, 2, 9): False})
    assert cal.is_workday(dt.date(2027, 2, 20)) and not cal.is_workday(dt.date(2027, 2, 9))


def test_24_office_hours_skip_nights_weekends_and_holidays():
    normal, urgent = dt.timedelta(hours=24), dt.timedelta(minutes=30)
    # Friday 16:00: 1 h Friday, 8 h Monday, 8 h Tuesday, 7 h Wednesday
    assert CAL.due_at(at(2026, 12, 4, 16), priority=False, urgent=urgent,
                      normal=normal) == at(2026, 12, 9, 16)
    # before National Day: 7 h on 30 September, then 8 + 8 after the holiday, 1 h on the 调休 Saturday
    assert CAL.due_at(at(2026, 9, 30, 10), priority=False, urgent=urgent,
                      normal=normal) == at(2026, 10, 10, 10)
    # a Saturday night counts from Monday 09:00
    assert CAL.due_at(at(2026, 12, 5, 22), priority=False, urgent=urgent,
                      normal=normal) == at(2026, 12, 9, 17)
    # across New Year into 2027 (the fallback calendar)
    assert CAL.due_at(at(2026, 12, 30, 10), priority=False, urgent=urgent,
                      normal=normal) == at(2027, 1, 5, 10)
    # urgent: by the clock, nights and holidays included
    assert CAL.due_at(at(2026, 10, 1, 3), priority=True, urgent=urgent,
                      normal=normal) == at(2026, 10, 1, 3, 30)


def test_what_a_resident_is_told():
    assert CAL.reply_expected(at(2026, 12, 7, 10)) == ("today", at(2026, 12, 7, 17))
    assert CAL.reply_expected(at(2026, 12, 7, 7)) == ("today", at(2026, 12, 7, 17))
    assert CAL.reply_expected(at(2026, 12, 7, 17, 30)) == ("next_workday", at(2026, 12, 8, 12))
    assert CAL.reply_expected(at(2026, 12, 5, 10)) == ("next_workday", at(2026, 12, 7, 12))
    assert CAL.reply_expected(at(2026, 10, 2, 10)) == ("next_workday", at(2026, 10, 8, 12))


def test_office_hours_setting_and_iso_times():
    assert parse_hours("08:30-17:30") == (dt.time(8, 30), dt.time(17, 30))
    with pytest.raises(ValueError):
        parse_hours("17:00-09:00")
    assert WorkCalendar.from_span("08:30–12:00").in_office_hours(at(2026, 12, 7, 11))
    assert iso(dt.datetime(2026, 12, 5, 2, 0, 0, 123)) == "2026-12-05T10:00:00+08:00"
