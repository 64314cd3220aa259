"""Hybrid retrieval with three honest tiers.

For every question: the entry classifier's probabilities over all entries (entries.py), the best
dense similarity of each entry's phrasings (faiss) and its best keyword score (bm25s) are fused
into one score per entry: ``log p + dense_weight * similarity + bm25_weight * keyword share``.
Scope and domain come from the classifier's mass and the keyword evidence (scope.py). Then:

- out of scope: a referral (the best-scoring referral group, among those whose keywords the
  question names when it names any) that says where to go;
- a confident answer: the best FAQ entry of the decided domain, when the calibrated probability
  that it answers the question reaches ``answer.threshold``;
- otherwise "not sure": no ``faq_id``, up to three "您问的是不是" alternatives, an honest sentence.

Citations come from statutes.py, in order of relevance.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import yaml

from knowledge.content.library import Knowledge, get_knowledge
from knowledge.interview import safety

from . import entries as entry_classifier
from . import scope
from .index import load
from .statutes import StatuteRanker, key_of
from .tokenize import Tokenizer

DOMAINS = ("marriage", "traffic", "labor", "other")
MAX_CHARS = 600  # what is encoded of a long paste; keywords see the whole question


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for k, v in (override or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class HybridRetriever:
    """Loads the index once; ``ask(question)`` answers contract 1 of DESIGN.md."""

    def __init__(self, index_dir: Path | str, *, encoder, knowledge: Knowledge | None = None,
                 tokenizer: Tokenizer | None = None, mode: str = "hybrid",
                 params: dict | None = None):
        knowledge = knowledge or get_knowledge()
        self.encoder = encoder
        self.store = knowledge.statutes
        self.tokenizer = tokenizer or Tokenizer.from_knowledge(knowledge.root)
        self.index = load(Path(index_dir), encoder_id=encoder.id, tokenizer_id=self.tokenizer.id)
        tuning = yaml.safe_load((knowledge.root / "scope" / "retrieval.yml").read_text("utf-8"))
        self.params = _merge(tuning or {}, params or {})
        self.keywords = scope.Keywords.load(knowledge.root / "scope" / "keywords.yml")
        self.messages = knowledge.texts["retrieval"]
        self.mode = mode  # hybrid | dense | bm25
        entries = self.index.entries
        self._faq = np.array([e["kind"] == "faq" for e in entries])
        self._domain = np.array([e["domain"] for e in entries])
        self._doc_entry = np.array([d["entry"] for d in self.index.docs], dtype=np.int64)
        self._group = {e["id"].split(".", 1)[1]: i for i, e in enumerate(entries)
                       if e["kind"] == "other"}
        self.statutes = StatuteRanker(self.index.statutes, self.index.statute_dense,
                                      self.index.statute_bm25, self.tokenizer,
                                      self.params.get("statutes", {}))

    # -- signals and ranking ----------------------------------------------------------------------
    def _dense(self, qv: np.ndarray) -> np.ndarray:
        n = self.index.dense.ntotal
        scores, ids = self.index.dense.search(qv, min(int(self.params.get("dense_k", 256)), n))
        out = np.full(len(self.index.entries), float(scores[0][-1]) if n else 0.0)
        for score, doc in zip(scores[0][::-1], ids[0][::-1]):
            if doc >= 0:
                e = self._doc_entry[doc]
                out[e] = max(out[e], float(score))
        return out

    def _bm25(self, question: str) -> np.ndarray:
        out = np.zeros(len(self.index.entries))
        tokens = [t for t in self.tokenizer.tokens(question) if t in self.index.bm25.vocab_dict]
        if not tokens:
            return out
        docs, scores = self.index.bm25.retrieve([tokens], k=min(100, len(self.index.docs)),
                                                show_progress=False, n_threads=1)
        for doc, score in zip(docs[0], scores[0]):
            e = self._doc_entry[int(doc)]
            out[e] = max(out[e], float(score))
        top = out.max()
        return out / top if top > 0 else out

    def signals(self, question: str) -> dict:
        """Query vector, classifier probabilities, dense and keyword scores per entry."""
        text = question[:MAX_CHARS]
        qv = self.encoder.encode_queries([self.tokenizer.expand(text)]).astype(np.float32)
        model = self.index.classifier
        n = len(self.index.entries)
        probs = entry_classifier.predict(model, qv) if model is not None else np.full(n, 1.0 / n)
        return {"qv": qv, "probs": probs, "dense": self._dense(qv), "keyword": self._bm25(text)}

    def fused(self, sig: dict) -> np.ndarray:
        dense_w = float(self.params.get("dense_weight", 3.0))
        bm25_w = float(self.params.get("bm25_weight", 0.3))
        if self.mode == "bm25":
            return sig["keyword"].copy()
        score = np.log(sig["probs"] + 1e-12) + dense_w * sig["dense"]
        if self.mode != "dense":
            score += bm25_w * sig["keyword"]
        return score

    def rank(self, question: str) -> tuple[list[tuple[int, float]], dict, np.ndarray]:
        """Entries by fused score, the dense similarities, and the query vector."""
        sig = self.signals(question)
        score = self.fused(sig)
        order = np.argsort(-score, kind="stable")
        return ([(int(e), float(score[e])) for e in order],
                {int(e): float(sig["dense"][e]) for e in order[:60]}, sig["qv"])

    # -- answering ----------------------------------------------------------------------------------
    def ask(self, question: str) -> dict:
        question = (question or "").strip()
        if not question:
            raise ValueError("question is empty")
        danger = safety.detect(question)
        if not self.tokenizer.tokens(question):
            return self._referral(None, 0.0, danger, unclear=True)
        return self.respond(question, self.signals(question), danger)

    def respond(self, question: str, sig: dict, danger=None) -> dict:
        """The reply for a question whose signals are known (tuning.py calls this directly)."""
        score = self.fused(sig)
        probs = sig["probs"]
        groups, decision = self.decide(question, probs)
        if decision.out_of_scope:
            return self._referral(self._best_group(score, groups), decision.p_out, danger)
        faq_score, order = self.faq_order(score, decision.domain)
        sure = self._sureness(probs, faq_score, order)
        ranking = [self.index.entries[e]["id"] for e in order]
        if sure >= float(self.params["answer"]["threshold"]):
            return self._answer(order, probs, sig, question, decision, sure, danger, ranking)
        return self._not_sure(order, probs, sig, question, decision, sure, danger, ranking)

    def decide(self, question: str, probs: np.ndarray):
        """(the referral keyword groups the question hits, the scope decision: in or out of
        scope and the domain) from the classifier's probabilities and the keyword evidence."""
        groups, words = self.keywords.hits(question)
        mass = {d: float(probs[self._domain == d].sum()) for d in scope.DOMAINS}
        return groups, scope.decide(mass, float(probs[~self._faq].sum()), groups, words,
                                    self.params["scope"])

    def faq_order(self, score: np.ndarray, domain: str) -> tuple[np.ndarray, list[int]]:
        """FAQ entries by fused score, those of the decided domain lifted by domain_bonus."""
        faq_score = np.where(self._faq, score, -np.inf) \
            + float(self.params.get("domain_bonus", 1.0)) * (self._domain == domain)
        return faq_score, [int(e) for e in np.argsort(-faq_score, kind="stable")[:5]]

    def answer_features(self, probs: np.ndarray, faq_score: np.ndarray,
                        order: list[int]) -> tuple[float, float]:
        """log p of the best FAQ (among FAQ entries) and its lead over the second (capped)."""
        faq_mass = float(probs[self._faq].sum()) or 1.0
        log_p = math.log(float(probs[order[0]]) / faq_mass + 1e-9)
        margin = float(faq_score[order[0]] - faq_score[order[1]]) if len(order) > 1 else 5.0
        return log_p, min(margin, 5.0)

    def _sureness(self, probs: np.ndarray, faq_score: np.ndarray, order: list[int]) -> float:
        """Calibrated probability that the best entry answers the question (see tuning.py)."""
        p = self.params["answer"]
        log_p, margin = self.answer_features(probs, faq_score, order)
        z = float(p["bias"]) + float(p["log_p"]) * log_p + float(p["margin"]) * margin
        return 1.0 / (1.0 + math.exp(-z))

    def _best_group(self, score: np.ndarray, groups: list[str]) -> int | None:
        named = [self._group[g] for g in groups if g in self._group]
        pool = named or list(self._group.values())
        return max(pool, key=lambda e: score[e]) if pool else None

    def _answer(self, order, probs, sig, question, decision, sure, danger, ranking) -> dict:
        entry = self.index.entries[order[0]]
        keep = [key_of(c) for c in entry.get("citations", [])]
        weights = {k: 1.0 for k in keep}
        self._add_faq_weights(weights, order[1:4], probs)
        limit = len(keep) + int(self.params.get("max_extra_citations", 3))
        citations = self._citations(sig["qv"], question, decision.domain, weights, keep, limit)
        return {"domain": decision.domain, "in_scope": True, "confidence": round(sure, 3),
                "faq_id": entry["id"], "answer": entry["answer"], "citations": citations,
                "escalate": bool(entry.get("escalate")) or danger is not None,
                "alternatives": [], "case_type": entry.get("case_type"),
                "topic": entry.get("topic"), "ranking": ranking}

    def _not_sure(self, order, probs, sig, question, decision, sure, danger, ranking) -> dict:
        shown = order[:3]
        alternatives = [{"faq_id": self.index.entries[e]["id"],
                         "question": self.index.entries[e].get("question")
                         or self.index.entries[e]["topic"]} for e in shown]
        msg = self.messages
        lines = [msg["not_sure"]] + [f"{n}. {a['question']}" for n, a in enumerate(alternatives, 1)]
        weights: dict = {}
        self._add_faq_weights(weights, shown, probs)
        limit = int(self.params.get("statutes", {}).get("not_sure_limit", 5))
        citations = self._citations(sig["qv"], question, decision.domain, weights, [], limit)
        return {"domain": decision.domain, "in_scope": True, "confidence": round(sure, 3),
                "faq_id": None, "answer": "\n".join(lines + [msg["not_sure_tail"]]),
                "citations": citations, "escalate": danger is not None,
                "alternatives": alternatives, "case_type": self._common_case(order, probs),
                "topic": None, "ranking": ranking}

    def _common_case(self, order: list[int], probs: np.ndarray) -> str | None:
        """The case type most of the likely entries share (the analysis can still be offered
        when the robot is unsure which question it was, but sure of the kind of case)."""
        mass: dict[str, float] = {}
        for e in order:
            ct = self.index.entries[e].get("case_type")
            if ct:
                mass[ct] = mass.get(ct, 0.0) + float(probs[e])
        total = float(sum(probs[e] for e in order)) or 1.0
        best = max(mass, key=mass.get, default=None)
        return best if best and mass[best] / total >= 0.5 else None

    def _add_faq_weights(self, weights: dict, entries_: list[int], probs: np.ndarray) -> None:
        total = float(sum(probs[e] for e in entries_)) or 1.0
        for e in entries_:
            share = float(probs[e]) / total
            for c in self.index.entries[e].get("citations", []):
                weights[key_of(c)] = weights.get(key_of(c), 0.0) + share

    def _citations(self, qv, question, domain, weights, keep, limit) -> list[dict]:
        out = []
        for key in self.statutes.rank(qv, question, domain, weights, keep, limit):
            cj = self.citation_json(*key)
            if cj:
                out.append(cj)
        return out

    def _referral(self, other: int | None, confidence: float, danger, unclear=False) -> dict:
        msg = self.messages
        group = None
        if unclear or other is None:
            answer = msg["unclear"]
        else:
            group = self.index.entries[other]
            parts = [msg["out_of_scope"], group.get("advice", "")]
            if group.get("office") and group["office"] != "无":
                parts.append(msg["referral_office"].format(office=group["office"]))
            parts.append(msg["referral_tail"])
            answer = "".join(p for p in parts if p)
        return {"domain": "other", "in_scope": False, "confidence": round(float(confidence), 3),
                "faq_id": None, "answer": answer, "citations": [], "escalate": danger is not None,
                "alternatives": [], "case_type": None, "topic": None, "ranking": [],
                "referral": group["id"] if group else None}

    def answer_entry(self, faq_id: str) -> dict:
        """The answer of the FAQ entry a resident chose among the "您问的是不是" choices (the
        bot's buttons carry its id): a confident answer in the reply shape of ``ask``, with the
        entry's own citations. KeyError for an id that is not an FAQ entry of the index."""
        entry = next((e for e in self.index.entries
                      if e["kind"] == "faq" and e["id"] == faq_id), None)
        if entry is None:
            raise KeyError(faq_id)
        citations = [cj for cj in (self.citation_json(*key_of(c))
                                   for c in entry.get("citations", [])) if cj]
        return {"domain": entry["domain"], "in_scope": True, "confidence": 1.0,
                "faq_id": entry["id"], "answer": entry["answer"], "citations": citations,
                "escalate": bool(entry.get("escalate")), "alternatives": [],
                "case_type": entry.get("case_type"), "topic": entry.get("topic"),
                "ranking": [entry["id"]]}

    def citation_json(self, law: str, article: int, sub: int = 0) -> dict | None:
        art = self.store.get(law, article, sub)
        if art is None:
            if law not in self.store.named_only:
                return None  # repealed, or a text we hold without such an article: never cite
            out = {"law": law, "article": article, "status": "未核验", "text": "",
                   "note": self.messages["citation_unverified"]}
        else:
            out = {"law": art.law, "article": art.article, "status": art.status, "text": art.text}
        if sub:
            out["sub"] = sub
        return out
