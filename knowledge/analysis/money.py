"""Damages and compensation calculators: small pure functions returning ``Breakdown`` records.

Every function validates its inputs (``CalcError`` names the offending input in ``fact``), computes
in ``Decimal`` and rounds half up to the cent once, at the end. Each ``Breakdown`` carries a
formula string with the actual figures, the figures themselves, and ``basis``: ``"statute"`` when
the rule is written in law, ``"practice"`` when a figure or share is what courts commonly use but
no statute fixes it.

Sources (texts in shared/data/statutes):
  labour  - 劳动合同法 第47、82、85、87条; 劳动合同法实施条例 第7、27条; 劳动法 第44条;
            月计薪天数 21.75 from 劳社部发〔2008〕3号.
  injury  - 人身损害赔偿解释(2022修正) 第6-17条; 民法典 第1179、1183、1213条; 道路交通安全法 第76条.

Dates in ``figures`` are ISO strings so that a Breakdown can be sent as JSON unchanged.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

# ---------------------------------------------------------------------------------------------
# Editable parameters (practice and regulator figures, not statute). Change them here only.
# ---------------------------------------------------------------------------------------------

#: 月计薪天数 and daily hours used to derive the hourly base for overtime (劳社部发〔2008〕3号).
MONTHLY_PAY_DAYS = Decimal("21.75")
HOURS_PER_DAY = Decimal("8")

#: Days per month used to prorate an incomplete month of double wages (practice).
DAYS_PER_MONTH_PRACTICE = 30

#: 精神损害抚慰金 ranges commonly awarded (practice; 民法典第1183条 and 精神损害解释第5条 fix no sum).
#: ``"disability"`` is keyed by grade 1-10.
MENTAL_DAMAGES_PRACTICE: dict = {
    "death": (50000, 100000),
    "disability": {grade: (5000 * (11 - grade), 10000 * (11 - grade)) for grade in range(1, 11)},
    "injury": (0, 5000),
}

#: 交强险 sub-limits with the insured vehicle at fault (regulator's figures since the 2020 reform;
#: not in the 条例 text). Keys: death_disability / medical / property.
COMPULSORY_LIMITS: dict = {"death_disability": 180000, "medical": 18000, "property": 2000}

#: 交强险 sub-limits when the insured vehicle bears no responsibility (regulator's figures, 2020).
COMPULSORY_LIMITS_NO_FAULT: dict = {"death_disability": 18000, "medical": 1800, "property": 100}

#: Shares courts commonly apply for each responsibility level in the police accident report
#: (practice). ``none_vs_pedestrian``: motor vehicle without fault against a pedestrian or
#: non-motor victim, which 道路交通安全法第76条 caps at 10%; here the cap itself is used.
LIABILITY_SHARE_PRACTICE: dict = {
    "full": 1.0,
    "main": 0.7,
    "equal": 0.5,
    "secondary": 0.3,
    "none": 0.0,
    "none_vs_pedestrian": 0.1,
}

#: Statutory cap on a faultless motor vehicle's share against a pedestrian/non-motor victim (第76条).
NO_FAULT_MOTOR_SHARE_CAP = Decimal("0.10")

#: Heads paid from the 交强险 medical sub-limit; property heads from the property sub-limit;
#: every other personal-injury head from the death/disability sub-limit.
MEDICAL_ITEMS = frozenset({"medical_costs", "hospital_food_subsidy", "nutrition_costs"})
PROPERTY_ITEMS = frozenset({"property_loss"})

_LEVEL_LABELS = {"full": "全部责任", "main": "主要责任", "equal": "同等责任",
                 "secondary": "次要责任", "none": "无责任", "none_vs_pedestrian": "无责任（对行人/非机动车）"}
_INJURY_LABELS = {"death": "死亡", "disability": "伤残", "injury": "受伤未构成伤残"}

_CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Records and errors
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Breakdown:
    """One head of a claim: its amount, how it was reached, and on what basis."""

    item: str
    amount: float
    formula: str
    figures: dict = field(default_factory=dict)
    basis: str = "statute"
    low: float | None = None
    high: float | None = None


class CalcError(ValueError):
    """An input a calculator cannot use; ``fact`` names it (e.g. ``"monthly_wage"``)."""

    def __init__(self, message: str, fact: str):
        self.fact = fact
        super().__init__(f"{message}（{fact}）")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months; a missing day becomes the month's last day
    (民法典第202条: 没有对应日的，月末日为期间的最后一日)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def months_and_days(start: date, end: date) -> tuple[int, int]:
    """Whole calendar months from ``start`` to ``end`` and the days left over (``end >= start``)."""
    total = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, total) > end:
        total -= 1
    return total, (end - add_months(start, total)).days


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _cent(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _money_float(value: Decimal) -> float:
    return float(_cent(value))


def _y(value) -> str:
    """Yuan with two decimals: ``8000.00``."""
    return f"{_cent(_dec(value)):.2f}"


def _n(value) -> str:
    """A count without trailing zeros: ``3.5``, ``4``, ``0.1``."""
    d = _dec(value).normalize()
    return f"{d:f}"


def _pct(value) -> str:
    return f"{_n(_dec(value) * 100)}%"


def _number(value, fact: str, *, label: str = "数值") -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise CalcError(f"{label}必须是数字", fact)
    d = _dec(value)
    if not d.is_finite():
        raise CalcError(f"{label}必须是有限的数字", fact)
    if d < 0:
        raise CalcError(f"{label}不能为负数", fact)
    return d


def _money(value, fact: str, *, positive: bool = False) -> Decimal:
    d = _number(value, fact, label="金额")
    if positive and d == 0:
        raise CalcError("金额必须大于零", fact)
    return d


def _count(value, fact: str, *, minimum: int = 0, label: str = "数量") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalcError(f"{label}必须是整数", fact)
    if value < minimum:
        raise CalcError(f"{label}不能小于{minimum}", fact)
    return value


def _date(value, fact: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise CalcError("日期格式不正确", fact)
    return value


def _age(value, fact: str = "age") -> int:
    return _count(value, fact, minimum=0, label="年龄")


def _grade(value, fact: str = "disability_grade") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise CalcError("伤残等级应为一级至十级（1-10）", fact)
    return value


# ---------------------------------------------------------------------------------------------
# Labour
# ---------------------------------------------------------------------------------------------

def compensation_months(start: date, end: date) -> float:
    """N of 劳动合同法第47条: one month per full year; a remainder of 6 months or more counts 1,
    a shorter non-zero remainder counts 0.5. ``end`` is the day the contract ends; the service is
    the calendar span from ``start`` to ``end`` (2020-03-01 -> 2023-03-01 is exactly 3 years)."""
    start, end = _date(start, "start"), _date(end, "end")
    if end < start:
        raise CalcError("终止日期早于入职日期", "end")
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
            notes.append(f"月工资低于当地最低工资 {_y(minimum)} 元，按最低工资计算")
    if local_avg_monthly_wage is not None:
        avg = _money(local_avg_monthly_wage, "local_avg_monthly_wage", positive=True)
        figures["local_avg_monthly_wage"] = float(avg)
        if wage > 3 * avg:
            wage_used, capped = 3 * avg, True
            notes.append(f"月工资 {_y(wage)} 元高于当地上年度职工月平均工资 {_y(avg)} 元的三倍，"
                         f"按 {_y(3 * avg)} 元/月计算、年限最多 12 年")
            months = min(months, Decimal(12))
    figures.update(wage_used=float(wage_used), months=float(months), capped=capped, floored=floored)
    return wage_used, months, figures, notes


def economic_compensation(monthly_wage, start: date, end: date, local_avg_monthly_wage=None, *,
                          local_minimum_wage=None) -> Breakdown:
    """经济补偿 N × 月工资 (劳动合同法第47条). ``monthly_wage`` is the average of the last 12 months
    (实施条例第27条; below ``local_minimum_wage`` it is raised to it). Above three times
    ``local_avg_monthly_wage`` the wage is capped at three times it and N at 12."""
    wage_used, months, figures, notes = _compensation_base(
        monthly_wage, start, end, local_avg_monthly_wage, local_minimum_wage)
    amount = wage_used * months
    prefix = "；".join(notes) + "：" if notes else ""
    formula = f"{prefix}{_y(wage_used)} 元/月 × {_n(months)} 个月 = {_y(amount)} 元"
    return Breakdown("economic_compensation", _money_float(amount), formula, figures)


def unlawful_termination_damages(monthly_wage, start: date, end: date, local_avg_monthly_wage=None,
                                 *, local_minimum_wage=None) -> Breakdown:
    """违法解除赔偿金: twice the 第47条 economic compensation (劳动合同法第87条), same caps."""
    wage_used, months, figures, notes = _compensation_base(
        monthly_wage, start, end, local_avg_monthly_wage, local_minimum_wage)
    amount = 2 * wage_used * months
    figures["multiplier"] = 2
    prefix = "；".join(notes) + "：" if notes else ""
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
        raise CalcError("计算截止日期早于用工之日", "as_of")
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
            formula = f"用工之日起一个月内（{period_start.isoformat()} 前）已订立书面劳动合同：0.00 元"
        else:
            formula = f"截至 {as_of.isoformat()} 未超过用工之日起一个月：0.00 元"
        return Breakdown("double_wages", 0.0, formula, figures)
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
                   f"不足一个月的 {days} 天按每月 {DAYS_PER_MONTH_PRACTICE} 天折算，系实务做法")
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
        f"（仅在劳动行政部门责令限期支付后逾期仍不支付时加付）",
        {"amount_owed": float(owed), "low_rate": 0.5, "high_rate": 1.0},
        low=_money_float(low), high=_money_float(high))
    return [wages, extra]


# ---------------------------------------------------------------------------------------------
# Personal injury (traffic)
# ---------------------------------------------------------------------------------------------

def compensation_years(age: int) -> int:
    """Years for 残疾/死亡赔偿金 (人损解释第12、15条): 20; from 60, one less per year above 60;
    75 and over, 5."""
    age = _age(age)
    if age < 60:
        return 20
    if age < 75:
        return 20 - (age - 60)
    return 5


def disability_coefficient(grade: int) -> float:
    """伤残系数: grade 1 -> 1.0 ... grade 10 -> 0.1 (practice from the appraisal standard, not the
    interpretation)."""
    grade = _grade(grade)
    return float(Decimal(11 - grade) / 10)


def disability_compensation(per_capita_income, age: int, grade: int) -> Breakdown:
    """残疾赔偿金 = 城镇居民人均可支配收入 × 年限 × 伤残系数 (人损解释第12条; 系数 practice).
    ``age`` is the age on the day the disability was assessed (定残之日)."""
    income = _money(per_capita_income, "per_capita_income")
    years = compensation_years(age)
    coefficient = _dec(disability_coefficient(grade))
    amount = income * years * coefficient
    formula = (f"{_y(income)} 元/年 × {years} 年 × 伤残系数 {_n(coefficient)}（{grade}级）"
               f" = {_y(amount)} 元；伤残系数按实务惯例（一级100%至十级10%），非司法解释规定")
    figures = {"per_capita_income": float(income), "age": age, "years": years,
               "disability_grade": grade, "coefficient": float(coefficient)}
    return Breakdown("disability_compensation", _money_float(amount), formula, figures, "practice")


def death_compensation(per_capita_income, age: int) -> Breakdown:
    """死亡赔偿金 = 城镇居民人均可支配收入 × 年限 (人损解释第15条)."""
    income = _money(per_capita_income, "per_capita_income")
    years = compensation_years(age)
    amount = income * years
    formula = f"{_y(income)} 元/年 × {years} 年 = {_y(amount)} 元"
    return Breakdown("death_compensation", _money_float(amount), formula,
                     {"per_capita_income": float(income), "age": age, "years": years})


def funeral_costs(avg_annual_wage) -> Breakdown:
    """丧葬费 = 上一年度职工月平均工资 × 6 (人损解释第14条)."""
    annual = _money(avg_annual_wage, "avg_annual_wage")
    amount = annual / 12 * 6
    formula = f"{_y(annual)} 元/年 ÷ 12 × 6 个月 = {_y(amount)} 元"
    return Breakdown("funeral_costs", _money_float(amount), formula,
                     {"avg_annual_wage": float(annual), "months": 6})


def _receipts(item: str, label: str, amount, fact: str = "amount") -> Breakdown:
    value = _money(amount, fact)
    return Breakdown(item, _money_float(value), f"{label}按票据/凭证 {_y(value)} 元",
                     {fact: float(value)})


def medical_costs(amount) -> Breakdown:
    """医疗费 as shown by receipts (人损解释第6条)."""
    return _receipts("medical_costs", "医疗费", amount)


def nutrition_costs(amount) -> Breakdown:
    """营养费 as fixed with the medical opinion (人损解释第11条)."""
    return _receipts("nutrition_costs", "营养费", amount)


def transport_costs(amount) -> Breakdown:
    """交通费 as shown by tickets and receipts (人损解释第9条)."""
    return _receipts("transport_costs", "交通费", amount)


def _per_day(item: str, rate, rate_fact: str, days) -> Breakdown:
    """A daily figure times a number of days, with the figures named as the caller's inputs."""
    rate = _money(rate, rate_fact)
    days = _number(days, "days", label="天数")
    amount = rate * days
    return Breakdown(item, _money_float(amount),
                     f"{_y(rate)} 元/天 × {_n(days)} 天 = {_y(amount)} 元",
                     {rate_fact: float(rate), "days": float(days)})


