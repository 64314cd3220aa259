"""A resident on the 公众号, against the real Rasa and action server of the `stack` fixture: from
the subscribe welcome by typed numbers to the labor form, answered in everyday words, to an
amount and a report link on the public URL. WeChat itself is the loopback stand-in; the web app
runs in this process on the stack's Rasa."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from test_wechat import answer, push
from test_wechat_server import WeChatStandIn, content_of, event_xml, text_xml, wechat_settings

from knowledge.content.cases import load_case_types

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
CASES = load_case_types(ROOT / "knowledge" / "cases")
ANSWERS = yaml.safe_load((ROOT / "bot" / "tests" / "answers.yml").read_text(encoding="utf-8"))


@pytest.fixture
def resident(stack, tmp_path, index_dir):
    from web import create_app

    standin = WeChatStandIn()
    (tmp_path / "rasa_token").write_text(stack.rasa_token)  # the stack's Rasa API token
    app = create_app({"DATA_DIR": str(tmp_path), "INDEX_DIR": str(index_dir),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
                      "RASA_URL": f"http://127.0.0.1:{stack.ports['rasa']}",
                      **wechat_settings(standin)})
    client = app.test_client()
    n = [0]

    def say(openid: str, xml: str) -> str:
        """What the resident reads after one push: the passive reply, or what comes through
        the customer-service API when the answer took longer."""
        before = len(standin.sent_to(openid))
        text = answer(push(client, xml)[0])
        if text is None:
            assert standin.wait_for(lambda: len(standin.sent_to(openid)) > before, timeout=60)
            time.sleep(0.3)
            text = "\n".join(content_of(m) for m in standin.sent_to(openid)[before:])
        return text

    def type_(openid: str, words: str) -> str:
        n[0] += 1
        return say(openid, text_xml(openid, words, 880000 + n[0]))

    yield app, say, type_, standin
    app.extensions["wechat"].sender.stop()
    standin.close()


def choice_number(text: str, title: str) -> str:
    found = re.search(rf"^(\d+) {re.escape(title)}$", text, re.M)
    assert found, f"{title!r} not offered in {text!r}"
    return found.group(1)


def test_the_labor_form_over_wechat_to_an_amount(resident):
    app, say, type_, standin = resident
    openid = "oLaborResident"
    case = CASES["unlawful_dismissal"]
    welcome = say(openid, event_xml(openid, "subscribe"))
    menu = type_(openid, choice_number(welcome, "劳动争议与工伤"))
    reply = type_(openid, choice_number(menu, case.title))
    answers = dict(ANSWERS["unlawful_dismissal"])
    for _ in range(20):
        if "/reports/" in reply:
            break
        if "对吗" in reply or "请核对" in reply:  # the facts read back before the analysis
            reply = type_(openid, "对")
            continue
        asked = [f for f in case.facts if f.question and f.question in reply]
        assert asked, f"no question recognised in {reply!r}"
        reply = type_(openid, answers.get(asked[-1].key, "不知道"))
    else:
        pytest.fail("no report after 20 turns")
    assert re.search(r"\d[\d,，.]*\s*元", reply), reply  # an amount, computed
    link = re.search(r'href="https://fl\.example\.gov\.cn(/reports/[\w-]+)"', reply)
    assert link, reply
    page = app.test_client().get(link.group(1))
    assert page.status_code == 200 and "法律分析和意见指南" in page.get_data(as_text=True)
    assert standin.token_fetches <= 1
