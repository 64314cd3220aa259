"""One slot is booked once under concurrency: threads against the real web server (gunicorn,
SQLite in WAL mode), not the test client."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from web.supervisor import start_web_only


def post(url: str, body: dict, key: str | None = None) -> tuple[int, float, dict]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Idempotency-Key": key} if key else {})})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            status, out = r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        status, out = e.code, json.loads(e.read() or b"{}")
    return status, time.perf_counter() - t, out


def attempt_all(base: str, slots: list[dict], mediator: str, attempts: int,
                threads: int) -> list[tuple[int, float, dict]]:
    def one(i: int):
        s = slots[i % len(slots)]
        return post(base + "/api/bookings", {
            "mediator_id": mediator, "start": s["start"], "mode": "in_person",
            "name": f"测试{i}", "phone": f"138{i:08d}", "consent": True})
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(attempts)))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc, base = start_web_only(tmp_path_factory.mktemp("booking-server"),
                                extra_env={"LEGALBOT_LIMITS_ENABLED": "0"})
    yield base
    proc.terminate()
    proc.wait(30)


def slots(base: str, mediator: str) -> list[dict]:
    with urllib.request.urlopen(f"{base}/api/mediators/{mediator}/slots?days=30") as r:
        return json.loads(r.read())["slots"]


def test_two_hundred_attempts_on_one_slot_confirm_exactly_one(server):
    one = slots(server, "m02")[:1]
    results = attempt_all(server, one, "m02", 200, 40)
    statuses = [s for s, _, _ in results]
    assert statuses.count(201) == 1
    assert statuses.count(409) == 199  # no 5xx, no other answer
    assert all(out["error"] == "slot_taken" for s, _, out in results if s == 409)
    assert one[0]["start"] not in [s["start"] for s in slots(server, "m02")]


def test_concurrent_retries_with_one_idempotency_key_make_one_booking(server):
    s = slots(server, "m03")[0]
    body = {"mediator_id": "m03", "start": s["start"], "mode": "in_person", "name": "孙八",
            "phone": "13512345678", "consent": True}
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: post(server + "/api/bookings", body, key="same-key"),
                                range(20)))
    assert {status for status, _, _ in results} == {201}
    assert len({out["booking_id"] for _, _, out in results}) == 1
    assert len({out["manage_token"] for _, _, out in results}) == 1


def test_a_reschedule_race_leaves_the_target_slot_to_one_booking(server):
    free = slots(server, "m04")
    target = free[0]["start"]
    made = [post(server + "/api/bookings", {
        "mediator_id": "m04", "start": s["start"], "mode": "in_person", "name": f"人{i}",
        "phone": f"1391234{i:04d}", "consent": True})[2] for i, s in enumerate(free[1:11])]

    def move(b):
        req = urllib.request.Request(
            f"{server}/api/bookings/{b['booking_id']}/reschedule", method="POST",
            data=json.dumps({"start": target}).encode(),
            headers={"Content-Type": "application/json", "X-Booking-Token": b["manage_token"]})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(move, made))
    assert sorted(statuses) == [200] + [409] * 9
