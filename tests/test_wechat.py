"""The /wechat endpoint against WeChat's protocol (contract 7): verification, the three message
modes, refusals before parsing, replays, hostile XML, exactly-once answers under retries and
concurrency, choices, events and the menu. Real app and database; Rasa answers from a stand-in
here (the real Rasa is in test_wechat_stack.py); WeChat's API is the loopback stand-in."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_wechat_server import (APPID, TOKEN, WeChatStandIn, content_of, decrypt_reply,
                                event_xml, message_xml, push_args, reply_content, sign,
                                signed_query, text_xml, wechat_settings)

from web.models import Message, WeChatInbound, WeChatUser

GREETING = [{"title": "婚姻家庭与继承", "payload": '/choose_domain{"domain": "marriage"}'},
            {"title": "交通事故", "payload": '/choose_domain{"domain": "traffic"}'},
            {"title": "转人工", "payload": "/handoff"}]


class StandInRasa:
    """Rasa's REST channel as the web app sees it: records what it heard, answers after
    ``delay`` seconds with ``reply`` (text, buttons, custom)."""

    def __init__(self, reply=None, delay: float = 0.0):
        self.heard: list[tuple[str, str]] = []
        self.reply = reply or {"text": "好的，我来帮您。", "buttons": []}
        self.delay = delay
        self.timeout = 30.0
        self.lock = threading.Lock()

    def send(self, sender, message, msg_id=None):
        with self.lock:
            self.heard.append((sender, message))
        time.sleep(self.delay)
        reply = self.reply(message) if callable(self.reply) else self.reply
        return reply if isinstance(reply, list) else [reply]

    def replies_to(self, sender, msg_id):
        return None

    def ping(self):
        return True

    def append_events(self, sender, events):
        pass


@pytest.fixture
def standin():
    s = WeChatStandIn()
    yield s
    s.close()


def make_app(tmp_path, index_dir, standin, db=None, **more):
    """``db``: the conftest fixture of that name (SQLite, or PostgreSQL + Redis in the scale run)."""
    from web import create_app
    from web.supervisor import free_port

    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "INDEX_DIR": str(index_dir),
                       **(db or {"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}),
                       "RASA_URL": f"http://127.0.0.1:{free_port()}", "RASA_TIMEOUT": "2",
                       **wechat_settings(standin), **more})


@pytest.fixture
def wx(tmp_path, index_dir, standin, db):
    app = make_app(tmp_path, index_dir, standin, db, WECHAT_PASSIVE_SECONDS="1.5")
    rasa = StandInRasa()
    app.extensions["chat"].rasa = rasa
    yield app, app.test_client(), rasa
    app.extensions["wechat"].sender.stop()


def push(client, xml, mode="plain", **kw):
    q, body = push_args(xml, mode, **kw)
    return client.post("/wechat", query_string=q, data=body, content_type="text/xml"), q


def answer(r, q=None) -> str | None:
    """The passive reply's words, or None for success."""
    body = r.get_data(as_text=True)
    if body == "success":
        return None
    return reply_content(decrypt_reply(body, q) if q and q.get("encrypt_type") else body)


# -- verification and the modes ---------------------------------------------------------------------
def test_server_verification_echoes_only_when_signed(wx):
    _, client, _ = wx
    q = {**signed_query(), "echostr": "8432764872"}
    r = client.get("/wechat", query_string=q)
    assert r.status_code == 200 and r.get_data(as_text=True) == "8432764872"
    assert client.get("/wechat", query_string={**q, "signature": "0" * 40}).status_code == 403
    assert client.get("/wechat", query_string={"echostr": "1"}).status_code == 403
    wrong_token = {**signed_query(token="other"), "echostr": "1"}
    assert client.get("/wechat", query_string=wrong_token).status_code == 403


