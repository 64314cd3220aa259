"""The WeChat service built from the settings (README, "WeChat")."""
from __future__ import annotations

from ..clients.wechat import WeChatApi
from .conversations import ChatService
from .wechat import WeChatService
from .wechat_protocol import Protocol


def build_wechat(sessions, chat: ChatService, knowledge, overrides: dict,
                 binding=None) -> WeChatService | None:
    """The service from the settings; None (the endpoint answers 404) until the token, AppID and
    secret are set."""
    from knowledge import settings

    def get(name: str) -> str:
        return settings.get(name, overrides).strip()

    token, appid, secret = get("WECHAT_TOKEN"), get("WECHAT_APPID"), get("WECHAT_SECRET")
    if not (token and appid and secret):
        return None
    words = knowledge.texts["dialogue"]
    protocol = Protocol(token=token, appid=appid, aes_key=get("WECHAT_AES_KEY"),
                        max_skew=int(get("WECHAT_MAX_SKEW")))
    api = WeChatApi(appid, secret, api_base=get("WECHAT_API_BASE"))
    return WeChatService(
        sessions, chat, protocol, api, texts=knowledge.texts["wechat"],
        greeting=knowledge.texts["menus"]["greeting"],
        auxiliary=(str(words["unknown_button"]), str(words["cancel_button"])),
        public_url=get("PUBLIC_URL"), passive_seconds=float(get("WECHAT_PASSIVE_SECONDS")),
        max_waiting=max(1, int(get("WEB_THREADS")) - 2), binding=binding,
        token_cache=get("REDIS_URL"))


def build_binding(sessions, knowledge, overrides: dict, secret: str):
    """Short codes that carry a web conversation over to the 公众号 (README, "WeChat")."""
    from knowledge import settings

    from .binding import Binding

    def get(name: str) -> int:
        return int(settings.get(name, overrides))

    return Binding(sessions, secret=secret, texts=knowledge.texts["wechat"]["bind"],
                   ttl_minutes=get("BIND_MINUTES"), max_failures=get("BIND_MAX_FAILURES"),
                   max_global_failures=get("BIND_GLOBAL_MAX_FAILURES"))
