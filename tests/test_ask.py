"""`legalbot ask`: contract 1 of DESIGN.md, in process and through the console script."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from web.cli import ask_lines

KEYS = {"id", "domain", "in_scope", "confidence", "faq_id", "answer", "citations", "escalate",
        "alternatives"}


def run_lines(retriever, lines):
    out = io.StringIO()
    ask_lines(retriever, lines, out)
    return [json.loads(x) for x in out.getvalue().splitlines()]


def test_contract_shape_and_order(retriever):
    rows = run_lines(retriever, [json.dumps({"id": i, "question": q}, ensure_ascii=False) + "\n"
                                 for i, q in enumerate(["老板跑路了工资谁给", "离婚了孩子归谁",
                                                        "被电动车撞了对方没钱"])])
    assert [r["id"] for r in rows] == [0, 1, 2]
    for r in rows:
        assert set(r) == KEYS
        assert r["domain"] in ("marriage", "traffic", "labor", "other")
        assert 0.0 <= r["confidence"] <= 1.0
        for c in r["citations"]:
            assert isinstance(c["article"], int) and c["law"].startswith(("中华人民共和国", "最高", "工伤",
                                                                          "机动车", "保障", "道路"))
            assert c["status"] in ("现行有效", "未核验")
        assert isinstance(r["alternatives"], list) and len(r["alternatives"]) <= 3
        for a in r["alternatives"]:
            assert set(a) == {"faq_id", "question"} and a["faq_id"] and a["question"]
        # two tiers in scope: a confident answer (an faq_id, no alternatives) or "not sure"
        # (no faq_id, one to three alternatives)
        assert bool(r["faq_id"]) != bool(r["alternatives"]) or not r["in_scope"]
    assert [r["domain"] for r in rows] == ["labor", "marriage", "traffic"]
    assert all(r["in_scope"] for r in rows)


def test_citations_are_current_articles_with_text(retriever, store):
    r = retriever.ask("公司一直不跟我签劳动合同，能要双倍工资吗")
    assert r["citations"]
    for c in r["citations"]:
        art = store.get(c["law"], c["article"], c.get("sub", 0))
        assert art is not None and art.text == c["text"]
        assert "婚姻法" not in c["law"] and "侵权责任法" not in c["law"]


def test_out_of_scope_is_referred(retriever):
    for q in ("朋友借了我五万块钱一直不还，手里只有微信聊天记录", "网购的手机是翻新机，商家不给退"):
        r = retriever.ask(q)
        assert r["in_scope"] is False and r["domain"] == "other" and r["faq_id"] is None
        assert "12348" in r["answer"] and r["citations"] == []


def test_danger_escalates(retriever):
    assert retriever.ask("我老公喝了酒就打我，昨天拿刀威胁要杀了我")["escalate"] is True


def test_bad_lines_get_error_objects_not_a_crash(retriever):
    rows = run_lines(retriever, ['{"id": "a", "question": "离婚冷静期多少天"}\n', "not json\n",
                                 '{"id": "b"}\n', '{"id": "c", "question": ""}\n', "[1, 2]\n",
                                 '{"id": "d", "question": "' + "长" * 6000 + '"}\n',
                                 '{"id": "e", "question": "工伤认定找谁"}\n'])
    assert [r.get("id") for r in rows] == ["a", None, "b", "c", None, "d", "e"]
    assert "error" in rows[1] and "error" in rows[2] and "error" in rows[3] and "error" in rows[5]
    assert rows[0]["in_scope"] and rows[6]["domain"] == "labor"


def test_console_script_jsonl(index_dir):
    exe = os.path.join(os.path.dirname(sys.executable), "legalbot")
    env = {**os.environ, "LEGALBOT_INDEX_DIR": str(index_dir)}
    lines = '{"id": 1, "question": "交通事故对方全责，误工费怎么算"}\nbroken\n'
    p = subprocess.run([exe, "ask", "--jsonl", "-"], input=lines, capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    assert rows[0]["id"] == 1 and rows[0]["domain"] == "traffic" and "error" in rows[1]


def test_bm25_weight_sets_the_keyword_share_of_the_fusion(index_dir, knowledge, encoder):
    from retrieval.hybrid import HybridRetriever

    no_keywords = HybridRetriever(index_dir, encoder=encoder, knowledge=knowledge, params={"bm25_weight": 0})
    dense = HybridRetriever(index_dir, encoder=encoder, knowledge=knowledge, mode="dense")
    default = HybridRetriever(index_dir, encoder=encoder, knowledge=knowledge)
    assert default.params["bm25_weight"] == 1.0
    for q in ("老板跑路了工资谁给", "被电动车撞了对方没钱", "离婚了孩子归谁", "工伤认定去哪里申请"):
        ranked0 = [e for e, _ in no_keywords.rank(q)[0]][:20]
        assert ranked0 == [e for e, _ in dense.rank(q)[0]][:20]


def _with(index_dir, knowledge, encoder, **params):
    from retrieval.hybrid import HybridRetriever

    return HybridRetriever(index_dir, encoder=encoder, knowledge=knowledge, params=params)


def test_not_sure_offers_up_to_three_alternatives_and_says_so(index_dir, knowledge, encoder):
    """The middle tier: no faq_id, "您问的是不是" choices, an honest sentence, still in scope."""
    never_sure = _with(index_dir, knowledge, encoder, answer={"threshold": 1.01})
    words = knowledge.texts["retrieval"]
    for q in ("老板跑路了工资谁给", "离婚了孩子归谁", "被电动车撞了对方没钱"):
        r = never_sure.ask(q)
        assert r["in_scope"] and r["faq_id"] is None and r["domain"] != "other"
        assert 1 <= len(r["alternatives"]) <= 3
        assert len({a["faq_id"] for a in r["alternatives"]}) == len(r["alternatives"])
        assert r["answer"].startswith(words["not_sure"]) and words["not_sure_tail"] in r["answer"]
        for n, a in enumerate(r["alternatives"], 1):
            assert f"{n}. {a['question']}" in r["answer"]
        assert r["confidence"] < 1.0
        row = run_lines(never_sure, [json.dumps({"id": 7, "question": q}, ensure_ascii=False)])[0]
        assert set(row) == KEYS and row["faq_id"] is None and row["alternatives"] == r["alternatives"]
    always = _with(index_dir, knowledge, encoder, answer={"threshold": 0.0})
    r = always.ask("老板跑路了工资谁给")
    assert r["faq_id"] and r["alternatives"] == [] and r["answer"] == next(
        e["answer"] for e in always.index.entries if e["id"] == r["faq_id"])


def test_the_tiers_follow_the_calibrated_probability(retriever):
    """A confident answer exactly when the calibrated probability reaches the threshold."""
    threshold = retriever.params["answer"]["threshold"]
    for q in ("公司一直不跟我签劳动合同，能要双倍工资吗", "离婚冷静期多少天", "交强险能赔多少钱",
              "我想问一下那个事情怎么弄", "家里的事情很复杂不知道怎么办"):
        r = retriever.ask(q)
        if r["in_scope"]:
            assert (r["faq_id"] is not None) == (r["confidence"] >= threshold)


def test_a_chosen_alternative_is_answered_as_that_entry(retriever, store):
    """What a "您问的是不是" button brings back: exactly that entry, with its own citations."""
    import pytest

    entry = next(e for e in retriever.index.entries if e["kind"] == "faq" and e.get("citations"))
    r = retriever.answer_entry(entry["id"])
    assert r["faq_id"] == entry["id"] and r["answer"] == entry["answer"] and r["in_scope"]
    assert r["alternatives"] == [] and r["domain"] == entry["domain"]
    cited = [(c["law"], c["article"]) for c in r["citations"]]
    assert cited and set(cited) <= {(c["law"], int(c["article"])) for c in entry["citations"]}
    for c in r["citations"]:
        assert c["status"] == "未核验" or store.get(c["law"], c["article"], c.get("sub", 0))
    for bad in ("other.lending", "labor.no_such_entry"):
        with pytest.raises(KeyError):
            retriever.answer_entry(bad)


def test_alternatives_become_buttons_that_name_the_entry():
    from bot.actions.render import alternative_buttons

    alts = [{"faq_id": "labor.a", "question": "短问题"},
            {"faq_id": "labor.b", "question": "很" * 60},
            {"faq_id": "labor.c", "question": "第三个"}, {"faq_id": "labor.d", "question": "多余"}]
    buttons = alternative_buttons({"alternatives": alts})
    assert [json.loads(b["payload"][len("/ask_legal"):])["faq_id"] for b in buttons] == \
        ["labor.a", "labor.b", "labor.c"]
    assert all(b["payload"].startswith("/ask_legal{") for b in buttons)
    assert buttons[0]["title"] == "短问题" and len(buttons[1]["title"]) == 40
    assert buttons[1]["title"].endswith("…")
    assert alternative_buttons({"alternatives": [], "faq_id": "labor.a"}) == []
