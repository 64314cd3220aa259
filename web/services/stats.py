"""Statistics for the bureau (contract 6): per domain, township, month, source or mediator over a
date range, and their totals; the same as CSV and XLSX.

Figures, each over the range ``from``..``to`` (local dates, both included):
- ``consultations``: conversations opened; their domain is the one of their consultation, their
  handoff or the robot's last answer.
- ``handoffs``: requests for a person; ``satisfaction``: mean rating (1–5) given in the range.
- ``disputes``: disputes registered; ``bookings``: those of them opened by a booking.
- ``resolved``: of those disputes, the ones that ended in an agreement; ``resolution_rate`` =
  agreements / concluded (agreement or none), null when none concluded.
- ``overdue``: of those disputes, the ones past their deadline while open, or concluded after it.
- ``median_days``: median of days from registration to conclusion of the concluded ones.
Consultations and handoffs carry no township, source or mediator: grouped by those they count
under the key ``null``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from statistics import median

from sqlalchemy import and_, case, func, literal, or_, select, text

from ..models import Consultation, Conversation, Handoff, Message, Rating, User
from ..models_ledger import Dispute
from .ledger import LedgerError
from .workdays import CST, to_utc_naive

GROUPS = ("domain", "township", "month", "source", "mediator")
COLUMNS = ("key", "consultations", "handoffs", "bookings", "disputes", "resolved",
           "resolution_rate", "overdue", "median_days", "satisfaction")
HOURS = dt.timedelta(hours=8)


def parse_range(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    try:
        a = dt.date.fromisoformat(start) if start else None
        b = dt.date.fromisoformat(end) if end else None
    except (TypeError, ValueError):
        raise LedgerError(400, "bad_range") from None
    if a and b and a > b:
        raise LedgerError(400, "bad_range")
    return a, b


def period_bounds(start, end):
    lo = to_utc_naive(dt.datetime.combine(start, dt.time(), tzinfo=CST)) if start else None
    hi = to_utc_naive(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=CST)) \
        if end else None
    return lo, hi


def within_period(q, column, lo, hi):
    if lo is not None:
        q = q.where(column >= lo)
    if hi is not None:
        q = q.where(column < hi)
    return q


def _month(utc_naive: dt.datetime) -> str:
    return (utc_naive + HOURS).strftime("%Y-%m")


def _key_column(group_by: str, dialect: str):
    """The grouping column; months are those of registration in +08:00."""
    if group_by == "month":
        return _month_of(Dispute.registered_at, dialect)
    return {"domain": Dispute.domain, "township": Dispute.township, "source": Dispute.source,
            "mediator": Dispute.mediator_id}[group_by]


def _month_of(column, dialect: str):
    if dialect == "sqlite":
        return func.strftime("%Y-%m", column, "+8 hours")
    return func.to_char(column + text("interval '8 hours'"), "YYYY-MM")


def _days(dialect: str):
    """Days from registration to conclusion, computed by the database."""
    if dialect == "sqlite":
        return func.julianday(Dispute.concluded_at) - func.julianday(Dispute.registered_at)
    return func.extract("epoch", Dispute.concluded_at - Dispute.registered_at) / 86400.0


class _Acc:
    __slots__ = ("consultations", "handoffs", "bookings", "disputes", "resolved", "concluded",
                 "overdue", "days", "scores")

    def __init__(self):
        self.consultations = self.handoffs = self.bookings = self.disputes = 0
        self.resolved = self.concluded = self.overdue = 0
        self.days, self.scores = [], []

    def row(self, key) -> dict:
        return {"key": key, "consultations": self.consultations, "handoffs": self.handoffs,
                "bookings": self.bookings, "disputes": self.disputes, "resolved": self.resolved,
                "resolution_rate": round(self.resolved / self.concluded, 4)
                if self.concluded else None,
                "overdue": self.overdue,
                "median_days": round(median(self.days), 1) if self.days else None,
                "satisfaction": round(sum(self.scores) / len(self.scores), 2)
                if self.scores else None}


class Stats:
    def __init__(self, sessions, *, case_types: dict):
        self.sessions = sessions
        self.case_types = case_types

    def compute(self, start: dt.date | None = None, end: dt.date | None = None,
                group_by: str = "domain", *, today: dt.date | None = None) -> dict:
        if group_by not in GROUPS:
            raise LedgerError(400, "bad_group")
        today = today or dt.datetime.now(CST).date()
        lo, hi = period_bounds(start, end)
        groups: dict = defaultdict(_Acc)
        total = _Acc()
        with self.sessions() as s:
            names = {u.id: u.name for u in s.scalars(select(User))}
            self._disputes(s, lo, hi, group_by, groups, total, today, names)
            self._conversations(s, lo, hi, group_by, groups, total)
        keys = sorted(groups, key=lambda k: (k is None, str(k)))
        return {"from": start.isoformat() if start else None,
                "to": end.isoformat() if end else None, "group_by": group_by,
                "rows": [groups[k].row(k) for k in keys], "totals": total.row(None)}

    def _disputes(self, s, lo, hi, group_by, groups, total, today, names) -> None:
        """Counted by the database (GROUP BY on indexed columns); only the days of concluded
        disputes come back row by row, as numbers, for the medians."""
        dialect = s.get_bind().dialect.name
        key = _key_column(group_by, dialect)
        one = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
        overdue = or_(and_(Dispute.status.in_(("accepted", "mediating")),
                           Dispute.deadline < today), Dispute.concluded_late.is_(True))
        q = within_period(select(key, func.count(), one(Dispute.source == "booking"),
                                 one(Dispute.outcome.is_not(None)),
                                 one(Dispute.outcome == "agreement"), one(overdue)),
                          Dispute.registered_at, lo, hi).group_by(key)
        for k, n, booked, concluded, agreed, late in s.execute(q):
            k = names.get(k) if group_by == "mediator" else k
            for acc in (groups[k], total):
                acc.disputes += n
                acc.bookings += booked or 0
                acc.concluded += concluded or 0
                acc.resolved += agreed or 0
                acc.overdue += late or 0
        days = _days(dialect)
        q = within_period(select(key, days).where(Dispute.outcome.is_not(None),
                                                  Dispute.concluded_at.is_not(None)),
                          Dispute.registered_at, lo, hi)
        for k, n in s.execute(q):
            k = names.get(k) if group_by == "mediator" else k
            groups[k].days.append(float(n))
            total.days.append(float(n))

    def _domains(self, s) -> dict:
        """The domain of every conversation: its consultation's, else its handoff's, else the
        robot's last answer's (one pass over each table; used for large ranges)."""
        out: dict = {}
        for conv_id, meta in s.execute(select(Message.conversation_id, Message.meta).where(
                Message.sender == "bot", Message.meta.is_not(None)).order_by(Message.id)):
            if isinstance(meta, dict) and meta.get("domain"):
                out[conv_id] = meta["domain"]
        for conv_id, domain in s.execute(select(Handoff.conversation_id, Handoff.domain)
                                         .where(Handoff.domain.is_not(None))):
            out[conv_id] = domain
        for conv_id, case_type in s.execute(select(Consultation.conversation_id,
                                                   Consultation.case_type)):
            if case_type in self.case_types:
                out[conv_id] = self.case_types[case_type].domain
        return out

    def _conversations(self, s, lo, hi, group_by, groups, total) -> None:
        """Consultations, handoffs and ratings: counted by the database, except by domain,
        which is resolved per conversation."""
        dialect = s.get_bind().dialect.name
        tables = ((Conversation.created_at, Conversation.id, "consultations"),
                  (Handoff.created_at, Handoff.conversation_id, "handoffs"))
        if group_by != "domain":
            for at, _, field in tables:
                key = _month_of(at, dialect) if group_by == "month" else literal(None)
                q = within_period(select(key, func.count()), at, lo, hi)
                # one group unless by month (PostgreSQL refuses GROUP BY a constant)
                for k, n in s.execute(q.group_by(key) if group_by == "month" else q):
                    for acc in (groups[k], total):
                        setattr(acc, field, getattr(acc, field) + n)
            key = _month_of(Rating.created_at, dialect) if group_by == "month" else literal(None)
            for k, score in s.execute(within_period(select(key, Rating.score), Rating.created_at,
                                                    lo, hi)):
                groups[k].scores.append(score)
                total.scores.append(score)
            return
        rows = {field: s.execute(within_period(select(conv), at, lo, hi)).scalars().all()
                for at, conv, field in tables}
        ratings = s.execute(within_period(select(Rating.conversation_id, Rating.score),
                                          Rating.created_at, lo, hi)).all()
        wanted = set(rows["consultations"]) | set(rows["handoffs"]) | {c for c, _ in ratings}
        domains = self._domains(s) if len(wanted) > 5000 else self._domains_of(s, list(wanted))
        for field, ids in rows.items():
            for conv_id in ids:
                for acc in (groups[domains.get(conv_id, "other")], total):
                    setattr(acc, field, getattr(acc, field) + 1)
        for conv_id, score in ratings:
            for acc in (groups[domains.get(conv_id, "other")], total):
                acc.scores.append(score)

    def _domains_of(self, s, conv_ids: list) -> dict:
        out: dict = {}
        for i in range(0, len(conv_ids), 500):
            chunk = conv_ids[i:i + 500]
            for conv_id, meta in s.execute(select(Message.conversation_id, Message.meta).where(
                    Message.sender == "bot", Message.meta.is_not(None),
                    Message.conversation_id.in_(chunk)).order_by(Message.id)):
                if isinstance(meta, dict) and meta.get("domain"):
                    out[conv_id] = meta["domain"]
            for conv_id, domain in s.execute(select(Handoff.conversation_id, Handoff.domain)
                                             .where(Handoff.conversation_id.in_(chunk),
                                                    Handoff.domain.is_not(None))):
                out[conv_id] = domain
            for conv_id, case_type in s.execute(select(Consultation.conversation_id,
                                                       Consultation.case_type).where(
                    Consultation.conversation_id.in_(chunk))):
                if case_type in self.case_types:
                    out[conv_id] = self.case_types[case_type].domain
        return out


def to_csv(report: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for row in report["rows"] + [{**report["totals"], "key": "total"}]:
        w.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return out.getvalue()


def to_xlsx(report: dict, headers: dict) -> bytes:
    """One sheet: the column keys of the CSV, their Chinese headers, the rows, the totals; the
    title (range and grouping) in the workbook's properties and the sheet's header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "stats"
    span = f"{report['from'] or ''}—{report['to'] or ''}"
    title = headers["title"].format(span=span, group=headers["groups"][report["group_by"]])
    wb.properties.title = title
    ws.oddHeader.center.text = title
    ws.append(list(COLUMNS))
    ws.append([headers["columns"][c] for c in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in report["rows"] + [{**report["totals"], "key": headers["total"]}]:
        ws.append([row[c] for c in COLUMNS])
        key = ws.cell(ws.max_row, 1)
        if isinstance(key.value, str):
            key.data_type = "s"  # a name such as "=HYPERLINK(...)" stays text, never a formula
    for col, width in zip("ABCDEFGHIJ", (16, 10, 10, 10, 10, 10, 10, 10, 10, 10)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
