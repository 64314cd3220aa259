"""Handoffs: a conversation waiting for, or with, a people's mediator or the duty lawyer.

:class:`HandoffDesk` holds every rule of a handoff's life: recorded from the bot's reply (Rasa
has paused the conversation with ``ConversationPaused``), claimed by one person (a conditional
``UPDATE`` whose row count decides), answered, noted, transferred, handed back to the robot or
closed (both owe Rasa a ``resume`` event, kept in the outbox until Rasa has it), rated by the
resident. Every step is an event with who and when.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.content.loader import tidy

from ..clients.rasa import RasaClient, RasaUnavailable
from ..db import session_scope
from ..models import (ConsoleEvent, Conversation, Handoff, Message, Note, RasaOutbox, Rating,
                      User, utcnow)
from .workdays import CST, WorkCalendar, iso, to_utc_naive

OPEN = ("waiting", "taken")
ENDED = ("closed", "returned")
OUTCOMES = ("resolved", "referred", "booked", "no_response", "other")
DOMAINS = ("marriage", "traffic", "labor", "other")
STAFF = ("mediator", "lawyer", "admin")
# ConversationResumed, then action_listen: without it the next user message does not follow a
# listen in the tracker and the rules repeat the last answer until Rasa's action limit
RESUME = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]


class DeskError(Exception):
    """A refused handoff action: HTTP status, error code and the message for the person."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def record_handoff(s: Session, conv_id: str, *, priority: bool, reason: str, **_) -> list:
    """Without a desk (no console configured): the conversation waits, nothing is said."""
    HandoffDesk._open_handoff(s, conv_id, priority=priority, reason=reason, details={},
                              now=utcnow())
    return []


def latest_handoff(s: Session, conv_id: str) -> Handoff | None:
    return s.scalars(select(Handoff).where(Handoff.conversation_id == conv_id)
                     .order_by(Handoff.id.desc()).limit(1)).first()


def can_view(user, h: Handoff | None) -> bool:
    """Admins see every conversation; a mediator or duty lawyer sees the waiting ones (those
    sent to the duty lawyer: lawyers only) and the ones they hold or held."""
    if user.role == "admin":
        return True
    if h is None:
        return False
    if h.assignee_id == user.id:
        return True
    return h.status == "waiting" and (h.for_role is None or h.for_role == user.role)


def can_act(user, h: Handoff | None) -> bool:
    """Who may hand back, close or transfer an open handoff: its holder, an admin, or anyone who
    may take it while it waits."""
    if h is None or h.status not in OPEN:
        return False
    return user.role == "admin" or h.assignee_id == user.id or (
        h.status == "waiting" and can_view(user, h))


