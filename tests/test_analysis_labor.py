"""Labor case types through the whole analysis: worked examples whose amounts and dates are worked
out by hand here (the arithmetic is written next to each expected figure), boundaries, invalid
facts, the knowledge checks of the four labor files, and the ``legalbot analyze`` command."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from knowledge.analysis.engine import AnalysisError, analyze
from knowledge.content.cases import load_case_types, parse_case
from knowledge.check import check_cases
from knowledge.content.loader import KnowledgeError, load_yaml

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "knowledge" / "cases"
LABOR = ("unlawful_dismissal", "no_written_contract", "unpaid_wages", "work_injury")
TODAY = date(2026, 11, 22)


def _load_labor_case_types() -> dict:
    """All case types; if a file of ANOTHER case type is broken, just the labor ones, so that a
    problem elsewhere (reported by ``legalbot check``) does not hide these results."""
    try:
        return load_case_types(CASES)
    except KnowledgeError as exc:
        if any(exc.path.endswith(f"{cid}.yml") for cid in LABOR):
            raise
        return {cid: parse_case(load_yaml(CASES / f"{cid}.yml"), CASES / f"{cid}.yml")
                for cid in LABOR}


@pytest.fixture(scope="module")
def cases():
    return _load_labor_case_types()


def run(cases, case_id: str, **facts):
    return analyze(cases[case_id], facts, today=TODAY)


def amount(result, item: str) -> dict:
    rows = [a for a in result.amounts if a["item"] == item]
    assert len(rows) == 1, f"expected one {item} row, got {[a['item'] for a in result.amounts]}"
    return rows[0]


def deadline(result, item: str) -> dict:
    rows = [d for d in result.deadlines if d["item"] == item]
    assert len(rows) == 1, f"expected one {item} deadline, got {result.deadlines}"
    return rows[0]


def finding_ids(result) -> set[str]:
    return {f["id"] for f in result.findings}


def cited(result, law: str, article: int) -> bool:
    return any(c["law"] == law and c["article"] == article for c in result.citations)


def invalid(cases, case_id: str, **facts) -> AnalysisError:
    with pytest.raises(AnalysisError) as err:
        run(cases, case_id, **facts)
    return err.value


# -- the files themselves --------------------------------------------------------------------------
def test_labor_case_files_pass_the_knowledge_checks(store):
    _, problems = check_cases(CASES, store)
    mine = [str(p) for p in problems if any(p.path.endswith(f"{cid}.yml") for cid in LABOR)]
    assert mine == []


def test_computed_facts_are_never_asked(cases):
    # derived facts are declared as facts only so that conditions may name them
    for cid in ("no_written_contract", "unpaid_wages", "work_injury"):
        for f in cases[cid].facts:
            if f.question.startswith("（由系统计算"):
                assert f.ask_if == "False" and not f.required, f.key


def test_every_choice_has_a_label_and_synonyms(cases):
    for cid in LABOR:
        for f in cases[cid].facts:
            for choice in f.choices:
                assert choice["label"] and choice.get("synonyms"), (cid, f.key, choice["value"])


# -- no_written_contract ---------------------------------------------------------------------------
def test_double_wages_signed_late(cases):
    # start 2024-01-01, signed 2024-05-01: the extra wage runs from the day after one month of work
    # (2024-02-01) to the day before signing (2024-04-30) = February, March, April = 3 months.
    result = run(cases, "no_written_contract", monthly_wage=6000, start_date="2024-01-01",
                 signed=True, signed_date="2024-05-01")
    row = amount(result, "double_wages")
    assert row["amount"] == 3 * 6000 == 18000
    assert row["figures"]["period_start"] == "2024-02-01"
    assert row["figures"]["period_end"] == "2024-04-30"
    assert {"double_wages", "must_sign", "arbitration_limit"} <= finding_ids(result)
    assert "deemed_open_ended" not in finding_ids(result)
    # one year from the last day without a contract: 2024-04-30 + 1 year
    arb = deadline(result, "labor_arbitration")
    assert arb["date"] == "2025-04-30" and arb["passed"] is True
    assert cited(result, "中华人民共和国劳动合同法", 82)
    assert cited(result, "中华人民共和国劳动合同法实施条例", 6)
    assert cited(result, "中华人民共和国劳动争议调解仲裁法", 27)
    assert any("各地" in u and "时效" in u for u in result.uncertainties)


def test_double_wages_never_signed_capped_at_eleven_months(cases):
    # never signed, counted to 2025-06-01: the period stops the day before one year of work,
    # 2024-02-01 .. 2024-12-31 = 11 months -> 11 * 6000; from 2025-01-01 an open-ended contract
    # is deemed to exist.
    result = run(cases, "no_written_contract", monthly_wage=6000, start_date="2024-01-01",
                 signed=False, as_of="2025-06-01")
    assert amount(result, "double_wages")["amount"] == 11 * 6000 == 66000
    assert result.total == 66000
    assert "deemed_open_ended" in finding_ids(result)
    assert cited(result, "中华人民共和国劳动合同法", 14)
    assert cited(result, "中华人民共和国劳动合同法实施条例", 7)
    assert deadline(result, "labor_arbitration")["date"] == "2025-12-31"   # 2024-12-31 + 1 year


def test_double_wages_without_the_signed_question(cases):
    # the contract keys alone (signed_date absent = never signed) give the same answer
    result = run(cases, "no_written_contract", monthly_wage=6000, start_date="2024-01-01",
                 as_of="2025-06-01")
    assert amount(result, "double_wages")["amount"] == 66000
    assert result.missing == []


def test_signed_after_more_than_a_year_is_still_deemed_open_ended(cases):
    # start 2023-01-01, signed 2024-03-01: on 2024-01-01 (one year) there was still no contract;
    # the extra wage still stops at 2023-12-31: 2023-02-01 .. 2023-12-31 = 11 months.
    result = run(cases, "no_written_contract", monthly_wage=5000, start_date="2023-01-01",
                 signed=True, signed_date="2024-03-01")
    assert amount(result, "double_wages")["amount"] == 11 * 5000
    assert "deemed_open_ended" in finding_ids(result)


def test_signed_within_the_first_month_owes_nothing(cases):
    result = run(cases, "no_written_contract", monthly_wage=6000, start_date="2024-01-01",
                 signed=True, signed_date="2024-01-20")
    assert amount(result, "double_wages")["amount"] == 0
    assert "signed_in_time" in finding_ids(result)
    assert "double_wages" not in finding_ids(result)
    assert result.deadlines == []


def test_signed_before_work_started_is_lawful_not_an_error(cases):
    # 劳动合同法第10条第3款 allows signing before the first day of work
    result = run(cases, "no_written_contract", monthly_wage=6000, start_date="2024-03-01",
                 signed=True, signed_date="2024-02-20")
    assert amount(result, "double_wages")["amount"] == 0
    assert "signed_in_time" in finding_ids(result)


def test_still_unsigned_and_still_accruing(cases):
    # start 2026-08-01, nothing signed, counted to today 2026-11-22:
    # 2026-09-01 .. 2026-10-31 = 2 whole months, 2026-11-01 .. 2026-11-22 = 22 days (22/30 month)
    # -> 6000 * 2 + 6000 * 22 / 30 = 12000 + 4400 = 16400
    result = run(cases, "no_written_contract", monthly_wage=6000, start_date="2026-08-01",
                 signed=False)
    row = amount(result, "double_wages")
    assert row["amount"] == 6000 * 2 + 6000 * 22 / 30 == 16400
    assert row["basis"] == "practice"                        # the 30-day proration
    assert "deemed_open_ended" not in finding_ids(result)
    assert any("只算到今天" in u for u in result.uncertainties)
    arb = deadline(result, "labor_arbitration")
    assert arb["date"] == "2027-11-22" and arb["passed"] is False
    assert result.escalate is False


def test_under_a_month_no_double_wages_yet(cases):
    result = run(cases, "no_written_contract", monthly_wage=6000, start_date="2026-11-01",
                 signed=False)
    assert amount(result, "double_wages")["amount"] == 0
    assert "under_a_month" in finding_ids(result)


def test_signed_without_a_date_is_not_guessed(cases):
    result = run(cases, "no_written_contract", monthly_wage=6000, start_date="2024-01-01",
                 signed=True)
    assert result.amounts == []
    assert any("签合同的日期" in u for u in result.uncertainties)


@pytest.mark.parametrize("facts, fact", [
    ({"monthly_wage": -6000, "start_date": "2024-01-01"}, "monthly_wage"),
    ({"monthly_wage": 6000, "start_date": "2024-01-01", "as_of": "2023-12-31"}, "as_of"),
    ({"monthly_wage": 6000, "start_date": "2027-01-01"}, "start_date"),         # in the future
    ({"monthly_wage": 6000, "start_date": "2024-13-01"}, "start_date"),         # no such date
    ({"monthly_wage": 6000, "start_date": "2024-01-01", "signed": "maybe"}, "signed"),
    ({"monthly_wage": 6000, "start_date": "2024-01-01", "salary": 1}, "salary"),  # unknown fact
])
def test_no_written_contract_invalid_facts(cases, facts, fact):
    assert invalid(cases, "no_written_contract", **facts).fact == fact


# -- unpaid_wages ----------------------------------------------------------------------------------
def test_unpaid_wages_after_leaving_a_construction_site(cases):
    result = run(cases, "unpaid_wages", amount_owed=15000, months_owed=3, still_employed=False,
                 end_date="2026-06-30", employer_type="contractor", boss_gone=True, has_iou=True)
    assert amount(result, "unpaid_wages")["amount"] == 15000
    extra = amount(result, "additional_compensation")
    # 劳动合同法第85条: 50% .. 100% of what is owed, and only after an order to pay is ignored
    assert (extra["low"], extra["high"]) == (15000 * 0.5, 15000 * 1.0) == (7500, 15000)
    assert "责令" in extra["label"]
    assert result.total == 15000
    # wages owed during employment: one year from the end of employment, 2026-06-30 + 1 year
    arb = deadline(result, "labor_arbitration")
    assert arb["date"] == "2027-06-30" and arb["passed"] is False
    assert {"construction", "boss_gone", "iou", "ended_one_year", "additional_compensation"} \
        <= finding_ids(result)
    assert cited(result, "保障农民工工资支付条例", 30)
    assert cited(result, "保障农民工工资支付条例", 36)
    assert cited(result, "中华人民共和国劳动合同法", 85)
    assert result.escalate is True                       # the boss is gone


def test_unpaid_wages_while_still_employed_has_no_deadline(cases):
    result = run(cases, "unpaid_wages", amount_owed=8000, still_employed=True,
                 owed_since="2025-01-15", employer_type="company", boss_gone=False)
    assert result.deadlines == []
    ids = finding_ids(result)
    assert {"still_employed_no_limit", "may_resign", "payment_order", "pay_in_full",
            "complaint"} <= ids
    assert "ended_one_year" not in ids and "construction" not in ids
    assert cited(result, "中华人民共和国劳动争议调解仲裁法", 27)
    assert cited(result, "中华人民共和国劳动合同法", 30)
    assert cited(result, "中华人民共和国劳动法", 50)
    assert result.escalate is False
    assert result.missing == []


def test_unpaid_wages_deadline_passed(cases):
    # left 2025-01-15 -> last day 2026-01-15, before today 2026-11-22
    result = run(cases, "unpaid_wages", amount_owed=3000, still_employed=False,
                 end_date="2025-01-15", employer_type="individual", boss_gone=False)
    arb = deadline(result, "labor_arbitration")
    assert arb["date"] == "2026-01-15" and arb["passed"] is True
    assert {"arbitration_passed", "individual_boss"} <= finding_ids(result)
    assert result.escalate is True


def test_unpaid_wages_end_date_only_asked_when_left(cases):
    result = run(cases, "unpaid_wages", amount_owed=3000, still_employed=False,
                 employer_type="company", boss_gone=False)
    assert result.missing == ["end_date"]
    assert result.deadlines == []
    assert result.escalate is True


@pytest.mark.parametrize("facts, fact", [
    ({"amount_owed": -1, "still_employed": True, "employer_type": "company", "boss_gone": False},
     "amount_owed"),
    ({"amount_owed": 100, "still_employed": True, "employer_type": "boss", "boss_gone": False},
     "employer_type"),
    ({"amount_owed": 100, "still_employed": False, "end_date": "2030-01-01",
      "employer_type": "company", "boss_gone": False}, "end_date"),
    ({"amount_owed": 100, "months_owed": 2.5, "still_employed": True,
      "employer_type": "company", "boss_gone": False}, "months_owed"),
])
def test_unpaid_wages_invalid_facts(cases, facts, fact):
    assert invalid(cases, "unpaid_wages", **facts).fact == fact


# -- work_injury -----------------------------------------------------------------------------------
def test_work_injury_deadlines(cases):
    # 工伤保险条例第17条, the injury day not counted: 2026-03-10 + 30 days = 2026-04-09
    # (21 days to 2026-03-31, 9 more into April); the worker's own year: 2027-03-10.
    result = run(cases, "work_injury", injury_date="2026-03-10", injury_circumstance="at_work",
                 employer_applied=False, has_social_insurance=True)
    employer = deadline(result, "employer_application")
    worker = deadline(result, "worker_application")
    assert employer["date"] == "2026-04-09" and employer["passed"] is True
    assert worker["date"] == "2027-03-10" and worker["passed"] is False
    ids = finding_ids(result)
    assert {"at_work", "who_applies", "employer_late", "insured", "appraisal"} <= ids
    assert "employer_still_in_time" not in ids and "worker_deadline_passed" not in ids
    assert cited(result, "工伤保险条例", 14) and cited(result, "工伤保险条例", 17)
    assert result.amounts == []                           # no grade yet
    assert result.escalate is False


def test_work_injury_employer_still_in_time(cases):
    # injured 2026-11-10: the employer has until 2026-12-10
    result = run(cases, "work_injury", injury_date="2026-11-10", injury_circumstance="commuting",
                 employer_applied=False, has_social_insurance=True)
    assert deadline(result, "employer_application")["date"] == "2026-12-10"
    assert {"employer_still_in_time", "commuting"} <= finding_ids(result)
    assert "employer_late" not in finding_ids(result)


def test_work_injury_worker_year_passed_escalates(cases):
    result = run(cases, "work_injury", injury_date="2025-06-01",
                 injury_circumstance="occupational_disease", employer_applied=False,
                 has_social_insurance=True)
    assert deadline(result, "worker_application")["date"] == "2026-06-01"
    assert {"worker_deadline_passed", "occupational_disease"} <= finding_ids(result)
    assert result.escalate is True


@pytest.mark.parametrize("grade, months", [(1, 27), (2, 25), (3, 23), (4, 21), (5, 18), (6, 16),
                                           (7, 13), (8, 11), (9, 9), (10, 7)])
def test_one_off_disability_subsidy_months_by_grade(cases, grade, months):
    # 工伤保险条例第35条 (一至四级), 第36条 (五、六级), 第37条 (七至十级)
    result = run(cases, "work_injury", injury_date="2025-12-01", injury_circumstance="at_work",
                 employer_applied=True, has_social_insurance=True, disability_grade=grade,
                 monthly_wage=5000)
    row = amount(result, "one_off_disability_subsidy")
    assert row["amount"] == months * 5000
    article = 35 if grade <= 4 else 36 if grade <= 6 else 37
    assert [c["article"] for c in row["citations"]][0] == article


def test_one_off_disability_subsidy_worked_example(cases):
    # grade 9, own wage 5000 -> 9 months * 5000 = 45000; not insured, so the employer pays
    result = run(cases, "work_injury", injury_date="2026-03-10", injury_circumstance="at_work",
                 employer_applied=False, has_social_insurance=False, disability_grade=9,
                 monthly_wage=5000)
    assert amount(result, "one_off_disability_subsidy")["amount"] == 9 * 5000 == 45000
    assert result.total == 45000
    assert {"not_insured", "grade_7_to_10", "own_wage", "reappraisal"} <= finding_ids(result)
    assert cited(result, "工伤保险条例", 62)
    assert cited(result, "中华人民共和国社会保险法", 41)


def test_own_wage_floor_and_ceiling(cases):
    # 工伤保险条例第64条: floor 60% and ceiling 300% of the local average wage (6000)
    base = dict(injury_date="2025-12-01", injury_circumstance="at_work", employer_applied=True,
                has_social_insurance=True, local_avg_monthly_wage=6000)
    low = run(cases, "work_injury", disability_grade=10, monthly_wage=2000, **base)
    # 2000 < 0.6 * 6000 = 3600 -> 7 months * 3600 = 25200
    assert amount(low, "one_off_disability_subsidy")["amount"] == 7 * 3600 == 25200
    high = run(cases, "work_injury", disability_grade=5, monthly_wage=30000, **base)
    # 30000 > 3 * 6000 = 18000 -> 18 months * 18000 = 324000
    assert amount(high, "one_off_disability_subsidy")["amount"] == 18 * 18000 == 324000
    inside = run(cases, "work_injury", disability_grade=10, monthly_wage=5000, **base)
    assert amount(inside, "one_off_disability_subsidy")["amount"] == 7 * 5000


def test_work_injury_in_hospital_employer_refuses_escalates(cases):
    result = run(cases, "work_injury", injury_date="2026-11-01", injury_circumstance="at_work",
                 employer_applied=True, has_social_insurance=True, in_hospital=True,
                 employer_refuses_pay=True)
    assert "employer_must_treat" in finding_ids(result)
    assert result.escalate is True


@pytest.mark.parametrize("facts, fact", [
    ({"injury_date": "2027-01-01"}, "injury_date"),                          # in the future
    ({"injury_date": "2026-03-10", "disability_grade": 11}, "disability_grade"),
    ({"injury_date": "2026-03-10", "disability_grade": 0}, "disability_grade"),
    ({"injury_date": "2026-03-10", "disability_grade": "十一级"}, "disability_grade"),
    ({"injury_date": "2026-03-10", "disability_grade": 9, "monthly_wage": -1}, "monthly_wage"),
    ({"injury_date": "2026-03-10", "injury_circumstance": "at_home"}, "injury_circumstance"),
])
def test_work_injury_invalid_facts(cases, facts, fact):
    assert invalid(cases, "work_injury", **facts).fact == fact


# -- unlawful_dismissal ----------------------------------------------------------------------------
def test_unlawful_dismissal_worked_example(cases):
    # 2020-03-01 .. 2023-05-01 = 3 years 2 months -> N = 3 + 0.5 (remainder under six months)
    # -> damages 2 * 8000 * 3.5 = 56000; arbitration one year from 2023-05-01
    result = run(cases, "unlawful_dismissal", monthly_wage=8000, start_date="2020-03-01",
                 end_date="2023-05-01", termination="unlawful")
    assert amount(result, "unlawful_termination_damages")["amount"] == 2 * 8000 * 3.5 == 56000
    assert result.total == 56000
    assert deadline(result, "labor_arbitration")["date"] == "2024-05-01"


def test_unlawful_dismissal_three_times_average_cap(cases):
    # wage 30000 > 3 * 8000 = 24000 -> wage used 24000; 2010-01-01 .. 2025-01-01 = 15 years,
    # capped at 12 -> compensation 24000 * 12 = 288000; unlawful -> 2 * 288000 = 576000
    facts = dict(monthly_wage=30000, start_date="2010-01-01", end_date="2025-01-01",
                 local_avg_monthly_wage=8000)
    lawful = run(cases, "unlawful_dismissal", termination="lawful", **facts)
    row = amount(lawful, "economic_compensation")
    assert row["figures"]["wage_used"] == 3 * 8000 == 24000
    assert row["figures"]["months_uncapped"] == 15 and row["figures"]["months"] == 12
    assert row["amount"] == 24000 * 12 == 288000
    assert "high_wage_cap" in finding_ids(lawful)
    unlawful = run(cases, "unlawful_dismissal", termination="unlawful", **facts)
    assert amount(unlawful, "unlawful_termination_damages")["amount"] == 2 * 288000 == 576000


@pytest.mark.parametrize("start, end, months", [
    ("2020-03-01", "2023-09-01", 4),     # 3 years 6 months: six months or more count a full year
    ("2020-03-01", "2023-08-31", 3.5),   # 3 years 5 months 30 days: under six months, half
    ("2023-01-01", "2023-03-15", 0.5),   # under six months in all: half a month
    ("2020-03-01", "2023-03-01", 3),     # exactly 3 years
])
def test_unlawful_dismissal_six_month_rule(cases, start, end, months):
    result = run(cases, "unlawful_dismissal", monthly_wage=8000, start_date=start, end_date=end,
                 termination="lawful")
    assert amount(result, "economic_compensation")["amount"] == 8000 * months


@pytest.mark.parametrize("facts, fact", [
    ({"monthly_wage": -100, "start_date": "2020-03-01", "end_date": "2023-05-01"}, "monthly_wage"),
    ({"monthly_wage": 8000, "start_date": "2023-05-01", "end_date": "2020-03-01"}, "end_date"),
    ({"monthly_wage": 8000, "start_date": "2020-03-01", "end_date": "2026-12-01"}, "end_date"),
    ({"monthly_wage": 8000, "start_date": "2020-03-01", "end_date": "2023-05-01",
      "termination": "fired"}, "termination"),
])
def test_unlawful_dismissal_invalid_facts(cases, facts, fact):
    assert invalid(cases, "unlawful_dismissal", **{"termination": "unlawful", **facts}).fact == fact


# -- the command line --------------------------------------------------------------------------------
def test_cli_analyze_no_written_contract(analyze_cli):
    proc = analyze_cli("no_written_contract", {"monthly_wage": 6000, "start_date": "2024-01-01",
                                               "signed_date": "2024-05-01"})
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["case_type"] == "no_written_contract"
    row = next(a for a in out["amounts"] if a["item"] == "double_wages")
    assert row["amount"] == 3 * 6000
    assert any(d["item"] == "labor_arbitration" for d in out["deadlines"])


def test_cli_analyze_invalid_fact_exits_2(analyze_cli):
    proc = analyze_cli("no_written_contract", {"monthly_wage": -6000, "start_date": "2024-01-01"})
    assert proc.returncode == 2
    assert "monthly_wage" in proc.stderr
