"""An honest "不知道" to a required question is never looped (issue 13): the first time says how
to find out, the second takes the value the case type assumes (with a caveat in the analysis)
or stops the questions with the facts kept; a greeting followed by a story is a question;
"帮我…" that names no case type is a question. Without Rasa; the same on the real stack is in
tests/data/residents.yml."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from knowledge.content.cases import parse_case
from knowledge.content.library import get_knowledge
from knowledge.content.loader import KnowledgeError
from knowledge.interview import flow, intake

TODAY = dt.date(2026, 12, 6)
CASES = get_knowledge().case_types
WORDS = get_knowledge().texts["dialogue"]


def asked(case_id, facts):
    return (flow.prompt(CASES[case_id], facts, today=TODAY) or (None,))[0]


def turn(case_id, facts, text):
    return flow.handle(CASES[case_id], facts, text, today=TODAY, asked=asked(case_id, facts))


def required_yes_no():
    return [(c.id, f.key) for c in CASES.values() for f in c.facts
            if f.required and f.type == "boolean" and str(f.ask_if).strip() != "False"]


@pytest.mark.parametrize("case_id, key", required_yes_no())
def test_every_required_yes_no_question_has_a_decided_meaning_for_dont_know(case_id, key):
    rule = CASES[case_id].fact(key).unknown
    assert rule, f"{case_id}.{key}: what does 不知道 mean here?"
    assert "assume" in rule or rule.get("how"), "either assume (with a caveat) or say how to find out"


@pytest.mark.parametrize("case_id, key", required_yes_no())
def test_dont_know_twice_never_asks_a_third_time(case_id, key):
    case = CASES[case_id]
    facts = _facts_before(case_id, key)
    first = flow.handle(case, facts, "不知道", today=TODAY, asked=key)
    assert first.kind == "invalid" and key not in first.facts
    assert asked(case_id, first.facts) == key          # asked once more, with how to find out
    second = flow.handle(case, first.facts, "不清楚", today=TODAY, asked=key)
    rule = case.fact(key).unknown
    if "assume" in rule:
        assert second.kind == "answered" and second.facts[key] is rule["assume"]
        assert asked(case_id, second.facts) != key
    else:
        assert second.kind == "unknown_stop" and key not in second.facts


def _facts_before(case_id, key):
    """Answers (yes to every yes/no, the first choice, 1 for numbers) up to the question ``key``."""
    case = CASES[case_id]
    # the answers that lead to the question
    facts = {"adult_child_dependent": {"child_age": 19},
             "wife_pregnant_or_recent_birth": {"both_agree": False}}.get(key, {})
    for _ in range(40):
        fact = flow.next_fact(case, facts)
        if fact.key == key:
            return facts
        facts[fact.key] = {"boolean": True, "choice": (fact.choices or [{}])[0].get("value"),
                           "date": "2026-10-01", "money": 5000.0}.get(fact.type, 1)
    raise AssertionError(f"{key} never asked")


def test_an_assumed_answer_is_marked_in_the_read_back_and_caveated_in_the_analysis():
    facts = {"injury_date": "2026-10-08", "injury_circumstance": "at_work"}
    facts = turn("work_injury", turn("work_injury", facts, "不知道").facts, "记不得了").facts
    assert facts["employer_applied"] is False and facts["_assumed"] == ["employer_applied"]
    facts.update(has_social_insurance=True, in_hospital=None, employer_refuses_pay=None,
                 disability_grade=None)
    key, text, _ = flow.prompt(CASES["work_injury"], facts, today=TODAY)
    assert key == "_summary" and WORDS["assumed_mark"] in text
    caveat = CASES["work_injury"].fact("employer_applied").unknown["caveat"]
    analysis = flow.analyse(CASES["work_injury"], {**facts, "_confirmed": True})
    assert analysis.uncertainties[0] == caveat
    # said after all: no longer an assumption, no caveat
    changed = turn("work_injury", facts, "不对，单位申请了工伤认定")
    assert changed.facts["employer_applied"] is True and not changed.facts.get("_assumed")
    assert caveat not in flow.analyse(CASES["work_injury"], changed.facts).uncertainties


def test_a_required_date_not_known_twice_stops_with_the_facts_kept():
    first = turn("hit_and_run", {"injured": True, "died": False, "reported_to_police": True},
                 "记不清了")
    assert first.kind == "invalid" and "转人工" in first.message
    second = turn("hit_and_run", first.facts, "真不知道")
    assert second.kind == "unknown_stop" and second.facts["injured"] is True
    assert "接着算" in second.message


def test_an_answer_after_one_dont_know_is_taken_as_usual():
    first = turn("divorce", {}, "不知道")
    assert "再说一次“不知道”" in first.message
    assert turn("divorce", first.facts, "他不同意").facts["both_agree"] is False


def test_an_assumed_value_must_fit_the_fact_and_carry_a_caveat(tmp_path: Path):
    raw = yaml.safe_load((Path(CASES["divorce"].path)).read_text(encoding="utf-8"))
    fact = next(f for f in raw["facts"] if f["key"] == "both_agree")
    for bad in ({"assume": "maybe", "caveat": "x"}, {"assume": False}, {"guess": True}):
        fact["unknown"] = bad
        with pytest.raises(KnowledgeError):
            parse_case(raw, tmp_path / "divorce.yml")


@pytest.mark.parametrize("text, story", [
    ("你好，我想问一下，我老公在外面有人了，要跟我离婚", "我老公在外面有人了，要跟我离婚"),
    ("您好，请问一下，老板上个月说不用来了，也没给钱", "老板上个月说不用来了，也没给钱"),
    ("在吗？俺想问问，孩子他爸不给抚养费", "孩子他爸不给抚养费"),
    ("你好", None), ("在吗在吗", None), ("你好，我想问一下，我老公", None)])
def test_a_greeting_followed_by_a_story_leaves_the_story(text, story):
    assert intake.after_greeting(text) == story


@pytest.mark.parametrize("text, only", [("帮我算算", True), ("帮我算算赔偿", True),
                                        ("好的，帮我分析一下我的情况吧", True),
                                        ("帮我申请人身安全保护令", False), ("帮我写个起诉状", False)])
def test_words_that_only_ask_to_start_an_analysis(text, only):
    assert intake.only_asks_to_start(text) is only
