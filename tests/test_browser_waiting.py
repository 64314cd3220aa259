"""Never silent, on a 360 px phone in Debian's Chromium (issue 13 items 7, 8, 10): a danger
message gets 110 at once and a person is alerted; the chat goes on — the next question is
answered by the bot under the expected time and 12348 — and a plain 转人工 wait does the same.
Screenshots go to tests/artifacts/."""
from __future__ import annotations

import pytest

from test_browser import browser, open_widget, phone, send, shot, wait_until  # noqa: F401

pytestmark = pytest.mark.integration


def texts(page, cls: str) -> list[str]:
    return page.locator(f".lb-msg.lb-{cls}").all_inner_texts()


def fits(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_after_a_danger_reply_the_chat_goes_on_with_the_wait_and_12348(phone):
    page = phone
    open_widget(page)
    send(page, "他又喝醉了拿刀说要砍死俺")
    assert any("110" in t for t in texts(page, "bot") + texts(page, "system"))
    wait_until(page, "!document.querySelector('.lb-status').hidden")
    assert "12348" in page.locator(".lb-status").inner_text()
    shot(page, "waiting-01-danger")
    system_before = len(texts(page, "system"))
    send(page, "离婚要带啥材料")
    assert "离婚" in texts(page, "bot")[-1]                 # the bot still answers
    wait_until(page, f"document.querySelectorAll('.lb-msg.lb-system').length > {system_before}")
    notice = texts(page, "system")[-1]
    assert "12348" in notice and "回复您" in notice and "110" in notice
    assert fits(page)
    shot(page, "waiting-02-answered-while-waiting")


def test_while_waiting_for_a_person_a_question_is_answered_with_the_expected_time(phone):
    page = phone
    open_widget(page)
    page.locator(".lb-handoff-btn").click()
    wait_until(page, "!document.querySelector('.lb-status').hidden")
    status = page.locator(".lb-status").inner_text()
    assert "已转人工" in status and "预计" in status and "12348" in status
    send(page, "加班费咋算")
    assert "加班" in texts(page, "bot")[-1]
    wait_until(page, "Array.from(document.querySelectorAll('.lb-msg.lb-system'))"
                     ".some(function (e) { return e.textContent.indexOf('这期间我先回答') >= 0; })")
    assert fits(page)
    shot(page, "waiting-03-handoff-wait")
