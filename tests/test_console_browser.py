"""A resident (widget, 360 px phone) and a mediator (console, 1280 px) in two Chromium contexts
through the whole round trip, against the real Rasa and action servers: handoff, alert, claim,
reply seen by the resident, the resident's answer seen by the mediator, a private note, hand back,
the bot answers again, a second handoff, close, rating seen in the console.
Screenshots go to tests/artifacts/console-*.png (look at them)."""
from __future__ import annotations

import re

import pytest

from test_browser import ARGS, CHROMIUM, browser, open_widget, shot  # noqa: F401 (fixture)
from test_console_stack import PW, add_user

pytestmark = pytest.mark.integration


@pytest.fixture
def two(browser, stack):  # noqa: F811
    add_user(stack, "browser_m", name="郑调解")
    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1,
                                is_mobile=True, has_touch=True, locale="zh-CN")
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    resident, mediator = phone.new_page(), desk.new_page()
    errors = []
    for page in (resident, mediator):
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                and not m.text.startswith("Failed to load resource") else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    mediator.on("dialog", lambda d: d.accept())
    yield resident, mediator, errors
    phone.close()
    desk.close()


def until(page, check, timeout=15.0):
    """Poll from Python: the pages' Content-Security-Policy forbids the eval behind
    page.wait_for_function."""
    import time

    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        page.wait_for_timeout(200)


def bot_count(page) -> int:
    return page.locator(".lb-msg.lb-bot").count()


def type_in_widget(page, text):
    page.get_by_label("输入您的问题").fill(text)
    page.get_by_role("button", name="发送").click()


