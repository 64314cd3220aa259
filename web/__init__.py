"""Flask app factory: ``create_app(config=None)``.

``config`` may hold Flask keys (``TESTING``) and setting names from :mod:`knowledge.settings`
(``DATABASE_URL``, ``RASA_URL``, ...); anything not given comes from the environment.
"""
from __future__ import annotations

import secrets

from flask import Flask, jsonify

from knowledge import settings
from knowledge.content.library import get_knowledge

from .clients.rasa import RasaClient
from .db import make_engine, make_sessionmaker, migrate
from .security import init_security
from .services.conversations import ChatService
from .views import chat, health, pages, reports


def _secret_key(overrides: dict) -> str:
    key = settings.get("SECRET_KEY", overrides)
    if key:
        return key
    path = settings.data_dir(overrides) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: dict | None = None) -> Flask:
    overrides = dict(config or {})
    app = Flask(__name__)
    app.config["TESTING"] = bool(overrides.get("TESTING", False))
    app.config["SECRET_KEY"] = _secret_key(overrides)
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.config["SETTINGS"] = overrides

    settings.data_dir(overrides).mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url(overrides))
    migrate(engine)
    sessions = make_sessionmaker(engine)
    rasa = RasaClient(settings.rasa_url(overrides),
                      timeout=float(settings.get("RASA_TIMEOUT", overrides)))
    app.extensions["db_engine"] = engine
    app.extensions["db"] = sessions
    app.extensions["rasa"] = rasa
    knowledge = get_knowledge(settings.statutes_dirs(overrides))
    app.extensions["knowledge"] = knowledge
    errors = knowledge.texts["chat"]["errors"]
    app.extensions["chat"] = ChatService(
        sessions, rasa, texts=knowledge.texts["chat"],
        max_chars=int(settings.get("MAX_MESSAGE_CHARS", overrides)),
        rate_per_minute=int(settings.get("RATE_LIMIT", overrides)))
    app.extensions["index_dir"] = settings.index_dir(overrides)

    init_security(app, overrides, errors)
    for view in (reports, chat, health, pages):
        app.register_blueprint(view.bp)

    def _error(code: str, status: int):
        return jsonify({"error": code, "message": errors[code if code != "not_found"
                                                         else "page_not_found"]}), status

    app.register_error_handler(404, lambda _: _error("not_found", 404))
    app.register_error_handler(405, lambda _: _error("method_not_allowed", 405))
    app.register_error_handler(500, lambda _: _error("server_error", 500))
    return app


__all__ = ["create_app"]
