"""Traffic accident case types: personal-injury damages, a disputed police liability report, and
hit and run.

Figures (per-capita income, average wage, hospital food allowance) come from the standards
tables for the region named in the facts, or the analysis' default region, and the year asked for
(``standard_year``) or else the year before the accident; :func:`knowledge.standards.pick` falls
back to the latest earlier year that has the figure. A figure nobody sourced is unknown: the head
that needs it is left out and the analysis says which figure is missing. The wording and the
citations of each head are in ``knowledge/cases/traffic_*.yml`` and ``hit_and_run.yml``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

from . import deadlines as dl, money as calc
from .registry import Computed, Context, computes
from ..content.standards import Figure, pick

#: What each standards figure is called when the analysis explains which one it used or misses.
FIGURE_LABELS = {
    "urban_per_capita_disposable_income": "城镇居民人均可支配收入",
    "urban_per_capita_consumption_expenditure": "城镇居民人均消费支出",
    "avg_annual_wage": "职工年平均工资",
    "hospital_food_subsidy_per_day": "住院伙食补助标准（参照当地机关工作人员出差伙食补助）",
}

#: 人身损害赔偿解释 (2022 修正) applies to torts from this day on (its 第24条).
INTERPRETATION_2022_IN_FORCE = dt.date(2022, 5, 1)

#: 道路交通事故处理程序规定 第71条 (复核: 三日) and 第86条 (交警调解申请: 十日); 第112条 makes
#: these working days. Weekends are skipped; statutory holidays and make-up working days are not
#: modelled (the deadline rule says so).
REVIEW_WORKING_DAYS = 3
POLICE_MEDIATION_WORKING_DAYS = 10

_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")


# -- standards -----------------------------------------------------------------------------------
def resolve_region(given: str | None, ctx: Context) -> str:
    """The standards region for ``given`` ("河南", "河南省", "河南省郑州市"); the default region
    when nothing is given; otherwise the name as given, without a trailing 省/市/自治区."""
    text = (given or "").strip()
    if not text:
        return ctx.region
    for region in sorted(ctx.standards, key=len, reverse=True):
        if text.startswith(region):
            return region
    for suffix in _PROVINCE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def lookup(ctx: Context, region: str, name: str, year: int) -> Figure | None:
    """Like :meth:`Context.figure` but for any region; records the figure used."""
    fig = pick(ctx.standards, region, name, year)
    if fig is not None and fig not in ctx.standards_used:
        ctx.standards_used.append(fig)
    return fig


def _sourced(b: calc.Breakdown, fig: Figure, asked: int) -> calc.Breakdown:
    """``b`` with the figure's region, year and the year asked for added to its formula."""
    label = FIGURE_LABELS.get(fig.name, fig.name)
    note = f"；所用数字：{fig.region} {fig.year} 年{label}"
    if fig.year != asked:
        note += f"（{asked} 年没有这项数字，用的是 {asked} 年以前最近有数字的 {fig.year} 年）"
    figures = {**b.figures, "region": fig.region, "figure_year": fig.year, "year_asked": asked}
    return dataclasses.replace(b, formula=b.formula + note, figures=figures)


def _missing(region: str, name: str, year: int, head: str) -> str:
    label = FIGURE_LABELS.get(name, name)
    return (f"标准表里没有{region} {year} 年或更早年份的{label}，{head}暂时没法计算，这里没有列出，"
            f"合计里也没有算进去。这个数字要以官方公布的为准，不能估，请工作人员补上出处后再算。")


def _money_total(heads: list[calc.Breakdown]) -> float:
    return float(sum((Decimal(str(h.amount)) for h in heads), Decimal(0)))


def parse_minor_ages(text: str, fact: str = "dependant_minor_ages") -> list[int]:
    """Ages of the minors the victim supported, written like "5, 12" or "5岁、12岁"."""
    parts = [p for p in re.split(r"[,，、;；\s]+|岁", text or "") if p]
    if not parts:
        raise calc.CalcError("请写孩子的年龄，多个用逗号隔开，例如 5, 12", fact)
    ages = []
    for p in parts:
        if not p.isdigit():
            raise calc.CalcError(f"看不懂年龄“{p}”，请只写数字，例如 5, 12", fact)
        age = int(p)
        if age >= 18:
            raise calc.CalcError("这里只算未满18周岁的孩子", fact)
        ages.append(age)
    return ages


