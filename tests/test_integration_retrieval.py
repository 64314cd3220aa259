"""The three tiers of retrieval as a resident meets them in the chat, on the real stack
(web -> Rasa -> action server -> retrieval): a confident answer, "not sure" with "您问的是不是"
buttons that bring back the chosen answer, and out of scope with the specific referral."""
from __future__ import annotations

import json

import pytest
import requests

from tests.test_integration import new_conversation, say

pytestmark = pytest.mark.integration

# vague questions, in residents' words, that touch several entries of one domain
VAGUE = ("公司让我走人我该怎么办", "工地上受伤了老板不管怎么办", "我和厂里有点纠纷，该怎么办",
         "出了车祸之后的事情怎么处理", "离婚的事咋弄")


@pytest.fixture(scope="module")
def live(knowledge, encoder):
    """A retriever over the index the stack itself serves (the same files, the same answers)."""
    from knowledge import settings
    from retrieval.hybrid import HybridRetriever

    return HybridRetriever(settings.index_dir(), encoder=encoder, knowledge=knowledge)


def bot_messages(msgs):
    return [m for m in msgs if m["from"] == "bot"]


def test_not_sure_offers_choices_as_buttons_and_a_tap_answers_that_entry(stack, live, knowledge):
    question, expected = next(((q, r) for q in VAGUE for r in [live.ask(q)]
                               if r["in_scope"] and r["faq_id"] is None), (None, None))
    assert question, "none of the vague questions is 'not sure' any more: pick vaguer ones"
    conv, h = new_conversation(stack)
    msgs = bot_messages(say(stack, conv, h, text=question))
    text = "\n".join(m["text"] for m in msgs)
    assert knowledge.texts["retrieval"]["not_sure"][:20] in text  # says so honestly
    buttons = [b for m in msgs for b in m["buttons"]]
    choices = [b for b in buttons if b["payload"].startswith("/ask_legal")]
    assert 1 <= len(choices) <= 3
    wanted = [a["faq_id"] for a in expected["alternatives"]]
    assert [json.loads(b["payload"][len("/ask_legal"):])["faq_id"] for b in choices] == wanted
    for b, alt in zip(choices, expected["alternatives"]):
        assert b["title"].rstrip("…") in alt["question"]
        assert alt["question"] in text  # also numbered in the text, for screen readers and WeChat
    assert {"转人工", "回到菜单"} <= {b["title"] for b in buttons}

    # the resident taps the second choice: the bot answers with exactly that entry
    tap = choices[-1]
    chosen = live.answer_entry(json.loads(tap["payload"][len("/ask_legal"):])["faq_id"])
    reply = bot_messages(say(stack, conv, h, payload=tap["payload"], title=tap["title"]))
    text = "\n".join(m["text"] for m in reply)
    assert chosen["answer"][:60] in text
    if chosen["citations"]:
        assert "法律依据" in text
    assert not any(b["payload"].startswith("/ask_legal") for m in reply for b in m["buttons"])


def test_a_choice_that_was_never_offered_is_not_taken_as_a_button(stack, live):
    """The payload allow-list: an entry id the bot did not offer here is only text."""
    entry = next(e for e in live.index.entries if e["kind"] == "faq" and e["domain"] == "traffic")
    conv, h = new_conversation(stack)
    forged = "/ask_legal" + json.dumps({"faq_id": entry["id"]}, ensure_ascii=False)
    reply = bot_messages(say(stack, conv, h, payload=forged, title="离婚冷静期多少天"))
    text = "\n".join(m["text"] for m in reply)
    assert reply and entry["answer"][:60] not in text


def test_out_of_scope_gets_the_specific_referral(stack, live):
    question = "朋友借了我五万块钱一直不还，手里只有微信聊天记录"
    expected = live.ask(question)
    assert not expected["in_scope"] and expected["referral"] == "other.lending"
    conv, h = new_conversation(stack)
    msgs = bot_messages(say(stack, conv, h, text=question))
    text = "\n".join(m["text"] for m in msgs)
    group = next(e for e in live.index.entries if e["id"] == "other.lending")
    assert group["office"] in text and "12348" in text
    assert "法律依据" not in text
    assert not any(b["payload"].startswith("/ask_legal") for m in msgs for b in m["buttons"])


def test_a_confident_answer_has_no_choices(stack, live):
    question = "公司一直不跟我签劳动合同，能要双倍工资吗"
    expected = live.ask(question)
    assert expected["faq_id"], "this plain question should be answered with confidence"
    conv, h = new_conversation(stack)
    msgs = bot_messages(say(stack, conv, h, text=question))
    text = "\n".join(m["text"] for m in msgs)
    assert expected["answer"][:60] in text
    assert not any(b["payload"].startswith("/ask_legal") for m in msgs for b in m["buttons"])
