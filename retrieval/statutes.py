"""Statute citations in order of relevance.

Candidates are the articles cited by the FAQ entries the question most likely means (the chosen
answer first, then the alternatives, each weighted by its probability) and the articles of the
decided domain that are nearest to the question, by meaning (dense) and by words (BM25). Each
candidate gets ``faq * weight_from_faqs + dense * similarity + keyword * bm25_share`` plus
``law_bonus`` for an article of a law itself (rather than of a regulation or judicial
interpretation applying it), weights under ``statutes`` in knowledge/scope/retrieval.yml; the
chosen FAQ's own citations are always kept, since they support the sentences of its answer.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

Key = tuple[str, int, int]


def key_of(c: dict) -> Key:
    return c["law"], int(c["article"]), int(c.get("sub", 0) or 0)


class StatuteRanker:
    def __init__(self, statutes: list[dict], dense, bm25, tokenizer, params: dict):
        self.statutes = statutes
        self.dense = dense if dense is not None and dense.ntotal else None
        self.bm25 = bm25
        self.tokenizer = tokenizer
        self.params = params
        self.domain = np.array([s["domain"] for s in statutes])
        self.keys = [(s["law"], s["article"], s.get("sub", 0)) for s in statutes]

    def _dense(self, qv: np.ndarray, domain: str, k: int) -> dict[Key, float]:
        if self.dense is None:
            return {}
        scores, ids = self.dense.search(qv, min(k, self.dense.ntotal))
        floor = float(self.params.get("min_similarity", 0.3))
        return {self.keys[i]: float(s) for s, i in zip(scores[0], ids[0])
                if i >= 0 and s >= floor and self.domain[i] == domain}

    def _keyword(self, question: str, domain: str, k: int) -> dict[Key, float]:
        if self.bm25 is None:
            return {}
        tokens = [t for t in self.tokenizer.tokens(question) if t in self.bm25.vocab_dict]
        if not tokens:
            return {}
        docs, scores = self.bm25.retrieve([tokens], k=min(k, len(self.statutes)),
                                          show_progress=False, n_threads=1)
        hits = [(int(d), float(s)) for d, s in zip(docs[0], scores[0])
                if s > 0 and self.domain[int(d)] == domain]
        top = max((s for _, s in hits), default=0.0)
        return {self.keys[d]: s / top for d, s in hits} if top else {}

    def rank(self, qv: np.ndarray, question: str, domain: str, faq_weights: dict[Key, float],
             keep: list[Key], limit: int) -> list[Key]:
        """``keep`` first-class citations (always returned) and up to ``limit`` in all."""
        k = int(self.params.get("candidates", 40))
        w_faq, w_dense, w_kw = (float(self.params.get(n, 0.0)) for n in ("faq", "dense", "keyword"))
        score: dict[Key, float] = defaultdict(float)
        for key, weight in faq_weights.items():
            score[key] += w_faq * weight
        for key, sim in (self._dense(qv, domain, k) if w_dense else {}).items():
            score[key] += w_dense * sim
        for key, share in (self._keyword(question, domain, k) if w_kw else {}).items():
            score[key] += w_kw * share
        primary = float(self.params.get("law_bonus", 0.0))
        for key in score:
            if key[0].startswith("中华人民共和国"):
                score[key] += primary
        order = sorted(score, key=lambda c: -score[c])
        chosen = list(dict.fromkeys(keep))
        extra = [c for c in order if c not in chosen][:max(0, limit - len(chosen))]
        return sorted(chosen + extra, key=lambda c: -score.get(c, 0.0))
