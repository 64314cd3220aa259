"""What the web app owes WeChat, kept in the database so that every process shares it and a
killed one loses nothing: the access token (one fetch for all processes, refreshed early and when
WeChat calls it invalid), the claim on each message (delivered once, passively or through the
customer-service API), and the outbox of customer-service messages (sent in order per resident,
retried with backoff, kept with the reason when WeChat will not take them)."""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..clients.wechat import (BUSY_ERRORS, WINDOW_ERRORS, WeChatApi, WeChatApiError,
                              WeChatUnavailable)
from ..db import session_scope
from ..models import (ConsoleEvent, Consultation, Message, WeChatDelivery, WeChatOutbox,
                      WeChatToken, utcnow)

log = logging.getLogger(__name__)
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def insert_ignore(s: Session, model, **values) -> bool:
    """INSERT unless the key exists (SQLite and PostgreSQL: ON CONFLICT DO NOTHING); whether
    this call inserted the row. The database decides between racing processes."""
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        return bool(s.execute(dialect_insert(model).values(**values).on_conflict_do_nothing())
                    .rowcount)
    try:
        with s.begin_nested():
            s.execute(insert(model).values(**values))
        return True
    except IntegrityError:
        return False


def claim(s: Session, message_ids, via: str) -> list[int]:
    """The messages this caller now delivers (in the caller's transaction)."""
    return [mid for mid in message_ids
            if insert_ignore(s, WeChatDelivery, message_id=mid, via=via, created_at=utcnow())]


# -- the access token ------------------------------------------------------------------------------
class TokenStore:
    """One access token for all processes, in the database. A process that finds it missing or
    within ``early`` seconds of its end takes the fetch lease (a conditional UPDATE) and fetches;
    the others keep using the old token meanwhile, or wait for the new one."""

    def __init__(self, sessions: sessionmaker[Session], appid: str, fetch, *, early: int = 300,
                 wait: float = 10.0):
        self.sessions, self.appid, self.fetch = sessions, appid, fetch
        self.early, self.wait = dt.timedelta(seconds=early), wait

    def _row(self) -> WeChatToken | None:
        with self.sessions() as s:
            return s.get(WeChatToken, self.appid)

    def get(self) -> str:
        give_up = time.monotonic() + self.wait
        while True:
            now = utcnow()
            row = self._row()
            valid = row is not None and row.access_token and row.expires_at and row.expires_at > now
            if valid and row.expires_at - now > self.early:
                return row.access_token
            if row is None:
                with session_scope(self.sessions) as s:
                    insert_ignore(s, WeChatToken, appid=self.appid, fetches=0)
            if self._take_lease(now):
                return self._refresh(row.access_token if valid else None)
            if valid:
                return row.access_token  # another process is fetching its successor
            if time.monotonic() > give_up:
                raise WeChatUnavailable("no access token: another process is fetching it")
            time.sleep(0.05)

    def _take_lease(self, now: dt.datetime) -> bool:
        with session_scope(self.sessions) as s:
            return bool(s.execute(
                update(WeChatToken).where(WeChatToken.appid == self.appid,
                                          WeChatToken.fetching_until.is_(None)
                                          | (WeChatToken.fetching_until < now))
                .values(fetching_until=now + dt.timedelta(seconds=self.wait))
                .execution_options(synchronize_session=False)).rowcount)

    def _refresh(self, old: str | None) -> str:
        try:
            token, expires_in = self.fetch()
        except Exception:
            with session_scope(self.sessions) as s:
                s.execute(update(WeChatToken).where(WeChatToken.appid == self.appid)
                          .values(fetching_until=None))
            if old:
                return old
            raise
        with session_scope(self.sessions) as s:
            row = s.get(WeChatToken, self.appid)
            row.access_token, row.fetching_until = token, None
            row.expires_at = utcnow() + dt.timedelta(seconds=max(60, expires_in))
            row.fetches = (row.fetches or 0) + 1
        return token

    def invalidate(self, token: str) -> None:
        """WeChat called this token invalid or expired: the next get() fetches another (only
        if no other process has replaced it already)."""
        with session_scope(self.sessions) as s:
            s.execute(update(WeChatToken).where(WeChatToken.appid == self.appid,
                                                WeChatToken.access_token == token)
                      .values(expires_at=utcnow() - dt.timedelta(seconds=1)))


