"""One case across channels (issue 17 item 8): a web conversation shows a short code, and
sending "绑定 123456" to the 公众号 continues that same conversation there — the facts, the
analysis and a handoff go with it, because the conversation (and Rasa's tracker, keyed by its id)
is the same one; only the channel it is answered on changes.

A code is 6 random digits (``secrets``), valid for ``ttl`` minutes and once; only a keyed digest
of it is stored. Guessing is stopped by counting failed tries in the database (shared by every
web process): an openid with ``max_failures`` failures in the window is refused for the rest of
it, and when everyone together has ``max_global_failures`` failures in the window binding pauses
for everybody. With 10^6 codes and a handful valid at any moment, a guesser's odds stay tiny.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.content.loader import tidy

from ..db import session_scope
from ..models import Consultation, Conversation, Message, WeChatUser, utcnow
from ..models_binding import BindAttempt, BindCode
from .consultations import report_url
from .conversations import message_json
from .wechat_outbox import claim, insert_ignore
from .workdays import iso

DIGITS = 6
WINDOW = dt.timedelta(hours=1)
# "绑定 123456", "绑定：１２３４５６", "绑定123456"; a bare "绑定" asks how
_BIND = re.compile(r"^\s*绑定\s*[:：]?\s*([0-9０-９ ]{0,20})\s*$")
_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")


class BindError(Exception):
    """A refused binding: HTTP status (web side), the code, the words for the resident."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def parse(text: str | None) -> str | None:
    """The code a resident sent ("" for a bare 绑定 or a malformed one), or None when the
    message is not about binding at all."""
    if not isinstance(text, str):
        return None
    found = _BIND.match(text)
    if found is None:
        return None
    return found.group(1).translate(_WIDE).replace(" ", "")


