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
from .workdays import CST, WorkCalendar, iso, to_local

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
def deadline_after(accepted_at: dt.datetime, cal: WorkCalendar,
                   config: dict | None = None) -> dt.date:
    return period_end(local_date(accepted_at), days_setting("LEDGER_DEADLINE_DAYS", config), cal)


def is_overdue(d: Dispute, today: dt.date | None = None) -> bool:
    """Past its deadline and not concluded."""
    today = today or dt.datetime.now(CST).date()
    return d.deadline is not None and d.status in ("accepted", "mediating") and today > d.deadline


def parse_when(value, field: str) -> dt.datetime:
    """"2026-03-01" (09:00 that day, +08:00) or an ISO time (naive means +08:00) -> naive UTC;
    never in the future."""
    if not isinstance(value, str) or len(value) > 40:
        raise LedgerError(400, "bad_date", field=field)
    try:
        if len(value) == 10:
            when = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(9), tzinfo=CST)
        else:
            when = dt.datetime.fromisoformat(value)
            when = when.replace(tzinfo=CST) if when.tzinfo is None else when
    except ValueError:
        raise LedgerError(400, "bad_date", field=field) from None
    if when > dt.datetime.now(CST) + dt.timedelta(minutes=5):
        raise LedgerError(400, "future_date", field=field)
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def parse_day(value, field: str) -> dt.date:
    try:
        if isinstance(value, str) and len(value) <= 40:
            return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    raise LedgerError(400, "bad_date", field=field)


def _reached(d: Dispute) -> set[str]:
    """The date fields of the steps this dispute has passed through."""
    order = STATUSES[: STATUSES.index(d.status) + 1]
    fields = {"registered_at"} | {STEP_DATES[s] for s in order if s in STEP_DATES}
    if d.status in ("followed_up", "archived"):
        fields.add("concluded_at")
    return fields


def _check_order(d: Dispute) -> None:
    last = None
    for field in DATE_FIELDS:
        value = getattr(d, field)
        if value is None:
            continue
        if last is not None and value < last:
            raise LedgerError(400, "bad_order", field=field)
        last = value


def _mark_late(d: Dispute) -> None:
    d.concluded_late = bool(d.concluded_at and d.deadline
                            and local_date(d.concluded_at) > d.deadline)


def followup_due(concluded_at: dt.datetime, cal: WorkCalendar,
                 config: dict | None = None) -> dt.date:
    return period_end(local_date(concluded_at), days_setting("FOLLOWUP_DAYS", config), cal)


def move(s: Session, d: Dispute, target: str, actor=None, *, cal: WorkCalendar,
         at: dt.datetime | None = None, details: dict | None = None,
         config: dict | None = None) -> None:
    """Move ``d`` to ``target`` along :data:`TRANSITIONS` (409 ``illegal_move`` otherwise),
    setting the step's date (now, or ``at`` for a case entered after the fact) and what the step
    brings: the deadline on acceptance, the follow-up task and the judicial-confirmation date on
    an agreement, the follow-up's result on ``followed_up``. ``cal`` is the app's one
    working-day calendar (``app.extensions["calendar"]``, with the published holidays)."""
    if target not in STATUSES:
        raise LedgerError(400, "bad_status", value=str(target)[:20])
    if target not in TRANSITIONS[d.status]:
        raise LedgerError(409, "illegal_move", current=d.status, target=target)
    details = details or {}
    when = at or utcnow()
    previous = d.status
    d.status = target
    setattr(d, STEP_DATES[target], when)
    _check_order(d)
    if target in ("agreement", "no_agreement"):
        d.outcome = target
        _mark_late(d)
    if target == "accepted":
        d.deadline = deadline_after(when, cal, config)
        if d.mediator_id is None and getattr(actor, "role", "") in ("mediator", "lawyer"):
            d.mediator_id = actor.id
    elif target == "agreement":
        terms = details.get("agreement")
        if terms is not None and not isinstance(terms, dict):
            raise LedgerError(400, "bad_field", field="agreement")
        d.agreement = {k: _text(terms.get(k), "reason") for k in (
            "terms", "performance", "performance_due")} if terms else d.agreement
        d.confirmation_due = period_end(local_date(when), 30, cal)
        s.add(DisputeFollowUp(dispute_id=d.id, due_on=followup_due(when, cal, config),
                              assignee_id=d.mediator_id))
    elif target == "no_agreement":
        d.no_agreement_reason = _text(details.get("reason"), "reason") or d.no_agreement_reason
        d.referral = _text(details.get("referral"), "reason") or d.referral
    elif target == "followed_up":
        complete_followup(s, d, details.get("followup") or {}, actor, when=when)
    add_event(s, d, "status", actor, **{"from": previous, "to": target,
                                         "at": iso(when)})


