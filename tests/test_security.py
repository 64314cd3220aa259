"""Security and abuse resistance (issue 18): internal services internal, payloads only as offered,
limits per client, headers and origins, personal numbers masked, files private, and hostile input
answered calmly — never a 500."""
from __future__ import annotations

import json
import os
import stat

import psutil
import pytest
import requests

from knowledge.privacy import mask_personal
from web.services.conversations import as_plain_text


def start(client, **kw):
    r = client.post("/api/conversations", **kw)
    body = r.get_json()
    return body["conversation_id"], {"X-Conversation-Token": body["token"]}


class HeardRasa:
    """Stands in for Rasa's REST channel and records what it heard."""

    def __init__(self, buttons=None):
        self.heard, self.buttons = [], buttons or []

    def replies_to(self, sender, msg_id):  # never heard before: the web sends it
        return None

    def send(self, sender, message, msg_id=None):
        self.heard.append(message)
        return [{"text": "好的。", "buttons": self.buttons}]

    def ping(self):
        return True


# -- personal numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize("text,masked", [
    ("我电话13812345678", "我电话138****5678"),
    ("身份证410102199003071234", "身份证4101**********1234"),
    ("身份证号41010219900307123X。", "身份证号4101**********123X。"),
    ("卡号6222021234567890123", "卡号***************0123"),
    ("工资6000元，2024年3月5日，民法典第1079条", "工资6000元，2024年3月5日，民法典第1079条"),
    ("赔了123456元", "赔了123456元"),
])
def test_mask_personal(text, masked):
    assert mask_personal(text) == masked


def test_typed_text_never_reaches_rasa_as_an_intent_or_with_a_phone_number():
    assert as_plain_text("/danger") == "danger"
    assert as_plain_text("/start_case{\"case_type\": 5}") == "start_case{\"case_type\": 5}"
    assert as_plain_text("/") == "？"
    assert as_plain_text("请打我电话13812345678") == "请打我电话138****5678"


# -- payload allow-list (contract 2) ---------------------------------------------------------------
def test_a_payload_the_bot_did_not_offer_is_treated_as_text(app, client):
    conv, h = start(client)
    rasa = HeardRasa()
    app.extensions["chat"].rasa = rasa
    url = f"/api/conversations/{conv}/messages"
    for forged in ("/danger", "/restart", '/start_case{"case_type": {"x": [1]}}', "/handoff"):
        assert client.post(url, json={"payload": forged, "title": "按钮"}, headers=h).status_code == 200
    # never offered: Rasa hears the text the resident saw, not an intent; 转人工 is always offered
    assert rasa.heard == ["按钮", "按钮", "按钮", "/handoff"]


def test_a_payload_offered_in_this_conversation_goes_to_rasa(app, client):
    conv, h = start(client)
    offer = '/start_case{"case_type": "divorce"}'
    rasa = HeardRasa(buttons=[{"title": "离婚", "payload": offer}])
    app.extensions["chat"].rasa = rasa
    url = f"/api/conversations/{conv}/messages"
    client.post(url, json={"text": "你好"}, headers=h)
    client.post(url, json={"payload": offer, "title": "离婚"}, headers=h)
    assert rasa.heard == ["你好", offer]
    # offered in another conversation does not count
    other, h2 = start(client)
    client.post(f"/api/conversations/{other}/messages", json={"payload": offer, "title": "离婚"},
                headers=h2)
    assert rasa.heard[-1] == "离婚"


def test_phone_numbers_are_masked_before_rasa_but_kept_for_the_mediator(app, client):
    from web.models import Message

    conv, h = start(client)
    rasa = HeardRasa()
    app.extensions["chat"].rasa = rasa
    client.post(f"/api/conversations/{conv}/messages", json={"text": "电话13812345678"}, headers=h)
    assert rasa.heard == ["电话138****5678"]
    with app.extensions["db"]() as s:
        assert s.query(Message).filter_by(conversation_id=conv, sender="resident").one().text \
            == "电话13812345678"


# -- limits per client ------------------------------------------------------------------------------
def test_opening_conversations_is_limited_per_client_address(app, client):
    codes = [client.post("/api/conversations").status_code for _ in range(11)]
    assert codes[:10] == [201] * 10 and codes[10] == 429
    r = client.post("/api/conversations")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.get_json()["error"] == "rate_limited" and "12348" in r.get_json()["message"]
    # a forged X-Forwarded-For from an untrusted peer changes nothing
    forged = client.post("/api/conversations", headers={"X-Forwarded-For": "10.9.8.7"})
    assert forged.status_code == 429


def test_forwarded_for_counts_only_behind_a_trusted_proxy(make_app):
    app = make_app(TRUSTED_PROXIES="127.0.0.1", CONVERSATION_LIMIT="2 per minute")
    c = app.test_client()
    a = [c.post("/api/conversations", headers={"X-Forwarded-For": "10.0.0.1"}).status_code
         for _ in range(3)]
    b = c.post("/api/conversations", headers={"X-Forwarded-For": "10.0.0.2"}).status_code
    assert a == [201, 201, 429] and b == 201


