"""WeChat's push protocol at the edge, verified first (wechatpy for signatures, AES and XML).

Order of the checks on a push: the URL signature (``signature`` over token, timestamp, nonce;
in safe mode also ``msg_signature`` over the ``Encrypt`` element, found by a strict pattern in
the raw bytes — nothing is parsed before the signatures hold), the timestamp's age, the body's
size, no DOCTYPE or ENTITY anywhere, then decryption and parsing (xmltodict with entities off,
through ``wechatpy.parse_message``) into a plain :class:`Incoming`. Replies are rendered with
``wechatpy.replies`` and encrypted again in safe mode.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

MAX_BODY = 16 * 1024  # a text message is at most 2048 bytes; encrypted, about 2.9 KiB
_HOSTILE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCRYPT = re.compile(rb"<Encrypt>\s*(?:<!\[CDATA\[)?([A-Za-z0-9+/=]{24,})(?:\]\]>)?\s*</Encrypt>")
_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TEXT_TYPES = ("text", "voice", "image", "location", "link", "video", "shortvideo", "event")


class Refused(Exception):
    """A push refused before any work: HTTP status and error code (403 forged or replayed, 400
    malformed or hostile, 413 too large)."""

    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Incoming:
    """One push from WeChat, in plain terms."""
    openid: str
    account: str  # ToUserName: the 公众号's own id, the sender of our passive reply
    kind: str  # text | voice | image | location | link | video | shortvideo | event | other
    create_time: int
    msg_id: str = ""
    text: str = ""  # Content, or a voice message's Recognition
    event: str = ""  # lower case: subscribe, unsubscribe, click, ...
    event_key: str = ""
    menu_id: str = ""  # bizmsgmenuid: the item of a customer-service menu the resident tapped

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; FromUserName + CreateTime for events (with the event, so a menu
        click in the same second as a subscribe is still its own push)."""
        if self.msg_id:
            return f"m:{self.msg_id}"[:160]
        return f"e:{self.openid}:{self.create_time}:{self.event}:{self.event_key}"[:160]


@dataclass(frozen=True)
class Envelope:
    """What the query string says about the push: how to answer it."""
    timestamp: str
    nonce: str
    encrypted: bool


