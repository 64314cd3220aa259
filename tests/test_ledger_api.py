"""The ledger API (contract 6) on a real SQLite database: walk-ins, creation from a handed-off
conversation, every transition (and every illegal one: 409), deadlines with holidays, extensions,
dates entered after the fact, session records, follow-ups, masking, and the documents read back
with pdftotext."""
from __future__ import annotations

import datetime as dt
import itertools
import subprocess

import pytest

from web.models import Consultation, Conversation, Handoff, Message
from web.services import ledger
from web.services.ledger import STATUSES, TRANSITIONS

from test_console_api import add_user, login

WALK_IN = {"parties": [{"name": "张三", "role": "applicant", "phone": "13812345678",
                        "address": "城关镇东街5号院3排"},
                       {"name": "李四", "role": "respondent", "phone": "13900001111"}],
           "domain": "labor", "township": "城关镇", "village": "东街村",
           "summary": "李四拖欠张三工资三个月共9000元"}


def patch(c, path, body):
    return c.patch(path, json=body, headers={"X-CSRF-Token": c.csrf})


def post(c, path, body):
    return c.post(path, json=body, headers={"X-CSRF-Token": c.csrf})


@pytest.fixture
def mediator(app):
    add_user(app, "wang", name="王调解员")
    return login(app, "wang")


def _walk_in(c, **kw):
    r = post(c, "/api/console/disputes", {**WALK_IN, **kw})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_walk_in_is_registered_with_a_number_and_masked_in_lists(app, mediator):
    d = _walk_in(mediator)
    assert d["status"] == "registered" and d["source"] == "walk_in"
    assert d["number"].startswith("建安调〔") and d["number"].endswith("第0001号")
    assert d["registered_at"].endswith("+08:00") and d["deadline"] is None
    assert d["next"] == ["accepted"]
    items = mediator.get("/api/console/disputes").get_json()["items"]
    assert [i["id"] for i in items] == [d["id"]]
    assert items[0]["parties"][0]["phone"] == "138****5678"
    assert "13812345678" not in str(items)


@pytest.fixture
def app(make_app, tmp_path):
    """The web app on a fresh SQLite database, without the retrieval index (the ledger does not
    use it) and with Rasa not running."""
    return make_app(INDEX_DIR=str(tmp_path / "no-index"))


def _walk(c, d_id, statuses):
    r = None
    for s in statuses:
        r = patch(c, f"/api/console/disputes/{d_id}", {"status": s})
        assert r.status_code == 200, (s, r.get_json())
    return r and r.get_json()


def test_every_legal_move_and_409_for_every_other(app, mediator):
    """For each status, each target not in TRANSITIONS answers 409 and changes nothing; each
    legal one moves and is an event."""
    paths = {"registered": [], "accepted": ["accepted"],
             "mediating": ["accepted", "mediating"],
             "agreement": ["accepted", "mediating", "agreement"],
             "no_agreement": ["accepted", "mediating", "no_agreement"],
             "followed_up": ["accepted", "mediating", "agreement", "followed_up"],
             "archived": ["accepted", "mediating", "agreement", "followed_up", "archived"]}
    for current, target in itertools.product(STATUSES, STATUSES):
        d = _walk_in(mediator)
        _walk(mediator, d["id"], paths[current])
        r = patch(mediator, f"/api/console/disputes/{d['id']}", {"status": target})
        if target in TRANSITIONS[current]:
            assert r.status_code == 200, (current, target, r.get_json())
            body = r.get_json()
            assert body["status"] == target
            assert body["events"][-1]["kind"] == "status"
            assert body["events"][-1]["detail"]["from"] == current
        else:
            assert r.status_code == 409, (current, target)
            assert r.get_json()["error"] == "illegal_move" and r.get_json()["message"]
            assert mediator.get(f"/api/console/disputes/{d['id']}").get_json()[
                "status"] == current
    r = patch(mediator, f"/api/console/disputes/{d['id']}", {"status": "solved"})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_status"


@pytest.mark.parametrize("accepted, deadline", [
    ("2026-03-02", "2026-04-01"),   # a working day: 30 days on
    ("2026-09-01", "2026-10-08"),   # 10-01 is 国庆: the next working day after the holiday
    ("2026-09-05", "2026-10-08"),   # 10-05 is still in the 国庆 holiday
    ("2026-01-16", "2026-02-24"),   # 02-15 is a Sunday before 春节 (02-15..02-23 off)
])
def test_deadline_thirty_days_from_acceptance_on_the_working_day_calendar(
        app, mediator, accepted, deadline):
    cal = app.extensions["calendar"]
    assert cal.is_workday(dt.date.fromisoformat(deadline))
    d = _walk_in(mediator, registered_at="2026-01-02")
    body = patch(mediator, f"/api/console/disputes/{d['id']}",
                 {"status": "accepted", "accepted_at": accepted}).get_json()
    assert body["accepted_at"].startswith(accepted) and body["deadline"] == deadline


