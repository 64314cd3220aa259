"""Danger is recognised by its words wherever the resident is (knowledge/safety.yml), because the
NLU model alone misses some (cross-validated recall of `danger` is about 0.8) and inside a case
form every reply is read by the form, not by the model."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from knowledge.interview import flow as interview, safety
from knowledge.content.cases import load_case_types

ROOT = Path(__file__).resolve().parent.parent
NLU = ROOT / "bot" / "data" / "nlu"
CASES = load_case_types(ROOT / "knowledge" / "cases")
TODAY = dt.date(2026, 11, 22)


def examples(intent_file: Path) -> list[tuple[str, str]]:
    out = []
    for block in yaml.safe_load(intent_file.read_text(encoding="utf-8"))["nlu"]:
        for line in block.get("examples", "").splitlines():
            text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:].strip())
            if text:
                out.append((block["intent"], text))
    return out


def test_every_danger_example_of_the_nlu_data_is_recognised_by_its_words():
    missed = [t for _, t in examples(NLU / "danger.yml") if not safety.detect(t)]
    assert not missed, f"{len(missed)} danger examples not recognised: {missed[:10]}"


def test_no_ordinary_reply_of_the_nlu_data_is_taken_for_danger():
    wrong = []
    for path in sorted(NLU.glob("*.yml")):
        if path.name == "danger.yml":
            continue
        for intent, text in examples(path):
            kind = safety.detect(text)
            # legal questions about violence in the past (被家暴了怎么离婚) count as `abuse`: they
            # get their answer and a priority handoff; no other reply may look like danger
            if kind and not (intent == "ask_legal" and kind in (safety.ABUSE, "help")):
                wrong.append((intent, text, kind))
    assert not wrong, wrong


@pytest.mark.parametrize("text", [
    "对方全责", "追尾了", "人当场就没了", "从塔吊上摔下来了", "父亲去年走了", "他去世了",
    "被车撞了躺了三个月", "危险驾驶被抓了", "现在在外地打工", "现在在打官司", "还在打零工",
    "肇事司机找不到了", "公司扣着我的身份证", "孩子一直跟着我", "不打算过了", "有救命钱",
    "他现在躲着不见我", "他以前对我挺好", "孩子归我", "老人死在医院了",
])
def test_case_answers_that_only_sound_alarming_are_not_danger(text):
    assert safety.detect(text) is None, safety.detect(text)


@pytest.mark.parametrize("text,kind", [
    ("他又打我了", "violence"), ("他掐我脖子", "violence"), ("他拿着菜刀在门口", "violence"),
    ("他说要杀了我", "threat"), ("把门反锁了不让我出去", "confinement"),
    ("我不想活了", "self_harm"), ("我刚喝了农药", "self_harm"), ("救救我", "help"),
    ("孩子放学到现在都没回家", "missing_or_neglect"), ("我被猥亵了", "sexual"),
    ("他经常打我", safety.ABUSE), ("被家暴了怎么离婚", safety.ABUSE),
])
def test_kinds(text, kind):
    assert safety.detect(text) == kind


def test_full_width_characters_do_not_hide_danger():
    assert safety.detect("我想死！！") == "self_harm"
    assert safety.detect("他拿着刀，说要砍死我，快来人") == "violence"


def ask_until(case_id: str, key: str) -> dict:
    """Answer a case's questions with their examples until ``key`` is the next question."""
    case, facts = CASES[case_id], {}
    while (fact := interview.next_fact(case, facts)).key != key:
        if fact.type == "choice":
            facts[fact.key] = fact.choices[0]["value"]
        elif fact.type == "boolean":
            facts[fact.key] = False
        elif fact.type == "date":
            facts[fact.key] = "2020-01-01"
        else:
            facts[fact.key] = fact.example or 1
    return facts


def test_past_violence_answers_the_question_about_violence_instead_of_interrupting():
    facts = ask_until("divorce", "domestic_violence")
    turn = interview.handle(CASES["divorce"], facts, "有，他经常打我", today=TODAY)
    assert turn.kind == "answered" and turn.facts["domestic_violence"] is True


def test_violence_happening_now_interrupts_even_the_question_about_violence():
    facts = ask_until("divorce", "domestic_violence")
    assert interview.handle(CASES["divorce"], facts, "他现在还在打我", today=TODAY).kind == "danger"


def test_a_worker_hurt_by_someone_answers_the_work_injury_question():
    facts = ask_until("work_injury", "injury_circumstance")
    turn = interview.handle(CASES["work_injury"], facts, "上班的时候被人打伤了", today=TODAY)
    assert turn.kind == "answered" and turn.facts["injury_circumstance"] == "at_work"


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_danger_interrupts_every_case_type_at_its_first_question(case_id):
    case = CASES[case_id]
    assert not interview.next_fact(case, {}).about_violence
    assert interview.handle(case, {}, "我不想活了", today=TODAY).kind == "danger"
    assert interview.handle(case, {}, "他经常打我", today=TODAY).kind == "danger"