class HandoffDesk:
    def __init__(self, sessions: sessionmaker[Session], rasa: RasaClient, *,
                 calendar: WorkCalendar, texts: dict, urgent_minutes: int = 30,
                 response_hours: int = 24, max_chars: int = 2000, clock=None):
        self.sessions = sessions
        self.rasa = rasa
        self.calendar = calendar
        self.texts = texts  # knowledge/texts/console.yml
        self.urgent = dt.timedelta(minutes=urgent_minutes)
        self.normal = dt.timedelta(hours=response_hours)
        self.max_chars = max_chars
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))

    # -- words ----------------------------------------------------------------------------------
    def say(self, key: str, **values) -> str:
        return tidy(self.texts["resident"][key]).format(**values)

    def error(self, status: int, code: str, **values) -> DeskError:
        return DeskError(status, code, tidy(self.texts["errors"][code]).format(**values))

    def _when(self, kind: str, at: dt.datetime) -> str:
        local = at.astimezone(CST)
        if kind == "urgent":
            return self.say("when_urgent", time=local.strftime("%H:%M"))
        if kind == "today":
            return self.say("when_today", time=local.strftime("%H:%M"))
        return self.say("when_next_workday", date=f"{local.month}月{local.day}日",
                        weekday=self.texts["resident"]["weekdays"][local.weekday()])

    def due_at(self, h: Handoff) -> dt.datetime:
        since = h.created_at.replace(tzinfo=dt.timezone.utc)
        return self.calendar.due_at(since, priority=bool(h.priority), urgent=self.urgent,
                                    normal=self.normal)

    def clean_text(self, value, limit: int | None = None) -> str:
        if not isinstance(value, str):
            raise self.error(400, "bad_request")
        value = value.replace("\x00", "").strip()
        if not value:
            raise self.error(400, "empty")
        limit = limit or self.max_chars
        if len(value) > limit:
            raise self.error(413, "too_long", length=len(value), limit=limit)
        return value

    # -- recording (from the bot's reply, in the transaction that stores it) ------------------------
    @staticmethod
    def _open_handoff(s: Session, conv_id: str, *, priority: bool, reason: str, details: dict,
                      now: dt.datetime) -> tuple[Handoff, bool]:
        conv = s.get(Conversation, conv_id)
        if conv.status not in ("waiting_mediator", "with_mediator"):
            conv.status = "waiting_mediator"
        conv.priority = conv.priority or priority
        h = s.scalars(select(Handoff).where(Handoff.conversation_id == conv_id,
                                            Handoff.status.in_(OPEN))).first()
        if h is not None:
            return h, False
        domain = details.get("domain") if details.get("domain") in DOMAINS else None
        case_type = details.get("case_type") if isinstance(details.get("case_type"), str) else None
        h = Handoff(conversation_id=conv_id, reason=(reason or "resident_request")[:40],
                    priority=priority, domain=domain, case_type=(case_type or "")[:40] or None,
                    created_at=now)
        s.add(h)
        s.flush()
        s.add(ConsoleEvent(conversation_id=conv_id, handoff_id=h.id, kind="handoff",
                           actor="resident", created_at=now,
                           detail={"reason": h.reason, "priority": bool(priority)}))
        return h, True

    def record(self, s: Session, conv_id: str, *, priority: bool, reason: str,
               details: dict | None = None, reply_to: int | None = None) -> list[Message]:
        """The conversation waits for a person; returns the notice telling the resident when to
        expect an answer (for the caller to store after the bot's own reply)."""
        now = self.clock()
        h, new = self._open_handoff(s, conv_id, priority=priority, reason=reason,
                                    details=details or {}, now=to_utc_naive(now))
        raised = priority and not new and not h.priority
        if not (new or raised):
            return []
        if priority:
            h.priority = True
            kind, when = "urgent", now + self.urgent
            text = self.say("urgent_notice", when=self._when(kind, when))
        else:
            kind, when = self.calendar.reply_expected(now)
            text = self.say("handoff_notice", when=self._when(kind, when))
        h.reply_expected_by = to_utc_naive(when)
        return [Message(conversation_id=conv_id, sender="system", text=text, reply_to=reply_to)]

    def waiting_notice(self, s: Session, conv_id: str, reply_to: int | None) -> list[Message]:
        """While the resident waits for a person the bot keeps answering; under its answer,
        when the person will reply and the numbers to call."""
        h = latest_handoff(s, conv_id)
        if h is None or h.status != "waiting" or h.reply_expected_by is None:
            return []
        due = h.reply_expected_by.replace(tzinfo=dt.timezone.utc)
        same_day = due.astimezone(CST).date() == self.clock().astimezone(CST).date()
        kind = "urgent" if h.priority else "today" if same_day else "next_workday"
        text = " ".join(self.say("waiting_notice", when=self._when(kind, due)).split())
        recent = s.scalars(select(Message.text).where(Message.conversation_id == conv_id)
                           .order_by(Message.id.desc()).limit(8)).all()
        if text in recent:
            return []  # said a moment ago: not under every answer
        return [Message(conversation_id=conv_id, sender="system", text=text, reply_to=reply_to)]

    # -- the console's actions --------------------------------------------------------------------
    def _load(self, s: Session, conv_id: str, user) -> tuple[Conversation, Handoff | None]:
        conv = s.get(Conversation, conv_id) if isinstance(conv_id, str) else None
        if conv is None:
            raise self.error(404, "not_found")
        h = latest_handoff(s, conv_id)
        if user is not None and not can_view(user, h):
            raise self.error(403, "not_yours")
        return conv, h

    def _event(self, s: Session, h: Handoff | None, conv_id: str, kind: str, user=None,
               **detail) -> None:
        s.add(ConsoleEvent(conversation_id=conv_id, handoff_id=h.id if h else None, kind=kind,
                           actor_id=getattr(user, "id", None),
                           actor=getattr(user, "name", None) or "resident",
                           detail=detail or None))

    def _system(self, s: Session, conv_id: str, key: str, **values) -> None:
        s.add(Message(conversation_id=conv_id, sender="system", text=self.say(key, **values)))

    def claim(self, conv_id: str, user) -> None:
        """One winner: the UPDATE only changes a handoff still waiting and unassigned, and its
        row count says who won. 409 ``taken`` for everyone else."""
        with self.sessions() as s:
            _, h = self._load(s, conv_id, None)  # someone else's case: 409 taken, not 403
        if h is not None and h.status == "waiting" and h.for_role and user.role not in (h.for_role, "admin"):
            raise self.error(403, "forbidden")
        with session_scope(self.sessions) as s:
            won = s.execute(update(Handoff).where(
                Handoff.conversation_id == conv_id, Handoff.status == "waiting",
                Handoff.assignee_id.is_(None)).values(
                status="taken", assignee_id=user.id, claimed_at=utcnow())
                .execution_options(synchronize_session=False)).rowcount
            if won:
                s.get(Conversation, conv_id).status = "with_mediator"
                h = latest_handoff(s, conv_id)
                self._event(s, h, conv_id, "claim", user)
                self._system(s, conv_id, "claimed", name=user.name)
                return
        with self.sessions() as s:
            h = latest_handoff(s, conv_id)
            if h is not None and h.status == "taken":
                if h.assignee_id == user.id:
                    return  # a second click of the same person
                holder = s.get(User, h.assignee_id)
                raise self.error(409, "taken", name=holder.name if holder else "")
        raise self.error(409, "not_open")

    def _held(self, s: Session, conv_id: str, user) -> tuple[Conversation, Handoff]:
        conv, h = self._load(s, conv_id, user)
        if h is None or h.status not in OPEN:
            raise self.error(409, "not_open")
        if h.status == "waiting":
            raise self.error(409, "not_claimed")
        if h.assignee_id != user.id and user.role != "admin":
            raise self.error(403, "not_yours")
        return conv, h

    def reply(self, conv_id: str, user, text) -> dict:
        """A message to the resident, stored as from "mediator" (the widget polls for it)."""
        text = self.clean_text(text)
        with session_scope(self.sessions) as s:
            _, h = self._held(s, conv_id, user)
            m = Message(conversation_id=conv_id, sender="mediator", text=text,
                        meta={"user_id": user.id, "name": user.name})
            s.add(m)
            s.flush()
            self._event(s, h, conv_id, "reply", user, seq=m.id)
            return {"seq": m.id, "from": "mediator", "text": m.text, "buttons": []}

    def note(self, conv_id: str, user, text) -> dict:
        """A private note: for the people handling the case, never for the resident."""
        text = self.clean_text(text)
        with session_scope(self.sessions) as s:
            _, h = self._load(s, conv_id, user)
            n = Note(conversation_id=conv_id, author_id=user.id, text=text)
            s.add(n)
            s.flush()
            self._event(s, h, conv_id, "note", user, note_id=n.id)
            return {"id": n.id, "author": user.name, "text": n.text}

    def transfer(self, conv_id: str, user, to) -> None:
        """To another account (by user name), or ``lawyer``: back to the queue for the duty
        lawyers."""
        if not isinstance(to, str) or not to.strip():
            raise self.error(400, "bad_target")
        with session_scope(self.sessions) as s:
            conv, h = self._load(s, conv_id, user)
            if not can_act(user, h):
                raise self.error(409 if h is None or h.status not in OPEN else 403,
                                 "not_open" if h is None or h.status not in OPEN else "not_yours")
            if to.strip() in ("lawyer", "duty_lawyer"):
                h.status, h.assignee_id, h.for_role = "waiting", None, "lawyer"
                conv.status = "waiting_mediator"
                self._system(s, conv_id, "to_lawyer")
                self._event(s, h, conv_id, "transfer", user, to="lawyer")
                return
            target = s.scalars(select(User).where(User.username == to.strip().lower())).first()
            if target is None or not target.active or target.role not in STAFF:
                raise self.error(400, "bad_target")
            h.status, h.assignee_id, h.for_role = "taken", target.id, None
            h.claimed_at = h.claimed_at or utcnow()
            conv.status = "with_mediator"
            self._system(s, conv_id, "transferred", name=target.name)
            self._event(s, h, conv_id, "transfer", user, to=target.username)

    def _end(self, s: Session, conv: Conversation, h: Handoff, *, status: str, outcome: str,
             note: str | None, conv_status: str) -> None:
        h.status, h.outcome, h.close_note, h.closed_at = status, outcome, note, utcnow()
        conv.status = conv_status
        s.add(RasaOutbox(conversation_id=conv.id, events=RESUME))

    def handback(self, conv_id: str, user) -> None:
        """Back to the robot: the conversation is active again and Rasa is owed a resume."""
        with session_scope(self.sessions) as s:
            conv, h = self._load(s, conv_id, user)
            if not can_act(user, h):
                raise self.error(409, "not_open") if h is None or h.status not in OPEN \
                    else self.error(403, "not_yours")
            self._end(s, conv, h, status="returned", outcome="handback", note=None,
                      conv_status="active")
            self._system(s, conv_id, "handed_back")
            self._event(s, h, conv_id, "handback", user)

    def close(self, conv_id: str, user, outcome, note=None) -> None:
        if outcome not in OUTCOMES:
            raise self.error(400, "bad_outcome")
        note = self.clean_text(note, 1000) if isinstance(note, str) and note.strip() else None
        with session_scope(self.sessions) as s:
            conv, h = self._load(s, conv_id, user)
            if not can_act(user, h):
                raise self.error(409, "not_open") if h is None or h.status not in OPEN \
                    else self.error(403, "not_yours")
            self._end(s, conv, h, status="closed", outcome=outcome, note=note,
                      conv_status="closed")
            self._system(s, conv_id, "closed")
            self._event(s, h, conv_id, "close", user, outcome=outcome, note=note)

    # -- the resident's side ----------------------------------------------------------------------
    def resident_leave(self, conv_id: str) -> None:
        """The resident stops waiting ("回到机器人"): the bot answers again."""
        with session_scope(self.sessions) as s:
            conv, h = self._load(s, conv_id, None)
            if h is None or h.status not in OPEN:
                raise self.error(409, "not_with_person")
            self._end(s, conv, h, status="returned", outcome="resident_left", note=None,
                      conv_status="active")
            self._system(s, conv_id, "resident_left")
            self._event(s, h, conv_id, "resident_left")

    def rate(self, conv_id: str, score, comment=None) -> None:
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise self.error(400, "bad_score")
        comment = self.clean_text(comment, 500) if isinstance(comment, str) and comment.strip() \
            else ""
        try:
            with session_scope(self.sessions) as s:
                _, h = self._load(s, conv_id, None)
                if h is None or h.status not in ENDED or h.assignee_id is None:
                    raise self.error(409, "nothing_to_rate")
                if s.scalar(select(Rating.id).where(Rating.handoff_id == h.id)) is not None:
                    raise self.error(409, "already_rated")
                s.add(Rating(handoff_id=h.id, conversation_id=conv_id, score=score,
                             comment=comment))
                self._event(s, h, conv_id, "rating", score=score)
        except IntegrityError:  # the same rating sent twice at once
            raise self.error(409, "already_rated") from None

    def resident_status(self, conv_id: str) -> dict:
        """``GET /api/conversations/<id>`` (contract 2)."""
        with self.sessions() as s:
            conv = s.get(Conversation, conv_id)
            h = latest_handoff(s, conv_id)
            holder = s.get(User, h.assignee_id) if h is not None and h.assignee_id else None
        out = {"status": conv.status}
        if conv.status == "waiting_mediator" and h is not None and h.reply_expected_by:
            out["reply_expected_by"] = iso(h.reply_expected_by)
        if holder is not None and conv.status in ("with_mediator", "closed"):
            out["mediator"] = {"name": holder.name}
        return out

    # -- what Rasa is owed ------------------------------------------------------------------------
    def owed(self, limit: int = 20) -> list[str]:
        """Conversations with a resume Rasa has not had yet (Rasa was down)."""
        with self.sessions() as s:
            return list(dict.fromkeys(s.scalars(
                select(RasaOutbox.conversation_id).where(RasaOutbox.sent_at.is_(None))
                .order_by(RasaOutbox.id).limit(limit))))

    def owes(self, conv_id: str) -> bool:
        with self.sessions() as s:
            return s.scalar(select(RasaOutbox.id).where(
                RasaOutbox.conversation_id == conv_id, RasaOutbox.sent_at.is_(None))
                .limit(1)) is not None

    def deliver(self, conv_id: str) -> None:
        """Send the conversation's owed events to Rasa, oldest first; RasaUnavailable when Rasa
        does not take them (they stay owed). Call it while holding the conversation's lease, so
        no message reaches Rasa between a pause and its resume out of order."""
        with self.sessions() as s:
            rows = s.scalars(select(RasaOutbox).where(RasaOutbox.conversation_id == conv_id,
                                                      RasaOutbox.sent_at.is_(None))
                             .order_by(RasaOutbox.id)).all()
        for row in rows:
            try:
                self.rasa.append_events(conv_id, row.events)
            except RasaUnavailable:
                with session_scope(self.sessions) as s:
                    s.get(RasaOutbox, row.id).attempts += 1
                raise
            with session_scope(self.sessions) as s:
                s.get(RasaOutbox, row.id).sent_at = utcnow()
