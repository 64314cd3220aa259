"""Engine, sessions and versioned schema migrations."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from . import models_booking
from . import models_binding  # noqa: F401 (its tables are in Base.metadata)
from .models import Base, SchemaVersion
from .models_ledger import LEDGER_TABLES


def _v1(conn) -> None:
    Base.metadata.create_all(conn, tables=[t for t in Base.metadata.sorted_tables
                                           if t.name != "schema_version"])


def _v2(conn) -> None:
    """The per-conversation lease of ChatService.drain and the pairing of replies with the
    message they answer (a database made by v1 of this code lacks both)."""
    columns = {(t, c["name"]) for t in ("conversations", "messages")
               for c in inspect(conn).get_columns(t)}
    if ("conversations", "drain_until") not in columns:
        conn.execute(text("ALTER TABLE conversations ADD COLUMN drain_until TIMESTAMP"))
    if ("messages", "reply_to") not in columns:
        conn.execute(text("ALTER TABLE messages ADD COLUMN reply_to INTEGER"))


CONSOLE_TABLES = ("users", "login_failures", "console_events", "notes", "ratings",
                  "canned_replies", "rasa_outbox")
HANDOFF_COLUMNS = {"assignee_id": "INTEGER REFERENCES users(id)", "for_role": "VARCHAR(16)",
                   "domain": "VARCHAR(16)", "case_type": "VARCHAR(40)",
                   "reply_expected_by": "TIMESTAMP", "claimed_at": "TIMESTAMP",
                   "closed_at": "TIMESTAMP", "outcome": "VARCHAR(16)", "close_note": "TEXT"}


def _v3(conn) -> None:
    """The mediator console: accounts, login failures, events, notes, ratings, canned replies,
    the Rasa outbox; who holds a handoff and what came of it; a message's console metadata."""
    Base.metadata.create_all(conn, tables=[Base.metadata.tables[t] for t in CONSOLE_TABLES])
    have = {c["name"] for c in inspect(conn).get_columns("handoffs")}
    for name, kind in HANDOFF_COLUMNS.items():
        if name not in have:
            conn.execute(text(f"ALTER TABLE handoffs ADD COLUMN {name} {kind}"))
    if "meta" not in {c["name"] for c in inspect(conn).get_columns("messages")}:
        conn.execute(text("ALTER TABLE messages ADD COLUMN meta JSON"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_handoffs_assignee_id "
                      "ON handoffs (assignee_id)"))


WECHAT_TABLES = ("wechat_users", "wechat_inbound", "wechat_nonces", "wechat_deliveries",
                 "wechat_outbox", "wechat_tokens")


def _v4(conn) -> None:
    """The WeChat official account: followers and their conversation, pushes kept once, nonces
    seen, who delivers each message, the customer-service outbox, the shared access token."""
    Base.metadata.create_all(conn, tables=[Base.metadata.tables[t] for t in WECHAT_TABLES])


def _v5(conn) -> None:
    """The dispute ledger: disputes, parties, sessions, follow-ups, events, number counters; the
    admins' marks on knowledge gaps; the log of transcript purges."""
    Base.metadata.create_all(conn, tables=[Base.metadata.tables[t] for t in LEDGER_TABLES])


def _v6(conn) -> None:
    """The mediator board and bookings: mediators, their leave, the published holiday schedule,
    bookings (one slot booked once: a partial unique index) and their history."""
    Base.metadata.create_all(conn, tables=[Base.metadata.tables[t]
                                           for t in models_booking.BOOKING_TABLES])
    if "links" not in {c["name"] for c in inspect(conn).get_columns("messages")}:
        conn.execute(text("ALTER TABLE messages ADD COLUMN links JSON"))


BINDING_TABLES = ("bind_codes", "bind_attempts")


def _v7(conn) -> None:
    """One case across channels: short codes that carry a web conversation to the 公众号, and
    the tries to redeem them."""
    Base.metadata.create_all(conn, tables=[Base.metadata.tables[t] for t in BINDING_TABLES])


# Each migration moves the schema up by one version. Never edit one that has shipped: add another.
MIGRATIONS = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6, 7: _v7}


def make_engine(url: str) -> Engine:
    kwargs = {}
    if url.startswith("sqlite"):
        # a writer finding the database busy retries for 30 s (SQLite's busy timeout), or for
        # the URL's own ?timeout=N; past that the request answers 503 busy (web/security.py)
        kwargs["connect_args"] = {"check_same_thread": False}
        if "timeout" not in make_url(url).query:
            kwargs["connect_args"]["timeout"] = 30
    engine = create_engine(url, future=True, pool_pre_ping=True, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _):  # WAL: readers do not block the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    return engine


# any fixed number: the key of the PostgreSQL advisory lock that serialises start-ups
STARTUP_LOCK = 0x1E6A1B07


@contextmanager
def startup_lock(engine: Engine):
    """Held while one process migrates the schema and loads first-start data (the sample
    roster), so that web processes starting at the same moment do not both create the same
    tables or rows: a session-level advisory lock on PostgreSQL; on SQLite the database's one
    writer and its busy timeout already serialise them."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
            conn.commit()


def migrate(engine: Engine) -> int:
    """Apply pending migrations; returns the schema version now in place."""
    with engine.begin() as conn:
        SchemaVersion.__table__.create(conn, checkfirst=True)
        done = set(conn.execute(select(SchemaVersion.version)).scalars())
        for version in sorted(MIGRATIONS):
            if version in done:
                continue
            MIGRATIONS[version](conn)
            conn.execute(SchemaVersion.__table__.insert().values(version=version))
            done.add(version)
        return max(done)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, future=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]):
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def backup_sqlite(url: str, dest) -> int:
    """An online, consistent copy of the SQLite app database at ``dest`` (mode 0600), made with
    SQLite's backup API while the app keeps writing; returns the number of pages copied."""
    import os
    import sqlite3
    from pathlib import Path

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ValueError("backup copies a SQLite database; back up PostgreSQL with pg_dump")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    src = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        with dst:
            src.backup(dst)
        return dst.execute("PRAGMA page_count").fetchone()[0]
    finally:
        src.close()
        dst.close()
