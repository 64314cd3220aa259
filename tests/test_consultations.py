"""A tester who has never seen the bot completes every case type on the chat API, answering in
everyday words, and reaches a correct analysis with its report (real Rasa + action server)."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from knowledge.interview import flow as interview
from knowledge.content.cases import load_case_types

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
CASES = load_case_types(ROOT / "knowledge" / "cases")

# What a resident would type for each question, by fact (unknown questions: "不知道").
ANSWERS = yaml.safe_load((ROOT / "bot" / "tests" / "answers.yml").read_text(encoding="utf-8"))


def start(stack):
    body = requests.post(f"{stack.url}/api/conversations", timeout=10).json()
    return body["conversation_id"], {"X-Conversation-Token": body["token"]}


def send(stack, conv, h, **body):
    r = requests.post(f"{stack.url}/api/conversations/{conv}/messages", json=body, headers=h,
                      timeout=90)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def open_case(stack, conv, h, case_id):
    """Greeting, domain, case type: each a button the bot offered (payloads a resident may
    send are only those; contract 2)."""
    domain = CASES[case_id].domain
    greeting = send(stack, conv, h, text="你好")
    offered = {b["payload"]: b["title"] for m in greeting for b in m["buttons"]}
    menu_payload = next(p for p in offered if f'"{domain}"' in p)
    menu = send(stack, conv, h, payload=menu_payload, title=offered[menu_payload])
    case = next(b for m in menu for b in m["buttons"] if f'"{case_id}"' in b["payload"])
    return send(stack, conv, h, payload=case["payload"], title=case["title"])


def asked_fact(case, messages):
    text = "\n".join(m["text"] for m in messages)
    hits = [f for f in case.facts if f.question and f.question in text]
    return hits[-1] if hits else None


def read_back(messages) -> bool:
    words = interview.words()
    last = [m["text"] for m in messages if m["from"] == "bot"][-1:] or [""]
    return "对吗？" in last[0] or words["summary_check"] in last[0]


def consult(stack, case_id, answers, extra=None, max_turns=30):
    case = CASES[case_id]
    conv, h = start(stack)
    msgs = open_case(stack, conv, h, case_id)
    transcript = list(msgs)
    for _ in range(max_turns):
        if any(m.get("report_url") for m in msgs):
            return conv, h, transcript, msgs
        if read_back(msgs):  # a rough answer or all the facts read back: 对
            msgs = send(stack, conv, h, text="对")
            transcript += msgs
            continue
        fact = asked_fact(case, msgs)
        assert fact is not None, f"{case_id}: no question recognised in {[m['text'] for m in msgs]}"
        if extra and fact.key in extra:
            for text in extra.pop(fact.key):
                transcript += send(stack, conv, h, text=text)
        msgs = send(stack, conv, h, text=answers.get(fact.key, "不知道"))
        transcript += msgs
    pytest.fail(f"{case_id}: no report after {max_turns} turns")


@pytest.mark.parametrize("case_id", sorted(ANSWERS))
def test_every_case_type_completes_in_everyday_words(stack, case_id):
    conv, h, transcript, last = consult(stack, case_id, dict(ANSWERS[case_id]))
    report = next(m for m in last if m.get("report_url"))
    assert report["report_url"].startswith("/reports/")
    titles = [b["title"] for b in report["buttons"]]
    assert {"预约调解", "转人工", "再问一个问题"} <= set(titles)
    page = requests.get(stack.url + report["report_url"], timeout=30)
    assert page.status_code == 200 and "法律分析和意见指南" in page.text
    pdf = requests.get(stack.url + report["report_url"] + ".pdf", timeout=30)
    assert pdf.content.startswith(b"%PDF")


def test_dismissal_amount_is_correct_with_a_correction_and_a_digression(stack):
    extra = {"end_date": ["不对，工资是七千", "那加班费怎么算？"]}
    conv, h, transcript, last = consult(stack, "unlawful_dismissal",
                                        dict(ANSWERS["unlawful_dismissal"]), extra=extra)
    texts = "\n".join(m["text"] for m in transcript)
    assert "已把" in texts and "7000" in texts          # the correction was applied
    assert "加班" in texts and "接着刚才的问题" in texts   # the digression answered, form resumed
    summary = next(m for m in last if m.get("report_url"))["text"]
    # 7000/month, 2020-03-01..2023-05-01: 3 years + 2 months -> 3.5 months; doubled = 49000
    assert "49,000.00" in summary


def test_cancel_mid_form_returns_to_the_menu(stack):
    conv, h = start(stack)
    open_case(stack, conv, h, "work_injury")
    msgs = send(stack, conv, h, text="算了")
    assert any("菜单" in m["text"] or "先到这里" in m["text"] for m in msgs)
    msgs = send(stack, conv, h, text="你好")
    assert any(b["title"] == "转人工" for m in msgs for b in m["buttons"])


def test_danger_mid_form_gives_emergency_guidance_and_priority_handoff(stack):
    conv, h = start(stack)
    open_case(stack, conv, h, "divorce")
    msgs = send(stack, conv, h, text="他喝了酒又打我了，现在还拿着刀")
    text = "\n".join(m["text"] for m in msgs)
    assert "110" in text and "12338" in text
    # a person was alerted, and the chat goes on: the next message is answered, not met with
    # silence, while the conversation stays in the mediators' queue
    later = send(stack, conv, h, text="我现在躲在邻居家")
    assert later and later[0]["from"] == "bot"
    status = requests.get(f"{stack.url}/api/conversations/{conv}", headers=h, timeout=10).json()
    assert status["status"] == "waiting_mediator" and status["reply_expected_by"].endswith("+08:00")


def test_a_reply_the_model_takes_for_a_new_start_keeps_the_case_going(stack):
    """Typed in the middle of a case, "帮我算算赔偿" reads like a request to start a case; with no
    other case type named it is handled as the reply to the current question: nothing is asked
    twice. A button for another case type still switches."""
    case = CASES["unlawful_dismissal"]
    conv, h = start(stack)
    open_case(stack, conv, h, "unlawful_dismissal")
    send(stack, conv, h, text="八千")
    msgs = send(stack, conv, h, text="帮我算算赔偿")
    text = "\n".join(m["text"] for m in msgs)
    assert case.facts[0].question not in text, text     # not back to question 1
    assert asked_fact(case, msgs) is not None, text
    assert asked_fact(case, msgs).key == "start_date"   # the same question again
    msgs = send(stack, conv, h, text="2020年3月1日")
    assert asked_fact(case, msgs).key == "end_date"
    # buttons offered earlier still work: the greeting's 婚姻家庭 button, then its divorce button
    menu = send(stack, conv, h, payload='/choose_domain{"domain": "marriage"}', title="婚姻家庭与继承")
    divorce = next(b for m in menu for b in m["buttons"] if '"divorce"' in b["payload"])
    msgs = send(stack, conv, h, payload=divorce["payload"], title=divorce["title"])
    assert asked_fact(CASES["divorce"], msgs) is not None


@pytest.mark.parametrize("accept", ["好的", "帮我算算"])
def test_yes_to_the_offer_after_an_answer_starts_that_case(stack, retriever, accept):
    question = "老板跑路了，欠我们三个月工资找谁要"
    offered = retriever.ask(question)["case_type"]
    assert offered in CASES
    conv, h = start(stack)
    msgs = send(stack, conv, h, text=question)
    assert any(b["title"] == "帮我算算我的情况" for m in msgs for b in m["buttons"])
    msgs = send(stack, conv, h, text=accept)
    first = interview.next_fact(CASES[offered], {})
    assert first.question in "\n".join(m["text"] for m in msgs)


def test_no_to_the_offer_is_acknowledged_and_nothing_starts(stack):
    conv, h = start(stack)
    send(stack, conv, h, text="老板跑路了，欠我们三个月工资找谁要")
    msgs = send(stack, conv, h, text="不用了")
    text = "\n".join(m["text"] for m in msgs)
    assert "不分析了" in text and "第1题" not in text