def test_resident_and_mediator_round_trip(two, stack):
    resident, mediator, errors = two

    # the mediator logs in and keeps the queue open
    mediator.goto(stack.url + "/console/login")
    shot(mediator, "console-01-login")
    mediator.get_by_label("用户名").fill("browser_m")
    mediator.get_by_label("密码").fill(PW)
    mediator.get_by_role("button", name="登录").click()
    mediator.wait_for_url(re.compile(r".*/console/$"))
    mediator.locator(".c-alerts").click()
    mediator.wait_for_timeout(1500)
    before = mediator.title()

    # the resident asks for a person
    resident.goto(stack.url + "/")
    open_widget(resident)
    resident.locator(".lb-handoff-btn").click()
    resident.wait_for_selector(".lb-msg.lb-system:has-text('12348')", timeout=60000)
    resident.wait_for_selector(".lb-status:has-text('已转人工')")
    assert resident.locator(".lb-status .lb-back").is_visible()
    shot(resident, "console-02-resident-waiting")
    conv = resident.evaluate("JSON.parse(sessionStorage.getItem('legalbot.conversation')).id")

    # the open console raises an alert: a new row, a badge in the title
    row = mediator.locator(f'.c-queue tr[data-id="{conv}"]')
    row.wait_for(timeout=15000)
    until(mediator, lambda: mediator.title() != before and mediator.title().startswith("("))
    assert "已等待" in mediator.locator(".c-queue thead").inner_text()
    shot(mediator, "console-03-queue")
    row.locator(".c-claim").click()
    mediator.wait_for_url(re.compile(r".*/console/conversations/.*"))
    mediator.wait_for_selector(".c-reply:not([hidden])")

    # reply (with HTML, shown as text) -> the resident sees it within a few seconds
    mediator.locator("#c-reply-text").fill("您好，我是郑调解。<b>请说说</b>情况。")
    mediator.get_by_role("button", name="发送给居民").click()
    resident.wait_for_selector(".lb-msg.lb-mediator", timeout=10000)
    said = resident.locator(".lb-msg.lb-mediator").last
    assert "<b>请说说</b>" in said.inner_text() and said.locator("b").count() == 0
    resident.wait_for_selector(".lb-status:has-text('郑调解正在为您服务')", timeout=10000)
    shot(resident, "console-04-resident-reply")

    # the resident answers -> the mediator sees it; a private note
    type_in_widget(resident, "公司拖欠我三个月工资，一共一万八")
    mediator.wait_for_selector(".c-msg.c-resident:has-text('一万八')", timeout=10000)
    mediator.locator("#c-note-text").fill("建议先去劳动仲裁委申请仲裁")
    mediator.get_by_role("button", name="保存备注").click()
    mediator.wait_for_selector(".c-notes li:has-text('劳动仲裁委')")
    shot(mediator, "console-05-conversation")
    assert "劳动仲裁委" not in resident.locator(".lb-log").inner_text()

    # hand back: the bot answers the resident again
    mediator.locator(".c-handback").click()
    mediator.wait_for_selector(".c-events li:has-text('交回机器人')", timeout=10000)
    resident.wait_for_selector(".lb-msg.lb-system:has-text('机器人继续')", timeout=10000)
    resident.wait_for_selector(".lb-status", state="hidden", timeout=10000)
    n = bot_count(resident)
    type_in_widget(resident, "加班费怎么算")
    until(resident, lambda: bot_count(resident) > n, timeout=60)
    assert "加班" in resident.locator(".lb-msg.lb-bot").last.inner_text()

    # a second handoff, closed with an outcome, then rated
    resident.locator(".lb-handoff-btn").click()
    resident.wait_for_selector(".lb-status:has-text('已转人工')", timeout=60000)
    mediator.locator(".c-actions .c-claim").wait_for(timeout=10000)
    mediator.locator(".c-actions .c-claim").click()
    mediator.wait_for_selector(".c-close-form", timeout=10000)
    mediator.locator(".c-close-form select").select_option("resolved")
    mediator.locator(".c-close-form input").fill("已答复加班费问题")
    mediator.locator(".c-close-form button").click()
    mediator.wait_for_selector(".c-events li:has-text('结案')", timeout=10000)
    resident.wait_for_selector(".lb-rate", timeout=10000)
    resident.get_by_role("button", name="5星").click()
    resident.get_by_label("评价内容").fill("回复很快，谢谢")
    shot(resident, "console-06-resident-rating")
    resident.get_by_role("button", name="提交评价").click()
    resident.wait_for_selector(".lb-msg.lb-system:has-text('谢谢您的评价')")
    mediator.wait_for_selector(".c-stars:has-text('5分')", timeout=10000)
    shot(mediator, "console-07-closed-rated")
    assert errors == []


def test_an_overdue_handoff_is_red_in_the_queue(two, stack):
    import sqlite3

    import requests

    _, mediator, errors = two
    body = requests.post(f"{stack.url}/api/conversations", timeout=10).json()
    conv, h = body["conversation_id"], {"X-Conversation-Token": body["token"]}
    requests.post(f"{stack.url}/api/conversations/{conv}/messages", headers=h, timeout=60,
                  json={"text": "邻居占了我家的宅基地，怎么办"})
    r = requests.post(f"{stack.url}/api/conversations/{conv}/messages", headers=h, timeout=60,
                      json={"payload": "/handoff", "title": "转人工"})
    assert r.json()["messages"][-1]["from"] == "system"
    with sqlite3.connect(stack.data_dir / "legalbot.db") as db:  # handed off a week ago
        db.execute("UPDATE handoffs SET created_at = datetime('now', '-7 days') "
                   "WHERE conversation_id = ?", (conv,))
    mediator.goto(stack.url + "/console/login")
    mediator.get_by_label("用户名").fill("browser_m")
    mediator.get_by_label("密码").fill(PW)
    mediator.get_by_role("button", name="登录").click()
    due = mediator.locator(f'.c-queue tr[data-id="{conv}"] td.c-overdue')
    due.wait_for(timeout=15000)
    assert due.evaluate("e => getComputedStyle(e).color") == "rgb(185, 28, 28)"
    assert "已超时" in due.evaluate("e => getComputedStyle(e, '::after').content")
    shot(mediator, "console-08-overdue")
    assert errors == []
