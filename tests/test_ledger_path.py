"""The mediator's whole path through the API, as one walk (issue 16, "done when"): a resident's
consultation is handed off; a mediator claims the conversation, registers it in the ledger (its
facts and analysis attached, nothing typed twice), accepts it, records a session, reaches an
agreement, prints the 调解协议书 (read back with pdftotext), makes the follow-up and archives it;
the bureau then finds it in the statistics, the Excel export and the monthly report. Real SQLite
and real PDFs; Rasa is stood in for at the edge (FakeRasa of test_console_api)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from test_console_api import FakeRasa, add_user, login, resident
from test_ledger_api import _pdftotext, app, patch, post  # noqa: F401 (fixture)
from web.services.workdays import CST

FACTS = {"months_unpaid": 3, "monthly_wage": 3000}
ANALYSIS = {"total": 9000, "basis": "劳动合同法第30条"}


class ConsultingRasa(FakeRasa):
    """FakeRasa that also finishes a consultation (the custom payload the action server sends
    with the analysis) when the resident describes unpaid wages."""

    def send(self, sender, message, *args, **kwargs):
        if "工资" in message and not self.down:
            self.sent.append((sender, message))
            return [{"text": "根据您说的情况，分析如下。"},
                    {"custom": {"consultation": {"case_type": "unpaid_wages", "facts": FACTS,
                                                 "analysis": ANALYSIS}}}]
        return super().send(sender, message, *args, **kwargs)


@pytest.fixture
def rasa(app):  # noqa: F811
    fake = ConsultingRasa()
    app.extensions["chat"].rasa = fake
    app.extensions["desk"].rasa = fake
    return fake


def test_handed_off_conversation_to_an_archived_dispute_seen_by_the_bureau(app, rasa, tmp_path):
    # the resident consults the robot, then asks for a person
    conv, token, replies = resident(app.test_client(), "老板拖欠我三个月工资", "转人工")
    assert replies[0][0]["report_url"]
    add_user(app, "wang", name="王调解员")
    add_user(app, "boss", role="admin", name="局管理员")
    m, boss = login(app, "wang"), login(app, "boss")
    queue = m.get("/api/console/queue?view=waiting").get_json()["items"]
    assert [i["conversation_id"] for i in queue] == [conv]
    assert post(m, f"/api/console/conversations/{conv}/claim", {}).status_code == 200

    # 登记台账 from the conversation: its consultation comes along
    r = post(m, "/api/console/disputes", {
        "conversation_id": conv, "township": "城关镇", "village": "东街村",
        "parties": [{"name": "张三", "role": "applicant", "phone": "13812345678"},
                    {"name": "某建材公司", "role": "respondent"}]})
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert (d["source"], d["domain"], d["conversation_id"]) == ("robot", "labor", conv)
    assert d["facts"] == FACTS and d["analysis"] == ANALYSIS
    assert "老板拖欠我三个月工资" in d["summary"]
    url = f"/api/console/disputes/{d['id']}"

    # accepted, mediated in a recorded session, agreement
    body = patch(m, url, {"status": "accepted"}).get_json()
    assert body["deadline"] and body["mediator"]["username"] == "wang"
    patch(m, url, {"status": "mediating"})
    r = post(m, url + "/sessions", {"place": "城关镇人民调解室", "attendees": ["张三", "公司代表李经理"],
                                     "record": "公司承认拖欠三个月工资，同意分两期支付。"})
    assert r.status_code == 201
    body = patch(m, url, {"status": "agreement", "agreement": {
        "terms": "某建材公司支付张三工资9000元", "performance": "银行转账分两期支付",
        "performance_due": "2027年1月31日"}}).get_json()
    assert body["status"] == "agreement" and len(body["followups"]) == 1

    # the printed 调解协议书 (人民调解法 art. 29) and the session record
    text = _pdftotext(m.get(url + "/agreement.pdf").data, tmp_path).replace(" ", "")
    for words in ("调解协议书", "张三", "某建材公司", "某建材公司支付张三工资9000元",
                  "银行转账分两期支付", d["number"]):
        assert words in text, words
    record = _pdftotext(m.get(url + "/record.pdf").data, tmp_path).replace(" ", "")
    assert "公司承认拖欠三个月工资" in record

    # the follow-up task, done; archived; the conversation closed
    tasks = m.get("/api/console/followups").get_json()["items"]
    assert [t["dispute_id"] for t in tasks] == [d["id"]]
    body = patch(m, url, {"status": "followed_up", "followup": {
        "method": "phone", "performed": "yes", "note": "第一期已到账"}}).get_json()
    assert body["followups"][0]["performed"] == "yes"
    assert m.get("/api/console/followups").get_json()["items"] == []
    body = patch(m, url, {"status": "archived"}).get_json()
    assert body["status"] == "archived" and body["next"] == []
    assert [e["kind"] for e in body["events"]].count("status") == 5  # accepted .. archived
    assert post(m, f"/api/console/conversations/{conv}/close",
                {"outcome": "resolved", "note": "已登记台账并调解成功"}).status_code == 200

    # the bureau: statistics, the Excel export, the monthly report
    today = dt.datetime.now(CST).date().isoformat()
    q = f"from={today}&to={today}&group_by=township"
    stats = boss.get(f"/api/console/stats?{q}").get_json()
    row = next(r for r in stats["rows"] if r["key"] == "城关镇")
    assert (row["disputes"], row["resolved"], row["resolution_rate"], row["overdue"]) == (
        1, 1, 1.0, 0)
    assert (stats["totals"]["consultations"], stats["totals"]["handoffs"]) == (1, 1)
    ws = load_workbook(io.BytesIO(boss.get(f"/api/console/stats.xlsx?{q}").data)).active
    assert ["城关镇", 0, 0, 0, 1, 1, 1.0] == list(next(
        r for r in ws.iter_rows(values_only=True) if r[0] == "城关镇"))[:7]
    monthly = boss.get(f"/api/console/stats/monthly?month={today[:7]}").get_json()
    row = next(r for r in monthly["rows"] if r["township"] == "城关镇")
    assert (row["disputes"], row["labor"], row["resolved"], row["followed_up"]) == (1, 1, 1, 1)
    page = boss.get(f"/console/stats?{q}").get_data(as_text=True)
    assert 'data-key="城关镇"' in page
