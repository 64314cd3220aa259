"""Calculators: worked examples with the arithmetic written out, boundaries, errors, properties."""
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.analysis import injury
from knowledge.analysis.injury import (
    compensation_years,
    death_compensation,
    dependants_living_expenses,
    disability_coefficient,
    disability_compensation,
    funeral_costs,
    hospital_food_subsidy,
    lost_income,
    medical_costs,
    mental_damages_range,
    nursing_costs,
    nutrition_costs,
    split_traffic_compensation,
    transport_costs,
)
from knowledge.analysis.labor import (
    compensation_months,
    double_wages,
    economic_compensation,
    overtime_pay,
    unlawful_termination_damages,
    unpaid_wages,
)
from knowledge.analysis.money import Breakdown, CalcError, months_and_days

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False,
                    allow_infinity=False).map(float)


def _parts(result):
    return result["compulsory"] + result["commercial"] + result["party"] + result["victim_bears"]


# --- compensation_months (劳动合同法第47条) -------------------------------------------------

@pytest.mark.parametrize("start, end, expected", [
    (date(2020, 3, 1), date(2023, 3, 1), 3),        # exactly 3 full years, no remainder
    (date(2020, 3, 1), date(2023, 9, 1), 3 + 1),    # 3 years + 6 months: remainder >= 6 -> 1
    (date(2020, 3, 1), date(2023, 8, 31), 3 + 0.5),  # 3 years + 5 months 30 days: < 6 -> 0.5
    (date(2020, 3, 1), date(2023, 8, 30), 3 + 0.5),  # 3 years + 5 months 29 days: < 6 -> 0.5
    (date(2020, 3, 1), date(2023, 5, 1), 3 + 0.5),  # 3 years + 2 months -> 0.5
    (date(2020, 3, 1), date(2020, 3, 2), 0 + 0.5),  # a single day -> 0.5
    (date(2020, 3, 1), date(2020, 3, 1), 0),        # no service at all
    (date(2020, 3, 1), date(2021, 2, 28), 0 + 1),   # 11 months 27 days -> 1
])
def test_compensation_months(start, end, expected):
    assert compensation_months(start, end) == expected


def test_compensation_months_feb29_start():
    # 2020-02-29 + 1 year is 2021-02-28 (no Feb 29): that day completes the year.
    assert compensation_months(date(2020, 2, 29), date(2021, 2, 28)) == 1
    # one day earlier is 11 months and some days: remainder >= 6 months -> 1 as well
    assert compensation_months(date(2020, 2, 29), date(2021, 2, 27)) == 0 + 1
    # 2020-02-29 -> 2020-08-29 is 6 months exactly -> 1; 2020-08-28 is 5 months 30 days -> 0.5
    assert compensation_months(date(2020, 2, 29), date(2020, 8, 29)) == 1
    assert compensation_months(date(2020, 2, 29), date(2020, 8, 28)) == 0.5


def test_compensation_months_end_before_start():
    with pytest.raises(CalcError) as err:
        compensation_months(date(2023, 1, 1), date(2022, 12, 31))
    assert err.value.fact == "end"


@given(dates, dates, dates)
def test_compensation_months_monotonic_and_bounded(start, end_a, end_b):
    if end_a < start or end_b < start:
        return
    early, late = sorted((end_a, end_b))
    assert compensation_months(start, early) <= compensation_months(start, late)
    full_years = months_and_days(start, late)[0] // 12
    assert compensation_months(start, late) <= full_years + 1


# --- economic compensation and damages (第47、87条) -------------------------------------------

def test_economic_compensation_example():
    result = economic_compensation(8000, date(2020, 3, 1), date(2023, 5, 1))
    expected = 8000 * 3.5  # 3 full years + 2 months remainder (<6) -> 0.5
    assert result.item == "economic_compensation"
    assert result.amount == expected == 28000.00
    assert result.basis == "statute"
    assert result.formula == "8000.00 元/月 × 3.5 个月 = 28000.00 元"
    assert result.figures["wage_used"] == 8000
    assert result.figures["months"] == 3.5
    assert result.figures["capped"] is False


def test_economic_compensation_below_cap_is_not_capped():
    # 20000 <= 3 × 8000 = 24000: no cap, all 18.5 months count
    result = economic_compensation(20000, date(2005, 3, 1), date(2023, 5, 1), 8000)
    expected = 20000 * 18.5  # 18 full years + 2 months -> 0.5
    assert result.amount == expected
    assert result.figures["capped"] is False