def test_messages_are_limited_per_client_address_across_conversations(make_app):
    app = make_app(RASA_TIMEOUT="1", IP_MESSAGE_LIMIT="4 per minute")
    c = app.test_client()
    app.extensions["chat"].rasa = HeardRasa()
    codes = []
    for _ in range(3):  # rotating conversations does not escape the per-address limit
        conv, h = start(c)
        codes += [c.post(f"/api/conversations/{conv}/messages", json={"text": "你好"},
                         headers=h).status_code for _ in range(2)]
    assert codes == [200, 200, 200, 200, 429, 429]


# -- headers, origins, size ----------------------------------------------------------------------------
def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/widget.js", "/livez", "/api/conversations/x/messages"):
        h = client.get(path).headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'self'" in csp


def test_cors_only_for_configured_origins(make_app):
    app = make_app(CORS_ORIGINS="https://village.example.cn")
    c = app.test_client()
    ok = c.post("/api/conversations", headers={"Origin": "https://village.example.cn"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://village.example.cn"
    pre = c.options("/api/conversations/abc/messages",
                    headers={"Origin": "https://village.example.cn",
                             "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "X-Conversation-Token"})
    assert pre.status_code == 200 and "X-Conversation-Token" in pre.headers["Access-Control-Allow-Headers"]
    evil = c.post("/api/conversations", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_request_size_limit_is_413_json(client):
    conv, h = start(client)
    r = client.post(f"/api/conversations/{conv}/messages", data="x" * 70000,
                    headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"


# -- hostile input ------------------------------------------------------------------------------------
HOSTILE_TEXTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "' OR 1=1 --", "\"; DROP TABLE messages; --",
    "\x00\x00", "\ud800", "a\udfffb", "😀" * 500, "字" * 2001, "", " ", "\u202e反转", "%00", "../../etc/passwd",
    "{{7*7}}", "${jndi:ldap://x}", "\r\n\r\nHTTP/1.1 200 OK", "A" * 100000,
]
HOSTILE_BODIES = [
    b"{not json", b"[]", b"null", b"123", b'"text"', b'{"text": null}', b'{"text": 5}', b'{"text": []}',
    b'{"text": {"a": 1}}', b'{"payload": 5}', b'{"payload": "/x", "title": 5}', b'{"payload": "' + b"/" * 600 + b'"}',
    b'{"text": "\\ud800"}', b'{"payload": "/\\udfff"}', b'{"text": "ok", "title": "\\ud800"}',
    b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000, b"\xff\xfe\xfd", b'{"text": 1e999}',
    b'{"text": "' + b"9" * 5000 + b'"}',
]


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "x").replace(f"<int:{arg}>", "1") \
                .replace(f"<path:{arg}>", "x")
        out.append((path, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return out


def test_hundreds_of_hostile_requests_and_not_one_500(make_app):
    """Limits high enough that every hostile request reaches the validators."""
    app = make_app(RATE_LIMIT="100000", IP_MESSAGE_LIMIT="100000 per minute",
                   CONVERSATION_LIMIT="100000 per minute")
    client = app.test_client()
    conv, h = start(client)
    app.extensions["chat"].rasa = HeardRasa()
    sent, codes = 0, []

    def hit(method, path, **kw):
        nonlocal sent
        sent += 1
        r = client.open(path, method=method, **kw)
        codes.append((r.status_code, method, path))
        # /healthz says 503 by contract: Rasa is not running behind this test app
        unhealthy = path == "/healthz" and r.status_code == 503
        assert r.status_code < 500 or unhealthy, (method, path, str(kw.get("data"))[:200])
        if r.status_code >= 400 and r.is_json and not unhealthy:
            body = r.get_json()
            assert set(body) >= {"error", "message"}, body
        return r

    msg_url = f"/api/conversations/{conv}/messages"
    as_json = {**h, "Content-Type": "application/json"}
    for text in HOSTILE_TEXTS:  # json.dumps escapes lone surrogates as \\ud800, as a browser would
        hit("POST", msg_url, data=json.dumps({"text": text}), headers=as_json)
        hit("POST", msg_url, data=json.dumps({"payload": "/" + text[:300], "title": text[:300]}),
            headers=as_json)
    for body in HOSTILE_BODIES:
        for ctype in ("application/json", "text/plain", "application/x-www-form-urlencoded"):
            hit("POST", msg_url, data=body, headers={**h, "Content-Type": ctype})
    for after in ("-1", "abc", "9" * 5000, str(10**30), "1e5", "", "0x10", "٣"):
        hit("GET", f"{msg_url}?after={after}", headers=h)
    for token in ("", "x", "'", "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"), "a" * 5000):
        hit("POST", msg_url, json={"text": "你好"}, headers={"X-Conversation-Token": token})
    for report in ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%00", "a" * 300, "x.pdf", "<script>",
                   "AAAAAAAA", "AAAAAAAA.pdf", "....//....//", "%2e%2e/%2e%2e"):
        hit("GET", f"/reports/{report}")
        hit("GET", f"/reports/{report}.pdf")
    for path, methods in _routes(app):
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            hit(method, path, data=b'{"a":' * 200 + b"}" * 200,
                headers={"Content-Type": "application/json"})
            if method in methods:
                hit(method, path.rstrip("/") + "/../../../etc/passwd")
                hit(method, path.replace("/x", "/" + "z" * 3000))
        for body in HOSTILE_BODIES:
            hit("POST", path, data=body, headers={**h, "Content-Type": "application/json"})
    for path in ("/%ff", "/api/%00", "/api/conversations/%ff/messages", "/" + "a" * 5000):
        hit("GET", path)
    print(f"hostile requests: {sent}")
    assert sent >= 300, sent
    assert client.get("/livez").status_code == 200
    assert not [c for c in codes if c[0] == 429]
    # and a resident at another address is served as usual
    other = {"REMOTE_ADDR": "10.20.30.40"}
    conv2, h2 = start(client, environ_base=other)
    r = client.post(f"/api/conversations/{conv2}/messages", json={"text": "还在吗"}, headers=h2,
                    environ_base=other)
    assert r.status_code == 200 and r.get_json()["messages"]


# -- the running system: internal services internal, files private, logs masked -----------------------
@pytest.mark.integration
def test_the_action_server_refuses_calls_without_the_shared_secret(stack):
    url = f"http://127.0.0.1:{stack.ports['actions']}"
    assert requests.get(f"{url}/health", timeout=10).status_code == 200
    forged = {"next_action": "action_finish_case", "sender_id": "x", "tracker": {"sender_id": "x",
              "slots": {"case_type": "divorce"}, "events": [], "latest_message": {}}, "domain": {}}
    assert requests.post(f"{url}/webhook", json=forged, timeout=10).status_code == 403
    assert requests.post(f"{url}/webhook", json=forged, params={"token": "guess"},
                         timeout=10).status_code == 403
    assert requests.get(f"{url}/actions", timeout=10).status_code == 403


@pytest.mark.integration
def test_rasa_api_needs_its_token(stack):
    url = f"http://127.0.0.1:{stack.ports['rasa']}"
    assert requests.get(f"{url}/conversations/someone/tracker", timeout=10).status_code in (401, 403)
    assert requests.post(f"{url}/conversations/someone/tracker/events", json=[{"event": "pause"}],
                         timeout=10).status_code in (401, 403)
    ok = requests.get(f"{url}/conversations/someone/tracker", params={"token": stack.rasa_token},
                      timeout=10)
    assert ok.status_code == 200


@pytest.mark.integration
def test_internal_services_listen_on_loopback_only(stack):
    for proc in stack.procs:
        family = [psutil.Process(proc.popen.pid)] + psutil.Process(proc.popen.pid).children(recursive=True)
        listening = [c.laddr for p in family for c in p.net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
        assert listening, proc.name
        assert all(a.ip in ("127.0.0.1", "::1") for a in listening), (proc.name, listening)
    web = psutil.Process(stack.procs[2].popen.pid)
    assert "gunicorn" in " ".join(web.cmdline())  # never Flask's development server


@pytest.mark.integration
def test_personal_numbers_stay_out_of_rasa_and_the_logs_and_files_are_private(stack):
    r = requests.post(f"{stack.url}/api/conversations", timeout=10).json()
    h = {"X-Conversation-Token": r["token"]}
    conv = r["conversation_id"]
    said = requests.post(f"{stack.url}/api/conversations/{conv}/messages", headers=h, timeout=60,
                         json={"text": "我的电话13812345678，身份证410102199003071234，被公司辞退了"})
    assert said.status_code == 200
    tracker = requests.get(f"http://127.0.0.1:{stack.ports['rasa']}/conversations/{conv}/tracker",
                           params={"token": stack.rasa_token}, timeout=10).text
    assert "13812345678" not in tracker and "410102199003071234" not in tracker
    assert "138****5678" in tracker
    for proc in stack.procs:
        assert not any("13812345678" in line for line in proc.lines), proc.name
    for path in stack.data_dir.rglob("*"):
        if path.is_file():
            mode = stat.S_IMODE(os.stat(path).st_mode)
            assert mode & 0o077 == 0, f"{path} is readable by others ({oct(mode)})"
    assert json.loads(json.dumps({"ok": True}))  # the stack is still serving
    assert requests.get(f"{stack.url}/healthz", timeout=10).status_code == 200
