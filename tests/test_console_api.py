"""The console API (contract 4) on a real SQLite database, with Rasa stood in for at the edge:
accounts and sessions, the queue and its limits, one conversation, the actions and their events,
and every refusal as JSON."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from web.clients.rasa import RasaUnavailable
from web.models import Handoff, Message, RasaOutbox
from web.services.handoffs import RESUME
from web.services.workdays import CST

PW = "correct-horse-battery"
ITEM_KEYS = {"conversation_id", "status", "priority", "reason", "domain", "case_type", "summary",
             "waiting_since", "due_at", "assignee"}


class FakeRasa:
    """Rasa's REST channel and tracker API as the web app sees them: "转人工" (or /handoff)
    pauses, "救命" is danger, anything else is answered; events appended are recorded."""

    def __init__(self):
        self.sent, self.events, self.down = [], [], False
        self.timeout = 2

    def ping(self):
        return not self.down

    def send(self, sender, message, *args, **kwargs):
        if self.down:
            raise RasaUnavailable("down")
        self.sent.append((sender, message))
        if message in ("/handoff", "转人工"):
            return [{"text": "好的，已为您转接人民调解员/值班律师。"},
                    {"custom": {"handoff": True, "priority": False, "domain": "labor",
                                "case_type": "unpaid_wages"}}]
        if message == "救命":
            return [{"text": "请立即拨打110。"},
                    {"custom": {"handoff": True, "priority": True, "reason": "danger"}}]
        return [{"text": f"机器人回答：{message}"},
                {"custom": {"answer": {"faq_id": "labor-001", "confidence": 0.83,
                                       "domain": "labor"}}}]

    def replies_to(self, *args, **kwargs):
        return None

    def append_events(self, sender, events):
        if self.down:
            raise RasaUnavailable("down")
        self.events.append((sender, events))


@pytest.fixture
def rasa(app):
    fake = FakeRasa()
    app.extensions["chat"].rasa = fake
    app.extensions["desk"].rasa = fake
    return fake


def add_user(app, username, role="mediator", name=None):
    return app.extensions["accounts"].add(username, role=role, name=name or f"{username}调解员",
                                          password=PW)


def login(app, username, **kw):
    c = app.test_client(**kw)
    r = c.post("/api/console/login", json={"username": username, "password": PW})
    assert r.status_code == 200, r.get_json()
    c.csrf = r.get_json()["csrf_token"]
    return c


def post(c, path, body=None):
    return c.post(path, json=body or {}, headers={"X-CSRF-Token": c.csrf})


def resident(client, *texts):
    body = client.post("/api/conversations").get_json()
    conv, h = body["conversation_id"], {"X-Conversation-Token": body["token"]}
    replies = []
    for t in texts:
        r = client.post(f"/api/conversations/{conv}/messages", json={"text": t}, headers=h)
        assert r.status_code == 200
        replies.append(r.get_json()["messages"])
    return conv, h, replies


@pytest.fixture
def staff(app):
    for name, role in (("m1", "mediator"), ("m2", "mediator"), ("boss", "admin"),
                       ("lv", "lawyer")):
        add_user(app, name, role)
    return {n: login(app, n) for n in ("m1", "m2", "boss", "lv")}


# -- accounts and sessions --------------------------------------------------------------------------
def test_login_answers_the_user_and_a_csrf_token_with_a_safe_cookie(app):
    add_user(app, "m1", name="张三")
    c = app.test_client()
    r = c.post("/api/console/login", json={"username": "M1", "password": PW})
    assert r.status_code == 200
    body = r.get_json()
    assert body["user"] == {"username": "m1", "role": "mediator", "name": "张三"}
    assert body["csrf_token"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = app.test_client().post("/api/console/login", json={"username": "m1", "password": PW},
                                   base_url="https://console.example.cn")
    assert "Secure" in https.headers["Set-Cookie"]


def test_wrong_passwords_401_then_429_per_user_with_retry_after(app):
    add_user(app, "m1")
    c = app.test_client()
    for _ in range(5):
        r = c.post("/api/console/login", json={"username": "m1", "password": "wrong-password"})
        assert r.status_code == 401 and r.get_json()["error"] == "bad_credentials"
    r = c.post("/api/console/login", json={"username": "m1", "password": PW})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.get_json()["error"] == "throttled" and "分钟" in r.get_json()["message"]
    # the counts are in the database: another web process refuses too
    from web import create_app

    other = create_app(dict(app.config["SETTINGS"]))
    assert other.test_client().post("/api/console/login", json={
        "username": "m1", "password": PW}).status_code == 429


def test_repeated_failures_from_one_address_are_refused(app):
    add_user(app, "m1")
    c = app.test_client()
    for i in range(20):  # twenty different names, one address
        c.post("/api/console/login", json={"username": f"guess{i}", "password": "x"})
    r = c.post("/api/console/login", json={"username": "m1", "password": PW})
    assert r.status_code == 429 and r.headers["Retry-After"]


def test_bad_login_bodies_are_400(app):
    c = app.test_client()
    for body in ("not json", None):
        r = c.post("/api/console/login", data=body, content_type="text/plain")
        assert r.status_code == 400 and r.get_json()["error"] == "bad_request"
    r = c.post("/api/console/login", json={"username": ["m1"], "password": 1})
    assert r.status_code == 400


def test_a_disabled_account_and_a_changed_password_end_the_session(app, staff):
    accounts = app.extensions["accounts"]
    m1, m2 = staff["m1"], staff["m2"]
    assert m1.get("/api/console/queue").status_code == 200
    accounts.set_password("m1", "a-brand-new-password")
    r = m1.get("/api/console/queue")
    assert r.status_code == 401 and r.get_json()["error"] == "login_required"
    accounts.disable("m2")
    assert m2.get("/api/console/queue").status_code == 401
    r = app.test_client().post("/api/console/login", json={"username": "m2", "password": PW})
    assert r.status_code == 403 and r.get_json()["error"] == "disabled"


def test_an_idle_session_expires(app, staff):
    import time

    c = staff["m1"]
    with c.session_transaction() as s:
        s["seen"] = time.time() - 61 * 60
    r = c.get("/api/console/queue")
    assert r.status_code == 401 and r.get_json()["error"] == "login_required"


def test_background_polls_do_not_keep_a_session_alive(app, staff):
    c = staff["m1"]
    with c.session_transaction() as s:
        s["seen"] = before = s["seen"] - 120
    c.get("/api/console/queue", headers={"X-Console-Poll": "1"})
    with c.session_transaction() as s:
        assert s["seen"] == before
    c.get("/api/console/queue")
    with c.session_transaction() as s:
        assert s["seen"] > before


def test_every_console_route_refuses_an_anonymous_call(app):
    c = app.test_client()
    open_to_all = {"console.login_page", "console.api_login"}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("console.")]
    assert len(rules) >= 18
    for rule in rules:
        if rule.endpoint in open_to_all:
            continue
        path = rule.rule.replace("<conv_id>", "abc")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = c.open(path, method=method, json={})
            if path.startswith("/api/"):
                assert r.status_code == 401, (method, path, r.status_code)
                assert r.get_json()["error"] == "login_required"
            else:
                assert r.status_code == 302 and "/console/login" in r.headers["Location"], path


def test_every_state_changing_call_needs_the_csrf_token(app, staff, rasa, client):
    conv, _, _ = resident(client, "转人工")
    m1 = staff["m1"]
    posts = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith("console.") and "POST" in r.methods
             and r.endpoint not in ("console.login_page", "console.api_login")]
    for rule in posts:
        path = rule.rule.replace("<conv_id>", conv)
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            r = m1.post(path, json={"text": "x"}, headers=headers)
            if path.startswith("/api/"):
                assert r.status_code == 403 and r.get_json()["error"] == "csrf", path
            else:
                assert r.status_code in (403, 302), path
    with app.extensions["db"]() as s:
        assert s.query(Handoff).one().status == "waiting"  # nothing happened


def test_roles(app, staff):
    assert staff["m1"].get("/console/users").status_code == 403
    assert staff["m1"].get("/console/").status_code == 200
    page = staff["boss"].get("/console/users")
    assert page.status_code == 200 and "m2" in page.get_data(as_text=True)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "<script>" not in page.get_data(as_text=True)


def test_the_admin_opens_and_disables_accounts_on_the_users_page(app, staff):
    boss = staff["boss"]
    r = boss.post("/console/users", data={"csrf_token": boss.csrf, "action": "add",
                                          "username": "wang", "name": "王五", "role": "lawyer",
                                          "password": "lawyer-password-1"})
    assert r.status_code == 302
    assert app.extensions["accounts"].by_username("wang").role == "lawyer"
    boss.post("/console/users", data={"csrf_token": boss.csrf, "action": "disable",
                                      "username": "wang"})
    assert not app.extensions["accounts"].by_username("wang").active
    r = boss.post("/console/users", data={"action": "enable", "username": "wang"})
    assert r.status_code == 403  # no CSRF token
    assert not app.extensions["accounts"].by_username("wang").active


# -- the queue ----------------------------------------------------------------------------------------
def test_queue_items_priority_first_then_oldest_with_response_limits(app, staff, rasa, client):
    first, _, _ = resident(client, "老板欠我工资", "转人工")
    danger, _, _ = resident(client, "救命")
    last, _, _ = resident(client, "转人工")
    items = staff["m1"].get("/api/console/queue?view=waiting").get_json()["items"]
    assert [i["conversation_id"] for i in items] == [danger, first, last]
    assert all(set(i) == ITEM_KEYS for i in items)
    urgent, normal = items[0], items[1]
    assert urgent["priority"] is True and urgent["reason"] == "danger"
    since = dt.datetime.fromisoformat(urgent["waiting_since"])
    assert urgent["waiting_since"].endswith("+08:00") and urgent["due_at"].endswith("+08:00")
    assert dt.datetime.fromisoformat(urgent["due_at"]) - since == dt.timedelta(minutes=30)
    assert normal["priority"] is False and normal["status"] == "waiting_mediator"
    assert normal["domain"] == "labor" and normal["case_type"] == "unpaid_wages"
    assert normal["summary"] == "老板欠我工资" and normal["assignee"] is None
    due = dt.datetime.fromisoformat(normal["due_at"])
    expected = app.extensions["desk"].calendar.add_office_time(
        dt.datetime.fromisoformat(normal["waiting_since"]), dt.timedelta(hours=24))
    assert due == expected and due - dt.datetime.fromisoformat(normal["waiting_since"]) >= \
        dt.timedelta(hours=24)


def test_views_waiting_mine_all_closed(app, staff, rasa, client):
    a, _, _ = resident(client, "转人工")
    b, _, _ = resident(client, "转人工")
    assert post(staff["m1"], f"/api/console/conversations/{a}/claim").status_code == 200

    def ids(who, view):
        r = staff[who].get(f"/api/console/queue?view={view}")
        assert r.status_code == 200
        return [i["conversation_id"] for i in r.get_json()["items"]]

    assert ids("m1", "waiting") == [b] and ids("m1", "mine") == [a]
    assert ids("m2", "mine") == [] and set(ids("m2", "all")) == {b}
    assert set(ids("boss", "all")) == {a, b}
    mine = staff["m1"].get("/api/console/queue?view=mine").get_json()["items"][0]
    assert mine["status"] == "with_mediator" and mine["assignee"] == {"username": "m1",
                                                                       "name": "m1调解员"}
    post(staff["m1"], f"/api/console/conversations/{a}/close", {"outcome": "resolved"})
    assert ids("m1", "closed") == [a] and ids("m2", "closed") == [] and ids("boss", "closed") == [a]
    r = staff["m1"].get("/api/console/queue?view=everything")
    assert r.status_code == 400 and r.get_json()["error"] == "bad_view"


# -- one conversation ------------------------------------------------------------------------------
def test_the_conversation_view_and_who_may_open_it(app, staff, rasa, client):
    conv, _, _ = resident(client, "公司欠我工资，我电话13812345678，身份证410105199001011234",
                          "转人工")
    m1, m2, boss = staff["m1"], staff["m2"], staff["boss"]
    before = m2.get(f"/api/console/conversations/{conv}").get_json()
    assert set(before) == {"conversation", "messages", "facts", "analysis", "report_url", "notes",
                           "events"}
    shown = " ".join(m["text"] for m in before["messages"])
    assert "138****5678" in shown and "4101**********1234" in shown and "13812345678" not in shown
    waiting = m2.get("/api/console/queue").get_json()["items"][0]["summary"]
    assert "138****5678" in waiting
    bot = next(m for m in before["messages"] if m["from"] == "bot")
    assert bot["faq_id"] == "labor-001" and bot["confidence"] == 0.83
    post(m1, f"/api/console/conversations/{conv}/claim")
    mine = m1.get(f"/api/console/conversations/{conv}").get_json()
    assert "13812345678" in " ".join(m["text"] for m in mine["messages"])
    r = m2.get(f"/api/console/conversations/{conv}")
    assert r.status_code == 403 and r.get_json()["error"] == "not_yours"
    assert "13812345678" in " ".join(m["text"] for m in boss.get(
        f"/api/console/conversations/{conv}").get_json()["messages"])
    assert m1.get("/api/console/conversations/nope").status_code == 404


def test_claim_has_one_winner(app, staff, rasa, client):
    conv, h, _ = resident(client, "转人工")
    assert post(staff["m1"], f"/api/console/conversations/{conv}/claim").status_code == 200
    r = post(staff["m2"], f"/api/console/conversations/{conv}/claim")
    assert r.status_code == 409 and r.get_json()["error"] == "taken"
    assert "m1调解员" in r.get_json()["message"]
    assert post(staff["m1"], f"/api/console/conversations/{conv}/claim").status_code == 200
    status = client.get(f"/api/conversations/{conv}", headers=h).get_json()
    assert status == {"status": "with_mediator", "mediator": {"name": "m1调解员"}}


def test_two_mediators_claiming_at_once_on_one_sqlite_file(app, rasa, client):
    """Two web processes (two apps on one database file), two mediators, one click each."""
    from web import create_app

    add_user(app, "m1")
    add_user(app, "m2")
    other = create_app(dict(app.config["SETTINGS"]))
    for _ in range(5):
        conv, _, _ = resident(client, "转人工")
        clients = [login(app, "m1"), login(other, "m2")]
        barrier, codes = threading.Barrier(2), []

        def claim(c):
            barrier.wait()
            codes.append(post(c, f"/api/console/conversations/{conv}/claim").status_code)

        threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(codes) == [200, 409]
        with app.extensions["db"]() as s:
            h = s.query(Handoff).filter_by(conversation_id=conv).one()
            assert h.status == "taken" and h.assignee_id is not None


def test_reply_note_handback_close_and_the_events(app, staff, rasa, client):
    conv, h, _ = resident(client, "转人工")
    m1 = staff["m1"]
    assert post(m1, f"/api/console/conversations/{conv}/messages", {"text": "先回复"}).status_code == 409
    post(m1, f"/api/console/conversations/{conv}/claim")
    r = post(m1, f"/api/console/conversations/{conv}/messages",
             {"text": "<b>您好</b><script>alert(1)</script>"})
    assert r.status_code == 200 and r.get_json()["message"]["from"] == "mediator"
    seq = r.get_json()["message"]["seq"]
    seen = client.get(f"/api/conversations/{conv}/messages?after={seq - 1}", headers=h).get_json()
    assert seen["messages"][0] == {"seq": seq, "from": "mediator", "buttons": [],
                                   "text": "<b>您好</b><script>alert(1)</script>"}
    assert post(m1, f"/api/console/conversations/{conv}/notes", {"text": "内部：已核实"}).status_code == 200
    for bad, status in (({"text": "  "}, 400), ({"text": "长" * 2001}, 413), ({"text": 5}, 400),
                        ({}, 400)):
        r = post(m1, f"/api/console/conversations/{conv}/messages", bad)
        assert r.status_code == status and r.get_json()["message"], bad
    r = m1.post(f"/api/console/conversations/{conv}/messages", data="x",
                headers={"X-CSRF-Token": m1.csrf})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request"
    # the resident writes: kept for the person, never sent to the bot
    sent = len(rasa.sent)
    assert client.post(f"/api/conversations/{conv}/messages", json={"text": "好的谢谢"},
                       headers=h).get_json()["messages"] == []
    assert len(rasa.sent) == sent
    view = m1.get(f"/api/console/conversations/{conv}").get_json()
    assert view["messages"][-1]["text"] == "好的谢谢" and view["messages"][-1]["state"] == "paused"
    assert view["notes"][0]["text"] == "内部：已核实" and view["notes"][0]["author"] == "m1调解员"
    history = client.get(f"/api/conversations/{conv}/messages?after=0", headers=h).get_json()
    assert "内部：已核实" not in str(history)
    r = post(m1, f"/api/console/conversations/{conv}/close", {"outcome": "solved"})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_outcome"
    r = post(m1, f"/api/console/conversations/{conv}/close", {"outcome": "referred",
                                                              "note": "已引导申请劳动仲裁"})
    assert r.status_code == 200
    assert rasa.events == [(conv, RESUME)]  # the bot may answer again
    r = post(m1, f"/api/console/conversations/{conv}/messages", {"text": "还在吗"})
    assert r.status_code == 409 and r.get_json()["error"] == "not_open"
    events = m1.get(f"/api/console/conversations/{conv}").get_json()["events"]
    assert [e["kind"] for e in events] == ["handoff", "claim", "reply", "note", "close"]
    assert all(e["at"].endswith("+08:00") for e in events)
    assert events[1]["actor"] == "m1调解员" and events[-1]["detail"]["outcome"] == "referred"
    # after the close the resident reaches the bot again
    assert client.get(f"/api/conversations/{conv}", headers=h).get_json()["status"] == "closed"
    msgs = client.post(f"/api/conversations/{conv}/messages", json={"text": "还有一个问题"},
                       headers=h).get_json()["messages"]
    assert msgs[0]["from"] == "bot" and msgs[0]["text"] == "机器人回答：还有一个问题"
    assert client.get(f"/api/conversations/{conv}", headers=h).get_json()["status"] == "active"


def test_a_handback_while_rasa_is_down_is_kept_and_delivered_before_the_next_message(
        app, staff, rasa, client):
    conv, h, _ = resident(client, "转人工")
    post(staff["m1"], f"/api/console/conversations/{conv}/claim")
    rasa.down = True
    r = post(staff["m1"], f"/api/console/conversations/{conv}/handback")
    assert r.status_code == 200 and rasa.events == []
    with app.extensions["db"]() as s:
        assert s.query(RasaOutbox).filter_by(conversation_id=conv).one().sent_at is None
    assert client.get(f"/api/conversations/{conv}", headers=h).get_json() == {"status": "active"}
    rasa.down = False
    msgs = client.post(f"/api/conversations/{conv}/messages", json={"text": "继续问"},
                       headers=h).get_json()["messages"]
    assert rasa.events == [(conv, RESUME)]  # first the resume, then the message
    assert msgs[0]["text"] == "机器人回答：继续问"
    with app.extensions["db"]() as s:
        assert s.query(RasaOutbox).filter_by(conversation_id=conv).one().sent_at is not None


def test_a_resume_owed_is_retried_when_the_console_polls(app, staff, rasa, client):
    conv, _, _ = resident(client, "转人工")
    rasa.down = True
    post(staff["m1"], f"/api/console/conversations/{conv}/handback")
    rasa.down = False
    staff["m1"].get("/api/console/queue")
    assert rasa.events == [(conv, RESUME)]


def test_transfer_to_a_colleague_and_to_the_duty_lawyer(app, staff, rasa, client):
    conv, h, _ = resident(client, "转人工")
    m1, m2, lv = staff["m1"], staff["m2"], staff["lv"]
    post(m1, f"/api/console/conversations/{conv}/claim")
    assert post(m2, f"/api/console/conversations/{conv}/transfer",
                {"to": "m2"}).status_code == 403
    assert post(m1, f"/api/console/conversations/{conv}/transfer",
                {"to": "nobody"}).get_json()["error"] == "bad_target"
    assert post(m1, f"/api/console/conversations/{conv}/transfer", {"to": "m2"}).status_code == 200
    assert m1.get(f"/api/console/conversations/{conv}").status_code == 403
    assert post(m2, f"/api/console/conversations/{conv}/transfer",
                {"to": "lawyer"}).status_code == 200
    assert m1.get("/api/console/queue").get_json()["items"] == []  # for the duty lawyers
    assert [i["conversation_id"] for i in lv.get("/api/console/queue").get_json()["items"]] == [conv]
    assert post(m1, f"/api/console/conversations/{conv}/claim").status_code == 403
    assert post(lv, f"/api/console/conversations/{conv}/claim").status_code == 200
    kinds = [e["kind"] for e in lv.get(f"/api/console/conversations/{conv}").get_json()["events"]]
    assert kinds == ["handoff", "claim", "transfer", "transfer", "claim"]
    texts = [m["text"] for m in client.get(f"/api/conversations/{conv}/messages?after=0",
                                           headers=h).get_json()["messages"]]
    assert any("值班律师" in t for t in texts)


# -- the resident's side ---------------------------------------------------------------------------
def test_the_resident_is_told_when_to_expect_a_person(app, rasa, client):
    desk = app.extensions["desk"]
    desk.clock = lambda: dt.datetime(2026, 12, 5, 10, 0, tzinfo=CST)  # a Saturday
    conv, h, (msgs,) = resident(client, "转人工")
    assert [m["from"] for m in msgs] == ["bot", "system"]
    assert "下一个工作日（12月7日，星期一）上午" in msgs[1]["text"] and "12348" in msgs[1]["text"]
    status = client.get(f"/api/conversations/{conv}", headers=h).get_json()
    assert status == {"status": "waiting_mediator", "reply_expected_by": "2026-12-07T12:00:00+08:00"}
    desk.clock = lambda: dt.datetime(2026, 12, 7, 10, 0, tzinfo=CST)  # a Monday morning
    _, _, (msgs,) = resident(client, "转人工")
    assert "今天17:00前" in msgs[-1]["text"]
    _, _, (msgs,) = resident(client, "救命")
    assert "10:30前" in msgs[-1]["text"] and "110" in msgs[-1]["text"]
    assert client.get(f"/api/conversations/{conv}").status_code == 403  # no token
    assert client.get("/api/conversations/nope", headers=h).status_code == 404


def test_the_resident_leaves_the_wait_and_the_bot_answers_again(app, rasa, client):
    conv, h, _ = resident(client, "转人工")
    r = client.post(f"/api/conversations/{conv}/handback", headers=h)
    assert r.status_code == 200 and r.get_json() == {"status": "active"}
    assert rasa.events == [(conv, RESUME)]
    r = client.post(f"/api/conversations/{conv}/handback", headers=h)
    assert r.status_code == 409 and r.get_json()["error"] == "not_with_person"
    msgs = client.post(f"/api/conversations/{conv}/messages", json={"text": "加班费怎么算"},
                       headers=h).get_json()["messages"]
    assert msgs[0]["from"] == "bot"


def test_rating_after_the_close(app, staff, rasa, client):
    conv, h, _ = resident(client, "转人工")
    assert client.post(f"/api/conversations/{conv}/rating", json={"score": 5},
                       headers=h).get_json()["error"] == "nothing_to_rate"
    post(staff["m1"], f"/api/console/conversations/{conv}/claim")
    post(staff["m1"], f"/api/console/conversations/{conv}/close", {"outcome": "resolved"})
    assert client.get(f"/api/conversations/{conv}", headers=h).get_json() == {
        "status": "closed", "mediator": {"name": "m1调解员"}}
    for bad in ({"score": 0}, {"score": 6}, {"score": "5"}, {"score": True}, {}):
        r = client.post(f"/api/conversations/{conv}/rating", json=bad, headers=h)
        assert r.status_code == 400 and r.get_json()["error"] == "bad_score"
    r = client.post(f"/api/conversations/{conv}/rating", json={"score": 4, "comment": "很耐心"},
                    headers=h)
    assert r.status_code == 201
    r = client.post(f"/api/conversations/{conv}/rating", json={"score": 1}, headers=h)
    assert r.status_code == 409 and r.get_json()["error"] == "already_rated"
    view = staff["m1"].get(f"/api/console/conversations/{conv}").get_json()
    assert view["conversation"]["ratings"][0]["score"] == 4
    assert view["events"][-1]["kind"] == "rating" and view["events"][-1]["actor"] == "resident"


def test_canned_replies_are_content_and_admins_edit_them(app, staff):
    replies = staff["m1"].get("/api/console/canned").get_json()["replies"]
    assert {r["id"] for r in replies} >= {"greeting", "evidence", "mediation"}
    boss = staff["boss"]
    boss.post("/console/canned", data={"csrf_token": boss.csrf, "action": "save",
                                       "key": "greeting", "title": "问候", "text": "您好，我是老王。"})
    boss.post("/console/canned", data={"csrf_token": boss.csrf, "action": "hide",
                                       "key": "later", "title": "稍后回复", "text": ""})
    replies = {r["id"]: r for r in staff["m1"].get("/api/console/canned").get_json()["replies"]}
    assert replies["greeting"]["text"] == "您好，我是老王。" and "later" not in replies
    r = staff["m1"].post("/console/canned", data={"csrf_token": staff["m1"].csrf, "key": "x",
                                                  "title": "x", "text": "x"})
    assert r.status_code == 403
    page = staff["m1"].get("/console/conversations/abc")
    assert page.status_code == 200 and 'src="/static/console.js"' in page.get_data(as_text=True)


def test_the_users_command(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "LEGALBOT_DATA_DIR": str(tmp_path)}

    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "web.cli", "users", *args], input=stdin,
                              env=env, capture_output=True, text=True, timeout=120)

    p = run("add", "li", "--role", "mediator", "--name", "李四", "--mediator-id", "M-7",
            "--password-stdin", stdin="a-long-password\n")
    assert p.returncode == 0, p.stderr
    assert run("add", "li", "--role", "admin", "--name", "x", "--password-stdin",
               stdin="a-long-password\n").returncode == 1
    assert "weak_password" in run("add", "zhao", "--role", "admin", "--name", "赵",
                                  "--password-stdin", stdin="short\n").stderr
    assert run("list").stdout.split("\n")[0].split("\t") == ["li", "mediator", "李四", "M-7",
                                                              "active"]
    assert run("passwd", "li", "--password-stdin", stdin="another-long-password\n").returncode == 0
    assert run("disable", "li").returncode == 0
    assert "disabled" in run("list").stdout