def test_a_published_holiday_schedule_moves_the_deadline(app, mediator):
    """The ledger counts on the app's one calendar: the schedule an admin enters in the console
    (节假日安排) moves a deadline. 2027 is a year chinesecalendar does not know yet: accepted
    2026-12-03, day 30 is Saturday 2027-01-02, which the fallback calendar moves past 元旦 and the
    weekend to Monday 01-04 — until the published schedule makes 01-02 a working day (调休)."""
    add_user(app, "boss", role="admin", name="局管理员")
    admin = login(app, "boss")
    url = "/api/console/disputes/{}"
    first = _walk_in(mediator, registered_at="2026-12-01")
    body = patch(mediator, url.format(first["id"]), {"status": "accepted",
                                                      "accepted_at": "2026-12-03"}).get_json()
    assert body["deadline"] == "2027-01-04"
    r = post(admin, "/api/console/calendar", {"days": [
        {"day": "2027-01-02", "workday": True, "note": "元旦调休上班"}]})
    assert r.status_code == 200, r.get_json()
    second = _walk_in(mediator, registered_at="2026-12-01")
    body = patch(mediator, url.format(second["id"]), {"status": "accepted",
                                                       "accepted_at": "2026-12-03"}).get_json()
    assert body["deadline"] == "2027-01-02"
    # a new acceptance date on the first dispute is counted on the same calendar
    body = patch(mediator, url.format(first["id"]), {"accepted_at": "2026-12-03T10:00:00"}
                 ).get_json()
    assert body["deadline"] == "2027-01-02"
    # a published day off moves an agreement's follow-up (15 days) past it
    r = post(admin, "/api/console/calendar", {"days": [
        {"day": "2026-12-21", "workday": False, "note": "测试：停止办公"}]})
    assert r.status_code == 200
    # (concluded Friday 12-04: day 15 is Saturday 12-19, moved to Monday 12-21, now a day off)
    patch(mediator, url.format(second["id"]), {"status": "mediating",
                                               "mediating_at": "2026-12-03"})
    body = patch(mediator, url.format(second["id"]), {"status": "agreement",
                                                       "concluded_at": "2026-12-04"}).get_json()
    assert body["followups"][0]["due_on"] == "2026-12-22"


def test_extension_needs_a_reason_and_a_later_date_and_is_an_event(app, mediator):
    d = _walk_in(mediator, registered_at="2026-03-01")
    url = f"/api/console/disputes/{d['id']}"
    r = patch(mediator, url, {"deadline": "2026-06-01", "extension_reason": "双方同意延期"})
    assert (r.status_code, r.get_json()["error"]) == (409, "not_accepted")
    patch(mediator, url, {"status": "accepted", "accepted_at": "2026-03-02"})
    r = patch(mediator, url, {"deadline": "2026-05-01"})
    assert (r.status_code, r.get_json()["error"]) == (400, "no_reason")
    r = patch(mediator, url, {"deadline": "2026-03-20", "extension_reason": "等待鉴定"})
    assert (r.status_code, r.get_json()["error"]) == (400, "not_later")
    r = patch(mediator, url, {"deadline": "2026-05-15", "extension_reason": "等待伤情鉴定"})
    body = r.get_json()
    assert (body["deadline"], body["extension_reason"]) == ("2026-05-15", "等待伤情鉴定")
    assert body["events"][-1]["kind"] == "extended"
    assert body["events"][-1]["detail"] == {"old": "2026-04-01", "new": "2026-05-15",
                                            "reason": "等待伤情鉴定"}
    # overdue: the deadline has passed (the test runs after 2026-05-15)
    assert body["overdue"] is True
    overdue = mediator.get("/api/console/disputes?overdue=1").get_json()["items"]
    assert [i["id"] for i in overdue] == [d["id"]]


def test_dates_of_steps_entered_after_the_fact_are_events_and_ordered(app, mediator):
    d = _walk_in(mediator)
    url = f"/api/console/disputes/{d['id']}"
    r = patch(mediator, url, {"accepted_at": "2026-01-05"})
    assert (r.status_code, r.get_json()["error"]) == (409, "not_reached")
    r = patch(mediator, url, {"registered_at": "2026-01-04", "status": "accepted",
                              "accepted_at": "2026-01-05"})
    body = r.get_json()
    assert body["registered_at"] == "2026-01-04T09:00:00+08:00"
    assert body["deadline"] == "2026-02-04"
    kinds = [e["kind"] for e in body["events"]]
    assert kinds == ["opened", "date", "status"]
    r = patch(mediator, url, {"status": "mediating", "mediating_at": "2026-01-03"})
    assert (r.status_code, r.get_json()["error"]) == (400, "bad_order")
    r = patch(mediator, url, {"accepted_at": "2999-01-01"})
    assert (r.status_code, r.get_json()["error"]) == (400, "future_date")
    r = patch(mediator, url, {"accepted_at": "yesterday"})
    assert (r.status_code, r.get_json()["error"]) == (400, "bad_date")
    # a new acceptance date moves the (not extended) deadline, and is an event
    body = patch(mediator, url, {"accepted_at": "2026-01-06"}).get_json()
    assert body["deadline"] == "2026-02-05"
    assert body["events"][-1]["detail"]["field"] == "accepted_at"
    assert mediator.get(url).get_json()["status"] == "accepted"


