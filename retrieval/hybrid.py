"""Hybrid retrieval: dense (faiss) + keyword (bm25s) fused by reciprocal rank; a domain vote
among the best entries (out-of-scope referral groups take part as a fourth domain); an in-scope
decision on the best dense similarity with a calibrated threshold; citations from the FAQ first,
then from statute retrieval in the decided domain.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

from knowledge.content.library import Knowledge, get_knowledge
from knowledge.interview import safety

from . import scope
from .index import load
from .tokenize import Tokenizer

DOMAINS = ("marriage", "traffic", "labor", "other")


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
        self.params = {**(tuning or {}), **(params or {})}
        self.messages = knowledge.texts["retrieval"]
        self.mode = mode  # hybrid | dense | bm25
        self._statute_domain = np.array([s["domain"] for s in self.index.statutes])

    # -- ranking --------------------------------------------------------------------------------
    def _dense(self, qv: np.ndarray, k: int) -> dict[int, float]:
        scores, ids = self.index.dense.search(qv, min(k, self.index.dense.ntotal))
        best: dict[int, float] = {}
        for score, doc in zip(scores[0], ids[0]):
            if doc < 0:
                continue
            e = self.index.docs[doc]["entry"]
            best[e] = max(best.get(e, -1.0), float(score))
        return best

    def _bm25(self, question: str, k: int) -> dict[int, float]:
        tokens = self.tokenizer.tokens(question)
        vocab = self.index.bm25.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return {}
        docs, scores = self.index.bm25.retrieve([tokens], k=min(k, len(self.index.docs)),
                                                show_progress=False, n_threads=1)
        best: dict[int, float] = {}
        for doc, score in zip(docs[0], scores[0]):
            if score <= 0:
                continue
            e = self.index.docs[int(doc)]["entry"]
            best[e] = max(best.get(e, 0.0), float(score))
        return best

    def rank(self, question: str, k: int = 60) -> tuple[list[tuple[int, float]], dict, np.ndarray]:
        """Entries by fused score, the dense similarities, and the query vector."""
        qv = self.encoder.encode_queries([self.tokenizer.expand(question)]).astype(np.float32)
        dense = self._dense(qv, k) if self.mode != "bm25" else {}
        keyword = self._bm25(question, k) if self.mode != "dense" else {}
        rrf_k = float(self.params["rrf_k"])
        weights = (1.0, float(self.params.get("bm25_weight", 1.0)) if dense else 1.0)
        fused: dict[int, float] = defaultdict(float)
        for weight, ranking in zip(weights, (dense, keyword)):
            for rank, (e, _) in enumerate(sorted(ranking.items(), key=lambda x: -x[1])):
                fused[e] += weight / (rrf_k + rank + 1)
        if self.mode == "bm25" and keyword:  # keyword-only: similarity from the top bm25 score
            top = max(keyword.values())
            dense = {e: 0.3 + 0.7 * s / top for e, s in keyword.items()}
        return sorted(fused.items(), key=lambda x: -x[1]), dense, qv

    # -- answering ------------------------------------------------------------------------------
    def ask(self, question: str) -> dict:
        question = (question or "").strip()
        if not question:
            raise ValueError("question is empty")
        ranked, dense, qv = self.rank(question)
        danger = safety.detect(question)
        entries = self.index.entries
        if not ranked:
            return self._referral(None, 0.0, danger, unclear=True)
        domain, probs = self._decide_domain(ranked, dense, qv)
        best_faq = next((e for e, _ in ranked if entries[e]["kind"] == "faq"
                         and entries[e]["domain"] == domain), None)
        sim = dense.get(best_faq, 0.0) if best_faq is not None else 0.0
        in_scope = domain != "other" and best_faq is not None \
            and sim >= float(self.params["min_similarity"])
        if not in_scope:
            other = next((e for e, _ in ranked if entries[e]["kind"] == "other"), None)
            return self._referral(other, probs.get("other", 1.0 - max(probs.values())), danger)
        confidence = round(probs[domain], 3)
        entry = entries[best_faq]
        citations = self._faq_citations(entry) + self._statute_citations(qv, domain, entry)
        return {"domain": domain, "in_scope": True, "confidence": confidence,
                "faq_id": entry["id"], "answer": entry["answer"], "citations": citations,
                "escalate": bool(entry.get("escalate")) or danger is not None,
                "case_type": entry.get("case_type"), "topic": entry.get("topic")}

    def _decide_domain(self, ranked, dense, qv) -> tuple[str, dict[str, float]]:
        """The scope classifier decides (other when P(other) passes the calibrated threshold);
        without one, a vote of the best entries weighted by fused score and similarity."""
        model = self.index.scope
        if model is not None:
            probs = scope.predict(model, qv)
            if probs["other"] >= float(self.params["other_threshold"]):
                return "other", probs
            return max(("marriage", "traffic", "labor"), key=probs.get), probs
        votes: dict[str, float] = defaultdict(float)
        for e, score in ranked[: int(self.params["top_entries"])]:
            votes[self.index.entries[e]["domain"]] += score * max(dense.get(e, 0.0), 0.05)
        total = sum(votes.values()) or 1.0
        probs = {d: votes.get(d, 0.0) / total for d in DOMAINS}
        return max(probs, key=probs.get), probs

    def _referral(self, other: int | None, confidence: float, danger, unclear=False) -> dict:
        msg = self.messages
        if unclear or other is None:
            answer = msg["unclear"]
        else:
            group = self.index.entries[other]
            parts = [msg["out_of_scope"], group.get("advice", "")]
            if group.get("office") and group["office"] != "无":
                parts.append(f"建议您到{group['office']}咨询办理。")
            parts.append(msg["referral_tail"])
            answer = "".join(p for p in parts if p)
        return {"domain": "other", "in_scope": False, "confidence": round(float(confidence), 3),
                "faq_id": None, "answer": answer, "citations": [], "escalate": danger is not None,
                "case_type": None, "topic": None}

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

    def _faq_citations(self, entry: dict) -> list[dict]:
        out = []
        for c in entry.get("citations", []):
            cj = self.citation_json(c["law"], c["article"], c.get("sub", 0))
            if cj:
                out.append(cj)
        return out

    def _statute_citations(self, qv: np.ndarray, domain: str, entry: dict) -> list[dict]:
        idx = self.index.statute_dense
        if idx is None or idx.ntotal == 0:
            return []
        have = {(c["law"], c["article"], c.get("sub", 0)) for c in entry.get("citations", [])}
        scores, ids = idx.search(qv, min(40, idx.ntotal))
        out = []
        for score, i in zip(scores[0], ids[0]):
            if i < 0 or score < float(self.params["statute_min_similarity"]):
                break
            s = self.index.statutes[i]
            key = (s["law"], s["article"], s.get("sub", 0))
            if s["domain"] != domain or key in have:
                continue
            cj = self.citation_json(*key)
            if cj:
                have.add(key)
                out.append(cj)
            if len(out) >= int(self.params["max_extra_citations"]):
                break
        return out
