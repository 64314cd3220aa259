"""One case across channels (issue 17 item 8): the web chat shows a short code, "绑定 123456"
sent to the 公众号 continues that same conversation there — what Rasa knows (same sender id),
the analysis and its report link, a handoff and the mediator's replies. Codes expire, work once,
cannot be guessed (failures counted per follower and for everyone), and bad codes get a clear
reply. Real app and database; Rasa is the stand-in of test_wechat.py, WeChat's API the loopback
stand-in of test_wechat_server.py."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from test_report import example
from test_wechat import StandInRasa, answer, make_app, push, standin  # noqa: F401 (fixture)
from test_wechat_server import content_of, text_xml

from web.models import Conversation, WeChatUser
from web.models_binding import BindCode


@pytest.fixture
def wx(tmp_path, index_dir, standin, db):  # noqa: F811
    app = make_app(tmp_path, index_dir, standin, db, WECHAT_PASSIVE_SECONDS="3",
                   BIND_MAX_FAILURES="3", BIND_GLOBAL_MAX_FAILURES="5")
    rasa = StandInRasa()
    app.extensions["chat"].rasa = rasa
    yield app, app.test_client(), rasa
    app.extensions["wechat"].sender.stop()


def web_conversation(client) -> tuple[str, dict]:
    r = client.post("/api/conversations", json={})
    assert r.status_code == 201
    body = r.get_json()
    return body["conversation_id"], {"X-Conversation-Token": body["token"]}


def code_for(client, conv, headers) -> dict:
    r = client.post(f"/api/conversations/{conv}/wechat-code", headers=headers, json={})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_web_case_continues_on_wechat_with_its_analysis_and_report(wx, standin):
    app, client, rasa = wx
    assert client.get("/api/widget").get_json() == {"wechat": True, "max_chars": 2000}
    conv, headers = web_conversation(client)
    analysis = example("unlawful_dismissal")
    rasa.reply = [{"text": "分析结果：公司应当支付赔偿金。", "buttons": [
        {"title": "转人工", "payload": "/handoff"}, {"title": "重新开始", "payload": "/greet"}]},
        {"text": "", "custom": {"consultation": {"case_type": "unlawful_dismissal",
                                                 "facts": {"monthly_wage": 8000},
                                                 "analysis": analysis}}}]
    replies = client.post(f"/api/conversations/{conv}/messages", headers=headers,
                          json={"text": "公司无故辞退我"}).get_json()["messages"]
    web_report = replies[-1]["report_url"]
    assert client.get(web_report).status_code == 200

    issued = code_for(client, conv, headers)
    code = issued["code"]
    assert len(code) == 6 and code.isdigit() and code in issued["text"]
    assert issued["expires_at"].endswith("+08:00")
    text = answer(push(client, text_xml("oBind", f"绑定 {code}", 9001))[0])
    # where the case stands, with the report link on the public URL and the choices numbered
    assert "接到微信公众号上继续" in text and "分析结果：公司应当支付赔偿金。" in text
    assert f'href="https://fl.example.gov.cn{web_report}"' in text
    assert "1 转人工" in text and "2 重新开始" in text
    assert client.get(web_report).status_code == 200  # the same report, from both channels
    with app.extensions["db"]() as s:
        assert s.get(WeChatUser, "oBind").conversation_id == conv
        assert s.get(Conversation, conv).channel == "wechat"
    # "2" picks the choice shown with the bound case; the next words on WeChat reach the same
    # conversation in Rasa (its facts and form state)
    rasa.reply = {"text": "好的，接着说。", "buttons": []}
    push(client, text_xml("oBind", "2", 9002))
    assert rasa.heard[-1] == (conv, "/greet")
    assert answer(push(client, text_xml("oBind", "还有加班费没给", 9003))[0]) == "好的，接着说。"
    assert rasa.heard[-1] == (conv, "还有加班费没给")
    # the web chat of the case is now read-only, its history still readable
    r = client.post(f"/api/conversations/{conv}/messages", headers=headers, json={"text": "在吗"})
    assert r.status_code == 409 and r.get_json()["error"] == "moved_to_wechat"
    history = client.get(f"/api/conversations/{conv}/messages?after=0", headers=headers)
    assert "还有加班费没给" in [m["text"] for m in history.get_json()["messages"]]
    # nothing the web chat showed is sent again over WeChat by the sweep
    app.extensions["wechat"].sweep()
    assert not any("公司应当支付赔偿金" in content_of(m) for m in standin.sent_to("oBind"))


def test_a_handed_off_web_case_is_answered_on_wechat(wx, standin):
    app, client, rasa = wx
    conv, headers = web_conversation(client)
    rasa.reply = {"text": "好的，正在为您转接。", "buttons": [],
                  "custom": {"handoff": True, "reason": "resident_request"}}
    client.post(f"/api/conversations/{conv}/messages", headers=headers, json={"text": "转人工"})
    code = code_for(client, conv, headers)["code"]
    text = answer(push(client, text_xml("oHand", f"绑定{code}", 9101))[0])
    assert "12348" in text  # the handoff notice: when a person answers
    user = app.extensions["accounts"].add("wxm", role="mediator", name="孙调解",
                                          password="a-long-password")
    desk = app.extensions["desk"]
    desk.claim(conv, user)
    desk.reply(conv, user, "您好，我是调解员，请说说单位名称。")
    assert standin.wait_for(lambda: any("请说说单位名称" in content_of(m)
                                        for m in standin.sent_to("oHand")), 20)
    # the resident's words on WeChat go to the mediator, never to the robot
    heard = len(rasa.heard)
    push(client, text_xml("oHand", "单位是某某建筑公司", 9102))
    assert len(rasa.heard) == heard
    body = app.extensions["console"].conversation(conv, user)
    assert "单位是某某建筑公司" in [m["text"] for m in body["messages"]]
    assert body["conversation"]["channel"] == "wechat"


def test_bad_codes_get_a_clear_reply_and_guessing_is_stopped(wx):
    app, client, rasa = wx
    conv, headers = web_conversation(client)
    code = code_for(client, conv, headers)["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    how = answer(push(client, text_xml("oGuess", "绑定", 9201))[0])
    assert "例如：绑定" in how and "123456" in how
    first = answer(push(client, text_xml("oGuess", f"绑定 {wrong}", 9202))[0])
    assert "不对" in first and "2次" in first
    # WeChat's retry of the same push is answered once and counted once
    assert answer(push(client, text_xml("oGuess", f"绑定 {wrong}", 9202))[0]) is None
    assert "1次" in answer(push(client, text_xml("oGuess", "绑定 12345", 9203))[0])
    locked = answer(push(client, text_xml("oGuess", "绑定 000000", 9204))[0])
    assert "次数太多" in locked
    # locked: even the right code is refused for the rest of the hour, the code stays unused
    assert "次数太多" in answer(push(client, text_xml("oGuess", f"绑定 {code}", 9205))[0])
    with app.extensions["db"]() as s:
        user = s.get(WeChatUser, "oGuess")
        assert user is None or user.conversation_id != conv
        assert s.get(BindCode, app.extensions["binding"]._digest(code)).used_at is None
    # everyone together: the 5th failure in the hour pauses binding for all
    for n, openid in enumerate(("oG2", "oG3")):
        answer(push(client, text_xml(openid, f"绑定 {wrong}", 9210 + n))[0])
    busy = answer(push(client, text_xml("oG4", f"绑定 {code}", 9220))[0])
    assert "有点忙" in busy
    assert rasa.heard == []  # none of it reached the robot


def test_codes_expire_work_once_and_are_not_stored(wx, tmp_path):
    app, client, rasa = wx
    conv, headers = web_conversation(client)
    old = code_for(client, conv, headers)["code"]
    code = code_for(client, conv, headers)["code"]  # a new code replaces the old one
    assert "不对" in answer(push(client, text_xml("oOnce", f"绑定 {old}", 9301))[0]) \
        or old == code
    with app.extensions["db"]() as s:
        rows = s.query(BindCode).all()
    assert len(rows) == 1 and code not in rows[0].digest
    engine = app.extensions["db_engine"]  # the raw table, on SQLite or PostgreSQL
    with engine.connect() as db:
        raw = ",".join(db.execute(text("SELECT digest FROM bind_codes")).scalars())
    assert code not in raw
    assert "继续" in answer(push(client, text_xml("oOnce", f"绑定 {code}", 9302))[0])
    # used once: another follower cannot take the case with the same code
    assert "不对" in answer(push(client, text_xml("oOther", f"绑定 {code}", 9303))[0])
    # a code past its time is refused
    conv2, headers2 = web_conversation(client)
    late = code_for(client, conv2, headers2)["code"]
    with engine.begin() as db:
        db.execute(text("UPDATE bind_codes SET expires_at = :t"),
                   {"t": dt.datetime.utcnow() - dt.timedelta(seconds=1)})
    assert "过期" in answer(push(client, text_xml("oLate", f"绑定 {late}", 9304))[0])
    # codes are for web conversations only; a bound one cannot be issued again
    r = client.post(f"/api/conversations/{conv}/wechat-code", headers=headers, json={})
    assert r.status_code == 409 and r.get_json()["error"] == "not_web"
    # and only with the conversation's token
    r = client.post(f"/api/conversations/{conv2}/wechat-code", json={})
    assert r.status_code == 403


def test_without_wechat_there_is_no_code(tmp_path, index_dir):
    from web import create_app
    from web.supervisor import free_port

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "INDEX_DIR": str(index_dir),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'plain.db'}",
                      "RASA_URL": f"http://127.0.0.1:{free_port()}"})
    client = app.test_client()
    assert client.get("/api/widget").get_json() == {"wechat": False, "max_chars": 2000}
    conv, headers = web_conversation(client)
    r = client.post(f"/api/conversations/{conv}/wechat-code", headers=headers, json={})
    assert r.status_code == 404 and r.get_json()["error"] == "wechat_off"
    assert "12348" in r.get_json()["message"]
