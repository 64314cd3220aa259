"""Facts read back and corrected, explanations inside the questions, free text that carries
facts into the offer (issue 13 items 5 and 6), without Rasa."""
from __future__ import annotations

import datetime as dt

import pytest

from knowledge.content.library import get_knowledge
from knowledge.interview import flow, glossary, intake

TODAY = dt.date(2026, 12, 6)
CASES = get_knowledge().case_types


def turn(case_id, facts, text):
    case = CASES[case_id]
    key = (flow.prompt(case, facts, today=TODAY) or (None,))[0]
    return flow.handle(case, facts, text, today=TODAY, asked=key)


def test_a_rough_amount_is_read_back_before_it_is_used():
    t = turn("unlawful_dismissal", {}, "六千多")
    assert t.kind == "confirm" and "monthly_wage" not in t.facts
    key, text, buttons = flow.prompt(CASES["unlawful_dismissal"], t.facts, today=TODAY)
    assert "按6000元算，对吗" in text and [b["title"] for b in buttons] == ["对", "要改"]
    assert turn("unlawful_dismissal", t.facts, "对").facts["monthly_wage"] == 6000.0
    # a better figure instead of 对 is taken (and not read back again: it is exact)
    assert turn("unlawful_dismissal", t.facts, "6300").facts["monthly_wage"] == 6300.0
    again = turn("unlawful_dismissal", t.facts, "要改")
    assert again.kind == "invalid" and "monthly_wage" not in again.facts


@pytest.mark.parametrize("said, meant", [("月底", "2026-11-30"), ("上个月底", "2026-11-30"),
                                         ("去年年底", "2025-12-31"), ("春节前", "2026-02-16"),
                                         ("上个月", "2026-11-01")])
def test_a_relative_date_is_resolved_against_today_and_confirmed(said, meant):
    facts = {"monthly_wage": 6000.0, "start_date": "2019-03-05"}
    t = turn("unlawful_dismissal", facts, said)
    assert t.kind == "confirm" and t.facts["_pending"]["value"] == meant
    _, text, _ = flow.prompt(CASES["unlawful_dismissal"], t.facts, today=TODAY)
    d = dt.date.fromisoformat(meant)
    assert f"按{d.year}年{d.month}月{d.day}日算，对吗" in text and "今天是2026年12月6日" in text
    assert turn("unlawful_dismissal", t.facts, "对的").facts["end_date"] == meant


def test_a_date_written_in_full_is_not_read_back():
    t = turn("unlawful_dismissal", {"monthly_wage": 6000.0}, "2019年3月5日")
    assert t.kind == "answered" and t.facts["start_date"] == "2019-03-05"


@pytest.mark.parametrize("said", ["没有", "啥保险也没有", "没给交", "他没给俺交", "一分也没交"])
def test_no_never_becomes_yes(said):
    t = flow.handle(CASES["work_injury"], {}, said, today=TODAY, asked="has_social_insurance")
    assert t.facts.get("has_social_insurance") is not True


def test_dialect_violence_is_yes_to_the_violence_question_with_110():
    facts = {"both_agree": False, "marriage_date": "2015-05-01"}
    t = turn("divorce", facts, "他老揍俺")
    assert t.kind == "answered" and t.facts["domestic_violence"] is True and "110" in t.message


def test_all_facts_are_read_back_and_a_change_is_taken_before_the_analysis():
    case = CASES["unlawful_dismissal"]
    facts = {"monthly_wage": 6000.0, "start_date": "2019-03-05", "end_date": "2026-11-30",
             "termination": "unlawful", "protected_status": "none"}
    key, text, buttons = flow.prompt(case, facts, today=TODAY, region="河南")
    assert key == "_summary" and "工资：6000元" in text and "2019年3月5日" in text
    assert "不用您提供" in text and "河南" in text    # the average wage: shown, not asked
    assert not flow.complete(case, facts)
    t = turn("unlawful_dismissal", facts, "不对，工资是6500")
    assert t.kind == "corrected" and t.facts["monthly_wage"] == 6500.0 and not flow.complete(case, t.facts)
    t = turn("unlawful_dismissal", t.facts, "对")
    assert flow.complete(case, t.facts)
    changed, fact, value = flow.change_after(case, t.facts, "不对，工资是七千", today=TODAY)
    assert fact.key == "monthly_wage" and changed["monthly_wage"] == 7000.0
    assert flow.change_after(case, t.facts, "公司没签合同能要双倍工资吗", today=TODAY) is None