def test_the_endpoint_is_off_without_its_settings(client):
    assert client.get("/wechat", query_string={**signed_query(), "echostr": "1"}).status_code == 404
    assert client.post("/wechat", data=b"<xml/>").status_code == 404


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_a_text_message_is_answered_passively_in_every_mode(wx, mode):
    app, client, rasa = wx
    r, q = push(client, text_xml("oResident1", "公司不给我发工资", 1001), mode)
    assert r.status_code == 200
    assert answer(r, q) == "好的，我来帮您。"
    if mode != "plain":  # the reply is encrypted and signed as WeChat checks it
        assert "<Encrypt>" in r.get_data(as_text=True)
    assert rasa.heard[0][1] == "公司不给我发工资"
    with app.extensions["db"]() as s:
        user = s.get(WeChatUser, "oResident1")
        stored = s.query(Message).filter_by(conversation_id=user.conversation_id).all()
    assert [(m.sender, m.text) for m in stored] == [("resident", "公司不给我发工资"),
                                                   ("bot", "好的，我来帮您。")]


def test_one_conversation_per_openid(wx):
    app, client, rasa = wx
    for i, openid in enumerate(["oA", "oB", "oA", "oA"]):
        push(client, text_xml(openid, f"第{i}句", 2000 + i))
    senders = [s for s, _ in rasa.heard]
    assert senders[0] == senders[2] == senders[3] != senders[1]
    with app.extensions["db"]() as s:
        assert s.query(WeChatUser).count() == 2


# -- refused before anything is parsed ---------------------------------------------------------------
def _nothing_kept(app):
    with app.extensions["db"]() as s:
        return s.query(WeChatInbound).count() == 0 and s.query(Message).count() == 0


def test_forged_or_missing_signatures_are_403_and_nothing_is_parsed(wx):
    app, client, rasa = wx
    xml = text_xml("oX", "你好", 3001).encode()
    q = signed_query()
    for bad in ({**q, "signature": "f" * 40}, {k: v for k, v in q.items() if k != "signature"},
                {**q, "timestamp": str(int(q["timestamp"]) + 1)}, {}):
        assert client.post("/wechat", query_string=bad, data=xml).status_code == 403
    # safe mode with a forged msg_signature, or a cipher text swapped in
    sq, body = push_args(text_xml("oX", "你好", 3002), "safe")
    assert client.post("/wechat", query_string={**sq, "msg_signature": "0" * 40},
                       data=body).status_code == 403
    _, other = push_args(text_xml("oX", "别的", 3003), "safe")
    assert client.post("/wechat", query_string=sq, data=other).status_code == 403
    # not XML at all, but unsigned: refused as forged, never read as XML
    assert client.post("/wechat", query_string={**q, "signature": "x"},
                       data=b"<<<not xml").status_code == 403
    assert rasa.heard == [] and _nothing_kept(app)


def test_replays_old_timestamps_and_reused_nonces_are_refused(wx):
    app, client, rasa = wx
    old = int(time.time()) - 3600
    r, _ = push(client, text_xml("oR", "你好", 4001), timestamp=old)
    assert r.status_code == 403
    q = signed_query()
    # WeChat's retry is the same push byte for byte, CreateTime included: built once here (built
    # twice, a second boundary between the two made the "retry" another body, refused as a replay)
    body = text_xml("oR", "你好", 4002, create_time=int(time.time()) - 2).encode()
    first = client.post("/wechat", query_string=q, data=body)
    assert first.status_code == 200
    # the same signed URL with another body: a replay, refused
    forged = client.post("/wechat", query_string=q, data=text_xml("oR", "转账给我", 4003).encode())
    assert forged.status_code == 403
    # the same signed URL with the same message but another CreateTime is another body too
    moved = body.replace(b"<CreateTime>", b"<CreateTime>1", 1)
    assert client.post("/wechat", query_string=q, data=moved).status_code == 403
    # WeChat's own retry (same URL, same body): answered once already, so "success"
    again = client.post("/wechat", query_string=q, data=body)
    assert again.status_code == 200 and again.get_data(as_text=True) == "success"
    assert [m for _, m in rasa.heard] == ["你好"]