def test_economic_compensation_cap_wage_and_twelve_years():
    result = economic_compensation(30000, date(2005, 3, 1), date(2023, 5, 1), 8000)
    expected = (3 * 8000) * 12  # wage 30000 > 3 × 8000 -> 24000/month; 18.5 months -> capped at 12
    assert result.amount == expected == 288000.00
    assert result.figures["wage_used"] == 24000
    assert result.figures["months"] == 12
    assert result.figures["months_uncapped"] == 18.5
    assert result.figures["capped"] is True
    assert "24000.00 元/月 × 12 个月 = 288000.00 元" in result.formula


def test_economic_compensation_cap_short_service_keeps_months():
    # capped wage, but only 3 years 7 months of service: N = 4 (< 12, so the year cap bites nothing)
    result = economic_compensation(30000, date(2020, 3, 1), date(2023, 10, 1), 8000)
    expected = (3 * 8000) * 4  # 3 years + 7 months (>= 6) -> 1
    assert result.amount == expected


def test_economic_compensation_minimum_wage_floor():
    # 实施条例第27条: average wage below the local minimum -> use the minimum
    result = economic_compensation(1500, date(2022, 1, 1), date(2023, 1, 1),
                                   local_minimum_wage=2000)
    expected = 2000 * 1  # exactly one year
    assert result.amount == expected
    assert result.figures["floored"] is True


def test_unlawful_termination_damages_example_and_cap():
    result = unlawful_termination_damages(8000, date(2020, 3, 1), date(2023, 9, 1))
    expected = 2 * 8000 * 4  # 3 years + 6 months (>= 6) -> N = 4, doubled
    assert result.item == "unlawful_termination_damages"
    assert result.amount == expected == 64000.00
    capped = unlawful_termination_damages(30000, date(2005, 3, 1), date(2023, 5, 1), 8000)
    expected = 2 * (3 * 8000) * 12  # same cap as 第47条
    assert capped.amount == expected == 576000.00
    assert capped.figures["capped"] is True


@pytest.mark.parametrize("func", [economic_compensation, unlawful_termination_damages])
@pytest.mark.parametrize("args, fact", [
    ((-1, date(2020, 1, 1), date(2021, 1, 1)), "monthly_wage"),
    ((8000, date(2021, 1, 1), date(2020, 1, 1)), "end"),
    ((8000, "2020-01-01", date(2021, 1, 1)), "start"),
    ((8000, date(2020, 1, 1), date(2021, 1, 1), 0), "local_avg_monthly_wage"),
    ((8000, date(2020, 1, 1), date(2021, 1, 1), -5000), "local_avg_monthly_wage"),
    ((float("nan"), date(2020, 1, 1), date(2021, 1, 1)), "monthly_wage"),
    ((True, date(2020, 1, 1), date(2021, 1, 1)), "monthly_wage"),
])
def test_compensation_invalid_inputs(func, args, fact):
    with pytest.raises(CalcError) as err:
        func(*args)
    assert err.value.fact == fact
    assert fact in str(err.value)


def test_compensation_invalid_minimum_wage():
    with pytest.raises(CalcError) as err:
        economic_compensation(8000, date(2020, 1, 1), date(2021, 1, 1), local_minimum_wage=-1)
    assert err.value.fact == "local_minimum_wage"


# --- double wages (第82条) ------------------------------------------------------------------

def test_double_wages_signed_late_with_proration():
    result = double_wages(8000, date(2023, 1, 1), date(2023, 5, 16), as_of=date(2024, 6, 1))
    # period 2023-02-01 .. 2023-05-15: Feb, Mar, Apr = 3 whole months + May 1-15 = 15 days
    expected = 8000 * 3 + 8000 * 15 / 30
    assert result.item == "double_wages"
    assert result.amount == expected == 28000.00
    assert result.basis == "practice"  # the 15 days were prorated by /30
    assert "30" in result.formula and "实务" in result.formula
    assert result.figures["period_start"] == "2023-02-01"
    assert result.figures["period_end"] == "2023-05-15"
    assert result.figures["months"] == 3.5


