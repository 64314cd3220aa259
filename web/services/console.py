"""What the console shows: the queue, one conversation with everything known about it, the canned
replies. Reading only, except the admins' edits of canned replies; the actions on a handoff are
in :mod:`web.services.handoffs`.

Phone, ID and bank-card numbers are shown in full only to the person who holds the case and to
admins; everyone else sees them masked (138****5678).
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from knowledge.content.loader import tidy
from knowledge.privacy import mask_personal

from ..db import session_scope
from ..models import (CannedReply, ConsoleEvent, Consultation, Conversation, Handoff, Message,
                      Note, Rating, User)
from .consultations import report_url
from .handoffs import ENDED, OPEN, HandoffDesk, can_act, can_view, latest_handoff
from .workdays import iso

VIEWS = ("waiting", "mine", "all", "closed")
_CANNED_KEY = re.compile(r"^[a-z0-9_-]{1,40}$")


def mask_all(value):
    """Personal numbers masked in every string of a JSON-like value."""
    if isinstance(value, str):
        return mask_personal(value)
    if isinstance(value, dict):
        return {k: mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_all(v) for v in value]
    return value


def _person(u: User | None) -> dict | None:
    return {"username": u.username, "name": u.name} if u is not None else None


class Console:
    def __init__(self, sessions: sessionmaker[Session], desk: HandoffDesk, *, case_types: dict,
                 texts: dict):
        self.sessions = sessions
        self.desk = desk
        self.case_types = case_types
        self.texts = texts  # knowledge/texts/console.yml

    # -- the queue --------------------------------------------------------------------------------
    def _handoffs(self, s: Session, user, view: str) -> list[Handoff]:
        q = select(Handoff)
        waiting = Handoff.status == "waiting"
        if user.role != "admin":
            waiting = waiting & (Handoff.for_role.is_(None) | (Handoff.for_role == user.role))
        mine = (Handoff.status == "taken") & (Handoff.assignee_id == user.id)
        if view == "waiting":
            q = q.where(waiting)
        elif view == "mine":
            q = q.where(mine)
        elif view == "all":
            q = q.where(Handoff.status.in_(OPEN) if user.role == "admin" else waiting | mine)
        else:  # closed: the latest ended ones (an admin's: everyone's)
            q = q.where(Handoff.status.in_(ENDED))
            if user.role != "admin":
                q = q.where(Handoff.assignee_id == user.id)
            return list(s.scalars(q.order_by(Handoff.closed_at.desc()).limit(100)))
        return list(s.scalars(q.order_by(Handoff.priority.desc(), Handoff.created_at,
                                         Handoff.id).limit(500)))

    def queue(self, user, view: str = "waiting") -> list[dict]:
        """Contract 4: priority first, then oldest."""
        if view not in VIEWS:
            raise self.desk.error(400, "bad_view")
        with self.sessions() as s:
            return [self._item(s, h, user) for h in self._handoffs(s, user, view)]

    def _consultation(self, s: Session, conv_id: str) -> Consultation | None:
        return s.scalars(select(Consultation).where(Consultation.conversation_id == conv_id)
                         .order_by(Consultation.id.desc()).limit(1)).first()

    def _domain_and_case(self, s: Session, h: Handoff) -> tuple[str | None, str | None]:
        case_type, domain = h.case_type, h.domain
        if case_type is None:
            c = self._consultation(s, h.conversation_id)
            case_type = c.case_type if c is not None else None
        if domain is None and case_type in self.case_types:
            domain = self.case_types[case_type].domain
        if domain is None:  # the domain retrieval gave the bot's last answer
            meta = s.scalars(select(Message.meta).where(
                Message.conversation_id == h.conversation_id, Message.sender == "bot",
                Message.meta.is_not(None)).order_by(Message.id.desc()).limit(1)).first()
            domain = (meta or {}).get("domain")
        return domain, case_type

    def _summary(self, s: Session, h: Handoff, full: bool) -> str:
        texts = s.scalars(select(Message.text).where(
            Message.conversation_id == h.conversation_id, Message.sender == "resident",
            Message.payload.is_(None)).order_by(Message.id.desc()).limit(3)).all()
        typed = [t for t in texts if len(t) > 4]  # not the widget's 你好 or a bare 转人工
        if typed:
            line = " ".join(typed[0].split())
        elif h.case_type in self.case_types:
            line = self.case_types[h.case_type].title
        else:
            line = self.texts["labels"]["no_summary"]
        line = line if len(line) <= 80 else line[:79] + "…"
        return line if full else mask_personal(line)

    def _item(self, s: Session, h: Handoff, user) -> dict:
        conv = s.get(Conversation, h.conversation_id)
        holder = s.get(User, h.assignee_id) if h.assignee_id else None
        domain, case_type = self._domain_and_case(s, h)
        full = user.role == "admin" or h.assignee_id == user.id
        return {"conversation_id": h.conversation_id, "status": conv.status,
                "priority": bool(h.priority), "reason": h.reason, "domain": domain,
                "case_type": case_type, "summary": self._summary(s, h, full),
                "waiting_since": iso(h.created_at), "due_at": iso(self.desk.due_at(h)),
                "assignee": _person(holder)}

    # -- one conversation -------------------------------------------------------------------------
    def conversation(self, conv_id: str, user) -> dict:
        """Contract 4: ``{conversation, messages, facts, analysis, report_url, notes, events}``."""
        with self.sessions() as s:
            conv = s.get(Conversation, conv_id) if isinstance(conv_id, str) else None
            if conv is None:
                raise self.desk.error(404, "not_found")
            h = latest_handoff(s, conv_id)
            if not can_view(user, h):
                raise self.desk.error(403, "not_yours")
            full = user.role == "admin" or (h is not None and h.assignee_id == user.id)
            shown = (lambda v: v) if full else mask_all
            c = self._consultation(s, conv_id)
            users = {u.id: u for u in s.scalars(select(User))}
            body = {
                "conversation": self._header(s, conv, h, user, users),
                "messages": [shown(self._message(m)) for m in s.scalars(
                    select(Message).where(Message.conversation_id == conv_id)
                    .order_by(Message.id).limit(2000))],
                "facts": shown(c.facts) if c is not None else {},
                "analysis": shown(c.analysis) if c is not None else None,
                "report_url": report_url(c.report_token) if c is not None else None,
                "notes": [{"id": n.id, "author": users[n.author_id].name if n.author_id in users
                           else "", "text": shown(n.text), "created_at": iso(n.created_at)}
                          for n in s.scalars(select(Note).where(Note.conversation_id == conv_id)
                                             .order_by(Note.id))],
                "events": [{"id": e.id, "kind": e.kind, "actor": e.actor, "at": iso(e.created_at),
                            "detail": shown(e.detail or {})}
                           for e in s.scalars(select(ConsoleEvent).where(
                               ConsoleEvent.conversation_id == conv_id)
                               .order_by(ConsoleEvent.id))],
            }
        return body

    def _header(self, s: Session, conv: Conversation, h: Handoff | None, user,
                users: dict) -> dict:
        out = {"id": conv.id, "status": conv.status, "priority": bool(conv.priority),
               "channel": conv.channel, "created_at": iso(conv.created_at),
               "can_act": can_act(user, h), "handoff": None, "assignee": None,
               "fact_questions": {},
               "ratings": [{"score": r.score, "comment": r.comment, "at": iso(r.created_at)}
                           for r in s.scalars(select(Rating).where(
                               Rating.conversation_id == conv.id).order_by(Rating.id))]}
        if h is not None:
            domain, case_type = self._domain_and_case(s, h)
            out["assignee"] = _person(users.get(h.assignee_id))
            out["handoff"] = {
                "id": h.id, "status": h.status, "reason": h.reason, "priority": bool(h.priority),
                "for_role": h.for_role, "domain": domain, "case_type": case_type,
                "case_title": self.case_types[case_type].title if case_type in self.case_types
                else None,
                "waiting_since": iso(h.created_at), "due_at": iso(self.desk.due_at(h)),
                "reply_expected_by": iso(h.reply_expected_by), "claimed_at": iso(h.claimed_at),
                "closed_at": iso(h.closed_at), "outcome": h.outcome, "close_note": h.close_note}
        c = self._consultation(s, conv.id)
        if c is not None and c.case_type in self.case_types:
            out["fact_questions"] = {f.key: f.question
                                     for f in self.case_types[c.case_type].facts}
        return out

    @staticmethod
    def _message(m: Message) -> dict:
        out = {"seq": m.id, "from": m.sender, "text": m.text, "buttons": m.buttons or [],
               "at": iso(m.created_at)}
        if m.report_url:
            out["report_url"] = m.report_url
        if m.sender == "resident" and m.status in ("paused", "failed", "pending"):
            out["state"] = m.status
        meta = m.meta or {}
        if m.sender == "bot" and "faq_id" in meta:
            out["faq_id"], out["confidence"] = meta.get("faq_id"), meta.get("confidence")
        if m.sender == "mediator" and meta.get("name"):
            out["author"] = meta["name"]
        return out

    # -- canned replies ---------------------------------------------------------------------------
    def canned(self) -> list[dict]:
        """The defaults of knowledge/texts/console.yml with the admins' edits over them."""
        out = {c["id"]: {"id": c["id"], "title": c["title"], "text": tidy(c["text"]),
                         "edited": False} for c in self.texts.get("canned") or []}
        with self.sessions() as s:
            for row in s.scalars(select(CannedReply).order_by(CannedReply.key)):
                if row.hidden:
                    out.pop(row.key, None)
                else:
                    out[row.key] = {"id": row.key, "title": row.title, "text": row.text,
                                    "edited": True}
        return list(out.values())

    def save_canned(self, user, key: str, title, text, *, hidden: bool = False) -> None:
        key = (key or "").strip().lower()
        if not _CANNED_KEY.match(key) or not isinstance(title, str) \
                or not 0 < len(title.strip()) <= 40:
            raise self.desk.error(400, "bad_canned")
        text = self.desk.clean_text(text) if not hidden else (text or "")
        with session_scope(self.sessions) as s:
            row = s.get(CannedReply, key) or CannedReply(key=key)
            row.title, row.text, row.hidden, row.updated_by = title.strip(), text, hidden, user.id
            s.add(row)


def build_console(sessions: sessionmaker[Session], rasa, knowledge, overrides: dict):
    """The desk, the console's reading side and the accounts, from the settings."""
    from knowledge import settings

    from .accounts import Accounts
    from .workdays import PublishedSchedule, WorkCalendar

    def setting(name: str) -> int:
        return int(settings.get(name, overrides))

    texts = knowledge.texts["console"]
    desk = HandoffDesk(sessions, rasa,
                       calendar=WorkCalendar.from_span(settings.get("OFFICE_HOURS", overrides),
                                                       published=PublishedSchedule(sessions)),
                       texts=texts, urgent_minutes=setting("URGENT_MINUTES"),
                       response_hours=setting("RESPONSE_HOURS"),
                       max_chars=setting("MAX_MESSAGE_CHARS"))
    console = Console(sessions, desk, case_types=knowledge.case_types, texts=texts)
    accounts = Accounts(sessions, max_user_failures=setting("LOGIN_MAX_FAILURES"),
                        max_ip_failures=setting("LOGIN_IP_MAX_FAILURES"),
                        window_minutes=setting("LOGIN_LOCK_MINUTES"))
    return desk, console, accounts
