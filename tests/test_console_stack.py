"""The console against the running system: the widget's API hands a conversation off, Rasa
pauses it for real (ConversationPaused), a mediator logged in with an account made by
`legalbot users add` claims it and answers, hands it back (Rasa's tracker resumes) and the bot
answers again; two mediators claiming at once through the real web server get one owner."""
from __future__ import annotations

import subprocess
import threading

import pytest
import requests

from web.supervisor import ROOT

pytestmark = pytest.mark.integration
PW = "stack-password-123"


def add_user(stack, username, role="mediator", name="调解员"):
    p = subprocess.run([str(ROOT / ".venv" / "bin" / "legalbot"), "users", "add", username,
                        "--role", role, "--name", name, "--password-stdin"], input=PW + "\n",
                       env=stack.env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 or "username_taken" in p.stderr, p.stderr


def console(stack, username):
    s = requests.Session()
    r = s.post(f"{stack.url}/api/console/login", json={"username": username, "password": PW},
               timeout=10)
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return s


@pytest.fixture(scope="module")
def people(stack):
    add_user(stack, "stack_m1", name="周调解")
    add_user(stack, "stack_m2", name="吴调解")
    return console(stack, "stack_m1"), console(stack, "stack_m2")


def new_conversation(stack):
    body = requests.post(f"{stack.url}/api/conversations", timeout=10).json()
    return body["conversation_id"], {"X-Conversation-Token": body["token"]}


def say(stack, conv, h, **body):
    r = requests.post(f"{stack.url}/api/conversations/{conv}/messages", json=body, headers=h,
                      timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def status(stack, conv, h):
    return requests.get(f"{stack.url}/api/conversations/{conv}", headers=h, timeout=10).json()


def paused(stack, conv) -> bool:
    token = getattr(stack, "rasa_token", None)
    r = requests.get(f"http://127.0.0.1:{stack.ports['rasa']}/conversations/{conv}/tracker",
                     params={"token": token} if token else None, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["paused"]


def later(stack, conv, h, after):
    r = requests.get(f"{stack.url}/api/conversations/{conv}/messages?after={after}", headers=h,
                     timeout=30)
    return r.json()["messages"]


def test_handoff_claim_reply_handback_and_the_bot_answers_again(stack, people):
    m1, m2 = people
    conv, h = new_conversation(stack)
    say(stack, conv, h, text="你好")
    msgs = say(stack, conv, h, payload="/handoff", title="转人工")
    assert [m["from"] for m in msgs][-1] == "system" and "12348" in msgs[-1]["text"]
    st = status(stack, conv, h)
    assert st["status"] == "waiting_mediator" and st["reply_expected_by"].endswith("+08:00")
    assert paused(stack, conv)

    queue = m1.get(f"{stack.url}/api/console/queue?view=waiting", timeout=10).json()["items"]
    assert conv in [i["conversation_id"] for i in queue]
    assert m1.post(f"{stack.url}/api/console/conversations/{conv}/claim", timeout=10).ok
    r = m2.post(f"{stack.url}/api/console/conversations/{conv}/claim", timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "taken"
    assert status(stack, conv, h) == {"status": "with_mediator", "mediator": {"name": "周调解"}}

    last = msgs[-1]["seq"]
    r = m1.post(f"{stack.url}/api/console/conversations/{conv}/messages",
                json={"text": "您好，我是周调解，请说说情况。"}, timeout=10)
    assert r.status_code == 200
    seen = later(stack, conv, h, last)
    assert any(m["from"] == "mediator" and m["text"] == "您好，我是周调解，请说说情况。" for m in seen)

    assert say(stack, conv, h, text="公司拖欠我三个月工资") == []  # to the person, not the bot
    view = m1.get(f"{stack.url}/api/console/conversations/{conv}", timeout=10).json()
    assert view["messages"][-1]["text"] == "公司拖欠我三个月工资"
    assert m1.post(f"{stack.url}/api/console/conversations/{conv}/notes",
                   json={"text": "建议先申请劳动仲裁"}, timeout=10).ok

    r = m1.post(f"{stack.url}/api/console/conversations/{conv}/handback", timeout=10)
    assert r.status_code == 200
    assert not paused(stack, conv)  # ConversationResumed in Rasa's tracker
    answer = say(stack, conv, h, text="加班费怎么计算")
    assert [m["from"] for m in answer] == ["bot"] and "加班" in answer[0]["text"]  # answered once
    kinds = [e["kind"] for e in m1.get(f"{stack.url}/api/console/conversations/{conv}",
                                       timeout=10).json()["events"]]
    assert kinds == ["handoff", "claim", "reply", "note", "handback"]


def test_after_a_close_the_resident_reaches_the_bot_and_can_rate(stack, people):
    m1, _ = people
    conv, h = new_conversation(stack)
    say(stack, conv, h, payload="/handoff", title="转人工")
    m1.post(f"{stack.url}/api/console/conversations/{conv}/claim", timeout=10)
    r = m1.post(f"{stack.url}/api/console/conversations/{conv}/close",
                json={"outcome": "resolved", "note": "已答复"}, timeout=10)
    assert r.status_code == 200 and not paused(stack, conv)
    r = requests.post(f"{stack.url}/api/conversations/{conv}/rating",
                      json={"score": 5, "comment": "谢谢"}, headers=h, timeout=10)
    assert r.status_code == 201
    answer = say(stack, conv, h, text="离婚冷静期是多少天")
    assert [m["from"] for m in answer] == ["bot"] and "冷静期" in answer[0]["text"]
    assert status(stack, conv, h)["status"] == "active"
    # and a person again when asked
    msgs = say(stack, conv, h, payload="/handoff", title="转人工")
    assert status(stack, conv, h)["status"] == "waiting_mediator" and msgs[-1]["from"] == "system"


def test_two_mediators_claim_at_once_through_the_real_server(stack, people):
    for _ in range(4):
        conv, h = new_conversation(stack)
        say(stack, conv, h, payload="/handoff", title="转人工")
        barrier, codes = threading.Barrier(2), []

        def claim(s):
            barrier.wait()
            codes.append(s.post(f"{stack.url}/api/console/conversations/{conv}/claim",
                                timeout=30).status_code)

        threads = [threading.Thread(target=claim, args=(s,)) for s in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(codes) == [200, 409]
        owners = {status(stack, conv, h)["mediator"]["name"]}
        assert len(owners) == 1
