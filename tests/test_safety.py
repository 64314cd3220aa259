"""Danger is recognised by its words wherever the resident is (knowledge/safety.yml), because the
NLU model alone misses some (cross-validated recall of `danger` is about 0.8) and inside a case
form every reply is read by the form, not by the model."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from knowledge.interview import flow as interview, safety
from knowledge.content.cases import load_case_types

ROOT = Path(__file__).resolve().parent.parent
NLU = ROOT / "bot" / "data" / "nlu"
CASE_SET = ROOT / "tests" / "data" / "safety_cases.yml"
KINDS = ("violence", "threat", "confinement", "self_harm", "help", "missing_or_neglect", "sexual",
         safety.ABUSE)
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


# --- the written case set (tests/data/safety_cases.yml; bench/safety.py lists the misses) -------

def load_cases() -> list[tuple[str, str | None, str]]:
    """(text, expected kind or None for a near miss, register: standard or dialect)."""
    out = []
    for kind, registers in yaml.safe_load(CASE_SET.read_text(encoding="utf-8"))["cases"].items():
        for register, texts in registers.items():
            out += [(t, None if kind == "none" else kind, register) for t in texts]
    return out


CASE_LIST = load_cases()


def half(text: str) -> int:
    """The fixed split: 1 (the half the patterns were written on) or 2 (held out)."""
    return 1 + hashlib.sha256(text.encode("utf-8")).digest()[0] % 2


def precision_recall(cases) -> tuple[float, float]:
    found = [(bool(safety.detect(t)), k is not None) for t, k, _ in cases]
    tp = sum(got and want for got, want in found)
    return tp / max(1, sum(got for got, _ in found)), tp / max(1, sum(want for _, want in found))


def test_the_case_set_is_large_labelled_and_our_own():
    kinds = Counter(k for _, k, _ in CASE_LIST)
    assert set(kinds) <= set(KINDS) | {None}, kinds
    assert kinds[None] >= 150 and sum(n for k, n in kinds.items() if k) >= 150, kinds
    assert all(kinds[k] >= 8 for k in KINDS), kinds
    texts = [t for t, _, _ in CASE_LIST]
    assert len(texts) == len(set(texts)), [t for t, n in Counter(texts).items() if n > 1]
    registers = Counter(r for _, _, r in CASE_LIST)
    assert set(registers) == {"standard", "dialect"} and registers["dialect"] / len(texts) >= 0.3
    nlu = {t for path in NLU.glob("*.yml") for _, t in examples(path)}
    assert not nlu & set(texts), sorted(nlu & set(texts))[:5]
    assert min(Counter(half(t) for t in texts).values()) >= 0.4 * len(texts)


# measured 2026-12 (README "Dialogue quality"): whole set precision 1.000, recall 0.978; first half
# 1.000 / 0.989, second half 1.000 / 0.968; dialect recall 0.987
@pytest.mark.parametrize("part,min_precision,min_recall", [
    ("whole", 0.98, 0.96), ("first half", 0.98, 0.96), ("second half", 0.98, 0.95),
    ("dialect", 0.98, 0.96),
])
def test_precision_and_recall_on_the_case_set(part, min_precision, min_recall):
    cases = {"whole": CASE_LIST, "dialect": [c for c in CASE_LIST if c[2] == "dialect"],
             "first half": [c for c in CASE_LIST if half(c[0]) == 1],
             "second half": [c for c in CASE_LIST if half(c[0]) == 2]}[part]
    precision, recall = precision_recall(cases)
    assert precision >= min_precision and recall >= min_recall, (precision, recall)


# per kind: the share of its cases taken for danger at all, and for that very kind (measured:
# violence 0.989 / 0.935, threat 0.910 / 0.851, confinement 0.971 / 0.971, self_harm 1.0 / 0.965,
# help 1.0 / 0.931, missing_or_neglect 1.0 / 0.938, sexual 1.0 / 1.0, abuse 1.0 / 0.909)
@pytest.mark.parametrize("kind,min_caught,min_same_kind", [
    ("violence", 0.96, 0.9), ("threat", 0.88, 0.8), ("confinement", 0.94, 0.94),
    ("self_harm", 0.97, 0.93), ("help", 0.96, 0.89), ("missing_or_neglect", 0.96, 0.9),
    ("sexual", 0.93, 0.93), (safety.ABUSE, 0.96, 0.87),
])
def test_each_kind_is_heard(kind, min_caught, min_same_kind):
    got = [safety.detect(t) for t, k, _ in CASE_LIST if k == kind]
    caught = sum(g is not None for g in got) / len(got)
    same = sum(g == kind for g in got) / len(got)
    assert caught >= min_caught and same >= min_same_kind, (caught, same)


def test_no_near_miss_of_the_case_set_is_taken_for_danger():
    wrong = [(t, safety.detect(t)) for t, k, _ in CASE_LIST if k is None and safety.detect(t)]
    assert len(wrong) <= 3, wrong


def test_danger_now_is_seldom_taken_for_violence_in_the_past():
    """`abuse` is the answer to the divorce form's question about violence, not an interruption:
    danger happening now must not look like it (measured: 3 of 329)."""
    wrong = [t for t, k, _ in CASE_LIST
             if k not in (None, safety.ABUSE) and safety.detect(t) == safety.ABUSE]
    assert len(wrong) <= 4, wrong


@pytest.mark.parametrize("text,kind", [
    # 揍 is 打 with a person after it, 做 otherwise (Henan)
    ("他又揍俺了", "violence"), ("你揍啥哩", None), ("俺在城里揍活儿，一天一百五", None),
    ("他说要拾掇俺", "threat"), ("这事俺拾掇拾掇材料再来", None),
    ("门被他锁了不让我出去", "confinement"), ("他说要让我好看", "threat"),
    ("孩子身上青一块紫一块", "missing_or_neglect"), ("俺一时想不开", "self_harm"),
    ("俺想喝药", "self_harm"), ("公司拖欠我三个月工资", None), ("树砸了我的车，物业赔不赔", None),
    ("撞死了一只狗要赔多少", None), ("肇事司机判了死缓", None), ("气死我了，老板就是不给钱", None),
    ("工伤摔断了腿，能认定几级", None), ("老板威胁说要扣我工资", None),
    # an insurance exclusion asked about: nobody here wants to die
    ("被保险人自杀保险赔不赔", None),
    # violence in the past inside a legal question: answered, with a priority handoff
    ("他以前打过我，离婚能多分财产吗", safety.ABUSE),
])
def test_the_examples_of_the_issue(text, kind):
    assert safety.detect(text) == kind
