"""The WeChat access token in a real Redis (REDIS_URL): two web processes share one token,
fetch it once, and replace it once when WeChat calls it expired; nothing goes to the app
database's token table. Scale run only (`make test-scale`)."""
from __future__ import annotations

import pytest
from test_wechat import StandInRasa, make_app, standin  # noqa: F401 (fixture)
from test_wechat_delivery import deferred

from web.models import WeChatToken

pytestmark = pytest.mark.scale


@pytest.fixture
def apps(tmp_path, index_dir, standin, db, engines):  # noqa: F811
    _, redis = engines
    made = []
    for i in range(2):
        app = make_app(tmp_path / str(i), index_dir, standin, db, WECHAT_PASSIVE_SECONDS="0.3",
                       REDIS_URL=redis.url(2))
        app.extensions["chat"].rasa = StandInRasa()
        app.extensions["wechat"].outbox.backoff = 0.05
        made.append(app)
    yield made
    for app in made:
        app.extensions["wechat"].sender.stop()


def test_two_processes_fetch_the_token_once_and_replace_it_once(apps, standin):  # noqa: F811
    tokens = apps[0].extensions["wechat"].tokens
    tokens.redis.flushdb()
    for i, app in enumerate(apps * 2):
        deferred(app, f"oRedis{i}", "你好", 700 + i)
    assert standin.wait_for(lambda: len(standin.sent) == 4)
    assert standin.token_fetches == 1 and tokens.fetches() == 1
    assert tokens.redis.ttl(tokens.key) > 3600  # expires with the token
    standin.expire_tokens()  # WeChat now answers 42001 for the old token
    deferred(apps[1], "oRedis0", "第二句", 710)
    assert standin.wait_for(lambda: len(standin.sent_to("oRedis0")) == 2)
    assert standin.token_fetches == 2 and tokens.fetches() == 2
    with apps[0].extensions["db"]() as s:
        assert s.query(WeChatToken).count() == 0  # the database was not used for it


def test_an_unreachable_cache_is_a_clear_wechat_error():
    from web.clients.wechat import WeChatUnavailable
    from web.services.token_cache import RedisTokenStore
    from web.supervisor import free_port

    store = RedisTokenStore(f"redis://127.0.0.1:{free_port()}/0", "wxapp", lambda: ("t", 7200))
    with pytest.raises(WeChatUnavailable, match="token cache unreachable"):
        store.get()
