"""The web app's only way to talk to WeChat's API (wechatpy's ``WeChatClient`` on a configurable
base URL): the access token, customer-service messages (text and msgmenu) and the custom menu.

The token is not kept here: every call asks a token source (the shared store of
:mod:`web.services.wechat_outbox`) and, when WeChat says the token is invalid or expired
(40001 / 40014 / 42001), tells it so and tries once more with a fresh one.
"""
from __future__ import annotations

import threading

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

TOKEN_ERRORS = (40001, 40014, 42001)
WINDOW_ERRORS = (45015, 45047)  # outside the 48-hour window / out of the message quota
BUSY_ERRORS = (-1, 45009, 45011)  # system busy, API frequency limits: worth another try


class WeChatApiError(RuntimeError):
    """WeChat answered with an error code."""

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class WeChatUnavailable(RuntimeError):
    """WeChat's API did not answer (network error, timeout, HTTP 5xx, not JSON)."""


class _Client(WeChatClient):
    """wechatpy's client on our base URL, with the token of the current call (per thread)."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout: float):
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = f"{api_base}/cgi-bin/"
        self._local = threading.local()

    @property
    def access_token(self):  # wechatpy adds it to each request's query string
        return getattr(self._local, "token", None)

    @access_token.setter
    def access_token(self, value):
        self._local.token = value

    def fetch_access_token(self):  # pragma: no cover - tokens come from WeChatApi.fetch_token
        raise NotImplementedError


class WeChatApi:
    def __init__(self, appid: str, secret: str, *, api_base: str = "https://api.weixin.qq.com",
                 timeout: float = 5.0, tokens=None):
        self.appid, self.secret = appid, secret
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.tokens = tokens  # .get() -> str, .invalidate(token); set by the service
        self._client = _Client(appid, secret, self.api_base, timeout)

    # -- the access token -------------------------------------------------------------------------
    def fetch_token(self) -> tuple[str, int]:
        """(access_token, expires_in seconds) from ``{API_BASE}/cgi-bin/token``."""
        try:
            resp = self._client._http.get(
                f"{self.api_base}/cgi-bin/token", timeout=self.timeout,
                params={"grant_type": "client_credential", "appid": self.appid,
                        "secret": self.secret})
        except requests.RequestException as exc:
            raise WeChatUnavailable(f"token endpoint unreachable: {exc.__class__.__name__}") \
                from exc
        if resp.status_code >= 500:
            raise WeChatUnavailable(f"token endpoint answered HTTP {resp.status_code}")
        try:
            body = resp.json()
        except ValueError as exc:
            raise WeChatUnavailable("token endpoint answered with something that is not JSON") \
                from exc
        if not isinstance(body, dict):
            raise WeChatUnavailable("token endpoint answered with an unexpected shape")
        if body.get("errcode") not in (None, 0) or not isinstance(body.get("access_token"), str):
            raise WeChatApiError(_int(body.get("errcode"), -2), str(body.get("errmsg", "")))
        return body["access_token"], _int(body.get("expires_in"), 7200)

    # -- calls ------------------------------------------------------------------------------------
    def _call(self, fn):
        for attempt in (1, 2):
            try:
                token = self.tokens.get()
            except WeChatApiError as exc:  # 40164 IP not allowed, 40125 bad secret: fixable
                raise WeChatUnavailable(f"no access token: {exc}") from exc
            self._client.access_token = token
            try:
                return fn()
            except WeChatClientException as exc:
                code = _int(exc.errcode, None)
                if code is None:  # raise_for_status: HTTP error from WeChat's side
                    raise WeChatUnavailable(f"HTTP error: {exc}") from exc
                if code in TOKEN_ERRORS and attempt == 1:
                    self.tokens.invalidate(token)
                    continue
                raise WeChatApiError(code, str(exc.errmsg or "")) from exc
            except requests.RequestException as exc:
                raise WeChatUnavailable(f"unreachable: {exc.__class__.__name__}") from exc
            except ValueError as exc:  # a body wechatpy could not read
                raise WeChatUnavailable("an answer that is not JSON") from exc
            finally:
                self._client.access_token = None
        raise AssertionError("unreachable")

    @staticmethod
    def _checked(result):
        if not isinstance(result, dict):  # wechatpy hands back the response when not JSON
            raise WeChatUnavailable("an answer that is not JSON")
        return result

    def send_text(self, openid: str, content: str) -> dict:
        return self._checked(self._call(lambda: self._client.message.send_text(openid, content)))

    def send_menu(self, openid: str, msgmenu: dict) -> dict:
        return self._checked(self._call(
            lambda: self._client.message.send_msg_menu(openid, msgmenu)))

    def create_menu(self, menu: dict) -> dict:
        return self._checked(self._call(lambda: self._client.menu.create(menu)))


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
