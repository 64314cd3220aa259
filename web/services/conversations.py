"""Conversation service: store every message before and after Rasa sees it.

Nothing a resident says is lost: the resident's message is committed (status ``pending``) before
it is forwarded, and marked ``answered`` in the same transaction that stores the replies. When
Rasa is down the message stays ``pending`` and is answered, in order, the next time Rasa answers.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from knowledge.privacy import mask_personal

from ..clients.rasa import RasaClient, RasaUnavailable
from ..db import session_scope
from ..models import Conversation, Message, utcnow
from .consultations import add_consultation, parse_payload, report_url as report_link
from .handoffs import RESUME, record_handoff

MAX_ATTEMPTS = 3
FAILED_AFTER = dt.timedelta(minutes=10)
# payloads of buttons the widget shows on every screen (转人工 in its header)
ALWAYS_OFFERED = ("/handoff", "/greet")


def _encodable(text: str) -> bool:
    """False for text that cannot be stored as UTF-8 (lone surrogates from JSON escapes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def as_plain_text(text: str) -> str:
    """What Rasa hears of a typed message: personal numbers masked (its tracker store never holds
    them) and a leading "/" removed, so typed text is never taken for an intent payload."""
    text = mask_personal(text)
    return text.lstrip("/ ") or "？" if text.startswith("/") else text


class ChatError(Exception):
    """A request the chat API refuses, with the HTTP status and a message for the resident."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def message_json(m: Message) -> dict:
    out = {"seq": m.id, "from": m.sender, "text": m.text, "buttons": m.buttons or []}
    if m.report_url:
        out["report_url"] = m.report_url
    if m.reply_to:
        out["reply_to"] = m.reply_to
    if m.links:
        out["links"] = m.links
    return out


class ChatService:
    def __init__(self, sessions: sessionmaker[Session], rasa: RasaClient, *, texts: dict,
                 max_chars: int = 2000, rate_per_minute: int = 30, desk=None):
        self.sessions = sessions
        self.rasa = rasa
        # web.services.handoffs.HandoffDesk: records handoffs with the resident's notice, and
        # holds the resume events Rasa is owed after a handback or close
        self.desk = desk
        self.texts = texts  # knowledge/texts/chat.yml
        self.max_chars = max_chars
        self.rate_per_minute = rate_per_minute
        # web.services.bookings.Bookings.offer: the mediators and free slots the web app adds
        # when a reply carries ``custom.booking_offer`` (the action server cannot see the roster)
        self.offers = None

    def error(self, status: int, code: str, **values) -> ChatError:
        text = " ".join(self.texts["errors"][code].split())
        return ChatError(status, code, text.format(**values) if values else text)

    # -- conversations ---------------------------------------------------------------------------
    def create(self, channel: str = "web") -> tuple[str, str]:
        conv_id, token = uuid.uuid4().hex, secrets.token_urlsafe(24)
        with session_scope(self.sessions) as s:
            s.add(Conversation(id=conv_id, token_hash=_hash(token), channel=channel))
        return conv_id, token

    def authorize(self, conv_id: str, token: str | None) -> Conversation:
        with self.sessions() as s:
            conv = s.get(Conversation, conv_id)
        if conv is None:
            raise self.error(404, "not_found")
        if not token or not hmac.compare_digest(conv.token_hash, _hash(token)):
            raise self.error(403, "bad_token")
        return conv

    def writable(self, conv: Conversation, channel: str = "web") -> None:
        """A conversation carried over to WeChat ("绑定") is read-only on the web: 409."""
        if conv.channel != channel:
            raise self.error(409, "moved_to_wechat")

    # -- messages --------------------------------------------------------------------------------
    def validate(self, body) -> tuple[str, str | None]:
        """(text to show, payload to send) from a request body, or ChatError."""
        if not isinstance(body, dict):
            raise self.error(400, "bad_request")
        text, payload = body.get("text"), body.get("payload")
        if isinstance(payload, str) and not payload.startswith("/"):
            # a quick reply whose payload is its words (是, 不知道, 算了, 对): sent as that text
            text, payload = payload, None
        if payload is not None:
            if not isinstance(payload, str) or not payload.startswith("/") or len(payload) > 500 \
                    or not _encodable(payload):
                raise self.error(400, "bad_payload")
            title = body.get("title") if isinstance(body.get("title"), str) else payload
            return (title if _encodable(title) else payload)[:200].replace("\x00", ""), payload
        if not isinstance(text, str) or not _encodable(text):
            raise ChatError(400, "bad_request", self.texts["errors"]["no_text"])
        text = text.replace("\x00", "").strip()
        if not text:
            raise self.error(400, "empty")
        if len(text) > self.max_chars:
            raise self.error(413, "too_long", length=len(text), limit=self.max_chars)
        return text, None

    def _check_rate(self, s: Session, conv_id: str) -> None:
        since = utcnow() - dt.timedelta(minutes=1)
        n = s.scalar(select(func.count()).select_from(Message).where(
            Message.conversation_id == conv_id, Message.sender == "resident",
            Message.created_at >= since))
        if n >= self.rate_per_minute:
            raise self.error(429, "rate_limited")

    def post(self, conv_id: str, text: str, payload: str | None, *, trusted: bool = False,
             on_store=None) -> list[dict]:
        """Store the message, let Rasa answer everything pending, return the new replies.

        A payload goes to Rasa as an intent only when the bot offered it in this conversation
        (or it is one the widget always shows, or the channel vouches for it: ``trusted``, a
        WeChat menu key mapped to a fixed payload); any other is kept as the text it showed.
        ``on_store(session, message_id)`` runs in the transaction that stores the message (the
        WeChat channel marks its push stored there, so the two commit together or not at all)."""
        with session_scope(self.sessions) as s:
            self._check_rate(s, conv_id)
            if payload is not None and not trusted and not self._offered(s, conv_id, payload):
                payload = None
            conv = s.get(Conversation, conv_id)
            # with a person the message is theirs; while waiting for one, the bot still answers
            paused = conv.status == "with_mediator"
            msg = Message(conversation_id=conv_id, sender="resident", text=text, payload=payload,
                          status="paused" if paused else "pending")
            s.add(msg)
            s.flush()
            msg_id = msg.id
            if on_store is not None:
                on_store(s, msg_id)
        if paused:
            return []
        return self.drain(conv_id, mine=msg_id)

    @staticmethod
    def _offered(s: Session, conv_id: str, payload: str) -> bool:
        if payload in ALWAYS_OFFERED:
            return True
        offered = s.scalars(select(Message.buttons).where(
            Message.conversation_id == conv_id, Message.sender == "bot",
            Message.buttons.is_not(None)).order_by(Message.id.desc()).limit(50))
        return any(isinstance(b, dict) and b.get("payload") == payload
                   for buttons in offered for b in (buttons or []))

    def retry_pending(self, conv_id: str) -> None:
        """Answer kept messages now if Rasa answers again (called when the widget polls)."""
        with self.sessions() as s:
            waiting = s.scalar(select(func.count()).select_from(Message).where(
                Message.conversation_id == conv_id, Message.status == "pending"))
        if waiting and self.rasa.ping():
            self.drain(conv_id)
        else:
            self.settle(conv_id)

    def settle(self, conv_id: str) -> None:
        """Deliver what Rasa is owed for this conversation (the resume after a handback or a
        close) under its lease, so no message overtakes it; while Rasa is down it stays owed and
        the next message or poll delivers it."""
        if self.desk is None or not self.desk.owes(conv_id) or not self.rasa.ping():
            return
        if not self._set_lease(conv_id, hold=True, only_if_free=True):
            return  # the holder delivers it before it sends anything
        try:
            self.desk.deliver(conv_id)
        except RasaUnavailable:
            pass
        finally:
            self._set_lease(conv_id, hold=False)

    # -- forwarding to Rasa, one request per conversation at a time --------------------------------
    def _lease_seconds(self) -> float:
        return 2 * float(getattr(self.rasa, "timeout", 30.0)) + 5

    def _set_lease(self, conv_id: str, *, hold: bool, only_if_free: bool = False) -> bool:
        """Hold the conversation's lease for another lease period, or release it (hold=False).
        With only_if_free, a single-row UPDATE with a condition: SQLite and PostgreSQL both let
        only one of two racing requests win. A lease left by a killed process expires, so its
        pending messages are answered later. Returns whether the row was updated."""
        now = utcnow()
        stmt = update(Conversation).where(Conversation.id == conv_id)
        if only_if_free:
            stmt = stmt.where(Conversation.drain_until.is_(None) | (Conversation.drain_until < now))
        until = now + dt.timedelta(seconds=self._lease_seconds()) if hold else None
        with session_scope(self.sessions) as s:
            return bool(s.execute(stmt.values(drain_until=until)
                                  .execution_options(synchronize_session=False)).rowcount)

    def _first_pending(self, conv_id: str) -> Message | None:
        with self.sessions() as s:
            return s.scalars(select(Message).where(
                Message.conversation_id == conv_id, Message.status == "pending")
                .order_by(Message.id).limit(1)).first()

    def _replies_to(self, conv_id: str, msg_id: int) -> list[dict]:
        """What the bot (or the offline notice) said in answer to one resident message."""
        with self.sessions() as s:
            rows = s.scalars(select(Message).where(Message.conversation_id == conv_id,
                                                   Message.reply_to == msg_id)
                             .order_by(Message.id)).all()
        return [message_json(m) for m in rows]

    def drain(self, conv_id: str, mine: int | None = None) -> list[dict]:
        """Answer the conversation's pending messages in order; returns the replies made.

        Only the request holding the conversation's lease talks to Rasa, so a message is never
        sent twice when two requests of one conversation arrive together. A request that finds
        the lease taken waits for its own message (``mine``) to be answered by the holder."""
        out: list[dict] = []
        give_up = time.monotonic() + self._lease_seconds()
        while True:
            if not self._set_lease(conv_id, hold=True, only_if_free=True):
                if mine is None:
                    return out  # a poll: the holder answers everything pending
                with self.sessions() as s:
                    status = s.get(Message, mine).status
                if status != "pending":
                    return out + self._replies_to(conv_id, mine)
                if time.monotonic() > give_up:
                    return out  # kept as pending; the next poll or message answers it
                time.sleep(0.05)
                continue
            try:
                while (pending := self._first_pending(conv_id)) is not None:
                    try:
                        if self.desk is not None:
                            self.desk.deliver(conv_id)  # a resume owed since a handback first
                        replies = self._forward(conv_id, pending)
                    except RasaUnavailable:
                        self._give_up_if_stuck(pending.id)
                        return out + [self._notice(conv_id, pending.id)]
                    out.extend(self._store_replies(conv_id, pending.id, replies))
                    self._set_lease(conv_id, hold=True)
            finally:
                self._set_lease(conv_id, hold=False)
            # a message stored between our last look and the release is answered in the next round
            if self._first_pending(conv_id) is None:
                if mine is None:
                    return out
                # replies to later messages belong to the requests that sent them (they wait);
                # ours may have been answered by another request just before we took the lease
                out = [m for m in out if m.get("reply_to", 0) <= mine]
                if not any(m.get("reply_to") == mine for m in out):
                    out += self._replies_to(conv_id, mine)
                return out

    def _store_replies(self, conv_id: str, msg_id: int, replies: list[dict]) -> list[dict]:
        stored = []
        with session_scope(self.sessions) as s:
            # another process may have answered it meanwhile: only the one that flips it stores
            flipped = s.execute(update(Message).where(Message.id == msg_id,
                                                      Message.status == "pending")
                                .values(status="answered")).rowcount
            if not flipped:
                return []
            notices = []
            conv = s.get(Conversation, conv_id)
            if conv.status == "closed":  # a resident who writes after a close has the bot again
                conv.status = "active"
            for r in replies:
                if not isinstance(r, dict):
                    continue
                custom = r.get("custom") if isinstance(r.get("custom"), dict) else {}
                buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                           for b in (r.get("buttons") or []) if isinstance(b, dict)]
                if custom.get("handoff"):
                    record = self.desk.record if self.desk is not None else record_handoff
                    notices += record(s, conv_id, priority=bool(custom.get("priority")),
                                      reason=str(custom.get("reason") or "resident_request"),
                                      details=custom, reply_to=msg_id)
                report_url = None
                consultation = parse_payload(custom)
                if consultation is not None:
                    report_url = report_link(add_consultation(s, conv_id, *consultation))
                text = str(r.get("text") or "")
                if "booking_offer" in custom and self.offers is not None:
                    offer = self.offers(conv_id)
                    m = Message(conversation_id=conv_id, sender="bot", text=offer["text"],
                                links=offer["links"] or None, buttons=buttons or None,
                                reply_to=msg_id)
                    s.add(m)
                    stored.append(m)
                    continue
                if not text and not buttons and report_url and stored:
                    # Rasa sends an utterance's custom part as a message of its own: the report
                    # link belongs to the summary just before it
                    stored[-1].report_url = report_url
                    continue
                if not text and not buttons and isinstance(custom.get("answer"), dict) and stored:
                    # the FAQ id and confidence of the answer just before it, for the console
                    stored[-1].meta = {k: custom["answer"].get(k)
                                       for k in ("faq_id", "confidence", "domain")}
                    continue
                m = Message(conversation_id=conv_id, sender="bot", text=text,
                            buttons=buttons or None, report_url=report_url, reply_to=msg_id)
                if m.text or buttons or m.report_url:
                    s.add(m)
                    stored.append(m)
            if not notices and stored and conv.status == "waiting_mediator" \
                    and self.desk is not None:
                notices = self.desk.waiting_notice(s, conv_id, msg_id)
            for m in notices:  # when a person will answer, after the bot's own words
                s.add(m)
                stored.append(m)
            s.flush()
            return [message_json(m) for m in stored]

    def _forward(self, conv_id: str, pending: Message) -> list[dict]:
        """Rasa's replies to a pending message, sending it at most once: a message tried before
        (a process may have died after sending it) is first looked up in Rasa's tracker."""
        if pending.attempts:
            heard = self.rasa.replies_to(conv_id, pending.id)
            if heard:
                return heard
        with session_scope(self.sessions) as s:  # counted before sending, not after
            s.execute(update(Message).where(Message.id == pending.id)
                      .values(attempts=Message.attempts + 1))
            waiting = s.get(Conversation, conv_id).status == "waiting_mediator"
        if not waiting:
            return self.rasa.send(conv_id, pending.payload or as_plain_text(pending.text),
                                  msg_id=pending.id)
        # waiting for a person: Rasa stays paused between messages (the console may claim the
        # conversation at any time) and is resumed just for this one
        self.rasa.append_events(conv_id, RESUME)
        try:
            return self.rasa.send(conv_id, pending.payload or as_plain_text(pending.text),
                                  msg_id=pending.id)
        finally:
            self.rasa.append_events(conv_id, [{"event": "pause"}])

    def _give_up_if_stuck(self, msg_id: int) -> None:
        """A message that still fails after MAX_ATTEMPTS tries over more than FAILED_AFTER stops
        blocking the ones after it (kept as ``failed`` for the mediators). An outage shorter than
        that — Rasa or the action server restarting — never fails a message: it is answered,
        in order, once they are back."""
        with session_scope(self.sessions) as s:
            msg = s.get(Message, msg_id)
            if (msg.attempts or 0) >= MAX_ATTEMPTS and utcnow() - msg.created_at > FAILED_AFTER:
                msg.status = "failed"

    def _notice(self, conv_id: str, msg_id: int) -> dict:
        with session_scope(self.sessions) as s:
            m = Message(conversation_id=conv_id, sender="system",
                        text=" ".join(self.texts["offline_notice"].split()),
                        reply_to=msg_id)
            s.add(m)
            s.flush()
            return message_json(m)

    def history(self, conv_id: str, after: int = 0, limit: int = 200) -> list[dict]:
        with self.sessions() as s:
            rows = s.scalars(select(Message).where(Message.conversation_id == conv_id,
                                                   Message.id > after)
                             .order_by(Message.id).limit(limit)).all()
        return [message_json(m) for m in rows]
