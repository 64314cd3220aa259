"""From an analysis to a confirmed booking in a real browser at 360 px: Debian's Chromium against
the real Rasa, action server and web app. Also "找调解员" typed to the real bot."""
from __future__ import annotations

import subprocess

import pytest
import requests
from test_browser import browser, click, open_widget, phone, send, shot, wait_until  # noqa: F401

pytestmark = pytest.mark.integration
WAGES = ["12000", "3个月", "不知道", "否", "2026年10月31日", "公司", "否", "是", "否"]


@pytest.mark.parametrize("text", ["找调解员", "我想预约调解"])
def test_typed_requests_get_mediators_with_free_slots_and_the_board(stack, text):
    conv = requests.post(stack.url + "/api/conversations", json={}, timeout=30).json()
    h = {"X-Conversation-Token": conv["token"]}
    r = requests.post(f"{stack.url}/api/conversations/{conv['conversation_id']}/messages",
                      json={"text": text}, headers=h, timeout=90).json()
    offer = [m for m in r["messages"] if m.get("links")]
    assert offer, r
    assert offer[0]["links"][0]["url"].startswith("/mediators")
    assert "最近可约" in offer[0]["text"]
    assert "功能正在开通中" not in str(r)


def test_from_an_analysis_to_a_confirmed_booking_on_a_phone(phone, tmp_path):
    page = phone
    open_widget(page)
    click(page, "劳动争议与工伤")
    click(page, "被拖欠工资")
    answers = iter(WAGES)
    for _ in range(len(WAGES) + 12):  # read-backs are confirmed, then the summary of all facts
        if page.locator("a.lb-report").count():
            break
        last = page.locator(".lb-msg.lb-bot").last.inner_text()
        send(page, "对" if "对吗" in last or "请核对" in last else next(answers, "不知道"))
    assert page.locator("a.lb-report").count(), "no analysis"
    click(page, "预约调解")
    link = page.locator("a.lb-link", has_text="调解点将台").last
    assert link.is_visible()
    shot(page, "booking-01-offer")
    with page.context.expect_page() as new:
        link.click()
    board = new.value
    board.wait_for_load_state()
    board.wait_for_selector(".card")
    first = board.locator(".card").first
    assert "推荐" in first.inner_text() and "劳动争议" in first.inner_text()
    assert board.evaluate("document.documentElement.scrollWidth") <= 360
    assert first.locator("a.tel").get_attribute("href").startswith("tel:")
    shot(board, "booking-02-board")
    name = first.locator("h3").inner_text()
    first.get_by_role("button", name="预约时间").click()
    board.wait_for_selector("#slots button.slot")
    board.locator("#slots button.slot").first.click()
    assert board.locator("#linked").is_visible()  # the consultation comes along
    board.get_by_label("您的姓名").fill("刘大壮")
    board.get_by_label("手机号码").fill("13812345678")
    board.get_by_role("button", name="提交预约").click()
    wait_until(board, "document.getElementById('b-error').textContent.length > 0")
    assert "同意" in board.locator("#b-error").inner_text()  # no consent yet: refused
    board.locator("#b-consent").check()
    board.get_by_role("button", name="提交预约").click()
    wait_until(board, "!document.getElementById('done').hidden")
    assert name in board.locator("#done-text").inner_text()
    assert board.evaluate("document.documentElement.scrollWidth") <= 360
    shot(board, "booking-03-confirmed")
    pdf_url = board.evaluate("document.getElementById('done-pdf').href")
    pdf = board.request.get(pdf_url)
    assert pdf.ok and pdf.body()[:4] == b"%PDF"
    path = tmp_path / "application.pdf"
    path.write_bytes(pdf.body())
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                  text=True).stdout.split())
    assert "刘大壮" in text and "12000.00元" in text and "被拖欠工资" in text
    # the confirmation reaches the chat (the widget polls)
    wait_until(page, "Array.from(document.querySelectorAll('.lb-msg.lb-system'))"
                     ".some(function (e) { return e.textContent.indexOf('预约成功') >= 0; })",
               timeout=30000)
    shot(page, "booking-04-chat")
    # the manage page in large text
    board.locator("#done-manage").click()
    board.wait_for_selector("#actions:not([hidden])")
    board.get_by_role("button", name="大字").click()
    assert "已确认" in board.locator("#info").inner_text()
    assert board.evaluate("document.documentElement.scrollWidth") <= 360
    shot(board, "booking-05-manage-large")
