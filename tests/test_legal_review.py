"""The legal review of issue 13 (item 9): the seven FAQ answers it found imprecise. Each test fails
if the imprecise wording or the wrong basis comes back."""
from __future__ import annotations

import datetime as dt

CIVIL_PROCEDURE = "中华人民共和国民事诉讼法"
PROCEDURE = "道路交通事故处理程序规定"
ROAD_LAW = "中华人民共和国道路交通安全法"
LABOR_CONTRACT = "中华人民共和国劳动合同法"
LABOR_2 = "最高人民法院关于审理劳动争议案件适用法律问题的解释（二）"
HENAN_INJURY = "河南省工伤保险条例"


def cites(entry, law, article, *keywords) -> bool:
    return any(c.law == law and c.article == article and set(keywords) <= set(c.keywords)
               for c in entry.citations)


def test_asset_preservation_says_when_security_is_required(faqs):
    e = faqs["marriage.property.asset_preservation"]
    # in-suit: the court MAY order security; before suit: security is REQUIRED
    assert cites(e, CIVIL_PROCEDURE, 103, "可以责令申请人提供担保")
    assert cites(e, CIVIL_PROCEDURE, 104, "申请人应当提供担保")
    assert "可以责令申请人提供担保" in e.answer
    assert "申请人应当提供担保" in e.answer
    assert "法院可能要求提供担保" not in e.answer
    assert "48小时" in e.answer and "30日内" in e.answer


def test_dowry_jewellery_is_not_automatically_personal(faqs):
    e = faqs["marriage.property.dowry"]
    assert "首饰、衣物等女方专用的生活用品，属于个人财产" not in e.answer
    assert "不因为是女方戴就当然归女方" in e.answer and "彩礼" in e.answer
    assert cites(e, "中华人民共和国民法典", 1063, "一方专用的生活用品")
    assert cites(e, "最高人民法院关于审理涉彩礼纠纷案件适用法律若干问题的规定", 3)


def test_accident_report_timing_working_and_calendar_days(faqs):
    e = faqs["traffic.liability.report_timing"]
    assert "这里说的几日都是工作日" not in e.answer  # the 30/60-day periods are calendar days
    assert "工作日" in e.answer and "自然日" in e.answer
    assert "三个工作日内" in e.answer and "复核" in e.answer  # the review was missing
    assert cites(e, PROCEDURE, 71, "三日内提出书面复核申请")
    assert cites(e, PROCEDURE, 112, "是指工作日，不包括节假日")
    assert cites(e, PROCEDURE, 51, "确定的期限不得超过三十日")
    assert cites(e, PROCEDURE, 24, "三日内制作道路交通事故认定书")


def test_hit_and_run_revocation_does_not_need_a_crime(faqs):
    e = faqs["traffic.hit_and_run.penalties"]
    assert cites(e, ROAD_LAW, 101, "造成交通事故后逃逸的，由公安机关交通管理部门吊销机动车驾驶证，且终生不得重新取得机动车驾驶证")
    assert "不以构成犯罪为前提" in e.answer and "终生不得重新取得驾驶证" in e.answer
    assert "构成犯罪的吊销驾驶证，同时有逃逸情形的" not in e.answer
    assert not cites(e, PROCEDURE, 82)


def test_resignation_over_a_low_contribution_base_rests_on_interpretation_two(faqs):
    e = faqs["labor.social_insurance.low_base"]
    assert cites(e, LABOR_2, 19) and cites(e, LABOR_CONTRACT, 38, "未依法为劳动者缴纳社会保险费的")
    assert cites(e, LABOR_CONTRACT, 46)
    assert "劳动争议解释（二）" in e.answer
    assert "各地掌握不一" in e.answer  # an underpaid base is not plainly "未依法缴纳"


def test_dismissal_after_work_injury_names_compensation_and_the_henan_subsidies(faqs):
    e = faqs["labor.work_injury.dismissal_after_injury"]
    assert cites(e, HENAN_INJURY, 27, "统筹地区上年度职工月平均工资为基数")
    assert cites(e, LABOR_CONTRACT, 46) and cites(e, LABOR_CONTRACT, 87)
    for words in ("经济补偿", "一次性工伤医疗补助金", "一次性伤残就业补助金", "16个月", "56个月"):
        assert words in e.answer


def test_interns_basis(faqs):
    e = faqs["labor.contracts.intern"]
    # nothing cited says that an in-school intern is not an employee: the answer says so
    assert "一般不认定为劳动关系" not in e.answer
    assert "法律没有直接规定" in e.answer
    assert cites(e, LABOR_CONTRACT, 7) and cites(e, LABOR_CONTRACT, 19) and cites(e, LABOR_CONTRACT, 20)


def test_the_corrected_answers_keep_the_knowledge_rules(faqs, store):
    from knowledge.check.citations import check_citation
    from knowledge.content.faq import CitationRef
    for fid in ("marriage.property.asset_preservation", "marriage.property.dowry",
                "traffic.liability.report_timing", "traffic.hit_and_run.penalties",
                "labor.social_insurance.low_base", "labor.work_injury.dismissal_after_injury",
                "labor.contracts.intern"):
        e = faqs[fid]
        assert 150 <= len(e.answer) <= 500, (fid, len(e.answer))
        assert "下一步" in e.answer, fid
        for c in e.citations:
            ref = CitationRef(c.law, c.article, 0, tuple(c.keywords))
            errors = [p.message for p in check_citation(store, ref, "x.yml", 1, claim=e.answer)
                      if p.severity == "error"]
            assert not errors, (fid, c.law, c.article, errors)


# -- inheritance: no "3 years from death" -----------------------------------------------------------
def test_inheritance_computes_no_deadline_from_the_death(knowledge):
    from knowledge.analysis.engine import analyze
    facts = {"death_date": "2024-05-10", "has_will": False, "spouse_alive": True,
             "children_count": 2, "parents_alive_count": 0}
    case = knowledge.case_types["inheritance"]
    r = analyze(case, facts, today=dt.date(2026, 12, 5))
    assert r.deadlines == []
    rule = next(x for x in r.findings if x["id"] == "limitation")
    assert "不是从去世那天算" in rule["text"] and "二十年" in rule["text"]
    assert not case.deadlines
    assert not any("去世之日起算三年" in (u.get("text") or "") for u in case.uncertainties)
