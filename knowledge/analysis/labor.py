"""Labor case types: dismissal, no written contract, unpaid wages, work injury; and their
calculators, small pure functions returning :class:`~.money.Breakdown` records.

Sources (texts in shared/data/statutes): 劳动合同法 第47、82、85、87条; 劳动合同法实施条例
第7、27条; 劳动法 第44条; 工伤保险条例 第35–37、64条; 月计薪天数 21.75 from 劳社部发〔2008〕3号.
The wording and the citations of each case type are in ``knowledge/cases/*.yml``.
"""
from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import deadlines as dl
from .money import (Breakdown, _date, _dec, _money, _money_float, _n, _number, _y,
                    add_months, invalid, months_and_days)
from .registry import Computed, Context, computes
from .wording import say

# -- editable parameters (practice and regulator figures, not statute) --------------------------
#: 月计薪天数 and daily hours used to derive the hourly base for overtime (劳社部发〔2008〕3号).
MONTHLY_PAY_DAYS = Decimal("21.75")
HOURS_PER_DAY = Decimal("8")

#: Days per month used to prorate an incomplete month of double wages (practice).
DAYS_PER_MONTH_PRACTICE = 30

#: 劳动合同法第47条第2款: above three times the local average wage, N counts at most 12 years.
CAPPED_MAX_YEARS = 12

# 工伤保险条例 第35–37条: one-off disability subsidy, months of the worker's own wage by grade
# (checked against the 2010 text: 27/25/23/21, 18/16, 13/11/9/7).
DISABILITY_SUBSIDY_MONTHS = {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}
#: 河南省工伤保险条例第27条 (2007): months of the 统筹地区 average monthly wage of the year before
#: the employment ends, by grade: 一次性工伤医疗补助金 (+30% for an occupational disease) and
#: 一次性伤残就业补助金 (full from five years before the normal retirement age; 20% less for each
#: year short of five; 10% in the last year). Whether a newer provincial rule replaced these
#: figures was not verified: the case type says so and refers to the social insurance office.
HENAN_MEDICAL_SUBSIDY_MONTHS = {5: 16, 6: 14, 7: 12, 8: 10, 9: 8, 10: 6}
HENAN_EMPLOYMENT_SUBSIDY_MONTHS = {5: 56, 6: 46, 7: 36, 8: 26, 9: 16, 10: 6}
HENAN_DISEASE_EXTRA = Decimal("1.3")

#: 工伤保险条例第64条: the own wage counts at least 60% and at most 300% of the local average.
OWN_WAGE_FLOOR, OWN_WAGE_CEILING = Decimal("0.6"), Decimal("3")


# -- calculators ---------------------------------------------------------------------------------
def compensation_months(start: date, end: date) -> float:
    """N of 劳动合同法第47条: one month per full year; a remainder of 6 months or more counts 1,
    a shorter non-zero remainder counts 0.5. ``end`` is the day the contract ends; the service is
    the calendar span from ``start`` to ``end`` (2020-03-01 -> 2023-03-01 is exactly 3 years)."""
    start, end = _date(start, "start"), _date(end, "end")
    if end < start:
        raise invalid("end_before_start", "end")
    months, days = months_and_days(start, end)
    years, rest = divmod(months, 12)
    if rest >= 6:
        return float(years + 1)
    if rest or days:
        return years + 0.5
    return float(years)


def _compensation_base(monthly_wage, start, end, local_avg_monthly_wage, local_minimum_wage):
    wage = _money(monthly_wage, "monthly_wage")
    start, end = _date(start, "start"), _date(end, "end")
    months = _dec(compensation_months(start, end))
    figures = {"monthly_wage": float(wage), "start": start.isoformat(), "end": end.isoformat(),
               "months_uncapped": float(months)}
    wage_used, capped, floored = wage, False, False
    notes = []
    if local_minimum_wage is not None:
        minimum = _money(local_minimum_wage, "local_minimum_wage")
        figures["local_minimum_wage"] = float(minimum)
        if wage < minimum:
            wage_used, floored = minimum, True
            notes.append(say("formulas.compensation.minimum_wage", minimum=_y(minimum)))
    if local_avg_monthly_wage is not None:
        avg = _money(local_avg_monthly_wage, "local_avg_monthly_wage", positive=True)
        figures["local_avg_monthly_wage"] = float(avg)
        if wage > 3 * avg:
            wage_used, capped = 3 * avg, True
            notes.append(say("formulas.compensation.capped", wage=_y(wage), avg=_y(avg),
                             cap=_y(3 * avg), years=CAPPED_MAX_YEARS))
            months = min(months, Decimal(CAPPED_MAX_YEARS))
    figures.update(wage_used=float(wage_used), months=float(months), capped=capped, floored=floored)
    prefix = "；".join(notes) + "：" if notes else ""
    return wage_used, months, figures, prefix