@pytest.mark.parametrize("body", [
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    '<xml><ToUserName>gh_1</ToUserName><FromUserName>oE</FromUserName><CreateTime>1</CreateTime>'
    '<MsgType>text</MsgType><Content>&lol2;</Content><MsgId>5001</MsgId></xml>',
    '<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><Content>x</Content></xml>',
    '<xml><!ENTITY x "y"></xml>',
])
def test_doctype_and_entities_are_refused(wx, body):
    app, client, rasa = wx
    r = client.post("/wechat", query_string=signed_query(), data=body.encode())
    assert r.status_code == 400 and r.get_json()["error"] == "hostile_xml"
    # inside the cipher text of safe mode too
    q, enc = push_args(body, "safe")
    assert client.post("/wechat", query_string=q, data=enc).status_code == 400
    assert _nothing_kept(app)


def test_huge_malformed_and_strange_bodies_never_500(wx):
    app, client, rasa = wx
    cases = [b"x" * 20000, b"<xml>" + b"<a>" * 3000, b"<xml><MsgType>text</MsgType></xml>",
             b"\xff\xfe<xml/>", b"", b"<xml><ToUserName>gh</ToUserName><FromUserName>o o</From"
             b"UserName><MsgType>text</MsgType></xml>",
             text_xml("oM", "x", 1).replace("<MsgId>1</MsgId>", "<MsgId>abc</MsgId>").encode(),
             text_xml("oM", "x", 2).replace("<Content>", "<Content><a>1</a>").encode()]
    codes = [client.post("/wechat", query_string=signed_query(), data=b).status_code
             for b in cases]
    assert codes[0] == 413 and all(400 <= c < 500 for c in codes), codes
    r = client.post("/wechat", query_string=signed_query(), data=b"x" * 70000)
    assert r.status_code == 413
    q = {**signed_query(), "encrypt_type": "aes", "msg_signature": "a" * 40}
    assert client.post("/wechat", query_string=q, data=b"<xml/>").status_code == 403
    assert rasa.heard == []


# -- exactly once -----------------------------------------------------------------------------------
def test_retries_of_one_message_get_one_answer(wx):
    app, client, rasa = wx
    xml = text_xml("oRetry", "欠薪怎么办", 6001)
    replies = [answer(push(client, xml)[0]) for _ in range(4)]
    assert replies[0] == "好的，我来帮您。" and replies[1:] == [None, None, None]
    assert len(rasa.heard) == 1


def test_concurrent_copies_of_one_message_get_one_answer(wx):
    app, client, rasa = wx
    rasa.delay = 0.3
    xml = text_xml("oBurst", "工伤怎么认定", 6002)
    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda _: answer(push(app.test_client(), xml)[0]), range(10)))
    assert [r for r in replies if r] == ["好的，我来帮您。"]
    assert len(rasa.heard) == 1


def test_events_are_deduplicated_by_sender_and_create_time(wx):
    app, client, rasa = wx
    xml = event_xml("oEv", "subscribe", create_time=1700000000)
    first = answer(push(client, xml)[0])
    assert "婚姻家庭" in first and answer(push(client, xml)[0]) is None
    later = event_xml("oEv", "subscribe", create_time=1700000100)
    assert answer(push(client, later)[0]) is not None  # another subscribe is another event


def test_a_slow_answer_is_success_at_once_and_then_sent_once_by_customer_service(wx, standin):
    app, client, rasa = wx
    rasa.delay = 2.5  # beyond the 1.5 s this app waits
    xml = text_xml("oSlow", "交通事故对方不赔钱", 6003)
    t0 = time.monotonic()
    r, _ = push(client, xml)
    took = time.monotonic() - t0
    assert answer(r) is None and 1.4 < took < 3.0
    assert answer(push(client, xml)[0]) is None  # WeChat's retry meanwhile
    assert standin.wait_for(lambda: standin.sent_to("oSlow"))
    time.sleep(1.0)
    sent = standin.sent_to("oSlow")
    assert len(sent) == 1 and content_of(sent[0]) == "好的，我来帮您。"
    assert len(rasa.heard) == 1


