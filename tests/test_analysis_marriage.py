"""Marriage-domain case types through the analysis engine: divorce, child_support, bride_price,
inheritance. Expected amounts and dates are worked out by hand here, with the arithmetic shown,
never by calling the code under test."""
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from knowledge.analysis.engine import AnalysisError, analyze
from knowledge.analysis.money import CalcError
from knowledge.content.cases import load_case_types
from knowledge.analysis import marriage

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "knowledge" / "cases"
OURS = ("divorce", "child_support", "bride_price", "inheritance")
TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def types(tmp_path_factory):
    """The four marriage case types, loaded with ``load_case_types`` from a folder holding only
    them, so that another domain's case file being edited cannot break these tests."""
    folder = tmp_path_factory.mktemp("cases")
    for cid in OURS:
        shutil.copy(CASES / f"{cid}.yml", folder / f"{cid}.yml")
    return load_case_types(folder)


def run(types, cid, facts):
    return analyze(types[cid], facts, today=TODAY)


def ids(result):
    return {f["id"] for f in result.findings}


def amount(result, item):
    return next(a for a in result.amounts if a["item"] == item)


def deadline(result, item):
    return next(d for d in result.deadlines if d["item"] == item)


DIVORCE_AGREED = {"both_agree": True, "marriage_date": "2015-06-01", "domestic_violence": False,
                  "children_count": 1, "youngest_child_age": 9, "main_dispute": "none",
                  "application_date": "2026-03-01"}
DIVORCE_CONTESTED = {"both_agree": False, "marriage_date": "2018-05-20", "domestic_violence": True,
                     "children_count": 2, "youngest_child_age": 1, "oldest_child_age": 9,
                     "main_dispute": "several", "contested_ground": "separated_two_years",
                     "wife_pregnant_or_recent_birth": False}
SUPPORT = {"children_count": 1, "child_age": 6, "has_fixed_income": True,
           "payer_monthly_income": 6000, "support_paid_monthly": 800, "existing_order": "agreement"}
BRIDE = {"bride_price_amount": 88000, "registered_marriage": True, "lived_together": True,
         "cohabitation_months": 5, "child_or_pregnancy": False, "breakup_by": "receiver_side",
         "payer_hardship": False, "breakup_date": "2025-10-01"}
INHERIT = {"death_date": "2024-05-10", "has_will": False, "spouse_alive": True,
           "children_count": 2, "predeceased_children_with_heirs": 1, "parents_alive_count": 0,
           "estate_value": 600000, "estate_includes_spouse_half": True, "debts": 20000}
FULL = {"divorce": DIVORCE_AGREED, "child_support": SUPPORT, "bride_price": BRIDE,
        "inheritance": INHERIT}


# -- divorce -------------------------------------------------------------------------------------
def test_divorce_agreed_cooling_off(types):
    r = run(types, "divorce", DIVORCE_AGREED)
    # 民法典第1077条, start day not counted: 2026-03-01 + 30 days = March (1 + 30) = March 31;
    # then March 31 + 30 days: no days left in March (31 - 31 = 0), so April (0 + 30) = April 30.
    cooling = deadline(r, "cooling_off_end")
    certificate = deadline(r, "certificate_application_end")
    assert cooling["date"] == date(2026, 3, 1 + 30).isoformat() == "2026-03-31"
    assert certificate["date"] == date(2026, 4, (31 - 31) + 30).isoformat() == "2026-04-30"
    assert cooling["start"] == "2026-03-01" and certificate["start"] == "2026-03-31"
    assert cooling["passed"] and certificate["passed"]           # today is 2026-11-22
    assert {"registry_divorce", "cooling_off", "housework_compensation", "hardship_help",
            "children_support_visits"} <= ids(r)
    assert not ids(r) & {"contested_court", "ground_domestic_violence", "custody_under_two"}
    assert r.amounts == [] and not r.escalate and r.missing == []
    laws = {(c["law"], c["article"]) for c in r.citations}
    assert ("中华人民共和国民法典", 1076) in laws and ("中华人民共和国民法典", 1077) in laws