@pytest.mark.parametrize("said, term", [("啥叫鉴定", "劳动能力鉴定"), ("交强险是啥", "交强险"),
                                        ("三者险是什么意思", "商业三者险"), ("冷静期是啥意思", "离婚冷静期")])
def test_a_word_asked_about_is_explained_and_the_question_resumes(said, term):
    t = turn("work_injury", {}, said)
    assert t.kind == "explained" and f"“{term}”" in t.message and t.facts == {}


def test_i_do_not_understand_restates_the_question():
    t = flow.handle(CASES["work_injury"], {}, "我看不懂", today=TODAY, asked="disability_grade")
    assert t.kind == "explained" and "劳动能力鉴定" in t.message


def test_the_glossary_has_at_least_40_terms_and_answers_are_not_taken_for_questions():
    assert len(get_knowledge().texts["glossary"]["terms"]) >= 40
    for answer in ("什么都吵", "不知道是什么责任", "没做鉴定", "6000"):
        assert glossary.explain(answer) is None, answer


@pytest.mark.parametrize("text, case_id, facts", [
    ("老板把我开了能赔多少", "unlawful_dismissal", {}),
    ("没理由，叫我明天别来了", "unlawful_dismissal", {"termination": "unlawful"}),
    ("俺在厂里干了三年，工资六千多，老板说明天别来了", "unlawful_dismissal",
     {"monthly_wage": 6000.0, "termination": "unlawful"}),
    ("公司没跟我签合同，能要双倍工资不", "no_written_contract", {}),
    ("工地上摔伤了腿，老板不管", "work_injury", {}),
])
def test_free_text_finds_the_case_type_and_the_facts_it_already_gives(text, case_id, facts):
    assert intake.suggest(text, CASES) == case_id
    got = intake.prefill(CASES[case_id], text, TODAY)
    assert {k: got.get(k) for k in facts} == facts


def test_an_analysis_complaint_names_the_fact_in_words_not_keys():
    msg = flow.problem_text(CASES["unlawful_dismissal"], "end_date 早于开始上班的日期（end_date）")
    assert "end_date" not in msg and "离职时间" in msg


def test_agreeing_to_divorce_in_a_story_is_not_nothing_in_dispute():
    assert "main_dispute" not in intake.prefill(CASES["divorce"], "俺想离婚，俺俩都同意", TODAY)
    assert intake.prefill(CASES["divorce"], "离婚了孩子归谁", TODAY)["main_dispute"] == "custody"


def test_a_change_of_the_number_of_children_after_the_analysis_asks_the_new_question():
    facts = {"both_agree": True, "marriage_date": "2015-05-01", "domestic_violence": False,
             "children_count": 1, "youngest_child_age": 6, "main_dispute": "none",
             "application_date": None, "_confirmed": True}
    new, fact, value = flow.change_after(CASES["divorce"], facts, "不对，孩子有两个", today=TODAY)
    assert (fact.key, value) == ("children_count", 2) and new["youngest_child_age"] == 6
    assert flow.next_fact(CASES["divorce"], new).key == "oldest_child_age"


def test_a_story_of_two_problems_offers_both_unless_the_first_covers_the_second():
    assert intake.second_offer("被公司开了，还欠俺两个月工资没给", CASES) == "unpaid_wages"
    assert intake.second_offer("被车撞了司机跑了", CASES) is None   # hit-and-run covers the injury
    assert intake.second_offer("老人走了，遗产咋分", CASES) is None
