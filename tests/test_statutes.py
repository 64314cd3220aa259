"""Statute store: article look-up, status, and citation parsing in Chinese text."""
from __future__ import annotations

import pytest

from knowledge.content.statutes import cn_to_int


@pytest.mark.parametrize("text,value", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20),
                                        ("一百零八", 108), ("一千零七十九", 1079),
                                        ("一千二百六十", 1260), ("1087", 1087), ("两百", 200)])
def test_chinese_numerals(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text,expected", [
    ("《民法典》第一千零七十九条", [("中华人民共和国民法典", 1079, 0, None)]),
    ("依照民法典第1079条的规定", [("中华人民共和国民法典", 1079, 0, None)]),
    ("《劳动合同法》第四十七条第二款", [("中华人民共和国劳动合同法", 47, 0, 2)]),
    ("刑法第一百二十条之一", [("中华人民共和国刑法", 120, 1, None)]),
    ("《民法典》第1079条、第1087条", [("中华人民共和国民法典", 1079, 0, None),
                                   ("中华人民共和国民法典", 1087, 0, None)]),
])
def test_parse_citations(store, text, expected):
    got = [(c.law, c.article, c.sub, c.paragraph) for c in store.parse(text)]
    assert got == expected
    assert all(c.exists and c.status == "现行有效" for c in store.parse(text))


def test_repealed_law_is_reported(store):
    [c] = store.parse("根据《婚姻法》第三十二条")
    assert c.law == "中华人民共和国婚姻法" and c.status == "已废止" and not c.exists
    assert c.replaced_by == "中华人民共和国民法典"


def test_missing_article_and_unknown_law(store):
    [c] = store.parse("《民法典》第九千条")
    assert not c.exists
    assert store.check("不存在的法", 1).known_law is False


def test_article_text_comes_from_laws_db(store):
    art = store.get("中华人民共和国劳动合同法", 82)
    assert art.source == "laws.db" and "二倍的工资" in art.text


def test_regulation_from_markdown_folder(store):
    if not store.md_laws:
        pytest.skip("no LawRefBook folder configured on this machine")
    art = store.get("工伤保险条例", 17)
    assert art is not None and "30日" in art.text


def test_store_without_markdown_folders_still_serves_national_laws():
    from knowledge.content.statutes import StatuteStore

    bare = StatuteStore(markdown_dirs=[])
    assert bare.get("民法典", 1077) is not None
    assert bare.get("工伤保险条例", 17) is None
    assert bare.law_status("中华人民共和国继承法") == "已废止"


def test_without_the_statute_folder_interpretations_are_known_by_name_only(knowledge):
    """A fresh machine without ../shared: citations of regulations and judicial interpretations
    are checked by name and article (a warning), never reported as unknown laws, and the whole
    knowledge base passes `legalbot check`."""
    from knowledge.check import run_check
    from knowledge.check.citations import check_citation
    from knowledge.content.faq import CitationRef
    from knowledge.content.statutes import StatuteStore

    bare = StatuteStore(markdown_dirs=[])
    name = bare.resolve_name("人身损害赔偿解释")
    assert name in bare.named_only and bare.resolve_name("工伤保险条例") in bare.named_only
    cit = bare.check(name, 12)
    assert cit.known_law and not cit.exists
    problems = check_citation(bare, CitationRef(name, 12, 0, ("残疾赔偿金",)), "x.yml", 1)
    assert [p.severity for p in problems] == ["warning"]
    # a made-up name is still an error, and so is a repealed law
    assert check_citation(bare, CitationRef("某某条例", 1), "x.yml", 1)[0].severity == "error"
    assert check_citation(bare, CitationRef("中华人民共和国婚姻法", 32), "x.yml", 1)[0].severity == "error"
    summary, all_problems = run_check(knowledge.root, bare)
    assert summary["faqs"] > 300
    assert [str(p) for p in all_problems if p.severity == "error"] == []
    assert any(p.severity == "warning" for p in all_problems)


def test_a_retriever_without_the_folder_shows_interpretations_unverified(index_dir, encoder):
    from knowledge.content.library import Knowledge
    from retrieval.hybrid import HybridRetriever

    bare = HybridRetriever(index_dir, encoder=encoder, knowledge=Knowledge(statutes_dirs=()))
    law = bare.store.resolve_name("工伤保险条例")
    cited = bare.citation_json(law, 17)
    assert cited["status"] == "未核验" and cited["text"] == "" and "flk.npc.gov.cn" in cited["note"]
    assert bare.citation_json("中华人民共和国婚姻法", 32) is None
    assert bare.citation_json("中华人民共和国民法典", 99999) is None
