"""knowledge.interview (answers, numbers, dates, choices, corrections): a resident's everyday
answer -> a typed fact value."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.content.cases import Fact
from knowledge.interview.answers import (ParseError, parse_age, parse_answer, parse_boolean,
                                        parse_grade)
from knowledge.interview.choices import parse_choice
from knowledge.interview.corrections import correction, looks_like_question
from knowledge.interview.dates import date_precision, duration_months, parse_date
from knowledge.interview.numbers import parse_number

TODAY = date(2025, 6, 15)


def fact(type_, key="x", **kw) -> Fact:
    return Fact(key=key, type=type_, question=kw.pop("question", "问题？"), **kw)


ROLE = fact("choice", key="victim_role", choices=[
    {"value": "pedestrian", "label": "走路的行人", "synonyms": ["行人", "走路", "步行", "过马路"]},
    {"value": "nonmotor", "label": "骑自行车、电动自行车等非机动车",
     "synonyms": ["非机动车", "自行车", "骑车", "电动车", "电瓶车"]},
    {"value": "motor", "label": "开汽车或骑摩托车等机动车",
     "synonyms": ["机动车", "开车", "汽车", "摩托车", "电动摩托", "货车"]},
])
LIABILITY = fact("choice", key="liability", choices=[
    {"value": "full", "label": "对方全部责任", "synonyms": ["全责", "全部责任", "对方全责", "负全责"]},
    {"value": "main", "label": "对方主要责任", "synonyms": ["主责", "主要责任", "对方主责"]},
    {"value": "equal", "label": "双方同等责任", "synonyms": ["同责", "同等责任", "一半一半"]},
    {"value": "secondary", "label": "对方次要责任", "synonyms": ["次责", "次要责任", "我主责"]},
    {"value": "none", "label": "对方没有责任", "synonyms": ["无责", "没有责任", "我全责", "我负全责"]},
])
INJURY = fact("choice", key="injury", choices=[
    {"value": "injury", "label": "受了伤，没有评伤残（或者还没做鉴定）",
     "synonyms": ["受伤", "受伤了", "骨折", "住院", "还没鉴定"]},
    {"value": "disability", "label": "评了伤残等级", "synonyms": ["伤残", "残疾", "评残", "几级伤残"]},
    {"value": "death", "label": "人去世了", "synonyms": ["死亡", "去世", "死了", "人没了"]},
])
DISPUTE = fact("choice", key="main_dispute", choices=[
    {"value": "none", "label": "都谈好了", "synonyms": ["都谈好了", "没有争议", "没什么要分的"]},
    {"value": "house", "label": "房子怎么分", "synonyms": ["房子", "房产"]},
    {"value": "property", "label": "存款、车子等其他财产", "synonyms": ["财产", "存款", "车子"]},
    {"value": "several", "label": "好几样都有争议", "synonyms": ["好几样", "孩子和房子", "什么都吵"]},
])
REPORT = fact("choice", key="report_kind", choices=[
    {"value": "liability_report", "label": "事故认定书", "synonyms": ["认定书", "责任认定书"]},
    {"value": "not_yet", "label": "还没拿到", "synonyms": ["还没出", "没拿到", "不知道"]},
])


# --------------------------------------------------------------------------- parse_number
@pytest.mark.parametrize("text, expected", [
    ("6000", 6000), ("6,000", 6000), ("6，000", 6000), ("6000元", 6000), ("６０００", 6000),
    ("六千", 6000), ("六千五", 6500), ("五千五百", 5500), ("一万二", 12000), ("1.2万", 12000),
    ("3万5", 35000), ("两万", 20000), ("八千块", 8000), ("一个月五千多", 5000), ("十", 10),
    ("二十三", 23), ("一百零五", 105), ("零", 0), ("0", 0), ("十五", 15), ("三百五", 350),
    ("一千零五十", 1050), ("一万五千五百", 15500), ("3万5千", 35000), ("100万", 1_000_000),
    ("一百二十万", 1_200_000), ("十多万", 100_000), ("三点五万", 35000), ("5k", 5000),
    ("6000.5", 6000.5), ("一亿二千万", 120_000_000), ("大概两千五百块钱吧", 2500),
    ("每天200块，干了30天", 200), ("二〇二三", 2023), ("壹万贰仟", 12000), ("1,234,567", 1234567),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", [
    "", "不知道", "几千", "五六千", "十几万", "6000或者7000", "5000到6000", "好多钱", "万一出事",
])
def test_parse_number_not_understood(text):
    assert parse_number(text) is None


@given(st.integers(min_value=0, max_value=10**15))
def test_parse_number_roundtrip(n):
    assert parse_number(str(n)) == n


# --------------------------------------------------------------------------- parse_date
@pytest.mark.parametrize("text, expected, precision", [
    ("2023年3月5日", date(2023, 3, 5), "day"),
    ("2023-03-05", date(2023, 3, 5), "day"),
    ("2023/3/5", date(2023, 3, 5), "day"),
    ("2023.3.5", date(2023, 3, 5), "day"),
    ("20230305", date(2023, 3, 5), "day"),
    ("23年3月5号", date(2023, 3, 5), "day"),
    ("99年12月1日", date(1999, 12, 1), "day"),
    ("二〇二三年三月五日", date(2023, 3, 5), "day"),
    ("二零二三年十二月三十一号", date(2023, 12, 31), "day"),
    ("2023 年 3 月 5 日下午", date(2023, 3, 5), "day"),
    ("2023年3月", date(2023, 3, 1), "month"),
    ("2023-03", date(2023, 3, 1), "month"),
    ("2023年", date(2023, 1, 1), "year"),
    ("去年3月", date(2024, 3, 1), "month"),
    ("去年3月5号", date(2024, 3, 5), "day"),
    ("前年十月", date(2023, 10, 1), "month"),
    ("去年", date(2024, 1, 1), "year"),
    # said roughly: resolved to the day meant, read back to the resident before it is used
    ("去年年底", date(2024, 12, 31), "about"),
    ("月底", date(2025, 5, 31), "about"),
    ("上个月底", date(2025, 5, 31), "about"),
    ("这个月初", date(2025, 6, 1), "about"),
    ("3月底", date(2025, 3, 31), "about"),
    ("去年5月中", date(2024, 5, 15), "about"),
    ("春节前", date(2025, 1, 28), "about"),
    ("过完年", date(2025, 2, 5), "about"),
    ("去年春节", date(2024, 2, 10), "about"),
    ("今年五月十号", date(2025, 5, 10), "day"),
    ("三月五号", date(2025, 3, 5), "day"),
    ("8月1日", date(2024, 8, 1), "day"),          # not yet this year: the last one
    ("十号", date(2025, 6, 10), "day"),
    ("20号", date(2025, 5, 20), "day"),
    ("上个月", date(2025, 5, 1), "month"),
    ("上个月5号", date(2025, 5, 5), "day"),
    ("这个月", date(2025, 6, 1), "month"),
    ("昨天", date(2025, 6, 14), "day"),
    ("今天", date(2025, 6, 15), "day"),
    ("前天", date(2025, 6, 13), "day"),
    ("大前天", date(2025, 6, 12), "day"),
    ("昨天晚上八点", date(2025, 6, 14), "day"),
    ("三天前", date(2025, 6, 12), "day"),
    ("10天以前", date(2025, 6, 5), "day"),
    ("两个星期前", date(2025, 6, 1), "day"),
    ("两个月前", date(2025, 4, 15), "month"),
    ("三个多月前", date(2025, 3, 15), "month"),
    ("半年前", date(2024, 12, 15), "month"),
    ("一年半以前", date(2023, 12, 15), "month"),
    ("两年前", date(2023, 6, 15), "year"),
    ("明天", date(2025, 6, 16), "day"),            # parsed; parse_answer rejects it
])
def test_parse_date(text, expected, precision):
    assert parse_date(text, TODAY) == expected
    assert date_precision(text, TODAY) == precision


@pytest.mark.parametrize("text", ["", "不知道", "前几天", "2023年2月30日", "2023-13-01", "哪天来着"])
def test_parse_date_not_understood(text):
    assert parse_date(text, TODAY) is None
    assert date_precision(text, TODAY) is None


def test_parse_date_end_of_month_arithmetic():
    assert parse_date("一个月前", date(2025, 3, 31)) == date(2025, 2, 28)
    assert parse_date("半年前", date(2024, 8, 31)) == date(2024, 2, 29)


@settings(max_examples=200)
@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_parse_date_roundtrip(d):
    assert parse_date(d.isoformat(), TODAY) == d
    assert parse_date(f"{d.year}年{d.month}月{d.day}日", TODAY) == d
    assert date_precision(d.isoformat(), TODAY) == "day"


# --------------------------------------------------------------------------- parse_boolean
@pytest.mark.parametrize("text", [
    "是", "是的", "对", "对的", "嗯", "嗯嗯", "有", "有的", "签了", "报了", "报警了", "已经", "当然",
    "可以", "好", "肯定", "交了", "买了", "是的，签了", "对方买了交强险", "我已经报警了了", "有人受伤",
    "领证了", "没错", "没问题", "Yes", "好像有",
])
def test_parse_boolean_yes(text):
    assert parse_boolean(text) is True


@pytest.mark.parametrize("text", [
    "不是", "没有", "没", "否", "不", "还没", "没签", "没报", "还没有呢", "对方没买", "嗯，没有",
    "不同意", "没人受伤", "他不在了", "No", "好像没有", "不可以",
])
def test_parse_boolean_no(text):
    assert parse_boolean(text) is False


@pytest.mark.parametrize("text", ["不知道", "不清楚", "不是很清楚", "记不清了", "可能吧", "", "abc"])
def test_parse_boolean_unknown(text):
    assert parse_boolean(text) is None


# --------------------------------------------------------------------------- parse_choice
@pytest.mark.parametrize("choice_fact, text, expected", [
    (ROLE, "pedestrian", "pedestrian"),             # by value
    (ROLE, "走路的行人", "pedestrian"),               # by label
    (ROLE, "步行", "pedestrian"),                    # by synonym
    (ROLE, "我是骑电动车的", "nonmotor"),              # synonym inside the answer
    (ROLE, "电瓶车。", "nonmotor"),                   # punctuation
    (ROLE, "电动摩托车", "motor"),                    # the longer synonym wins over 电动…
    (ROLE, "骑自行车", "nonmotor"),
    (ROLE, "开汽车", "motor"),                        # the answer inside a label
    (ROLE, "1", "pedestrian"),                       # by number
    (ROLE, "第二个", "nonmotor"),
    (ROLE, "选3", "motor"),
    (ROLE, "3.", "motor"),
    (LIABILITY, "全责", "full"),
    (LIABILITY, "对方全责", "full"),
    (LIABILITY, "我负全责", "none"),                   # exact synonym beats the shorter 负全责
    (LIABILITY, "一半一半吧", "equal"),
    (LIABILITY, "对方负次要责任", "secondary"),
    (LIABILITY, "全部", "full"),
    (INJURY, "受伤了", "injury"),
    (INJURY, "评了八级伤残", "disability"),
    (INJURY, "没有评伤残", "injury"),                  # a negated 伤残 is not disability
    (INJURY, "人没了", "death"),
    (INJURY, "骨折住院了", "injury"),
    (DISPUTE, "孩子和房子", "several"),
    (DISPUTE, "没什么要分的", "none"),
    (REPORT, "不知道", "not_yet"),                    # 不知道 is a synonym here
])
def test_parse_choice(choice_fact, text, expected):
    assert parse_choice(choice_fact, text) == expected
    assert parse_answer(choice_fact, text, TODAY) == expected


@pytest.mark.parametrize("choice_fact, text", [
    (DISPUTE, "房子和存款"),   # two choices equally
    (LIABILITY, "责任"),       # in every label
    (ROLE, "不是行人"),         # negated
    (ROLE, "坐飞机"),
    (ROLE, "7"),               # no 7th choice
    (ROLE, ""),
])
def test_parse_choice_not_understood(choice_fact, text):
    assert parse_choice(choice_fact, text) is None
    with pytest.raises(ParseError) as exc:
        parse_answer(choice_fact, text, TODAY)
    assert "1 走路的行人" in str(exc.value) or choice_fact is not ROLE or text == ""


# --------------------------------------------------------------------------- age, grade
@pytest.mark.parametrize("text, expected", [
    ("45", 45), ("45岁", 45), ("四十五岁", 45), ("68了", 68), ("六十八周岁", 68), ("三岁半", 3),
    ("8个月", 0), ("不满一岁", 0), ("一岁零三个月", 1), ("今年52", 52),
])
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("8", 8), ("八级", 8), ("8级伤残", 8), ("十级", 10), ("伤残八级", 8), ("一级", 1),
    ("十级伤残", 10), ("评的是九级", 9),
])
def test_parse_grade(text, expected):
    assert parse_grade(text) == expected


@pytest.mark.parametrize("text", ["11", "十二级", "0", "零级", "8.5"])
def test_parse_grade_out_of_range(text):
    with pytest.raises(ParseError):
        parse_grade(text)
    with pytest.raises(ParseError):
        parse_answer(fact("grade"), text, TODAY)


def test_parse_grade_no_number():
    assert parse_grade("评上了") is None


# --------------------------------------------------------------------------- duration_months
@pytest.mark.parametrize("text, expected", [
    ("三个月", 3), ("两年半", 30), ("半年", 6), ("一年零三个月", 15), ("18个月", 18),
    ("一年半", 18), ("3个半月", 3.5), ("两年多", 24), ("半个月", 0.5), ("1.5年", 18),
    ("三年", 36),
])
def test_duration_months(text, expected):
    assert duration_months(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "3", "很久", "不知道"])
def test_duration_months_none(text):
    assert duration_months(text) is None


# --------------------------------------------------------------------------- correction
@pytest.mark.parametrize("text, expected", [
    ("不对，是三个月", "三个月"),
    ("说错了应该是6000", "6000"),
    ("刚才那个不对，应该是五千", "五千"),
    ("不是，是骑电动车", "骑电动车"),
    ("不是三个月是五个月", "五个月"),
    ("错了：8000", "8000"),
    ("搞错了，2023年3月5日", "2023年3月5日"),
    ("改一下，改成5000", "5000"),
    ("应该是两万", "两万"),
    ("嗯，不对，是去年", "去年"),
    ("不是，没有", "没有"),
    ("说错了", ""),                 # a correction without the new answer yet
    ("不是", None),                 # a plain "no"
    ("不对", None),
    ("不是很清楚", None),
    ("6000", None),
    ("三个月", None),
])
def test_correction(text, expected):
    assert correction(text) == expected


# --------------------------------------------------------------------------- looks_like_question
MONEY = fact("money", key="monthly_wage", question="每个月工资多少元？")


@pytest.mark.parametrize("text, expected", [
    ("这个怎么算啊", True),
    ("我能拿到多少钱？", True),
    ("什么是交强险", True),
    ("为什么要问这个", True),
    ("能不能先告诉我结果", True),
    ("可不可以不填这个", True),
    ("在哪里申请工伤认定", True),
    ("是吗？", True),
    ("6000", False),
    ("6000？", False),             # an unsure answer, not a question
    ("六千五", False),
    ("是的", False),
    ("怎么办", False),             # question words need more than 5 characters
    ("没什么要分的", False),
    ("谁也不想过了呀", False),
])
def test_looks_like_question(text, expected):
    assert looks_like_question(text) is expected


def test_looks_like_question_with_fact():
    assert looks_like_question("6000", MONEY) is False
    assert looks_like_question("一个月多少钱才算高啊", MONEY) is True
    assert looks_like_question("什么都吵，一直在吵", DISPUTE) is False
    odd = fact("choice", choices=[{"value": "other", "label": "其他",
                                   "synonyms": ["不知道怎么回事"]}])
    assert looks_like_question("不知道怎么回事", odd) is False
    assert looks_like_question("不知道怎么回事") is True


# --------------------------------------------------------------------------- parse_answer
@pytest.mark.parametrize("f, text, expected", [
    (fact("money"), "六千五", 6500.0),
    (fact("money"), "一个月五千多", 5000.0),
    (fact("money"), "1.2万", 12000.0),
    (fact("number"), "2.5", 2.5),
    (fact("integer"), "两个", 2),
    (fact("integer"), "3", 3),
    (fact("integer", min=0), "没有", 0),
    (fact("money", required=False), "一分没给", 0.0),
    (fact("integer", question="一共住院多少天？"), "住了两个星期", 14),
    (fact("integer", question="一共在一起生活了多少个月？"), "两年半", 30),
    (fact("integer", question="想按哪一年的统计数字算？"), "2024年", 2024),
    (fact("age"), "四十五岁", 45),
    (fact("grade"), "伤残八级", 8),
    (fact("date"), "2023年3月5日", "2023-03-05"),
    (fact("date"), "去年3月", "2024-03-01"),
    (fact("date"), "今天", "2025-06-15"),
    (fact("boolean"), "报警了", True),
    (fact("boolean"), "没签", False),
    (fact("text"), "  河南省  ", "河南省"),
])
def test_parse_answer(f, text, expected):
    value = parse_answer(f, text, TODAY)
    assert value == expected
    assert type(value) is type(expected)


def test_parse_answer_types_are_json_friendly():
    assert isinstance(parse_answer(fact("money"), "6000", TODAY), float)
    assert isinstance(parse_answer(fact("number"), "3", TODAY), float)
    assert isinstance(parse_answer(fact("integer"), "3", TODAY), int)
    assert isinstance(parse_answer(fact("age"), "3", TODAY), int)
    assert isinstance(parse_answer(fact("grade"), "3", TODAY), int)


@pytest.mark.parametrize("text", ["明天", "下个月5号", "2025-06-16", "2030年1月1日", "三天后"])
def test_future_dates_rejected(text):
    with pytest.raises(ParseError) as exc:
        parse_answer(fact("date"), text, TODAY)
    assert "还没到" in str(exc.value)


@pytest.mark.parametrize("f, text, word", [
    (fact("integer", min=2000, max=2100), "1999", "不能小于 2000"),
    (fact("integer", min=2000, max=2100), "2101", "不能大于 2100"),
    (fact("money", max=100_000_000), "2亿", "不能超过 100000000 元"),
    (fact("money", min=1), "0", "不能少于 1 元"),
    (fact("age", max=17), "20岁", "不能大于 17"),
    (fact("integer", min=1, max=5), "六个人", "不能大于 5"),
    (fact("age"), "200", "周岁"),
])
def test_min_max_enforced(f, text, word):
    with pytest.raises(ParseError) as exc:
        parse_answer(f, text, TODAY)
    assert word in str(exc.value)


def test_min_max_boundaries_accepted():
    f = fact("integer", min=2000, max=2100)
    assert parse_answer(f, "2000", TODAY) == 2000
    assert parse_answer(f, "2100", TODAY) == 2100


@pytest.mark.parametrize("type_", ["money", "integer", "date", "boolean", "age", "grade", "text",
                                   "choice"])
def test_dont_know_optional_is_none(type_):
    kw = {"choices": ROLE.choices} if type_ == "choice" else {}
    assert parse_answer(fact(type_, required=False, **kw), "不知道", TODAY) is None
    assert parse_answer(fact(type_, required=False, **kw), "不清楚，跳过吧", TODAY) is None


@pytest.mark.parametrize("type_", ["money", "integer", "date", "boolean", "age", "grade", "text",
                                   "choice"])
def test_dont_know_required_raises(type_):
    kw = {"choices": ROLE.choices} if type_ == "choice" else {}
    with pytest.raises(ParseError) as exc:
        parse_answer(fact(type_, required=True, **kw), "不知道", TODAY)
    assert exc.value.hint
    if type_ == "choice":
        assert "1 走路的行人" in str(exc.value)


def test_required_dont_know_hint_shows_example():
    with pytest.raises(ParseError) as exc:
        parse_answer(fact("money", example="15000"), "不知道", TODAY)
    assert "15000" in str(exc.value)


def test_dont_know_can_be_a_choice():
    assert parse_answer(REPORT, "不知道", TODAY) == "not_yet"


@pytest.mark.parametrize("f, text, word", [
    (fact("money"), "好多钱", "6000 或 六千"),
    (fact("money"), "五六千", "具体数字"),
    (fact("money"), "5000到6000", "只写一个"),
    (fact("integer"), "2.5", "整数"),
    (fact("date"), "哪天来着", "2024年3月5日"),
    (fact("boolean"), "随便", "是"),
    (fact("age"), "挺老了", "周岁"),
    (fact("grade"), "评上了", "1 到 10"),
    (fact("text"), "   ", "回答"),
    (fact("money", required=False), "好多钱", "跳过"),
])
def test_not_understood_gives_hint(f, text, word):
    with pytest.raises(ParseError) as exc:
        parse_answer(f, text, TODAY)
    assert word in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_empty_optional_is_none():
    assert parse_answer(fact("money", required=False), "", TODAY) is None


def test_text_is_capped():
    assert len(parse_answer(fact("text"), "字" * 800, TODAY)) == 500


def test_optional_text_none_answer():
    assert parse_answer(fact("text", required=False), "没有", TODAY) is None
    assert parse_answer(fact("text", required=False), "5岁和12岁", TODAY) == "5岁和12岁"


def test_real_case_facts():
    from pathlib import Path

    from knowledge.content.cases import load_case_types

    cases = load_case_types(Path(__file__).resolve().parent.parent / "knowledge" / "cases")
    traffic = cases["traffic_injury"]
    assert parse_answer(traffic.fact("injury"), "评了八级伤残", TODAY) == "disability"
    assert parse_answer(traffic.fact("victim_role"), "骑电瓶车", TODAY) == "nonmotor"
    assert parse_answer(traffic.fact("liability"), "对方全责", TODAY) == "full"
    assert parse_answer(traffic.fact("disability_grade"), "八级", TODAY) == 8
    assert parse_answer(traffic.fact("accident_date"), "2025-03-10", TODAY) == "2025-03-10"
    assert parse_answer(traffic.fact("compulsory_insured"), "不知道", TODAY) is None
    assert parse_answer(traffic.fact("hospital_days"), "没住院", TODAY) == 0
    with pytest.raises(ParseError):
        parse_answer(traffic.fact("standard_year"), "1999", TODAY)


ALPHABET = st.sampled_from(list("0123456789.,-/年月日号天周个前后半多零〇一二两三四五六七八九十百千万亿点"
                                "是不没有对嗯了签报买去今昨上下岁级元块第选？?，：错应该 ab"))


@settings(max_examples=300)
@given(st.text(ALPHABET, max_size=12))
def test_never_crashes(text):
    for f in (fact("money"), fact("integer", question="多少天？"), fact("date"), fact("boolean"),
              fact("age"), fact("grade"), fact("text"), ROLE, fact("number", required=False)):
        try:
            parse_answer(f, text, TODAY)
        except ParseError as exc:
            assert exc.hint
    parse_number(text), parse_date(text, TODAY), date_precision(text, TODAY)
    parse_boolean(text), parse_choice(LIABILITY, text), parse_age(text), duration_months(text)
    correction(text), looks_like_question(text)