def lost_income(daily_income, days) -> Breakdown:
    """误工费 = daily income × days off work (人损解释第7条)."""
    return _per_day("lost_income", daily_income, "daily_income", days)


def nursing_costs(daily_rate, days, persons: int = 1) -> Breakdown:
    """护理费 = daily rate × days × carers (人损解释第8条; one carer unless a medical opinion says more)."""
    rate = _money(daily_rate, "daily_rate")
    days = _number(days, "days", label="天数")
    persons = _count(persons, "persons", minimum=1, label="护理人数")
    amount = rate * days * persons
    return Breakdown("nursing_costs", _money_float(amount),
                     f"{_y(rate)} 元/天 × {_n(days)} 天 × {persons} 人 = {_y(amount)} 元",
                     {"daily_rate": float(rate), "days": float(days), "persons": persons})


def hospital_food_subsidy(daily_standard, days) -> Breakdown:
    """住院伙食补助费 = local travel meal allowance per day × days in hospital (人损解释第10条)."""
    return _per_day("hospital_food_subsidy", daily_standard, "daily_standard", days)


def _dependant_years(entry, index: int) -> tuple[int, dict]:
    fact = f"dependants[{index}]"
    if not isinstance(entry, dict) or "age" not in entry:
        raise CalcError("被扶养人信息应包含年龄", fact)
    age = _age(entry["age"], f"{fact}.age")
    supporters = _count(entry.get("supporters", 1), f"{fact}.supporters", minimum=1,
                        label="扶养人数")
    incapacitated = entry.get("incapacitated", False)
    if not isinstance(incapacitated, bool):
        raise CalcError("是否丧失劳动能力应为是/否", f"{fact}.incapacitated")
    if age < 18:
        years = 18 - age
    elif incapacitated:
        years = compensation_years(age)
    else:
        raise CalcError("成年被扶养人须丧失劳动能力且无其他生活来源", f"{fact}.incapacitated")
    return years, {"age": age, "supporters": supporters, "incapacitated": incapacitated,
                   "years": years}


