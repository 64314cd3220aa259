"""Traffic case types through the analysis engine: worked examples with the arithmetic written
out by hand, the age rules, the pedestrian no-fault cap, the review deadline in working days,
invalid facts, missing regional figures, and the ``legalbot analyze`` command."""
import json
from datetime import date
from pathlib import Path

import pytest

from knowledge.analysis.engine import AnalysisError, analyze
from knowledge.content.cases import load_case_types
from knowledge.content.standards import load_standards

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 22)  # a Sunday
CASES = load_case_types(ROOT / "knowledge" / "cases")

# A standards table for the tests, so that editing knowledge/standards does not move the
# expected amounts. 河南 2022 mirrors the shipped row; 样例省 is invented for the tests only.
SOURCE = "test table"
STANDARDS = {
    "河南": {
        2022: {"urban_per_capita_disposable_income": 38484,
               "urban_per_capita_consumption_expenditure": 23539, "avg_annual_wage": None,
               "hospital_food_subsidy_per_day": None, "source": SOURCE},
        2023: {"urban_per_capita_disposable_income": None, "source": ""},
    },
    "样例省": {
        2022: {"urban_per_capita_disposable_income": 40000, "avg_annual_wage": 60000,
               "hospital_food_subsidy_per_day": 100, "source": SOURCE},
        2023: {"urban_per_capita_disposable_income": 42000, "source": SOURCE},
    },
}


def run(case_id, facts, **kwargs):
    kwargs.setdefault("standards", STANDARDS)
    return analyze(CASES[case_id], facts, today=TODAY, **kwargs)


def amounts(result) -> dict:
    return {a["item"]: a for a in result.amounts}


def deadlines(result) -> dict:
    return {d["item"]: d["date"] for d in result.deadlines}


def findings(result) -> set:
    return {f["id"] for f in result.findings}


INJURED_PEDESTRIAN = {
    "injury": "disability", "disability_grade": 8, "victim_age": 45,
    "accident_date": "2025-03-10", "region": "河南", "liability": "main",
    "victim_role": "pedestrian", "compulsory_insured": True, "commercial_limit": 1_000_000,
    "medical_costs": 30000, "lost_income_daily": 200, "lost_days": 120,
    "nursing_daily": 150, "nursing_days": 20, "nutrition_costs": 1000, "transport_costs": 500,
}


# -- traffic_injury ------------------------------------------------------------------------------
def test_traffic_injury_worked_example():
    result = run("traffic_injury", INJURED_PEDESTRIAN)
    items = amounts(result)

    # grade 8 -> coefficient (11 - 8) / 10 = 0.3; age 45 -> 20 years
    disability = 38484 * 20 * 0.3
    assert disability == pytest.approx(230904.00)
    assert items["disability_compensation"]["amount"] == pytest.approx(disability)
    assert items["medical_costs"]["amount"] == 30000
    assert items["lost_income"]["amount"] == 200 * 120           # 24000
    assert items["nursing_costs"]["amount"] == 150 * 20 * 1      # 3000, one carer
    assert items["nutrition_costs"]["amount"] == 1000
    assert items["transport_costs"]["amount"] == 500
    mental_low, mental_high = 5000 * (11 - 8), 10000 * (11 - 8)  # practice range for grade 8
    assert (items["mental_damages"]["low"], items["mental_damages"]["high"]) == (mental_low,
                                                                                 mental_high)
    assert items["mental_damages"]["basis"] == "practice"

    total = 30000 + 24000 + 3000 + 1000 + 500 + disability + mental_low   # 304404
    assert result.total == pytest.approx(total) == pytest.approx(304404)
    assert result.total == pytest.approx(sum(a["amount"] for a in result.amounts))

    # 交强险 first: medical group (medical + nutrition) up to 18000, the rest up to 180000
    compulsory = min(30000 + 1000, 18000) + min(total - 31000, 180000)     # 198000
    liable = (total - compulsory) * 0.7        # main responsibility: 70% by practice
    split = result.split
    assert split["compulsory"] == compulsory == 198000
    assert split["commercial"] == pytest.approx(liable) == pytest.approx(74482.80)
    assert split["party"] == 0
    assert split["victim_bears"] == pytest.approx(total - compulsory - liable)  # 31921.20
    assert any("实务" in step for step in split["steps"])      # the 70% is labelled as practice
    assert "practice_shares" in findings(result)

    assert deadlines(result) == {"limitation_period": "2028-03-10"}  # 2025-03-10 + 3 years
    used = result.standards_used
    assert [(s["region"], s["year"], s["value"]) for s in used] == [("河南", 2022, 38484.0)]
    assert "2022 年" in items["disability_compensation"]["formula"]
    for item in result.amounts:
        assert item["label"] and item["citations"]
    # no food subsidy without hospital days; the 2020 limits and the practice range are explained
    assert "hospital_food_subsidy" not in items
    assert not result.escalate and result.missing == []


