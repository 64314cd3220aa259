"""The law as it stands in 2026 (issue 20): the statute supplement and the answers corrected by the
legal review. Each test fails if an old wording or citation comes back."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.check import check_faqs, check_supplement
from knowledge.check.citations import check_citation
from knowledge.content.faq import CitationRef
from knowledge.content.statutes import StatuteStore

ROOT = Path(__file__).resolve().parent.parent
LABOR_2 = "最高人民法院关于审理劳动争议案件适用法律问题的解释（二）"
LABOR_1 = "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）"
FAMILY_1 = "最高人民法院关于适用《中华人民共和国民法典》婚姻家庭编的解释（一）"
FAMILY_2 = "最高人民法院关于适用《中华人民共和国民法典》婚姻家庭编的解释（二）"
LABOR_CONTRACT = "中华人民共和国劳动合同法"
REGISTRATION = "婚姻登记条例"
INSURANCE = "机动车交通事故责任强制保险条例"


@pytest.fixture(scope="module")
def bare():
    """A machine without the statute folder."""
    return StatuteStore(markdown_dirs=[])


def cites(entry, law, article, *keywords) -> bool:
    return any(c.law == law and c.article == article and set(keywords) <= set(c.keywords)
               for c in entry.citations)


def severities(store, ref, claim):
    problems = check_citation(store, ref, "x.yml", 1, claim=claim)
    return [p.severity for p in problems], " | ".join(p.message for p in problems)


# -- the supplement -------------------------------------------------------------------------------
def test_supplement_describes_the_2025_documents(store):
    docs = store.supplement.documents
    labor = docs[LABOR_2]
    assert (labor.issuer, labor.document_number, labor.effective) == \
        ("最高人民法院", "法释〔2025〕12号", dt.date(2025, 9, 1))
    reg = docs[REGISTRATION]
    assert (reg.issuer, reg.document_number, reg.effective) == \
        ("国务院", "中华人民共和国国务院令第804号", dt.date(2025, 5, 10))
    for doc in (labor, reg):
        assert doc.status == "现行有效" and doc.source.startswith("https://")
        for key in ("document_number", "adopted", "published", "source"):
            assert getattr(doc, key) is not None or doc.notes.get(key), f"{doc.name}: {key}"
    old = next(v for v in reg.supersedes if v.version == "2003")
    assert old.document_number == "中华人民共和国国务院令第387号" and old.markdown_title == REGISTRATION
    assert store.supplement.reviewed == dt.date(2026, 12, 5)


@pytest.mark.parametrize("alias,name", [("劳动争议解释（二）", LABOR_2), ("劳动争议解释(二)", LABOR_2),
                                        ("婚姻登记条例", REGISTRATION)])
def test_supplement_documents_resolve_by_short_name(bare, alias, name):
    assert bare.resolve_name(alias) == name
    assert bare.law_status(name) == "现行有效" and name in bare.named_only


def test_the_2003_registration_text_in_the_folder_is_never_current(store):
    if store.superseded_article(REGISTRATION, 5) is None:
        pytest.skip("no statute folder with the 2003 婚姻登记条例 on this machine")
    assert "户口簿" in store.superseded_article(REGISTRATION, 5).text
    assert REGISTRATION not in store.md_laws and store.articles_of(REGISTRATION) == []
    assert store.get(REGISTRATION, 5) is None and store.law_status(REGISTRATION) == "现行有效"


@pytest.mark.parametrize("which", ["store", "bare"])
def test_a_citation_of_the_superseded_registration_rules_is_refused(store, bare, which):
    st = store if which == "store" else bare
    sev, msg = severities(st, CitationRef(REGISTRATION, 5, 0, ("户口簿",)), "带上户口簿和身份证。")
    assert "error" in sev and "superseded by" in msg and "国务院令第804号" in msg
    sev, msg = severities(st, CitationRef("婚姻登记条例（2003年）", 8, 0, ()), "带上居民身份证。")
    assert sev == ["error"] and "superseded by" in msg


@pytest.mark.parametrize("which", ["store", "bare"])
def test_an_unknown_article_of_a_supplement_document_is_an_error(store, bare, which):
    st = store if which == "store" else bare
    sev, msg = severities(st, CitationRef(LABOR_2, 99, 0, ()), "任何文字")
    assert sev == ["error"] and "unknown article" in msg


def test_a_listed_article_is_checked_by_name_and_its_terms(bare):
    ref = CitationRef(LABOR_2, 13, 0, ("商业秘密",))
    good = "没有接触商业秘密的，竞业限制对您没有约束力；范围过宽的，超过部分无效。"
    sev, msg = severities(bare, ref, good)
    assert sev == ["warning"] and "checked by name only" in msg and "第13条" in msg
    # an answer missing one of the article's terms
    sev, msg = severities(bare, ref, "没有接触商业秘密的，竞业限制对您没有约束力。")
    assert sev == ["error"] and "超过部分无效" in msg
    # a keyword the supplement does not record for the article
    sev, msg = severities(bare, CitationRef(LABOR_2, 13, 0, ("二倍工资",)), good)
    assert "error" in sev and "二倍工资" in msg
    # without the text that cites it, nothing can be checked
    assert [p.severity for p in check_citation(bare, ref, "x.yml", 1)] == ["error"]


def test_a_document_not_yet_in_force_is_an_error():
    early = StatuteStore(markdown_dirs=[], today=dt.date(2025, 8, 31))
    sev, msg = severities(early, CitationRef(LABOR_2, 13, 0, ()), "商业秘密 约束力 超过部分无效")
    assert sev == ["error"] and "not in force" in msg


def test_the_repealed_paragraph_of_labor_interpretation_one_article_32(store, bare):
    for st in (store, bare):
        sev, msg = severities(st, CitationRef(LABOR_1, 32, 0, ("按劳务关系处理",)), "返聘按劳务关系处理。")
        assert "error" in sev and "repealed by article 21" in msg
    art = store.get(LABOR_1, 32)
    if art is not None:  # the folder text is served without the repealed paragraph
        assert "领取退休金" not in art.text and "按劳动关系处理" in art.text
        sev, _ = severities(store, CitationRef(LABOR_1, 32, 0, ("按劳动关系处理",)), "内退人员")
        assert sev == []


def test_a_broken_supplement_is_reported_not_a_crash(tmp_path):
    bad = tmp_path / "supplement.yml"
    bad.write_text("documents:\n  - name: 某解释\n    issuer: 最高人民法院\n    document_number: null\n"
                   "    adopted: null\n    published: null\n    effective: 2025-01-01\n"
                   "    status: 现行有效\n    source: https://example.org/\n    articles: {}\n",
                   encoding="utf-8")
    st = StatuteStore(markdown_dirs=[], supplement_file=bad)
    problems = check_supplement(st)
    assert [p.severity for p in problems] == ["error"] and "notes.document_number" in problems[0].message


FAQ = """- id: labor.test.non_compete
  domain: labor
  topic: 测试
  questions: [竞业限制有效吗, 没接触秘密也要遵守竞业吗, 竞业范围太大怎么办, 违反竞业要赔吗]
  answer: >-
    {answer}
  citations:
    - {{law: 最高人民法院关于审理劳动争议案件适用法律问题的解释（二）, article: 13, keywords: [商业秘密]}}
