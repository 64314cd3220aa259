"""The ledger as the console sees it (contract 6): list, open (from a conversation or by hand),
read, change. Each call is one transaction over :mod:`web.services.ledger`.

Phone, ID numbers and addresses of parties are shown in full only to the dispute's mediator and
to admins; lists always mask them.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from knowledge.privacy import mask_personal

from ..db import session_scope
from ..models import Consultation, Conversation, Handoff, Message, User
from ..models_ledger import Dispute, DisputeEvent, DisputeFollowUp, DisputeParty, DisputeSession
from . import ledger
from .ledger import LedgerError
from .workdays import CST, iso

STAFF_ROLES = ("mediator", "lawyer", "admin")
PAGE = 200


def _mask_id(value: str | None) -> str | None:
    if not value:
        return value
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "****"


def _mask_address(value: str | None) -> str | None:
    return value[:6] + "…" if value and len(value) > 6 else value


class LedgerDesk:
    def __init__(self, sessions: sessionmaker[Session], *, knowledge, calendar,
                 config: dict | None = None):
        self.sessions = sessions
        self.knowledge = knowledge
        self.calendar = calendar  # the app's one working-day calendar (deadlines, follow-ups)
        self.config = config or {}

    @property
    def texts(self) -> dict:
        return self.knowledge.texts["ledger"]

    # -- access -----------------------------------------------------------------------------------
    @staticmethod
    def full_view(user, d: Dispute) -> bool:
        return user.role == "admin" or (d.mediator_id is not None and d.mediator_id == user.id)

    @staticmethod
    def may_change(user, d: Dispute) -> bool:
        """Admins, the dispute's mediator, or anyone while nobody handles it yet."""
        return user.role == "admin" or d.mediator_id in (None, user.id)

    def _get(self, s: Session, dispute_id) -> Dispute:
        d = s.get(Dispute, dispute_id) if isinstance(dispute_id, int) else None
        if d is None:
            raise LedgerError(404, "not_found")
        return d

    # -- reading ----------------------------------------------------------------------------------
    def _party(self, p: DisputeParty, full: bool) -> dict:
        return {"name": p.name, "role": p.role,
                "phone": p.phone if full else (mask_personal(p.phone) if p.phone else None),
                "id_number": p.id_number if full else _mask_id(p.id_number),
                "address": p.address if full else _mask_address(p.address)}

    def summary(self, d: Dispute, user, users: dict, today: dt.date) -> dict:
        """One row of the list (personal numbers masked)."""
        holder = users.get(d.mediator_id)
        return {"id": d.id, "number": d.number, "status": d.status, "source": d.source,
                "domain": d.domain, "township": d.township, "village": d.village,
                "summary": mask_personal(d.summary),
                "parties": [self._party(p, False) for p in d.parties],
                "mediator": {"username": holder.username, "name": holder.name} if holder
                else None,
                "registered_at": iso(d.registered_at), "accepted_at": iso(d.accepted_at),
                "concluded_at": iso(d.concluded_at),
                "deadline": d.deadline.isoformat() if d.deadline else None,
                "overdue": ledger.is_overdue(d, today),
                "due_soon": self._due_soon(d, today),
                "conversation_id": d.conversation_id, "booking_id": d.booking_id}

    @staticmethod
    def _due_soon(d: Dispute, today: dt.date) -> bool:
        return (d.deadline is not None and d.status in ("accepted", "mediating")
                and today <= d.deadline <= today + dt.timedelta(days=3))

    def list(self, user, *, status=None, township=None, overdue=False, due_soon=False,
             mine=False, domain=None) -> list[dict]:
        today = dt.datetime.now(CST).date()
        if status and status not in ledger.STATUSES:
            raise LedgerError(400, "bad_status", value=str(status)[:20])
        if township:
            ledger.check_township(township, self.config)
        with self.sessions() as s:
            q = select(Dispute)
            if status:
                q = q.where(Dispute.status == status)
            if township:
                q = q.where(Dispute.township == township)
            if domain:
                q = q.where(Dispute.domain == domain)
            if mine:
                q = q.where(Dispute.mediator_id == user.id)
            if overdue or due_soon:
                q = q.where(Dispute.status.in_(("accepted", "mediating")))
                q = q.where(Dispute.deadline < today) if overdue else q.where(
                    Dispute.deadline.between(today, today + dt.timedelta(days=3)))
            rows = s.scalars(q.order_by(Dispute.registered_at.desc(), Dispute.id.desc())
                             .limit(PAGE)).all()
            users = {u.id: u for u in s.scalars(select(User))}
            return [self.summary(d, user, users, today) for d in rows]

    def get(self, dispute_id, user) -> dict:
        with self.sessions() as s:
            return self._detail(s, self._get(s, dispute_id), user)

    def _detail(self, s: Session, d: Dispute, user) -> dict:
        today = dt.datetime.now(CST).date()
        users = {u.id: u for u in s.scalars(select(User))}
        full = self.full_view(user, d)
        shown = (lambda v: v) if full else _mask_all
        out = self.summary(d, user, users, today)
        out.update({
            "summary": shown(d.summary),
            "parties": [self._party(p, full) for p in d.parties],
            "facts": shown(d.facts or {}), "analysis": shown(d.analysis),
            **{f: iso(getattr(d, f)) for f in ledger.DATE_FIELDS},
            "extension_reason": d.extension_reason, "agreement": shown(d.agreement),
            "no_agreement_reason": d.no_agreement_reason, "referral": d.referral,
            "confirmation_due": d.confirmation_due.isoformat() if d.confirmation_due else None,
            "confirmation": d.confirmation, "co_mediators": d.co_mediators or [],
            "next": list(ledger.TRANSITIONS[d.status]),
            "can_change": self.may_change(user, d), "full_view": full,
            "sessions": [{"id": x.id, "held_at": iso(x.held_at), "place": x.place,
                          "attendees": x.attendees, "record": shown(x.record)}
                         for x in s.scalars(select(DisputeSession).where(
                             DisputeSession.dispute_id == d.id).order_by(DisputeSession.held_at))],
            "followups": [{"id": f.id, "due_on": f.due_on.isoformat(), "done_at": iso(f.done_at),
                           "method": f.method, "performed": f.performed, "note": f.note}
                          for f in s.scalars(select(DisputeFollowUp).where(
                              DisputeFollowUp.dispute_id == d.id).order_by(DisputeFollowUp.id))],
            "events": [{"id": e.id, "kind": e.kind, "actor": e.actor, "at": iso(e.created_at),
                        "detail": e.detail or {}}
                       for e in s.scalars(select(DisputeEvent).where(
                           DisputeEvent.dispute_id == d.id).order_by(DisputeEvent.id))],
            "documents": {k: f"/api/console/disputes/{d.id}/{k}.pdf" for k in (
                "application", "record", "agreement", "followup")},
        })
        return out

    # -- opening ----------------------------------------------------------------------------------
    def create(self, body: dict, user) -> dict:
        """From a conversation (``{"conversation_id"}``) or by hand (a walk-in)."""
        with session_scope(self.sessions) as s:
            if body.get("conversation_id") is not None:
                d = self._from_conversation(s, body, user)
            else:
                source = body.get("source") or "walk_in"
                ledger.check_township(body.get("township"), self.config, required=True)
                d = ledger.open_dispute(
                    s, source=source if source != "robot" else "walk_in",
                    parties=body.get("parties"), domain=body.get("domain"),
                    township=body.get("township"), village=body.get("village"),
                    summary=body.get("summary"), actor=user, config=self.config,
                    registered_at=ledger.parse_when(body["registered_at"], "registered_at")
                    if body.get("registered_at") else None)
            return self._detail(s, d, user)

    def _from_conversation(self, s: Session, body: dict, user) -> Dispute:
        conv_id = body["conversation_id"]
        conv = s.get(Conversation, conv_id) if isinstance(conv_id, str) else None
        if conv is None:
            raise LedgerError(404, "conversation_not_found")
        known = s.scalars(select(Dispute).where(Dispute.conversation_id == conv_id)
                          .limit(1)).first()
        if known is not None:
            raise LedgerError(409, "already_registered", number=known.number)
        c = s.scalars(select(Consultation).where(Consultation.conversation_id == conv_id)
                      .order_by(Consultation.id.desc()).limit(1)).first()
        h = s.scalars(select(Handoff).where(Handoff.conversation_id == conv_id)
                      .order_by(Handoff.id.desc()).limit(1)).first()
        domain = body.get("domain") or (h.domain if h is not None else None)
        case_types = self.knowledge.case_types
        if domain is None and c is not None and c.case_type in case_types:
            domain = case_types[c.case_type].domain
        summary = body.get("summary") or self._conversation_summary(s, conv_id, c)
        labels = self.texts["labels"]
        parties = body.get("parties") or [{"name": labels["resident"], "role": "applicant"}]
        return ledger.open_dispute(
            s, source="robot", conversation_id=conv_id, parties=parties,
            domain=domain if domain in ledger.DOMAINS else "other",
            township=body.get("township") or None, village=body.get("village"),
            summary=summary, facts=c.facts if c is not None else None,
            analysis=c.analysis if c is not None else None, actor=user, config=self.config)

    def _conversation_summary(self, s: Session, conv_id: str, c) -> str:
        typed = s.scalars(select(Message.text).where(
            Message.conversation_id == conv_id, Message.sender == "resident",
            Message.payload.is_(None), func.length(Message.text) > 4)
            .order_by(Message.id).limit(5)).all()
        line = "；".join(" ".join(t.split()) for t in typed)[:1000]
        if not line and c is not None and c.case_type in self.knowledge.case_types:
            line = self.knowledge.case_types[c.case_type].title
        return line or self.texts["labels"]["no_summary"]

    # -- changing ---------------------------------------------------------------------------------
    def patch(self, dispute_id, body: dict, user) -> dict:
        """``{"status"}`` (with the step's date, the agreement, the reason, the follow-up),
        ``{"deadline", "extension_reason"}``, dates of steps reached, mediators, the judicial
        confirmation (``{"confirmation": {"applied_on", "court", "result"?}}``)."""
        with session_scope(self.sessions) as s:
            d = self._get(s, dispute_id)
            if not self.may_change(user, d):
                raise LedgerError(403, "forbidden")
            done = False
            target = body.get("status")
            if target is not None and not isinstance(target, str):
                raise LedgerError(400, "bad_status", value="")
            date_fields = [f for f in ledger.DATE_FIELDS if f in body]
            step_field = ledger.STEP_DATES.get(target) if target else None
            for field in date_fields:  # dates of steps already reached
                if field != step_field:
                    ledger.set_date(s, d, field, body[field], user, cal=self.calendar,
                                    config=self.config)
                    done = True
            if target is not None:
                at = ledger.parse_when(body[step_field], step_field) \
                    if step_field and body.get(step_field) else None
                ledger.move(s, d, target, user, cal=self.calendar, at=at, details=body,
                            config=self.config)
                done = True
            if "deadline" in body or "extension_reason" in body:
                ledger.extend(s, d, body.get("deadline"), body.get("extension_reason"), user)
                done = True
            if "confirmation" in body:
                ledger.note_confirmation(s, d, body["confirmation"], user)
                done = True
            if "mediator" in body:
                self._set_mediator(s, d, body["mediator"], user)
                done = True
            if not done:
                raise LedgerError(400, "nothing_to_update")
            s.flush()
            return self._detail(s, d, user)

    def _set_mediator(self, s: Session, d: Dispute, username, user) -> None:
        who = s.scalars(select(User).where(User.username == username, User.active.is_(True))
                        ).first() if isinstance(username, str) else None
        if who is None or who.role not in ("mediator", "lawyer"):
            raise LedgerError(400, "bad_field", field="mediator")
        d.mediator_id = who.id
        ledger.add_event(s, d, "mediator", user, name=who.name)

    def add_session(self, dispute_id, body: dict, user) -> dict:
        """A mediation session record (调解记录); allowed while mediating."""
        with session_scope(self.sessions) as s:
            d = self._get(s, dispute_id)
            if not self.may_change(user, d):
                raise LedgerError(403, "forbidden")
            if d.status != "mediating":
                raise LedgerError(409, "illegal_move", current=d.status, target="mediating")
            attendees = body.get("attendees")
            record = body.get("record")
            if not (isinstance(attendees, list) and attendees and all(
                    isinstance(a, str) and 0 < len(a) <= 60 for a in attendees)
                    and isinstance(record, str) and record.strip()
                    and isinstance(body.get("place"), str) and body["place"].strip()):
                raise LedgerError(400, "bad_session")
            held = ledger.parse_when(body.get("held_at"), "held_at") \
                if body.get("held_at") else ledger.utcnow()
            x = DisputeSession(dispute_id=d.id, held_at=held, place=body["place"].strip()[:200],
                               attendees=attendees, record=record.strip()[:8000],
                               created_by=user.id)
            s.add(x)
            s.flush()
            ledger.add_event(s, d, "session", user, session_id=x.id)
            return self._detail(s, d, user)

    def followups(self, user, *, due_within: int | None = None) -> list[dict]:
        """Open follow-up tasks, soonest first (a mediator's own; an admin's: all)."""
        today = dt.datetime.now(CST).date()
        with self.sessions() as s:
            q = (select(DisputeFollowUp, Dispute).join(Dispute,
                                                       Dispute.id == DisputeFollowUp.dispute_id)
                 .where(DisputeFollowUp.done_at.is_(None)))
            if user.role != "admin":
                q = q.where(DisputeFollowUp.assignee_id == user.id)
            if due_within is not None:
                q = q.where(DisputeFollowUp.due_on <= today + dt.timedelta(days=due_within))
            return [{"id": f.id, "dispute_id": d.id, "number": d.number,
                     "due_on": f.due_on.isoformat(), "overdue": f.due_on < today}
                    for f, d in s.execute(q.order_by(DisputeFollowUp.due_on).limit(PAGE))]


def _mask_all(value):
    if isinstance(value, str):
        return mask_personal(value)
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_all(v) for v in value]
    return value
