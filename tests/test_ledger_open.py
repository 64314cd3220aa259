"""Opening a dispute (web/services/ledger.py) on a real SQLite database: number format, parties,
the opening event, refusals that write nothing, and numbers unique under concurrency."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from web.db import make_engine, make_sessionmaker, migrate, session_scope
from web.models_ledger import Dispute, DisputeEvent, DisputeParty
from web.services.ledger import LedgerError, open_dispute

PARTIES = [{"name": "张三", "role": "applicant", "phone": "13812345678"},
           {"name": "李四", "role": "respondent", "address": "城关镇东街5号"}]


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    assert migrate(engine) >= 5  # the ledger came with version 5
    return make_sessionmaker(engine)


def _open(s, **kw):
    args = {"source": "walk_in", "parties": PARTIES, "domain": "labor", "township": "城关镇",
            "summary": "拖欠工资三个月"}
    return open_dispute(s, **{**args, **kw})


def test_open_numbers_in_the_configured_format_per_year(sessions):
    with session_scope(sessions) as s:
        a = _open(s, registered_at=dt.datetime(2026, 3, 1, 2))
        b = _open(s, registered_at=dt.datetime(2026, 3, 2, 2))
        # 2026-12-31 17:00 UTC is already 2027-01-01 in +08:00: a new year, a new count
        c = _open(s, registered_at=dt.datetime(2026, 12, 31, 17))
        numbers = (a.number, b.number, c.number)
    assert numbers == ("建安调〔2026〕第0001号", "建安调〔2026〕第0002号", "建安调〔2027〕第0001号")
    with session_scope(sessions) as s:
        d = _open(s, config={"LEDGER_NUMBER_FORMAT": "JA-{seq:05d}"})
        assert d.number == "JA-00001"


def test_open_keeps_parties_facts_and_an_event(sessions):
    with session_scope(sessions) as s:
        d = _open(s, source="robot", conversation_id="c-1", facts={"months": 3},
                  analysis={"total": 9000}, village="东街村")
        dispute_id = d.id
    with sessions() as s:
        d = s.get(Dispute, dispute_id)
        assert (d.status, d.source, d.conversation_id, d.village) == (
            "registered", "robot", "c-1", "东街村")
        assert d.facts == {"months": 3} and d.analysis == {"total": 9000}
        assert [(p.role, p.name, p.phone) for p in d.parties] == [
            ("applicant", "张三", "13812345678"), ("respondent", "李四", None)]
        events = s.scalars(select(DisputeEvent).where(DisputeEvent.dispute_id == dispute_id)).all()
        assert [(e.kind, e.actor, e.detail["number"]) for e in events] == [
            ("opened", "system", d.number)]


@pytest.mark.parametrize("kw, code", [
    ({"parties": []}, "bad_parties"),
    ({"parties": [{"name": "王五", "role": "respondent"}]}, "bad_parties"),
    ({"parties": [{"name": "", "role": "applicant"}]}, "missing"),
    ({"parties": "张三"}, "bad_parties"),
    ({"domain": "tax"}, "bad_domain"),
    ({"source": "rumour"}, "bad_source"),
    ({"township": "火星镇"}, "unknown_township"),
    ({"summary": "  "}, "missing"),
])
def test_bad_input_is_refused_and_nothing_is_written(sessions, kw, code):
    with pytest.raises(LedgerError) as err:
        with session_scope(sessions) as s:
            _open(s, **kw)
    assert (err.value.status, err.value.code) == (400, code)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Dispute)) == 0
        assert s.scalar(select(func.count()).select_from(DisputeParty)) == 0


def test_numbers_are_unique_under_concurrency(sessions):
    """Eight threads, each with its own connection, open 40 disputes at once: 40 numbers, no
    gaps, no duplicates."""
    numbers, errors = [], []
    start = threading.Barrier(8)

    def worker():
        start.wait()
        for _ in range(5):
            try:
                with session_scope(sessions) as s:
                    numbers.append(_open(s).number)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year
    assert sorted(numbers) == [f"建安调〔{year}〕第{i:04d}号" for i in range(1, 41)]