def test_double_wages_whole_months_is_statute():
    result = double_wages(6000, date(2023, 1, 1), date(2023, 6, 1), as_of=date(2024, 1, 1))
    expected = 6000 * 4  # 2023-02-01 .. 2023-05-31 = Feb, Mar, Apr, May
    assert result.amount == expected
    assert result.basis == "statute"


def test_double_wages_never_signed_capped_at_eleven_months():
    result = double_wages(8000, date(2023, 1, 1), None, as_of=date(2025, 3, 1))
    expected = 8000 * 11  # 2023-02-01 .. 2023-12-31, the day before start + 1 year
    assert result.amount == expected
    assert result.figures["period_end"] == "2023-12-31"
    assert result.figures["months"] == 11


def test_double_wages_never_signed_counts_to_as_of_inclusive():
    result = double_wages(9000, date(2023, 1, 1), None, as_of=date(2023, 3, 10))
    expected = 9000 * 1 + 9000 * 10 / 30  # 2023-02-01 .. 2023-03-10: February + 10 days
    assert result.amount == expected == 12000.00


def test_double_wages_signed_within_first_month():
    # signed on the last day of the first month and on the first day after it
    assert double_wages(8000, date(2023, 1, 1), date(2023, 1, 31), date(2024, 1, 1)).amount == 0
    assert double_wages(8000, date(2023, 1, 1), date(2023, 2, 1), date(2024, 1, 1)).amount == 0
    one_day = double_wages(8000, date(2023, 1, 1), date(2023, 2, 2), date(2024, 1, 1))
    expected = 8000 * 1 / 30  # only 2023-02-01 falls in the period
    assert one_day.amount == round(expected, 2) == 266.67


def test_double_wages_feb29_start():
    # start 2024-02-29: period from 2024-03-29 to the day before 2025-02-28 (no Feb 29 in 2025)
    result = double_wages(3000, date(2024, 2, 29), None, as_of=date(2026, 1, 1))
    assert result.figures["period_start"] == "2024-03-29"
    assert result.figures["period_end"] == "2025-02-27"
    expected = 3000 * 11  # still 11 whole months
    assert result.amount == expected


@pytest.mark.parametrize("args, fact", [
    ((-1, date(2023, 1, 1), None, date(2024, 1, 1)), "monthly_wage"),
    ((8000, date(2023, 1, 1), None, date(2022, 12, 31)), "as_of"),
    ((8000, date(2023, 1, 1), "2023-05-01", date(2024, 1, 1)), "signed"),
    ((8000, None, None, date(2024, 1, 1)), "start"),
])
def test_double_wages_invalid(args, fact):
    with pytest.raises(CalcError) as err:
        double_wages(*args)
    assert err.value.fact == fact


@given(money, dates, st.one_of(st.none(), dates), dates)
def test_double_wages_never_exceeds_eleven_months(wage, start, signed, as_of):
    if as_of < start:
        return
    result = double_wages(wage, start, signed, as_of)
    assert 0 <= result.amount <= 11 * wage + 0.005
    assert 0 <= result.figures["months"] <= 11


# --- overtime and unpaid wages ---------------------------------------------------------------

def test_overtime_pay_example():
    result = overtime_pay(8000, workday_hours=10, restday_hours=8, holiday_hours=8)
    hourly = 8000 / 21.75 / 8  # ≈ 45.977 元/小时
    expected = hourly * (1.5 * 10 + 2 * 8 + 3 * 8)  # 15 + 16 + 24 = 55 weighted hours
    assert result.item == "overtime_pay"
    assert result.amount == round(expected, 2) == 2528.74
    assert result.figures["hourly_base"] == round(hourly, 4)


def test_overtime_pay_no_hours():
    assert overtime_pay(8000).amount == 0


@pytest.mark.parametrize("kwargs, fact", [
    ({"monthly_wage": -1}, "monthly_wage"),
    ({"monthly_wage": 8000, "workday_hours": -1}, "workday_hours"),
    ({"monthly_wage": 8000, "restday_hours": -2}, "restday_hours"),
    ({"monthly_wage": 8000, "holiday_hours": float("inf")}, "holiday_hours"),
    ({"monthly_wage": "8000"}, "monthly_wage"),
])
def test_overtime_invalid(kwargs, fact):
    with pytest.raises(CalcError) as err:
        overtime_pay(**kwargs)
    assert err.value.fact == fact