def test_divorce_contested_with_violence_escalates(types):
    r = run(types, "divorce", DIVORCE_CONTESTED)
    assert r.escalate
    assert {"contested_court", "ground_domestic_violence", "ground_separation", "fault_no_bar",
            "fault_compensation", "custody_under_two", "custody_over_two", "custody_over_eight",
            "custody_fault", "property_split", "house_split", "debts_split"} <= ids(r)
    assert "registry_divorce" not in ids(r) and "pregnancy_restriction" not in ids(r)
    assert r.deadlines == []                        # no registry application when contested
    assert any("110" in s for s in r.next_steps)
    laws = {(c["law"], c["article"]) for c in r.citations}
    assert ("中华人民共和国反家庭暴力法", 23) in laws and ("中华人民共和国民法典", 1091) in laws


def test_divorce_pregnancy_restriction(types):
    facts = {**DIVORCE_CONTESTED, "domestic_violence": False, "contested_ground": "other",
             "wife_pregnant_or_recent_birth": True}
    r = run(types, "divorce", facts)
    assert {"pregnancy_restriction", "ground_other"} <= ids(r)
    assert not r.escalate and "fault_compensation" not in ids(r)


def test_divorce_agreed_but_disputed_goes_to_mediation(types):
    r = run(types, "divorce", {**DIVORCE_AGREED, "main_dispute": "custody"})
    assert "agree_but_disputed" in ids(r) and "registry_divorce" not in ids(r)
    assert "custody_over_eight" in ids(r)            # the only child is 9


def test_divorce_cross_checks(types):
    with pytest.raises(AnalysisError) as exc:
        run(types, "divorce", {**DIVORCE_AGREED, "application_date": "2014-01-01"})
    assert exc.value.fact == "application_date"
    with pytest.raises(AnalysisError) as exc:
        run(types, "divorce", {**DIVORCE_CONTESTED, "youngest_child_age": 10})
    assert exc.value.fact == "oldest_child_age"


# -- child support -------------------------------------------------------------------------------
def test_child_support_fixed_income_one_child(types):
    r = run(types, "child_support", SUPPORT)
    row = amount(r, "child_support")
    low, high = 6000 * 0.20, 6000 * 0.30                  # 1200 .. 1800 a month
    assert row["low"] == pytest.approx(low) == 1200
    assert row["high"] == pytest.approx(high) == 1800
    assert row["amount"] == row["low"]
    assert "20%" in row["formula"] and "30%" in row["formula"]
    assert {"duty_to_pay", "amount_fixed_income", "court_discretion", "until_eighteen",
            "no_time_limit", "raise_existing"} <= ids(r)
    assert "below_usual_share" in ids(r)                  # 800 < 1200
    assert r.deadlines == [] and not r.escalate


def test_child_support_two_children_up_to_half(types):
    facts = {**SUPPORT, "children_count": 2, "payer_monthly_income": 10000}
    row = amount(run(types, "child_support", facts), "child_support")
    assert row["low"] == pytest.approx(10000 * 0.20) == 2000
    assert row["high"] == pytest.approx(10000 * 0.50) == 5000


def test_child_support_without_fixed_income_uses_year(types):
    facts = {"children_count": 1, "child_age": 12, "has_fixed_income": False,
             "payer_annual_income": 60000, "support_paid_monthly": 1200, "existing_order": "none"}
    r = run(types, "child_support", facts)
    row = amount(r, "child_support")
    monthly = 60000 / 12                                  # 5000 a month
    assert row["low"] == pytest.approx(monthly * 0.20) == 1000
    assert row["high"] == pytest.approx(monthly * 0.30) == 1500
    assert "amount_no_fixed_income" in ids(r) and "below_usual_share" not in ids(r)


def test_child_support_unknown_income_no_amount(types):
    facts = {"children_count": 1, "child_age": 4, "has_fixed_income": False,
             "existing_order": "none"}
    r = run(types, "child_support", facts)
    assert r.amounts == [] and r.missing == []
    assert any("同行业" in u for u in r.uncertainties)


def test_child_support_adult_child(types):
    base = {**SUPPORT, "child_age": 19}
    assert "adult_dependent" in ids(run(types, "child_support",
                                        {**base, "adult_child_dependent": True}))
    r = run(types, "child_support", {**base, "adult_child_dependent": False})
    assert "adult_independent" in ids(r) and "until_eighteen" not in ids(r)


