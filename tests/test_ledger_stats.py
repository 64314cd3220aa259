"""Statistics (contract 6) against a hand-counted fixture: five disputes in the range and one
before it, four conversations (one before the range), two handoffs, two ratings. The expected
figures below were counted by hand from the fixture, not computed by the code under test.
The CSV and XLSX exports are read back."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from test_console_api import add_user, login
from test_ledger_api import app  # noqa: F401 (fixture: the app without the index)
from web.db import session_scope
from web.models import Consultation, Conversation, Handoff, Message, Rating
from web.services import ledger

RANGE = "from=2026-01-01&to=2026-06-30"
P = [{"name": "甲", "role": "applicant"}, {"name": "乙", "role": "respondent"}]


def _at(day: str) -> dt.datetime:
    return ledger.parse_when(day, "at")


def _dispute(s, cal, domain, township, source, registered, steps):
    d = ledger.open_dispute(s, source=source, parties=P, domain=domain, township=township,
                            summary="纠纷", registered_at=_at(registered))
    for status, day in steps:
        ledger.move(s, d, status, cal=cal, at=_at(day))
    return d


@pytest.fixture
def fixture(app):  # noqa: F811
    sessions, cal = app.extensions["db"], app.extensions["calendar"]
    with session_scope(sessions) as s:
        # 1 labor 城关镇: agreement after 10 days, in time
        _dispute(s, cal, "labor", "城关镇", "walk_in", "2026-03-02",
                 [("accepted", "2026-03-02"), ("mediating", "2026-03-03"),
                  ("agreement", "2026-03-12")])
        # 2 labor 城关镇 booking: deadline 2026-04-07 (04-04..06 清明), no agreement on 04-08:
        #   concluded late (overdue), 34 days
        _dispute(s, cal, "labor", "城关镇", "booking", "2026-03-05",
                 [("accepted", "2026-03-05"), ("mediating", "2026-03-06"),
                  ("no_agreement", "2026-04-08")])
        # 3 marriage 河口镇: still mediating long past its deadline (overdue)
        _dispute(s, cal, "marriage", "河口镇", "walk_in", "2026-04-01",
                 [("accepted", "2026-04-01"), ("mediating", "2026-04-02")])
        # 4 traffic 河口镇: only registered
        _dispute(s, cal, "traffic", "河口镇", "robot", "2026-04-10", [])
        # 5 marriage 城关镇 court: agreement after 10 days, followed up, archived
        _dispute(s, cal, "marriage", "城关镇", "court", "2026-02-10",
                 [("accepted", "2026-02-10"), ("mediating", "2026-02-11"),
                  ("agreement", "2026-02-20"), ("followed_up", "2026-03-10"),
                  ("archived", "2026-03-11")])
        # 6 before the range
        _dispute(s, cal, "labor", "城关镇", "walk_in", "2025-12-20", [])
    with session_scope(sessions) as s:
        for cid, day in (("A", "2026-03-01"), ("B", "2026-03-15"), ("C", "2026-04-20"),
                         ("D", "2025-11-01")):
            s.add(Conversation(id=cid, token_hash="x", created_at=_at(day)))
        s.flush()
        s.add(Consultation(conversation_id="A", case_type="unpaid_wages", facts={},
                           analysis={}, report_token="a", created_at=_at("2026-03-01")))
        s.add(Message(conversation_id="C", sender="bot", text="答",
                      meta={"faq_id": "t-1", "domain": "traffic"}, created_at=_at("2026-04-20")))
        ha = Handoff(conversation_id="A", created_at=_at("2026-03-01"))
        hb = Handoff(conversation_id="B", domain="marriage", created_at=_at("2026-03-15"))
        s.add_all([ha, hb])
        s.flush()
        s.add(Rating(handoff_id=ha.id, conversation_id="A", score=2, created_at=_at("2026-03-02")))
        s.add(Rating(handoff_id=hb.id, conversation_id="B", score=4, created_at=_at("2026-03-16")))
    add_user(app, "admin1", role="admin")
    return login(app, "admin1")


def _row(key, consultations=0, handoffs=0, bookings=0, disputes=0, resolved=0, rate=None,
         overdue=0, median=None, satisfaction=None):
    return {"key": key, "consultations": consultations, "handoffs": handoffs,
            "bookings": bookings, "disputes": disputes, "resolved": resolved,
            "resolution_rate": rate, "overdue": overdue, "median_days": median,
            "satisfaction": satisfaction}


TOTALS = _row(None, 3, 2, 1, 5, 2, 0.6667, 2, 10.0, 3.0)


def test_by_domain(fixture):
    r = fixture.get(f"/api/console/stats?{RANGE}&group_by=domain").get_json()
    # A is labor (its consultation), B marriage (its handoff), C traffic (the robot's answer)
    assert r["rows"] == [_row("labor", 1, 1, 1, 2, 1, 0.5, 1, 22.0, 2.0),
                         _row("marriage", 1, 1, 0, 2, 1, 1.0, 1, 10.0, 4.0),
                         _row("traffic", 1, 0, 0, 1)]
    assert r["totals"] == TOTALS


def test_by_township_and_month(fixture):
    r = fixture.get(f"/api/console/stats?{RANGE}&group_by=township").get_json()
    assert r["rows"] == [_row("城关镇", disputes=3, bookings=1, resolved=2, rate=0.6667,
                              overdue=1, median=10.0),
                         _row("河口镇", disputes=2, overdue=1),
                         _row(None, consultations=3, handoffs=2, satisfaction=3.0)]
    assert r["totals"] == TOTALS
    r = fixture.get(f"/api/console/stats?{RANGE}&group_by=month").get_json()
    assert [(x["key"], x["consultations"], x["handoffs"], x["disputes"], x["resolved"])
            for x in r["rows"]] == [("2026-02", 0, 0, 1, 1), ("2026-03", 2, 2, 2, 1),
                                    ("2026-04", 1, 0, 2, 0)]


def test_exports_read_back(fixture):
    csv_text = fixture.get(f"/api/console/stats.csv?{RANGE}&group_by=township").data.decode()
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [r["key"] for r in rows] == ["城关镇", "河口镇", "", "total"]
    assert rows[0]["disputes"] == "3" and rows[0]["resolution_rate"] == "0.6667"
    assert rows[-1]["consultations"] == "3" and rows[-1]["median_days"] == "10.0"
    r = fixture.get(f"/api/console/stats.xlsx?{RANGE}&group_by=township")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert values[0][:3] == ["key", "consultations", "handoffs"]
    assert values[1][0] == "分组"
    assert values[2][:6] == ["城关镇", 0, 0, 1, 3, 2]
    assert values[-1][0] == "合计" and values[-1][4] == 5 and values[-1][6] == 0.6667


def test_empty_range_and_bad_input(fixture):
    r = fixture.get("/api/console/stats?from=2020-01-01&to=2020-12-31").get_json()
    assert r["rows"] == [] and r["totals"] == _row(None)
    rows = list(csv.DictReader(io.StringIO(
        fixture.get("/api/console/stats.csv?from=2020-01-01&to=2020-01-31").data.decode())))
    assert [r["key"] for r in rows] == ["total"]
    for q in ("from=2026-13-01", "from=2026-06-01&to=2026-01-01", "group_by=planet"):
        r = fixture.get(f"/api/console/stats?{q}")
        assert r.status_code == 400 and r.get_json()["error"] in ("bad_range", "bad_group")
        assert fixture.get(f"/api/console/stats.xlsx?{q}").status_code == 400
    assert fixture.get("/console/stats?from=bad").status_code == 200  # the page says so


def test_a_name_that_looks_like_a_formula_stays_text_in_the_xlsx():
    from knowledge.content.library import get_knowledge
    from web.services.stats import to_xlsx

    empty = _row(None)
    report = {"from": None, "to": None, "group_by": "mediator",
              "rows": [{**empty, "key": '=HYPERLINK("http://x","a")'}], "totals": empty}
    data = to_xlsx(report, get_knowledge().texts["ledger"]["stats"])
    cell = load_workbook(io.BytesIO(data)).active["A3"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x","a")', "s")