def test_unpaid_wages_and_additional_compensation():
    owed, extra = unpaid_wages(12345.67)
    assert owed.item == "unpaid_wages" and owed.amount == 12345.67
    assert extra.item == "additional_compensation"
    # low = 12345.67 × 50% = 6172.835 -> half up -> 6172.84; high = 12345.67 × 100%
    assert extra.low == 6172.84
    assert extra.high == 12345.67 * 1.0
    assert extra.amount == extra.low
    assert "逾期" in extra.formula  # only after the labour authority's deadline is missed
    with pytest.raises(CalcError) as err:
        unpaid_wages(-1)
    assert err.value.fact == "amount_owed"


def test_rounding_is_half_up():
    # 0.125 × 1 day would be 0.12 under banker's rounding
    assert lost_income(0.125, 1).amount == 0.13
    assert lost_income(2.675, 1).amount == 2.68  # float 2.675 is 2.67499...; we round the decimal


# --- compensation years and coefficients ----------------------------------------------------

@pytest.mark.parametrize("age, expected", [
    (0, 20), (30, 20), (59, 20),
    (60, 20 - (60 - 60)),   # 60: still 20
    (61, 20 - (61 - 60)),   # 19
    (74, 20 - (74 - 60)),   # 6
    (75, 5), (80, 5), (100, 5),
])
def test_compensation_years(age, expected):
    assert compensation_years(age) == expected


@pytest.mark.parametrize("age", [-1, 1.5, "60", None, True])
def test_compensation_years_invalid(age):
    with pytest.raises(CalcError) as err:
        compensation_years(age)
    assert err.value.fact == "age"


@pytest.mark.parametrize("grade, expected", [(1, 1.0), (2, 0.9), (5, 0.6), (9, 0.2), (10, 0.1)])
def test_disability_coefficient(grade, expected):
    assert disability_coefficient(grade) == expected  # (11 - grade) / 10


@pytest.mark.parametrize("grade", [0, 11, -1, 2.0, "3", None, True])
def test_disability_coefficient_invalid(grade):
    with pytest.raises(CalcError) as err:
        disability_coefficient(grade)
    assert err.value.fact == "disability_grade"


def test_disability_compensation_example():
    result = disability_compensation(38484, 62, 8)
    expected = 38484 * (20 - 2) * 0.3  # 62 years old -> 18 years; grade 8 -> 30%
    assert result.item == "disability_compensation"
    assert result.amount == round(expected, 2) == 207813.60
    assert result.basis == "practice"  # the coefficient is not in the interpretation
    assert "实务" in result.formula


@pytest.mark.parametrize("age, years", [(59, 20), (60, 20), (61, 19), (74, 6), (75, 5), (80, 5)])
def test_death_compensation_by_age(age, years):
    result = death_compensation(38484, age)
    expected = 38484 * years
    assert result.item == "death_compensation"
    assert result.amount == expected
    assert result.basis == "statute"


def test_death_and_disability_invalid():
    with pytest.raises(CalcError) as err:
        death_compensation(-1, 30)
    assert err.value.fact == "per_capita_income"
    with pytest.raises(CalcError) as err:
        disability_compensation(38484, -3, 5)
    assert err.value.fact == "age"
    with pytest.raises(CalcError) as err:
        disability_compensation(38484, 30, 12)
    assert err.value.fact == "disability_grade"


@given(money, st.integers(min_value=0, max_value=110), st.integers(min_value=1, max_value=10))
def test_disability_never_exceeds_death(income, age, grade):
    assert disability_compensation(income, age, grade).amount <= death_compensation(income, age).amount


def test_funeral_costs():
    result = funeral_costs(90000)
    expected = 90000 / 12 * 6  # six months of the average monthly wage
    assert result.item == "funeral_costs" and result.amount == expected == 45000.00
    with pytest.raises(CalcError) as err:
        funeral_costs(-90000)
    assert err.value.fact == "avg_annual_wage"


# --- receipt-based and per-day heads ----------------------------------------------------------

@pytest.mark.parametrize("func, item", [
    (medical_costs, "medical_costs"),
    (nutrition_costs, "nutrition_costs"),
    (transport_costs, "transport_costs"),
])
def test_receipt_heads(func, item):
    result = func(1234.5)
    assert result.item == item and result.amount == 1234.50
    with pytest.raises(CalcError) as err:
        func(-0.01)
    assert err.value.fact == "amount"


