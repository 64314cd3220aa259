"""Scope: is a question for the robot's three domains, and for which one.

Three pieces of evidence are weighed (weights under ``scope`` in
``knowledge/scope/retrieval.yml``, fitted on the dev half of the judged set by
``python -m retrieval.tuning``):

- the entry classifier's probability mass on the out-of-scope referral groups, as a logit;
- how many out-of-scope keyword groups of ``knowledge/scope/keywords.yml`` the question matches
  (at most 2 count): company registration, leases, property management, loans, insurance
  contracts, medical disputes, travel, taxis … are named by words a classifier trained on a
  few hundred anchor questions does not generalise to;
- how many in-domain words it matches (at most 3 count), which pull the other way.

``z = bias + model * logit(p_other) + out_words * groups + in_words * words``; the question is
referred when ``z`` reaches ``threshold``. The domain is the one with the largest classifier
mass, each matched word of a domain adding ``domain_word`` to its log-mass.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DOMAINS = ("marriage", "traffic", "labor")


@dataclass(frozen=True)
class Keywords:
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # (referral group id, words)
    domains: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "Keywords":
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        groups = tuple((str(g["referral"]), tuple(str(w).lower() for w in g.get("words", [])))
                       for g in data.get("out_of_scope", []))
        domains = {d: tuple(str(w).lower() for w in words)
                   for d, words in (data.get("in_scope") or {}).items()}
        return cls(groups, domains)

    def hits(self, text: str) -> tuple[list[str], dict[str, int]]:
        """Referral groups whose words occur in ``text``; per domain, how many of its words do."""
        text = text.lower()
        groups = [gid for gid, words in self.groups if any(w in text for w in words)]
        return groups, {d: sum(w in text for w in words) for d, words in self.domains.items()}


@dataclass
class Decision:
    out_of_scope: bool
    z: float
    p_out: float
    domain: str
    domain_probs: dict[str, float]
    groups: list[str]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def decide(domain_mass: dict[str, float], p_other: float, groups: list[str],
           words: dict[str, int], params: dict) -> Decision:
    """Weigh the evidence (see the module docstring)."""
    n_words = sum(words.values())
    z = (float(params["bias"]) + float(params["model"]) * _logit(p_other)
         + float(params["out_words"]) * min(len(groups), 2)
         + float(params["in_words"]) * min(n_words, 3))
    w = float(params.get("domain_word", 0.5))
    scores = {d: math.log(domain_mass.get(d, 0.0) + 1e-9) + w * words.get(d, 0) for d in DOMAINS}
    top = max(scores.values())
    expd = {d: math.exp(s - top) for d, s in scores.items()}
    total = sum(expd.values())
    probs = {d: v / total for d, v in expd.items()}
    return Decision(out_of_scope=z >= float(params["threshold"]), z=z,
                    p_out=1.0 / (1.0 + math.exp(-(z - float(params["threshold"])))),
                    domain=max(probs, key=probs.get), domain_probs=probs, groups=groups)
