"""The mediator board and bookings (contract 5) on a real SQLite database: the roster, free slots
on working days (New Year's Day, a 调休 Sunday, a year chinesecalendar does not know, the admins'
published schedule, leave), booking and its refusals, the Idempotency-Key, reschedule and cancel
freeing slots, the .ics file."""
from __future__ import annotations

import datetime as dt

import pytest

from web.services.workdays import CST

NOW = dt.datetime(2025, 12, 20, 10, 0, tzinfo=CST)


@pytest.fixture
def app(make_app):
    return make_app()  # the conftest factory, without its per-conversation limit


@pytest.fixture
def client(app):
    return app.test_client()


def slot_days(app, mediator: str, first: str, days: int, now=NOW) -> dict:
    slots = app.extensions["bookings"].slots(mediator, first, days, now=now)
    out: dict = {}
    for s in slots:
        out.setdefault(s["start"][:10], []).append(s["start"][11:16])
    return out


def free(client, mediator="m01", days=14) -> list[dict]:
    r = client.get(f"/api/mediators/{mediator}/slots?days={days}")
    assert r.status_code == 200
    return r.json["slots"]


def book(client, start, *, mediator="m01", key=None, **extra):
    body = {"mediator_id": mediator, "start": start, "mode": "in_person", "name": "王小明",
            "phone": "13812345678", "consent": True, **extra}
    return client.post("/api/bookings", json=body,
                       headers={"Idempotency-Key": key} if key else {})


# -- the roster ------------------------------------------------------------------------------------
def test_the_sample_roster_is_loaded_on_first_start(client):
    cards = client.get("/api/mediators").json["mediators"]
    assert len(cards) >= 12
    assert len({c["township"] for c in cards}) >= 5
    keys = {"id", "name", "photo_url", "organization", "village", "township", "phone",
            "specialties", "intro", "recommended"}
    assert all(keys <= set(c) for c in cards)
    # recommended first
    flags = [c["recommended"] for c in cards]
    assert flags == sorted(flags, reverse=True) and any(flags)


def test_filters_and_the_case_specialty_first(client):
    labor = client.get("/api/mediators?specialty=labor").json["mediators"]
    assert labor and all("labor" in c["specialties"] for c in labor)
    town = client.get("/api/mediators?township=柳林乡").json["mediators"]
    assert town and {c["township"] for c in town} == {"柳林乡"}
    preferred = client.get("/api/mediators?prefer=traffic").json["mediators"]
    n = sum(c["recommended"] for c in preferred)
    assert n and all("traffic" in c["specialties"] for c in preferred[:n])
    assert not any(c["recommended"] for c in preferred[n:])
    assert client.get("/api/mediators?specialty=tax").status_code == 400


def test_the_surname_avatar_when_there_is_no_photo(client):
    card = client.get("/api/mediators").json["mediators"][0]
    r = client.get(card["photo_url"])
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert card["name"][0] in r.get_data(as_text=True)
    assert client.get("/mediators/nobody/avatar.svg").status_code == 404


# -- slots on working days -------------------------------------------------------------------------
def test_no_slots_on_new_years_day_and_a_tiaoxiu_sunday_is_worked(app):
    # m01 works Monday (09-12, 14-17), Wednesday (09-12), Friday (14-17)
    days = slot_days(app, "m01", "2025-12-29", 8)
    assert days["2025-12-29"] == ["09:00", "10:00", "11:00", "14:00", "15:00", "16:00"]
    assert days["2025-12-31"] == ["09:00", "10:00", "11:00"]
    assert "2026-01-01" not in days and "2026-01-02" not in days  # 元旦 2026: Thu to Sat
    assert days["2026-01-04"] == days["2025-12-29"]  # Sunday worked in exchange: Monday's hours
    assert "2026-01-03" not in days


def test_a_year_chinesecalendar_does_not_know_falls_back_to_the_fixed_holidays(app):
    days = slot_days(app, "m01", "2026-12-28", 7, now=dt.datetime(2026, 12, 1, tzinfo=CST))
    assert "2026-12-28" in days and "2027-01-01" not in days  # Friday, 元旦 by date
    assert "2027-01-02" not in days and "2027-01-03" not in days