def test_per_day_heads():
    assert lost_income(300, 45).amount == 300 * 45  # 13500
    assert nursing_costs(150, 20).amount == 150 * 20 * 1  # one carer by default
    assert nursing_costs(150, 20, persons=2).amount == 150 * 20 * 2
    assert hospital_food_subsidy(100, 12).amount == 100 * 12
    assert lost_income(300, 45).item == "lost_income"
    assert nursing_costs(150, 20).item == "nursing_costs"
    assert hospital_food_subsidy(100, 12).item == "hospital_food_subsidy"


@pytest.mark.parametrize("call, fact", [
    (lambda: lost_income(-1, 10), "daily_income"),
    (lambda: lost_income(300, -1), "days"),
    (lambda: nursing_costs(-150, 10), "daily_rate"),
    (lambda: nursing_costs(150, -10), "days"),
    (lambda: nursing_costs(150, 10, persons=0), "persons"),
    (lambda: nursing_costs(150, 10, persons=1.5), "persons"),
    (lambda: hospital_food_subsidy(-100, 3), "daily_standard"),
    (lambda: hospital_food_subsidy(100, -3), "days"),
])
def test_per_day_heads_invalid(call, fact):
    with pytest.raises(CalcError) as err:
        call()
    assert err.value.fact == fact


# --- dependants' living expenses (人损解释第17条) ---------------------------------------------

def test_dependants_single_minor():
    result = dependants_living_expenses(23539, [{"age": 10, "supporters": 2}])
    expected = 23539 * (18 - 10) / 2  # minor counted to 18: 8 years, two parents share
    assert result.item == "dependants_living_expenses"
    assert result.amount == expected == 94156.00
    assert result.basis == "statute"


def test_dependants_incapacitated_adult_uses_age_rule():
    result = dependants_living_expenses(
        23539, [{"age": 70, "supporters": 3, "incapacitated": True}])
    expected = 23539 * (20 - (70 - 60)) / 3  # 70 -> 10 years, three children share
    assert result.amount == round(expected, 2)


def test_dependants_yearly_cap():
    dependants = [
        {"age": 10, "supporters": 2},                         # 8 years × 11769.50
        {"age": 16, "supporters": 1},                         # 2 years × 23539.00
        {"age": 70, "supporters": 3, "incapacitated": True},  # 10 years × 7846.33...
    ]
    result = dependants_living_expenses(23539, dependants)
    years_1_2 = 2 * 23539  # 11769.5 + 23539 + 7846.33 > 23539 -> capped at 23539
    years_3_8 = 6 * (23539 / 2 + 23539 / 3)  # 19615.83 < 23539, not capped
    years_9_10 = 2 * (23539 / 3)
    expected = years_1_2 + years_3_8 + years_9_10
    assert result.amount == round(expected, 2) == 180465.67
    assert result.figures["capped_years"] == 2


def test_dependants_scaled_by_victim_disability():
    result = dependants_living_expenses(23539, [{"age": 10, "supporters": 2}],
                                        victim_disability_grade=5)
    expected = 23539 * 8 / 2 * 0.6  # grade 5 -> coefficient 0.6
    assert result.amount == round(expected, 2)
    assert result.basis == "practice"


@pytest.mark.parametrize("consumption, dependants, fact", [
    (-1, [{"age": 10}], "per_capita_consumption"),
    (23539, [], "dependants"),
    (23539, "child", "dependants"),
    (23539, [{"supporters": 1}], "dependants[0]"),
    (23539, [{"age": -1}], "dependants[0].age"),
    (23539, [{"age": 10}, {"age": 5, "supporters": 0}], "dependants[1].supporters"),
    (23539, [{"age": 40, "supporters": 1}], "dependants[0].incapacitated"),
    (23539, [{"age": 40, "incapacitated": "yes"}], "dependants[0].incapacitated"),
])
def test_dependants_invalid(consumption, dependants, fact):
    with pytest.raises(CalcError) as err:
        dependants_living_expenses(consumption, dependants)
    assert err.value.fact == fact


def test_dependants_invalid_victim_grade():
    with pytest.raises(CalcError) as err:
        dependants_living_expenses(23539, [{"age": 10}], victim_disability_grade=11)
    assert err.value.fact == "disability_grade"