# -- the customer-service outbox -------------------------------------------------------------------
class Outbox:
    def __init__(self, sessions: sessionmaker[Session], api: WeChatApi, *, texts: dict,
                 backoff: float = 2.0, max_backoff: float = 300.0, max_attempts: int = 8,
                 lease: float = 30.0):
        self.sessions, self.api = sessions, api
        self.texts = texts  # knowledge/texts/wechat.yml (console:)
        self.backoff, self.max_backoff = backoff, max_backoff
        self.max_attempts, self.lease = max_attempts, dt.timedelta(seconds=lease)

    @staticmethod
    def enqueue(s: Session, openid: str, conv_id: str | None, items) -> int:
        """Add customer-service messages in the caller's transaction; how many."""
        n = 0
        for kind, body in items:
            s.add(WeChatOutbox(openid=openid, conversation_id=conv_id, kind=kind, body=body,
                               status="queued", next_try_at=utcnow()))
            n += 1
        return n

    # -- sending, in order per resident --------------------------------------------------------------
    def _next(self, openid: str) -> WeChatOutbox | None:
        """The resident's oldest message still owed, if it is due and this caller got its
        lease; None when nothing is due (or another process is sending it)."""
        now = utcnow()
        with self.sessions() as s:
            row = s.scalars(select(WeChatOutbox).where(
                WeChatOutbox.openid == openid, WeChatOutbox.status.in_(("queued", "sending")))
                .order_by(WeChatOutbox.id).limit(1)).first()
        if row is None:
            return None
        if row.status == "sending" and row.lease_until and row.lease_until > now:
            return None
        if row.status == "queued" and row.next_try_at > now:
            return None  # a retry waits, and so does everything after it
        with session_scope(self.sessions) as s:
            won = s.execute(update(WeChatOutbox).where(
                WeChatOutbox.id == row.id, WeChatOutbox.status == row.status,
                WeChatOutbox.attempts == row.attempts)
                .values(status="sending", lease_until=now + self.lease)
                .execution_options(synchronize_session=False)).rowcount
        return row if won else None

    def send_for(self, openid: str, limit: int = 20) -> int:
        """Send what this resident is owed, oldest first; how many went out."""
        sent = 0
        for _ in range(limit):
            row = self._next(openid)
            if row is None:
                break
            sent += self._send(row)
        return sent

    def due_openids(self, limit: int = 50) -> list[str]:
        now = utcnow()
        with self.sessions() as s:
            return list(dict.fromkeys(s.scalars(select(WeChatOutbox.openid).where(
                (WeChatOutbox.status == "queued") & (WeChatOutbox.next_try_at <= now)
                | (WeChatOutbox.status == "sending") & (WeChatOutbox.lease_until < now))
                .order_by(WeChatOutbox.id).limit(limit))))

    def send_due(self) -> int:
        return sum(self.send_for(openid) for openid in self.due_openids())

    def _send(self, row: WeChatOutbox) -> int:
        try:
            if row.kind == "msgmenu":
                self.api.send_menu(row.openid, row.body["msgmenu"])
            else:
                self.api.send_text(row.openid, row.body["content"])
        except WeChatApiError as exc:
            if exc.errcode in WINDOW_ERRORS:
                self._finish(row, "expired", f"{exc.errcode} {exc.errmsg}"[:200])
                self._tell_console(row, "window_closed", exc.errcode)
            elif exc.errcode in BUSY_ERRORS:
                self._retry(row, f"{exc.errcode} {exc.errmsg}")
            elif row.kind == "msgmenu":
                self._as_text(row)  # menus not allowed on this account: the numbered text
            else:  # 48001 not authorised, 43004 unfollowed, ...: no retry will change it
                self._finish(row, "failed", f"{exc.errcode} {exc.errmsg}"[:200])
                self._tell_console(row, "failed", exc.errcode)
            return 0
        except WeChatUnavailable as exc:
            self._retry(row, str(exc))
            return 0
        except Exception as exc:  # noqa: BLE001 - a broken row must not stop the others
            log.exception("wechat outbox: row %s", row.id)
            self._retry(row, exc.__class__.__name__)
            return 0
        self._finish(row, "sent", None)
        return 1

    def _finish(self, row: WeChatOutbox, status: str, error: str | None) -> None:
        with session_scope(self.sessions) as s:
            r = s.get(WeChatOutbox, row.id)
            r.status, r.lease_until, r.last_error = status, None, error
            r.attempts = (r.attempts or 0) + 1
            if status == "sent":
                r.sent_at = utcnow()

    def _as_text(self, row: WeChatOutbox) -> None:
        with session_scope(self.sessions) as s:
            r = s.get(WeChatOutbox, row.id)
            r.kind, r.body = "text", {"content": row.body.get("fallback") or ""}
            r.status, r.lease_until, r.next_try_at = "queued", None, utcnow()

    def _retry(self, row: WeChatOutbox, error: str) -> None:
        attempts = (row.attempts or 0) + 1
        if attempts >= self.max_attempts:
            self._finish(row, "failed", error[:200])
            self._tell_console(row, "failed", error[:80])
            return
        wait = min(self.max_backoff, self.backoff * 2 ** (attempts - 1))
        with session_scope(self.sessions) as s:
            r = s.get(WeChatOutbox, row.id)
            r.status, r.lease_until, r.attempts = "queued", None, attempts
            r.last_error, r.next_try_at = error[:200], utcnow() + dt.timedelta(seconds=wait)
        log.warning("wechat outbox: row %s not sent (%s); try %s in %.1fs", row.id, error,
                    attempts + 1, wait)

    def _tell_console(self, row: WeChatOutbox, reason: str, error) -> None:
        """An event the console shows with the conversation: what was not delivered and the
        resident's phone number when they gave one."""
        if not row.conversation_id:
            return
        console = self.texts.get("console") or {}
        with session_scope(self.sessions) as s:
            phone = resident_phone(s, row.conversation_id)
            shown = phone or console.get("no_phone", "")
            note = str(console.get(reason, "")).format(phone=shown, error=error)
            s.add(ConsoleEvent(conversation_id=row.conversation_id, kind="wechat_undelivered",
                               actor="system", detail={"reason": reason, "error": str(error),
                                                       "outbox_id": row.id, "phone": phone,
                                                       "note": " ".join(note.split())}))

    def undelivered(self, conv_id: str) -> list[dict]:
        with self.sessions() as s:
            rows = s.scalars(select(WeChatOutbox).where(
                WeChatOutbox.conversation_id == conv_id,
                WeChatOutbox.status.in_(("failed", "expired"))).order_by(WeChatOutbox.id)).all()
            phone = resident_phone(s, conv_id) if rows else None
        return [{"id": r.id, "status": r.status, "error": r.last_error, "phone": phone,
                 "text": r.body.get("content") or r.body.get("fallback") or "",
                 "at": r.created_at.isoformat()} for r in rows]