def test_the_admins_published_schedule_wins(app):
    cal = app.extensions["calendar"]
    now = dt.datetime(2026, 12, 1, tzinfo=CST)
    assert "2027-01-04" in slot_days(app, "m01", "2027-01-04", 1, now=now)
    cal.published.save([{"day": "2027-01-04", "workday": False, "note": "元旦调休"},
                        {"day": "2027-01-09", "workday": True, "note": "调休上班"}])
    days = slot_days(app, "m01", "2027-01-04", 7, now=now)
    assert "2027-01-04" not in days and days["2027-01-09"] == ["09:00", "10:00", "11:00",
                                                               "14:00", "15:00", "16:00"]
    # the console's response limits read the same calendar
    assert not app.extensions["desk"].calendar.is_workday(dt.date(2027, 1, 4))
    with pytest.raises(ValueError):
        cal.published.save([{"day": "2027-13-01", "workday": True}])


def test_leave_past_and_lead_time(app):
    roster = app.extensions["roster"]
    entry = roster.get("m01", full=True)
    raw = {k: entry[k] for k in ("id", "name", "organization", "village", "township", "phone",
                                 "specialties", "intro", "schedule", "featured")}
    raw["modes"] = entry["all_modes"]
    raw["schedule"] = {["mon", "tue", "wed", "thu", "fri", "sat", "sun"][int(k) - 1]: v
                       for k, v in raw["schedule"].items()}
    raw["leave"] = [{"from": "2025-12-29", "to": "2025-12-31"}]
    roster.save(raw)
    days = slot_days(app, "m01", "2025-12-29", 8)
    assert "2025-12-29" not in days and "2025-12-31" not in days and "2026-01-04" in days
    # Monday 2026-01-05 09:30: the 09:00 and 10:00 slots are past or inside the 2 h lead time
    late = slot_days(app, "m01", "2026-01-05", 1, now=dt.datetime(2026, 1, 5, 9, 30, tzinfo=CST))
    assert late["2026-01-05"] == ["14:00", "15:00", "16:00"]


def test_bad_slot_queries(client):
    assert client.get("/api/mediators/nobody/slots").status_code == 404
    assert client.get("/api/mediators/m01/slots?from=2026-13-01").json["error"] == "bad_date"
    assert client.get("/api/mediators/m01/slots?days=0").json["error"] == "bad_days"
    assert client.get("/api/mediators/m01/slots?days=x").status_code == 400
    for s in free(client):
        assert s["start"].endswith("+08:00") and s["modes"] == ["in_person"]
        assert dt.datetime.fromisoformat(s["start"]) > dt.datetime.now(CST)


# -- booking ---------------------------------------------------------------------------------------
def test_a_booking_and_its_refusals(client):
    s = free(client)[0]
    assert book(client, s["start"], consent=False).json["error"] == "consent_required"
    assert book(client, s["start"], phone="12345").json["error"] == "bad_phone"
    assert book(client, s["start"], phone="1381234567a").json["error"] == "bad_phone"
    assert book(client, s["start"], mode="video").json["error"] == "bad_mode"
    assert book(client, s["start"], mediator="nobody").status_code == 404
    start = dt.datetime.fromisoformat(s["start"])
    assert book(client, (start + dt.timedelta(minutes=30)).isoformat()).json["error"] == \
        "not_a_slot"
    assert book(client, "tomorrow").json["error"] == "not_a_slot"
    assert book(client, "2025-01-06T09:00:00+08:00").json["error"] == "past"
    assert client.post("/api/bookings", data="[]").status_code == 400
    r = book(client, s["start"])
    assert r.status_code == 201
    b = r.json
    assert b["status"] == "confirmed" and b["start"] == s["start"] and b["end"] == s["end"]
    assert b["mediator"]["id"] == "m01" and b["dispute_id"]
    assert s["start"] not in [x["start"] for x in free(client)]
    again = book(client, s["start"], name="李四", phone="13900001111")
    assert again.status_code == 409 and again.json["error"] == "slot_taken"
    assert again.json["next_slots"] and s["start"] not in [x["start"] for x in
                                                           again.json["next_slots"]]


def test_the_idempotency_key_makes_a_retry_safe(client, app):
    from sqlalchemy import func, select

    from web.models_booking import Booking

    s = free(client)[1]
    first = book(client, s["start"], key="retry-1")
    second = book(client, s["start"], key="retry-1")
    assert first.status_code == second.status_code == 201
    assert first.json == second.json  # the same booking and manage token
    assert book(client, s["start"], key="retry-1", name="别人").status_code == 422
    with app.extensions["db"]() as db:
        assert db.scalar(select(func.count()).select_from(Booking)) == 1


