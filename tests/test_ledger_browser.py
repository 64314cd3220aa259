"""The ledger in real headless Chromium (Debian's /usr/bin/chromium) against the web app served
on a loopback port: an admin logs in, reads the statistics page (table and server-drawn SVG
charts match the hand-counted fixture of test_ledger_stats), registers a walk-in on the ledger
page and accepts it. Screenshots go to tests/artifacts/ledger-*.png."""
from __future__ import annotations

import re
import threading

import pytest

from test_browser import ARGS, CHROMIUM, shot  # noqa: F401
from test_console_api import PW
from test_ledger_api import app  # noqa: F401 (fixture)
from test_ledger_stats import RANGE, fixture  # noqa: F401 (fixture)


@pytest.fixture
def served(app, fixture):  # noqa: F811
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        ctx = b.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = ctx.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error"
              and not m.text.startswith("Failed to load resource") else None)
        pg.on("response", lambda r: errors.append(f"{r.status} {r.url}")
              if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        pg.goto(served + "/console/login?next=/console/stats")
        pg.get_by_label("用户名").fill("admin1")
        pg.get_by_label("密码").fill(PW)
        pg.get_by_role("button", name="登录").click()
        pg.wait_for_url(re.compile(r".*/console/stats$"))
        yield pg, served, errors
        b.close()


def test_stats_page_draws_the_figures(page):
    pg, base, errors = page
    pg.goto(f"{base}/console/stats?{RANGE}&group_by=domain")
    rows = pg.locator("#stats-table tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).locator("td").nth(0).inner_text() for i in range(3)] == [
        "劳动争议与工伤", "婚姻家庭与继承", "交通事故"]
    assert pg.locator("tr[data-key=labor] .n-disputes").inner_text() == "2"
    assert pg.locator("#stats-total td").nth(3).inner_text() == "5"
    assert pg.locator("#stats-total td").nth(5).inner_text() == "66.7%"
    # the SVG bars: one per row and series, heights in proportion to the values
    bars = pg.locator("#chart-counts rect[data-series=disputes]")
    assert bars.count() == 3
    values = [bars.nth(i).get_attribute("data-value") for i in range(3)]
    assert values == ["2", "2", "1"]
    heights = [bars.nth(i).bounding_box()["height"] for i in range(3)]
    assert heights[0] == pytest.approx(heights[1]) and heights[2] == pytest.approx(
        heights[0] / 2, rel=0.02)
    assert pg.locator("#chart-counts rect[data-series=overdue]").nth(0).bounding_box()[
        "height"] == pytest.approx(heights[0] / 2, rel=0.02)
    rate = pg.locator("#chart-rate rect")
    assert [rate.nth(i).get_attribute("data-value") for i in range(3)] == ["50.0", "100.0", "0"]
    # grouping changes through the form; the export links carry the query
    pg.select_option("select[name=group_by]", "township")
    pg.get_by_role("button", name="查看").click()
    pg.wait_for_url(re.compile(r".*group_by=township.*"))
    assert pg.locator("#stats-table tbody tr").count() == 3
    assert "group_by=township" in pg.locator("#xlsx-link").get_attribute("href")
    shot(pg, "ledger-stats")
    assert errors == []


def test_walk_in_registered_and_accepted_on_the_ledger_pages(page):
    pg, base, errors = page
    pg.goto(base + "/console/disputes")
    pg.wait_for_selector("#dispute-list tbody tr")
    assert pg.locator("#dispute-list tbody tr").count() == 6
    pg.get_by_label("申请人姓名", exact=True).fill("赵六")
    pg.get_by_label("被申请人姓名").fill("钱七")
    pg.locator("#walk-in select[name=township]").select_option("柳林乡")
    pg.get_by_label("纠纷简要情况").fill("相邻通道被堵，双方争吵")
    pg.get_by_role("button", name="登记").click()
    pg.wait_for_url(re.compile(r".*/console/disputes/\d+$"))
    pg.wait_for_selector("#d-moves button")
    assert pg.locator("#d-status").inner_text() == "已登记"
    assert "第0006号" in pg.locator("#d-number").inner_text()
    pg.locator("button[data-move=accepted]").click()
    pg.wait_for_selector("#d-status:has-text('已受理')")
    assert re.match(r"\d{4}-\d{2}-\d{2}", pg.locator("#d-deadline").inner_text())
    assert pg.locator("button[data-move=mediating]").is_visible()
    shot(pg, "ledger-dispute")
    pg.goto(base + "/console/disputes")
    pg.locator("select[name=status]").select_option("accepted")
    for _ in range(50):
        if pg.locator("#dispute-list tbody tr").count() == 1:
            break
        pg.wait_for_timeout(100)
    assert pg.locator("#dispute-list tbody tr td").nth(0).inner_text().endswith("第0006号")
    assert errors == []


def test_admin_marks_a_gap_on_the_gaps_page(page, app):  # noqa: F811
    import datetime as dt

    from web.db import session_scope
    from web.models import Conversation, Message

    pg, base, errors = page
    with session_scope(app.extensions["db"]) as s:
        s.add(Conversation(id="gap-c", token_hash="x"))
        s.flush()
        q = Message(conversation_id="gap-c", sender="resident", text="我想办护照怎么弄",
                    created_at=dt.datetime.utcnow())
        s.add(q)
        s.flush()
        s.add(Message(conversation_id="gap-c", sender="bot", text="答", reply_to=q.id,
                      meta={"faq_id": None, "domain": "other"}))
    pg.goto(base + "/console/gaps")
    row = pg.locator("#gap-groups tbody tr").first
    assert "我想办护照怎么弄" in row.inner_text()
    row.locator("select[name=decision]").select_option("out_of_scope")
    row.get_by_role("button", name="标记").click()
    pg.wait_for_selector("#gap-groups td:has-text('有意不在服务范围内')")
    shot(pg, "ledger-gaps")
    assert errors == []


def test_register_a_conversation_from_the_console_conversation_view(page, app):  # noqa: F811
    from web.db import session_scope
    from web.models import Consultation, Conversation, Handoff, Message

    pg, base, errors = page
    with session_scope(app.extensions["db"]) as s:
        s.add(Conversation(id="conv-b", token_hash="x", status="with_mediator"))
        s.flush()
        s.add(Message(conversation_id="conv-b", sender="resident", text="老板拖欠我两个月工资"))
        s.add(Consultation(conversation_id="conv-b", case_type="unpaid_wages",
                           facts={"months_unpaid": 2}, analysis={"total": 6000},
                           report_token="tok-b"))
        s.add(Handoff(conversation_id="conv-b", status="waiting", domain="labor"))
    pg.goto(base + "/console/conversations/conv-b")
    pg.get_by_role("button", name="登记台账").click()
    pg.wait_for_url(re.compile(r".*/console/disputes/\d+$"))
    pg.wait_for_selector("#d-status:has-text('已登记')")
    assert "老板拖欠我两个月工资" in pg.locator("#d-summary").inner_text()
    assert "months_unpaid" in pg.locator("#d-facts").inner_text()
    assert errors == []


def test_monthly_report_downloaded_from_the_stats_page(page):
    """The bureau's monthly report: the month and the names typed on /console/stats, the Excel
    file downloaded by the button and re-read (figures of test_ledger_monthly)."""
    import io

    from openpyxl import load_workbook

    pg, base, errors = page
    pg.goto(f"{base}/console/stats")
    form = pg.locator("#monthly-form")
    form.get_by_label("月份").fill("2026-03")
    form.get_by_label("审核人").fill("李股长")
    with pg.expect_download() as info:
        pg.locator("#monthly-xlsx").click()
    download = info.value
    assert download.suggested_filename == "monthly-2026-03.xlsx"
    ws = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    assert ws["I2"].value == "统计期间：2026年3月"
    assert [c.value for c in ws[5]][:3] == ["城关镇", 2, 0]
    assert [c.value for c in ws[14]][:2] == ["合计", 2]
    assert "填报人：admin1调解员" in ws["A16"].value and "审核人：李股长" in ws["A16"].value
    shot(pg, "ledger-monthly")
    assert errors == []


def test_judicial_confirmation_noted_on_the_dispute_page(page, app):  # noqa: F811
    """Dispute 1 of the fixture reached an agreement on 2026-03-12: the page offers 司法确认
    with its last day, and what is entered is kept and counted in the monthly report."""
    pg, base, errors = page
    pg.goto(base + "/console/disputes/1")
    pg.wait_for_selector("#d-confirmation:not([hidden])")
    assert pg.locator("#d-confirmation-due").inner_text() == "2026-04-13"
    pg.locator("#d-confirm input[name=applied_on]").fill("2026-03-20")
    pg.get_by_label("受理法院").fill("建安区人民法院")
    pg.locator("#d-confirm select[name=result]").select_option("confirmed")
    pg.get_by_role("button", name="记录司法确认").click()
    pg.wait_for_selector("#d-confirmation-noted:has-text('建安区人民法院')")
    import datetime as dt

    report = app.extensions["monthly"].compute(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert report["totals"]["confirmed"] == 1
    pg.goto(base + "/console/disputes/3")  # still mediating: nothing to confirm
    pg.wait_for_selector("#d-status:has-text('调解中')")
    assert pg.locator("#d-confirmation").is_hidden()
    assert errors == []
