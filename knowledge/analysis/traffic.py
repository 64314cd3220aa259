"""Traffic accident case types: personal-injury damages, a disputed police liability report, and
hit and run.

Figures (per-capita income, average wage, hospital food allowance) come from the standards
tables for the region named in the facts, or the analysis' default region. Courts use the
statistical year before the end of the first-instance debate (人身损害赔偿解释第22条): the year
asked for (``standard_year``), or by default the year before today's, i.e. the latest figures that
can be published for a case argued now; :func:`knowledge.content.standards.pick` falls back to the
latest earlier year that has a verified, published figure. The analysis says once which year it
used and why. A figure nobody verified is unknown: the head that needs it is left out of the
amounts and the total, and the analysis names the head, its formula and the missing figure. The wording and the
citations of each head are in ``knowledge/cases/traffic_*.yml`` and ``hit_and_run.yml``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

from . import deadlines as dl, injury
from .money import Breakdown, invalid
from .registry import Computed, Context, computes
from .wording import cited, figure_label, say

#: 人身损害赔偿解释 (2022 修正) applies to torts from this day on (its 第24条).
INTERPRETATION_2022_IN_FORCE = dt.date(2022, 5, 1)

#: 道路交通事故处理程序规定 第71条 (复核: 三日) and 第86条 (交警调解申请: 十日); 第112条 makes
#: these working days. Weekends are skipped; statutory holidays and make-up working days are not
#: modelled (the deadline rule says so).
REVIEW_WORKING_DAYS = 3
POLICE_MEDIATION_WORKING_DAYS = 10

_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")
#: How the ages of the minors are written, in the messages that ask for them again.
_AGES_EXAMPLE = "5, 12"


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


def _sourced(b: Breakdown, fig, asked: int) -> Breakdown:
    """``b`` with the figure's region, year and the year asked for added to its formula."""
    note = f"；所用数字：{fig.region} {fig.year} 年{figure_label(fig.name)}"
    if fig.year != asked:
        note += say("analysis.figure_from_earlier_year", asked=asked, year=fig.year)
    figures = {**b.figures, "region": fig.region, "figure_year": fig.year, "year_asked": asked}
    return dataclasses.replace(b, formula=b.formula + note, figures=figures)


def _missing(region: str, name: str, year: int, head: str, item: str) -> str:
    return say("analysis.figure_missing", region=region, year=year, label=figure_label(name),
               head=head, formula=say(f"analysis.head_formulas.{item}"))


def standard_year_due(f: dict, ctx: Context) -> tuple[int, bool]:
    """(the statistical year the court will use, whether the resident gave it). By default the
    debate is taken to end this year, so the year before today's (人身损害赔偿解释第22条)."""
    given = f.get("standard_year")
    return (given, True) if given else (ctx.today.year - 1, False)


def explain_standard_year(ctx: Context, region: str, due: int, given: bool) -> str:
    """Which statistical year the analysis used for ``region`` and why, in one paragraph."""
    parts = [cited("analysis.standard_year") + "。",
             say("analysis.standard_year_given" if given else "analysis.standard_year_default",
                 this_year=ctx.today.year, due=due)]
    used = [fig for fig in ctx.standards_used if fig.region == region]
    if not used:
        parts.append(say("analysis.standard_year_none", region=region, due=due))
        return "".join(parts)
    year = max(fig.year for fig in used)
    fig = next(f for f in used if f.year == year)
    published = fig.published.isoformat() if fig.published else "日期不详"
    parts.append(say("analysis.standard_year_used", region=region, year=year,
                     published=published, source=fig.source))
    if year < due:
        parts.append(say("analysis.standard_year_older", due=due, year=year))
    return "".join(parts)


def _money_total(heads: list[Breakdown]) -> float:
    return float(sum((Decimal(str(h.amount)) for h in heads), Decimal(0)))


def parse_minor_ages(text: str, fact: str = "dependant_minor_ages") -> list[int]:
    """Ages of the minors the victim supported, written like "5, 12" or "5岁、12岁"."""
    parts = [p for p in re.split(r"[,，、;；\s]+|岁", text or "") if p]
    if not parts:
        raise invalid("minor_ages_missing", fact, example=_AGES_EXAMPLE)
    ages = []
    for p in parts:
        if not p.isdigit():
            raise invalid("minor_age_unreadable", fact, text=p, example=_AGES_EXAMPLE)
        age = int(p)
        if age >= 18:
            raise invalid("minor_age_adult", fact)
        ages.append(age)
    return ages


