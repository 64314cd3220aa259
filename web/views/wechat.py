"""``/wechat``: WeChat's message push (contract 7 of DESIGN.md). Only translates HTTP and XML:
verification, parsing and answering are in :mod:`web.services.wechat_protocol` and
:mod:`web.services.wechat`. Answers 404 while WeChat is not configured."""
from __future__ import annotations

import time

from flask import Blueprint, Response, abort, current_app, jsonify, request

from ..services.wechat_protocol import MAX_BODY, Refused

bp = Blueprint("wechat", __name__)


def _service():
    svc = current_app.extensions.get("wechat")
    if svc is None:
        abort(404)
    return svc


@bp.before_app_request
def _start_sender():
    """The sender thread of this process (late answers, mediators' replies, retries) starts
    with its first request of any kind."""
    svc = current_app.extensions.get("wechat")
    if svc is not None:
        svc.start(request.url_root)


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    messages = current_app.extensions["knowledge"].texts["chat"]["errors"]
    text = messages["too_large"] if exc.status == 413 else messages["bad_request"]
    return jsonify({"error": exc.code, "message": text}), exc.status


@bp.errorhandler(TimeoutError)
def _busy(_):
    """The database too busy to open a conversation: WeChat retries, the push is kept once."""
    messages = current_app.extensions["knowledge"].texts["chat"]["errors"]
    resp = jsonify({"error": "busy", "message": messages["server_error"]})
    resp.status_code, resp.headers["Retry-After"] = 503, "5"
    return resp


def _body() -> bytes:
    """At most MAX_BODY + 1 bytes of the body: enough to know it is too large."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Refused(413, "too_large")
    return request.stream.read(MAX_BODY + 1)


@bp.get("/wechat")
def verify():
    return Response(_service().protocol.echo(request.args), mimetype="text/plain")


@bp.post("/wechat")
def push():
    started = time.monotonic()
    svc = _service()
    if not svc.protocol.signature_holds(request.args) and \
            request.args.get("encrypt_type", "").lower() != "aes":
        raise Refused(403, "bad_signature")  # forged: refused before the body is read
    body = _body()
    envelope, xml = svc.protocol.verify(request.args, body)
    svc.check_nonce(envelope, body)
    incoming = svc.protocol.parse(xml)
    content = svc.handle(incoming, started)
    if not content:
        return Response("success", mimetype="text/plain")
    return Response(svc.protocol.reply(incoming, content, envelope), mimetype="application/xml")