# -- choices ----------------------------------------------------------------------------------------
def test_buttons_become_numbered_choices_and_a_number_or_words_pick_them(wx):
    app, client, rasa = wx
    rasa.reply = {"text": "请选择类别。", "buttons": GREETING}
    text = answer(push(client, text_xml("oNum", "你好", 7001))[0])
    assert "回复数字选择" in text and "1 婚姻家庭与继承" in text and "3 转人工" in text
    push(client, text_xml("oNum", "１", 7002))
    push(client, text_xml("oNum", "交通事故", 7003))
    push(client, text_xml("oNum", "9", 7004))
    heard = [m for _, m in rasa.heard]
    assert heard == ["你好", '/choose_domain{"domain": "marriage"}',
                     '/choose_domain{"domain": "traffic"}', "9"]
    with app.extensions["db"]() as s:
        typed = [m.text for m in s.query(Message).filter_by(sender="resident").order_by(Message.id)]
    assert typed[1] == "婚姻家庭与继承"  # the console sees the choice's words


def test_a_question_that_wants_a_number_keeps_typed_numbers_as_answers(wx):
    app, client, rasa = wx
    rasa.reply = {"text": "（第2题）您在单位工作了几年？",
                  "buttons": [{"title": "不知道", "payload": "不知道"},
                              {"title": "算了", "payload": "算了"}]}
    text = answer(push(client, text_xml("oYears", "被辞退了", 7101))[0])
    assert "1 不知道" not in text and "不知道 / 算了" in text
    push(client, text_xml("oYears", "2", 7102))
    assert rasa.heard[-1][1] == "2"


def test_a_form_choice_by_number_sends_its_words(wx):
    app, client, rasa = wx
    rasa.reply = {"text": "签了书面劳动合同吗？", "buttons": [
        {"title": "是", "payload": "是"}, {"title": "否", "payload": "否"},
        {"title": "算了", "payload": "算了"}]}
    push(client, text_xml("oForm", "没签合同", 7201))
    push(client, text_xml("oForm", "2", 7202))
    assert rasa.heard[-1][1] == "否"


def test_long_answers_split_at_sentence_ends_and_links_use_the_public_url(wx, standin):
    app, client, rasa = wx
    long = "".join(f"第{i}点，根据法律规定应当先协商，协商不成可以申请调解。" for i in range(60))
    rasa.reply = [{"text": long}, {"text": "", "custom": {"consultation": {
        "case_type": "unpaid_wages", "facts": {"x": 1}, "analysis": {"total": 1}}}}]
    first = answer(push(client, text_xml("oLong", "帮我算算", 7301))[0])
    assert len(first.encode()) <= 2048 and first.endswith("。")
    # the rest follows in several customer-service messages, the report link in the last
    assert standin.wait_for(lambda: any("/reports/" in content_of(m)
                                        for m in standin.sent_to("oLong")))
    rest = [content_of(m) for m in standin.sent_to("oLong")]
    assert all(len(p.encode()) <= 2048 for p in rest)
    whole = first + "".join(rest)
    assert whole.replace("\n", "").count("协商不成可以申请调解") == 60
    assert 'href="https://fl.example.gov.cn/reports/' in rest[-1]


# -- events, other types, the menu --------------------------------------------------------------------
def test_subscribe_welcomes_with_the_domains_and_a_way_to_a_person(wx):
    app, client, rasa = wx
    text = answer(push(client, event_xml("oNew", "subscribe"))[0])
    for words in ("婚姻家庭", "交通事故", "劳动争议", "转人工", "12348", "1 婚姻家庭与继承"):
        assert words in text
    push(client, text_xml("oNew", "1", 8001))
    assert rasa.heard == [(rasa.heard[0][0], '/choose_domain{"domain": "marriage"}')]
    assert answer(push(client, event_xml("oNew", "unsubscribe"))[0]) is None
    with app.extensions["db"]() as s:
        user = s.get(WeChatUser, "oNew")
    assert user.subscribed is False and user.unsubscribed_at is not None


@pytest.mark.parametrize("key,heard", [
    ("MENU_MARRIAGE", '/choose_domain{"domain": "marriage"}'),
    ("MENU_TRAFFIC", '/choose_domain{"domain": "traffic"}'),
    ("MENU_LABOR", '/choose_domain{"domain": "labor"}'),
    ("MENU_HUMAN", "/handoff"), ("MENU_MEDIATORS", "/book_mediation")])