def _at_once(app, calls):
    """Each call with its own test client, released together from threads."""
    import threading

    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def run(i, call):
        c = app.test_client()
        barrier.wait()
        out[i] = call(c)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_concurrent_retries_and_moves_share_one_transaction_tail(client, app):
    """The tail Bookings.book and Bookings.reschedule share (_in_slot): retries of one request
    sent at once give one booking back to all (the replay after the index refuses the later
    ones); two bookings moved to one slot at once: one moves, the other is 409 slot_taken with
    the next free slots and keeps its time."""
    from sqlalchemy import func, select

    from web.models_booking import Booking

    slots = free(client)
    answers = _at_once(app, [lambda c: book(c, slots[3]["start"], key="same-key")] * 6)
    assert {r.status_code for r in answers} == {201}
    assert len({r.json["booking_id"] for r in answers}) == 1
    with app.extensions["db"]() as db:
        assert db.scalar(select(func.count()).select_from(Booking)) == 1
    one = book(client, slots[4]["start"]).json
    two = book(client, slots[5]["start"], name="赵六", phone="13700001111").json
    target = slots[6]["start"]
    moved = _at_once(app, [
        lambda c, b=b: c.post(f"/api/bookings/{b['booking_id']}/reschedule",
                              json={"start": target},
                              headers={"X-Booking-Token": b["manage_token"]})
        for b in (one, two)])
    assert sorted(r.status_code for r in moved) == [200, 409]
    lost = next(r for r in moved if r.status_code == 409)
    assert lost.json["error"] == "slot_taken" and lost.json["next_slots"]
    assert target not in [x["start"] for x in lost.json["next_slots"]]
    loser = one if moved[0].status_code == 409 else two
    assert client.get(f"/api/bookings/{loser['booking_id']}", headers={
        "X-Booking-Token": loser["manage_token"]}).json["start"] == loser["start"]


def test_reschedule_and_cancel_free_their_slots(client):
    slots = free(client)
    a, b, c = slots[0]["start"], slots[1]["start"], slots[2]["start"]
    mine = book(client, a).json
    other = book(client, c, name="赵六", phone="13700001111").json
    tok = {"X-Booking-Token": mine["manage_token"]}
    url = f"/api/bookings/{mine['booking_id']}"
    assert client.get(url, headers={"X-Booking-Token": "wrong"}).status_code == 403
    assert client.get(url).status_code == 403
    assert client.get("/api/bookings/999999", headers=tok).status_code == 404
    r = client.post(url + "/reschedule", json={"start": b}, headers=tok)
    assert r.status_code == 200 and r.json["start"] == b
    starts = [x["start"] for x in free(client)]
    assert a in starts and b not in starts
    taken = client.post(url + "/reschedule", json={"start": other["start"]}, headers=tok)
    assert taken.status_code == 409 and taken.json["error"] == "slot_taken"
    assert client.get(url, headers=tok).json["start"] == b  # unchanged
    assert client.post(url + "/reschedule", json={"start": "x"}, headers=tok).status_code == 400
    r = client.post(url + "/cancel", headers=tok)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert b in [x["start"] for x in free(client)]
    assert client.post(url + "/cancel", headers=tok).json["error"] == "already_cancelled"
    assert client.post(url + "/reschedule", json={"start": a}, headers=tok).status_code == 409
    assert book(client, b, name="钱七", phone="13600001111").status_code == 201


def test_the_ics_file(client):
    b = book(client, free(client)[0]["start"]).json
    r = client.get(b["ics_url"])
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    text = r.get_data(as_text=True)
    start = dt.datetime.fromisoformat(b["start"]).astimezone(dt.timezone.utc)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in text and "STATUS:CONFIRMED" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert client.get(f"/api/bookings/{b['booking_id']}.ics?token=bad").status_code == 403


def test_video_is_offered_only_when_a_room_is_configured(tmp_path):
    from web import create_app

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}",
                      "VIDEO_ROOM_URL": "https://video.example.cn/room/{township}/{booking_id}"})
    c = app.test_client()
    s = free(c, "m01")[0]
    assert s["modes"] == ["in_person", "video"]
    r = book(c, s["start"], mode="video")
    assert r.status_code == 201
    assert r.json["video_url"] == f"https://video.example.cn/room/城关镇/{r.json['booking_id']}"
    assert free(c, "m03")[0]["modes"] == ["in_person"]  # m03 offers no video