def dependants_living_expenses(per_capita_consumption, dependants: list[dict], *,
                               victim_disability_grade: int | None = None) -> Breakdown:
    """被扶养人生活费 (人损解释第16、17条).

    Each dependant: ``{"age": int, "supporters": int >= 1, "incapacitated": bool}``. A minor counts
    until 18; an adult without ability to work or other income counts 20 years under the 60/75
    rule. Each share = consumption × years / supporters; computed year by year, the yearly total
    for all dependants never exceeds ``per_capita_consumption``. For a disabled (not deceased)
    victim pass ``victim_disability_grade``: the total is scaled by the victim's disability
    coefficient (practice reading of 第17条 "根据扶养人丧失劳动能力程度").
    """
    consumption = _money(per_capita_consumption, "per_capita_consumption")
    if not isinstance(dependants, (list, tuple)) or not dependants:
        raise CalcError("至少需要一名被扶养人", "dependants")
    rows = [_dependant_years(entry, i) for i, entry in enumerate(dependants)]
    longest = max(years for years, _ in rows)
    total, capped_years = Decimal(0), 0
    for year in range(longest):
        yearly = sum((consumption / row["supporters"] for years, row in rows if years > year),
                     Decimal(0))
        if yearly > consumption:
            yearly, capped_years = consumption, capped_years + 1
        total += yearly
    parts = [f"{_y(consumption)} × {row['years']} 年 ÷ {row['supporters']} 人" for _, row in rows]
    formula = " + ".join(parts)
    if capped_years:
        formula += f"（其中 {capped_years} 年合计超过 {_y(consumption)} 元/年，按该数额计）"
    figures = {"per_capita_consumption": float(consumption), "dependants": [r for _, r in rows],
               "capped_years": capped_years}
    basis = "statute"
    if victim_disability_grade is not None:
        coefficient = _dec(disability_coefficient(victim_disability_grade))
        formula = f"[{formula}] × 伤残系数 {_n(coefficient)}（系数为实务做法）"
        total *= coefficient
        figures.update(victim_disability_grade=victim_disability_grade,
                       coefficient=float(coefficient))
        basis = "practice"
    formula += f" = {_y(total)} 元"
    return Breakdown("dependants_living_expenses", _money_float(total), formula, figures, basis)