def economic_compensation(monthly_wage, start: date, end: date, local_avg_monthly_wage=None, *,
                          local_minimum_wage=None) -> Breakdown:
    """经济补偿 N × 月工资 (劳动合同法第47条). ``monthly_wage`` is the average of the last 12 months
    (实施条例第27条; below ``local_minimum_wage`` it is raised to it). Above three times
    ``local_avg_monthly_wage`` the wage is capped at three times it and N at 12."""
    wage_used, months, figures, prefix = _compensation_base(
        monthly_wage, start, end, local_avg_monthly_wage, local_minimum_wage)
    amount = wage_used * months
    formula = f"{prefix}{_y(wage_used)} 元/月 × {_n(months)} 个月 = {_y(amount)} 元"
    return Breakdown("economic_compensation", _money_float(amount), formula, figures)


def unlawful_termination_damages(monthly_wage, start: date, end: date, local_avg_monthly_wage=None,
                                 *, local_minimum_wage=None) -> Breakdown:
    """违法解除赔偿金: twice the 第47条 economic compensation (劳动合同法第87条), same caps."""
    wage_used, months, figures, prefix = _compensation_base(
        monthly_wage, start, end, local_avg_monthly_wage, local_minimum_wage)
    amount = 2 * wage_used * months
    figures["multiplier"] = 2
    formula = f"{prefix}2 × {_y(wage_used)} 元/月 × {_n(months)} 个月 = {_y(amount)} 元"
    return Breakdown("unlawful_termination_damages", _money_float(amount), formula, figures)


def double_wages(monthly_wage, start: date, signed: date | None, as_of: date) -> Breakdown:
    """The extra month's wage per month without a written contract (劳动合同法第82条, 实施条例第7条).

    The period runs from ``start`` + 1 month to the day before ``signed`` (or to ``as_of``, inclusive,
    when never signed), and ends no later than the day before ``start`` + 1 year (at most 11 months).
    Whole months are counted by calendar; leftover days are prorated days/30 of a month (practice).
    """
    wage = _money(monthly_wage, "monthly_wage")
    start, as_of = _date(start, "start"), _date(as_of, "as_of")
    if as_of < start:
        raise invalid("as_of_before_start", "as_of")
    last = as_of
    if signed is not None:
        signed = _date(signed, "signed")
        last = min(last, signed - timedelta(days=1))
    period_start = add_months(start, 1)
    last = min(last, add_months(start, 12) - timedelta(days=1))
    figures = {"monthly_wage": float(wage), "start": start.isoformat(),
               "signed": signed.isoformat() if signed else None, "as_of": as_of.isoformat()}
    if last < period_start:
        figures.update(months=0.0, whole_months=0, extra_days=0, period_start=None, period_end=None)
        if signed is not None and signed <= period_start:
            why = say("formulas.double_wages.signed_in_time", date=period_start.isoformat())
        else:
            why = say("formulas.double_wages.within_first_month", date=as_of.isoformat())
        return Breakdown("double_wages", 0.0, f"{why}：{_y(0)} 元", figures)
    months_from_start, days = months_and_days(start, last + timedelta(days=1))
    whole = months_from_start - 1
    fraction = Decimal(days) / DAYS_PER_MONTH_PRACTICE
    amount = wage * whole + wage * days / DAYS_PER_MONTH_PRACTICE
    figures.update(months=float(round(whole + fraction, 4)), whole_months=whole, extra_days=days,
                   period_start=period_start.isoformat(), period_end=last.isoformat())
    span = f"（{period_start.isoformat()} 至 {last.isoformat()}）"
    if days:
        formula = (f"{_y(wage)} 元/月 × {whole} 个月 + {_y(wage)} 元/月 × {days}/"
                   f"{DAYS_PER_MONTH_PRACTICE} 个月 = {_y(amount)} 元{span}；"
                   + say("formulas.double_wages.prorated", days=days,
                         per_month=DAYS_PER_MONTH_PRACTICE))
        basis = "practice"
    else:
        formula = f"{_y(wage)} 元/月 × {whole} 个月 = {_y(amount)} 元{span}"
        basis = "statute"
    return Breakdown("double_wages", _money_float(amount), formula, figures, basis)


