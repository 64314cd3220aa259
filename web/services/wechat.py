"""The WeChat official account: the same robot as the web chat, through :class:`ChatService`.

A push, once verified (:mod:`.wechat_protocol`), is committed as a :class:`WeChatInbound` row
whose unique key (MsgId; events FromUserName + CreateTime) makes every retry or concurrent copy a
duplicate, answered ``success`` — in every web process. The resident's words then go to the
openid's one conversation (stored first, then Rasa) in a worker thread; the request waits for the
answer up to ``passive_seconds`` (about 4 s: WeChat gives up after 5) and replies passively, or
answers ``success`` and the answer follows through the customer-service API. Either way each
stored message is claimed once (:func:`.wechat_outbox.claim`) by whoever delivers it. What a
killed process left — a push not yet stored, replies not yet claimed, a message Rasa has not
answered — is picked up by the sender thread's sweep in any process; a mediator's words in a
WeChat conversation go out the same way.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..clients.wechat import WeChatApi
from ..db import session_scope
from ..models import (Conversation, Message, WeChatDelivery, WeChatInbound, WeChatNonce,
                      WeChatUser, utcnow)
from .conversations import ChatError, ChatService, message_json
from .token_cache import RedisTokenStore
from .wechat_outbox import Outbox, Sender, TokenStore, claim, insert_ignore
from .wechat_protocol import Envelope, Incoming, Protocol, Refused
from .wechat_render import Renderer, checked_menu, pick

log = logging.getLogger(__name__)
OTHER_KINDS = {"image": "image", "location": "location", "link": "link", "video": "video",
               "shortvideo": "video", "other": "other"}
GRACE = dt.timedelta(seconds=15)  # replies a request or its worker may still deliver itself
LOST_AFTER = dt.timedelta(seconds=60)  # a push not stored by then: its process died
HORIZON = dt.timedelta(days=2)  # WeChat's 48-hour window: nothing older can be sent


class _AlreadyStored(Exception):
    """Another worker (or process) stored this push first."""


class _Job:
    def __init__(self):
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.state = "waiting"  # waiting | passive | deferred
        self.result: tuple[str | None, list[dict]] | None = None


class WeChatService:
    def __init__(self, sessions: sessionmaker[Session], chat: ChatService, protocol: Protocol,
                 api: WeChatApi, *, texts: dict, greeting: dict, auxiliary: tuple[str, ...] = (),
                 public_url: str = "", passive_seconds: float = 4.0, max_waiting: int = 6,
                 workers: int = 16, backoff: float = 2.0, max_attempts: int = 8,
                 sweep_every: float = 3.0, binding=None, token_cache: str = ""):
        self.sessions, self.chat, self.protocol, self.api = sessions, chat, protocol, api
        self.binding = binding  # .binding.Binding: "绑定 123456" continues a web conversation
        self.texts = texts  # knowledge/texts/wechat.yml
        self.greeting = greeting  # knowledge/texts/menus.yml: the welcome's choices
        self.renderer = Renderer(texts, auxiliary=auxiliary)
        self.public_url = public_url.rstrip("/")
        self.passive_seconds, self.max_waiting, self.workers = passive_seconds, max_waiting, workers
        # the shared access token: in Redis when a URL is set, else in the app database
        self.tokens = (RedisTokenStore(token_cache, api.appid, api.fetch_token) if token_cache
                       else TokenStore(sessions, api.appid, api.fetch_token))
        api.tokens = self.tokens
        self.outbox = Outbox(sessions, api, texts=texts, backoff=backoff,
                             max_attempts=max_attempts)
        self.sender = Sender(self.outbox, self.sweep, sweep_every=sweep_every)
        self._lock = threading.Lock()
        self._waiting = 0  # requests waiting for their answer
        self._inflight = 0  # jobs submitted and not finished: a backlog means answers come late
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = None
        self._busy: set[int] = set()  # pushes this process is working on

    # -- the request --------------------------------------------------------------------------------
    def start(self, url_root: str = "") -> None:
        """Called on every request: the sender thread of this process, and the public URL."""
        if not self.public_url and url_root:
            self.public_url = url_root.rstrip("/")
        self.sender.ensure_started()

    def check_nonce(self, envelope: Envelope, body: bytes) -> None:
        """In plaintext mode the signature does not cover the body: the same signed
        (timestamp, nonce) with another body is a replay, 403. WeChat's own retry of the same
        push is not. In safe mode ``msg_signature`` covers the body, so nothing to check."""
        if envelope.encrypted:
            return
        key = f"{envelope.timestamp}:{envelope.nonce}"[:96]
        sha = hashlib.sha256(body).hexdigest()
        with session_scope(self.sessions) as s:
            if insert_ignore(s, WeChatNonce, key=key, body_sha=sha, seen_at=utcnow()):
                return
            row = s.get(WeChatNonce, key)
        if row is not None and row.body_sha != sha:
            raise Refused(403, "replay")

    def handle(self, msg: Incoming, started: float | None = None) -> str | None:
        """The passive reply's text, or None for ``success``."""
        started = time.monotonic() if started is None else started
        if msg.kind == "event":
            return self._event(msg, started)
        if msg.kind in ("text", "voice"):
            if not msg.text:
                return self._say_once(msg, "voice_unrecognized" if msg.kind == "voice"
                                      else "empty")
            if self.binding is not None:
                bound, reply = self.binding.over_wechat(self, msg)
                if bound:
                    return reply
            return self._message(msg, started)
        return self._say_once(msg, OTHER_KINDS.get(msg.kind, "other"))

    def _event(self, msg: Incoming, started: float) -> str | None:
        if msg.event == "subscribe":
            return self._welcome(msg)
        if msg.event == "unsubscribe":
            with session_scope(self.sessions) as s:
                if self._record(s, msg, "event:unsubscribe", status="handled") is None:
                    return None
                insert_ignore(s, WeChatUser, openid=msg.openid, subscribed=False,
                              last_seen_at=utcnow())
                s.execute(update(WeChatUser).where(WeChatUser.openid == msg.openid)
                          .values(subscribed=False, unsubscribed_at=utcnow()))
            return None
        if msg.event == "click":
            click = (self.texts.get("clicks") or {}).get(msg.event_key)
            if click:
                return self._message(msg, started, text=click["title"], payload=click["payload"])
        self._say_once(msg, None)  # other events (VIEW, LOCATION, SCAN, ...): noted, no reply
        return None

    # -- recording pushes ---------------------------------------------------------------------------
    @staticmethod
    def _record(s: Session, msg: Incoming, kind: str, *, text: str = "",
                payload: str | None = None, status: str = "received") -> int | None:
        """The push's row, or None when it is a duplicate (a retry, or a copy being handled)."""
        if not insert_ignore(s, WeChatInbound, dedupe_key=msg.dedupe_key, openid=msg.openid,
                             kind=kind[:24], text=text, payload=payload, status=status,
                             created_at=utcnow()):
            return None
        return s.scalar(select(WeChatInbound.id).where(
            WeChatInbound.dedupe_key == msg.dedupe_key))

    def _say_once(self, msg: Incoming, key: str | None) -> str | None:
        with session_scope(self.sessions) as s:
            first = self._record(s, msg, f"{msg.kind}:{msg.event}" if msg.event else msg.kind,
                                 status="handled")
        return self.renderer.say(key) if first is not None and key else None

    def _welcome(self, msg: Incoming) -> str | None:
        """Subscribe: the welcome with the three domains and the way to a person, kept in the
        conversation (its choices are then offered there) and claimed as answered passively."""
        conv_id = self.conversation_for(msg.openid)
        with session_scope(self.sessions) as s:
            if self._record(s, msg, "event:subscribe", status="handled") is None:
                return None
            s.execute(update(WeChatUser).where(WeChatUser.openid == msg.openid)
                      .values(subscribed=True, subscribed_at=utcnow(), unsubscribed_at=None))
            m = Message(conversation_id=conv_id, sender="bot", text=self.renderer.say("welcome"),
                        buttons=list(self.greeting.get("buttons") or []) or None)
            s.add(m)
            s.flush()
            claim(s, [m.id], "passive")
            rendering = self.renderer.render([message_json(m)], self.public_url)
            self._set_options(s, msg.openid, rendering.options)
            first, rest = rendering.passive()
            self.outbox.enqueue(s, msg.openid, conv_id, rest)
        if rest:
            self.sender.kick()
        return first

    # -- one conversation per openid ----------------------------------------------------------------
    def conversation_for(self, openid: str) -> str:
        """The openid's conversation, opened once however many first messages race: the
        opening is a lease taken by a conditional UPDATE."""
        give_up = time.monotonic() + 15
        while True:
            with self.sessions() as s:
                user = s.get(WeChatUser, openid)
            if user is not None and user.conversation_id:
                return user.conversation_id
            if user is None:
                with session_scope(self.sessions) as s:
                    insert_ignore(s, WeChatUser, openid=openid, subscribed=True,
                                  last_seen_at=utcnow())
            now = utcnow()
            with session_scope(self.sessions) as s:
                won = s.execute(update(WeChatUser).where(
                    WeChatUser.openid == openid, WeChatUser.conversation_id.is_(None),
                    WeChatUser.opening_until.is_(None) | (WeChatUser.opening_until < now))
                    .values(opening_until=now + dt.timedelta(seconds=10))
                    .execution_options(synchronize_session=False)).rowcount
            if won:
                conv_id, _ = self.chat.create(channel="wechat")
                with session_scope(self.sessions) as s:
                    s.execute(update(WeChatUser).where(WeChatUser.openid == openid)
                              .values(conversation_id=conv_id, opening_until=None))
                return conv_id
            if time.monotonic() > give_up:
                raise TimeoutError(f"conversation of {openid} not opened")
            time.sleep(0.05)

    def _set_options(self, s: Session, openid: str, options: list[dict]) -> None:
        s.execute(update(WeChatUser).where(WeChatUser.openid == openid)
                  .values(options=options or None, last_seen_at=utcnow()))

    def _understand(self, openid: str, conv_id: str, text: str,
                    menu_id: str) -> tuple[str, str | None]:
        """(text, payload): a typed "1", a tapped menu item or a choice's words mean the choice
        last shown, while the robot is the one answering."""
        with self.sessions() as s:
            user = s.get(WeChatUser, openid)
            status = s.scalar(select(Conversation.status).where(Conversation.id == conv_id))
        chosen = pick(text, (user.options or []) if user else [], menu_id) \
            if status in ("active", "closed") else None
        if chosen is None:
            return text, None
        if str(chosen["payload"]).startswith("/"):
            return chosen["title"], chosen["payload"]
        return str(chosen["payload"]), None  # a form's quick reply: its words are the answer

    # -- a message for the robot --------------------------------------------------------------------
    def _message(self, msg: Incoming, started: float, *, text: str | None = None,
                 payload: str | None = None) -> str | None:
        conv_id = self.conversation_for(msg.openid)
        kind = "event:click" if payload is not None else msg.kind
        if payload is None:
            text, payload = self._understand(msg.openid, conv_id, msg.text, msg.menu_id)
        with session_scope(self.sessions) as s:
            inbound_id = self._record(s, msg, kind, text=text, payload=payload)
        if inbound_id is None:
            return None  # answered once already, or being answered
        with self._lock:
            # a worker free now, and a web thread to spare: the answer may come in time
            wait = self._waiting < self.max_waiting and self._inflight < self.workers
            self._waiting += wait
        job = _Job() if wait else None  # busy: answer at once, the answer follows
        try:
            self._in_pool(self._work, inbound_id, job)
            if job is None:
                return None
            job.done.wait(max(0.0, started + self.passive_seconds - time.monotonic()))
        finally:
            if wait:
                with self._lock:
                    self._waiting -= 1
        with job.lock:
            if job.result is None:
                job.state = "deferred"
                return None
            job.state = "passive"
            conv, replies = job.result
        return self._deliver(msg.openid, conv, replies, passive=True)

    def _in_pool(self, fn, *args) -> None:
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="wechat")
                    self._pool_pid = os.getpid()

        def counted():
            try:
                fn(*args)
            finally:
                with self._lock:
                    self._inflight -= 1
        with self._lock:
            self._inflight += 1
        self._pool.submit(counted)

    def _work(self, inbound_id: int, job: _Job | None) -> None:
        with self._lock:
            if inbound_id in self._busy:
                return
            self._busy.add(inbound_id)
        try:
            conv_id, replies = self._post(inbound_id)
        except Exception:  # noqa: BLE001 - the push stays "received": the sweep retries it
            log.exception("wechat: push %s", inbound_id)
            conv_id, replies = None, []
        finally:
            with self._lock:
                self._busy.discard(inbound_id)
        if job is not None:
            with job.lock:
                if job.state == "waiting":
                    job.result = (conv_id, replies)
                    job.done.set()
                    return
        if replies:
            openid = self._openid_of_inbound(inbound_id)
            self._deliver(openid, conv_id, replies, passive=False)
            self.outbox.send_for(openid)

    def _openid_of_inbound(self, inbound_id: int) -> str:
        with self.sessions() as s:
            return s.scalar(select(WeChatInbound.openid).where(WeChatInbound.id == inbound_id))

    def _post(self, inbound_id: int) -> tuple[str | None, list[dict]]:
        """Give the push to the conversation (stored first, then Rasa): the replies."""
        with self.sessions() as s:
            row = s.get(WeChatInbound, inbound_id)
        if row is None or row.status != "received":
            return None, []
        conv_id = self.conversation_for(row.openid)

        def stored(s: Session, msg_id: int) -> None:
            won = s.execute(update(WeChatInbound).where(
                WeChatInbound.id == inbound_id, WeChatInbound.status == "received")
                .values(status="stored", message_id=msg_id)
                .execution_options(synchronize_session=False)).rowcount
            if not won:
                raise _AlreadyStored()

        text, payload = row.text, row.payload
        try:
            if payload is None:
                text, _ = self.chat.validate({"text": text})
            replies = self.chat.post(conv_id, text, payload, trusted=row.kind == "event:click",
                                     on_store=stored)
        except _AlreadyStored:
            return conv_id, []
        except ChatError as exc:  # too long, or too many messages a minute: said, not stored
            with session_scope(self.sessions) as s:
                s.execute(update(WeChatInbound).where(WeChatInbound.id == inbound_id,
                                                      WeChatInbound.status == "received")
                          .values(status="handled"))
            return conv_id, [{"from": "system", "text": exc.message, "buttons": []}]
        if not replies and self._first_while_waiting(conv_id):
            replies = [{"from": "system", "text": self.renderer.say("waiting_ack"), "buttons": []}]
        return conv_id, replies

    def _first_while_waiting(self, conv_id: str) -> bool:
        """Acknowledge a message kept for a person once per quiet spell, not each one."""
        with self.sessions() as s:
            status = s.scalar(select(Conversation.status).where(Conversation.id == conv_id))
            recent = s.scalar(select(func.count()).select_from(Message).where(
                Message.conversation_id == conv_id, Message.sender == "resident",
                Message.status == "paused",
                Message.created_at >= utcnow() - dt.timedelta(minutes=10)))
        return status == "waiting_mediator" and recent <= 1

    # -- delivering ----------------------------------------------------------------------------------
    def _deliver(self, openid: str, conv_id: str | None, replies: list[dict], *,
                 passive: bool) -> str | None:
        """Claim the stored replies (words not stored, such as notices, go with them), render
        them once, and either return the passive reply (the rest queued) or queue them all."""
        ids = [r["seq"] for r in replies if r.get("seq")]
        with session_scope(self.sessions) as s:
            won = set(claim(s, ids, "passive" if passive else "outbox"))
            mine = [r for r in replies if not r.get("seq") or r["seq"] in won]
            if not mine:
                return None
            rendering = self.renderer.render(mine, self.public_url)
            self._set_options(s, openid, rendering.options)  # "1" means what was shown last
            if passive:
                first, rest = rendering.passive()
            else:
                first, rest = None, rendering.outbox(self.renderer.say("msgmenu_tail"))
            self.outbox.enqueue(s, openid, conv_id, rest)
        if rest:
            self.sender.kick()
        return first or None

    def deliver_to_resident(self, conversation_id: str, text: str | None = None, *,
                            message_id: int | None = None) -> bool:
        """For the console: send a mediator's words to a WeChat resident through the
        customer-service API, now. The stored message (``message_id``, or the latest one in the
        conversation with exactly this ``text``) goes out with everything still owed before it
        (a claim notice), each claimed, so calling this after storing the reply never sends it
        twice; a ``text`` that is not stored is sent as it is. False when the conversation is
        not a WeChat one."""
        with self.sessions() as s:
            conv = s.get(Conversation, conversation_id) if isinstance(conversation_id, str) \
                else None
            openid = s.scalar(select(WeChatUser.openid).where(
                WeChatUser.conversation_id == conversation_id)) if conv is not None else None
            if conv is None or conv.channel != "wechat" or openid is None:
                return False
            q = select(Message.id).where(Message.conversation_id == conversation_id,
                                         Message.sender != "resident")
            if message_id is None:
                q = q.where(Message.text == text,
                            Message.created_at >= utcnow() - dt.timedelta(minutes=10))
            else:
                q = q.where(Message.id == message_id)
            upto = s.scalar(q.order_by(Message.id.desc()).limit(1))
        if upto is not None:
            self._deliver_unclaimed(utcnow(), conversation_id, upto)
        elif text:
            self._deliver(openid, conversation_id, [{"from": "mediator", "text": text,
                                                     "buttons": []}], passive=False)
        self.sender.ensure_started()
        self.sender.kick()
        return True

    @staticmethod
    def _as_reply(m: Message) -> dict:
        out = message_json(m)
        if m.sender == "mediator" and (m.meta or {}).get("name"):
            out["author"] = m.meta["name"]
        return out

    def undelivered(self, conversation_id: str) -> list[dict]:
        """For the console: messages WeChat would not take (outside the 48-hour window, quota
        used up, or failing after every retry), with the resident's phone when given."""
        return self.outbox.undelivered(conversation_id)

    # -- recovery: what a killed process (or a quiet resident) left ----------------------------------
    def sweep(self) -> int:
        now = utcnow()
        done = self._deliver_unclaimed(now)
        with self.sessions() as s:
            lost = s.scalars(select(WeChatInbound.id).where(
                WeChatInbound.status == "received", WeChatInbound.created_at < now - LOST_AFTER,
                WeChatInbound.created_at > now - HORIZON).order_by(WeChatInbound.id)
                .limit(20)).all()
            waiting = s.scalars(select(Message.conversation_id).join(
                Conversation, Conversation.id == Message.conversation_id).where(
                Conversation.channel == "wechat", Message.status == "pending",
                Message.created_at < now - dt.timedelta(seconds=30),
                Message.created_at > now - HORIZON).distinct().limit(10)).all()
        for inbound_id in lost:
            self._in_pool(self._work, inbound_id, None)
        for conv_id in waiting:  # Rasa was down: answered now if it is back
            self._in_pool(self.chat.retry_pending, conv_id)
        with session_scope(self.sessions) as s:
            s.execute(delete(WeChatNonce).where(
                WeChatNonce.seen_at < now - dt.timedelta(seconds=2 * self.protocol.max_skew)))
        return done

    def _deliver_unclaimed(self, now: dt.datetime, conv_id: str | None = None,
                           upto: int | None = None) -> int:
        """Stored words of the robot, a mediator or the system in WeChat conversations that no
        one has delivered: a mediator's reply, a claim or close notice, late answers. Replies to
        a resident's message are left to the request or worker that has them for ``GRACE``,
        except the one the console names (``upto``)."""
        q = select(Message, WeChatUser.openid).join(
            Conversation, Conversation.id == Message.conversation_id).join(
            WeChatUser, WeChatUser.conversation_id == Message.conversation_id).outerjoin(
            WeChatDelivery, WeChatDelivery.message_id == Message.id).where(
            Conversation.channel == "wechat", Message.sender != "resident",
            WeChatDelivery.message_id.is_(None), Message.created_at > now - HORIZON)
        if conv_id is not None:
            q = q.where(Message.conversation_id == conv_id, Message.id <= upto)
        else:
            q = q.where(Message.reply_to.is_(None) | (Message.created_at < now - GRACE))
        with self.sessions() as s:
            rows = s.execute(q.order_by(Message.id).limit(100)).all()
        by_resident: dict[tuple[str, str], list[dict]] = {}
        for m, openid in rows:
            by_resident.setdefault((openid, m.conversation_id), []).append(self._as_reply(m))
        for (openid, conv), replies in by_resident.items():
            self._deliver(openid, conv, replies, passive=False)
            self.outbox.send_for(openid)
        return len(rows)

    # -- the menu -------------------------------------------------------------------------------------
    def menu(self) -> dict:
        """The custom menu of wechat.yml, checked against WeChat's limits."""
        return checked_menu(self.texts["menu"])

    def publish_menu(self) -> dict:
        return self.api.create_menu(self.menu())


def deliver_to_resident(conversation_id: str, text: str | None = None, *,
                        message_id: int | None = None) -> bool:
    """The console's hook (inside a request of the app): see
    :meth:`WeChatService.deliver_to_resident`. False when WeChat is not configured."""
    from flask import current_app

    svc = current_app.extensions.get("wechat")
    return bool(svc) and svc.deliver_to_resident(conversation_id, text, message_id=message_id)