class Protocol:
    def __init__(self, *, token: str, appid: str, aes_key: str = "", max_skew: int = 300,
                 clock=time.time):
        self.token, self.appid = token, appid
        self.max_skew = max_skew
        self.clock = clock
        self.crypto = None
        if aes_key:
            try:
                self.crypto = WeChatCrypto(token, aes_key, appid)
            except (ValueError, TypeError, AssertionError):
                self.crypto = None  # a malformed key: safe mode is refused, plaintext works

    # -- the URL signature --------------------------------------------------------------------------
    def signature_holds(self, args) -> bool:
        signature, timestamp, nonce = (args.get("signature"), args.get("timestamp"),
                                       args.get("nonce"))
        if not (_short(signature) and _short(timestamp) and _short(nonce)):
            return False
        try:
            check_signature(self.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            return False
        return True

    def echo(self, args) -> str:
        """GET: the server verification (echostr back when the signature holds)."""
        echostr = args.get("echostr")
        if not self.signature_holds(args) or not _short(echostr, 512):
            raise Refused(403, "bad_signature")
        return echostr

    def _fresh(self, timestamp: str) -> bool:
        try:
            ts = int(timestamp)
        except ValueError:
            return False
        return abs(self.clock() - ts) <= self.max_skew

    def verify(self, args, body: bytes) -> tuple[Envelope, bytes]:
        """The checks before parsing; returns the envelope and the XML to parse (decrypted in
        safe mode). Raises :class:`Refused`."""
        encrypted = args.get("encrypt_type", "raw").lower() == "aes"
        has_signature = args.get("signature") is not None
        if has_signature and not self.signature_holds(args):
            raise Refused(403, "bad_signature")
        if not has_signature and not encrypted:
            raise Refused(403, "bad_signature")
        timestamp, nonce = args.get("timestamp") or "", args.get("nonce") or ""
        if not (_short(timestamp) and _short(nonce)):
            raise Refused(403, "bad_signature")
        if encrypted:
            found = _ENCRYPT.findall(body[:MAX_BODY + 1])
            msg_signature = args.get("msg_signature")
            if len(found) != 1 or not _short(msg_signature):
                raise Refused(403, "bad_signature")
            encrypt = found[0].decode("ascii")
            if not self._msg_signature_holds(msg_signature, timestamp, nonce, encrypt):
                raise Refused(403, "bad_signature")
        if not self._fresh(timestamp):
            raise Refused(403, "stale")
        if len(body) > MAX_BODY:
            raise Refused(413, "too_large")
        if _HOSTILE.search(body):
            raise Refused(400, "hostile_xml")
        if not encrypted:
            return Envelope(timestamp, nonce, False), body
        if self.crypto is None:
            raise Refused(403, "no_aes_key")
        try:
            xml = self.crypto.decrypt_message({"Encrypt": encrypt}, msg_signature, timestamp,
                                              nonce).encode("utf-8")
        except (InvalidSignatureException, InvalidAppIdException):
            raise Refused(403, "bad_signature") from None
        except Exception:  # noqa: BLE001 - bad base64, padding or length: not our cipher text
            raise Refused(400, "bad_cipher") from None
        if len(xml) > MAX_BODY or _HOSTILE.search(xml):
            raise Refused(400, "hostile_xml")
        return Envelope(timestamp, nonce, True), xml

    def _msg_signature_holds(self, msg_signature: str, timestamp: str, nonce: str,
                             encrypt: str) -> bool:
        import hashlib

        parts = sorted([self.token, timestamp, nonce, encrypt])
        return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest() == msg_signature

    # -- parsing ------------------------------------------------------------------------------------
    @staticmethod
    def parse(xml: bytes) -> Incoming:
        try:
            msg = parse_message(xml.decode("utf-8"))
            raw = msg._data if msg is not None else None
        except Exception:  # noqa: BLE001 - expat errors, entities, missing MsgType, not UTF-8
            raise Refused(400, "bad_xml") from None
        if not isinstance(raw, dict):
            raise Refused(400, "bad_xml")

        def field(name: str, limit: int = 4096) -> str:
            value = raw.get(name)
            if value is None:
                return ""
            if not isinstance(value, str) or len(value) > limit:
                raise Refused(400, "bad_xml")
            return value.strip()

        openid, account = field("FromUserName", 64), field("ToUserName", 64)
        if not _OPENID.match(openid) or not _OPENID.match(account):
            raise Refused(400, "bad_xml")
        try:
            create_time = int(field("CreateTime", 20) or 0)
        except ValueError:
            raise Refused(400, "bad_xml") from None
        kind = field("MsgType", 32).lower()
        kind = kind if kind in _TEXT_TYPES else "other"
        msg_id = field("MsgId", 32) if kind != "event" else ""
        if msg_id and not msg_id.isdigit():
            raise Refused(400, "bad_xml")
        if not msg_id and kind != "event":
            msg_id = ""  # a message without MsgId is deduplicated like an event
        text = field("Content") if kind == "text" else field("Recognition") if kind == "voice" \
            else ""
        return Incoming(openid=openid, account=account, kind=kind, create_time=create_time,
                        msg_id=msg_id, text=text.replace("\x00", ""),
                        event=field("Event", 64).lower() if kind == "event" else "",
                        event_key=field("EventKey", 256) if kind == "event" else "",
                        menu_id=field("bizmsgmenuid", 64))

    # -- answering ----------------------------------------------------------------------------------
    def reply(self, incoming: Incoming, content: str, envelope: Envelope) -> str:
        """A passive text reply, encrypted again when the push was."""
        xml = TextReply(source=incoming.account, target=incoming.openid, time=int(self.clock()),
                        content=cdata_safe(content)).render()
        if envelope.encrypted and self.crypto is not None:
            return self.crypto.encrypt_message(xml, envelope.nonce, str(int(self.clock())))
        return xml


def cdata_safe(text: str) -> str:
    """Text that cannot close the CDATA section wechatpy writes it into."""
    return text.replace("]]>", "]]]]><![CDATA[>")


def _short(value, limit: int = 128) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


__all__ = ["Envelope", "Incoming", "MAX_BODY", "Protocol", "Refused", "cdata_safe"]
