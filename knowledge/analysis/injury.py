"""Personal-injury calculators (used by the traffic case types): the heads of damages and who pays
them after a road accident (交强险, commercial insurance, the liable party, the victim).

Sources (texts in shared/data/statutes): 人身损害赔偿解释(2022修正) 第6-17条; 民法典 第1179、1183、
1213条; 道路交通安全法 第76条; 道交事故解释 第16条.
"""
from __future__ import annotations

from decimal import Decimal

from .money import (Breakdown, _age, _cent, _count, _dec, _grade, _money, _money_float, _n,
                    _number, _pct, _y, invalid)
from .wording import say

# -- editable parameters (practice and regulator figures, not statute) --------------------------
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
_GROUP_LABELS = {"medical": "医疗费用", "death_disability": "死亡伤残", "property": "财产损失"}


# -- heads of damages ----------------------------------------------------------------------------
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
               f" = {_y(amount)} 元；" + say("formulas.disability_coefficient"))
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
        raise invalid("dependant_without_age", fact)
    age = _age(entry["age"], f"{fact}.age")
    supporters = _count(entry.get("supporters", 1), f"{fact}.supporters", minimum=1,
                        label="扶养人数")
    incapacitated = entry.get("incapacitated", False)
    if not isinstance(incapacitated, bool):
        raise invalid("incapacitated_yes_no", f"{fact}.incapacitated")
    if age < 18:
        years = 18 - age
    elif incapacitated:
        years = compensation_years(age)
    else:
        raise invalid("adult_dependant", f"{fact}.incapacitated")
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
        raise invalid("no_dependants", "dependants")
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
        formula += say("formulas.dependants_capped", years=capped_years, limit=_y(consumption))
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
        raise invalid("injury_kind", "injury")
    if injury == "disability":
        grade = _grade(grade)
        low, high = MENTAL_DAMAGES_PRACTICE["disability"][grade]
        label = f"{grade}级伤残"
    else:
        low, high = MENTAL_DAMAGES_PRACTICE[injury]
        label = _INJURY_LABELS[injury]
    low, high = _dec(low), _dec(high)
    formula = f"{label}：{_y(low)} ～ {_y(high)} 元" + say("formulas.mental_damages")
    figures = {"injury": injury, "disability_grade": grade if injury == "disability" else None}
    return Breakdown("mental_damages", _money_float(low), formula, figures, "practice",
                     low=_money_float(low), high=_money_float(high))


# -- who pays ------------------------------------------------------------------------------------
def _share(liability_share, victim_is_pedestrian_or_nonmotor: bool) -> tuple[Decimal, str | None]:
    if isinstance(liability_share, str):
        level = liability_share
        if level == "none" and victim_is_pedestrian_or_nonmotor:
            level = "none_vs_pedestrian"
        if level not in LIABILITY_SHARE_PRACTICE:
            raise invalid("liability_level", "liability_share")
        share = _dec(LIABILITY_SHARE_PRACTICE[level])
        return share, f"{_LEVEL_LABELS.get(level, level)}按实务惯例承担 {_pct(share)}"
    share = _number(liability_share, "liability_share", label="责任比例")
    if share > 1:
        raise invalid("liability_share_range", "liability_share")
    return share, None


def _limits(compulsory_limits, motor_at_fault: bool) -> dict:
    source = compulsory_limits
    if source is None:
        source = COMPULSORY_LIMITS if motor_at_fault else COMPULSORY_LIMITS_NO_FAULT
    if not isinstance(source, dict):
        raise invalid("limits_format", "compulsory_limits")
    limits = {}
    for key in ("death_disability", "medical", "property"):
        if key not in source:
            raise invalid("limit_missing", "compulsory_limits", key=key)
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
        raise invalid("heads_format", "heads")
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

    steps = [say("formulas.split.total", total=_y(total), medical=_y(groups["medical"]),
                 death_disability=_y(groups["death_disability"]), property=_y(groups["property"]))]
    within = {k: min(groups[k], limits[k]) for k in groups}
    compulsory_total = sum(within.values(), Decimal(0))
    detail = "；".join(f"{_GROUP_LABELS[k]}限额 {_y(limits[k])} 元内 {_y(within[k])} 元"
                      for k in groups)
    source = ("自定限额" if compulsory_limits is not None
              else "监管部门规定的有责限额" if motor_at_fault else "监管部门规定的无责限额")
    steps.append(say("formulas.split.compulsory", amount=_y(compulsory_total), detail=detail,
                     source=source))
    party_within_limits = Decimal(0)
    if not compulsory_insured:
        party_within_limits = compulsory_total
        steps.append(say("formulas.split.uninsured", amount=_y(compulsory_total)))

    remainder = total - compulsory_total
    if share_note:
        steps.append(share_note)
    if victim_is_pedestrian_or_nonmotor and not motor_at_fault and share > NO_FAULT_MOTOR_SHARE_CAP:
        share = NO_FAULT_MOTOR_SHARE_CAP
        steps.append(say("formulas.split.no_fault_cap", cap=_pct(NO_FAULT_MOTOR_SHARE_CAP)))
    liable = _cent(remainder * share)
    steps.append(say("formulas.split.share", remainder=_y(remainder), share=_pct(share),
                     amount=_y(liable)))
    commercial = min(liable, limit_commercial)
    steps.append(say("formulas.split.commercial", limit=_y(limit_commercial),
                     amount=_y(commercial)))
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
