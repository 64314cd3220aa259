"""The dispute ledger (矛盾纠纷台账): opening a dispute, its number, its status flow and deadlines.

The one writer of ``disputes`` and the tables beside it (:mod:`web.models_ledger`). Functions take
the caller's SQLAlchemy session and never commit: a booking and the dispute it opens are written
in one transaction. Refusals raise :class:`LedgerError` (HTTP status, code, values); the view
turns the code into the sentence of ``knowledge/texts/ledger.yml``.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import settings
from knowledge.content.loader import load_yaml

from ..models import utcnow
from ..models_ledger import Dispute, DisputeEvent, DisputeFollowUp, DisputeParty, LedgerCounter
from .workdays import CST, WorkCalendar, to_local

STATUSES = ("registered", "accepted", "mediating", "agreement", "no_agreement", "followed_up",
            "archived")
# The status flow as data: the API, the console's buttons and the tests read it.
TRANSITIONS = {
    "registered": ("accepted",),
    "accepted": ("mediating",),
    "mediating": ("agreement", "no_agreement"),
    "agreement": ("followed_up",),
    "no_agreement": ("followed_up",),
    "followed_up": ("archived",),
    "archived": (),
}
# the date column each status sets when a dispute enters it
STEP_DATES = {"accepted": "accepted_at", "mediating": "mediating_at",
              "agreement": "concluded_at", "no_agreement": "concluded_at",
              "followed_up": "followed_up_at", "archived": "archived_at"}
DATE_FIELDS = ("registered_at",) + tuple(dict.fromkeys(STEP_DATES.values()))
SOURCES = ("robot", "booking", "walk_in", "court", "police", "petition", "other")
DOMAINS = ("marriage", "traffic", "labor", "other")
ROLES = ("applicant", "respondent")
CONCLUDED = ("agreement", "no_agreement", "followed_up", "archived")
LIMITS = {"name": 60, "phone": 32, "id_number": 32, "address": 200, "village": 40,
          "summary": 4000, "reason": 2000}


class LedgerError(Exception):
    """A refused ledger action: HTTP status, error code (a key of ``ledger.yml`` errors) and the
    values its sentence needs."""

    def __init__(self, status: int, code: str, **values):
        super().__init__(code)
        self.status, self.code, self.values = status, code, values

    def message(self, texts: dict) -> str:
        return " ".join(str(texts["errors"][self.code]).split()).format(**self.values)


# -- configuration ----------------------------------------------------------------------------------
def district(config: dict | None = None) -> dict:
    """The district's townships (``knowledge/district.yml``): {"name", "townships": [...]}."""
    return load_yaml(settings.ROOT / "knowledge" / "district.yml")


def townships(config: dict | None = None) -> list[str]:
    return [t["name"] for t in district(config)["townships"]]


def calendar(config: dict | None = None) -> WorkCalendar:
    return WorkCalendar.from_span(settings.get("OFFICE_HOURS", config))


def days_setting(name: str, config: dict | None = None) -> int:
    return int(settings.get(name, config))


def period_end(start: dt.date, days: int, cal: WorkCalendar) -> dt.date:
    """The last day of a period of ``days`` days counted from ``start`` (the day after it is day
    one); when that day is a day off it moves to the next working day."""
    end = start + dt.timedelta(days=days)
    return end if cal.is_workday(end) else cal.next_workday(end)


def local_date(utc_naive: dt.datetime) -> dt.date:
    return to_local(utc_naive).date()


# -- numbers ----------------------------------------------------------------------------------------
def next_number(s: Session, when: dt.datetime, config: dict | None = None) -> str:
    """The next number in the configurable format (``LEDGER_NUMBER_FORMAT``, e.g.
    ``建安调〔{year}〕第{seq:04d}号``): a per-year counter raised inside the caller's
    transaction, so concurrent openings never share one (the unique index on ``number`` is the
    last guard)."""
    fmt = settings.get("LEDGER_NUMBER_FORMAT", config)
    year = local_date(when).year
    scope = str(year) if "{year" in fmt else "all"
    bump = (update(LedgerCounter).where(LedgerCounter.scope == scope)
            .values(value=LedgerCounter.value + 1))
    if s.execute(bump).rowcount == 0:
        try:
            with s.begin_nested():
                s.execute(insert(LedgerCounter).values(scope=scope, value=1))
        except IntegrityError:  # another transaction made the row first
            s.execute(bump)
    seq = s.scalar(select(LedgerCounter.value).where(LedgerCounter.scope == scope))
    return fmt.format(year=year, seq=seq)


