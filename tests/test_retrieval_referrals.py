"""Out-of-scope referrals are content: enough categories, each saying where to go; keyword
evidence that names only real referral groups; and questions of the kinds the held-out
evaluation found answered as if in scope are referred, to the right place."""
from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.index import collect, load_phrasings
from retrieval.scope import Keywords

SCOPE = Path(__file__).resolve().parent.parent / "knowledge" / "scope"


@pytest.fixture(scope="module")
def groups(knowledge):
    return {e["id"].split(".", 1)[1]: e for e in collect(knowledge).entries if e["kind"] == "other"}


def test_at_least_25_referral_categories_each_saying_where_to_go(knowledge, groups):
    content = collect(knowledge)
    counts = {}
    for d in content.docs:
        e = content.entries[d["entry"]]
        if e["kind"] == "other":
            counts[e["id"]] = counts.get(e["id"], 0) + 1
    assert len(groups) >= 25
    for gid, g in groups.items():
        assert g["topic"] and g["advice"], gid
        assert counts[g["id"]] >= 8, gid  # anchor questions the classifier learns from
        if gid != "not_legal":
            assert len(g["office"]) >= 8 and g["office"] != "无", gid


@pytest.mark.parametrize("gid,where", [
    ("consumer", "12315"), ("property_management", "住房城乡建设"), ("lending", "人民法院"),
    ("medical", "医疗纠纷人民调解委员会"), ("travel", "文化和旅游"), ("passenger_transport", "12328"),
    ("housing_fund", "12329"), ("insurance", "12378"), ("company", "市场监督管理"),
    ("construction", "住房城乡建设"), ("rental_property", "人民调解委员会"), ("tax", "12366"),
    ("criminal_fraud", "公安机关"), ("community_correction", "司法所"),
])
def test_the_referral_names_the_specific_office(groups, gid, where):
    assert where in groups[gid]["office"]


def test_keyword_groups_point_to_real_referral_groups_and_do_not_overlap_the_domains(groups):
    kw = Keywords.load(SCOPE / "keywords.yml")
    assert {gid for gid, _ in kw.groups} <= set(groups)
    assert set(kw.domains) == {"marriage", "traffic", "labor"}
    inside = {w for words in kw.domains.values() for w in words}
    for gid, words in kw.groups:
        assert words and not (set(words) & inside), gid
    found, per_domain = kw.hits("租的房子退租时房东不退押金，我老公去要也不给")
    assert "rental_property" in found and per_domain["marriage"] >= 1


def test_every_faq_entry_has_at_least_8_phrasings_and_no_phrasing_names_an_unknown_id(knowledge):
    extra = load_phrasings(SCOPE / "phrasings")
    ids = {f.id for f in knowledge.faqs}
    assert set(extra) <= ids
    content = collect(knowledge)
    per_entry = {}
    for d in content.docs:
        per_entry[d["entry"]] = per_entry.get(d["entry"], 0) + 1
    for i, e in enumerate(content.entries):
        if e["kind"] == "faq":
            assert per_entry.get(i, 0) >= 8, e["id"]


@pytest.mark.parametrize("question,group", [
    ("想注册一家小公司卖茶叶，要去哪里办执照", "company"),
    ("两个人合伙开了家面馆，他现在要退伙，账怎么算", "company"),
    ("给孩子买的意外险，孩子摔伤了保险公司说不在保障范围", "insurance"),
    ("物业把小区的公共绿地改成停车位收钱，业主能不能管", "property_management"),
    ("租房合同到期了，房东找理由扣押金不退", "rental_property"),
    ("同事找我借了两万块钱，打了借条，现在说没钱不还", "lending"),
    ("我设计的图案被一家网店拿去印在衣服上卖", "ip"),
    ("网上买的电动牙刷是假货，商家不给退", "consumer"),
    ("我妈在医院输液后过敏休克，医院说不是他们的责任", "medical"),
    ("跟旅行社签的合同说住四星酒店，到了住的是小旅馆", "travel"),
    ("出租车司机不打表，下车时多要了我五十块钱", "passenger_transport"),
    ("包了村里的水渠工程，干完了村委会不给结工程款", "construction"),
])
def test_kinds_the_held_out_check_found_answered_are_referred(retriever, groups, question, group):
    r = retriever.ask(question)
    assert r["in_scope"] is False and r["domain"] == "other" and r["faq_id"] is None, r["answer"]
    assert r["alternatives"] == [] and r["citations"] == []
    assert r["referral"] == f"other.{group}"
    assert groups[group]["office"] in r["answer"] and "12348" in r["answer"]