@given(money, st.lists(st.fixed_dictionaries({
    "age": st.integers(min_value=0, max_value=17),
    "supporters": st.integers(min_value=1, max_value=4)}), min_size=1, max_size=5))
def test_dependants_never_exceed_yearly_cap(consumption, dependants):
    result = dependants_living_expenses(consumption, dependants)
    longest = max(18 - d["age"] for d in dependants)
    assert result.amount <= round(consumption * longest, 2) + 0.01


# --- mental damages (practice ranges) --------------------------------------------------------

def test_mental_damages_ranges():
    death = mental_damages_range("death")
    assert (death.low, death.high) == (50000, 100000)
    assert death.item == "mental_damages" and death.basis == "practice"
    assert "非法律规定" in death.formula
    grade1 = mental_damages_range("disability", 1)
    grade10 = mental_damages_range("disability", 10)
    assert (grade1.low, grade1.high) == (50000, 100000)
    assert (grade10.low, grade10.high) == (5000, 10000)
    grade4 = mental_damages_range("disability", 4)
    assert (grade4.low, grade4.high) == (5000 * (11 - 4), 10000 * (11 - 4))  # 35000-70000
    injury = mental_damages_range("injury")
    assert (injury.low, injury.high) == (0, 5000)
    assert injury.amount == injury.low


def test_mental_damages_reads_editable_parameters(monkeypatch):
    monkeypatch.setitem(injury.MENTAL_DAMAGES_PRACTICE, "death", (60000, 120000))
    assert mental_damages_range("death").high == 120000


@pytest.mark.parametrize("injury, grade, fact", [
    ("burn", None, "injury"),
    ("disability", None, "disability_grade"),
    ("disability", 0, "disability_grade"),
    ("disability", 11, "disability_grade"),
])
def test_mental_damages_invalid(injury, grade, fact):
    with pytest.raises(CalcError) as err:
        mental_damages_range(injury, grade)
    assert err.value.fact == fact


# --- splitting a traffic claim (民法典第1213条, 道交法第76条) --------------------------------

HEADS = [
    Breakdown("medical_costs", 30000.0, "", {}),
    Breakdown("nutrition_costs", 2000.0, "", {}),
    Breakdown("lost_income", 13500.0, "", {}),
    Breakdown("disability_compensation", 207813.60, "", {}),
]


def test_split_main_responsibility_with_commercial_insurance():
    result = split_traffic_compensation(HEADS, 0.7, commercial_limit=1_000_000)
    total = 30000 + 2000 + 13500 + 207813.60                 # 253313.60
    compulsory = min(30000 + 2000, 18000) + min(13500 + 207813.60, 180000)  # 18000 + 180000
    liable = (total - compulsory) * 0.7                      # 55313.60 × 70% = 38719.52
    assert result["total"] == round(total, 2)
    assert result["compulsory"] == compulsory == 198000
    assert result["commercial"] == round(liable, 2) == 38719.52
    assert result["party"] == 0
    assert result["victim_bears"] == round(total - compulsory - liable, 2) == 16594.08
    assert result["liability_share"] == 0.7
    assert all(isinstance(step, str) for step in result["steps"])


def test_split_commercial_limit_then_party():
    result = split_traffic_compensation(HEADS, 1.0, commercial_limit=50000)
    remainder = 253313.60 - 198000  # 55313.60, all owed at full responsibility
    assert result["commercial"] == 50000
    assert result["party"] == round(remainder - 50000, 2) == 5313.60
    assert result["victim_bears"] == 0


def test_split_by_practice_level():
    result = split_traffic_compensation(HEADS, "secondary")
    assert result["liability_share"] == 0.3
    assert result["party"] == round((253313.60 - 198000) * 0.3, 2)  # no commercial insurance
    assert any("实务" in step for step in result["steps"])


def test_split_pedestrian_no_fault_cap():
    result = split_traffic_compensation(HEADS, 0.5, victim_is_pedestrian_or_nonmotor=True,
                                        motor_at_fault=False)
    # no-fault 交强险 limits (regulator's figures): medical 1800, death/disability 18000
    compulsory = min(32000, 1800) + min(221313.60, 18000)   # 19800
    liable = (253313.60 - compulsory) * 0.10                 # share capped at 10%
    assert result["liability_share"] == 0.1
    assert result["compulsory"] == compulsory
    assert result["party"] == round(liable, 2)
    none_level = split_traffic_compensation(HEADS, "none", victim_is_pedestrian_or_nonmotor=True,
                                            motor_at_fault=False)
    assert none_level["liability_share"] == 0.1


