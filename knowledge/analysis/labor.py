"""Labor case types: dismissal, no written contract, unpaid wages, work injury."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from . import deadlines as dl, money as calc
from .registry import Computed, Context, computes


def _check_order(start, end, fact: str) -> None:
    if end < start:
        raise calc.CalcError(f"{fact} 早于开始上班的日期（{fact}）", fact)


@computes("unlawful_dismissal")
def unlawful_dismissal(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if not {"monthly_wage", "start_date", "end_date"} <= set(f):
        return out
    _check_order(f["start_date"], f["end_date"], "end_date")
    avg = f.get("local_avg_monthly_wage")
    ec = calc.economic_compensation(f["monthly_wage"], f["start_date"], f["end_date"], avg)
    out.amounts.append(ec)
    out.amounts.append(calc.unlawful_termination_damages(f["monthly_wage"], f["start_date"],
                                                         f["end_date"], avg))
    out.derived["service_months"] = calc.compensation_months(f["start_date"], f["end_date"])
    chosen = "unlawful_termination_damages" if f.get("termination") == "unlawful" \
        else "economic_compensation"
    out.derived["total"] = next(a.amount for a in out.amounts if a.item == chosen)
    out.deadlines.append(dl.labor_arbitration(f["end_date"]))
    return out


def _days_left(deadline, ctx: Context) -> int:
    """Days from today to a deadline's last day; negative once it has passed."""
    return (deadline.date - ctx.today).days


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
        raise calc.CalcError("算到的日期早于开始上班的日期", "as_of")
    b = calc.double_wages(f["monthly_wage"], f["start_date"], signed, as_of)
    out.amounts.append(b)
    out.derived["total"] = b.amount
    out.derived["double_wage_months"] = b.figures.get("months", 0)
    # 实施条例第7条: still no written contract on the day one year after the start.
    anniversary = calc.add_months(f["start_date"], 12)
    out.derived["one_year_without_contract"] = (
        anniversary <= as_of if signed is None else signed > anniversary)
    period_end = b.figures.get("period_end")
    if period_end:
        d = dl.labor_arbitration(dt.date.fromisoformat(period_end))
        out.deadlines.append(d)
        out.derived["arbitration_days_left"] = _days_left(d, ctx)
    return out


@computes("unpaid_wages")
def unpaid_wages(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if f.get("amount_owed") is not None:
        out.amounts.extend(calc.unpaid_wages(f["amount_owed"]))
        out.derived["total"] = out.amounts[0].amount
    ended = f.get("end_date") if not f.get("still_employed", False) else None
    start = f.get("owed_since") or ended
    if start is not None:
        d = dl.labor_arbitration(start, wage_claim=True, employment_ended=ended)
        if d is not None:
            out.deadlines.append(d)
            out.derived["arbitration_days_left"] = _days_left(d, ctx)
    return out


# 工伤保险条例 第35–37条: one-off disability subsidy, months of the worker's own wage by grade
# (checked against the 2010 text: 27/25/23/21, 18/16, 13/11/9/7).
DISABILITY_SUBSIDY_MONTHS = {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}
#: 工伤保险条例第64条: the own wage counts at least 60% and at most 300% of the local average.
OWN_WAGE_FLOOR, OWN_WAGE_CEILING = Decimal("0.6"), Decimal("3")


def one_off_disability_subsidy(monthly_wage: float, grade: int,
                               local_avg_monthly_wage: float | None = None) -> calc.Breakdown:
    if grade not in DISABILITY_SUBSIDY_MONTHS:
        raise calc.CalcError("伤残等级只有一级到十级", "disability_grade")
    if monthly_wage is None or monthly_wage < 0:
        raise calc.CalcError("工资不能为负数", "monthly_wage")
    months = DISABILITY_SUBSIDY_MONTHS[grade]
    wage = Decimal(str(monthly_wage))
    used, note = wage, ""
    if local_avg_monthly_wage is not None:
        avg = Decimal(str(local_avg_monthly_wage))
        if avg <= 0:
            raise calc.CalcError("当地职工月平均工资必须大于零", "local_avg_monthly_wage")
        low, high = avg * OWN_WAGE_FLOOR, avg * OWN_WAGE_CEILING
        if wage < low:
            used, note = low, f"本人工资低于当地职工月平均工资 {avg:.2f} 元的60%，按 {low:.2f} 元计算："
        elif wage > high:
            used, note = high, f"本人工资高于当地职工月平均工资 {avg:.2f} 元的300%，按 {high:.2f} 元计算："
    amount = (used * months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return calc.Breakdown(
        item="one_off_disability_subsidy", amount=float(amount),
        formula=f"{note}{used:.2f} 元/月（本人工资）× {months} 个月（{grade}级）= {amount:.2f} 元",
        figures={"monthly_wage": float(wage), "wage_used": float(used), "months": months,
                 "grade": grade, "local_avg_monthly_wage": local_avg_monthly_wage})


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
    return out
