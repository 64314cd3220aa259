"""Import of an Excel ledger: the bureau's own headers mapped, a dry run that writes nothing,
errors with row and column, all-or-nothing commit, numbers kept and never taken twice."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from knowledge.content.texts import Texts
from web.db import make_engine, make_sessionmaker, migrate
from web.models_ledger import Dispute
from web.services.ledger_import import run

ROOT = Path(__file__).resolve().parent.parent
TEXTS = Texts(ROOT / "knowledge" / "texts")["ledger"]
HEADER = ["编号", "申请人", "联系电话", "被申请人", "纠纷类型", "乡镇（街道）", "村（社区）",
          "纠纷简要情况", "登记日期", "结案日期", "调解结果"]
GOOD = [["旧调〔2025〕第1号", "张三", "13812345678", "李四", "劳动争议与工伤", "城关镇", "东街村",
         "欠薪", dt.date(2025, 3, 1), dt.date(2025, 3, 20), "调解成功"],
        [None, "王五", None, "赵六", "婚姻家庭与继承", "河口镇", None, "彩礼返还",
         "2025-04-02", None, None]]


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    migrate(engine)
    return make_sessionmaker(engine)


def _count(sessions):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Dispute))


def test_dry_run_then_commit(tmp_path):
    sessions = _sessions(tmp_path)
    path = _xlsx(tmp_path / "ledger.xlsx", [HEADER, *GOOD, [None] * 11])
    report = run(sessions, path, TEXTS)
    assert report == {"rows": 2, "errors": [], "written": 0, "dry_run": True}
    assert _count(sessions) == 0
    report = run(sessions, path, TEXTS, commit=True)
    assert report["written"] == 2 and _count(sessions) == 2
    with sessions() as s:
        a, b = s.scalars(select(Dispute).order_by(Dispute.id)).all()
        assert (a.number, a.status, a.outcome, a.domain, a.township, a.imported) == (
            "旧调〔2025〕第1号", "agreement", "agreement", "labor", "城关镇", True)
        assert [p.name for p in a.parties] == ["张三", "李四"] and a.parties[0].phone == \
            "13812345678"
        assert (b.status, b.domain, b.number.startswith("建安调〔2025〕")) == (
            "registered", "marriage", True)
    # the same file again: its number is taken, nothing is written
    report = run(sessions, path, TEXTS, commit=True)
    assert report["written"] == 0 and "旧调〔2025〕第1号" in report["errors"][0]["message"]
    assert _count(sessions) == 2


def test_errors_name_row_and_column_and_nothing_is_written(tmp_path):
    sessions = _sessions(tmp_path)
    bad = [HEADER, GOOD[0],
           [None, "", None, None, "税务", "火星镇", None, "x", "2025-02-30", None, "调解成功"]]
    path = _xlsx(tmp_path / "bad.xlsx", bad)
    report = run(sessions, path, TEXTS, commit=True)
    cells = {(e["cell"], e["column"]) for e in report["errors"]}
    assert cells == {("B3", "applicant"), ("E3", "domain"), ("F3", "township"),
                     ("I3", "registered_at"), ("K3", "outcome")}
    assert report["written"] == 0 and _count(sessions) == 0
    missing = run(sessions, _xlsx(tmp_path / "m.xlsx", [["申请人", "简要情况"]]), TEXTS)
    assert "纠纷类型" in missing["errors"][0]["message"]
    (tmp_path / "not.xlsx").write_text("hello")
    assert run(sessions, tmp_path / "not.xlsx", TEXTS)["errors"][0]["message"] == \
        TEXTS["import"]["unreadable"]


def test_cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    path = _xlsx(tmp_path / "ledger.xlsx", [HEADER, *GOOD])
    env = {**os.environ, "LEGALBOT_DATABASE_URL": url, "LEGALBOT_DATA_DIR": str(tmp_path)}
    cmd = [str(ROOT / ".venv" / "bin" / "legalbot"), "ledger", "import", str(path)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout)["dry_run"] is True
    r = subprocess.run(cmd + ["--commit"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout)["written"] == 2
