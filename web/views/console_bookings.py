"""The console's side of the board and bookings: "我的预约" (mediators, admins), the roster and
photos, the published holiday schedule (admins). Session and CSRF rules of the console."""
from __future__ import annotations

from flask import (Blueprint, Response, current_app, flash, jsonify, redirect, request,
                   url_for)
from flask_login import current_user

from knowledge import settings
from knowledge.content.loader import tidy

from ..services.application import render_pdf
from ..services.bookings import BookingError
from ..services.mediators import RosterError
from . import json_object
from .console import _page, role_required

bp = Blueprint("console_bookings", __name__)


def _ext(name: str):
    return current_app.extensions[name]


def _texts() -> dict:
    return _ext("knowledge").texts["booking"]


def _photo_limit() -> int:
    return int(settings.get("PHOTO_MAX_KB", current_app.config["SETTINGS"])) * 1024


@bp.before_request
def _room_for_photos():
    """Photo uploads may be larger than MAX_REQUEST_BYTES (set before the body is read)."""
    if request.endpoint in ("console_bookings.api_photo", "console_bookings.mediators_page") \
            and request.method == "POST":
        request.max_content_length = _photo_limit() + 65536


@bp.errorhandler(BookingError)
def _refused(exc: BookingError):
    return jsonify(exc.body()), exc.status


def _json() -> dict:
    body = json_object()
    if body is None:
        raise _ext("bookings").error(400, "bad_request")
    return body


def _roster_error(exc: RosterError):
    errors = _texts()["errors"]
    if exc.detail in errors:
        limit = int(settings.get("PHOTO_MAX_KB", current_app.config["SETTINGS"]))
        return tidy(errors[exc.detail]).format(limit=limit)
    return tidy(errors["bad_mediator"]).format(detail=str(exc))


# -- 我的预约 ----------------------------------------------------------------------------------------
@bp.get("/api/console/bookings")
@role_required("mediator", "admin")
def api_bookings():
    span = request.args.get("range", "week")
    if span not in ("today", "week", "all"):
        span = "week"
    return jsonify({"items": _ext("booking_console").list(current_user, span)})


@bp.post("/api/console/bookings/<int:booking_id>/mark")
@role_required("mediator", "admin")
def api_mark(booking_id: int):
    return jsonify(_ext("booking_console").mark(current_user, booking_id, _json()))


@bp.get("/api/console/bookings/<int:booking_id>/application.pdf")
@role_required("mediator", "admin")
def api_application(booking_id: int):
    b = _ext("booking_console").get(current_user, booking_id)
    pdf = render_pdf(b.application, _texts(), status=_texts()["statuses"].get(b.status, ""))
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/console/bookings", methods=["GET", "POST"])
@role_required("mediator", "admin")
def bookings_page():
    console = _ext("booking_console")
    if request.method == "POST":
        form = request.form
        try:
            console.mark(current_user, int(form.get("booking_id", "0") or 0),
                         {"status": form.get("status"), "start": form.get("start")})
            flash("ok:mark")
        except (BookingError, ValueError) as exc:
            flash(getattr(exc, "message", "") or tidy(_texts()["errors"]["bad_status"]))
        return redirect(url_for("console_bookings.bookings_page",
                                range=request.args.get("range", "week")))
    span = request.args.get("range", "week")
    span = span if span in ("today", "week", "all") else "week"
    items = console.list(current_user, span)
    free = {}
    for it in items:
        if it["status"] == "confirmed" and it["mediator"]["id"] not in free:
            free[it["mediator"]["id"]] = _ext("bookings").next_free(it["mediator"]["id"],
                                                                   _now(), n=12)
    return _page("console/bookings.html", items=items, span=span, free=free, t=_texts(),
                 me=console.mediator_name(current_user.mediator_id))


def _now():
    import datetime as dt

    from ..services.workdays import CST
    return dt.datetime.now(CST)


# -- the roster (admins) ---------------------------------------------------------------------------
@bp.get("/api/console/mediators")
@role_required("admin")
def api_mediators():
    return jsonify({"mediators": _ext("roster").everyone()})


@bp.post("/api/console/mediators")
@role_required("admin")
def api_save_mediator():
    try:
        return jsonify(_ext("roster").save(_json())), 201
    except RosterError as exc:
        return jsonify({"error": "bad_mediator", "message": _roster_error(exc)}), 400


@bp.post("/api/console/mediators/<mediator_id>/photo")
@role_required("admin")
def api_photo(mediator_id: str):
    limit = _photo_limit()
    f = request.files.get("photo")
    if f is None:
        return jsonify({"error": "bad_photo", "message": tidy(_texts()["errors"]["bad_photo"])}), 400
    data = f.stream.read(limit + 1)
    try:
        name = _ext("roster").save_photo(mediator_id, data, max_bytes=limit)
    except RosterError as exc:
        status = 404 if exc.detail == "mediator_not_found" else 400
        code = exc.detail if exc.detail in _texts()["errors"] else "bad_photo"
        return jsonify({"error": code, "message": _roster_error(exc)}), status
    return jsonify({"photo_url": f"/mediators/photos/{name}"}), 201


@bp.route("/console/mediators", methods=["GET", "POST"])
@role_required("admin")
def mediators_page():
    roster = _ext("roster")
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "photo":
                limit = _photo_limit()
                f = request.files.get("photo")
                roster.save_photo(form.get("id", ""), f.stream.read(limit + 1) if f else b"",
                                  max_bytes=limit)
            elif form.get("action") in ("disable", "enable"):
                roster.set_active(form.get("id", ""), form.get("action") == "enable")
            else:
                raw = {k: form.get(k, "") for k in ("id", "name", "organization", "village",
                                                    "township", "phone", "specialties",
                                                    "intro", "schedule", "modes")}
                raw["featured"] = form.get("featured") == "1"
                roster.save(raw)
            flash("ok:save")
        except RosterError as exc:
            flash(_roster_error(exc))
        return redirect(url_for("console_bookings.mediators_page"))
    return _page("console/mediators.html", t=_texts(), mediators=roster.everyone())


# -- the published holiday schedule (admins) -------------------------------------------------------
@bp.get("/api/console/calendar")
@role_required("admin")
def api_calendar():
    year = request.args.get("year", type=int)
    return jsonify({"days": _ext("calendar").published.entries(year)})


@bp.post("/api/console/calendar")
@role_required("admin")
def api_save_calendar():
    body = _json()
    try:
        n = _ext("calendar").published.save(body.get("days") or [], user_id=current_user.id,
                                            remove=body.get("remove") or [])
    except ValueError as exc:
        return jsonify({"error": "bad_calendar", "message": tidy(
            _texts()["errors"]["bad_calendar"]).format(n=exc.args[0])}), 400
    return jsonify({"saved": n, "days": _ext("calendar").published.entries()})


@bp.route("/console/calendar", methods=["GET", "POST"])
@role_required("admin")
def calendar_page():
    published = _ext("calendar").published
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "remove":
                published.save([], user_id=current_user.id, remove=[form.get("day", "")])
            else:
                published.save([{"day": form.get("day", ""), "workday": form.get("workday") == "1",
                                 "note": form.get("note", "")}], user_id=current_user.id)
            flash("ok:save")
        except ValueError:
            flash(tidy(_texts()["errors"]["bad_calendar"]).format(n=1))
        return redirect(url_for("console_bookings.calendar_page"))
    return _page("console/calendar.html", days=published.entries())
