"""Knowledge gaps (/api/console/gaps): bot answers without faq_id (not sure) or out of scope,
grouped by kind, domain and topic with counts and masked examples; an admin's marks; the figures
after a mark."""
from __future__ import annotations

import datetime as dt

from test_console_api import add_user, login
from test_ledger_api import app, post  # noqa: F401 (fixture)
from web.db import session_scope
from web.models import Conversation, Message


def _qa(s, conv, question, meta, at):
    q = Message(conversation_id=conv, sender="resident", text=question, created_at=at)
    s.add(q)
    s.flush()
    s.add(Message(conversation_id=conv, sender="bot", text="答", reply_to=q.id, meta=meta,
                  created_at=at))


def test_gaps_grouped_counted_masked_and_marked(app):  # noqa: F811
    t0 = dt.datetime(2026, 10, 5, 2)
    with session_scope(app.extensions["db"]) as s:
        s.add(Conversation(id="g1", token_hash="x"))
        s.flush()
        unsure = {"faq_id": None, "confidence": 0.3, "domain": "traffic"}
        _qa(s, "g1", "电动车被偷了保险公司赔不赔，我电话13812345678", unsure, t0)
        _qa(s, "g1", "电动车被偷了怎么办", unsure, t0 + dt.timedelta(days=1))
        _qa(s, "g1", "电动车被偷了怎么办", unsure, t0 + dt.timedelta(days=2))
        _qa(s, "g1", "我想办护照", {"faq_id": None, "confidence": 0.1, "domain": "other"},
            t0 + dt.timedelta(days=40))
        _qa(s, "g1", "拖欠工资怎么办", {"faq_id": "labor.wages.unpaid", "confidence": 0.9,
                                     "domain": "labor"}, t0)  # a sure answer: no gap
    add_user(app, "boss", role="admin")
    add_user(app, "m1")
    admin, mediator = login(app, "boss"), login(app, "m1")
    r = mediator.get("/api/console/gaps").get_json()
    groups = {g["key"]: g for g in r["groups"]}
    assert set(groups) == {"not_sure:traffic:电动车", "out_of_scope:other:护照"}
    g = groups["not_sure:traffic:电动车"]
    assert g["count"] == 3 and g["mark"] is None and g["last_seen"].startswith("2026-10-07")
    assert "电动车被偷了保险公司赔不赔，我电话138****5678" in g["examples"]  # newest first
    assert len(g["examples"]) == 2  # the same question twice is one example
    assert r["totals"] == {"questions": 4, "open_groups": 2, "open_questions": 4}
    assert r["months"] == {"2026-10": 3, "2026-11": 1}

    # only admins mark; the FAQ id must exist
    assert post(mediator, "/api/console/gaps/mark", {"key": g["key"], "decision": "covered",
                                                     "faq_id": "x"}).status_code == 403
    r = post(admin, "/api/console/gaps/mark", {"key": g["key"], "decision": "covered",
                                                "faq_id": "no.such.faq"})
    assert (r.status_code, r.get_json()["error"]) == (400, "unknown_faq")
    faq_id = next(iter(app.extensions["gaps"].faq_ids))
    r = post(admin, "/api/console/gaps/mark", {"key": g["key"], "decision": "covered",
                                                "faq_id": faq_id})
    assert r.status_code == 200 and r.get_json()["mark"]["faq_id"] == faq_id
    assert post(admin, "/api/console/gaps/mark", {"key": "out_of_scope:other:护照",
                                                  "decision": "out_of_scope"}).status_code == 200
    assert post(admin, "/api/console/gaps/mark", {"key": "x", "decision": "covered"}
                ).status_code == 400
    # after the marks: nothing open; a question seen again after the mark is counted as such
    with session_scope(app.extensions["db"]) as s:
        _qa(s, "g1", "电动车被偷了找谁", {"faq_id": None, "domain": "traffic"},
            dt.datetime.utcnow())
    r = mediator.get("/api/console/gaps").get_json()
    groups = {g["key"]: g for g in r["groups"]}
    assert groups["not_sure:traffic:电动车"]["since_marked"] == 1
    assert groups["not_sure:traffic:电动车"]["count"] == 4
    assert r["totals"]["open_groups"] == 0 and r["months"] == {}
    page = mediator.get("/console/gaps")
    assert page.status_code == 200 and "138****5678" in page.get_data(as_text=True)
    assert "13812345678" not in page.get_data(as_text=True)