def test_menu_clicks_reach_the_robot(wx, key, heard):
    app, client, rasa = wx
    assert answer(push(client, event_xml("oMenu", "CLICK", key))[0]) == "好的，我来帮您。"
    assert rasa.heard[-1][1] == heard


def test_the_mediators_menu_shows_mediators_their_free_slots_and_the_board(wx):
    app, client, rasa = wx
    rasa.reply = {"text": "好的。", "custom": {"booking_offer": True}}
    text = answer(push(client, event_xml("oMed", "CLICK", "MENU_MEDIATORS"))[0])
    assert rasa.heard[-1][1] == "/book_mediation"
    board = app.extensions["roster"].board()
    assert board and board[0]["name"] in text  # a recommended mediator from the roster
    assert '/mediators' in text and "<a href=" in text  # the board on the public URL
    assert answer(push(client, event_xml("oMed", "CLICK", "NO_SUCH_KEY"))[0]) is None
    assert answer(push(client, event_xml("oMed", "VIEW", "https://x"))[0]) is None


def test_voice_images_and_other_types(wx):
    app, client, rasa = wx
    voice = message_xml("oV", "voice", "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]>"
                        "</Format><Recognition><![CDATA[我被车撞了]]></Recognition>", 9001)
    assert answer(push(client, voice)[0]) == "好的，我来帮您。"
    assert rasa.heard[-1][1] == "我被车撞了"
    silent = message_xml("oV", "voice", "<MediaId><![CDATA[m]]></MediaId><Recognition>"
                         "<![CDATA[]]></Recognition>", 9002)
    assert "文字" in answer(push(client, silent)[0])
    for n, (kind, fields) in enumerate([
            ("image", "<PicUrl><![CDATA[http://x]]></PicUrl><MediaId>m</MediaId>"),
            ("location", "<Location_X>34.1</Location_X><Location_Y>113.8</Location_Y>"),
            ("link", "<Title>t</Title><Url>http://x</Url>"),
            ("video", "<MediaId>m</MediaId>"), ("shortvideo", "<MediaId>m</MediaId>"),
            ("file", "<Title>f</Title>"), ("hologram", "")]):
        text = answer(push(client, message_xml("oV", kind, fields, 9100 + n))[0])
        assert text and len(text) < 120
    assert len(rasa.heard) == 1


def test_legalbot_wechat_menu_publishes_within_wechats_limits(wx, standin):
    app, _, _ = wx
    app.extensions["wechat"].publish_menu()
    menu = standin.menus[-1]["button"]
    keys = {b.get("key") for b in menu} | {s["key"] for b in menu for s in b.get("sub_button", [])}
    assert {"MENU_MARRIAGE", "MENU_TRAFFIC", "MENU_LABOR", "MENU_MEDIATORS", "MENU_HUMAN"} <= keys
    assert len(menu) <= 3 and all(len(b["name"].encode()) <= 16 for b in menu)
    assert standin.token_fetches == 1


def test_signature_helper_matches_wechatpy():
    from wechatpy.utils import check_signature

    check_signature(TOKEN, sign(TOKEN, "1", "n"), "1", "n")
    assert APPID.startswith("wx")


def test_hostile_requests_to_the_configured_endpoint_never_500(wx):
    from test_security import HOSTILE_BODIES

    app, client, rasa = wx
    sent = 0
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        for query in ({}, signed_query(), {**signed_query(), "encrypt_type": "aes",
                                            "msg_signature": "x" * 40},
                      {"signature": "\udcff".encode("utf-8", "surrogateescape").decode("latin-1"),
                       "timestamp": "9" * 5000, "nonce": "\x00"}):
            for body in HOSTILE_BODIES + [b'{"a":' * 200 + b"}" * 200]:
                r = client.open("/wechat", method=method, query_string=query, data=body,
                                headers={"Content-Type": "application/json"})
                sent += 1
                assert r.status_code < 500, (method, query, body[:60])
                if r.status_code >= 400 and r.is_json:
                    assert set(r.get_json()) >= {"error", "message"}
    assert sent > 400 and rasa.heard == []