def test_split_motor_vs_motor_no_cap():
    result = split_traffic_compensation(HEADS, 0.5, motor_at_fault=False)
    assert result["liability_share"] == 0.5  # 第76条 10% cap only protects pedestrians/non-motor


def test_split_uninsured_vehicle_party_pays_within_limits():
    result = split_traffic_compensation(HEADS, 0.7, compulsory_insured=False)
    within = 18000 + 180000
    assert result["compulsory"] == 0
    assert result["party"] == round(within + (253313.60 - within) * 0.7, 2)
    assert abs(_parts(result) - result["total"]) < 0.005


def test_split_custom_limits_and_property():
    heads = HEADS + [Breakdown("property_loss", 5000.0, "", {})]
    limits = {"death_disability": 100000, "medical": 10000, "property": 2000}
    result = split_traffic_compensation(heads, 1.0, compulsory_limits=limits)
    assert result["compulsory"] == 10000 + 100000 + 2000
    assert result["compulsory_limits_used"] == limits


def test_split_default_limits_are_module_parameters(monkeypatch):
    monkeypatch.setitem(injury.COMPULSORY_LIMITS, "medical", 10000)
    result = split_traffic_compensation(HEADS, 1.0)
    assert result["compulsory"] == 10000 + 180000


@pytest.mark.parametrize("heads, share, kwargs, fact", [
    (HEADS, 1.5, {}, "liability_share"),
    (HEADS, -0.1, {}, "liability_share"),
    (HEADS, "mostly", {}, "liability_share"),
    ([{"item": "medical_costs", "amount": 1}], 1.0, {}, "heads"),
    ([Breakdown("medical_costs", -1.0, "", {})], 1.0, {}, "heads"),
    (HEADS, 1.0, {"commercial_limit": -1}, "commercial_limit"),
    (HEADS, 1.0, {"compulsory_limits": {"medical": 1}}, "compulsory_limits"),
    (HEADS, 1.0, {"compulsory_limits": {"death_disability": 1, "medical": -1, "property": 0}},
     "compulsory_limits"),
])
def test_split_invalid(heads, share, kwargs, fact):
    with pytest.raises(CalcError) as err:
        split_traffic_compensation(heads, share, **kwargs)
    assert err.value.fact == fact


head_items = st.sampled_from(sorted(injury.MEDICAL_ITEMS | injury.PROPERTY_ITEMS
                                    | {"lost_income", "death_compensation", "mental_damages"}))


@settings(max_examples=200)
@given(st.lists(st.builds(lambda item, amount: Breakdown(item, amount, "", {}), head_items, money),
                max_size=8),
       st.decimals(min_value=0, max_value=1, places=3).map(float),
       money, st.booleans(), st.booleans(), st.booleans())
def test_split_parts_sum_to_total(heads, share, commercial, insured, pedestrian, at_fault):
    result = split_traffic_compensation(heads, share, commercial_limit=commercial,
                                        compulsory_insured=insured,
                                        victim_is_pedestrian_or_nonmotor=pedestrian,
                                        motor_at_fault=at_fault)
    assert abs(_parts(result) - result["total"]) < 0.005
    assert abs(result["total"] - sum(h.amount for h in heads)) < 0.005
    for key in ("compulsory", "commercial", "party", "victim_bears"):
        assert result[key] >= 0
    assert result["commercial"] <= commercial
    if pedestrian and not at_fault:
        assert result["liability_share"] <= 0.1


def test_calc_error_is_value_error_with_chinese_message():
    with pytest.raises(ValueError) as err:
        funeral_costs(-1)
    assert "负数" in str(err.value) and "avg_annual_wage" in str(err.value)


def test_breakdown_is_frozen():
    result = funeral_costs(1200)
    with pytest.raises(AttributeError):
        result.amount = 0  # type: ignore[misc]


def test_dates_accept_datetime():
    result = economic_compensation(8000, datetime(2020, 3, 1, 9), datetime(2023, 3, 1, 18))
    assert result.amount == 8000 * 3  # exactly three years; the times of day are ignored
