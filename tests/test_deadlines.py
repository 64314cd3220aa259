"""Deadlines: 民法典第201-202条 counting, each named period, Feb 29, errors, properties."""
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.analysis import deadlines as dl
from knowledge.analysis.money import CalcError
from knowledge.analysis.deadlines import (
    NOTE,
    Deadline,
    add_years,
    divorce_cooling_off,
    judicial_confirmation,
    labor_arbitration,
    limitation_period,
    work_injury_employer,
    work_injury_worker,
)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


def test_add_years_same_month_and_day():
    assert add_years(date(2020, 3, 1), 3) == date(2023, 3, 1)
    assert add_years(date(2020, 2, 29), 1) == date(2021, 2, 28)   # no Feb 29 -> month end
    assert add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)   # leap again
    assert add_years(date(2023, 2, 28), 1) == date(2024, 2, 28)   # not moved to the 29th


def test_limitation_period():
    result = limitation_period(date(2021, 6, 15))
    assert result == Deadline("limitation_period", date(2021 + 3, 6, 15), result.rule,
                              date(2021, 6, 15))
    assert "三年" in result.rule


def test_limitation_period_feb29():
    result = limitation_period(date(2020, 2, 29))
    assert result.date == date(2023, 2, 28)  # 2023 has no Feb 29: last day of February


def test_labor_arbitration_one_year():
    result = labor_arbitration(date(2023, 4, 10))
    assert result.item == "labor_arbitration"
    assert result.date == date(2024, 4, 10)
    assert result.start == date(2023, 4, 10)


def test_labor_arbitration_ignores_end_date_for_other_claims():
    result = labor_arbitration(date(2023, 4, 10), employment_ended=date(2023, 12, 1))
    assert result.date == date(2024, 4, 10)


def test_labor_arbitration_wage_claim():
    # wages owed during employment: the year runs from the end of employment
    ended = labor_arbitration(date(2022, 1, 31), wage_claim=True, employment_ended=date(2024, 2, 29))
    assert ended.start == date(2024, 2, 29)
    assert ended.date == date(2025, 2, 28)
    assert labor_arbitration(date(2022, 1, 31), wage_claim=True) is None  # still employed


def test_work_injury():
    employer = work_injury_employer(date(2024, 1, 15))
    assert employer.item == "employer_application"
    assert employer.date == date(2024, 1, 15) + timedelta(days=30) == date(2024, 2, 14)
    worker = work_injury_worker(date(2024, 1, 15))
    assert worker.item == "worker_application"
    assert worker.date == date(2025, 1, 15)
    assert work_injury_worker(date(2024, 2, 29)).date == date(2025, 2, 28)


def test_divorce_cooling_off():
    cooling, certificate = divorce_cooling_off(date(2024, 1, 31))
    assert cooling.item == "cooling_off_end"
    assert cooling.date == date(2024, 1, 31) + timedelta(days=30) == date(2024, 3, 1)  # leap Feb
    assert certificate.item == "certificate_application_end"
    assert certificate.start == cooling.date
    assert certificate.date == date(2024, 3, 1) + timedelta(days=30) == date(2024, 3, 31)


def test_divorce_cooling_off_feb29():
    cooling, certificate = divorce_cooling_off(date(2024, 2, 29))
    assert cooling.date == date(2024, 3, 30)   # Feb 29 not counted; Mar 1 is day 1, Mar 30 day 30
    assert certificate.date == date(2024, 4, 29)


def test_judicial_confirmation():
    result = judicial_confirmation(date(2023, 12, 15))
    assert result.item == "judicial_confirmation"
    assert result.date == date(2024, 1, 14)  # Dec 16-31 = 16 days + Jan 1-14 = 14 days


def test_days_periods_do_not_count_the_start_day():
    # 30 days from Jan 1: Jan 2 is day 1, Jan 31 is day 30
    assert judicial_confirmation(date(2023, 1, 1)).date == date(2023, 1, 31)


def test_accepts_datetime():
    assert limitation_period(datetime(2021, 6, 15, 23, 59)).date == date(2024, 6, 15)


def test_holiday_note_is_exposed():
    assert "203" in NOTE and "顺延" in NOTE


@pytest.mark.parametrize("call, fact", [
    (lambda: limitation_period("2021-06-15"), "known_date"),
    (lambda: labor_arbitration(None), "dispute_date"),
    (lambda: labor_arbitration(date(2023, 1, 1), wage_claim=True, employment_ended="2024-01-01"),
     "employment_ended"),
    (lambda: work_injury_employer(20240115), "injury_date"),
    (lambda: work_injury_worker(None), "injury_date"),
    (lambda: divorce_cooling_off("2024-01-01"), "application_date"),
    (lambda: judicial_confirmation(None), "agreement_date"),
])
def test_invalid_dates(call, fact):
    with pytest.raises(CalcError) as err:
        call()
    assert err.value.fact == fact


@given(dates)
def test_every_deadline_is_after_its_start(start):
    results = [
        limitation_period(start),
        labor_arbitration(start),
        labor_arbitration(start, wage_claim=True, employment_ended=start),
        work_injury_employer(start),
        work_injury_worker(start),
        judicial_confirmation(start),
        *divorce_cooling_off(start),
    ]
    for result in results:
        assert isinstance(result, Deadline)
        assert result.date > result.start >= start
        assert result.rule


@given(dates, st.integers(min_value=1, max_value=10))
def test_add_years_keeps_month_and_day_where_it_exists(start, years):
    end = dl.add_years(start, years)
    assert end.year == start.year + years and end.month == start.month
    assert end.day == start.day or (start.month, start.day, end.day) == (2, 29, 28)
