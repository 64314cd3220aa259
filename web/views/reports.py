"""Report pages at unguessable URLs: ``/reports/<token>`` (HTML) and ``/reports/<token>.pdf``."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, url_for

from knowledge.analysis.report import render_html, render_pdf

from ..services.consultations import find_consultation

bp = Blueprint("reports", __name__)


def _load(token: str):
    if not (8 <= len(token) <= 64) or not token.replace("-", "").replace("_", "").isalnum():
        abort(404)
    c = find_consultation(current_app.extensions["db"], token)
    if c is None:
        abort(404)
    case = current_app.extensions["knowledge"].case_types.get(c.case_type)
    if case is None:
        abort(404)
    return c, case


@bp.get("/reports/<token>")
def report(token: str):
    c, case = _load(token)
    html = render_html(c.analysis, case, current_app.extensions["knowledge"].statutes,
                       pdf_url=url_for("reports.report_pdf", token=token),
                       board_url=url_for("mediators.board_page", prefer=case.domain))
    resp = Response(html, mimetype="text/html")
    resp.headers["X-Robots-Tag"] = "noindex"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/reports/<token>.pdf")
def report_pdf(token: str):
    c, case = _load(token)
    pdf = render_pdf(c.analysis, case, current_app.extensions["knowledge"].statutes)
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="legal-guide-{c.id}.pdf"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
