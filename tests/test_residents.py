"""Residents who type the way they talk (issue 13 item 10): 71 scripted conversations from
tests/data/residents.yml against the real Rasa, action server and web app through the chat API.
Each starts with free text (never the menu), and reaches the analysis its story needs or an
answer that is about it; read-backs are confirmed, questions of their own asked in between.
The conversations run in parallel threads over one shared stack."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import yaml

from knowledge.content.library import get_knowledge

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
SCRIPT = yaml.safe_load((ROOT / "tests" / "data" / "residents.yml").read_text(encoding="utf-8"))
CONVERSATIONS = {c["id"]: c for c in SCRIPT["conversations"]}
DEFAULTS = yaml.safe_load((ROOT / "bot" / "tests" / "answers.yml").read_text(encoding="utf-8"))
CASES = get_knowledge().case_types
WORDS = get_knowledge().texts["dialogue"]


class Resident:
    def __init__(self, url: str):
        self.url = url
        body = requests.post(f"{url}/api/conversations", timeout=10).json()
        self.conv, self.h = body["conversation_id"], {"X-Conversation-Token": body["token"]}
        self.transcript: list[str] = []

    def say(self, text: str | None = None, button: dict | None = None) -> list[dict]:
        body = {"payload": button["payload"], "title": button["title"]} if button else {"text": text}
        self.transcript.append(f">> {text or button['title']}")
        r = requests.post(f"{self.url}/api/conversations/{self.conv}/messages", json=body,
                          headers=self.h, timeout=120)
        assert r.status_code == 200, r.text
        msgs = r.json()["messages"]
        self.transcript += [f"[{m['from']}] {m['text']}" for m in msgs]
        assert msgs, f"no reply and no notice to {text!r}"        # never silent
        return msgs

    def click(self, msgs: list[dict], title: str) -> list[dict]:
        button = next((b for m in msgs for b in m["buttons"] if b["title"] == title), None)
        assert button is not None, f"no button {title!r}"
        return self.say(button=button)


def joined(msgs) -> str:
    return "\n".join(m["text"] for m in msgs)


def check_reply(msgs, wanted) -> None:
    text = joined(msgs)
    for alternatives in wanted or []:
        assert any(str(w) in text for w in alternatives), (alternatives, text)


def asked_fact(case, msgs):
    text = joined(msgs)
    hits = [f for f in case.facts if f.question and f.question in text]
    return hits[-1] if hits else None


def consult(r: Resident, spec: dict) -> dict:
    case = CASES[spec["case"]]
    msgs = r.say(spec["says"][0])
    for text in spec["says"][1:]:
        msgs = r.say(text)
    started = f"分析“{case.title}”"
    if started not in joined(msgs):   # the words may start the case type at once
        msgs = r.click(msgs, WORDS["offer_button"])
    assert started in joined(msgs), "the offer started another case type"
    answers = {**DEFAULTS.get(case.id, {}), **(spec.get("answers") or {})}
    extra = {k: list(v) for k, v in (spec.get("then") or {}).items()}
    asked: dict[str, int] = {}
    for _ in range(40):
        report = next((m for m in msgs if m.get("report_url")), None)
        if report is not None:
            return report
        last = [m["text"] for m in msgs if m["from"] == "bot"][-1]
        if "对吗？" in last or WORDS["summary_check"] in last:
            msgs = r.click(msgs, WORDS["confirm_yes"])
            continue
        fact = asked_fact(case, msgs)
        assert fact is not None, "no question recognised"
        asked[fact.key] = asked.get(fact.key, 0) + 1
        assert asked[fact.key] <= 2, f"{fact.key} asked again and again"
        for text, wanted in extra.pop(fact.key, []):
            replies = r.say(text)
            check_reply(replies, [wanted])
            assert fact.question in joined(replies), "the same question resumes"
        msgs = r.say(str(answers.get(fact.key, "不知道")))
    pytest.fail("no analysis after 40 turns")


def run(url: str, spec: dict) -> tuple[bool, str]:
    r = Resident(url)
    try:
        if "case" in spec:
            report = consult(r, spec)
            msgs = [report]
            page = requests.get(url + report["report_url"], timeout=30)
            assert page.status_code == 200 and CASES[spec["case"]].title in page.text
            check_reply([{"text": page.text}], [[w] for w in spec.get("report") or []])
        else:
            msgs = r.say(spec["says"][0])
            check_reply(msgs, spec.get("reply"))
            # a person in danger reads 110 in the first message, before any answer
            check_reply(msgs[:1], spec.get("first"))
            for word in spec.get("reply_not") or []:
                assert word not in joined(msgs), (word, joined(msgs))
        for text, wanted in spec.get("after") or []:
            # "#title" taps the button of that title the last reply offered
            msgs = r.click(msgs, text[1:]) if text.startswith("#") else r.say(text)
            check_reply(msgs, [wanted])
        return True, "\n".join(r.transcript)
    except (AssertionError, pytest.fail.Exception) as exc:
        return False, f"{exc}\n" + "\n".join(r.transcript[-12:])


@pytest.fixture(scope="module")
def outcomes(stack):
    with ThreadPoolExecutor(4) as pool:
        futures = {cid: pool.submit(run, stack.url, spec) for cid, spec in CONVERSATIONS.items()}
        return {cid: f.result() for cid, f in futures.items()}


def test_there_are_at_least_40_conversations_in_residents_words():
    assert len(CONVERSATIONS) >= 40
    assert sum("case" in c for c in CONVERSATIONS.values()) >= 25


@pytest.mark.parametrize("cid", sorted(CONVERSATIONS))
def test_resident_reaches_the_right_analysis_or_answer(outcomes, cid):
    ok, transcript = outcomes[cid]
    assert ok, transcript