@pytest.mark.parametrize("age, years", [
    (59, 20), (60, 20), (61, 19), (65, 15), (74, 6), (75, 5), (80, 5), (95, 5),
])
def test_disability_years_shrink_after_sixty_and_stop_at_five(age, years):
    result = run("traffic_injury", {**INJURED_PEDESTRIAN, "victim_age": age})
    b = amounts(result)["disability_compensation"]
    assert b["figures"]["years"] == years
    assert b["amount"] == pytest.approx(38484 * years * 0.3)
    assert ("older_victim" in findings(result)) == (age >= 60)


def test_age_65_and_80_by_hand():
    at_65 = amounts(run("traffic_injury", {**INJURED_PEDESTRIAN, "victim_age": 65}))
    at_80 = amounts(run("traffic_injury", {**INJURED_PEDESTRIAN, "victim_age": 80}))
    years_65 = 20 - (65 - 60)                 # one year less per year above 60 -> 15
    assert at_65["disability_compensation"]["amount"] == pytest.approx(38484 * years_65 * 0.3)
    assert at_80["disability_compensation"]["amount"] == pytest.approx(38484 * 5 * 0.3)  # 57726


def test_death_with_funeral_uninsured_vehicle():
    facts = {"injury": "death", "victim_age": 70, "accident_date": "2023-06-01",
             "region": "样例省", "liability": "full", "victim_role": "motor",
             "compulsory_insured": False, "standard_year": 2022}
    result = run("traffic_injury", facts)
    items = amounts(result)
    death = 40000 * (20 - (70 - 60))          # the 2022 figure asked for, 10 years
    funeral = 60000 / 12 * 6                  # six months of the average wage
    mental_low = 50000                        # practice range for a death, low end
    assert items["death_compensation"]["amount"] == death == 400000
    assert items["funeral_costs"]["amount"] == funeral == 30000
    assert items["mental_damages"]["amount"] == mental_low
    assert "disability_compensation" not in items
    total = death + funeral + mental_low      # 480000, all in the death/disability group
    assert result.total == total
    # no 交强险: the owner pays what it would have paid (180000), then 100% of the rest
    assert result.split["compulsory"] == 0
    assert result.split["party"] == 180000 + (total - 180000) * 1.0 == 480000
    assert result.split["victim_bears"] == 0
    assert {"uninsured_vehicle", "death_compensation_rule", "motor_vs_motor"} <= findings(result)
    assert result.escalate  # a death is handed to a person


def test_standard_year_default_and_explicit():
    base = {"injury": "death", "victim_age": 40, "region": "样例省",
            "liability": "full", "victim_role": "pedestrian"}
    # 人身损害赔偿解释第22条: the year before the end of the first-instance debate. Today is
    # 2026-11-22, so by default 2025 is due, whatever the accident's year; 样例省 has 2023 at most.
    for accident in ("2024-06-01", "2026-01-05"):
        r = run("traffic_injury", {**base, "accident_date": accident})
        assert r.facts.get("standard_year") is None
        assert amounts(r)["death_compensation"]["amount"] == 42000 * 20
        formula = amounts(r)["death_compensation"]["formula"]
        assert "2025 年的这项数字本系统还没有核实" in formula and "2023 年" in formula
        why = r.uncertainties[0]
        assert "一审法庭辩论终结时上一统计年度" in why and "第22条" in why
        assert "按今年（2026 年）结束一审辩论估算，应当用 2025 年的数字" in why
        assert "样例省 2023 年的数字" in why and "先用已核实的最近一年 2023 年" in why
    # an explicit year wins and is said to be the resident's
    r_2022 = run("traffic_injury", {**base, "accident_date": "2026-01-05", "standard_year": 2022})
    assert amounts(r_2022)["death_compensation"]["amount"] == 40000 * 20
    assert [s["year"] for s in r_2022.standards_used if s["name"].startswith("urban")] == [2022]
    assert "按您填的统计年份，用 2022 年的数字" in r_2022.uncertainties[0]
    assert "还没有核实" not in r_2022.uncertainties[0]


