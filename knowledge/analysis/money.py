"""What every calculator shares: the ``Breakdown`` record, ``CalcError``, calendar months, and the
decimal, format and validation helpers.

The calculators themselves live with their domain: labour in :mod:`.labor`, personal injury and
the compulsory-insurance split in :mod:`.injury`, family in :mod:`.marriage`. Each validates its
inputs (``CalcError`` names the offending input in ``fact``), computes in ``Decimal`` and rounds
half up to the cent once, at the end. Each ``Breakdown`` carries a formula string with the actual
figures, the figures themselves, and ``basis``: ``"statute"`` when the rule is written in law,
``"practice"`` when a figure or share is what courts commonly use but no statute fixes it.

Dates in ``figures`` are ISO strings so that a Breakdown can be sent as JSON unchanged.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from .wording import say

_CENT = Decimal("0.01")


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


def invalid(name: str, fact: str, /, **values) -> CalcError:
    """A :class:`CalcError` about ``fact`` with the message ``analysis.errors.<name>``."""
    return CalcError(say(f"analysis.errors.{name}", **values), fact)


# -- calendar months (民法典第202条) ---------------------------------------------------------------
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


# -- decimals and their display --------------------------------------------------------------------
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


# -- validation: each names the fact at fault --------------------------------------------------
def _number(value, fact: str, *, label: str = "数值") -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise invalid("not_a_number", fact, label=label)
    d = _dec(value)
    if not d.is_finite():
        raise invalid("not_finite", fact, label=label)
    if d < 0:
        raise invalid("negative", fact, label=label)
    return d


def _money(value, fact: str, *, positive: bool = False) -> Decimal:
    d = _number(value, fact, label="金额")
    if positive and d == 0:
        raise invalid("not_positive", fact)
    return d


def _count(value, fact: str, *, minimum: int = 0, label: str = "数量") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("not_an_integer", fact, label=label)
    if value < minimum:
        raise invalid("below_minimum", fact, label=label, minimum=minimum)
    return value


def _date(value, fact: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise invalid("not_a_date", fact)
    return value


def _age(value, fact: str = "age") -> int:
    return _count(value, fact, minimum=0, label="年龄")


def _grade(value, fact: str = "disability_grade") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise invalid("grade_range", fact)
    return value
