"""Late answers and mediators' words over WeChat's customer-service API: the shared access token,
retries with backoff, the 48-hour window, the msgmenu, a mediator's reply from the console,
several web processes on one database, and what a killed process leaves behind."""
from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_wechat import StandInRasa, answer, make_app, push
from test_wechat_server import WeChatStandIn, content_of, event_xml, text_xml

from web.models import (ConsoleEvent, Message, WeChatInbound, WeChatOutbox, WeChatToken,
                        WeChatUser, utcnow)

CHOICES = [{"title": "婚姻家庭与继承", "payload": '/choose_domain{"domain": "marriage"}'},
           {"title": "转人工", "payload": "/handoff"}]


@pytest.fixture
def standin():
    s = WeChatStandIn()
    yield s
    s.close()


@pytest.fixture
def apps(tmp_path, index_dir, standin, db):
    """Two web processes (two apps, two engines, two senders) on one database."""
    made = []
    for _ in range(2):
        app = make_app(tmp_path, index_dir, standin, db, WECHAT_PASSIVE_SECONDS="0.3")
        app.extensions["chat"].rasa = StandInRasa()
        svc = app.extensions["wechat"]
        svc.outbox.backoff = 0.05
        svc.api._client.timeout = 1.0
        made.append(app)
    yield made
    for app in made:
        app.extensions["wechat"].sender.stop()


def deferred(app, openid, text, msg_id, delay=0.6):
    """A message whose answer comes after the passive window: "success", then the API."""
    app.extensions["chat"].rasa.delay = delay
    r, _ = push(app.test_client(), text_xml(openid, text, msg_id))
    assert answer(r) is None
    return r


def test_the_token_is_fetched_once_and_shared_by_processes(apps, standin):
    for i, app in enumerate(apps * 3):
        deferred(app, f"oTok{i}", "你好", 100 + i)
    assert standin.wait_for(lambda: len(standin.sent) == 6)
    assert standin.token_fetches == 1
    with apps[0].extensions["db"]() as s:
        row = s.query(WeChatToken).one()
    assert row.expires_at > utcnow() + dt.timedelta(hours=1)


def test_an_expired_or_invalid_token_is_refreshed_and_the_message_sent_once(apps, standin):
    deferred(apps[0], "oExp", "第一句", 201)
    assert standin.wait_for(lambda: len(standin.sent_to("oExp")) == 1)
    standin.expire_tokens()  # 42001 from now on for the old token
    deferred(apps[1], "oExp", "第二句", 202)
    assert standin.wait_for(lambda: len(standin.sent_to("oExp")) == 2)
    standin.fail_next(40001)
    deferred(apps[0], "oExp", "第三句", 203)
    assert standin.wait_for(lambda: len(standin.sent_to("oExp")) == 3)
    time.sleep(0.5)
    assert len(standin.sent_to("oExp")) == 3 and standin.token_fetches == 3


def test_the_token_is_refreshed_early_before_it_ends(tmp_path, index_dir):
    s = WeChatStandIn(expires_in=200)  # less than the 300 s margin: every get refreshes
    try:
        app = make_app(tmp_path, index_dir, s)
        tokens = app.extensions["wechat"].tokens
        first, second = tokens.get(), tokens.get()
        assert first != second and s.token_fetches == 2
        app.extensions["wechat"].sender.stop()
    finally:
        s.close()


def test_errors_and_timeouts_are_retried_with_backoff_then_sent_once(apps, standin):
    standin.fail_next(-1, "http500", "timeout", 45009)
    deferred(apps[0], "oFlaky", "老板跑了", 301)
    assert standin.wait_for(lambda: standin.sent_to("oFlaky"), timeout=40)
    time.sleep(0.5)
    assert len(standin.sent_to("oFlaky")) == 1 and standin.attempts == 5
    with apps[0].extensions["db"]() as s:
        row = s.query(WeChatOutbox).filter_by(openid="oFlaky").one()
    assert row.status == "sent" and row.attempts == 5


def test_after_every_retry_the_message_is_kept_for_the_console(apps, standin):
    svc = apps[0].extensions["wechat"]
    for app in apps:
        app.extensions["wechat"].outbox.max_attempts = 3
    standin.fail_next(-1, -1, -1)
    deferred(apps[0], "oGone", "我的电话13912345678，公司欠薪", 401)
    db = apps[0].extensions["db"]

    def failed():
        with db() as s:
            return s.query(WeChatOutbox).filter_by(openid="oGone", status="failed").count() == 1
    assert standin.wait_for(failed, timeout=40)
    conv = _conversation(apps[0], "oGone")
    kept = svc.undelivered(conv)
    assert kept[0]["status"] == "failed" and kept[0]["phone"] == "13912345678"
    with db() as s:
        event = s.query(ConsoleEvent).filter_by(conversation_id=conv).one()
    assert event.kind == "wechat_undelivered" and "13912345678" in event.detail["note"]
    assert standin.sent_to("oGone") == []


