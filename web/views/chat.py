"""Chat API (contract 2 of DESIGN.md)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from knowledge import settings

from ..security import limiter
from ..services.conversations import ChatError

bp = Blueprint("chat", __name__, url_prefix="/api")


def _service():
    return current_app.extensions["chat"]


@bp.errorhandler(ChatError)
def _chat_error(exc: ChatError):
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
    svc.authorize(conv_id, request.headers.get("X-Conversation-Token"))
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
    svc.retry_pending(conv_id)  # Rasa may be back: answer what was kept while it was down
    return jsonify({"messages": svc.history(conv_id, after=after)})