# -- traffic_injury ------------------------------------------------------------------------------
@computes("traffic_injury")
def traffic_injury(f: dict, ctx: Context) -> Computed:
    out = Computed()
    heads: list[calc.Breakdown] = []
    injury = f.get("injury")
    accident = f.get("accident_date")
    region = resolve_region(f.get("region"), ctx)
    asked = f.get("standard_year") or ((accident or ctx.today).year - 1)
    out.derived.update(region_used=region, standard_year_asked=asked)
    if accident is not None and accident < INTERPRETATION_2022_IN_FORCE:
        out.uncertainties.append(
            f"事故发生在 {INTERPRETATION_2022_IN_FORCE.isoformat()} 以前，适用当时的规定：农村户口的受害人"
            "有可能按农村居民的标准计算，金额会比这里少，请咨询律师或法律援助中心。")

    # Costs shown by receipts or a daily figure (人身损害赔偿解释 第6-11条).
    if f.get("medical_costs") is not None:
        heads.append(calc.medical_costs(f["medical_costs"]))
    if f.get("lost_income_daily") is not None and f.get("lost_days") is not None:
        heads.append(calc.lost_income(f["lost_income_daily"], f["lost_days"]))
    if f.get("nursing_daily") is not None and f.get("nursing_days") is not None:
        heads.append(calc.nursing_costs(f["nursing_daily"], f["nursing_days"],
                                        f.get("nursing_persons") or 1))
    if f.get("hospital_days") is not None:
        fig = lookup(ctx, region, "hospital_food_subsidy_per_day", asked)
        if fig is None:
            out.uncertainties.append(_missing(region, "hospital_food_subsidy_per_day", asked,
                                              "住院伙食补助费"))
        else:
            heads.append(_sourced(calc.hospital_food_subsidy(fig.value, f["hospital_days"]),
                                  fig, asked))
    if f.get("nutrition_costs") is not None:
        heads.append(calc.nutrition_costs(f["nutrition_costs"]))
    if f.get("transport_costs") is not None:
        heads.append(calc.transport_costs(f["transport_costs"]))

    # Disability or death (第12、14-17条): need the age, the grade and the region's figures.
    age, grade = f.get("victim_age"), f.get("disability_grade")
    kids = f.get("dependant_minor_ages")
    minor_ages = parse_minor_ages(kids) if kids else []
    serious = injury == "death" or (injury == "disability" and grade is not None)
    if serious and age is not None:
        out.derived["compensation_years"] = calc.compensation_years(age)
        income = lookup(ctx, region, "urban_per_capita_disposable_income", asked)
        head = "残疾赔偿金" if injury == "disability" else "死亡赔偿金"
        if income is None:
            out.uncertainties.append(_missing(region, "urban_per_capita_disposable_income",
                                              asked, head))
        else:
            b = (calc.disability_compensation(income.value, age, grade) if injury == "disability"
                 else calc.death_compensation(income.value, age))
            heads.append(_sourced(b, income, asked))
            out.derived["figure_year_used"] = income.year
        if minor_ages and f.get("dependant_supporters"):
            supporters = f["dependant_supporters"]
            consumption = lookup(ctx, region, "urban_per_capita_consumption_expenditure", asked)
            if consumption is None:
                out.uncertainties.append(_missing(
                    region, "urban_per_capita_consumption_expenditure", asked, "被扶养人生活费"))
            else:
                b = calc.dependants_living_expenses(
                    consumption.value, [{"age": a, "supporters": supporters} for a in minor_ages],
                    victim_disability_grade=grade if injury == "disability" else None)
                heads.append(_sourced(b, consumption, asked))
    if injury == "death":
        wage = lookup(ctx, region, "avg_annual_wage", asked)
        if wage is None:
            out.uncertainties.append(_missing(region, "avg_annual_wage", asked, "丧葬费"))
        else:
            heads.append(_sourced(calc.funeral_costs(wage.value), wage, asked))
    if injury is not None and (injury != "disability" or grade is not None):
        heads.append(calc.mental_damages_range(injury, grade))

    out.amounts = heads
    if heads:
        out.derived["total"] = _money_total(heads)
    liability, role = f.get("liability"), f.get("victim_role")
    if heads and liability and role:
        out.split = calc.split_traffic_compensation(
            heads, liability,
            compulsory_insured=f.get("compulsory_insured") is not False,
            commercial_limit=f.get("commercial_limit") or 0,
            victim_is_pedestrian_or_nonmotor=role in ("pedestrian", "nonmotor"),
            motor_at_fault=liability != "none")
        out.derived["liability_share"] = out.split["liability_share"]
    if accident is not None:
        out.deadlines.append(dl.limitation_period(accident))
    return out


