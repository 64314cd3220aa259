"""The dispute ledger and the statistics in the console (contract 6 of DESIGN.md): JSON under
``/api/console/disputes``, ``/api/console/stats``, ``/api/console/gaps``; pages under
``/console/``. Views only translate HTTP into calls of ``web/services`` (ledger_desk, documents,
stats, gaps)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from knowledge import settings

from ..services.ledger import LedgerError
from ..services.workdays import CST
from . import json_object
from .console import STAFF, _page, role_required

bp = Blueprint("ledger", __name__)


def _ext(name: str):
    return current_app.extensions[name]


def _texts() -> dict:
    return _ext("knowledge").texts["ledger"]


def ledger_refusal(e: LedgerError):
    return jsonify({"error": e.code, "message": e.message(_texts())}), e.status


def _body() -> dict:
    body = json_object()
    if body is None:
        raise LedgerError(400, "bad_request")
    return body


def _id(dispute_id: str) -> int:
    if not dispute_id.isdigit() or len(dispute_id) > 12:
        raise LedgerError(404, "not_found")
    return int(dispute_id)


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename={name}.pdf", "Cache-Control": "no-store"})


def _xlsx(data: bytes, name: str) -> Response:
    return Response(data, mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), headers={
        "Content-Disposition": f"attachment; filename={name}.xlsx"})


# -- disputes ---------------------------------------------------------------------------------------
@bp.get("/api/console/disputes")
@role_required(*STAFF)
def api_disputes():
    a = request.args
    items = _ext("ledger").list(current_user, status=a.get("status") or None,
                                township=a.get("township") or None,
                                domain=a.get("domain") or None,
                                overdue=a.get("overdue") == "1", due_soon=a.get("due_soon") == "1",
                                mine=a.get("mine") == "1")
    return jsonify({"items": items})


@bp.post("/api/console/disputes")
@role_required(*STAFF)
def api_create_dispute():
    return jsonify(_ext("ledger").create(_body(), current_user)), 201


@bp.get("/api/console/disputes/<dispute_id>")
@role_required(*STAFF)
def api_dispute(dispute_id: str):
    return jsonify(_ext("ledger").get(_id(dispute_id), current_user))


@bp.patch("/api/console/disputes/<dispute_id>")
@role_required(*STAFF)
def api_patch_dispute(dispute_id: str):
    return jsonify(_ext("ledger").patch(_id(dispute_id), _body(), current_user))


@bp.post("/api/console/disputes/<dispute_id>/sessions")
@role_required(*STAFF)
def api_add_session(dispute_id: str):
    return jsonify(_ext("ledger").add_session(_id(dispute_id), _body(), current_user)), 201


@bp.get("/api/console/followups")
@role_required(*STAFF)
def api_followups():
    within = request.args.get("within")
    days = int(within) if within and within.isdigit() and len(within) < 5 else None
    return jsonify({"items": _ext("ledger").followups(current_user, due_within=days)})


@bp.get("/api/console/disputes/<dispute_id>/<kind>.pdf")
@role_required(*STAFF)
def api_document(dispute_id: str, kind: str):
    data, name = _ext("documents").render(_id(dispute_id), kind, current_user)
    return _pdf(data, name)


# -- pages ------------------------------------------------------------------------------------------
@bp.get("/console/disputes")
@role_required(*STAFF)
def disputes_page():
    return _page("console/disputes.html", ledger=_texts()["labels"],
                 townships=_ext("ledger_townships"))


@bp.get("/console/disputes/<dispute_id>")
@role_required(*STAFF)
def dispute_page(dispute_id: str):
    return _page("console/dispute.html", ledger=_texts()["labels"], dispute_id=_id(dispute_id))


def init_app(app) -> None:
    app.register_error_handler(LedgerError, ledger_refusal)
    # transcripts past RETENTION_DAYS are deleted once a day (README, "Dispute ledger")
    app.before_request(lambda: app.extensions["daily_purge"]() and None)


# -- import of an Excel ledger (admins) -------------------------------------------------------------
def _import_limit_kb() -> int:
    return int(settings.get("IMPORT_MAX_KB", current_app.config["SETTINGS"]))


@bp.before_request
def _room_for_imports():
    """Only the import upload may be larger than MAX_REQUEST_BYTES (set before the body is
    read); a declared length over the limit is refused before anything is read."""
    if request.endpoint == "ledger.api_import" and request.method == "POST":
        limit = _import_limit_kb()
        if (request.content_length or 0) > limit * 1024 + 65536:
            raise LedgerError(413, "import_too_large", limit=limit)
        request.max_content_length = limit * 1024 + 65536


@bp.post("/api/console/ledger/import")
@role_required("admin")
def api_import():
    """multipart: ``file`` (.xlsx); ``commit=1`` with the dry run's ``checked`` to write."""
    from ..services.ledger_import import upload

    f = request.files.get("file")
    limit = _import_limit_kb()
    report = upload(_ext("db"), f.read(limit * 1024 + 1) if f else b"",
                    f.filename if f else "", _texts(), limit_kb=limit,
                    commit=request.form.get("commit") == "1",
                    checked=request.form.get("checked"), actor=current_user)
    if report["errors"] and not report["dry_run"]:
        return jsonify({"error": "import_refused", "message": report["errors"][0]["message"],
                        **report}), 400
    return jsonify(report), 201 if report["written"] else 200


