"""Whole conversations against the running system: web -> Rasa -> action server -> retrieval."""
from __future__ import annotations

import pytest
import requests

# the scale run (`make test-scale`) repeats these on the scale-out stack behind nginx
pytestmark = [pytest.mark.integration, pytest.mark.on_engines]


def new_conversation(stack):
    r = requests.post(f"{stack.url}/api/conversations", timeout=10)
    assert r.status_code == 201
    body = r.json()
    return body["conversation_id"], {"X-Conversation-Token": body["token"]}


def say(stack, conv, headers, **body):
    r = requests.post(f"{stack.url}/api/conversations/{conv}/messages", json=body,
                      headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def test_healthz_reports_all_three_parts(stack):
    r = requests.get(f"{stack.url}/healthz", timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["checks"] == {"database": True, "index": True, "rasa": True, "actions": True}
    # one Rasa process by default, two on the scale-out stack: each is ready
    states = list(body["rasa_processes"].values())
    assert body["actions"] == "ready" and states and set(states) == {"ready"}


def test_greeting_comes_back_with_the_menu(stack):
    conv, h = new_conversation(stack)
    msgs = say(stack, conv, h, text="你好")
    assert msgs and msgs[0]["from"] == "bot"
    titles = [b["title"] for m in msgs for b in m["buttons"]]
    for expected in ("婚姻家庭与继承", "交通事故", "劳动争议与工伤", "预约调解", "转人工"):
        assert expected in titles


def test_domain_button_lists_case_types(stack):
    conv, h = new_conversation(stack)
    msgs = say(stack, conv, h, payload='/choose_domain{"domain": "labor"}', title="劳动争议与工伤")
    titles = [b["title"] for m in msgs for b in m["buttons"]]
    assert "直接提问" in titles
    assert len(titles) >= 2


def test_legal_question_is_answered_through_retrieval(stack, retriever):
    question = "老板跑路了，欠我们三个月工资找谁要"
    expected = retriever.ask(question)
    assert expected["in_scope"]
    conv, h = new_conversation(stack)
    msgs = say(stack, conv, h, text=question)
    text = "\n".join(m["text"] for m in msgs)
    # the bot's reply is the retrieved FAQ answer with its citations
    assert expected["answer"][:40] in text
    assert "法律依据" in text and "劳动" in text


def test_history_and_later_messages(stack):
    conv, h = new_conversation(stack)
    say(stack, conv, h, text="你好")
    r = requests.get(f"{stack.url}/api/conversations/{conv}/messages?after=0", headers=h, timeout=10)
    msgs = r.json()["messages"]
    assert msgs[0]["from"] == "resident" and msgs[0]["text"] == "你好"
    last = msgs[-1]["seq"]
    r = requests.get(f"{stack.url}/api/conversations/{conv}/messages?after={last}", headers=h,
                     timeout=10)
    assert r.json()["messages"] == []


def test_while_waiting_for_a_person_the_bot_answers_and_says_when_and_12348(stack):
    conv, h = new_conversation(stack)
    msgs = say(stack, conv, h, payload="/handoff", title="转人工")
    assert any("调解员" in m["text"] for m in msgs)
    # nobody has taken it yet: the bot answers, under a notice with the time and 12348; the
    # message stays in the conversation the mediator will read, and Rasa is paused again
    msgs = say(stack, conv, h, text="我的情况是这样的，公司欠了我两个月工资")
    assert msgs[0]["from"] == "bot" and "工资" in msgs[0]["text"]
    assert msgs[-1]["from"] == "system" and "12348" in msgs[-1]["text"] \
        and "回复您" in msgs[-1]["text"]
    r = requests.get(f"{stack.url}/api/conversations/{conv}", headers=h, timeout=10)
    assert r.json()["status"] == "waiting_mediator"
    tracker = requests.get(f"http://127.0.0.1:{stack.ports['rasa']}/conversations/{conv}/tracker",
                           params={"token": stack.rasa_token}, timeout=10).json()
    assert tracker["paused"]


def test_messages_sent_at_the_same_instant_reach_rasa_once_each_in_stored_order(stack):
    """Three requests of one conversation at once: each message is one Rasa turn, not two."""
    from concurrent.futures import ThreadPoolExecutor

    conv, h = new_conversation(stack)
    texts = ["你好", "老板欠我两个月工资不给怎么办", "谢谢"]
    with ThreadPoolExecutor(len(texts)) as pool:
        answered = list(pool.map(lambda t: say(stack, conv, h, text=t), texts))
    tracker = requests.get(f"http://127.0.0.1:{stack.ports['rasa']}/conversations/{conv}/tracker",
                           params={"token": stack.rasa_token}, timeout=10).json()
    heard = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    history = requests.get(f"{stack.url}/api/conversations/{conv}/messages?after=0", headers=h,
                           timeout=10).json()["messages"]
    stored = [m["text"] for m in history if m["from"] == "resident"]
    assert all(answered), ("every request gets the replies to its own message", answered, history)
    assert sorted(heard) == sorted(texts)
    assert heard == stored
    # every resident message has the bot's answer, paired with it by reply_to
    for m in history:
        if m["from"] == "resident":
            assert any(r.get("reply_to") == m["seq"] and r["from"] == "bot" for r in history), m
    # each request returned the replies to its own message (and to earlier ones it answered)
    for text, replies in zip(texts, answered):
        mine = next(m["seq"] for m in history if m["from"] == "resident" and m["text"] == text)
        assert mine in {r["reply_to"] for r in replies}
        assert all(r["reply_to"] <= mine for r in replies)
