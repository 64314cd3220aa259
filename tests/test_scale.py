"""The scale-out deployment (conftest ``scale_stack``): PostgreSQL, Redis, two Rasa processes,
two action servers, two web servers behind one nginx. Residents' conversations go through nginx;
the messages of one conversation reach both web servers at once and are still answered once
each, in order. Run with `make test-scale` (``pytest -m scale``)."""
from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

pytestmark = pytest.mark.scale


def new_conversation(url: str) -> tuple[str, dict]:
    r = requests.post(f"{url}/api/conversations", timeout=10)
    assert r.status_code == 201, r.text
    body = r.json()
    return body["conversation_id"], {"X-Conversation-Token": body["token"]}


def say(url: str, conv: str, headers: dict, text: str) -> tuple[list, str]:
    r = requests.post(f"{url}/api/conversations/{conv}/messages", json={"text": text},
                      headers=headers, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()["messages"], r.headers["X-Upstream"]


def rows(url: str, sql: str, **params) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


def test_health_through_nginx_and_every_part_on_the_real_engines(scale_stack):
    s = scale_stack
    seen = set()
    for _ in range(4):
        r = requests.get(f"{s.url}/healthz", timeout=10)
        assert r.status_code == 200 and r.json()["checks"]["database"] is True
        seen.add(r.headers["X-Upstream"])
    assert len(seen) == 2  # nginx spreads the requests over both web servers
    conv, h = new_conversation(s.url)
    msgs, _ = say(s.url, conv, h, "老板拖欠工资三个月不给怎么办")
    assert msgs and msgs[-1]["from"] == "bot"
    # the app's rows are in PostgreSQL, the turn in Rasa's tracker store there too
    assert rows(s.app_db, "SELECT count(*) FROM messages WHERE conversation_id = :c",
                c=conv)[0][0] >= 2
    users = rows(s.tracker_db, "SELECT count(*) FROM events WHERE sender_id = :c AND "
                 "type_name = 'user'", c=conv)[0][0]
    assert users == 1


def test_the_limiter_counts_both_web_servers_in_redis(scale_stack):
    """Six new conversations from one client address (127.0.0.9, its own source address on
    loopback) land on both web servers; Redis holds one counter of six for that address."""
    import redis as redis_client

    s = scale_stack
    upstreams = set()
    for _ in range(6):
        conn = http.client.HTTPConnection("127.0.0.1", s.nginx.port, timeout=10,
                                          source_address=("127.0.0.9", 0))
        conn.request("POST", "/api/conversations", body="{}",
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 201, resp.read()
        upstreams.add(resp.getheader("X-Upstream"))
        conn.close()
    assert len(upstreams) == 2
    r = redis_client.Redis.from_url(s.redis.url(0))
    counts = [int(r.get(k)) for k in r.scan_iter("*127.0.0.9*")
              if r.type(k) == b"string" and b"minute" in k]
    assert 6 in counts, counts


def test_one_conversation_at_two_web_servers_at_once_stays_in_order(scale_stack):
    """Rounds of three messages of ONE conversation sent at the same instant through nginx
    (so they reach both web servers): every message is one Rasa turn (the lock store and the
    web app's per-conversation lease), stored and heard in the same order, each answered
    once; nothing lost."""
    s = scale_stack
    conv, h = new_conversation(s.url)
    rounds = [["你好", "老板欠我两个月工资不给怎么办", "谢谢"],
              ["离婚后孩子抚养费怎么算", "交通事故对方全责怎么赔", "还有别的办法吗"],
              ["公司不交社保可以辞职吗", "加班费怎么算", "好的"]]
    upstreams = set()
    for texts in rounds:
        with ThreadPoolExecutor(len(texts)) as pool:
            results = list(pool.map(lambda t: say(s.url, conv, h, t), texts))
        upstreams |= {u for _, u in results}
        assert all(msgs for msgs, _ in results), results
    assert len(upstreams) == 2, upstreams
    sent = [t for texts in rounds for t in texts]
    history = requests.get(f"{s.url}/api/conversations/{conv}/messages?after=0", headers=h,
                           timeout=10).json()["messages"]
    stored = [m["text"] for m in history if m["from"] == "resident"]
    assert sorted(stored) == sorted(sent)  # nothing lost, nothing stored twice
    events = rows(s.tracker_db, "SELECT data FROM events WHERE sender_id = :c AND "
                  "type_name = 'user' ORDER BY id", c=conv)
    heard = [json.loads(e[0])["text"] for e in events]
    assert heard == stored  # Rasa heard each once, in the order the app stored them
    for m in history:
        if m["from"] == "resident":
            replies = [r for r in history if r.get("reply_to") == m["seq"] and r["from"] == "bot"]
            assert replies, m
    # bot replies follow the order of the messages they answer
    order = [r["reply_to"] for r in history if r["from"] == "bot" and r.get("reply_to")]
    assert order == sorted(order)


def test_many_residents_at_once_through_nginx(scale_stack):
    """Twelve residents with three turns each, in parallel, spread over both Rasa processes:
    every turn answered by the bot, no error."""
    s = scale_stack
    questions = ["你好", "工伤认定要多久", "谢谢"]

    def resident(_):
        conv, h = new_conversation(s.url)
        return conv, [say(s.url, conv, h, q)[0] for q in questions]

    with ThreadPoolExecutor(6) as pool:
        done = list(pool.map(resident, range(12)))
    assert all(all(m and m[-1]["from"] in ("bot", "system") for m in turns) for _, turns in done)
    from web.clients.rasa import RasaClient

    route = RasaClient(",".join(s.rasa_urls()))
    assert {route.url_for(conv) for conv, _ in done} == set(s.rasa_urls())  # both served
    count = rows(s.tracker_db, "SELECT count(DISTINCT sender_id) FROM events WHERE sender_id "
                 "= ANY(:ids)", ids=[c for c, _ in done])
    assert count[0][0] == 12


def test_web_processes_starting_together_on_a_new_database(tmp_path, index_dir, db):
    """Four apps created at the same moment on one empty PostgreSQL database (web servers
    started together): all come up; the schema and the sample roster are made once."""
    from web import create_app
    from web.models import SchemaVersion
    from web.models_booking import Mediator

    def start(i):
        return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / str(i)), **db,
                           "INDEX_DIR": str(index_dir)})

    with ThreadPoolExecutor(4) as pool:
        apps = list(pool.map(start, range(4)))
    with apps[0].extensions["db"]() as s:
        versions = [v.version for v in s.query(SchemaVersion)]
        assert sorted(versions) == sorted(set(versions)) and max(versions) >= 7
        ids = [m.id for m in s.query(Mediator)]
        assert ids and len(ids) == len(set(ids))
    for app in apps:
        app.extensions["db_engine"].dispose()


def test_rasa_lock_store_from_the_url_is_redis(engines):
    """bot/rasa_server.py LockStoreFromUrl in Rasa's own Python: a Redis URL gives Rasa's
    RedisLockStore whose tickets are in that Redis (what every Rasa process sees); an empty
    URL gives the in-process store."""
    import subprocess
    from pathlib import Path

    import redis as redis_client

    root = Path(__file__).resolve().parent.parent
    _, redis = engines
    script = (
        "import sys\n"
        "from rasa.utils.endpoints import EndpointConfig\n"
        "from bot.rasa_server import LockStoreFromUrl\n"
        "empty = LockStoreFromUrl(EndpointConfig(url=''))\n"
        "store = LockStoreFromUrl(EndpointConfig(url=sys.argv[1]))\n"
        "store.issue_ticket('conv-scale-1', lock_lifetime=120)\n"
        "print(type(empty).__name__, type(store).__name__)\n")
    out = subprocess.run([str(root / ".venv-rasa" / "bin" / "python"), "-c", script,
                          redis.url(5)], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["InMemoryLockStore", "RedisLockStore"]
    keys = redis_client.Redis.from_url(redis.url(5)).keys("*conv-scale-1*")
    assert keys, "the ticket is in Redis"
