"""Traffic damages and the standards by year (issue 13 item 9): the shipped 河南 table (2022
verified, 2023–2025 unverified and null with a note), the default statistical year of 人身损害赔偿
解释第22条 said with its reason, funeral costs and the hospital meal allowance in the total, and
every amount of a full death case recomputed by hand."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.analysis.engine import analyze
from knowledge.content.cases import load_case_types
from knowledge.content.loader import KnowledgeError
from knowledge.content.standards import FIGURES, load_standards, pick

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 5)
CASES = load_case_types(ROOT / "knowledge" / "cases")
SHIPPED = load_standards(ROOT / "knowledge" / "standards")

# Invented figures for the arithmetic only (not a real region).
SAMPLE = {"样例省": {
    2024: {"urban_per_capita_disposable_income": 48000, "avg_annual_wage": 70000,
           "published": dt.date(2025, 3, 20), "source": "test"},
    2025: {"urban_per_capita_disposable_income": 50000,
           "urban_per_capita_consumption_expenditure": 30000, "avg_annual_wage": 72000,
           "hospital_food_subsidy_per_day": 100, "published": dt.date(2026, 3, 20),
           "source": "test"},
}}


def amounts(result) -> dict:
    return {a["item"]: a for a in result.amounts}


# -- the shipped table ---------------------------------------------------------------------------
def test_henan_2022_is_verified_and_2023_to_2025_are_null_with_a_note():
    henan = SHIPPED["河南"]
    row = henan[2022]
    assert (row["urban_per_capita_disposable_income"], row["rural_per_capita_disposable_income"]) \
        == (38484, 18697)
    assert row["published"] == dt.date(2023, 3, 23) and "2022年河南省国民经济和社会发展统计公报" in row["source"]
    for year in (2023, 2024, 2025):
        assert year in henan
        for name in FIGURES:
            assert henan[year][name] is None, (year, name)     # never a guessed number
            assert henan[year]["notes"][name].strip(), (year, name)
    for name in FIGURES:
        if row[name] is None:
            assert row["notes"][name].strip()


@pytest.mark.parametrize("row, message", [
    ("    urban_per_capita_disposable_income: 1000\n    source: x\n", "published"),
    ("    urban_per_capita_disposable_income: null\n    source: ''\n", "without a note"),
    ("    urban_per_capita_disposable_income: 1000\n    source: x\n    published: 2024-01-01\n",
     "after the year"),
])
def test_the_validator_refuses_undated_or_unexplained_rows(tmp_path, row, message):
    (tmp_path / "x.yml").write_text(f"region: 某地\nyears:\n  2024:\n{row}", encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_standards(tmp_path)
    assert message in str(exc.value)


def test_a_year_not_yet_published_is_not_used():
    name = "urban_per_capita_disposable_income"
    assert pick(SAMPLE, "样例省", name, 2025, today=dt.date(2026, 4, 1)).year == 2025
    assert pick(SAMPLE, "样例省", name, 2025, today=dt.date(2026, 2, 1)).year == 2024


def test_default_year_with_the_shipped_table_says_which_year_and_why():
    facts = {"injury": "death", "victim_age": 40, "accident_date": "2026-03-01", "region": "河南",
             "liability": "full", "victim_role": "pedestrian", "hospital_days": 5}
    r = analyze(CASES["traffic_injury"], facts, today=TODAY, standards=SHIPPED)
    items = amounts(r)
    assert items["death_compensation"]["amount"] == 38484 * 20 == 769680
    why = r.uncertainties[0]
    assert "第22条" in why and "应当用 2025 年的数字" in why
    assert "河南 2022 年的数字（2023-03-23公布" in why and "2025 年的数字本系统还没有核实" in why
    # funeral costs and the meal allowance are owed; their Henan figures are not verified, so
    # they are named with their formula and left out of the total, which says it is too low
    assert "funeral_costs" not in items and "hospital_food_subsidy" not in items
    funeral = next(u for u in r.uncertainties if u.startswith("丧葬费应当赔偿"))
    assert "上一年度职工月平均工资 × 6 个月" in funeral and "合计里也没有算进去" in funeral
    assert any(u.startswith("住院伙食补助费应当赔偿") for u in r.uncertainties)
    assert r.total == 769680 + 50000                  # + the low end of the mental damages range


# -- a full death case by hand -------------------------------------------------------------------
def test_death_case_every_amount_by_hand():
    facts = {"injury": "death", "victim_age": 65, "accident_date": "2026-01-10", "region": "样例省",
             "liability": "main", "victim_role": "pedestrian", "compulsory_insured": True,
             "commercial_limit": 500000, "medical_costs": 20000, "hospital_days": 10,
             "dependant_minor_ages": "5、12", "dependant_supporters": 2}
    r = analyze(CASES["traffic_injury"], facts, today=TODAY, standards=SAMPLE)
    items = amounts(r)
    # 2025 figures (the year before 2026, published 2026-03-20)
    assert items["medical_costs"]["amount"] == 20000
    assert items["hospital_food_subsidy"]["amount"] == 100 * 10 == 1000          # 第10条
    assert items["death_compensation"]["amount"] == 50000 * (20 - (65 - 60)) == 750000  # 第15条
    assert items["funeral_costs"]["amount"] == 72000 / 12 * 6 == 36000          # 第14条
    dependants = 30000 * (18 - 5) / 2 + 30000 * (18 - 12) / 2                 # 第17条
    assert items["dependants_living_expenses"]["amount"] == dependants == 285000
    assert items["mental_damages"]["amount"] == 50000
    total = 20000 + 1000 + 750000 + 36000 + 285000 + 50000
    assert r.total == total == 1142000
    # 交强险 with the vehicle at fault: medical group (20000 + 1000) within 18000, the rest
    # within 180000; the remainder × 70% (main responsibility); commercial up to 500000
    compulsory = min(21000, 18000) + min(total - 21000, 180000)
    assert r.split["compulsory"] == compulsory == 198000
    liable = (total - compulsory) * 0.7
    assert r.split["commercial"] == min(liable, 500000) == 500000
    assert r.split["party"] == pytest.approx(liable - 500000) == 160800
    assert r.split["victim_bears"] == pytest.approx(total - compulsory - liable) == 283200
    assert {s["year"] for s in r.standards_used} == {2025}
    assert all(s["published"] == "2026-03-20" for s in r.standards_used)
    assert "还没有核实" not in r.uncertainties[0] and "样例省 2025 年的数字" in r.uncertainties[0]
