"""Stands in for WeChat — the only thing the WeChat tests fake — over real HTTP on loopback:
its API server (token, customer-service messages, menu, error codes on demand) and its push
side (signed plaintext and AES messages built with wechatpy's own crypto). Also used by
bench/wechat.py. The tests at the end check that the stand-in speaks the protocol."""
from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

TOKEN, APPID, SECRET = "legalbot-test-token", "wx0123456789abcdef", "s3cret-of-the-test-account"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
ACCOUNT = "gh_0123456789ab"


class WeChatStandIn:
    """WeChat's API server on 127.0.0.1: ``fail_next(40001, 45015, "timeout", ...)`` makes the
    next customer-service sends fail that way, in order; ``expire_tokens()`` makes every token
    issued so far answer 42001."""

    def __init__(self, expires_in: int = 7200):
        self.expires_in = expires_in
        self.lock = threading.Lock()
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.token_fetches = 0
        self.sent: list[dict] = []  # customer-service messages WeChat accepted
        self.sent_at: list[float] = []  # time.monotonic() of each
        self.attempts = 0
        self.menus: list[dict] = []
        self.failures: list = []
        self.delay = 0.0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != "/cgi-bin/token" or q.get("grant_type") != "client_credential":
                    return self._answer({"errcode": 40002, "errmsg": "invalid grant_type"})
                if q.get("appid") != APPID:
                    return self._answer({"errcode": 40013, "errmsg": "invalid appid"})
                if q.get("secret") != SECRET:
                    return self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
                token = "TOKEN_" + secrets.token_hex(16)
                with stand_in.lock:
                    stand_in.tokens[token] = True
                    stand_in.token_fetches += 1
                self._answer({"access_token": token, "expires_in": stand_in.expires_in})

            def do_POST(self):
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0)))
                                  or b"{}")
                with stand_in.lock:
                    valid = stand_in.tokens.get(q.get("access_token", ""))
                if valid is None:
                    return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
                if valid is False:
                    return self._answer({"errcode": 42001, "errmsg": "access_token expired"})
                if url.path == "/cgi-bin/menu/create":
                    with stand_in.lock:
                        stand_in.menus.append(body)
                    return self._answer({"errcode": 0, "errmsg": "ok"})
                if url.path != "/cgi-bin/message/custom/send":
                    return self._answer({"errcode": 40066, "errmsg": "invalid url"}, 404)
                with stand_in.lock:
                    stand_in.attempts += 1
                    failure = stand_in.failures.pop(0) if stand_in.failures else None
                if stand_in.delay:
                    time.sleep(stand_in.delay)
                if failure == "timeout":
                    time.sleep(6)  # longer than the client waits
                    return self._answer({"errcode": -1, "errmsg": "system error"})
                if failure == "http500":
                    return self._answer({"errmsg": "bad gateway"}, 502)
                if failure is not None:
                    return self._answer({"errcode": failure, "errmsg": f"error {failure}"})
                if body.get("msgtype") not in ("text", "msgmenu") or not body.get("touser"):
                    return self._answer({"errcode": 40008, "errmsg": "invalid message type"})
                if body["msgtype"] == "text" and \
                        len(body["text"]["content"].encode("utf-8")) > 2048:
                    return self._answer({"errcode": 45002, "errmsg": "content size out of limit"})
                with stand_in.lock:
                    stand_in.sent.append(body)
                    stand_in.sent_at.append(time.monotonic())
                self._answer({"errcode": 0, "errmsg": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, *codes) -> None:
        with self.lock:
            self.failures.extend(codes)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {t: False for t in self.tokens}

    def sent_to(self, openid: str) -> list[dict]:
        with self.lock:
            return [m for m in self.sent if m["touser"] == openid]

    def wait_for(self, predicate, timeout: float = 30.0) -> bool:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()


def content_of(cs_message: dict) -> str:
    """The words of a customer-service message (a text, or a msgmenu's head, items and tail)."""
    if cs_message["msgtype"] == "text":
        return cs_message["text"]["content"]
    menu = cs_message["msgmenu"]
    return "\n".join([menu["head_content"]] + [f"{i['id']} {i['content']}" for i in menu["list"]]
                     + [menu["tail_content"]])


# -- the push side ----------------------------------------------------------------------------------
def text_xml(openid: str, content: str, msg_id: int, *, create_time: int | None = None,
             extra: str = "") -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id}</MsgId>{extra}</xml>")