@bp.get("/console/ledger/import")
@role_required("admin")
def import_page():
    return _page("console/import.html", ledger=_texts()["labels"],
                 limit_kb=_import_limit_kb())


# -- statistics -------------------------------------------------------------------------------------
def _report() -> dict:
    from ..services.stats import parse_range

    a = request.args
    start, end = parse_range(a.get("from") or None, a.get("to") or None)
    return _ext("stats").compute(start, end, a.get("group_by") or "domain")


@bp.get("/api/console/stats")
@role_required(*STAFF)
def api_stats():
    return jsonify(_report())


@bp.get("/api/console/stats.csv")
@role_required(*STAFF)
def api_stats_csv():
    from ..services.stats import to_csv

    report = _report()
    return Response(to_csv(report), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=stats-{report['group_by']}.csv"})


@bp.get("/api/console/stats.xlsx")
@role_required(*STAFF)
def api_stats_xlsx():
    from ..services.stats import to_xlsx

    report = _report()
    return _xlsx(to_xlsx(report, _texts()["stats"]), f"stats-{report['group_by']}")


def _monthly() -> dict:
    from ..services.monthly import clean_name, parse_period

    a = request.args
    start, end, month = parse_period(a.get("month") or None, a.get("from") or None,
                                     a.get("to") or None)
    return _ext("monthly").compute(start, end, month=month,
                                   prepared_by=clean_name(a.get("prepared_by"), "prepared_by"),
                                   reviewed_by=clean_name(a.get("reviewed_by"), "reviewed_by"))


def _monthly_name(report: dict) -> str:
    return f"monthly-{report['month'] or report['from'] + '_' + report['to']}"


@bp.get("/api/console/stats/monthly")
@role_required(*STAFF)
def api_monthly():
    return jsonify(_monthly())


@bp.get("/api/console/stats/monthly.xlsx")
@role_required(*STAFF)
def api_monthly_xlsx():
    from ..services.monthly_files import to_xlsx

    report = _monthly()
    return _xlsx(to_xlsx(report, _texts()["monthly"]), _monthly_name(report))


@bp.get("/api/console/stats/monthly.pdf")
@role_required(*STAFF)
def api_monthly_pdf():
    from knowledge.content.fonts import cjk_font

    from ..services.monthly_files import to_pdf

    report = _monthly()
    font = cjk_font(current_app.config["SETTINGS"])
    return _pdf(to_pdf(report, _texts()["monthly"], font=font), _monthly_name(report))


@bp.get("/console/stats")
@role_required(*STAFF)
def stats_page():
    from ..services.charts import bars

    try:
        report, error = _report(), None
    except LedgerError as e:
        report, error = _ext("stats").compute(None, None, "domain"), e.message(_texts())
    labels = _texts()["labels"]
    stats_texts = _texts()["stats"]
    names = {"domain": labels["domains"], "source": labels["sources"]}.get(report["group_by"], {})
    rows = [{**r, "label": names.get(r["key"], r["key"]) if r["key"] is not None
             else stats_texts["unknown"]} for r in report["rows"]]
    counts = bars(rows, ("disputes", "resolved", "overdue"))
    rates = bars([{**r, "rate": round((r["resolution_rate"] or 0) * 100, 1)} for r in rows],
                 ("rate",), scale=100)
    last_month = dt.datetime.now(CST).date().replace(day=1) - dt.timedelta(days=1)
    return _page("console/stats.html", report=report, rows=rows, counts=counts, rates=rates,
                 error=error, st=stats_texts, query=request.args,
                 month_default=last_month.strftime("%Y-%m"))


# -- knowledge gaps ---------------------------------------------------------------------------------
@bp.get("/api/console/gaps")
@role_required(*STAFF)
def api_gaps():
    return jsonify(_ext("gaps").groups())


@bp.post("/api/console/gaps/mark")
@role_required("admin")
def api_mark_gap():
    return jsonify(_ext("gaps").mark(current_user, _body()))


@bp.get("/console/gaps")
@role_required(*STAFF)
def gaps_page():
    return _page("console/gaps.html", report=_ext("gaps").groups(), ledger=_texts()["labels"],
                 gl=_texts()["gaps"])
