"""The chat API's refusals and its promise: nothing a resident says is lost."""
from __future__ import annotations

import json

import pytest

from web.models import Handoff, Message


def start(client):
    body = client.post("/api/conversations").get_json()
    return body["conversation_id"], {"X-Conversation-Token": body["token"]}


def test_wrong_or_missing_token_is_refused(client):
    conv, _ = start(client)
    assert client.post(f"/api/conversations/{conv}/messages", json={"text": "你好"}).status_code == 403
    r = client.post(f"/api/conversations/{conv}/messages", json={"text": "你好"},
                    headers={"X-Conversation-Token": "forged"})
    assert r.status_code == 403 and r.get_json()["error"] == "bad_token"
    other, h = start(client)
    assert client.get(f"/api/conversations/{conv}/messages", headers=h).status_code == 403


def test_unknown_conversation(client):
    r = client.post("/api/conversations/nope/messages", json={"text": "你好"},
                    headers={"X-Conversation-Token": "x"})
    assert r.status_code == 404


def test_empty_huge_and_malformed_messages(client):
    conv, h = start(client)
    url = f"/api/conversations/{conv}/messages"
    assert client.post(url, json={"text": "   "}, headers=h).get_json()["error"] == "empty"
    r = client.post(url, json={"text": "字" * 2001}, headers=h)
    assert r.status_code == 413 and "2000" in r.get_json()["message"]
    r = client.post(url, data="{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400
    assert client.post(url, json=["text"], headers=h).status_code == 400
    assert client.post(url, json={"text": 5}, headers=h).status_code == 400
    # a quick reply whose payload is its words (不知道, 算了, 对) is never refused: it is that text
    r = client.post(url, json={"payload": "不知道", "title": "不知道"}, headers=h)
    assert r.status_code == 200
    history = client.get(url + "?after=0", headers=h).get_json()["messages"]
    assert [m["text"] for m in history if m["from"] == "resident"][-1] == "不知道"
    assert client.get(url + "?after=abc", headers=h).status_code == 400


def test_message_is_kept_when_rasa_is_down(client, app):
    conv, h = start(client)
    r = client.post(f"/api/conversations/{conv}/messages", json={"text": "老板欠我工资"}, headers=h)
    assert r.status_code == 200
    msgs = r.get_json()["messages"]
    assert msgs[0]["from"] == "system" and "已经保存" in msgs[0]["text"]
    with app.extensions["db"]() as s:
        stored = s.query(Message).filter_by(conversation_id=conv, sender="resident").one()
    assert stored.text == "老板欠我工资" and stored.status == "pending"


def test_script_is_stored_as_text(client, app):
    conv, h = start(client)
    client.post(f"/api/conversations/{conv}/messages", json={"text": "<script>alert(1)</script>"},
                headers=h)
    hist = client.get(f"/api/conversations/{conv}/messages", headers=h).get_json()["messages"]
    assert hist[0]["text"] == "<script>alert(1)</script>"


def test_rate_limit(client):
    conv, h = start(client)
    url = f"/api/conversations/{conv}/messages"
    codes = [client.post(url, json={"text": f"问题{i}"}, headers=h).status_code for i in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429


def test_pending_messages_are_answered_in_order_when_rasa_returns(app, client):
    conv, h = start(client)
    for text in ("第一句", "第二句"):
        client.post(f"/api/conversations/{conv}/messages", json={"text": text}, headers=h)
    seen = []

    class BackRasa:
        def replies_to(self, sender, msg_id):  # never heard before: the web sends it
            return None

        def send(self, sender, message, msg_id=None):
            seen.append(message)
            reply = {"text": f"收到：{message}"}
            if message == "转人工":
                reply["custom"] = {"handoff": True}
            return [reply]

    svc = app.extensions["chat"]
    svc.rasa = BackRasa()
    replies = svc.post(conv, "转人工", None)
    assert seen == ["第一句", "第二句", "转人工"]
    assert [r["text"] for r in replies if r["from"] == "bot"] == ["收到：第一句", "收到：第二句",
                                                                 "收到：转人工"]
    assert replies[-1]["from"] == "system" and "12348" in replies[-1]["text"]  # when to expect a person
    with app.extensions["db"]() as s:
        assert s.query(Message).filter_by(conversation_id=conv, status="pending").count() == 0
        assert s.query(Handoff).filter_by(conversation_id=conv, status="waiting").count() == 1


def test_healthz_is_503_without_rasa(client):
    r = client.get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    checks = body["checks"]
    assert checks["database"] is True and checks["index"] is True and checks["rasa"] is False
    # each part's state: the index, each Rasa process by its URL, the action server
    assert body["index"] == "ok" and list(body["rasa_processes"].values()) == ["unreachable"]
    assert body["actions"] in ("ready", "unreachable", "wrong_token")


def test_demo_page_embeds_the_widget(client):
    page = client.get("/").get_data(as_text=True)
    assert '<script src="/widget.js"' in page
    js = client.get("/widget.js")
    assert js.status_code == 200 and b"role" in js.data
    assert json.loads(client.get("/livez").data)["status"] == "ok"


def test_report_pages_by_token_only(app, client):
    import datetime as dt

    from knowledge.analysis.engine import analyze
    from web.db import session_scope
    from web.services.consultations import add_consultation

    case = app.extensions["knowledge"].case_types["no_written_contract"]
    facts = {"monthly_wage": 6000, "start_date": "2024-01-01", "signed_date": "2024-05-01"}
    analysis = analyze(case, facts, today=dt.date(2026, 11, 22)).as_json()
    with session_scope(app.extensions["db"]) as s:
        token = add_consultation(s, None, case.id, facts, analysis)
    page = client.get(f"/reports/{token}")
    assert page.status_code == 200 and "法律分析和意见指南" in page.get_data(as_text=True)
    assert "18000.00" in page.get_data(as_text=True)  # 3 months x 6000
    assert page.headers["Cache-Control"].startswith("private")
    pdf = client.get(f"/reports/{token}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    other = "y" if token.endswith("x") else "x"  # a token ending in x made this a 200 (1 in 64)
    assert client.get(f"/reports/{token[:-1]}{other}").status_code == 404
    assert client.get("/reports/../etc/passwd").status_code == 404
    assert len(token) >= 32


def test_kept_message_is_answered_when_rasa_is_back_and_the_widget_polls(app, client):
    conv, h = start(client)
    client.post(f"/api/conversations/{conv}/messages", json={"text": "老板欠我工资"}, headers=h)

    class RasaBack:  # Rasa's REST channel answering again (stand-in for this unit test only)
        def ping(self):
            return True

        def replies_to(self, sender, msg_id):  # never heard before: the web sends it
            return None

        def send(self, sender, message, msg_id=None):
            return [{"text": f"答复：{message}"}]

    app.extensions["chat"].rasa = RasaBack()
    msgs = client.get(f"/api/conversations/{conv}/messages?after=0", headers=h).get_json()["messages"]
    assert [m["text"] for m in msgs if m["from"] == "bot"] == ["答复：老板欠我工资"]


def test_a_lease_left_by_a_killed_request_expires(app, client):
    """A request that died while forwarding leaves the conversation leased; once the lease is
    over, the kept message is answered by the next request instead of waiting for ever."""
    import datetime as dt

    from web.models import Conversation, utcnow

    conv, h = start(client)
    svc = app.extensions["chat"]
    sessions = svc.sessions
    with sessions() as s:
        s.get(Conversation, conv).drain_until = utcnow() - dt.timedelta(seconds=1)
        s.commit()

    class RasaBack:  # stand-in for Rasa's REST reply (service level only)
        timeout = 1.0

        def ping(self):
            return True

        def replies_to(self, sender, msg_id):  # never heard before: the web sends it
            return None

        def send(self, sender, message, msg_id=None):
            return [{"text": f"答复：{message}"}]

    svc.rasa = RasaBack()
    msgs = client.post(f"/api/conversations/{conv}/messages", json={"text": "老板欠我工资"},
                       headers=h).get_json()["messages"]
    assert [m["text"] for m in msgs] == ["答复：老板欠我工资"]
    with sessions() as s:
        assert s.get(Conversation, conv).drain_until is None  # released after answering


def test_a_request_that_finds_the_lease_taken_does_not_call_rasa(app, client):
    import datetime as dt

    from web.models import Conversation, utcnow

    conv, h = start(client)
    svc = app.extensions["chat"]
    calls = []

    class CountingRasa:
        timeout = 0.2  # the waiting request gives up after 2 x 0.2 + 5 s and keeps the message

        def ping(self):
            return True

        def replies_to(self, sender, msg_id):  # never heard before: the web sends it
            return None

        def send(self, sender, message, msg_id=None):
            calls.append(message)
            return [{"text": "答复"}]

    svc.rasa = CountingRasa()
    with svc.sessions() as s:  # another request holds the conversation
        s.get(Conversation, conv).drain_until = utcnow() + dt.timedelta(minutes=5)
        s.commit()
    r = client.post(f"/api/conversations/{conv}/messages", json={"text": "在吗"}, headers=h)
    assert r.status_code == 200 and r.get_json()["messages"] == [] and calls == []
    with svc.sessions() as s:
        kept = s.query(Message).filter_by(conversation_id=conv, sender="resident").one()
        assert kept.status == "pending" and kept.text == "在吗"


def test_a_database_of_schema_version_1_is_migrated(tmp_path):
    from sqlalchemy import inspect, text

    from web.db import make_engine, migrate

    from web.db import MIGRATIONS

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    assert migrate(engine) == max(MIGRATIONS)
    with engine.begin() as conn:  # make it look like a database written by schema version 1
        conn.execute(text("ALTER TABLE conversations DROP COLUMN drain_until"))
        conn.execute(text("ALTER TABLE messages DROP COLUMN reply_to"))
        conn.execute(text("DELETE FROM schema_version WHERE version = 2"))
    assert "drain_until" not in {c["name"] for c in inspect(engine).get_columns("conversations")}
    assert migrate(engine) == max(MIGRATIONS)
    assert "drain_until" in {c["name"] for c in inspect(engine).get_columns("conversations")}
    assert "reply_to" in {c["name"] for c in inspect(engine).get_columns("messages")}


def _rasa_replying(replies):
    class OneTurnRasa:  # what Rasa's REST channel returns for one turn
        def replies_to(self, sender, msg_id):  # never heard before: the web sends it
            return None

        def send(self, sender, message, msg_id=None):
            return replies
    return OneTurnRasa()


def test_consultation_in_the_reply_is_stored_by_the_web_app(app, client):
    """The action server writes nothing: the finished analysis travels back in the reply's
    custom payload (Rasa's REST channel sends it as a message of its own after the text) and the
    web app stores it with the reply, then links the report to the summary."""
    import datetime as dt

    from knowledge.analysis.engine import analyze
    from web.models import Consultation

    case = app.extensions["knowledge"].case_types["no_written_contract"]
    facts = {"monthly_wage": 6000, "start_date": "2024-01-01", "signed_date": "2024-05-01"}
    analysis = analyze(case, facts, today=dt.date(2026, 11, 22)).as_json()
    conv, h = start(client)
    app.extensions["chat"].rasa = _rasa_replying([
        {"recipient_id": conv, "text": "分析好了。", "buttons": [{"title": "转人工", "payload": "/handoff"}]},
        {"recipient_id": conv, "custom": {"consultation": {"case_type": case.id, "facts": facts,
                                                            "analysis": analysis}}}])
    msgs = client.post(f"/api/conversations/{conv}/messages", json={"text": "2024年5月1日"},
                       headers=h).get_json()["messages"]
    assert len(msgs) == 1 and msgs[0]["text"] == "分析好了。"
    url = msgs[0]["report_url"]
    with app.extensions["db"]() as s:
        stored = s.query(Consultation).filter_by(conversation_id=conv).one()
    assert url == f"/reports/{stored.report_token}" and stored.facts == facts
    assert stored.analysis["total"] == analysis["total"] == 18000
    page = client.get(url)
    assert page.status_code == 200 and "18000.00" in page.get_data(as_text=True)


def test_a_malformed_consultation_payload_stores_nothing_but_the_reply(app, client):
    from web.models import Consultation

    conv, h = start(client)
    app.extensions["chat"].rasa = _rasa_replying([
        {"text": "分析好了。", "custom": {"consultation": {"case_type": "x" * 500, "facts": [],
                                                          "analysis": "no"}}}])
    msgs = client.post(f"/api/conversations/{conv}/messages", json={"text": "好的"},
                       headers=h).get_json()["messages"]
    assert [m["text"] for m in msgs] == ["分析好了。"] and "report_url" not in msgs[0]
    with app.extensions["db"]() as s:
        assert s.query(Consultation).count() == 0


@pytest.mark.sqlite_only
def test_backup_while_the_app_writes_and_restore(app, client, tmp_path):
    """`legalbot backup` copies the live database consistently; the copy opens as the app's
    database (a restore) with every message in it."""
    import sqlite3

    from web import create_app
    from web.db import backup_sqlite
    from web.supervisor import free_port

    conv, h = start(client)
    for i in range(3):
        client.post(f"/api/conversations/{conv}/messages", json={"text": f"留言{i}"}, headers=h)
    url = str(app.extensions["db_engine"].url)
    copy = tmp_path / "backup" / "copy.db"
    assert backup_sqlite(url, copy) > 0
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    assert sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "r"),
                           "DATABASE_URL": f"sqlite:///{copy}",
                           "RASA_URL": f"http://127.0.0.1:{free_port()}"})
    with restored.extensions["db"]() as s:
        texts = [m.text for m in s.query(Message).filter_by(conversation_id=conv, sender="resident")]
    assert texts == ["留言0", "留言1", "留言2"]
    import pytest

    with pytest.raises(ValueError):
        backup_sqlite("postgresql://u@localhost/db", tmp_path / "x.db")
