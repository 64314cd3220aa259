"""Labor case types: dismissal, no written contract, unpaid wages, work injury."""
from __future__ import annotations

from .. import calculators as calc, deadlines as dl
from ..analysis import Computed, Context, computes


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


@computes("no_written_contract")
def no_written_contract(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if not {"monthly_wage", "start_date"} <= set(f):
        return out
    as_of = f.get("as_of") or ctx.today
    signed = f.get("signed_date")
    if signed is not None:
        _check_order(f["start_date"], signed, "signed_date")
    _check_order(f["start_date"], as_of, "as_of")
    b = calc.double_wages(f["monthly_wage"], f["start_date"], signed, as_of)
    out.amounts.append(b)
    out.derived["total"] = b.amount
    out.derived["double_wage_months"] = b.figures.get("months", 0)
    out.derived["one_year_without_contract"] = signed is None and \
        calc.add_months(f["start_date"], 12) <= as_of
    period_end = b.figures.get("period_end")
    if period_end:
        import datetime as dt

        end = dt.date.fromisoformat(period_end)
        out.deadlines.append(dl.labor_arbitration(end))
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
    return out


# 工伤保险条例 第35–37条: one-off disability subsidy, months of the worker's own wage by grade.
DISABILITY_SUBSIDY_MONTHS = {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}


def one_off_disability_subsidy(monthly_wage: float, grade: int) -> calc.Breakdown:
    if grade not in DISABILITY_SUBSIDY_MONTHS:
        raise calc.CalcError(f"伤残等级只有一级到十级（disability_grade）", "disability_grade")
    if monthly_wage is None or monthly_wage < 0:
        raise calc.CalcError("工资不能为负数（monthly_wage）", "monthly_wage")
    months = DISABILITY_SUBSIDY_MONTHS[grade]
    amount = round(monthly_wage * months, 2)
    return calc.Breakdown(
        item="one_off_disability_subsidy", amount=amount,
        formula=f"{monthly_wage:.2f} 元/月（本人工资）× {months} 个月（{grade}级）= {amount:.2f} 元",
        figures={"monthly_wage": monthly_wage, "months": months, "grade": grade})


@computes("work_injury")
def work_injury(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if "injury_date" in f:
        out.deadlines.append(dl.work_injury_employer(f["injury_date"]))
        out.deadlines.append(dl.work_injury_worker(f["injury_date"]))
    if f.get("disability_grade") and f.get("monthly_wage") is not None:
        b = one_off_disability_subsidy(f["monthly_wage"], int(f["disability_grade"]))
        out.amounts.append(b)
        out.derived["total"] = b.amount
    return out