def test_hospital_food_subsidy_and_dependants():
    result = run("traffic_injury", {**INJURED_PEDESTRIAN, "region": "样例省", "hospital_days": 20})
    assert amounts(result)["hospital_food_subsidy"]["amount"] == 100 * 20
    # 河南 has no food subsidy figure: the head is left out and the gap is said
    henan = run("traffic_injury", {**INJURED_PEDESTRIAN, "hospital_days": 20})
    assert "hospital_food_subsidy" not in amounts(henan)
    assert any("住院伙食补助" in u for u in henan.uncertainties)
    # two children aged 5 and 12 with two parents each; scaled by the grade-8 coefficient
    kids = run("traffic_injury", {**INJURED_PEDESTRIAN, "dependant_minor_ages": "5、12",
                                  "dependant_supporters": 2})
    expected = (23539 * (18 - 5) / 2 + 23539 * (18 - 12) / 2) * 0.3   # 67086.15
    got = amounts(kids)["dependants_living_expenses"]["amount"]
    assert got == pytest.approx(expected, abs=0.01)
    assert "dependants" in findings(kids)


def test_pedestrian_no_fault_cap_ten_percent():
    facts = {"injury": "injury", "victim_age": 30, "accident_date": "2026-05-01",
             "liability": "none", "victim_role": "pedestrian",
             "medical_costs": 50000, "lost_income_daily": 100, "lost_days": 100}
    result = run("traffic_injury", facts)
    total = 50000 + 100 * 100 + 0              # mental damages low end is 0 without disability
    assert result.total == total == 60000
    # the faultless vehicle's 交强险 pays within the no-fault limits (medical 1800, other 18000)
    compulsory = min(50000, 1800) + min(10000, 18000)                     # 11800
    share = 0.10                               # 道交法第76条: not more than 10%; the cap is used
    assert result.split["compulsory"] == compulsory
    assert result.split["liability_share"] == share
    assert result.split["party"] == pytest.approx((total - compulsory) * share)  # 4820
    assert result.split["victim_bears"] == pytest.approx((total - compulsory) * (1 - share))
    assert "pedestrian_no_fault_cap" in findings(result)
    # between two motor vehicles there is no such cap: the faultless side pays nothing more
    motor = run("traffic_injury", {**facts, "victim_role": "motor"})
    assert motor.split["liability_share"] == 0 and motor.split["party"] == 0
    assert "pedestrian_no_fault_cap" not in findings(motor)


def test_region_without_figures_gives_uncertainty_not_a_guess():
    result = run("traffic_injury", {**INJURED_PEDESTRIAN, "region": "北京市"})
    items = amounts(result)
    assert "disability_compensation" not in items
    assert any("北京" in u and "城镇居民人均可支配收入" in u and "残疾赔偿金" in u
               for u in result.uncertainties)
    assert result.standards_used == []
    assert items["medical_costs"]["amount"] == 30000           # the other heads still count
    assert result.total == pytest.approx(30000 + 24000 + 3000 + 1000 + 500 + 15000)


def test_region_names_are_matched_and_default_region_is_used():
    full = run("traffic_injury", {**INJURED_PEDESTRIAN, "region": "河南省郑州市"})
    assert amounts(full)["disability_compensation"]["amount"] == pytest.approx(230904)
    default = {k: v for k, v in INJURED_PEDESTRIAN.items() if k != "region"}
    assert amounts(run("traffic_injury", default))["disability_compensation"]["amount"] \
        == pytest.approx(230904)
    other_default = run("traffic_injury", default, region="北京")
    assert "disability_compensation" not in amounts(other_default)


def test_shipped_henan_table_has_the_2022_income():
    result = analyze(CASES["traffic_injury"], {**INJURED_PEDESTRIAN, "standard_year": 2022},
                     today=TODAY, standards=load_standards(ROOT / "knowledge" / "standards"))
    assert amounts(result)["disability_compensation"]["amount"] == pytest.approx(38484 * 20 * 0.3)