def event_xml(openid: str, event: str, key: str = "", *, create_time: int | None = None) -> str:
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{key_xml}</xml>")


def message_xml(openid: str, msg_type: str, fields: str, msg_id: int) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>{fields}<MsgId>{msg_id}</MsgId></xml>")


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signed_query(*, token: str = TOKEN, timestamp: int | None = None,
                 nonce: str | None = None) -> dict:
    timestamp = str(timestamp or int(time.time()))
    nonce = nonce or secrets.token_hex(5)
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
            "openid": "x"}


def push_args(xml: str, mode: str = "plain", **kw) -> tuple[dict, bytes]:
    """(query, body) of a push as WeChat sends it: plaintext, or safe mode (AES), or compatible
    mode (the plaintext fields and the cipher text side by side)."""
    q = signed_query(**kw)
    if mode == "plain":
        return q, xml.encode("utf-8")
    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
    encrypted = crypto.encrypt_message(xml, q["nonce"], q["timestamp"])
    encrypt = encrypted.split("<Encrypt><![CDATA[")[1].split("]]></Encrypt>")[0]
    q.update(encrypt_type="aes", msg_signature=sign(TOKEN, q["timestamp"], q["nonce"], encrypt))
    if mode == "safe":
        body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    else:
        body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    return q, body.encode("utf-8")


def decrypt_reply(xml: str, query: dict) -> str:
    """A safe-mode passive reply, checked and decrypted as WeChat does."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
    import xmltodict

    d = xmltodict.parse(xml)["xml"]
    return crypto.decrypt_message(xml, d["MsgSignature"], d["TimeStamp"], d["Nonce"])


def reply_content(xml: str) -> str:
    import xmltodict

    return xmltodict.parse(xml)["xml"]["Content"]


def wechat_settings(stand_in: WeChatStandIn, **more) -> dict:
    return {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_SECRET": SECRET,
            "WECHAT_AES_KEY": AES_KEY, "WECHAT_API_BASE": stand_in.url,
            "PUBLIC_URL": "https://fl.example.gov.cn", **more}


# -- the stand-in itself ---------------------------------------------------------------------------
def test_the_stand_in_speaks_the_token_and_send_protocol():
    s = WeChatStandIn()
    try:
        bad = requests.get(f"{s.url}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": APPID, "secret": "x"}, timeout=5).json()
        assert bad["errcode"] == 40125
        tok = requests.get(f"{s.url}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": APPID, "secret": SECRET}, timeout=5).json()
        url = f"{s.url}/cgi-bin/message/custom/send?" + urlencode(
            {"access_token": tok["access_token"]})
        msg = {"touser": "o1", "msgtype": "text", "text": {"content": "你好"}}
        assert requests.post(url, json=msg, timeout=5).json()["errcode"] == 0
        s.fail_next(45015)
        assert requests.post(url, json=msg, timeout=5).json()["errcode"] == 45015
        s.expire_tokens()
        assert requests.post(url, json=msg, timeout=5).json()["errcode"] == 42001
        assert len(s.sent_to("o1")) == 1
    finally:
        s.close()


def test_safe_mode_pushes_decrypt_with_wechatpy():
    q, body = push_args(text_xml("o1", "你好", 1), mode="safe")
    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
    plain = crypto.decrypt_message(body.decode(), q["msg_signature"], q["timestamp"], q["nonce"])
    assert "你好" in plain
