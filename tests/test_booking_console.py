"""The console's side of bookings: "我的预约" for the mediator's own board entry, marks, a
reschedule by the mediator, the roster and photo uploads, the published holiday schedule; session
and CSRF rules like every console route."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select, update

from web.models import ConsoleEvent
from web.models_booking import Booking
from web.services.workdays import CST, to_utc_naive

PW = "correct horse battery"


@pytest.fixture
def app(make_app):
    return make_app()  # the conftest factory, without its per-conversation limit


def login(app, username):
    c = app.test_client()
    r = c.post("/api/console/login", json={"username": username, "password": PW})
    assert r.status_code == 200, r.get_json()
    c.csrf = r.get_json()["csrf_token"]
    return c


def post(c, path, body=None, **kw):
    return c.post(path, json=body if body is not None else {},
                  headers={"X-CSRF-Token": c.csrf}, **kw)


@pytest.fixture
def staff(app):
    acc = app.extensions["accounts"]
    acc.add("zhang", role="mediator", name="张秀兰", password=PW, mediator_id="m01")
    acc.add("li", role="mediator", name="李建国", password=PW, mediator_id="m02")
    acc.add("boss", role="admin", name="管理员", password=PW)
    acc.add("lv", role="lawyer", name="值班律师", password=PW)
    return {n: login(app, n) for n in ("zhang", "li", "boss", "lv")}


def book(app, mediator="m01", n=0, **extra):
    c = app.test_client()
    conv = c.post("/api/conversations", json={}).json
    slot = c.get(f"/api/mediators/{mediator}/slots").json["slots"][n]
    r = c.post("/api/bookings", json={
        "mediator_id": mediator, "start": slot["start"], "mode": "in_person", "name": "王小明",
        "phone": "13812345678", "consent": True, "conversation_id": conv["conversation_id"],
        "conversation_token": conv["token"], **extra})
    assert r.status_code == 201
    return r.json


def test_every_booking_console_route_refuses_an_anonymous_call(app):
    c = app.test_client()
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("console_bookings.")]
    assert len(rules) >= 10
    for rule in rules:
        path = rule.rule.replace("<int:booking_id>", "1").replace("<mediator_id>", "m01")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = c.open(path, method=method, json={})
            if path.startswith("/api/"):
                assert r.status_code == 401, (method, path)
            else:
                assert r.status_code == 302 and "/console/login" in r.headers["Location"]


def test_a_mediator_sees_their_own_bookings_and_an_admin_all(app, staff):
    mine, theirs = book(app, "m01"), book(app, "m02")
    items = staff["zhang"].get("/api/console/bookings?range=all").json["items"]
    assert [i["booking_id"] for i in items] == [mine["booking_id"]]
    assert items[0]["phone"] == "13812345678"  # the person handling the case sees it in full
    assert items[0]["application"]["applicant"]["name"] == "王小明"
    everyone = staff["boss"].get("/api/console/bookings?range=all").json["items"]
    assert {i["booking_id"] for i in everyone} == {mine["booking_id"], theirs["booking_id"]}
    assert staff["lv"].get("/api/console/bookings").status_code == 403
    pdf = staff["zhang"].get(f"/api/console/bookings/{mine['booking_id']}/application.pdf")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    assert staff["li"].get(f"/api/console/bookings/{mine['booking_id']}/application.pdf"
                           ).status_code == 403
    page = staff["zhang"].get("/console/bookings?range=all")
    assert page.status_code == 200 and "王小明" in page.get_data(as_text=True)


def test_marks_attended_no_show_and_rescheduled(app, staff):
    b = book(app, "m01")
    url = f"/api/console/bookings/{b['booking_id']}/mark"
    zhang = staff["zhang"]
    assert post(zhang, url, {"status": "attended"}).json["error"] == "not_changeable"  # not yet
    assert post(zhang, url, {"status": "gone"}).status_code == 400
    assert post(staff["li"], url, {"status": "no_show"}).status_code == 403
    assert zhang.post(url, json={"status": "attended"}).status_code == 403  # no CSRF token
    # the mediator moves it at the resident's request: the old slot is free again
    slots = app.test_client().get("/api/mediators/m01/slots").json["slots"]
    target = slots[3]["start"]
    r = post(zhang, url, {"status": "rescheduled", "start": target})
    assert r.status_code == 200 and r.json["start"] == target
    free = [s["start"] for s in app.test_client().get("/api/mediators/m01/slots").json["slots"]]
    assert b["start"] in free and target not in free
    # the day comes: held an hour ago
    with app.extensions["db"]() as s:
        s.execute(update(Booking).where(Booking.id == b["booking_id"]).values(
            start=to_utc_naive(dt.datetime.now(CST) - dt.timedelta(hours=1))))
        s.commit()
    r = post(zhang, url, {"status": "attended"})
    assert r.status_code == 200 and r.json["status"] == "attended"
    with app.extensions["db"]() as s:
        kinds = [e.kind for e in s.scalars(select(ConsoleEvent).where(
            ConsoleEvent.conversation_id == b["conversation_id"]).order_by(ConsoleEvent.id))]
    assert kinds == ["booking_confirmed", "booking_rescheduled", "booking_rescheduled",
                     "booking_attended"]
    # the conversation's events in the console show the booking
    events = staff["boss"].get(f"/api/console/conversations/{b['conversation_id']}")
    assert events.status_code == 200, events.json
    assert "booking_confirmed" in str(events.json["events"])


def test_the_admins_published_schedule(app, staff):
    boss = staff["boss"]
    r = post(boss, "/api/console/calendar", {"days": [
        {"day": "2027-02-06", "workday": True, "note": "春节调休上班"}]})
    assert r.status_code == 200 and r.json["days"][0]["day"] == "2027-02-06"
    assert app.extensions["calendar"].is_workday(dt.date(2027, 2, 6))
    assert post(boss, "/api/console/calendar", {"days": [{"day": "x", "workday": 1}]}
                ).json["error"] == "bad_calendar"
    assert post(staff["zhang"], "/api/console/calendar", {"days": []}).status_code == 403
    post(boss, "/api/console/calendar", {"remove": ["2027-02-06"]})
    assert not app.extensions["calendar"].is_workday(dt.date(2027, 2, 6))  # a Saturday again
    assert boss.get("/console/calendar").status_code == 200


def test_the_roster_and_photos_in_the_console(app, staff):
    from PIL import Image

    boss = staff["boss"]
    new = {"id": "n01", "name": "卫红", "organization": "北山镇人民调解委员会",
           "township": "北山镇", "phone": "13712345678", "specialties": "labor",
           "schedule": "tue 09:00-12:00"}
    assert post(boss, "/api/console/mediators", {**new, "phone": "123"}).status_code == 400
    r = post(boss, "/api/console/mediators", new)
    assert r.status_code == 201 and r.json["schedule"] == {"2": ["09:00-12:00"]}
    assert "n01" in [m["id"] for m in app.test_client().get(
        "/api/mediators?township=北山镇").json["mediators"]]
    big = io.BytesIO()
    Image.effect_noise((400, 300), 80).convert("RGB").save(big, "PNG")
    assert len(big.getvalue()) > 65536  # larger than an ordinary request may be
    r = boss.post("/api/console/mediators/n01/photo", headers={"X-CSRF-Token": boss.csrf},
                  data={"photo": (io.BytesIO(big.getvalue()), "p.png")},
                  content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    assert app.test_client().get(r.json["photo_url"]).mimetype == "image/jpeg"
    r = boss.post("/api/console/mediators/n01/photo", headers={"X-CSRF-Token": boss.csrf},
                  data={"photo": (io.BytesIO(b"not an image"), "p.png")},
                  content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["error"] == "bad_photo"
    r = boss.post("/api/console/mediators/nobody/photo", headers={"X-CSRF-Token": boss.csrf},
                  data={"photo": (io.BytesIO(big.getvalue()), "p.png")},
                  content_type="multipart/form-data")
    assert r.status_code == 404
    assert staff["zhang"].get("/api/console/mediators").status_code == 403
    page = boss.get("/console/mediators")
    assert page.status_code == 200 and "卫红" in page.get_data(as_text=True)