# -- traffic_liability_dispute -------------------------------------------------------------------
def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day (Monday-Friday) after ``start``; ``start`` itself is not
    counted (民法典第201条). Statutory holidays and make-up working days are not modelled."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise calc.CalcError("工作日天数必须是非负整数", "days")
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def review_deadline(received: dt.date) -> dl.Deadline:
    """复核申请: within three working days of receiving the report (道路交通事故处理程序规定
    第71条, 第112条)."""
    return dl.Deadline("review_deadline", add_working_days(received, REVIEW_WORKING_DAYS),
                       "收到事故认定书或事故证明的次日起三个工作日内书面申请复核（道路交通事故"
                       "处理程序规定第71条、第112条）；只跳过周六周日，未考虑法定节假日和调休",
                       received)


def police_mediation_deadline(received: dt.date) -> dl.Deadline:
    """交警调解: all parties apply in writing within ten working days (同规定第86条、第112条)."""
    return dl.Deadline("police_mediation_deadline",
                       add_working_days(received, POLICE_MEDIATION_WORKING_DAYS),
                       "收到事故认定书、事故证明或维持原认定的复核结论的次日起十个工作日内，"
                       "各方一致书面申请交警调解（道路交通事故处理程序规定第86条、第112条）；"
                       "只跳过周六周日，未考虑法定节假日和调休", received)


@computes("traffic_liability_dispute")
def traffic_liability_dispute(f: dict, ctx: Context) -> Computed:
    out = Computed()
    accident, received = f.get("accident_date"), f.get("report_received_date")
    if received is not None:
        if accident is not None and received < accident:
            raise calc.CalcError("收到认定书的日期早于事故日期", "report_received_date")
        review = review_deadline(received)
        out.deadlines.append(review)
        out.deadlines.append(police_mediation_deadline(received))
        passed = review.date < ctx.today
        out.derived["review_deadline_passed"] = passed
        out.derived["review_days_left"] = (review.date - ctx.today).days
        if f.get("report_kind") != "not_yet" and f.get("review_applied") is not True:
            out.uncertainties.append(
                f"按您填的签收日期，申请复核的最后一天（{review.date.isoformat()}）已经过了，"
                "交警部门一般不再受理；这不影响起诉，在法庭上仍可以拿证据反驳认定书。" if passed else
                f"按您填的签收日期，申请复核的最后一天是 {review.date.isoformat()}，"
                f"离今天还有 {(review.date - ctx.today).days} 天，请抓紧。")
    if accident is not None:
        out.deadlines.append(dl.limitation_period(accident))
    return out


# -- hit_and_run ---------------------------------------------------------------------------------
@computes("hit_and_run")
def hit_and_run(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if f.get("medical_costs") is not None:
        b = calc.medical_costs(f["medical_costs"])
        out.amounts.append(b)
        out.derived["total"] = b.amount
    if f.get("accident_date") is not None:
        out.deadlines.append(dl.limitation_period(f["accident_date"]))
    return out
