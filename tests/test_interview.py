"""Gathering facts in the resident's own words: answers, corrections, questions, stopping."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.interview import flow as interview
from knowledge.analysis.engine import analyze
from knowledge.content.cases import load_case_types

CASES = load_case_types(Path(__file__).resolve().parent.parent / "knowledge" / "cases")
TODAY = dt.date(2026, 11, 22)


def run(case_id, answers):
    case, facts = CASES[case_id], {}
    for text in answers:
        turn = interview.handle(case, facts, text, today=TODAY)
        assert turn.kind in ("answered", "corrected"), (text, turn)
        facts = turn.facts
    return case, facts


def test_dismissal_in_everyday_words_reaches_the_analysis():
    # the local average wage is a standards figure: shown in the read-back, never asked
    case, facts = run("unlawful_dismissal", ["八千", "2020年3月1日", "2023年5月1号",
                                             "没有理由就让我走了", "都不是"])
    assert interview.next_fact(case, facts) is None
    assert facts == {"monthly_wage": 8000.0, "start_date": "2020-03-01", "end_date": "2023-05-01",
                     "termination": "unlawful", "protected_status": "none"}
    a = analyze(case, interview.typed_facts(facts), today=TODAY).as_json()
    damages = next(x for x in a["amounts"] if x["item"] == "unlawful_termination_damages")
    assert damages["amount"] == 2 * 8000 * 3.5  # 3 years 2 months -> 3.5 months' wages, doubled


def test_invalid_answer_is_re_asked_with_a_hint():
    case = CASES["unlawful_dismissal"]
    turn = interview.handle(case, {}, "很多钱", today=TODAY)
    assert turn.kind == "invalid" and turn.message and turn.fact == "monthly_wage"
    assert turn.facts == {}


def test_correction_of_an_earlier_answer():
    case, facts = run("unlawful_dismissal", ["6000", "2020-03-01"])
    turn = interview.handle(case, facts, "不对，工资是七千", today=TODAY)
    assert turn.kind == "corrected" and turn.facts["monthly_wage"] == 7000.0
    assert interview.next_fact(case, turn.facts).key == "end_date"  # still on the same question


def test_a_question_mid_form_is_recognised():
    case, facts = run("unlawful_dismissal", ["6000"])
    turn = interview.handle(case, facts, "那加班费怎么算呢？", today=TODAY)
    assert turn.kind == "question" and turn.facts == facts


@pytest.mark.parametrize("text", ["算了", "重新开始"])
def test_stopping(text):
    assert interview.handle(CASES["divorce"], {}, text, today=TODAY).kind == "cancel"


def test_danger_interrupts():
    turn = interview.handle(CASES["divorce"], {}, "他刚才又打我了，还拿刀", today=TODAY)
    assert turn.kind == "danger"


def test_future_date_is_refused():
    case, facts = run("work_injury", [])
    first = interview.next_fact(case, facts)
    if first.type != "date":
        pytest.skip("work_injury does not start with a date")
    assert interview.handle(case, facts, "2030年1月1日", today=TODAY).kind == "invalid"


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_every_case_type_has_askable_questions_with_buttons_for_choices(case_id):
    case = CASES[case_id]
    fact = interview.next_fact(case, {})
    assert fact is not None
    text, buttons = interview.question(case, fact, {})
    assert fact.question in text and any(b["title"] == "算了" for b in buttons)
    if fact.type == "choice":
        assert len(buttons) >= len(fact.choices) + 1


@pytest.mark.parametrize("text,key,value", [
    ("工资说错了，是七千", "monthly_wage", 7000.0),
    ("不对，工资是七千", "monthly_wage", 7000.0),
    ("入职时间不对，应该是2019年3月", "start_date", "2019-03-01"),
    ("不对，入职是2019年3月1号", "start_date", "2019-03-01"),
])
def test_a_correction_that_names_its_fact_changes_that_fact(text, key, value):
    case, facts = run("unlawful_dismissal", ["八千", "2020年3月1日"])   # now asked: end_date
    turn = interview.handle(case, facts, text, today=TODAY)
    assert turn.kind == "corrected" and turn.facts[key] == value
    assert interview.next_fact(case, turn.facts).key == "end_date"  # and the question goes on


def test_a_named_correction_is_not_taken_by_the_current_question_of_the_same_type():
    """Asked for the days in hospital, the resident corrects the medical costs: by its type the
    new amount would fit the current money question, by its name it belongs to the costs."""
    case, facts = CASES["traffic_injury"], {}
    while (fact := interview.next_fact(case, facts)).key != "hospital_days":
        facts[fact.key] = (fact.choices[0]["value"] if fact.type == "choice" else
                           False if fact.type == "boolean" else
                           "2026-10-01" if fact.type == "date" else fact.example or 1)
    assert facts["medical_costs"] != 23000
    turn = interview.handle(case, facts, "医疗费说错了，应该是两万三", today=TODAY)
    assert turn.kind == "corrected" and turn.facts["medical_costs"] == 23000
    assert "hospital_days" not in turn.facts


def test_a_plain_answer_that_mentions_another_fact_is_not_a_correction():
    case, facts = run("unlawful_dismissal", ["八千", "2020年3月1日", "2023年5月1号"])
    turn = interview.handle(case, facts, "没有理由就让我走了，工资也没结", today=TODAY)
    assert turn.kind == "answered" and turn.facts["monthly_wage"] == 8000.0
    assert turn.facts["termination"] == "unlawful"


@pytest.mark.parametrize("text", ["算了", "算了吧", "算了，不问了", "那算了", "不想算了！", "换个问题",
                                  "回主菜单", "取消", "算了算了", "以后再说吧"])
def test_stopping_in_everyday_words_cancels_the_case(text):
    case, facts = run("unlawful_dismissal", ["八千"])
    assert interview.handle(case, facts, text, today=TODAY).kind == "cancel"


@pytest.mark.parametrize("text", ["单位取消了我的岗位", "算了一下大概八千", "返回工作岗位了"])
def test_answers_that_contain_a_stop_word_are_not_a_stop(text):
    case, facts = run("unlawful_dismissal", ["八千"])
    assert interview.handle(case, facts, text, today=TODAY).kind != "cancel"
