"""The WeChat access token cached in Redis (setting REDIS_URL), for deployments that run several
web processes on several machines or want the token out of the database. The same contract as
:class:`web.services.wechat_outbox.TokenStore` (the default, in the app database): one fetch for
all processes (a ``SET NX`` lease), refreshed ``early`` seconds before its end, and replaced when
WeChat calls it invalid. The key expires with the token, so Redis never hands out a dead one."""
from __future__ import annotations

import time

from ..clients.wechat import WeChatUnavailable

# delete the token only if it is still the one WeChat refused (another process may have replaced it)
_INVALIDATE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) "
               "end return 0")


class RedisTokenStore:
    def __init__(self, url: str, appid: str, fetch, *, early: int = 300, wait: float = 10.0):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3,
                                          decode_responses=True)
        self._errors = (redis.RedisError,)
        self.fetch, self.early, self.wait = fetch, early, wait
        prefix = f"legalbot:wechat:{appid}"
        self.key, self.lease = f"{prefix}:token", f"{prefix}:fetching"
        self.counter = f"{prefix}:fetches"

    def get(self) -> str:
        try:
            return self._get()
        except self._errors as exc:
            raise WeChatUnavailable(f"token cache unreachable: {exc.__class__.__name__}") from exc

    def _get(self) -> str:
        give_up = time.monotonic() + self.wait
        while True:
            pipe = self.redis.pipeline()
            token, ttl_ms = pipe.get(self.key).pttl(self.key).execute()
            valid = bool(token) and ttl_ms > 0
            if valid and ttl_ms / 1000 > self.early:
                return token
            if self.redis.set(self.lease, "1", nx=True, ex=max(1, int(self.wait))):
                return self._refresh(token if valid else None)
            if valid:
                return token  # another process is fetching its successor
            if time.monotonic() > give_up:
                raise WeChatUnavailable("no access token: another process is fetching it")
            time.sleep(0.05)

    def _refresh(self, old: str | None) -> str:
        try:
            token, expires_in = self.fetch()
        except Exception:
            self.redis.delete(self.lease)
            if old:
                return old
            raise
        pipe = self.redis.pipeline()
        pipe.set(self.key, token, ex=max(60, int(expires_in))).incr(self.counter).delete(self.lease)
        pipe.execute()
        return token

    def fetches(self) -> int:
        return int(self.redis.get(self.counter) or 0)

    def invalidate(self, token: str) -> None:
        try:
            self.redis.eval(_INVALIDATE, 1, self.key, token)
        except self._errors:
            pass  # the next get() reports the cache; the token expires on its own
