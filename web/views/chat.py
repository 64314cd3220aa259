"""Chat API (contract 2 of DESIGN.md)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from knowledge import settings

from ..security import limiter
from ..services.binding import BindError
from ..services.conversations import ChatError
from . import json_object

bp = Blueprint("chat", __name__, url_prefix="/api")


def _service():
    return current_app.extensions["chat"]


@bp.errorhandler(ChatError)
@bp.errorhandler(BindError)
def _chat_error(exc: ChatError | BindError):
    return jsonify({"error": exc.code, "message": exc.message}), exc.status


def _limit(name: str):
    return lambda: settings.get(name, current_app.config["SETTINGS"])


@bp.post("/conversations")
@limiter.limit(_limit("CONVERSATION_LIMIT"))
def create_conversation():
    conv_id, token = _service().create(channel="web")
    return jsonify({"conversation_id": conv_id, "token": token}), 201


@bp.post("/conversations/<conv_id>/messages")
@limiter.limit(_limit("IP_MESSAGE_LIMIT"))
def post_message(conv_id: str):
    svc = _service()
    svc.writable(svc.authorize(conv_id, request.headers.get("X-Conversation-Token")))
    text, payload = svc.validate(request.get_json(silent=True))
    return jsonify({"messages": svc.post(conv_id, text, payload)})


@bp.get("/conversations/<conv_id>/messages")
def get_messages(conv_id: str):
    svc = _service()
    svc.authorize(conv_id, request.headers.get("X-Conversation-Token"))
    try:
        after = int(request.args.get("after", 0))
    except ValueError:
        raise svc.error(400, "bad_after") from None
    if not 0 <= after < 2**62:
        raise svc.error(400, "bad_after")
    svc.retry_pending(conv_id)  # Rasa may be back: answer what was kept while it was down
    return jsonify({"messages": svc.history(conv_id, after=after)})


# -- the resident's side of a handoff (web/services/handoffs.py) ----------------------------------
@bp.get("/conversations/<conv_id>")
def conversation_status(conv_id: str):
    """``{"status", "reply_expected_by"?, "mediator"?: {"name"}}`` (contract 2)."""
    _service().authorize(conv_id, request.headers.get("X-Conversation-Token"))
    return jsonify(current_app.extensions["desk"].resident_status(conv_id))


@bp.post("/conversations/<conv_id>/handback")
@limiter.limit(_limit("IP_MESSAGE_LIMIT"))
def leave_the_wait(conv_id: str):
    """"回到机器人": the resident stops waiting for a person and the bot answers again."""
    svc, desk = _service(), current_app.extensions["desk"]
    svc.authorize(conv_id, request.headers.get("X-Conversation-Token"))
    desk.resident_leave(conv_id)
    svc.settle(conv_id)
    return jsonify(desk.resident_status(conv_id))


@bp.post("/conversations/<conv_id>/rating")
@limiter.limit(_limit("IP_MESSAGE_LIMIT"))
def rate_the_help(conv_id: str):
    """After a person's help ended: ``{"score": 1..5, "comment"?}`` -> 201."""
    svc, desk = _service(), current_app.extensions["desk"]
    svc.authorize(conv_id, request.headers.get("X-Conversation-Token"))
    body = json_object()
    if body is None:
        raise svc.error(400, "bad_request")
    desk.rate(conv_id, body.get("score"), body.get("comment"))
    return jsonify({"ok": True}), 201


# -- one case across channels (web/services/binding.py) ------------------------------------------
@bp.get("/widget")
def widget_options():
    """What the widget may offer: ``{"wechat": bool, "max_chars": int}`` (在微信继续 while the
    公众号 is connected; the longest message, for announcing a cut paste)."""
    return jsonify({"wechat": current_app.extensions.get("binding") is not None,
                    "max_chars": _service().max_chars})


@bp.post("/conversations/<conv_id>/wechat-code")
@limiter.limit(_limit("IP_MESSAGE_LIMIT"))
def wechat_code(conv_id: str):
    """A short code to continue this conversation on the 公众号: 201 ``{"code", "expires_at",
    "text"}``; 404 ``wechat_off`` while WeChat is not connected."""
    svc = _service()
    svc.authorize(conv_id, request.headers.get("X-Conversation-Token"))
    binding = current_app.extensions.get("binding")
    if binding is None:
        raise svc.error(404, "wechat_off")
    return jsonify(binding.issue(conv_id)), 201
