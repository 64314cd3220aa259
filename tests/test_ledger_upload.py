"""The Excel ledger import as an upload in the console (admins): real multipart uploads of a
good file, a malformed one, one too big, one that is not an .xlsx; a dry run that writes nothing
and shows what would be created; a commit only of the file that was checked; and a click-through
in real Chromium at 1280 px."""
from __future__ import annotations

import io
import os

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from test_console_api import add_user, login
from test_ledger_api import app  # noqa: F401 (fixture)
from test_ledger_import import GOOD, HEADER
from web.models_ledger import Dispute

URL = "/api/console/ledger/import"


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _send(c, data: bytes, name="台账.xlsx", **form):
    return c.post(URL, data={"file": (io.BytesIO(data), name), **form},
                  content_type="multipart/form-data", headers={"X-CSRF-Token": c.csrf})


def _count(app):  # noqa: F811
    with app.extensions["db"]() as s:
        return s.scalar(select(func.count()).select_from(Dispute))


@pytest.fixture
def admin(app):  # noqa: F811
    add_user(app, "boss", role="admin", name="局管理员")
    return login(app, "boss")


def test_dry_run_shows_what_would_be_created_then_the_checked_file_is_committed(app, admin):
    data = _xlsx([HEADER, *GOOD])
    r = _send(admin, data)
    assert r.status_code == 200, r.get_json()
    report = r.get_json()
    assert (report["dry_run"], report["rows"], report["errors"], report["written"]) == (
        True, 2, [], 0)
    assert report["preview"] == [
        {"row": 2, "number": "旧调〔2025〕第1号", "applicant": "张三", "respondent": "李四",
         "domain": "labor", "township": "城关镇", "registered_at": "2025-03-01",
         "outcome": "agreement"},
        {"row": 3, "number": None, "applicant": "王五", "respondent": "赵六",
         "domain": "marriage", "township": "河口镇", "registered_at": "2025-04-02",
         "outcome": None}]
    assert _count(app) == 0
    # a commit needs the digest of the file that was checked
    r = _send(admin, data, commit="1")
    assert (r.status_code, r.get_json()["error"]) == (409, "import_not_checked")
    other = _xlsx([HEADER, GOOD[1]])
    r = _send(admin, other, commit="1", checked=report["checked"])
    assert (r.status_code, r.get_json()["error"]) == (409, "import_not_checked")
    assert _count(app) == 0
    r = _send(admin, data, commit="1", checked=report["checked"])
    assert r.status_code == 201 and r.get_json()["written"] == 2 and _count(app) == 2
    # the same file again: its number is taken; refused with the reason, nothing written
    r = _send(admin, data, commit="1", checked=report["checked"])
    assert r.status_code == 400 and r.get_json()["error"] == "import_refused"
    assert "旧调〔2025〕第1号" in r.get_json()["message"] and _count(app) == 2


def test_malformed_rows_are_named_by_row_and_column(app, admin):
    bad = [HEADER, GOOD[0],
           [None, "", None, None, "税务", "火星镇", None, "x", "2025-02-30", None, "调解成功"]]
    report = _send(admin, _xlsx(bad)).get_json()
    assert {(e["row"], e["cell"]) for e in report["errors"]} == {
        (3, "B3"), (3, "E3"), (3, "F3"), (3, "I3"), (3, "K3")}
    assert report["preview"] == [] and _count(app) == 0
    r = _send(admin, _xlsx(bad), commit="1", checked=report["checked"])
    assert r.status_code == 400 and len(r.get_json()["errors"]) == 5 and _count(app) == 0
    # a zip that is no workbook: one clear error
    r = _send(admin, b"PK\x03\x04" + os.urandom(300))
    assert r.status_code == 200 and r.get_json()["errors"][0]["message"].startswith("文件打不开")


