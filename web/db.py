"""Engine, sessions and versioned schema migrations."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .models import Base, SchemaVersion


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


# Each migration moves the schema up by one version. Never edit one that has shipped: add another.
MIGRATIONS = {1: _v1, 2: _v2}


def make_engine(url: str) -> Engine:
    kwargs = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
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