def mental_damages_range(injury: str, grade: int | None = None) -> Breakdown:
    """精神损害抚慰金 range from ``MENTAL_DAMAGES_PRACTICE`` (practice; no statute fixes a sum).
    ``injury`` is ``"injury"`` (no disability), ``"disability"`` (with ``grade``) or ``"death"``.
    ``amount`` is the low end."""
    if injury not in _INJURY_LABELS:
        raise CalcError("伤害类型应为 injury / disability / death", "injury")
    if injury == "disability":
        grade = _grade(grade)
        low, high = MENTAL_DAMAGES_PRACTICE["disability"][grade]
        label = f"{grade}级伤残"
    else:
        low, high = MENTAL_DAMAGES_PRACTICE[injury]
        label = _INJURY_LABELS[injury]
    low, high = _dec(low), _dec(high)
    formula = f"{label}：{_y(low)} ～ {_y(high)} 元（实务常见区间，非法律规定，由法院酌定）"
    figures = {"injury": injury, "disability_grade": grade if injury == "disability" else None}
    return Breakdown("mental_damages", _money_float(low), formula, figures, "practice",
                     low=_money_float(low), high=_money_float(high))


def _share(liability_share, victim_is_pedestrian_or_nonmotor: bool) -> tuple[Decimal, str | None]:
    if isinstance(liability_share, str):
        level = liability_share
        if level == "none" and victim_is_pedestrian_or_nonmotor:
            level = "none_vs_pedestrian"
        if level not in LIABILITY_SHARE_PRACTICE:
            raise CalcError("责任等级应为 full / main / equal / secondary / none", "liability_share")
        share = _dec(LIABILITY_SHARE_PRACTICE[level])
        return share, f"{_LEVEL_LABELS.get(level, level)}按实务惯例承担 {_pct(share)}"
    share = _number(liability_share, "liability_share", label="责任比例")
    if share > 1:
        raise CalcError("责任比例应在 0 到 1 之间", "liability_share")
    return share, None