def test_agreement_creates_the_followup_and_confirmation_dates(app, mediator):
    d = _walk_in(mediator, registered_at="2026-09-01")
    url = f"/api/console/disputes/{d['id']}"
    patch(mediator, url, {"status": "accepted", "accepted_at": "2026-09-02"})
    patch(mediator, url, {"status": "mediating", "mediating_at": "2026-09-10"})
    r = post(mediator, url + "/sessions", {"held_at": "2026-09-12T10:00:00+08:00",
                                            "place": "城关镇调解室", "attendees": ["张三", "李四"],
                                            "record": "双方陈述了欠薪经过，李四承认欠款。"})
    assert r.status_code == 201 and len(r.get_json()["sessions"]) == 1
    body = patch(mediator, url, {"status": "agreement", "concluded_at": "2026-09-16",
                                 "agreement": {"terms": "李四支付张三工资9000元",
                                               "performance": "银行转账",
                                               "performance_due": "2026年9月30日"}}).get_json()
    assert body["followups"] == [{"id": body["followups"][0]["id"], "due_on": "2026-10-08",
                                  "done_at": None, "method": None, "performed": None,
                                  "note": None}]
    assert body["confirmation_due"] == "2026-10-16"
    tasks = mediator.get("/api/console/followups").get_json()["items"]
    assert [(t["dispute_id"], t["due_on"]) for t in tasks] == [(d["id"], "2026-10-08")]
    r = patch(mediator, url, {"status": "followed_up", "followed_up_at": "2026-10-09",
                              "followup": {"method": "phone", "performed": "yes",
                                           "note": "已按期付清"}})
    f = r.get_json()["followups"][0]
    assert (f["method"], f["performed"], f["done_at"][:10]) == ("phone", "yes", "2026-10-09")
    assert mediator.get("/api/console/followups").get_json()["items"] == []
    assert patch(mediator, url, {"status": "archived"}).get_json()["status"] == "archived"


def test_bad_input_answers_json_4xx(app, mediator):
    assert post(mediator, "/api/console/disputes", {**WALK_IN, "township": "火星镇"}
                ).get_json()["error"] == "unknown_township"
    r = post(mediator, "/api/console/disputes", {**WALK_IN, "township": None})
    assert (r.status_code, r.get_json()["error"]) == (400, "missing")
    r = mediator.post("/api/console/disputes", data="[]", content_type="application/json",
                      headers={"X-CSRF-Token": mediator.csrf})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request"
    assert mediator.get("/api/console/disputes/999").status_code == 404
    assert mediator.get("/api/console/disputes/abc").status_code == 404
    assert mediator.get("/api/console/disputes?status=nope").status_code == 400
    assert mediator.get("/api/console/disputes?township=火星镇").status_code == 400
    d = _walk_in(mediator)
    assert patch(mediator, f"/api/console/disputes/{d['id']}", {}).status_code == 400
    anon = app.test_client()
    assert anon.get("/api/console/disputes").status_code == 401
    assert anon.patch(f"/api/console/disputes/{d['id']}", json={}).status_code == 401
    no_csrf = mediator.patch(f"/api/console/disputes/{d['id']}", json={"status": "accepted"})
    assert no_csrf.status_code == 403


def _conversation(app):
    with app.extensions["db"].begin() as s:
        s.add(Conversation(id="conv-1", token_hash="x", status="with_mediator"))
        s.flush()
        s.add(Message(conversation_id="conv-1", sender="resident",
                      text="老板拖欠我三个月工资，电话13812345678"))
        s.add(Consultation(conversation_id="conv-1", case_type="unpaid_wages",
                           facts={"months_unpaid": 3}, analysis={"total": 9000},
                           report_token="tok"))
        s.add(Handoff(conversation_id="conv-1", status="taken", domain="labor"))