@pytest.mark.parametrize("code", [45015, 45047])
def test_outside_the_48_hour_window_the_console_is_told(apps, standin, code):
    standin.fail_next(code)
    deferred(apps[0], "oLate", "还在吗", 501)
    db = apps[0].extensions["db"]

    def expired():
        with db() as s:
            return s.query(WeChatOutbox).filter_by(status="expired").count() == 1
    assert standin.wait_for(expired)
    conv = _conversation(apps[0], "oLate")

    def told():  # the console's event is written just after the outbox row is marked
        with db() as s:
            return s.query(ConsoleEvent).filter_by(conversation_id=conv).count() == 1
    assert standin.wait_for(told, 10)
    with db() as s:
        event = s.query(ConsoleEvent).filter_by(conversation_id=conv).one()
    assert event.detail["reason"] == "window_closed" and str(code) in event.detail["error"]
    assert standin.attempts == 1  # not retried: WeChat will refuse until the resident writes


def test_a_late_answer_with_buttons_is_a_msgmenu_with_a_text_fallback(apps, standin):
    app = apps[0]
    app.extensions["chat"].rasa.reply = {"text": "请选择。", "buttons": CHOICES}
    deferred(app, "oMenu", "你好", 601)
    assert standin.wait_for(lambda: standin.sent_to("oMenu"))
    menu = standin.sent_to("oMenu")[0]
    assert menu["msgtype"] == "msgmenu" and menu["msgmenu"]["head_content"] == "请选择。"
    assert menu["msgmenu"]["list"] == [{"id": "1", "content": "婚姻家庭与继承"},
                                       {"id": "2", "content": "转人工"}]
    # tapping an item sends its words with bizmsgmenuid: the choice it names
    app.extensions["chat"].rasa.delay = 0
    push(app.test_client(), text_xml("oMenu", "婚姻家庭与继承", 602,
                                     extra="<bizmsgmenuid>1</bizmsgmenuid>"))
    assert app.extensions["chat"].rasa.heard[-1][1] == '/choose_domain{"domain": "marriage"}'
    # an account that may not send menus (40200) gets the numbered text instead
    app.extensions["chat"].rasa.reply = {"text": "请再选择。", "buttons": CHOICES}
    standin.fail_next(40200)
    deferred(app, "oMenu", "再来", 603)
    assert standin.wait_for(lambda: len(standin.sent_to("oMenu")) == 2)
    fallback = standin.sent_to("oMenu")[1]
    assert fallback["msgtype"] == "text" and "1 婚姻家庭与继承" in content_of(fallback)


def test_the_same_message_at_two_processes_at_once_is_answered_once(apps, standin):
    for app in apps:
        app.extensions["chat"].rasa.delay = 0.1
    xml = text_xml("oTwo", "离婚孩子归谁", 701)
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda i: answer(push(apps[i % 2].test_client(), xml)[0]),
                                range(8)))
    time.sleep(1.0)
    answered = [r for r in replies if r] + [content_of(m) for m in standin.sent_to("oTwo")]
    assert answered == ["好的，我来帮您。"]
    assert sum(len(a.extensions["chat"].rasa.heard) for a in apps) == 1


def test_first_messages_of_one_openid_racing_open_one_conversation(apps):
    xmls = [text_xml("oRace", f"第{i}句", 800 + i) for i in range(6)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: push(apps[i % 2].test_client(), xmls[i]), range(6)))
    with apps[0].extensions["db"]() as s:
        conv = s.get(WeChatUser, "oRace").conversation_id
        assert s.query(Message).filter_by(sender="resident").count() == 6
        assert {m.conversation_id for m in s.query(Message)} == {conv}


