"""Content is validated like code: one test per knowledge file, and the base as a whole."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from knowledge.content import faq as faq_mod
from knowledge.content.cases import REQUIRED_CASE_IDS
from knowledge.check import check_cases
from knowledge.check import run_check
from knowledge.check.faqs import check_entry

ROOT = Path(__file__).resolve().parent.parent / "knowledge"
FAQ_FILES = faq_mod.faq_files(ROOT / "faqs")


@pytest.mark.parametrize("path", FAQ_FILES, ids=[f"{p.parent.name}/{p.name}" for p in FAQ_FILES])
def test_faq_file(path, store):
    entries = faq_mod.load_file(path)
    assert entries, f"{path} has no entries"
    problems = [p for e in entries for p in check_entry(e, path.parent.name, store, None)]
    assert not [str(p) for p in problems if p.severity == "error"]


def test_case_types(store):
    cases, problems = check_cases(ROOT / "cases", store)
    assert not [str(p) for p in problems if p.severity == "error"]
    assert set(REQUIRED_CASE_IDS) <= set(cases)


def test_whole_knowledge_base(store):
    summary, problems = run_check(ROOT, store)
    assert not [str(p) for p in problems if p.severity == "error"]
    assert summary["faqs"] >= 300
    per = Counter(summary["per_domain"])
    assert all(per[d] >= 100 for d in faq_mod.DOMAINS), per
