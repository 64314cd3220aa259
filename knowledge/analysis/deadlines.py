"""Time limits counted the way 民法典第200-202条 count periods.

The start day is not counted (第201条): a period of N days ends on start + N days; a period of N
years or months ends on the corresponding day of the last month, or that month's last day when it
has none (第202条; Feb 29 + 1 year -> Feb 28). A last day falling on a statutory holiday moves to
the day after the holiday (第203条); that is NOT modelled here: show ``NOTE`` with every result.
Interruption and suspension of a limitation period are not modelled either.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .money import CalcError, _date, add_months

#: Shown with every deadline: the computed date is not moved past holidays.
NOTE = "期间最后一日是法定休假日的，顺延至休假日结束的次日（民法典第203条）；此处未作顺延。"


@dataclass(frozen=True)
class Deadline:
    """The last day (inclusive) of a period that started on ``start``."""

    item: str
    date: date
    rule: str
    start: date




def add_years(day: date, years: int) -> date:
    """The corresponding day ``years`` later; Feb 29 becomes Feb 28 in a common year."""
    return add_months(day, 12 * years)


def _days(item: str, start: date, days: int, rule: str) -> Deadline:
    return Deadline(item, start + timedelta(days=days), rule, start)


def _years(item: str, start: date, years: int, rule: str) -> Deadline:
    return Deadline(item, add_years(start, years), rule, start)


def limitation_period(known_date: date) -> Deadline:
    """诉讼时效 of three years from when the right-holder knew or should have known (民法典第188条)."""
    start = _date(known_date, "known_date")
    return _years("limitation_period", start, 3, "自知道或应当知道权利受损之日起三年（民法典第188条）")


def labor_arbitration(dispute_date: date, *, wage_claim: bool = False,
                      employment_ended: date | None = None) -> Deadline | None:
    """劳动仲裁时效 of one year (劳动争议调解仲裁法第27条).

    For wages owed during employment (``wage_claim``) the limit does not run while employed: one
    year from ``employment_ended``, or ``None`` while the worker is still employed.
    """
    start = _date(dispute_date, "dispute_date")
    if wage_claim:
        if employment_ended is None:
            return None
        ended = _date(employment_ended, "employment_ended")
        return _years("labor_arbitration", ended, 1,
                      "拖欠劳动报酬：自劳动关系终止之日起一年（劳动争议调解仲裁法第27条第4款）")
    return _years("labor_arbitration", start, 1,
                  "自知道或应当知道权利被侵害之日起一年（劳动争议调解仲裁法第27条）")


def work_injury_employer(injury_date: date) -> Deadline:
    """Employer's 工伤认定 application: 30 days from the injury or diagnosis (工伤保险条例第17条)."""
    start = _date(injury_date, "injury_date")
    return _days("employer_application", start, 30,
                 "用人单位自事故伤害发生或职业病确诊之日起30日内申请工伤认定（工伤保险条例第17条）")


def work_injury_worker(injury_date: date) -> Deadline:
    """Worker's own 工伤认定 application when the employer did not apply: one year (第17条第2款)."""
    start = _date(injury_date, "injury_date")
    return _years("worker_application", start, 1,
                  "用人单位未申请的，职工或近亲属自事故伤害发生之日起1年内申请（工伤保险条例第17条）")


def divorce_cooling_off(application_date: date) -> list[Deadline]:
    """离婚冷静期 (民法典第1077条): 30 days in which either party may withdraw, then 30 days in
    which both must apply in person for the certificate, else the application lapses."""
    start = _date(application_date, "application_date")
    cooling = _days("cooling_off_end", start, 30,
                    "收到离婚登记申请之日起三十日内任何一方可撤回（民法典第1077条）")
    certificate = _days("certificate_application_end", cooling.date, 30,
                        "冷静期届满后三十日内双方须亲自申请发给离婚证，否则视为撤回（民法典第1077条）")
    return [cooling, certificate]


def judicial_confirmation(agreement_date: date) -> Deadline:
    """调解协议司法确认: jointly within 30 days of the agreement taking effect (人民调解法第33条)."""
    start = _date(agreement_date, "agreement_date")
    return _days("judicial_confirmation", start, 30,
                 "自调解协议生效之日起三十日内共同申请司法确认（人民调解法第33条）")