def test_missing_required_facts_escalate():
    result = run("traffic_injury", {"injury": "disability", "accident_date": "2025-03-10"})
    assert {"disability_grade", "victim_age", "liability", "victim_role"} <= set(result.missing)
    assert result.escalate
    assert "disability_compensation" not in amounts(result)


@pytest.mark.parametrize("change, fact", [
    ({"medical_costs": -1}, "medical_costs"),
    ({"nursing_daily": -50}, "nursing_daily"),
    ({"accident_date": "2026-11-23"}, "accident_date"),     # the day after TODAY
    ({"accident_date": "2025-02-30"}, "accident_date"),
    ({"disability_grade": 11}, "disability_grade"),
    ({"disability_grade": 0}, "disability_grade"),
    ({"injury": "minor"}, "injury"),
    ({"liability": "mostly"}, "liability"),
    ({"victim_role": "passenger"}, "victim_role"),
    ({"victim_age": 200}, "victim_age"),
    ({"dependant_minor_ages": "五岁", "dependant_supporters": 2}, "dependant_minor_ages"),
    ({"dependant_minor_ages": "20", "dependant_supporters": 2}, "dependant_minor_ages"),
    ({"nursing_persons": 0}, "nursing_persons"),
    ({"unknown_fact": 1}, "unknown_fact"),
])
def test_traffic_injury_invalid_facts(change, fact):
    with pytest.raises(AnalysisError) as err:
        run("traffic_injury", {**INJURED_PEDESTRIAN, **change})
    assert err.value.fact == fact


# -- traffic_liability_dispute -------------------------------------------------------------------
def test_liability_dispute_review_deadline_in_working_days():
    facts = {"report_kind": "liability_report", "report_received_date": "2026-11-20",
             "accident_date": "2026-11-10", "liability": "main", "disagree_reason": "split_unfair"}
    result = run("traffic_liability_dispute", facts)
    # received Friday 2026-11-20; the day itself does not count; Sat 21 and Sun 22 are skipped:
    # Mon 23 (1), Tue 24 (2), Wed 25 (3)
    # ten working days for police mediation: 23-27 (5), Mon 30, Dec 1, 2, 3, Fri 4 (10)
    assert deadlines(result) == {"review_deadline": "2026-11-25",
                                 "police_mediation_deadline": "2026-12-04",
                                 "limitation_period": "2029-11-10"}   # accident + 3 years
    assert not any(d["passed"] for d in result.deadlines)
    assert {"report_is_evidence", "court_decides", "review", "mediation_options",
            "how_fault_is_assigned", "practice_shares"} <= findings(result)
    assert result.escalate   # the review window is open and nothing filed yet
    assert any("2026-11-25" in u and "3 天" in u for u in result.uncertainties)


@pytest.mark.parametrize("received, last_day", [
    ("2026-11-18", "2026-11-23"),   # Wednesday -> Thu 19, Fri 20, Mon 23
    ("2026-11-16", "2026-11-19"),   # Monday -> Tue, Wed, Thu
    ("2026-11-21", "2026-11-25"),   # Saturday -> Mon 23, Tue 24, Wed 25
])
def test_review_deadline_skips_weekends(received, last_day):
    facts = {"report_kind": "accident_certificate", "report_received_date": received,
             "accident_date": "2026-11-01", "disagree_reason": "no_finding"}
    result = run("traffic_liability_dispute", facts)
    assert deadlines(result)["review_deadline"] == last_day
    assert "certificate_only" in findings(result)


def test_liability_dispute_review_missed_and_filed():
    facts = {"report_kind": "liability_report", "report_received_date": "2026-11-16",
             "accident_date": "2026-11-01", "liability": "full", "disagree_reason": "facts_wrong"}
    missed = run("traffic_liability_dispute", facts)
    review = next(d for d in missed.deadlines if d["item"] == "review_deadline")
    assert review["date"] == "2026-11-19" and review["passed"]
    assert any("已经过了" in u for u in missed.uncertainties)
    filed = run("traffic_liability_dispute", {**facts, "review_applied": True})
    assert not filed.escalate
    assert not any("已经过了" in u for u in filed.uncertainties)


def test_liability_dispute_report_not_issued_yet():
    result = run("traffic_liability_dispute", {"report_kind": "not_yet",
                                                "accident_date": "2026-11-15"})
    assert deadlines(result) == {"limitation_period": "2029-11-15"}
    assert "not_yet_issued" in findings(result) and "review" not in findings(result)
    assert not result.escalate and result.missing == []


