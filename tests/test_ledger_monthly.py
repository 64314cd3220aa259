"""The monthly report a bureau sends up (月度矛盾纠纷排查调处情况统计表) against the hand-counted
fixture of test_ledger_stats (plus a judicial confirmation noted on dispute 1): one month, a
range, an empty month; the XLSX re-read with openpyxl, the PDF read with pdftotext. The expected
figures were counted by hand from the fixture's comments, not computed by the code under test."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from test_ledger_api import _pdftotext, app, patch  # noqa: F401 (fixture)
from test_ledger_stats import fixture  # noqa: F401 (fixture)

TOWNSHIPS = ["城关镇", "东关街道", "西关街道", "河口镇", "柳林乡", "石桥镇", "南湖乡", "北山镇"]
FIELDS = ("disputes", "marriage", "traffic", "labor", "other", "resolved", "rate",
          "in_progress", "failed", "overdue", "followed_up", "confirmed", "consultations",
          "handoffs", "bookings")


def _row(township, **figures):
    return {"township": township, **{f: 0 for f in FIELDS}, "rate": None, **figures}


@pytest.fixture
def admin(fixture):  # noqa: F811
    # dispute 1 (labor, 城关镇, agreement on 2026-03-12): judicial confirmation applied for
    r = patch(fixture, "/api/console/disputes/1", {"confirmation": {
        "applied_on": "2026-03-20", "court": "建安区人民法院", "result": "confirmed"}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["confirmation"]["court"] == "建安区人民法院"
    return fixture


def test_one_month_by_township(admin):
    r = admin.get("/api/console/stats/monthly?month=2026-03").get_json()
    assert (r["from"], r["to"], r["month"], r["bureau"]) == (
        "2026-03-01", "2026-03-31", "2026-03", "建安区司法局")
    # March: disputes 1 (agreement, confirmed) and 2 (booking, no agreement, late); A and B
    # opened and handed off in March
    assert r["rows"] == [_row("城关镇", disputes=2, labor=2, resolved=1, rate=0.5, failed=1,
                              overdue=1, confirmed=1, bookings=1)] + [
        _row(t) for t in TOWNSHIPS[1:]] + [_row(None, consultations=2, handoffs=2)]
    assert r["totals"] == {k: v for k, v in _row(
        None, disputes=2, labor=2, resolved=1, rate=0.5, failed=1, overdue=1, confirmed=1,
        bookings=1, consultations=2, handoffs=2).items() if k != "township"}


def test_a_range(admin):
    r = admin.get("/api/console/stats/monthly?from=2026-01-01&to=2026-06-30").get_json()
    rows = {x["township"]: x for x in r["rows"]}
    assert rows["城关镇"] == _row("城关镇", disputes=3, marriage=1, labor=2, resolved=2,
                                 rate=0.6667, failed=1, overdue=1, followed_up=1, confirmed=1,
                                 bookings=1)
    assert rows["河口镇"] == _row("河口镇", disputes=2, marriage=1, traffic=1, in_progress=2,
                                 overdue=1)
    assert rows[None] == _row(None, consultations=3, handoffs=2)
    t = r["totals"]
    assert [t[f] for f in FIELDS] == [5, 2, 1, 2, 0, 2, 0.6667, 2, 1, 2, 1, 1, 3, 2, 1]


def test_empty_month_and_bad_input(admin):
    r = admin.get("/api/console/stats/monthly?month=2020-02").get_json()
    assert (r["from"], r["to"]) == ("2020-02-01", "2020-02-29")
    assert r["rows"] == [_row(t) for t in TOWNSHIPS]
    assert r["totals"]["disputes"] == 0 and r["totals"]["rate"] is None
    x = load_workbook(io.BytesIO(admin.get(
        "/api/console/stats/monthly.xlsx?month=2020-02").data)).active
    assert [c.value for c in x["A"][4:13]] == TOWNSHIPS + ["合计"]
    assert x.cell(13, 2).value == 0 and x.cell(13, 8).value == "—"
    for q in ("month=2026-13", "month=2026-3", "from=2026-02-01", "from=2026-03-01&to=2026-02-01",
              "month=2026-03&from=2026-03-01", "", "month=2026-03&prepared_by=" + "长" * 21):
        for ext in ("", ".xlsx", ".pdf"):
            r = admin.get(f"/api/console/stats/monthly{ext}?{q}")
            assert r.status_code == 400, (q, ext)
            assert r.get_json()["error"] in ("bad_period", "too_long") and r.get_json()["message"]


def test_xlsx_reopens_as_a_printable_report(admin):
    r = admin.get("/api/console/stats/monthly.xlsx?month=2026-03&prepared_by=张科员"
                  "&reviewed_by=李股长")
    assert r.status_code == 200 and "monthly-2026-03.xlsx" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb.active
    assert ws["A1"].value == "建安区司法局矛盾纠纷排查调处情况统计表"
    assert ws["A2"].value == "填报单位：建安区司法局" and ws["I2"].value == "统计期间：2026年3月"
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A1:P1", "A3:A4", "B3:B4", "C3:F3", "N3:P3"} <= merged
    assert [ws.cell(4, c).value for c in range(3, 7)] == ["婚姻家庭", "交通事故", "劳动争议", "其他"]
    assert ws["G3"].value == "调解成功（件）" and ws["O4"].value == "转人工（次）"
    assert [c.value for c in ws[5]] == ["城关镇", 2, 0, 0, 2, 0, 1, 0.5, 0, 1, 1, 0, 1, 0, 0, 1]
    assert ws["H5"].number_format == "0.0%" and ws["A5"].border.left.style == "thin"
    assert [c.value for c in ws[13]] == ["未注明乡镇", 0, 0, 0, 0, 0, 0, "—", 0, 0, 0, 0, 0,
                                         2, 2, 0]
    assert [c.value for c in ws[14]] == ["合计", 2, 0, 0, 2, 0, 1, 0.5, 0, 1, 1, 0, 1, 2, 2, 1]
    assert "填报人：张科员" in ws["A16"].value and "审核人：李股长" in ws["A16"].value
    assert "填报日期：" in ws["A16"].value and ws["A17"].value.startswith("说明：")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$3:$4"


def test_pdf_reads_back_with_the_cjk_font_embedded(admin, tmp_path):
    r = admin.get("/api/console/stats/monthly.pdf?from=2026-01-01&to=2026-06-30"
                  "&prepared_by=张科员")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = _pdftotext(r.data, tmp_path)
    for words in ("建安区司法局矛盾纠纷排查调处情况统计表", "统计期间：2026年1月1日至2026年6月30日",
                  "填报单位：建安区司法局", "填报人：张科员", "审核人：", "婚姻家庭", "司法确认"):
        assert words in text.replace(" ", ""), words
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines()
             if line.split() and line.split()[0] in ("城关镇", "河口镇", "合计")}
    assert lines["城关镇"] == ["3", "1", "0", "2", "0", "2", "66.7%", "0", "1", "1", "1", "1",
                            "0", "0", "1"]
    assert lines["合计"] == ["5", "2", "1", "2", "0", "2", "66.7%", "2", "1", "2", "1", "1",
                           "3", "2", "1"]


def test_confirmation_only_after_an_agreement(admin):
    r = patch(admin, "/api/console/disputes/3", {"confirmation": {
        "applied_on": "2026-04-10", "court": "建安区人民法院"}})
    assert (r.status_code, r.get_json()["error"]) == (409, "confirmation_needs_agreement")
    r = patch(admin, "/api/console/disputes/1", {"confirmation": {"applied_on": "2026-03-01",
                                                                  "court": "法院"}})
    assert (r.status_code, r.get_json()["error"]) == (400, "bad_order")
    r = patch(admin, "/api/console/disputes/1", {"confirmation": "yes"})
    assert r.status_code == 400
