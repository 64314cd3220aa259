"""A booking made from a conversation: the chat's offer of mediators and free slots, the
application (调解申请书) carrying the consultation's facts and analysis into a PDF (read back with
pdftotext), the dispute opened in the ledger, the confirmation in the chat and the console's
event."""
from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from knowledge.analysis.engine import analyze
from web.db import session_scope
from web.models import ConsoleEvent, Message
from web.services.consultations import add_consultation

FACTS = {"amount_owed": 12000, "months_owed": 3, "still_employed": False,
         "end_date": "2026-10-31", "employer_type": "company", "boss_gone": False,
         "has_iou": True, "ordered_to_pay": False}


@pytest.fixture
def app(make_app):
    return make_app()  # the conftest factory, without its per-conversation limit


@pytest.fixture
def consulted(app):
    """A conversation whose resident finished an unpaid-wages consultation."""
    client = app.test_client()
    conv = client.post("/api/conversations", json={}).json
    knowledge = app.extensions["knowledge"]
    analysis = analyze(knowledge.case_types["unpaid_wages"], FACTS).as_json()
    with session_scope(app.extensions["db"]) as s:
        add_consultation(s, conv["conversation_id"], "unpaid_wages", analysis["facts"], analysis)
    return client, conv


def test_the_chat_offers_mediators_of_the_case_with_free_slots(app, consulted):
    client, conv = consulted
    chat = app.extensions["chat"]
    with session_scope(app.extensions["db"]) as s:
        m = Message(conversation_id=conv["conversation_id"], sender="resident", text="预约调解",
                    status="pending")
        s.add(m)
        s.flush()
        msg_id = m.id
    out = chat._store_replies(conv["conversation_id"], msg_id, [
        {"text": "好的", "buttons": [{"title": "转人工", "payload": "/handoff"}]},
        {"custom": {"booking_offer": {}}}])
    offer = out[-1]
    assert offer["from"] == "bot" and offer["links"][0]["url"] == "/mediators?prefer=labor"
    board = client.get("/api/mediators?prefer=labor").json["mediators"]
    first = board[0]
    assert "labor" in first["specialties"] and first["name"] in offer["text"]
    slot = client.get(f"/api/mediators/{first['id']}/slots").json["slots"][0]
    day = int(slot["start"][8:10])
    assert f"{day}日 {slot['start'][11:16]}" in offer["text"]
    # the same message comes back to the widget's poll with its link
    history = client.get(f"/api/conversations/{conv['conversation_id']}/messages?after=0",
                         headers={"X-Conversation-Token": conv["token"]}).json["messages"]
    assert history[-1]["links"] == offer["links"]


def test_a_booking_from_the_conversation_makes_the_application_and_a_dispute(app, consulted,
                                                                              tmp_path):
    from web.models_ledger import Dispute

    client, conv = consulted
    slot = client.get("/api/mediators/m04/slots").json["slots"][0]
    body = {"mediator_id": "m04", "start": slot["start"], "mode": "in_person", "name": "刘大壮",
            "phone": "138 1234 5678", "consent": True, "respondent": "某某建材有限公司",
            "conversation_id": conv["conversation_id"], "conversation_token": "wrong"}
    assert client.post("/api/bookings", json=body).json["error"] == "bad_conversation"
    body["conversation_token"] = conv["token"]
    r = client.post("/api/bookings", json=body)
    assert r.status_code == 201
    b = r.json
    assert b["phone"] == "13812345678"
    # the application as PDF, with the consultation's facts and amounts: nothing asked twice
    pdf = client.get(f"/api/bookings/{b['booking_id']}/application.pdf",
                     headers={"X-Booking-Token": b["manage_token"]})
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    path = tmp_path / "application.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    squeezed = "".join(text.split())
    for expected in ("人民调解申请书", "申请人", "刘大壮", "13812345678", "被申请人",
                     "某某建材有限公司", "被拖欠工资", "12000.00元", "赵德明",
                     "河口镇人民调解委员会", "2026-12-v1"):
        assert expected in squeezed, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "UMing" in line
           or "ZenHei" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts  # embedded
    assert client.get(f"/api/bookings/{b['booking_id']}/application.pdf").status_code == 403
    # the dispute in the ledger, registered, with the parties and the consultation
    with app.extensions["db"]() as s:
        d = s.get(Dispute, b["dispute_id"])
        assert d.status == "registered" and d.source == "booking" and d.domain == "labor"
        assert d.conversation_id == conv["conversation_id"] and d.facts["amount_owed"] == 12000
        assert {(p.role, p.name) for p in d.parties} == {("applicant", "刘大壮"),
                                                         ("respondent", "某某建材有限公司")}
        assert d.township == "河口镇"
        events = s.scalars(select(ConsoleEvent).where(
            ConsoleEvent.conversation_id == conv["conversation_id"])).all()
        assert [e.kind for e in events] == ["booking_confirmed"]
    # the confirmation in the chat, with the manage link
    msgs = client.get(f"/api/conversations/{conv['conversation_id']}/messages?after=0",
                      headers={"X-Conversation-Token": conv["token"]}).json["messages"]
    last = msgs[-1]
    assert last["from"] == "system" and "预约成功" in last["text"] and "赵德明" in last["text"]
    assert last["links"][0]["url"] == b["manage_url"]


def test_a_failed_booking_writes_nothing(app, consulted):
    from sqlalchemy import func

    from web.models_booking import Booking
    from web.models_ledger import Dispute

    client, conv = consulted
    slot = client.get("/api/mediators/m04/slots").json["slots"][0]
    body = {"mediator_id": "m04", "start": slot["start"], "mode": "in_person", "name": "甲",
            "phone": "13812345678", "consent": True, "conversation_id": conv["conversation_id"],
            "conversation_token": conv["token"]}
    assert client.post("/api/bookings", json=body).status_code == 201
    assert client.post("/api/bookings", json={**body, "name": "乙"}).status_code == 409
    with app.extensions["db"]() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 1
        assert s.scalar(select(func.count()).select_from(Dispute)) == 1
        assert s.scalar(select(func.count()).select_from(Message).where(
            Message.sender == "system")) == 1


def test_the_report_links_to_the_board_with_the_case_specialty(app, consulted):
    from web.models import Consultation

    client, conv = consulted
    with app.extensions["db"]() as s:
        token = s.scalars(select(Consultation.report_token)).first()
    page = client.get(f"/reports/{token}").get_data(as_text=True)
    assert 'href="/mediators?prefer=labor"' in page
    assert client.get("/mediators?prefer=labor").status_code == 200
