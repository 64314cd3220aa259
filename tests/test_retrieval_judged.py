"""The judged set (knowledge/eval/judged.jsonl) and `legalbot eval --judged`: the file's schema,
its fixed split into a tuning and a held-out half, the measures, and the command on a slice."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from retrieval.judged import half_of, load_judged, row_problems, score

ROOT = Path(__file__).resolve().parent.parent
JUDGED = ROOT / "knowledge" / "eval" / "judged.jsonl"


@pytest.fixture(scope="module")
def rows(knowledge):
    return load_judged(JUDGED, {f.id for f in knowledge.faqs})


def test_the_judged_set_is_well_formed_and_large_enough(rows):
    """At least 400 development questions, every domain (out of scope included), all four labels,
    every FAQ id real (load_judged checks each row and raises on any problem)."""
    dev = [r for r in rows if r["source"] == "dev_questions"]
    assert len(dev) >= 400 and len(rows) > len(dev)  # and some written as residents talk
    assert len({r["id"] for r in rows}) == len(rows)
    domains = Counter(r["domain"] for r in rows)
    assert all(domains[d] >= 60 for d in ("marriage", "traffic", "labor", "other"))
    labels = Counter(r["label"] for r in rows)
    assert set(labels) == {"answered", "partly", "none", "out_of_scope"}
    assert labels["answered"] >= 150 and labels["out_of_scope"] >= 100
    for r in rows:
        if r["label"] == "out_of_scope":
            assert r["referral"] and not r["answers"] and not r["partly"]
        if r["label"] in ("partly", "none"):
            assert r["note"]


def test_the_halves_are_fixed_and_balanced(rows):
    halves = Counter(half_of(r["id"]) for r in rows)
    assert set(halves) == {"dev", "test"}
    assert abs(halves["dev"] - halves["test"]) < 0.15 * len(rows)
    assert half_of("dev-0001") == half_of("dev-0001")  # a pure function of the id
    for h in ("dev", "test"):
        part = [r for r in rows if half_of(r["id"]) == h]
        assert Counter(r["domain"] for r in part)["other"] >= 40


def test_row_problems_names_what_is_wrong():
    good = {"id": "x", "source": "written", "question": "离婚冷静期多久", "domain": "marriage",
            "label": "answered", "answers": ["marriage.divorce.cooling_off"], "partly": [],
            "note": ""}
    assert row_problems(good, {"marriage.divorce.cooling_off"}) == []
    assert row_problems({**good, "label": "maybe"})
    assert row_problems({**good, "answers": []})  # answered needs answers
    assert row_problems({**good, "domain": "other"})  # other only for out_of_scope
    assert row_problems({**good, "label": "none", "answers": []})  # none needs a note
    assert row_problems({**good, "label": "out_of_scope", "domain": "other", "answers": []})
    assert "unknown FAQ id" in row_problems(good, set())[0]


def _reply(faq_id=None, in_scope=True, domain="marriage", alternatives=(), citations=()):
    return {"faq_id": faq_id, "in_scope": in_scope, "domain": domain,
            "alternatives": [{"faq_id": a, "question": a} for a in alternatives],
            "citations": [{"law": law, "article": art} for law, art in citations]}


def test_the_measures_count_what_they_say():
    rows = [
        {"id": "a", "domain": "marriage", "label": "answered", "answers": ["m.1"], "partly": ["m.2"]},
        {"id": "b", "domain": "marriage", "label": "answered", "answers": ["m.3"], "partly": []},
        {"id": "c", "domain": "labor", "label": "partly", "answers": [], "partly": ["l.1"]},
        {"id": "d", "domain": "other", "label": "out_of_scope", "answers": [], "partly": []},
        {"id": "e", "domain": "other", "label": "out_of_scope", "answers": [], "partly": []},
    ]
    results = {"a": _reply("m.1", citations=[("民法典", 1)]),
               "b": _reply(None, alternatives=["m.9", "m.8", "m.3"]),
               "c": _reply("l.1", domain="traffic"),
               "d": _reply(None, in_scope=False, domain="other"),
               "e": _reply("m.2")}
    out = score(rows, results, cited={"a": {("民法典", 1)}, "b": {("民法典", 2)}})
    assert out["confident_answers"] == 3
    assert out["precision_at_1"] == round(1 / 3, 4)  # only a is right
    assert out["precision_at_1_lenient"] == round(2 / 3, 4)  # c is partly right
    assert out["recall_at_3"] == 1.0  # b's third alternative answers it
    assert out["out_of_scope_rejected"] == 0.5 and out["in_scope_kept"] == 1.0
    assert out["domain_accuracy"] == round(2 / 3, 4) and out["not_sure_rate"] == round(1 / 3, 4)
    assert out["statute_hit_at_5"] == 0.5 and out["statute_questions"] == 2
    assert out["tiers_by_label"]["answered"] == {"right": 1, "not_sure": 1}
    assert out["confusion"]["labor->traffic"] == 1


def test_eval_judged_runs_on_a_slice(index_dir, tmp_path):
    """The command end to end on the first rows of the judged set: JSON with every measure."""
    lines = JUDGED.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "judged.jsonl"
    small.write_text("\n".join(lines[:6] + lines[-6:]) + "\n", encoding="utf-8")
    exe = os.path.join(os.path.dirname(sys.executable), "legalbot")
    p = subprocess.run([exe, "eval", "--judged", "--file", str(small), "--half", "all"],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "LEGALBOT_INDEX_DIR": str(index_dir)})
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["questions"] == 12
    for key in ("precision_at_1", "recall_at_3", "out_of_scope_rejected", "not_sure_rate",
                "domain_accuracy", "in_scope_kept", "statute_hit_at_5", "confusion",
                "tiers_by_label"):
        assert key in report
    assert {"dev", "test"} & set(report)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "?"}\n', encoding="utf-8")
    p = subprocess.run([exe, "eval", "--judged", "--file", str(bad)], capture_output=True,
                       text=True, timeout=300, env={**os.environ, "LEGALBOT_INDEX_DIR": str(index_dir)})
    assert p.returncode != 0 and "not well formed" in p.stderr


def test_no_resident_phrasing_is_a_near_copy_of_a_judged_question(rows):
    """The phrasings of knowledge/scope/phrasings are written in the team's words: none shares 40%
    or more of its character bigrams (Jaccard, the measure of knowledge/check/faqs.py) with a
    question of the judged set, else that question would be answered from its own copy."""
    from knowledge.check.faqs import normalize
    from retrieval.index import load_phrasings

    def grams(text: str) -> set[str]:
        t = normalize(text)
        return {t[i:i + 2] for i in range(len(t) - 1)} or {t}

    judged = [(r["id"], grams(r["question"])) for r in rows]
    close = []
    for fid, phrasings in load_phrasings(ROOT / "knowledge" / "scope" / "phrasings").items():
        for p in phrasings:
            g = grams(p)
            close += [(fid, p, qid) for qid, q in judged if len(g & q) >= 0.4 * len(g | q)]
    assert not close, close[:5]