# -- bride price ---------------------------------------------------------------------------------
def test_bride_price_registered_and_lived_together(types):
    r = run(types, "bride_price", BRIDE)
    row = amount(r, "bride_price_paid")
    assert row["amount"] == 88000 and "low" not in row       # shown, not computed
    # 民法典第188条: three years from 2025-10-01 -> 2028-10-01 (2025 + 3 = 2028, same day).
    assert deadline(r, "limitation_period")["date"] == date(2025 + 3, 10, 1).isoformat()
    assert not deadline(r, "limitation_period")["passed"]
    assert {"registered_lived", "what_counts", "extortion", "no_fixed_share",
            "fault_not_who_left", "parties"} <= ids(r)
    assert not ids(r) & {"not_registered_not_lived", "registered_not_lived", "hardship"}


def test_bride_price_paths(types):
    r = run(types, "bride_price", {**BRIDE, "registered_marriage": False, "lived_together": False})
    assert "not_registered_not_lived" in ids(r) and "fault_not_who_left" not in ids(r)
    r = run(types, "bride_price", {**BRIDE, "registered_marriage": False,
                                   "child_or_pregnancy": True})
    assert {"not_registered_lived", "child_or_pregnancy"} <= ids(r)
    r = run(types, "bride_price", {**BRIDE, "lived_together": False, "payer_hardship": True})
    assert {"registered_not_lived", "hardship"} <= ids(r)


# -- inheritance ---------------------------------------------------------------------------------
def test_inheritance_statutory_shares(types):
    r = run(types, "inheritance", INHERIT)
    # 民法典第1153条: the spouse's half first: 600000 / 2 = 300000 (not estate).
    assert amount(r, "spouse_community_half")["amount"] == 600000 / 2 == 300000
    # 第1159、1161条: estate 300000 - debts 20000 = 280000.
    assert amount(r, "net_estate")["amount"] == 600000 / 2 - 20000 == 280000
    # 第1127、1128、1130条: spouse 1 + children 2 + one predeceased child's branch 1 + parents 0
    # = 4 equal shares; 280000 / 4 = 70000.
    share = amount(r, "statutory_share_per_heir")
    assert share["amount"] == 280000 / (1 + 2 + 1 + 0) == 70000
    assert "÷ 4" in share["formula"]
    # 民法典第188条: the three years run from when the heir knew of the infringement, not from the
    # death: no date is computed from death_date (issue 13 legal review), the rule says why.
    assert r.deadlines == []
    assert {"limitation", "statutory_order", "equal_shares", "representation", "spouse_half_first",
            "renounce_in_writing", "debts_limited"} <= ids(r)
    assert not r.escalate


def test_inheritance_with_will_has_no_statutory_share(types):
    facts = {**INHERIT, "has_will": True, "will_form": "typed"}
    r = run(types, "inheritance", facts)
    assert {"will_typed", "will_witnesses", "will_validity", "will_reserved_share",
            "will_unhandled"} <= ids(r)
    assert "statutory_order" not in ids(r)
    assert {a["item"] for a in r.amounts} == {"spouse_community_half", "net_estate"}


def test_inheritance_debts_above_estate(types):
    facts = {**INHERIT, "spouse_alive": False, "estate_value": 50000, "debts": 80000,
             "predeceased_children_with_heirs": 0, "parents_alive_count": 1}
    r = run(types, "inheritance", facts)
    # 50000 - 80000 < 0: heirs answer only up to the estate (第1161条), so 0 to share.
    assert amount(r, "net_estate")["amount"] == 0
    assert amount(r, "statutory_share_per_heir")["amount"] == 0 / (2 + 1) == 0
    assert "spouse_community_half" not in {a["item"] for a in r.amounts}


def test_inheritance_second_order(types):
    facts = {**INHERIT, "spouse_alive": False, "children_count": 0,
             "predeceased_children_with_heirs": 0, "parents_alive_count": 0}
    r = run(types, "inheritance", facts)
    assert "second_order" in ids(r)
    assert "statutory_share_per_heir" not in {a["item"] for a in r.amounts}


