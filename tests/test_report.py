"""The 法律分析和意见指南 report: HTML and PDF made from an analysis, for every case type."""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from knowledge.analysis.engine import analyze
from knowledge.content.cases import load_case_types
from knowledge.analysis.report import render_html, render_pdf

CASES = load_case_types(Path(__file__).resolve().parent.parent / "knowledge" / "cases")
TODAY = dt.date(2026, 11, 22)
EXAMPLES = {
    "unlawful_dismissal": {"monthly_wage": 8000, "start_date": "2020-03-01",
                           "end_date": "2023-05-01", "termination": "unlawful"},
    "traffic_injury": {"injury": "disability", "victim_age": 45, "disability_grade": 8,
                       "accident_date": "2024-05-10", "region": "河南", "medical_costs": 32000,
                       "liability": "main", "victim_role": "pedestrian"},
}


def example(case_id):
    return analyze(CASES[case_id], EXAMPLES[case_id], today=TODAY).as_json()


def test_html_has_every_part(store):
    a = example("unlawful_dismissal")
    html = render_html(a, CASES["unlawful_dismissal"], store, pdf_url="/x.pdf")
    assert "<title>法律分析和意见指南" in html
    assert "56000.00" in html and "2 × 8000.00 元/月 × 3.5 个月" in html   # amount with formula
    assert "2024-05-01" in html                                               # deadline
    text87 = store.get("中华人民共和国劳动合同法", 87).text
    assert text87[:30] in html                                                # full article text
    assert "现行有效" in html and "12348" in html and "不是律师的法律意见" in html
    assert "@media print" in html and 'href="/x.pdf"' in html


def test_html_escapes_resident_text(store):
    case = CASES["traffic_injury"]
    a = example("traffic_injury")
    a["facts"]["region"] = "<script>alert(1)</script>"
    html = render_html(a, case, store)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("case_id", sorted(EXAMPLES))
def test_pdf_embeds_its_cjk_font_and_reads_back(case_id, store, tmp_path):
    pdf = render_pdf(example(case_id), CASES[case_id], store)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    out = tmp_path / "r.pdf"
    out.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "UMing" in line
           or "ZenHei" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts  # the "emb" column
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "法律分析和意见指南" in text and "12348" in text


def test_without_a_truetype_font_the_pdf_falls_back_and_says_so(store, caplog):
    from knowledge.content import fonts

    assert fonts.font_file({"PDF_FONT": "/nonexistent.ttf"}) is None
    assert fonts._register(None) == fonts.FALLBACK
    assert "fonts-wqy-microhei" in caplog.text
