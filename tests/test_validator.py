"""The validator catches what it promises to catch, naming the file and line."""
from __future__ import annotations

from pathlib import Path

from knowledge.check import check_faqs

GOOD = """- id: labor.test.one
  domain: labor
  topic: 测试
  questions: [老板不发工资怎么办, 工资拖了半年了, 单位欠薪去哪告, 干活不给钱找谁]
  answer: >-
    {answer}
  citations:
    - {{law: {law}, article: {article}, keywords: [{kw}]}}
"""
ANSWER = "用人单位应当按时足额支付劳动报酬。" * 8 + "您可以带上工资条和考勤记录，到劳动保障监察大队投诉，或者拨打12333咨询。"


def write(tmp: Path, text: str, domain="labor") -> Path:
    d = tmp / domain
    d.mkdir(parents=True, exist_ok=True)
    (d / "x.yml").write_text(text, encoding="utf-8")
    return tmp


def errors(tmp, store):
    return [str(p) for p in check_faqs(tmp, store)[1] if p.severity == "error"]


def test_valid_entry_passes(tmp_path, store):
    write(tmp_path, GOOD.format(answer=ANSWER, law="中华人民共和国劳动合同法", article=30, kw="足额支付"))
    assert errors(tmp_path, store) == []


def test_repealed_law_is_an_error(tmp_path, store):
    write(tmp_path, GOOD.format(answer=ANSWER, law="中华人民共和国婚姻法", article=32, kw="离婚"))
    assert any("repealed" in e for e in errors(tmp_path, store))


def test_article_that_does_not_say_it(tmp_path, store):
    write(tmp_path, GOOD.format(answer=ANSWER, law="中华人民共和国劳动合同法", article=30, kw="彩礼"))
    assert any("does not say" in e for e in errors(tmp_path, store))


def test_missing_article(tmp_path, store):
    write(tmp_path, GOOD.format(answer=ANSWER, law="中华人民共和国劳动合同法", article=999, kw="x"))
    assert any("no such current article" in e for e in errors(tmp_path, store))


def test_short_answer_and_no_next_step(tmp_path, store):
    write(tmp_path, GOOD.format(answer="单位应当按时发工资。", law="中华人民共和国劳动合同法",
                                article=30, kw="足额支付"))
    errs = errors(tmp_path, store)
    assert any("characters" in e for e in errs) and any("what to do next" in e for e in errs)


def test_malformed_yaml_names_file_and_line(tmp_path, store):
    write(tmp_path, "- id: a\n  questions: [unclosed\n  answer: x\n")
    [err] = errors(tmp_path, store)
    assert "x.yml:" in err and "malformed YAML" in err and ":?:" not in err


def test_near_duplicate_phrasings_between_entries(tmp_path, store):
    one = GOOD.format(answer=ANSWER, law="中华人民共和国劳动合同法", article=30, kw="足额支付")
    two = one.replace("labor.test.one", "labor.test.two")
    write(tmp_path, one + two)
    assert any("nearly duplicates" in e for e in errors(tmp_path, store))