def test_what_a_killed_process_left_is_delivered_by_another(apps, standin):
    app, other = apps
    db = app.extensions["db"]
    svc = other.extensions["wechat"]
    # a push kept but never given to the conversation (killed before its worker ran)
    conv = svc.conversation_for("oKilled")
    with db() as s:
        s.add(WeChatInbound(dedupe_key="m:901", openid="oKilled", kind="text", text="还在吗",
                            status="received", created_at=utcnow() - dt.timedelta(minutes=2)))
        # replies stored but never delivered (killed between Rasa's answer and the delivery)
        s.add(Message(conversation_id=conv, sender="bot", text="迟到的回答。", reply_to=1,
                      created_at=utcnow() - dt.timedelta(minutes=1)))
        s.commit()
    svc.sweep()
    assert standin.wait_for(lambda: len(standin.sent_to("oKilled")) == 2)
    words = sorted(content_of(m) for m in standin.sent_to("oKilled"))
    assert words == ["好的，我来帮您。", "迟到的回答。"]
    svc.sweep()
    app.extensions["wechat"].sweep()
    time.sleep(0.5)
    assert len(standin.sent_to("oKilled")) == 2
    with db() as s:
        assert s.query(WeChatInbound).filter_by(dedupe_key="m:901").one().status == "stored"


def test_a_handed_off_wechat_conversation_is_in_the_console_and_the_reply_goes_out(apps,
                                                                                     standin):
    app = apps[0]
    rasa = app.extensions["chat"].rasa
    rasa.reply = {"text": "好的，正在为您转接。", "custom": {"handoff": True}}
    client = app.test_client()
    first = answer(push(client, event_xml("oHuman", "CLICK", "MENU_HUMAN"))[0])
    assert "正在为您转接" in first and "回复您" in first  # the bot's words and the notice
    # until a person claims it, the robot keeps answering under the waiting notice (never silent)
    rasa.reply = {"text": "等待期间机器人的回答。"}
    kept = answer(push(client, text_xml("oHuman", "我的电话13812345678", 1001))[0])
    assert "等待期间机器人的回答" in kept and "12348" in kept
    assert "13812345678" not in rasa.heard[-1][1]  # Rasa hears the number masked
    app.extensions["accounts"].add("wang", role="mediator", name="王调解", password="correct-horse-1")
    login = client.post("/api/console/login", json={"username": "wang",
                                                    "password": "correct-horse-1"}).get_json()
    h = {"X-CSRF-Token": login["csrf_token"]}
    queue = client.get("/api/console/queue?view=waiting").get_json()["items"]
    conv = _conversation(app, "oHuman")
    assert [i["conversation_id"] for i in queue] == [conv]
    detail = client.get(f"/api/console/conversations/{conv}").get_json()
    assert detail["conversation"]["channel"] == "wechat"
    assert client.post(f"/api/console/conversations/{conv}/claim", headers=h).status_code == 200
    r = client.post(f"/api/console/conversations/{conv}/messages", json={"text": "您好，请讲。"},
                    headers=h)
    assert r.status_code == 200
    # the console may also call the hook: still one message
    from web.services.wechat import deliver_to_resident
    with app.test_request_context():
        assert deliver_to_resident(conv, "您好，请讲。") is True  # sent at once
        assert deliver_to_resident("no-such-conversation", "x") is False
    assert standin.wait_for(lambda: any("您好，请讲。" in content_of(m)
                                        for m in standin.sent_to("oHuman")))
    time.sleep(1.0)
    said = "\n".join(content_of(m) for m in standin.sent_to("oHuman"))
    assert said.count("【调解员王调解】您好，请讲。") == 1
    # the claim notice goes with it, before it, in one customer-service message
    assert said.index("已经接手") < said.index("【调解员王调解】")
    assert len(standin.sent_to("oHuman")) == 1


def _conversation(app, openid):
    with app.extensions["db"]() as s:
        return s.get(WeChatUser, openid).conversation_id


def test_an_error_no_retry_can_change_is_kept_at_once(apps, standin):
    standin.fail_next(48001)  # api unauthorized: an account without the customer-service API
    deferred(apps[0], "oUnauth", "问个事", 1101)
    db = apps[0].extensions["db"]

    def failed():
        with db() as s:
            return s.query(WeChatOutbox).filter_by(openid="oUnauth", status="failed").count() == 1
    assert standin.wait_for(failed)
    assert standin.attempts == 1
    conv = _conversation(apps[0], "oUnauth")
    assert apps[0].extensions["wechat"].undelivered(conv)[0]["error"].startswith("48001")


def test_a_refused_token_is_retried_until_the_set_up_is_fixed(apps, standin):
    import test_wechat_server as server

    svc = apps[0].extensions["wechat"]
    svc.api.secret = "a-wrong-secret"  # as if the IP allow-list or the secret were wrong
    deferred(apps[0], "oSetup", "你好", 1201)
    time.sleep(1.0)
    assert standin.sent_to("oSetup") == [] and standin.token_fetches == 0
    svc.api.secret = server.SECRET  # the administrator fixes it
    assert standin.wait_for(lambda: standin.sent_to("oSetup"), timeout=40)
