"""Retention of conversation transcripts (``RETENTION_DAYS``): ``legalbot purge`` and the app's
daily run delete the messages and private notes of conversations that ended (no message, no
open handoff) longer ago than the setting, and WeChat pushes as old. The conversation row, its
handoffs, ratings and consultation stay for the statistics, and the ledger keeps its disputes,
which carry their own copy of the facts and analysis. Each run is logged in ``purge_runs``; the
daily run happens once a day whatever the number of web processes (a unique row per day).
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from knowledge import settings

from ..db import session_scope
from ..models import Conversation, Handoff, Message, Note, utcnow
from ..models_ledger import PurgeRun
from .workdays import CST

log = logging.getLogger(__name__)
OPEN = ("waiting", "taken")


def stale_conversations(s, cutoff: dt.datetime) -> list[str]:
    """Conversations whose last message is older than ``cutoff`` and with no open handoff."""
    last = (select(Message.conversation_id, func.max(Message.created_at).label("last"))
            .group_by(Message.conversation_id).subquery())
    open_ = select(Handoff.conversation_id).where(Handoff.status.in_(OPEN))
    q = (select(Conversation.id).join(last, last.c.conversation_id == Conversation.id)
         .where(last.c.last < cutoff, Conversation.status.not_in(("waiting_mediator",
                                                                    "with_mediator")),
                Conversation.id.not_in(open_)))
    return list(s.scalars(q))


def purge(sessions, *, days: int | None = None, trigger: str = "cli", dry_run: bool = False,
          config: dict | None = None, now: dt.datetime | None = None) -> dict | None:
    """Delete old transcripts; returns what was (or, with ``dry_run``, would be) removed, or
    None when the daily run already happened today (or retention is off: ``days`` 0)."""
    days = int(settings.get("RETENTION_DAYS", config)) if days is None else days
    if days <= 0:
        return None
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=days)
    today = (now + dt.timedelta(hours=8)).date()
    try:
        with session_scope(sessions) as s:
            ids = stale_conversations(s, cutoff)
            messages = s.scalar(select(func.count()).select_from(Message).where(
                Message.conversation_id.in_(ids))) if ids else 0
            report = {"cutoff": cutoff.replace(tzinfo=dt.timezone.utc).astimezone(CST)
                      .isoformat(timespec="seconds"), "conversations": len(ids),
                      "messages": messages or 0, "dry_run": dry_run}
            if dry_run:
                return report
            # the row first: a second process doing the daily run stops at its unique key
            s.add(PurgeRun(day=today, trigger=trigger if trigger == "daily" else "cli",
                           cutoff=cutoff, conversations=len(ids), messages=messages or 0))
            s.flush()
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                s.execute(delete(Note).where(Note.conversation_id.in_(chunk)))
                s.execute(delete(Message).where(Message.conversation_id.in_(chunk)))
            _purge_wechat(s, cutoff)
    except IntegrityError:
        return None  # today's run was done (by this or another process)
    log.info("purge (%s): %d conversations, %d messages older than %s", trigger,
             report["conversations"], report["messages"], report["cutoff"])
    return report


def _purge_wechat(s, cutoff: dt.datetime) -> None:
    from ..models import WeChatInbound

    s.execute(delete(WeChatInbound).where(WeChatInbound.created_at < cutoff))


class DailyPurge:
    """Runs :func:`purge` once a day from the app: each process looks at most once an hour, and
    the database lets one run a day through."""

    def __init__(self, sessions, config: dict | None = None):
        self.sessions, self.config = sessions, config or {}
        self.checked = None

    def __call__(self) -> None:
        now = utcnow()
        if self.checked is not None and now - self.checked < dt.timedelta(hours=1):
            return
        self.checked = now
        try:
            purge(self.sessions, trigger="daily", config=self.config, now=now)
        except Exception:  # noqa: BLE001 - a failed purge never fails a request; it is logged
            log.exception("daily purge failed")
