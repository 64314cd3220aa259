"""Rasa's own command line (``rasa run ...``) with two measured fixes of where Rasa 3.6 spends
time that buys nothing. Started by the supervisor with Rasa's Python as
``python -m bot.rasa_server run ...``; every argument goes to Rasa unchanged.

1. The action server's answer is checked against Rasa's response schema after every custom
   action (``RemoteAction._validate_action_result``) with ``jsonschema.validate``, which first
   re-checks *the schema itself* against the JSON-Schema meta-schema on every call: a profile
   under load (README, "Capacity") put 27 % of Rasa's CPU there. Here the schema is checked
   once and its validator kept; every answer is still validated, with the same error.
2. The SQLite tracker store opened a connection for every read and write (SQLAlchemy 1.4 gives
   a SQLite file no pool) and committed each turn with a full fsync in rollback-journal mode
   (8 % of the profile). Here it keeps a small pool, and SQLite connections get WAL with
   ``synchronous=NORMAL`` (a committed turn survives a killed process; only a power cut may
   lose the last ones) and a busy timeout, so several Rasa processes can share the one file.

The tracker store and the lock store come from URLs (``bot/endpoints.yml``):
``LEGALBOT_TRACKER_URL`` (e.g. ``postgresql://...``; empty: the SQLite file
``LEGALBOT_TRACKER_DB``) and ``LEGALBOT_LOCK_STORE_URL`` (``redis://...``; empty: locks in this
process, enough while the web app sends each conversation always to the same Rasa process).
"""
from __future__ import annotations

import sqlite3
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    cls = validator_for(spec)
    cls.check_schema(spec)
    return cls(spec)


def _validate_action_result(self, result) -> bool:
    """What ``jsonschema.validate(result, spec)`` does, without re-checking the spec."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (". Failed to validate Action server response from API, make sure "
                          "your response from the Action endpoint is valid. For more "
                          f"information about the format visit {DOCS_BASE_URL}/custom-actions")
        raise error
    return True


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def _engine_kwargs(original):
    """SQLAlchemy 1.4 gives a SQLite file no pool: every tracker read and write opened the file,
    and closing the last connection checkpointed the WAL (6 % of the profile). A small pool
    keeps connections open (Rasa serves one turn at a time per process, on its event loop)."""
    def kwargs(url):
        from sqlalchemy.pool import QueuePool

        if "sqlite" in str(url):
            return {"poolclass": QueuePool, "pool_size": 2, "max_overflow": 8,
                    "connect_args": {"check_same_thread": False}}
        return original(url)
    return kwargs


class LockStoreFromUrl:
    """``lock_store: type: bot.rasa_server.LockStoreFromUrl`` with ``url:`` a Redis URL
    (``redis://[:password@]host:port/db``): Rasa's own RedisLockStore, so the messages of one
    conversation are processed one at a time across all Rasa processes; an empty URL gives
    Rasa's InMemoryLockStore. Rasa uses the object this returns as the lock store."""

    def __new__(cls, endpoint_config=None):
        from urllib.parse import unquote, urlsplit

        from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

        url = (getattr(endpoint_config, "url", None) or "").strip()
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError(f"LEGALBOT_LOCK_STORE_URL must be redis://..., not {parts.scheme}://")
        db = (parts.path or "/0").lstrip("/") or "0"
        return RedisLockStore(host=parts.hostname or "127.0.0.1", port=parts.port or 6379,
                              db=int(db), username=unquote(parts.username or "") or None,
                              password=unquote(parts.password or "") or None,
                              use_ssl=parts.scheme == "rediss", key_prefix="legalbot")


def install() -> None:
    from rasa.core import tracker_store
    from rasa.core.actions.action import RemoteAction
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    RemoteAction._validate_action_result = _validate_action_result
    if not getattr(tracker_store.create_engine_kwargs, "legalbot", False):
        tracker_store.create_engine_kwargs = _engine_kwargs(tracker_store.create_engine_kwargs)
        tracker_store.create_engine_kwargs.legalbot = True
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


def main() -> None:
    from rasa.__main__ import main as rasa_main

    install()
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
