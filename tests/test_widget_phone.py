"""The widget for a phone in an elderly hand (issue 13 item 11), in Chromium at 360 px against
the real system: Enter while a Chinese input method composes never sends (composition events
through the DevTools protocol), large text reaches every element and is remembered, new messages
are inside the live region, every button is at least 44 px, 新的咨询 starts a new conversation,
a paste over the limit is cut and said so. Screenshots: tests/artifacts/widget-*.png."""
from __future__ import annotations

import pytest
from test_browser import browser, open_widget, phone, shot, wait_until  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration


def resident_texts(page) -> list[str]:
    return page.locator(".lb-msg.lb-resident").all_inner_texts()


def test_enter_while_composing_chinese_does_not_send(phone):  # noqa: F811
    page = phone
    open_widget(page)
    box = page.get_by_label("输入您的问题")
    box.focus()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "gongshang", "selectionStart": 9,
                                         "selectionEnd": 9})
    assert page.evaluate("document.querySelector('#lb-input').value") == "gongshang"
    for kind in ("rawKeyDown", "keyUp"):  # Enter picks the words of the input method
        cdp.send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                                            "windowsVirtualKeyCode": 13})
    page.wait_for_timeout(500)
    assert resident_texts(page) == []
    cdp.send("Input.insertText", {"text": "工伤认定找谁"})  # the composition ends with the words
    page.wait_for_timeout(100)
    before = page.locator(".lb-msg.lb-bot").count()
    page.keyboard.press("Enter")  # now Enter sends
    wait_until(page, f"document.querySelectorAll('.lb-msg.lb-bot').length > {before}", 60000)
    assert resident_texts(page) == ["工伤认定找谁"]
    shot(page, "widget-01-ime")


def test_large_text_everywhere_remembered_buttons_44px_and_live_region(phone):  # noqa: F811
    page = phone
    open_widget(page)
    page.get_by_role("button", name="大字").click()
    sizes = page.evaluate("""Array.from(document.querySelectorAll(
        '.lb-panel *')).filter(e => e.offsetParent !== null && e.textContent.trim())
        .map(e => parseFloat(getComputedStyle(e).fontSize))""")
    assert sizes and min(sizes) >= 22
    page.reload()
    open_widget(page)
    assert page.locator(".lb-panel.lb-large").count() == 1  # remembered (localStorage)
    assert page.get_by_role("button", name="大字").get_attribute("aria-pressed") == "true"
    small = page.evaluate("""Array.from(document.querySelectorAll('.lb-panel button'))
        .filter(b => b.offsetParent !== null).map(b => b.getBoundingClientRect())
        .filter(r => r.height < 44 || r.width < 44).length""")
    assert small == 0
    # normal size too: every button a finger can hit
    page.get_by_role("button", name="大字").click()
    small = page.evaluate("""Array.from(document.querySelectorAll('.lb-panel button, .lb-launch'))
        .filter(b => b.offsetParent !== null).map(b => b.getBoundingClientRect())
        .filter(r => r.height < 44 || r.width < 44).length""")
    assert small == 0
    # new messages land inside the polite live region screen readers announce
    assert page.evaluate("""document.querySelector('.lb-msg.lb-bot:last-child')
        .closest('[aria-live=polite]') !== null""")
    shot(page, "widget-02-buttons")


def test_new_consultation_and_a_long_paste_is_cut_and_said(phone):  # noqa: F811
    page = phone
    open_widget(page)
    first = page.evaluate("JSON.parse(sessionStorage.getItem('legalbot.conversation')).id")
    box = page.get_by_label("输入您的问题")
    box.fill("我" * 2500)  # a paste of 2,500 characters
    assert len(box.input_value()) == 2000
    notice = page.locator(".lb-notice")
    assert notice.is_visible() and "2500字" in notice.inner_text() and "2000字" in notice.inner_text()
    assert notice.get_attribute("aria-live") == "polite"
    shot(page, "widget-03-long-paste")
    before = page.locator(".lb-msg.lb-bot, .lb-msg.lb-system").count()
    page.get_by_role("button", name="发送").click()
    wait_until(page, "document.querySelectorAll('.lb-msg.lb-bot, .lb-msg.lb-system').length > "
               f"{before}", 60000)
    assert [len(t) for t in resident_texts(page)] == [2000]
    page.get_by_role("button", name="新的咨询").click()
    wait_until(page, "document.querySelectorAll('.lb-msg.lb-bot').length > 0 && "
               "!document.querySelector('.lb-msg.lb-resident')", 60000)
    second = page.evaluate("JSON.parse(sessionStorage.getItem('legalbot.conversation')).id")
    assert second != first
    assert "婚姻家庭" in page.locator(".lb-log").inner_text()  # the greeting again
    shot(page, "widget-04-new")