# -- events -----------------------------------------------------------------------------------------
def actor_name(actor) -> str:
    return getattr(actor, "name", None) or (actor if isinstance(actor, str) else "system")


def add_event(s: Session, dispute: Dispute, kind: str, actor=None, **detail) -> None:
    s.add(DisputeEvent(dispute_id=dispute.id, kind=kind, actor_id=getattr(actor, "id", None),
                       actor=actor_name(actor)[:40], detail=detail or None))


# -- opening ----------------------------------------------------------------------------------------
def _text(value, field: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise LedgerError(400, "missing", field=field)
        return None
    if not isinstance(value, str):
        raise LedgerError(400, "bad_field", field=field)
    value = value.strip()
    if len(value) > LIMITS.get(field, 200):
        raise LedgerError(400, "too_long", field=field, limit=LIMITS.get(field, 200))
    return value


def clean_parties(parties) -> list[dict]:
    """Validated parties: at least one applicant; each with a name and a known role."""
    if not isinstance(parties, list) or not parties or len(parties) > 20:
        raise LedgerError(400, "bad_parties")
    out = []
    for p in parties:
        if not isinstance(p, dict) or p.get("role") not in ROLES:
            raise LedgerError(400, "bad_parties")
        out.append({"role": p["role"], "name": _text(p.get("name"), "name", required=True),
                    **{k: _text(p.get(k), k) for k in ("phone", "id_number", "address")}})
    if not any(p["role"] == "applicant" for p in out):
        raise LedgerError(400, "bad_parties")
    return out


def check_township(township, config: dict | None = None, *, required: bool = False):
    if township is None or township == "":
        if required:
            raise LedgerError(400, "missing", field="township")
        return None
    if township not in townships(config):
        raise LedgerError(400, "unknown_township", township=str(township)[:40])
    return township


def open_dispute(session: Session, *, source: str, conversation_id: str | None = None,
                 booking_id: str | int | None = None, parties: list[dict], domain: str,
                 township: str | None = None, village: str | None = None, summary: str,
                 facts: dict | None = None, analysis: dict | None = None, actor=None,
                 registered_at: dt.datetime | None = None,
                 config: dict | None = None) -> Dispute:
    """A new dispute in status ``registered``, numbered, with its parties and an ``opened``
    event; added and flushed in ``session`` (the caller commits). ``parties`` are
    ``[{"name", "role": "applicant|respondent", "phone"?, "id_number"?, "address"?}]``;
    ``actor`` is a console :class:`~web.models.User`, a name, or None (the system)."""
    if source not in SOURCES:
        raise LedgerError(400, "bad_source")
    if domain not in DOMAINS:
        raise LedgerError(400, "bad_domain")
    clean = clean_parties(parties)
    township = check_township(township, config)
    when = registered_at or utcnow()
    dispute = Dispute(number=next_number(session, when, config), source=source,
                      conversation_id=conversation_id,
                      booking_id=None if booking_id is None else str(booking_id),
                      domain=domain, township=township, village=_text(village, "village"),
                      summary=_text(summary, "summary", required=True), facts=facts,
                      analysis=analysis, status="registered", registered_at=when,
                      created_by=getattr(actor, "id", None),
                      mediator_id=getattr(actor, "id", None) if getattr(actor, "role", "") in (
                          "mediator", "lawyer") else None)
    dispute.parties = [DisputeParty(position=i, **p) for i, p in enumerate(clean)]
    session.add(dispute)
    session.flush()
    add_event(session, dispute, "opened", actor, source=source, number=dispute.number)
    session.flush()
    return dispute


# -- the flow ---------------------------------------------------------------------------------------
def deadline_after(accepted_at: dt.datetime, config: dict | None = None) -> dt.date:
    return period_end(local_date(accepted_at), days_setting("LEDGER_DEADLINE_DAYS", config),
                      calendar(config))


def is_overdue(d: Dispute, today: dt.date | None = None) -> bool:
    """Past its deadline and not concluded."""
    today = today or dt.datetime.now(CST).date()
    return d.deadline is not None and d.status in ("accepted", "mediating") and today > d.deadline
