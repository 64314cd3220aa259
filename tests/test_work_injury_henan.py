"""Work injury (issue 13 item 9): the Henan one-off medical and employment subsidies of
河南省工伤保险条例第27条 (months of the 统筹地区 average monthly wage), recomputed by hand."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.analysis.engine import AnalysisError, analyze
from knowledge.analysis.labor import employment_subsidy_percent, henan_one_off_subsidies
from knowledge.content.cases import load_case_types

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 5)
CASE = load_case_types(ROOT / "knowledge" / "cases")["work_injury"]
FACTS = {"injury_date": "2025-06-01", "injury_circumstance": "at_work", "employer_applied": True,
         "has_social_insurance": True, "disability_grade": 8, "monthly_wage": 5000,
         "local_avg_monthly_wage": 6000}


def items(result) -> dict:
    return {a["item"]: a for a in result.amounts}


def test_grade_8_by_hand():
    r = analyze(CASE, FACTS, today=TODAY)
    got = items(r)
    assert got["one_off_disability_subsidy"]["amount"] == 5000 * 11 == 55000    # 条例第37条
    assert got["one_off_medical_subsidy"]["amount"] == 6000 * 10 == 60000       # 河南 8级 10个月
    assert got["one_off_employment_subsidy"]["amount"] == 6000 * 26 == 156000   # 河南 8级 26个月
    assert r.total == 55000            # the two subsidies are due only when employment ends
    assert "henan_subsidies" in {f["id"] for f in r.findings}
    assert any("2007年通过" in u and "社保经办机构" in u for u in r.uncertainties)
    cited = {(c["law"], c["article"]) for a in r.amounts for c in a["citations"]}
    assert ("河南省工伤保险条例", 27) in cited


def test_occupational_disease_adds_thirty_percent_to_the_medical_subsidy():
    r = analyze(CASE, {**FACTS, "injury_circumstance": "occupational_disease",
                       "disability_grade": 5}, today=TODAY)
    assert items(r)["one_off_medical_subsidy"]["amount"] == pytest.approx(6000 * 16 * 1.3) == 124800
    assert items(r)["one_off_employment_subsidy"]["amount"] == 6000 * 56 == 336000


def test_grades_1_to_4_and_other_regions_get_no_henan_subsidy():
    assert "one_off_medical_subsidy" not in items(analyze(CASE, {**FACTS, "disability_grade": 3},
                                                          today=TODAY))
    other = analyze(CASE, FACTS, today=TODAY, region="北京")
    assert "one_off_medical_subsidy" not in items(other)
    assert any("只有河南的标准" in u for u in other.uncertainties)


def test_without_the_average_wage_the_months_are_said_not_an_amount():
    facts = {k: v for k, v in FACTS.items() if k != "local_avg_monthly_wage"}
    r = analyze(CASE, facts, today=TODAY)
    assert "one_off_employment_subsidy" not in items(r)
    assert any("算不出金额" in u for u in r.uncertainties)
    finding = next(f for f in r.findings if f["id"] == "henan_subsidies")
    assert "八级26个月" in finding["text"] and "八级10个月" in finding["text"]


@pytest.mark.parametrize("years, percent", [(10, 100), (5, 100), (4.5, 80), (3, 60), (2.9, 40),
                                            (1, 20), (0.5, 10)])
def test_employment_subsidy_near_retirement(years, percent):
    assert employment_subsidy_percent(years) == percent
    medical, employment = henan_one_off_subsidies(7, 6000, years_to_retirement=years)
    assert medical.amount == 6000 * 12
    assert employment.amount == pytest.approx(6000 * 36 * percent / 100)


def test_grade_out_of_range():
    with pytest.raises(Exception):
        henan_one_off_subsidies(4, 6000)
    with pytest.raises(AnalysisError):
        analyze(CASE, {**FACTS, "local_avg_monthly_wage": -1}, today=TODAY)
