"""The mediator board and bookings (contract 5): the board's API and page, photos and avatars,
booking, the manage link (view, reschedule, cancel), the .ics file and the application PDF."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, jsonify, render_template, request,
                   send_file)

from ..services.application import render_pdf
from ..services.bookings import BookingError
from ..services.mediators import SPECIALTIES, avatar_svg
from . import json_object

bp = Blueprint("mediators", __name__, template_folder="../templates")


def _bookings():
    return current_app.extensions["bookings"]


def _roster():
    return current_app.extensions["roster"]


def _texts() -> dict:
    return current_app.extensions["knowledge"].texts["booking"]


@bp.errorhandler(BookingError)
def _refused(exc: BookingError):
    return jsonify(exc.body()), exc.status


def _body():
    body = json_object()
    if body is None:
        raise _bookings().error(400, "bad_request")
    return body


def _token() -> str | None:
    return request.headers.get("X-Booking-Token") or request.args.get("token")


def _private(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


# -- the board -------------------------------------------------------------------------------------
@bp.get("/api/mediators")
def api_mediators():
    args = request.args
    specialty, prefer = args.get("specialty") or None, args.get("prefer") or None
    if specialty not in (None, *SPECIALTIES) or prefer not in (None, *SPECIALTIES):
        raise _bookings().error(400, "bad_filter")
    township = (args.get("township") or "").strip()[:40] or None
    prefer_township = (args.get("prefer_township") or "").strip()[:40] or None
    cards = _roster().board(specialty=specialty, township=township,
                            prefer_specialty=prefer,
                            prefer_township=prefer_township)
    return jsonify({"mediators": cards, "townships": _roster().townships()})


@bp.get("/api/mediators/<mediator_id>/slots")
def api_slots(mediator_id: str):
    slots = _bookings().slots(mediator_id, request.args.get("from"), request.args.get("days"))
    return jsonify({"slots": slots})


@bp.get("/mediators")
def board_page():
    t = _texts()
    return render_template("mediators/board.html", t=t, consent=t["consent"],
                           sample=_roster().has_sample())


@bp.get("/mediators/<mediator_id>/avatar.svg")
def avatar(mediator_id: str):
    m = _roster().get(mediator_id, full=True)
    if m is None:
        abort(404)
    resp = Response(avatar_svg(m["id"], m["name"]), mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@bp.get("/mediators/photos/<name>")
def photo(name: str):
    path = _roster().photo_path(name)
    if path is None:
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", max_age=86400)
    return resp


# -- bookings --------------------------------------------------------------------------------------
@bp.post("/api/bookings")
def api_book():
    out = _bookings().book(_body(), request.headers.get("Idempotency-Key"))
    return _private(jsonify(out)), 201


@bp.get("/api/bookings/<int:booking_id>")
def api_booking(booking_id: int):
    return _private(jsonify(_bookings().get(booking_id, _token())))


@bp.post("/api/bookings/<int:booking_id>/cancel")
def api_cancel(booking_id: int):
    return _private(jsonify(_bookings().cancel(booking_id, _token())))


@bp.post("/api/bookings/<int:booking_id>/reschedule")
def api_reschedule(booking_id: int):
    return _private(jsonify(_bookings().reschedule(booking_id, _token(), _body())))


@bp.get("/api/bookings/<int:booking_id>.ics")
def api_ics(booking_id: int):
    ics = _bookings().ics(booking_id, _token(), base=request.host_url.rstrip("/"))
    resp = Response(ics, mimetype="text/calendar")
    resp.headers["Content-Disposition"] = f'attachment; filename="mediation-{booking_id}.ics"'
    return _private(resp)


@bp.get("/api/bookings/<int:booking_id>/application.pdf")
def api_application(booking_id: int):
    b, view = _bookings().application(booking_id, _token())
    pdf = render_pdf(b.application, _texts(),
                     status=_texts()["statuses"].get(view["status"], ""))
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="application-{booking_id}.pdf"'
    return _private(resp)


@bp.get("/bookings/<int:booking_id>")
def manage_page(booking_id: int):
    """The manage page; the token stays in the URL's fragment and is sent by the page's script."""
    return _private(Response(render_template("mediators/booking.html", t=_texts(),
                                             booking_id=booking_id)))