def overtime_pay(monthly_wage, workday_hours=0, restday_hours=0, holiday_hours=0) -> Breakdown:
    """加班费 (劳动法第44条): hourly base = monthly wage / 21.75 / 8; 150% for extended workday hours,
    200% for rest-day hours without compensatory time off, 300% for statutory-holiday hours."""
    wage = _money(monthly_wage, "monthly_wage")
    workday = _number(workday_hours, "workday_hours", label="加班小时数")
    restday = _number(restday_hours, "restday_hours", label="加班小时数")
    holiday = _number(holiday_hours, "holiday_hours", label="加班小时数")
    hourly = wage / MONTHLY_PAY_DAYS / HOURS_PER_DAY
    weighted = Decimal("1.5") * workday + 2 * restday + 3 * holiday
    amount = hourly * weighted
    figures = {"monthly_wage": float(wage), "hourly_base": float(round(hourly, 4)),
               "workday_hours": float(workday), "restday_hours": float(restday),
               "holiday_hours": float(holiday), "monthly_pay_days": float(MONTHLY_PAY_DAYS)}
    formula = (f"{_y(wage)} 元 ÷ {MONTHLY_PAY_DAYS} 天 ÷ {HOURS_PER_DAY} 小时 × "
               f"(150% × {_n(workday)} + 200% × {_n(restday)} + 300% × {_n(holiday)}) 小时"
               f" = {_y(amount)} 元")
    return Breakdown("overtime_pay", _money_float(amount), formula, figures)


def unpaid_wages(amount_owed) -> list[Breakdown]:
    """The owed wages and the 50%-100% 加付赔偿金 range of 劳动合同法第85条, payable only when the
    employer misses the deadline the labour authority sets."""
    owed = _money(amount_owed, "amount_owed")
    low, high = owed * Decimal("0.5"), owed
    wages = Breakdown("unpaid_wages", _money_float(owed), f"拖欠工资 {_y(owed)} 元",
                      {"amount_owed": float(owed)})
    extra = Breakdown(
        "additional_compensation", _money_float(low),
        f"{_y(owed)} 元 × 50% ～ 100% = {_y(low)} ～ {_y(high)} 元"
        + say("formulas.additional_compensation"),
        {"amount_owed": float(owed), "low_rate": 0.5, "high_rate": 1.0},
        low=_money_float(low), high=_money_float(high))
    return [wages, extra]


