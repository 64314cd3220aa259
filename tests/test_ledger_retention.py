"""Retention: `legalbot purge` and the daily run delete old transcripts (messages, notes) of ended
conversations, keep the open and recent ones and the ledger's disputes, and log each run; the
daily run happens once a day."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from web.db import make_engine, make_sessionmaker, migrate, session_scope
from web.models import Conversation, Handoff, Message, Note, User
from web.models_ledger import Dispute, PurgeRun
from web.services.ledger import open_dispute
from web.services.retention import DailyPurge, purge

ROOT = Path(__file__).resolve().parent.parent
OLD = dt.datetime.utcnow() - dt.timedelta(days=400)


def _fill(sessions):
    with session_scope(sessions) as s:
        s.add(User(username="u", role="mediator", name="调解员", password_hash="x"))
        for cid, at, status in (("old", OLD, "closed"), ("old-active", OLD, "active"),
                                ("old-waiting", OLD, "waiting_mediator"),
                                ("new", dt.datetime.utcnow(), "closed")):
            s.add(Conversation(id=cid, token_hash="x", status=status))
            s.flush()
            s.add(Message(conversation_id=cid, sender="resident", text="问题", created_at=at))
            s.add(Message(conversation_id=cid, sender="bot", text="回答", created_at=at))
        s.add(Handoff(conversation_id="old-waiting", status="waiting", created_at=OLD))
        s.add(Note(conversation_id="old", author_id=1, text="备注", created_at=OLD))
        open_dispute(s, source="robot", conversation_id="old", domain="labor",
                     parties=[{"name": "甲", "role": "applicant"}], summary="欠薪",
                     facts={"months": 2})


def _messages(sessions) -> dict:
    with sessions() as s:
        return dict(s.execute(select(Message.conversation_id, func.count())
                              .group_by(Message.conversation_id)).all())


def test_purge_removes_old_transcripts_only(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    migrate(engine)
    sessions = make_sessionmaker(engine)
    _fill(sessions)
    dry = purge(sessions, days=365, dry_run=True)
    assert (dry["conversations"], dry["messages"]) == (2, 4)
    assert _messages(sessions) == {"old": 2, "old-active": 2, "old-waiting": 2, "new": 2}
    report = purge(sessions, days=365)
    assert (report["conversations"], report["messages"]) == (2, 4)
    assert _messages(sessions) == {"old-waiting": 2, "new": 2}
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 0
        assert s.get(Conversation, "old") is not None  # the row stays for the statistics
        d = s.scalars(select(Dispute)).one()
        assert d.facts == {"months": 2}  # the ledger keeps its record
        assert [r.trigger for r in s.scalars(select(PurgeRun))] == ["cli"]
    assert purge(sessions, days=0) is None  # retention off


def test_daily_run_once_a_day_across_processes(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    migrate(engine)
    sessions = make_sessionmaker(engine)
    _fill(sessions)
    assert purge(sessions, trigger="daily", config={"RETENTION_DAYS": "365"}) is not None
    # a second "process" the same day: the database lets no second daily run through
    assert purge(sessions, trigger="daily", config={"RETENTION_DAYS": "365"}) is None
    DailyPurge(sessions, {"RETENTION_DAYS": "365"})()
    with sessions() as s:
        assert [r.trigger for r in s.scalars(select(PurgeRun))] == ["daily"]
    assert purge(sessions, days=365) is not None  # a manual run is not limited


def test_cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    migrate(engine)
    _fill(make_sessionmaker(engine))
    env = {**os.environ, "LEGALBOT_DATABASE_URL": url, "LEGALBOT_DATA_DIR": str(tmp_path)}
    run = lambda *a: subprocess.run([str(ROOT / ".venv" / "bin" / "legalbot"), "purge", *a],  # noqa: E731
                                    env=env, capture_output=True, text=True, timeout=120)
    r = run("--dry-run")
    assert r.returncode == 0 and "would delete the transcripts of 2 conversations (4 messages)" \
        in r.stdout
    r = run()
    assert r.returncode == 0 and "deleted the transcripts of 2 conversations" in r.stdout
    assert _messages(make_sessionmaker(engine)) == {"old-waiting": 2, "new": 2}