def _limits(compulsory_limits, motor_at_fault: bool) -> dict:
    source = compulsory_limits
    if source is None:
        source = COMPULSORY_LIMITS if motor_at_fault else COMPULSORY_LIMITS_NO_FAULT
    if not isinstance(source, dict):
        raise CalcError("交强险限额格式不正确", "compulsory_limits")
    limits = {}
    for key in ("death_disability", "medical", "property"):
        if key not in source:
            raise CalcError(f"缺少交强险分项限额 {key}", "compulsory_limits")
        limits[key] = _money(source[key], "compulsory_limits")
    return limits


def split_traffic_compensation(heads: list[Breakdown], liability_share, *,
                               compulsory_limits: dict | None = None, compulsory_insured: bool = True,
                               commercial_limit=0, victim_is_pedestrian_or_nonmotor: bool = False,
                               motor_at_fault: bool = True) -> dict:
    """Who pays what (民法典第1213条, 道路交通安全法第76条).

    1. 交强险 pays each group of heads within its sub-limit, whatever the fault (medical group:
       ``MEDICAL_ITEMS``; property: ``PROPERTY_ITEMS``; all else: death/disability). Without
       ``compulsory_limits`` the regulator's figures are used: ``COMPULSORY_LIMITS``, or
       ``COMPULSORY_LIMITS_NO_FAULT`` when ``motor_at_fault`` is False. If the vehicle had no
       交强险, that amount is owed by the party (道交事故解释第16条) and counted in ``party``.
    2. The rest × ``liability_share`` (a float 0-1, or a level key of LIABILITY_SHARE_PRACTICE);
       capped at 10% for a faultless motor vehicle against a pedestrian/non-motor victim.
    3. Commercial third-party insurance pays that up to ``commercial_limit``; the party the rest.
    4. The victim bears what is outside the share.

    ``compulsory + commercial + party + victim_bears == total`` to the cent.
    """
    if not isinstance(heads, (list, tuple)) or not all(isinstance(h, Breakdown) for h in heads):
        raise CalcError("赔偿项目应为 Breakdown 列表", "heads")
    groups = {"medical": Decimal(0), "death_disability": Decimal(0), "property": Decimal(0)}
    for head in heads:
        amount = _money(head.amount, "heads")
        if head.item in MEDICAL_ITEMS:
            groups["medical"] += amount
        elif head.item in PROPERTY_ITEMS:
            groups["property"] += amount
        else:
            groups["death_disability"] += amount
    groups = {k: _cent(v) for k, v in groups.items()}
    total = sum(groups.values(), Decimal(0))
    share, share_note = _share(liability_share, victim_is_pedestrian_or_nonmotor)
    limit_commercial = _money(commercial_limit, "commercial_limit")
    limits = _limits(compulsory_limits, motor_at_fault)

    steps = [f"损失合计 {_y(total)} 元（医疗费用类 {_y(groups['medical'])} 元，"
             f"死亡伤残类 {_y(groups['death_disability'])} 元，财产损失 {_y(groups['property'])} 元）"]
    labels = {"medical": "医疗费用", "death_disability": "死亡伤残", "property": "财产损失"}
    within = {k: min(groups[k], limits[k]) for k in groups}
    compulsory_total = sum(within.values(), Decimal(0))
    detail = "；".join(f"{labels[k]}限额 {_y(limits[k])} 元内 {_y(within[k])} 元" for k in groups)
    source = ("自定限额" if compulsory_limits is not None
              else "监管部门规定的有责限额" if motor_at_fault else "监管部门规定的无责限额")
    steps.append(f"交强险先行赔付 {_y(compulsory_total)} 元（{detail}；{source}，不论过错）")
    party_within_limits = Decimal(0)
    if not compulsory_insured:
        party_within_limits = compulsory_total
        steps.append(f"未投保交强险：上述 {_y(compulsory_total)} 元由投保义务人在交强险限额内承担")

    remainder = total - compulsory_total
    if share_note:
        steps.append(share_note)
    if victim_is_pedestrian_or_nonmotor and not motor_at_fault and share > NO_FAULT_MOTOR_SHARE_CAP:
        share = NO_FAULT_MOTOR_SHARE_CAP
        steps.append(f"机动车一方无过错、受害人为行人或非机动车：责任比例不超过 "
                     f"{_pct(NO_FAULT_MOTOR_SHARE_CAP)}")
    liable = _cent(remainder * share)
    steps.append(f"超出交强险部分 {_y(remainder)} 元 × 责任比例 {_pct(share)} = {_y(liable)} 元")
    commercial = min(liable, limit_commercial)
    steps.append(f"商业三者险在限额 {_y(limit_commercial)} 元内赔付 {_y(commercial)} 元")
    party_share = liable - commercial
    party = party_share + party_within_limits
    steps.append(f"责任方承担 {_y(party)} 元")
    compulsory = Decimal(0) if not compulsory_insured else compulsory_total
    victim_bears = total - compulsory - commercial - party
    steps.append(f"受害人自行承担 {_y(victim_bears)} 元")
    return {
        "compulsory": float(compulsory),
        "commercial": float(commercial),
        "party": float(party),
        "victim_bears": float(victim_bears),
        "total": float(total),
        "liability_share": float(share),
        "compulsory_limits_used": {k: float(v) for k, v in limits.items()},
        "steps": steps,
    }