def complete_followup(s: Session, d: Dispute, body: dict, actor=None, *,
                      when: dt.datetime | None = None) -> DisputeFollowUp:
    """Record the follow-up (回访): the open task of an agreement, or a new one."""
    if not isinstance(body, dict):
        raise LedgerError(400, "bad_followup")
    method, performed = body.get("method"), body.get("performed")
    if method not in (None, "phone", "visit", "video", "other") or performed not in (
            None, "yes", "partly", "no"):
        raise LedgerError(400, "bad_followup")
    task = s.scalars(select(DisputeFollowUp).where(
        DisputeFollowUp.dispute_id == d.id, DisputeFollowUp.done_at.is_(None))
        .order_by(DisputeFollowUp.id).limit(1)).first()
    when = when or utcnow()
    if task is None:
        task = DisputeFollowUp(dispute_id=d.id, due_on=local_date(when))
        s.add(task)
    task.done_at, task.method, task.performed = when, method, performed
    task.note = _text(body.get("note"), "reason")
    task.assignee_id = task.assignee_id or getattr(actor, "id", None)
    s.flush()
    add_event(s, d, "followup", actor, method=method, performed=performed)
    return task


def set_date(s: Session, d: Dispute, field: str, value, actor=None, *, cal: WorkCalendar,
             config: dict | None = None) -> None:
    """Set the date of a step already reached (a case entered after the fact); an event keeps
    the old and the new value. A new acceptance date moves a deadline not yet extended."""
    if field not in _reached(d):
        raise LedgerError(409, "not_reached", field=field)
    when = parse_when(value, field)
    old = getattr(d, field)
    setattr(d, field, when)
    _check_order(d)
    if field == "accepted_at" and not d.extension_reason:
        d.deadline = deadline_after(when, cal, config)
    if field == "concluded_at" and d.status != "no_agreement" and d.confirmation_due:
        d.confirmation_due = period_end(local_date(when), 30, cal)
    _mark_late(d)
    add_event(s, d, "date", actor, field=field, old=iso(old), new=iso(when))


def extend(s: Session, d: Dispute, deadline, reason, actor=None) -> None:
    """A later deadline, only with a reason (409 before acceptance or after the end)."""
    if d.status not in ("accepted", "mediating") or d.deadline is None:
        raise LedgerError(409, "not_accepted")
    reason = _text(reason, "reason")
    if not reason:
        raise LedgerError(400, "no_reason")
    new = parse_day(deadline, "deadline")
    if new <= d.deadline:
        raise LedgerError(400, "not_later", deadline=d.deadline.isoformat())
    old, d.deadline, d.extension_reason = d.deadline, new, reason
    add_event(s, d, "extended", actor, old=old.isoformat(), new=new.isoformat(), reason=reason)


def note_confirmation(s: Session, d: Dispute, body, actor=None) -> None:
    """Note the application for judicial confirmation of the agreement (人民调解法 art. 33):
    ``{"applied_on": "YYYY-MM-DD", "court", "result"?: "confirmed|refused"}``; only after an
    agreement, never before it."""
    if d.outcome != "agreement":
        raise LedgerError(409, "confirmation_needs_agreement")
    if not isinstance(body, dict) or body.get("result") not in (None, "confirmed", "refused"):
        raise LedgerError(400, "bad_field", field="confirmation")
    applied = parse_day(body.get("applied_on"), "applied_on")
    if d.concluded_at is not None and applied < local_date(d.concluded_at):
        raise LedgerError(400, "bad_order", field="applied_on")
    d.confirmation = {"applied_on": applied.isoformat(),
                      "court": _text(body.get("court"), "court", required=True),
                      "result": body.get("result")}
    add_event(s, d, "confirmation", actor, **d.confirmation)