def resident_phone(s: Session, conv_id: str) -> str | None:
    """The latest mobile number the resident typed or gave in a consultation, if any."""
    for text in s.scalars(select(Message.text).where(
            Message.conversation_id == conv_id, Message.sender == "resident")
            .order_by(Message.id.desc()).limit(200)):
        found = _PHONE.findall(text or "")
        if found:
            return found[-1]
    for facts in s.scalars(select(Consultation.facts).where(
            Consultation.conversation_id == conv_id).order_by(Consultation.id.desc())):
        found = _PHONE.findall(" ".join(str(v) for v in (facts or {}).values()))
        if found:
            return found[-1]
    return None


class Sender:
    """A daemon thread per web process, started on the first request: retries what is due and
    runs ``sweep`` (recovery of work a killed process left) every few seconds. Woken at once by
    :meth:`kick`. Correctness never depends on it being the only one."""

    def __init__(self, outbox: Outbox, sweep=None, *, interval: float = 1.0,
                 sweep_every: float = 3.0):
        self.outbox, self.sweep = outbox, sweep
        self.interval, self.sweep_every = interval, sweep_every
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = None
        self._stop = threading.Event()

    def ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="wechat-sender", daemon=True)
            self._thread.start()

    def kick(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        last_sweep = 0.0
        while not self._stop.is_set():
            busy = False
            try:
                busy = self.outbox.send_due() > 0
                if self.sweep is not None and time.monotonic() - last_sweep > self.sweep_every:
                    last_sweep = time.monotonic()
                    busy = bool(self.sweep()) or busy
            except Exception:  # noqa: BLE001 - the loop outlives a database hiccup
                log.exception("wechat sender")
            if not busy:
                self._wake.wait(self.interval)
            self._wake.clear()