# -- traffic_injury ------------------------------------------------------------------------------
@computes("traffic_injury")
def traffic_injury(f: dict, ctx: Context) -> Computed:
    out = Computed()
    heads: list[Breakdown] = []
    injury_kind = f.get("injury")
    accident = f.get("accident_date")
    region = resolve_region(f.get("region"), ctx)
    asked, given = standard_year_due(f, ctx)
    out.derived.update(region_used=region, standard_year_asked=asked, standard_year_given=given)
    if accident is not None and accident < INTERPRETATION_2022_IN_FORCE:
        out.uncertainties.append(say("analysis.before_2022_interpretation",
                                     date=INTERPRETATION_2022_IN_FORCE.isoformat()))

    # Costs shown by receipts or a daily figure (人身损害赔偿解释 第6-11条).
    if f.get("medical_costs") is not None:
        heads.append(injury.medical_costs(f["medical_costs"]))
    if f.get("lost_income_daily") is not None and f.get("lost_days") is not None:
        heads.append(injury.lost_income(f["lost_income_daily"], f["lost_days"]))
    if f.get("nursing_daily") is not None and f.get("nursing_days") is not None:
        heads.append(injury.nursing_costs(f["nursing_daily"], f["nursing_days"],
                                          f.get("nursing_persons") or 1))
    if f.get("hospital_days") is not None:
        fig = ctx.figure("hospital_food_subsidy_per_day", asked, region=region)
        if fig is None:
            out.uncertainties.append(_missing(region, "hospital_food_subsidy_per_day", asked,
                                              "住院伙食补助费", "hospital_food_subsidy"))
        else:
            heads.append(_sourced(injury.hospital_food_subsidy(fig.value, f["hospital_days"]),
                                  fig, asked))
    if f.get("nutrition_costs") is not None:
        heads.append(injury.nutrition_costs(f["nutrition_costs"]))
    if f.get("transport_costs") is not None:
        heads.append(injury.transport_costs(f["transport_costs"]))

    # Disability or death (第12、14-17条): need the age, the grade and the region's figures.
    age, grade = f.get("victim_age"), f.get("disability_grade")
    kids = f.get("dependant_minor_ages")
    minor_ages = parse_minor_ages(kids) if kids else []
    serious = injury_kind == "death" or (injury_kind == "disability" and grade is not None)
    if serious and age is not None:
        out.derived["compensation_years"] = injury.compensation_years(age)
        income = ctx.figure("urban_per_capita_disposable_income", asked, region=region)
        head = "残疾赔偿金" if injury_kind == "disability" else "死亡赔偿金"
        if income is None:
            out.uncertainties.append(_missing(region, "urban_per_capita_disposable_income",
                                              asked, head, f"{injury_kind}_compensation"))
        else:
            b = (injury.disability_compensation(income.value, age, grade)
                 if injury_kind == "disability" else injury.death_compensation(income.value, age))
            heads.append(_sourced(b, income, asked))
            out.derived["figure_year_used"] = income.year
        if minor_ages and f.get("dependant_supporters"):
            supporters = f["dependant_supporters"]
            consumption = ctx.figure("urban_per_capita_consumption_expenditure", asked,
                                     region=region)
            if consumption is None:
                out.uncertainties.append(_missing(
                    region, "urban_per_capita_consumption_expenditure", asked, "被扶养人生活费",
                    "dependants_living_expenses"))
            else:
                b = injury.dependants_living_expenses(
                    consumption.value, [{"age": a, "supporters": supporters} for a in minor_ages],
                    victim_disability_grade=grade if injury_kind == "disability" else None)
                heads.append(_sourced(b, consumption, asked))
    if injury_kind == "death":
        wage = ctx.figure("avg_annual_wage", asked, region=region)
        if wage is None:
            out.uncertainties.append(_missing(region, "avg_annual_wage", asked, "丧葬费",
                                              "funeral_costs"))
        else:
            heads.append(_sourced(injury.funeral_costs(wage.value), wage, asked))
    if injury_kind is not None and (injury_kind != "disability" or grade is not None):
        heads.append(injury.mental_damages_range(injury_kind, grade))

    if serious or injury_kind == "death" or f.get("hospital_days") is not None:
        out.uncertainties.insert(0, explain_standard_year(ctx, region, asked, given))
    out.amounts = heads
    if heads:
        out.derived["total"] = _money_total(heads)
    liability, role = f.get("liability"), f.get("victim_role")
    if heads and liability and role:
        out.split = injury.split_traffic_compensation(
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
        raise invalid("working_days", "days")
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def _working_days_deadline(item: str, received: dt.date, days: int) -> dl.Deadline:
    """A deadline in working days from the day after ``received`` (道路交通事故处理程序规定
    第112条); its rule says that holidays were not skipped."""
    rule = f"{cited(f'deadlines.{item}')}；{say('deadlines.weekdays_only')}"
    return dl.Deadline(item, add_working_days(received, days), rule, received)


def review_deadline(received: dt.date) -> dl.Deadline:
    """复核申请: within three working days of receiving the report (道路交通事故处理程序规定
    第71条, 第112条)."""
    return _working_days_deadline("review_deadline", received, REVIEW_WORKING_DAYS)


def police_mediation_deadline(received: dt.date) -> dl.Deadline:
    """交警调解: all parties apply in writing within ten working days (同规定第86条、第112条)."""
    return _working_days_deadline("police_mediation_deadline", received,
                                  POLICE_MEDIATION_WORKING_DAYS)


@computes("traffic_liability_dispute")
def traffic_liability_dispute(f: dict, ctx: Context) -> Computed:
    out = Computed()
    accident, received = f.get("accident_date"), f.get("report_received_date")
    if received is not None:
        if accident is not None and received < accident:
            raise invalid("report_before_accident", "report_received_date")
        review = review_deadline(received)
        out.deadlines.append(review)
        out.deadlines.append(police_mediation_deadline(received))
        passed = review.date < ctx.today
        days_left = (review.date - ctx.today).days
        out.derived["review_deadline_passed"] = passed
        out.derived["review_days_left"] = days_left
        if f.get("report_kind") != "not_yet" and f.get("review_applied") is not True:
            out.uncertainties.append(say(
                "analysis.review_passed" if passed else "analysis.review_days_left",
                date=review.date.isoformat(), days=days_left))
    if accident is not None:
        out.deadlines.append(dl.limitation_period(accident))
    return out


# -- hit_and_run ---------------------------------------------------------------------------------
@computes("hit_and_run")
def hit_and_run(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if f.get("medical_costs") is not None:
        b = injury.medical_costs(f["medical_costs"])
        out.amounts.append(b)
        out.derived["total"] = b.amount
    if f.get("accident_date") is not None:
        out.deadlines.append(dl.limitation_period(f["accident_date"]))
    return out