def test_from_a_conversation_facts_and_analysis_are_attached_once(app, mediator):
    _conversation(app)
    r = post(mediator, "/api/console/disputes", {"conversation_id": "conv-1",
                                                 "township": "河口镇"})
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert (d["source"], d["conversation_id"], d["domain"]) == ("robot", "conv-1", "labor")
    assert d["facts"] == {"months_unpaid": 3} and d["analysis"] == {"total": 9000}
    assert "老板拖欠我三个月工资" in d["summary"]
    assert post(mediator, "/api/console/disputes", {"conversation_id": "conv-1"}
                ).status_code == 409
    assert post(mediator, "/api/console/disputes", {"conversation_id": "nope"}
                ).status_code == 404


def _pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "UMing" in line
           or "ZenHei" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts  # the "emb" column
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_documents_read_back_with_pdftotext(app, mediator, tmp_path):
    d = _walk_in(mediator, registered_at="2026-03-01")
    url = f"/api/console/disputes/{d['id']}"
    r = mediator.get(url + "/agreement.pdf")
    assert (r.status_code, r.get_json()["error"]) == (409, "no_agreement_yet")
    patch(mediator, url, {"status": "accepted", "accepted_at": "2026-03-02"})
    patch(mediator, url, {"status": "mediating", "mediating_at": "2026-03-03"})
    post(mediator, url + "/sessions", {"held_at": "2026-03-04T10:00:00+08:00",
                                        "place": "城关镇人民调解室", "attendees": ["张三", "李四"],
                                        "record": "李四承认拖欠工资"})
    patch(mediator, url, {"status": "agreement", "concluded_at": "2026-03-05",
                          "agreement": {"terms": "李四于三月底前支付张三工资九千元",
                                        "performance": "现金当面交付",
                                        "performance_due": "2026年3月31日"}})
    r = mediator.get(url + "/agreement.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(_pdftotext(r.data, tmp_path).split())
    for expected in ("人民调解协议书", d["number"], "申请人", "张三", "被申请人", "李四",
                     "13812345678", "拖欠张三工资", "李四于三月底前支付张三工资九千元",
                     "现金当面交付", "2026年3月31日", "第二十九条", "第三十三条",
                     "2026年4月7日前", "城关镇人民调解委员会", "签名"):
        assert expected in text, expected
    record = "".join(_pdftotext(mediator.get(url + "/record.pdf").data, tmp_path).split())
    assert "人民调解记录" in record and "李四承认拖欠工资" in record and "城关镇人民调解室" in record
    application = "".join(_pdftotext(mediator.get(url + "/application.pdf").data,
                                     tmp_path).split())
    assert "人民调解申请书" in application and "2026年3月1日" in application
    patch(mediator, url, {"status": "followed_up", "followup": {"method": "visit",
                                                                "performed": "partly"}})
    follow = "".join(_pdftotext(mediator.get(url + "/followup.pdf").data, tmp_path).split())
    assert "人民调解回访记录" in follow and "上门" in follow and "部分履行" in follow
    assert mediator.get(url + "/nonsense.pdf").status_code == 404


def test_every_ledger_route_refuses_anonymous_calls_and_hostile_input_never_500(app, mediator):
    from test_security import HOSTILE_BODIES

    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("ledger.")]
    assert len(rules) >= 12
    anon = app.test_client()
    d = _walk_in(mediator)
    for rule in rules:
        path = rule.rule.replace("<dispute_id>", str(d["id"])).replace("<kind>", "agreement")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = anon.open(path, method=method, json={})
            assert r.status_code in (302, 401), (method, path)
            for body in HOSTILE_BODIES + [b'{"status": ["x"]}', b'{"status": {"a": 1}}',
                                          b'{"parties": [{"name": ["x"], "role": "applicant"}]}',
                                          b'{"deadline": 5, "extension_reason": []}',
                                          b'{"accepted_at": {"x": 1}}', b'{"mediator": []}',
                                          b'{"key": [], "decision": "covered", "faq_id": []}',
                                          b'{"conversation_id": ["x"]}', b'{"followup": "x"}',
                                          b'{"held_at": 5, "place": [], "attendees": "x"}',
                                          b'{"confirmation": {"applied_on": [], "court": 5}}']:
                r = mediator.open(path, method=method, data=body, headers={
                    "Content-Type": "application/json", "X-CSRF-Token": mediator.csrf})
                assert r.status_code < 500, (method, path, body[:80])
    for q in ("from=%ff", "to=9999-99-99", "group_by=%00", "from=2026-01-01&to=" + "9" * 3000):
        assert mediator.get(f"/api/console/stats?{q}").status_code == 400
    assert mediator.get("/api/console/followups?within=" + "9" * 50).status_code == 200
    for q in ("month=%ff", "month=9999-99", "from=2026-01-01&to=" + "9" * 3000,
              "month=2026-01&reviewed_by=%00" + "x" * 30):
        assert mediator.get(f"/api/console/stats/monthly.pdf?{q}").status_code == 400