"""


def test_the_validator_checks_an_answer_against_the_supplement_terms(tmp_path, store):
    tail = "下一步：带上劳动合同，向劳动人事争议仲裁委员会申请仲裁。"
    (tmp_path / "labor").mkdir()
    path = tmp_path / "labor" / "x.yml"
    path.write_text(FAQ.format(answer="没有接触过单位商业秘密的，竞业限制条款对您没有约束力。" * 5 + tail),
                    encoding="utf-8")
    errors = [p.message for p in check_faqs(tmp_path, store)[1] if p.severity == "error"]
    assert any("超过部分无效" in e for e in errors)
    path.write_text(FAQ.format(answer="没有接触过单位商业秘密的，竞业限制条款对您没有约束力，超过部分无效。" * 4
                                      + tail), encoding="utf-8")
    problems = check_faqs(tmp_path, store)[1]
    assert not [p.message for p in problems if p.severity == "error"]
    assert any(p.severity == "warning" and "checked by name only" in p.message for p in problems)


def test_legalbot_check_verbose_names_the_articles_checked_by_name_only():
    p = subprocess.run([sys.executable, "-m", "web.cli", "check", "-v"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:]
    lines = [ln for ln in p.stdout.splitlines() if "checked by name only" in ln]
    assert any("warning" in ln and "劳动争议案件适用法律问题的解释（二）》第13条" in ln for ln in lines)
    assert any("《婚姻登记条例》第8条" in ln for ln in lines)


# -- the five answers of the review ---------------------------------------------------------------
def test_unlawful_dismissal_damages(faqs):
    e = faqs["labor.dismissal.unlawful_damages"]
    assert cites(e, LABOR_CONTRACT, 40) and cites(e, "中华人民共和国劳动合同法实施条例", 20)
    assert cites(e, LABOR_1, 47) and cites(e, LABOR_2, 16) and cites(e, LABOR_2, 18)
    assert "额外支付一个月工资" in e.answer and "不违法" in e.answer  # notice may be paid instead
    assert "起诉前补正" in e.answer  # a missing union notice can be cured
    assert "违法解除期间的工资" in e.answer
    for case in ("期满", "养老保险待遇", "破产", "解散", "其他用人单位"):
        assert case in e.answer
    assert "该提前通知没通知" not in e.answer and "岗位已撤销" not in e.answer


def test_unused_annual_leave_pay(faqs):
    e = faqs["labor.overtime.unused_leave_pay"]
    assert "离职后一年内" not in e.answer and "同意不休的" not in e.answer
    assert "年度结束" in e.answer and "下一年度结束" in e.answer and "并不是等离职" in e.answer
    assert cites(e, "中华人民共和国劳动争议调解仲裁法", 27)
    # article 7 is cited only with what it says
    assert cites(e, "职工带薪年休假条例", 7, "加付赔偿金") and "加付赔偿金" in e.answer
    assert "书面提出不休" in e.answer


def test_premarital_house(faqs):
    e = faqs["marriage.property.premarital_house"]
    assert cites(e, FAMILY_2, 5) and cites(e, FAMILY_1, 78)
    assert "按共有处理" not in e.answer and "不当然一人一半" in e.answer
    assert "判回给房一方" in e.answer


def test_non_compete(faqs):
    e = faqs["labor.contracts.non_compete"]
    assert cites(e, LABOR_2, 13) and cites(e, LABOR_2, 15)
    for words in ("商业秘密", "没有约束力", "超过部分无效", "返还", "违约金"):
        assert words in e.answer


def test_drunk_or_unlicensed_driver_and_the_victims_property(faqs):
    e = faqs["traffic.insurance.drunk_unlicensed_victim"]
    assert cites(e, INSURANCE, 22, "驾驶人未取得驾驶资格或者醉酒的", "被盗抢期间肇事的",
                 "被保险人故意制造道路交通事故的")
    for case in ("无证", "醉酒", "盗抢", "故意制造事故", "四种情形"):
        assert case in e.answer
    assert "饮酒" in e.answer and "仍在财产损失赔偿限额内赔" in e.answer
    assert "但这几种情形下，你的财产损失" not in e.answer  # drugged driving was wrongly included


# -- the sweep ------------------------------------------------------------------------------------
def test_a_social_insurance_waiver_is_void(faqs):
    e = faqs["labor.social_insurance.waiver_agreement"]
    assert cites(e, LABOR_2, 19) and "无效" in e.answer and cites(e, LABOR_CONTRACT, 38)


def test_no_rule_treats_re_employed_pensioners_as_service_by_a_repealed_paragraph(faqs, store):
    # 解释（二） art. 21 repealed art. 32 para. 1 (pensioners -> service relation); para. 2
    # (内退、停薪留职 staff working for another employer: a labor relation) still stands
    para_1 = ("养老保险待遇", "退休金", "劳务关系")
    for e in faqs.values():
        for c in e.citations:
            if c.law == LABOR_1 and c.article == 32:
                words = "".join(getattr(c, "keywords", None) or [])
                assert words and not any(w in words for w in para_1), (e.id, words)
                assert "内退" in words or "停薪留职" in words, (e.id, words)
    assert "领养老金的退休人员再干活" not in faqs["labor.contracts.labor_vs_service"].answer
    rehire = faqs["labor.contracts.retiree_rehire"]
    assert cites(rehire, LABOR_2, 21) and "废止" in rehire.answer
    assert "法院按劳务关系处理" not in rehire.answer


_HUKOU = re.compile(r"户口[簿本]")
_NEGATED = ("不再", "不需要", "不要求", "扣着", "扣押")


def _hukou_required(text: str) -> list[str]:
    return [text[max(0, m.start() - 12):m.end()] for m in _HUKOU.finditer(text)
            if not any(n in text[max(0, m.start() - 12):m.start()] for n in _NEGATED)]


def test_no_answer_asks_for_a_household_register_to_register_a_marriage(faqs):
    for e in faqs.values():
        if re.search(r"婚姻登记|结婚登记|离婚登记|领证|复婚", e.answer):
            assert not _hukou_required(e.answer), (e.id, _hukou_required(e.answer))


def test_registration_answers_cite_the_2025_regulation(faqs):
    for fid in ("marriage.marriage.registration_materials", "marriage.marriage.parents_oppose",
                "marriage.marriage.remarriage_documents", "marriage.divorce.remarry_each_other",
                "marriage.marriage.make_up_registration"):
        e = faqs[fid]
        assert cites(e, REGISTRATION, 8) and "居民身份证" in e.answer, fid


def test_the_divorce_case_does_not_ask_for_the_household_register(knowledge):
    case = knowledge.case_types["divorce"]
    texts = [s["text"] for s in case.next_steps] + list(case.documents)
    assert not [t for t in texts if _hukou_required(t)]


def test_adding_a_spouse_to_the_deed(faqs):
    e = faqs["marriage.property.add_name_house"]
    assert cites(e, FAMILY_2, 5) and cites(e, "中华人民共和国民法典", 658)
    assert "加名不等于一人一半" in e.answer and "经过公证的除外" in e.answer
