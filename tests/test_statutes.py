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