# -- invalid and missing facts -------------------------------------------------------------------
@pytest.mark.parametrize("cid, key, value", [
    ("divorce", "children_count", 1.5),
    ("divorce", "marriage_date", "2027-01-01"),
    ("divorce", "youngest_child_age", 18),
    ("divorce", "main_dispute", "everything"),
    ("child_support", "payer_monthly_income", -100),
    ("child_support", "children_count", "2.5"),
    ("child_support", "children_count", 0),
    ("bride_price", "bride_price_amount", -1),
    ("bride_price", "breakup_date", "2026-12-01"),
    ("inheritance", "death_date", "2026-11-23"),
    ("inheritance", "children_count", 2.5),
    ("inheritance", "debts", -5000),
    ("inheritance", "will_form", "video"),
])
def test_invalid_fact_names_it(types, cid, key, value):
    facts = {**FULL[cid], key: value}
    if key == "will_form":
        facts["has_will"] = True
    with pytest.raises(AnalysisError) as exc:
        run(types, cid, facts)
    assert exc.value.fact == key


def test_unknown_fact_is_refused(types):
    with pytest.raises(AnalysisError) as exc:
        run(types, "divorce", {**DIVORCE_AGREED, "salary": 5000})
    assert exc.value.fact == "salary"


@pytest.mark.parametrize("cid, key", [
    ("divorce", "marriage_date"),
    ("divorce", "application_date"),
    ("child_support", "support_paid_monthly"),
    ("bride_price", "breakup_date"),
    ("bride_price", "cohabitation_months"),
    ("inheritance", "estate_value"),
    ("inheritance", "estate_includes_spouse_half"),
    ("inheritance", "predeceased_children_with_heirs"),
    ("inheritance", "debts"),
])
def test_missing_optional_fact_adds_uncertainty(types, cid, key):
    full = run(types, cid, FULL[cid])
    facts = {k: v for k, v in FULL[cid].items() if k != key}
    partial = run(types, cid, facts)
    assert set(partial.uncertainties) - set(full.uncertainties)
    assert partial.missing == [] and partial.escalate == full.escalate


def test_missing_optional_facts_drop_the_amounts_they_feed(types):
    r = run(types, "inheritance", {k: v for k, v in INHERIT.items() if k != "estate_value"})
    assert r.amounts == [] and "limitation" in ids(r)  # the time limit is still explained
    r = run(types, "bride_price", {k: v for k, v in BRIDE.items() if k != "breakup_date"})
    assert r.deadlines == [] and r.amounts


def test_missing_required_fact_is_listed_and_escalated(types):
    r = run(types, "child_support", {k: v for k, v in SUPPORT.items()
                                     if k != "payer_monthly_income"})
    assert r.missing == ["payer_monthly_income"] and r.escalate and r.amounts == []


# -- the pure helpers ----------------------------------------------------------------------------
def test_helpers_refuse_bad_input():
    with pytest.raises(CalcError) as exc:
        marriage.child_support_range(5000, 0)
    assert exc.value.fact == "children_count"
    with pytest.raises(CalcError) as exc:
        marriage.net_estate(1000, -1)
    assert exc.value.fact == "debts"
    assert marriage.statutory_share(1000, 3).amount == round(1000 / 3, 2) == 333.33
    assert marriage.full_years(date(2016, 2, 29), date(2026, 2, 28)) == 9


# -- content -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cid", OURS)
def test_questions_are_resident_ready(types, cid):
    case = types[cid]
    assert case.domain == "marriage"
    for fact in case.facts:
        assert fact.help, fact.key
        for choice in fact.choices:
            assert choice.get("label") and choice.get("synonyms"), (fact.key, choice)
    for rule in case.rules:
        assert all(c.keywords for c in rule.citations), rule.id
    assert any("12348" in n["text"] for n in case.next_steps)


# -- command line --------------------------------------------------------------------------------
def test_cli_analyze_divorce(analyze_cli):
    ok = analyze_cli("divorce", DIVORCE_AGREED)
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["case_type"] == "divorce"
    assert {d["item"]: d["date"] for d in out["deadlines"]} == {
        "cooling_off_end": "2026-03-31", "certificate_application_end": "2026-04-30"}
    bad = analyze_cli("divorce", {**DIVORCE_AGREED, "children_count": 1.5})
    assert bad.returncode == 2
    assert "children_count" in bad.stderr + bad.stdout
