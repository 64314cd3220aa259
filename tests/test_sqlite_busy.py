"""SQLite busy (issue 19, item 2), against the real web server (gunicorn) and a real second
writer holding the database's write lock: a request waits and succeeds when the lock is released
within the busy timeout; past it, the answer is 503 ``busy`` with Retry-After — never a 500 —
nothing is half-stored, and the same message sent again is stored once."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import requests

from web.supervisor import start_web_only

BUSY_SECONDS = 2  # the app's busy timeout here (?timeout= in the URL; 30 s by default)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from knowledge import settings

    data = tmp_path_factory.mktemp("busy")
    db = data / "app.db"
    proc, base = start_web_only(data, extra_env={
        "LEGALBOT_DATABASE_URL": f"sqlite:///{db}?timeout={BUSY_SECONDS}",
        "LEGALBOT_INDEX_DIR": str(settings.index_dir()), "LEGALBOT_LIMITS_ENABLED": "0"})
    yield base, db
    proc.terminate()
    proc.wait(30)


def hold_write_lock(db, seconds: float) -> threading.Thread:
    """Another writer takes the database's write lock now and keeps it for ``seconds``."""
    con = sqlite3.connect(db, isolation_level=None, check_same_thread=False, timeout=10)
    con.execute("BEGIN IMMEDIATE")

    def release():
        time.sleep(seconds)
        con.execute("COMMIT")
        con.close()
    t = threading.Thread(target=release)
    t.start()
    return t


def open_conversation(base):
    body = requests.post(f"{base}/api/conversations", timeout=30).json()
    return body["conversation_id"], {"X-Conversation-Token": body["token"]}


def resident_texts(db, conv):
    with sqlite3.connect(db) as con:
        return [r[0] for r in con.execute("SELECT text FROM messages WHERE conversation_id = ? "
                                          "AND sender = 'resident' ORDER BY id", (conv,))]


def test_a_short_lock_is_waited_out(server):
    base, db = server
    conv, h = open_conversation(base)
    holder = hold_write_lock(db, BUSY_SECONDS / 2)
    t = time.monotonic()
    r = requests.post(f"{base}/api/conversations/{conv}/messages", json={"text": "等一下再存"},
                      headers=h, timeout=60)
    waited = time.monotonic() - t
    holder.join()
    assert r.status_code == 200, r.text
    assert waited >= BUSY_SECONDS / 2 - 0.3  # it waited for the other writer, then stored
    assert resident_texts(db, conv) == ["等一下再存"]


def test_a_long_lock_answers_503_busy_and_loses_nothing(server):
    base, db = server
    conv, h = open_conversation(base)
    holder = hold_write_lock(db, BUSY_SECONDS + 3)
    url, text = f"{base}/api/conversations/{conv}/messages", {"text": "忙的时候发的"}
    r = requests.post(url, json=text, headers=h, timeout=60)
    opened = requests.post(f"{base}/api/conversations", timeout=60)
    holder.join()
    for resp in (r, opened):
        assert resp.status_code == 503, resp.text
        assert resp.json()["error"] == "busy" and "再发" in resp.json()["message"]
        assert resp.headers["Retry-After"].isdigit()
    assert resident_texts(db, conv) == []  # nothing half-stored
    again = requests.post(url, json=text, headers=h, timeout=60)
    assert again.status_code == 200, again.text
    assert resident_texts(db, conv) == ["忙的时候发的"]