@pytest.mark.parametrize("change, fact", [
    ({"report_received_date": "2026-11-05"}, "report_received_date"),   # before the accident
    ({"report_received_date": "2026-12-01"}, "report_received_date"),   # in the future
    ({"disagree_reason": "bad_luck"}, "disagree_reason"),
    ({"report_kind": "letter"}, "report_kind"),
])
def test_liability_dispute_invalid_facts(change, fact):
    facts = {"report_kind": "liability_report", "report_received_date": "2026-11-20",
             "accident_date": "2026-11-10", "liability": "main", "disagree_reason": "other"}
    with pytest.raises(AnalysisError) as err:
        run("traffic_liability_dispute", {**facts, **change})
    assert err.value.fact == fact


# -- hit_and_run ---------------------------------------------------------------------------------
def test_hit_and_run_not_reported_escalates():
    facts = {"accident_date": "2026-11-20", "injured": True, "reported_to_police": False,
             "driver_found": False, "medical_costs": 5000}
    result = run("hit_and_run", facts)
    assert result.escalate
    assert {"call_police_now", "rescue_fund", "hospital_must_treat", "not_found_yet",
            "consequences_for_runner"} <= findings(result)
    assert amounts(result)["medical_costs"]["amount"] == 5000 and result.total == 5000
    assert deadlines(result) == {"limitation_period": "2029-11-20"}    # 2026-11-20 + 3 years
    laws = {(c["law"], c["article"]) for c in result.citations}
    assert ("中华人民共和国民法典", 1216) in laws and ("中华人民共和国道路交通安全法", 75) in laws


def test_hit_and_run_driver_found_and_reported():
    facts = {"accident_date": "2026-10-01", "injured": True, "died": True,
             "reported_to_police": True, "driver_found": True, "vehicle_insured": True}
    result = run("hit_and_run", facts)
    assert not result.escalate
    ids = findings(result)
    assert {"found_insurer_pays", "runner_bears_full_liability", "funeral_advance"} <= ids
    assert not {"call_police_now", "rescue_fund", "not_found_yet"} & ids
    assert result.amounts == [] and result.total is None


def test_hit_and_run_no_injury_does_not_escalate():
    result = run("hit_and_run", {"accident_date": "2026-11-01", "injured": False,
                                 "reported_to_police": False, "driver_found": False})
    assert not result.escalate
    assert "rescue_fund" not in findings(result) and "call_police_now" in findings(result)


@pytest.mark.parametrize("change, fact", [
    ({"medical_costs": -5}, "medical_costs"),
    ({"injured": "maybe"}, "injured"),
    ({"accident_date": "2027-01-01"}, "accident_date"),
])
def test_hit_and_run_invalid_facts(change, fact):
    facts = {"accident_date": "2026-11-20", "injured": True, "reported_to_police": True,
             "driver_found": False}
    with pytest.raises(AnalysisError) as err:
        run("hit_and_run", {**facts, **change})
    assert err.value.fact == fact


# -- the validator and the command line ----------------------------------------------------------
STATUTES = ROOT.parent / "shared" / "data" / "statutes"


@pytest.mark.skipif(not STATUTES.is_dir(), reason="statute texts not available")
def test_traffic_case_files_pass_the_validator():
    from knowledge.check import check_cases
    from knowledge.content.statutes import StatuteStore

    store = StatuteStore(markdown_dirs=[STATUTES])
    _, problems = check_cases(ROOT / "knowledge" / "cases", store)
    ours = ("traffic_injury.yml", "traffic_liability_dispute.yml", "hit_and_run.yml")
    assert [str(p) for p in problems if p.path.endswith(ours)] == []


def test_cli_analyze_traffic_injury(analyze_cli):
    done = analyze_cli("traffic_injury", INJURED_PEDESTRIAN)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "disability_compensation" in {a["item"] for a in out["amounts"]}
    assert out["split"]["total"] == out["total"]


def test_cli_analyze_bad_fact_exits_2(analyze_cli):
    done = analyze_cli("traffic_injury", {**INJURED_PEDESTRIAN, "disability_grade": 11})
    assert done.returncode == 2
    assert "disability_grade" in done.stderr
