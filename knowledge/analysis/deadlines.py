"""Time limits counted the way 民法典第200-202条 count periods.

The start day is not counted (第201条): a period of N days ends on start + N days; a period of N
years or months ends on the corresponding day of the last month, or that month's last day when it
has none (第202条; Feb 29 + 1 year -> Feb 28). A last day falling on a statutory holiday moves to
the day after the holiday (第203条); that is NOT modelled here: show ``NOTE`` with every result.
Interruption and suspension of a limitation period are not modelled either.

Each deadline's rule is a legal statement in ``knowledge/texts/deadlines.yml`` under the
deadline's item name, shown with its citation labels.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .money import _date, add_months
from .wording import cited, say


def __getattr__(name: str) -> str:
    # NOTE, shown with every deadline: the computed date is not moved past holidays. Read from
    # the texts each time it is asked for, so importing this module reads no file.
    if name == "NOTE":
        return f"{_rule('holidays')}；{say('deadlines.holidays_not_moved')}"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _rule(key: str) -> str:
    """The rule ``deadlines.<key>`` with its citation labels."""
    return cited(f"deadlines.{key}")


def _days(item: str, start: date, days: int, key: str | None = None) -> Deadline:
    return Deadline(item, start + timedelta(days=days), _rule(key or item), start)


def _years(item: str, start: date, years: int, key: str | None = None) -> Deadline:
    return Deadline(item, add_years(start, years), _rule(key or item), start)


def limitation_period(known_date: date) -> Deadline:
    """诉讼时效 of three years from when the right-holder knew or should have known (民法典第188条)."""
    start = _date(known_date, "known_date")
    return _years("limitation_period", start, 3)


def labor_arbitration(dispute_date: date, *, wage_claim: bool = False,
                      employment_ended: date | None = None) -> Deadline | None:
    """劳动仲裁时效 of one year (劳动争议调解仲裁法第27条).

    For wages owed during employment (``wage_claim``) the limit does not run while employed: one
    year from ``employment_ended``, or ``None`` while the worker is still employed (第27条第4款).
    """
    start = _date(dispute_date, "dispute_date")
    if wage_claim:
        if employment_ended is None:
            return None
        ended = _date(employment_ended, "employment_ended")
        return _years("labor_arbitration", ended, 1, "labor_arbitration_wages")
    return _years("labor_arbitration", start, 1)


def work_injury_employer(injury_date: date) -> Deadline:
    """Employer's 工伤认定 application: 30 days from the injury or diagnosis (工伤保险条例第17条)."""
    start = _date(injury_date, "injury_date")
    return _days("employer_application", start, 30)


def work_injury_worker(injury_date: date) -> Deadline:
    """Worker's own 工伤认定 application when the employer did not apply: one year (第17条第2款)."""
    start = _date(injury_date, "injury_date")
    return _years("worker_application", start, 1)


def divorce_cooling_off(application_date: date) -> list[Deadline]:
    """离婚冷静期 (民法典第1077条): 30 days in which either party may withdraw, then 30 days in
    which both must apply in person for the certificate, else the application lapses."""
    start = _date(application_date, "application_date")
    cooling = _days("cooling_off_end", start, 30)
    return [cooling, _days("certificate_application_end", cooling.date, 30)]


def judicial_confirmation(agreement_date: date) -> Deadline:
    """调解协议司法确认: jointly within 30 days of the agreement taking effect (人民调解法第33条)."""
    start = _date(agreement_date, "agreement_date")
    return _days("judicial_confirmation", start, 30)
