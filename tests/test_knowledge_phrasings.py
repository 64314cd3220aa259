"""The resident phrasings of knowledge/scope/phrasings/*.yml, as the index reads them
(retrieval/index.py: load_phrasings): every key is a real FAQ entry (a typo would silently drop
its phrasings from the index), no phrasing teaches two entries, and the coverage entries of
issue 13 item 3 each carry at least eight phrasings of their own."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from knowledge.check.faqs import normalize
from knowledge.content import faq as faq_mod
from retrieval.index import load_phrasings

ROOT = Path(__file__).resolve().parent.parent / "knowledge"
PHRASINGS = ROOT / "scope" / "phrasings"
# The FAQ files written for the coverage gaps of the judged set (issue 13 item 3).
COVERAGE_FILES = [ROOT / "faqs" / p for p in (
    "labor/special_groups.yml", "labor/contracts_rules.yml", "marriage/inheritance_4.yml",
    "marriage/adoption.yml", "marriage/family_more.yml", "traffic/driving_rules.yml",
    "marriage/gaps_2.yml", "labor/gaps_2.yml", "traffic/gaps_2.yml")]


@pytest.fixture(scope="module")
def phrasings():
    return load_phrasings(PHRASINGS)


def test_every_phrasing_key_is_an_faq_entry(faqs, phrasings):
    assert phrasings, "no phrasings loaded"
    assert sorted(set(phrasings) - set(faqs)) == []


def test_no_phrasing_teaches_two_entries(faqs, phrasings):
    owners = defaultdict(set)
    for fid, qs in phrasings.items():
        for q in qs:
            owners[normalize(q)].add(fid)
    for fid, e in faqs.items():
        for q in e.questions:
            owners[normalize(q)].add(fid)
    shared = {q: sorted(ids) for q, ids in owners.items() if len(ids) > 1}
    assert shared == {}


def test_coverage_entries_have_eight_phrasings_each(phrasings):
    entries = [e for path in COVERAGE_FILES for e in faq_mod.load_file(path)]
    assert len(entries) >= 80
    thin = {e.id: len(set(phrasings.get(e.id, []))) for e in entries
            if len(set(phrasings.get(e.id, []))) < 8}
    assert thin == {}
    # the phrasings are not copies of the entry's own questions
    for e in entries:
        own = {normalize(q) for q in e.questions}
        assert not own & {normalize(q) for q in phrasings[e.id]}, e.id