def one_off_disability_subsidy(monthly_wage: float, grade: int,
                               local_avg_monthly_wage: float | None = None) -> Breakdown:
    """一次性伤残补助金: months of the worker's own wage by grade (工伤保险条例第35–37条), the
    own wage held between 60% and 300% of the local average (第64条)."""
    if grade not in DISABILITY_SUBSIDY_MONTHS:
        raise invalid("grade_one_to_ten", "disability_grade")
    if monthly_wage is None or monthly_wage < 0:
        raise invalid("negative_wage", "monthly_wage")
    months = DISABILITY_SUBSIDY_MONTHS[grade]
    wage = Decimal(str(monthly_wage))
    used, note = wage, ""
    if local_avg_monthly_wage is not None:
        avg = Decimal(str(local_avg_monthly_wage))
        if avg <= 0:
            raise invalid("average_wage_not_positive", "local_avg_monthly_wage")
        low, high = avg * OWN_WAGE_FLOOR, avg * OWN_WAGE_CEILING
        if wage < low:
            used, note = low, say("formulas.own_wage.floor", avg=f"{avg:.2f}", used=f"{low:.2f}")
        elif wage > high:
            used, note = high, say("formulas.own_wage.ceiling", avg=f"{avg:.2f}", used=f"{high:.2f}")
    amount = (used * months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Breakdown(
        item="one_off_disability_subsidy", amount=float(amount),
        formula=f"{note}{used:.2f} 元/月（本人工资）× {months} 个月（{grade}级）= {amount:.2f} 元",
        figures={"monthly_wage": float(wage), "wage_used": float(used), "months": months,
                 "grade": grade, "local_avg_monthly_wage": local_avg_monthly_wage})


def employment_subsidy_percent(years_to_retirement) -> int:
    """河南省工伤保险条例第27条: 100% five years or more before retirement; 20 points less for each
    full year short of five (4 -> 80, 3 -> 60, 2 -> 40, 1 -> 20); under one year 10."""
    years = _number(years_to_retirement, "years_to_retirement", label="距退休年数")
    if years >= 5:
        return 100
    if years < 1:
        return 10
    return 20 * int(years)


def henan_one_off_subsidies(grade: int, avg_monthly_wage, *, occupational_disease: bool = False,
                            years_to_retirement=None) -> list[Breakdown]:
    """一次性工伤医疗补助金 and 一次性伤残就业补助金 for a grade 5-10 worker whose employment ends
    (工伤保险条例第36、37条; standards of 河南省工伤保险条例第27条), on the 统筹地区 average monthly
    wage of the year before the employment ends."""
    if grade not in HENAN_MEDICAL_SUBSIDY_MONTHS:
        raise invalid("grade_five_to_ten", "disability_grade")
    base = _money(avg_monthly_wage, "local_avg_monthly_wage", positive=True)
    unit = say("formulas.henan_subsidies.base")
    months = HENAN_MEDICAL_SUBSIDY_MONTHS[grade]
    medical = base * months
    formula = f"{_y(base)} {unit} × {months} 个月（{grade}级）"
    if occupational_disease:
        medical *= HENAN_DISEASE_EXTRA
        formula += f" × 130%（{say('formulas.henan_subsidies.occupational_disease')}）"
    first = Breakdown("one_off_medical_subsidy", _money_float(medical),
                      f"{formula} = {_y(medical)} 元",
                      {"base": float(base), "months": months, "grade": grade,
                       "occupational_disease": occupational_disease})
    months = HENAN_EMPLOYMENT_SUBSIDY_MONTHS[grade]
    employment = base * months
    formula = f"{_y(base)} {unit} × {months} 个月（{grade}级）"
    percent = 100
    if years_to_retirement is not None:
        percent = employment_subsidy_percent(years_to_retirement)
        if percent < 100:
            employment = employment * percent / 100
            formula += (f" × {percent}%（"
                        f"{say('formulas.henan_subsidies.retirement', percent=percent)}）")
    second = Breakdown("one_off_employment_subsidy", _money_float(employment),
                       f"{formula} = {_y(employment)} 元",
                       {"base": float(base), "months": months, "grade": grade,
                        "percent": percent})
    return [first, second]


# -- compute functions ---------------------------------------------------------------------------
def _days_left(deadline, ctx: Context) -> int:
    """Days from today to a deadline's last day; negative once it has passed."""
    return (deadline.date - ctx.today).days


def _add_arbitration(out: Computed, deadline, ctx: Context) -> None:
    """The labour arbitration deadline, and the days left to it for the case's conditions."""
    out.deadlines.append(deadline)
    out.derived["arbitration_days_left"] = _days_left(deadline, ctx)


def dismissal_outcome(termination: str | None, protected_status: str | None) -> str:
    """Which amount a dismissal is owed: ``damages`` (违法解除, 劳动合同法第48、87条),
    ``compensation`` (第46条), ``misconduct`` (第39条: none if the employer proves it; damages
    otherwise) or ``none``. Protected workers (第42条) cannot be dismissed on the 第40、41条 grounds
    nor let go at the contract's end (第45条), except that the end of a contract of a worker
    disabled at work follows the work-injury rules (第45条 second sentence)."""
    protected = protected_status not in (None, "none")
    if termination == "unlawful":
        return "damages"
    if termination == "misconduct":
        return "misconduct"
    if termination == "lawful" and protected:
        return "damages"
    if termination == "expiry" and protected and protected_status != "work_injury":
        return "damages"
    if termination in ("lawful", "expiry", "agreement"):
        return "compensation"
    return "none"


@computes("unlawful_dismissal")
def unlawful_dismissal(f: dict, ctx: Context) -> Computed:
    out = Computed()
    out.derived["outcome"] = dismissal_outcome(f.get("termination"), f.get("protected_status"))
    if not {"monthly_wage", "start_date", "end_date"} <= set(f):
        return out
    if f["end_date"] < f["start_date"]:
        raise invalid("before_work_started", "end_date", fact="end_date")
    avg = f.get("local_avg_monthly_wage")
    out.amounts.append(economic_compensation(f["monthly_wage"], f["start_date"], f["end_date"], avg))
    out.amounts.append(unlawful_termination_damages(f["monthly_wage"], f["start_date"],
                                                    f["end_date"], avg))
    out.derived["service_months"] = compensation_months(f["start_date"], f["end_date"])
    out.derived["service_years"] = months_and_days(f["start_date"], f["end_date"])[0] // 12
    chosen = {"damages": "unlawful_termination_damages",
              "compensation": "economic_compensation"}.get(out.derived["outcome"])
    if chosen:
        out.derived["total"] = next(a.amount for a in out.amounts if a.item == chosen)
    out.deadlines.append(dl.labor_arbitration(f["end_date"]))
    return out


@computes("no_written_contract")
def no_written_contract(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if not {"monthly_wage", "start_date"} <= set(f):
        return out
    signed = f.get("signed_date")
    if f.get("signed") and signed is None:
        return out  # signed, but on which day is unknown: the period cannot be fixed
    # A contract signed before work starts is lawful (劳动合同法第10条第3款): no order check.
    as_of = f.get("as_of") or ctx.today
    if as_of < f["start_date"]:
        raise invalid("as_of_before_work_started", "as_of")
    b = double_wages(f["monthly_wage"], f["start_date"], signed, as_of)
    out.amounts.append(b)
    out.derived["total"] = b.amount
    out.derived["double_wage_months"] = b.figures.get("months", 0)
    # 实施条例第7条: still no written contract on the day one year after the start.
    anniversary = add_months(f["start_date"], 12)
    out.derived["one_year_without_contract"] = (
        anniversary <= as_of if signed is None else signed > anniversary)
    period_end = b.figures.get("period_end")
    if period_end:
        _add_arbitration(out, dl.labor_arbitration(dt.date.fromisoformat(period_end)), ctx)
    return out


@computes("unpaid_wages")
def unpaid_wages_claim(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if f.get("amount_owed") is not None:
        out.amounts.extend(unpaid_wages(f["amount_owed"]))
        out.derived["total"] = out.amounts[0].amount
    ended = f.get("end_date") if not f.get("still_employed", False) else None
    start = f.get("owed_since") or ended
    if start is not None:
        d = dl.labor_arbitration(start, wage_claim=True, employment_ended=ended)
        if d is not None:
            _add_arbitration(out, d, ctx)
    return out


@computes("work_injury")
def work_injury(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if "injury_date" in f:
        employer = dl.work_injury_employer(f["injury_date"])
        worker = dl.work_injury_worker(f["injury_date"])
        out.deadlines += [employer, worker]
        out.derived["employer_days_left"] = _days_left(employer, ctx)
        out.derived["worker_days_left"] = _days_left(worker, ctx)
    if f.get("disability_grade") and f.get("monthly_wage") is not None:
        b = one_off_disability_subsidy(f["monthly_wage"], int(f["disability_grade"]),
                                       f.get("local_avg_monthly_wage"))
        out.amounts.append(b)
        out.derived["total"] = b.amount
    grade = f.get("disability_grade")
    henan = ctx.region == "河南"
    out.derived["henan_rules"] = henan
    if henan and grade and int(grade) >= 5 and f.get("local_avg_monthly_wage") is not None:
        # 河南省工伤保险条例第27条: payable only if the employment ends; not in the total
        out.amounts += henan_one_off_subsidies(
            int(grade), f["local_avg_monthly_wage"],
            occupational_disease=f.get("injury_circumstance") == "occupational_disease")
    return out