class Binding:
    def __init__(self, sessions: sessionmaker[Session], *, secret: str, texts: dict,
                 ttl_minutes: int = 10, max_failures: int = 5, max_global_failures: int = 60,
                 clock=utcnow):
        self.sessions = sessions
        self.key = hashlib.sha256(("bind:" + secret).encode()).digest()
        self.texts = texts  # knowledge/texts/wechat.yml, section "bind"
        self.ttl = dt.timedelta(minutes=ttl_minutes)
        self.max_failures, self.max_global_failures = max_failures, max_global_failures
        self.clock = clock

    def say(self, key: str, **values) -> str:
        return tidy(self.texts[key]).format(**values)

    def error(self, status: int, code: str, **values) -> BindError:
        return BindError(status, code, self.say(code, **values))

    def _digest(self, code: str) -> str:
        return hmac.new(self.key, code.encode(), hashlib.sha256).hexdigest()

    # -- the web side ------------------------------------------------------------------------------
    def issue(self, conv_id: str) -> dict:
        """A new code for a web conversation (earlier codes of it stop working):
        ``{"code", "expires_at", "text"}``."""
        now = self.clock()
        with self.sessions() as s:
            conv = s.get(Conversation, conv_id)
        if conv is None or conv.channel != "web":
            raise self.error(409, "not_web")
        for _ in range(20):  # a clash with a code still kept: draw again
            code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
            try:
                with session_scope(self.sessions) as s:
                    s.execute(delete(BindCode).where(
                        (BindCode.conversation_id == conv_id)
                        | (BindCode.expires_at < now - dt.timedelta(days=1))))
                    s.add(BindCode(digest=self._digest(code), conversation_id=conv_id,
                                   created_at=now, expires_at=now + self.ttl))
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - 20 clashes in a row among a million codes
            raise self.error(503, "bind_busy")
        expires = now + self.ttl
        return {"code": code, "expires_at": iso(expires),
                "text": self.say("web_code", code=code,
                                 minutes=int(self.ttl.total_seconds() // 60))}

    # -- the WeChat side ---------------------------------------------------------------------------
    def _failures(self, s: Session, since: dt.datetime, openid: str | None = None) -> int:
        q = select(func.count()).select_from(BindAttempt).where(
            BindAttempt.ok.is_(False), BindAttempt.created_at >= since)
        if openid is not None:
            q = q.where(BindAttempt.openid == openid)
        return s.scalar(q)

    def redeem(self, openid: str, code: str) -> str:
        """The conversation the code opens for this openid (the code is then spent), or
        BindError with the words to send back."""
        now = self.clock()
        with self.sessions() as s:
            if self._failures(s, now - WINDOW, openid) >= self.max_failures:
                raise self.error(429, "bind_locked")
            if self._failures(s, now - WINDOW) >= self.max_global_failures:
                raise self.error(429, "bind_busy")
        conv_id = None
        if re.fullmatch(rf"\d{{{DIGITS}}}", code):
            with session_scope(self.sessions) as s:
                digest = self._digest(code)
                row = s.get(BindCode, digest)
                won = row is not None and s.execute(update(BindCode).where(
                    BindCode.digest == digest, BindCode.used_at.is_(None),
                    BindCode.expires_at > now).values(used_at=now, used_by=openid)
                    .execution_options(synchronize_session=False)).rowcount
                conv_id = row.conversation_id if won else None
                s.add(BindAttempt(openid=openid, ok=bool(won), created_at=now))
        else:
            with session_scope(self.sessions) as s:
                s.add(BindAttempt(openid=openid, ok=False, created_at=now))
        if conv_id is None:
            with self.sessions() as s:
                left = self.max_failures - self._failures(s, now - WINDOW, openid)
            if left <= 0:
                raise self.error(429, "bind_locked")
            raise self.error(400, "bind_bad", left=left)
        return conv_id

    def attach(self, s: Session, openid: str, conv_id: str) -> dict | None:
        """In the caller's transaction: the conversation is now this openid's, answered on
        WeChat (a follower it belonged to before gets a new one on their next message). Returns
        the last words the resident read there (to show again), with the report link of the
        latest analysis."""
        conv = s.get(Conversation, conv_id)
        conv.channel = "wechat"
        s.execute(update(WeChatUser).where(WeChatUser.conversation_id == conv_id,
                                           WeChatUser.openid != openid)
                  .values(conversation_id=None, options=None))
        s.flush()
        s.execute(update(WeChatUser).where(WeChatUser.openid == openid)
                  .values(conversation_id=conv_id, opening_until=None, last_seen_at=utcnow()))
        last = s.scalars(select(Message).where(
            Message.conversation_id == conv_id, Message.sender != "resident")
            .order_by(Message.id.desc()).limit(1)).first()
        consultation = s.scalars(select(Consultation).where(
            Consultation.conversation_id == conv_id).order_by(Consultation.id.desc())
            .limit(1)).first()
        if last is None:
            return None
        out = {"from": last.sender, "text": last.text, "buttons": last.buttons or []}
        if last.report_url or consultation is not None:
            out["report_url"] = last.report_url or report_url(consultation.report_token)
        return out

    def over_wechat(self, svc, msg) -> tuple[bool, str | None]:
        """For :class:`.wechat.WeChatService`: (whether the push was about binding, the passive
        reply). The push is recorded first, so a retried one is answered once and counted once;
        the resident then reads where the case stands, with its choices numbered."""
        code = parse(msg.text) if msg.kind == "text" else None
        if code is None:
            return False, None
        with session_scope(self.sessions) as s:  # the code itself is not kept in the push
            if svc._record(s, msg, "bind", text="绑定", status="handled") is None:
                return True, None
        if not code:
            return True, self.say("bind_how")
        with self.sessions() as s:
            user = s.get(WeChatUser, msg.openid)
            here = s.get(Conversation, user.conversation_id) if user and user.conversation_id \
                else None
        if here is not None and here.status in ("waiting_mediator", "with_mediator"):
            return True, self.say("bind_here_busy")
        try:
            conv_id = self.redeem(msg.openid, code)
        except BindError as e:
            return True, e.message
        with session_scope(self.sessions) as s:
            insert_ignore(s, WeChatUser, openid=msg.openid, subscribed=True,
                          last_seen_at=utcnow())
        with session_scope(self.sessions) as s:
            last = self.attach(s, msg.openid, conv_id)
            # what the web chat showed was read there: never sent again over WeChat
            shown = s.scalars(select(Message.id).where(Message.conversation_id == conv_id,
                                                       Message.sender != "resident")).all()
            claim(s, shown, "web")
            done = Message(conversation_id=conv_id, sender="system", text=self.say("bind_done"))
            s.add(done)
            s.flush()
            claim(s, [done.id], "passive")
            replies = [message_json(done)] + ([last] if last else [])
            rendering = svc.renderer.render(replies, svc.public_url)
            svc._set_options(s, msg.openid, rendering.options)
            first, rest = rendering.passive()
            svc.outbox.enqueue(s, msg.openid, conv_id, rest)
        if rest:
            svc.sender.kick()
        return True, first

