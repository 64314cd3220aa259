"""The monthly report a bureau sends up (月度矛盾纠纷排查调处情况统计表): one row per township of
the district (``knowledge/district.yml``, in its order), a row for what has no township, and a
total row; one month or a chosen range of days.

Figures, over the disputes registered in the period (local dates, both ends included):
- ``disputes`` (排查受理) and, of them, ``marriage`` / ``traffic`` / ``labor`` / ``other`` by type;
- ``resolved`` (ended in an agreement), ``failed`` (no agreement), ``in_progress`` (still open:
  registered, accepted or mediating), so ``disputes = resolved + failed + in_progress``;
- ``rate`` = resolved / (resolved + failed), null when none concluded (as ``resolution_rate`` of
  :mod:`web.services.stats`);
- ``overdue``: open past the deadline on ``today``, or concluded after it;
- ``followed_up`` (回访 done), ``confirmed`` (judicial confirmation noted, 人民调解法 art. 33);
- ``bookings``: of them, those opened by an online booking;
- ``consultations`` and ``handoffs``: the robot's conversations opened and requests for a person
  in the period; they have no township and count in the row without one.
The labels are in ``knowledge/texts/ledger.yml`` (``monthly``); the files are written by
:mod:`web.services.monthly_files`.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ..models import Conversation, Handoff
from ..models_ledger import Dispute
from . import ledger
from .ledger import LedgerError
from .stats import period_bounds, within_period
from .workdays import CST

TYPES = ("marriage", "traffic", "labor", "other")
FIELDS = ("disputes", *TYPES, "resolved", "rate", "in_progress", "failed", "overdue",
          "followed_up", "confirmed", "consultations", "handoffs", "bookings")
OPEN = ("registered", "accepted", "mediating")
NAME_LIMIT = 20


def parse_period(month: str | None, start: str | None, end: str | None
                 ) -> tuple[dt.date, dt.date, str | None]:
    """``month=YYYY-MM`` (its first to its last day) or ``from``/``to`` (both needed) -> (first
    day, last day, month or None); 400 ``bad_range`` otherwise."""
    try:
        if month:
            if start or end or len(month) != 7:
                raise ValueError
            first = dt.date.fromisoformat(month + "-01")
            following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return first, following - dt.timedelta(days=1), month
        if not (start and end):
            raise ValueError
        a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except (TypeError, ValueError):
        raise LedgerError(400, "bad_period") from None
    if a > b or (b - a).days > 3660:
        raise LedgerError(400, "bad_period")
    return a, b, None


def clean_name(value, field: str) -> str:
    """填报人 / 审核人 as typed (optional; a blank line is printed when empty)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value.strip()) > NAME_LIMIT:
        raise LedgerError(400, "too_long", field=field, limit=NAME_LIMIT)
    return value.strip()


def _blank() -> dict:
    return {f: 0 for f in FIELDS if f != "rate"}


def _finish(row: dict) -> dict:
    concluded = row["resolved"] + row["failed"]
    return {**row, "rate": round(row["resolved"] / concluded, 4) if concluded else None}


class MonthlyReport:
    def __init__(self, sessions, *, config: dict | None = None):
        self.sessions = sessions
        self.config = config or {}

    def compute(self, start: dt.date, end: dt.date, *, month: str | None = None,
                today: dt.date | None = None, prepared_by: str = "",
                reviewed_by: str = "") -> dict:
        today = today or dt.datetime.now(CST).date()
        district = ledger.district(self.config)
        names = [t["name"] for t in district["townships"]]
        rows = {name: _blank() for name in names}
        lo, hi = period_bounds(start, end)
        with self.sessions() as s:
            q = within_period(select(Dispute.township, Dispute.domain, Dispute.status,
                                     Dispute.outcome, Dispute.deadline, Dispute.concluded_late,
                                     Dispute.source, Dispute.followed_up_at,
                                     Dispute.confirmation),
                              Dispute.registered_at, lo, hi)
            for (township, domain, status, outcome, deadline, late, source, followed,
                 confirmation) in s.execute(q):
                row = rows.setdefault(township if township in rows else None, _blank())
                row["disputes"] += 1
                row[domain if domain in TYPES else "other"] += 1
                row["resolved"] += outcome == "agreement"
                row["failed"] += outcome == "no_agreement"
                row["in_progress"] += status in OPEN
                row["overdue"] += bool(late) or (status in ("accepted", "mediating")
                                                 and deadline is not None and deadline < today)
                row["followed_up"] += followed is not None
                row["confirmed"] += bool(confirmation)
                row["bookings"] += source == "booking"
            for field, model in (("consultations", Conversation), ("handoffs", Handoff)):
                n = s.scalar(within_period(select(func.count()).select_from(model),
                                           model.created_at, lo, hi))
                if n:
                    rows.setdefault(None, _blank())[field] += n
        total = _blank()
        for row in rows.values():
            for f in total:
                total[f] += row[f]
        return {"bureau": district.get("bureau") or district["name"], "district":
                district["name"], "from": start.isoformat(), "to": end.isoformat(),
                "month": month, "filled_on": today.isoformat(),
                "prepared_by": prepared_by, "reviewed_by": reviewed_by,
                "rows": [{"township": k, **_finish(v)} for k, v in rows.items()],
                "totals": _finish(total)}
