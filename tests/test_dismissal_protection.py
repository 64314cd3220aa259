"""Unlawful dismissal after the legal review of issue 13 (item 9): protected status (劳动合同法第42、
45条), the misconduct branch (第39条), contract expiry with the second fixed-term and ten-year
rules (第14条). Amounts recomputed by hand: 8000 元/月, 2020-03-01 to 2023-05-01 = 3 years 2
months -> N = 3.5 (第47条), economic compensation 28000, damages 2 × 28000 = 56000 (第87条)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.analysis.engine import analyze
from knowledge.analysis.labor import dismissal_outcome
from knowledge.content.cases import load_case_types
from knowledge.interview import flow as interview

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 5)
CASE = load_case_types(ROOT / "knowledge" / "cases")["unlawful_dismissal"]
BASE = {"monthly_wage": 8000, "start_date": "2020-03-01", "end_date": "2023-05-01"}
COMPENSATION = 8000 * 3.5
DAMAGES = 2 * 8000 * 3.5


def run(**facts):
    return analyze(CASE, {**BASE, **facts}, today=TODAY)


def ids(result) -> set:
    return {f["id"] for f in result.findings}


def items(result) -> dict:
    return {a["item"]: a for a in result.amounts}


@pytest.mark.parametrize("status", ["pregnancy", "work_injury", "disease_check", "medical_period",
                                    "long_service"])
def test_a_protected_worker_dismissed_on_non_fault_grounds_is_owed_damages(status):
    r = run(termination="lawful", protected_status=status)
    assert r.total == DAMAGES == 56000
    assert {"protected", "unlawful_choice"} <= ids(r)
    assert items(r)["unlawful_termination_damages"]["amount"] == DAMAGES
    assert ("protected_pregnancy" in ids(r)) == (status == "pregnancy")


def test_without_protection_the_same_dismissal_is_owed_compensation():
    r = run(termination="lawful", protected_status="none")
    assert r.total == COMPENSATION == 28000
    assert "protected" not in ids(r) and "lawful_compensation" in ids(r)
    assert list(items(r)) == ["economic_compensation"]


@pytest.mark.parametrize("status", ["none", "pregnancy"])
def test_misconduct_branch(status):
    r = run(termination="misconduct", protected_status=status)
    # 第39条 is not barred by 第42条: no compensation is due if the employer proves it; the
    # damages are shown only for comparison, and no total is claimed
    assert r.total is None
    assert "misconduct" in ids(r) and "protected" not in ids(r)
    assert "protected_pregnancy" not in ids(r)
    row = items(r)["unlawful_termination_damages"]
    assert row["amount"] == DAMAGES and "证明不了" in row["label"]
    assert "economic_compensation" not in items(r)
    finding = next(f for f in r.findings if f["id"] == "misconduct")
    assert {c["article"] for c in finding["citations"]} >= {39, 4, 44}


def test_expiry_second_fixed_term_contract():
    r = run(termination="expiry", protected_status="none", fixed_term_contracts=2)
    assert r.total == COMPENSATION                       # 第46条第5项
    assert {"expiry_compensation", "second_fixed_term"} <= ids(r)
    assert "ten_years" not in ids(r)
    once = run(termination="expiry", protected_status="none", fixed_term_contracts=1)
    assert "second_fixed_term" not in ids(once)


def test_expiry_after_ten_years():
    r = analyze(CASE, {"monthly_wage": 8000, "start_date": "2010-01-01", "end_date": "2023-01-01",
                       "termination": "expiry", "protected_status": "none"}, today=TODAY)
    assert r.total == 8000 * 13 == 104000               # 13 full years -> N = 13
    assert "ten_years" in ids(r)


def test_expiry_of_a_protected_worker():
    r = run(termination="expiry", protected_status="long_service")
    assert r.total == DAMAGES and "protected" in ids(r)  # 第45条: extended, not ended
    injured = run(termination="expiry", protected_status="work_injury")
    assert injured.total == COMPENSATION and "work_injury_expiry" in ids(injured)


def test_agreement_is_not_barred_by_protection():
    r = run(termination="agreement", protected_status="medical_period")
    assert r.total == COMPENSATION and "protected_agreement" in ids(r)


def test_outcome_table():
    assert dismissal_outcome("unlawful", None) == "damages"
    assert dismissal_outcome("misconduct", "pregnancy") == "misconduct"
    assert dismissal_outcome("lawful", None) == "compensation"
    assert dismissal_outcome("expiry", "work_injury") == "compensation"
    assert dismissal_outcome(None, None) == "none"


def test_the_interview_asks_the_contract_count_only_on_expiry():
    facts = {"monthly_wage": 8000.0, "start_date": "2020-03-01", "end_date": "2023-05-01"}
    turn = interview.handle(CASE, facts, "合同到期不续签", today=TODAY)
    assert turn.facts["termination"] == "expiry"
    turn = interview.handle(CASE, turn.facts, "怀孕了", today=TODAY)
    assert turn.facts["protected_status"] == "pregnancy"
    assert interview.next_fact(CASE, turn.facts).key == "fixed_term_contracts"
    turn = interview.handle(CASE, facts, "说我严重违纪", today=TODAY)
    assert turn.facts["termination"] == "misconduct"
    turn = interview.handle(CASE, turn.facts, "都不是", today=TODAY)
    # the local average wage is a standards figure, never asked: the interview is complete
    assert interview.next_fact(CASE, turn.facts) is None


def test_the_report_of_a_misconduct_case_renders_without_a_total(store):
    from knowledge.analysis.report import render_html, render_pdf
    a = run(termination="misconduct", protected_status="none").as_json()
    html = render_html(a, CASE, store)
    assert "证明不了" in html and "56000.00" in html
    assert render_pdf(a, CASE, store)[:4] == b"%PDF"