def test_not_xlsx_no_file_and_who_may_upload(app, admin):
    for data, name in ((b"\xd0\xcf\x11\xe0 old xls", "旧台账.xls"), (_xlsx([HEADER]), "a.csv"),
                       (b"name,phone\n", "a.xlsx")):
        r = _send(admin, data, name=name)
        assert (r.status_code, r.get_json()["error"]) == (400, "import_not_xlsx"), name
        assert r.get_json()["message"]
    r = admin.post(URL, data={}, content_type="multipart/form-data",
                   headers={"X-CSRF-Token": admin.csrf})
    assert (r.status_code, r.get_json()["error"]) == (400, "import_no_file")
    add_user(app, "wang")
    mediator = login(app, "wang")
    assert _send(mediator, _xlsx([HEADER, *GOOD])).status_code == 403
    assert app.test_client().post(URL).status_code in (401, 403)
    r = admin.post(URL, data={"file": (io.BytesIO(_xlsx([HEADER])), "a.xlsx")},
                   content_type="multipart/form-data")
    assert r.status_code == 403  # no CSRF token


def _big_ledger(rows: int) -> bytes:
    """A valid ledger whose summaries are random (so the file does not compress away)."""
    return _xlsx([HEADER] + [[None, f"申请人{i}", None, None, "其他", "城关镇", None,
                              os.urandom(200).hex(), "2025-05-06", None, None]
                             for i in range(rows)])


def test_the_higher_limit_is_for_the_import_only(make_app, tmp_path):
    app = make_app(INDEX_DIR=str(tmp_path / "no-index"), IMPORT_MAX_KB="600")  # noqa: F811
    add_user(app, "boss", role="admin")
    admin = login(app, "boss")
    data = _big_ledger(400)
    assert 100_000 < len(data) < 600 * 1024  # over the 64 KB of every other request
    r = _send(admin, data)
    assert r.status_code == 200 and r.get_json()["rows"] == 400 and not r.get_json()["errors"]
    assert len(r.get_json()["preview"]) == 200  # the first 200 are shown
    r = admin.post("/api/console/disputes", data=b'{"summary": "' + b"x" * 100_000 + b'"}',
                   content_type="application/json", headers={"X-CSRF-Token": admin.csrf})
    assert r.status_code == 413


def test_too_big_is_refused_with_the_limit(make_app, tmp_path):
    app = make_app(INDEX_DIR=str(tmp_path / "no-index"), IMPORT_MAX_KB="64")  # noqa: F811
    add_user(app, "boss", role="admin")
    admin = login(app, "boss")
    r = _send(admin, _big_ledger(400))
    assert r.status_code == 413 and r.get_json()["error"] == "import_too_large"
    assert "64KB" in r.get_json()["message"] and _count(app) == 0


def test_click_through_in_chromium(app, admin, tmp_path):  # noqa: F811
    """An admin picks a malformed file (errors by row and cell), then a good one (the preview),
    confirms, and finds the imported disputes on the ledger page."""
    import re
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from test_browser import ARGS, CHROMIUM, shot
    from test_console_api import PW

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_xlsx([HEADER, [None, "钱八", None, None, "其他", "火星镇", None, "x",
                                    "2025-05-06", None, None]]))
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx([HEADER, *GOOD]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            pg = b.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            errors = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(base + "/console/login?next=/console/ledger/import")
            pg.get_by_label("用户名").fill("boss")
            pg.get_by_label("密码").fill(PW)
            pg.get_by_role("button", name="登录").click()
            pg.wait_for_url(re.compile(r".*/console/ledger/import$"))
            pg.set_input_files("#import-form input[type=file]", str(bad))
            pg.get_by_role("button", name="检查").click()
            pg.wait_for_selector("#import-errors tbody tr")
            assert "F2" in pg.locator("#import-errors tbody tr").first.inner_text()
            assert pg.locator("#import-commit").is_hidden()
            pg.set_input_files("#import-form input[type=file]", str(good))
            pg.get_by_role("button", name="检查").click()
            pg.wait_for_selector("#import-preview tbody tr")
            rows = pg.locator("#import-preview tbody tr")
            assert rows.count() == 2 and "劳动争议与工伤" in rows.first.inner_text()
            assert _count(app) == 0
            shot(pg, "ledger-import")
            pg.get_by_role("button", name="确认导入").click()
            pg.wait_for_selector("#import-summary:has-text('已导入 2 件')")
            assert _count(app) == 2
            pg.goto(base + "/console/disputes")
            pg.wait_for_selector("#dispute-list tbody tr")
            assert "旧调〔2025〕第1号" in pg.locator("#dispute-list").inner_text()
            assert errors == []
            b.close()
    finally:
        server.shutdown()
        thread.join(5)
