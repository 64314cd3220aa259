"""Flask app factory: ``create_app(config=None)``.

``config`` may hold Flask keys (``TESTING``) and setting names from :mod:`web.settings`
(``DATABASE_URL``, ``RASA_URL``, ...); anything not given comes from the environment.
"""
from __future__ import annotations

import secrets

from flask import Flask, jsonify

from . import settings
from .conversations import ChatService
from .db import make_engine, make_sessionmaker, migrate
from .rasa_client import RasaClient


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
    app.extensions["chat"] = ChatService(
        sessions, rasa, max_chars=int(settings.get("MAX_MESSAGE_CHARS", overrides)),
        rate_per_minute=int(settings.get("RATE_LIMIT", overrides)))
    app.extensions["index_dir"] = settings.index_dir(overrides)

    import functools

    @functools.lru_cache(maxsize=1)
    def statutes():
        from knowledge.statutes import StatuteStore

        return StatuteStore(markdown_dirs=settings.statutes_dirs(overrides))

    @functools.lru_cache(maxsize=1)
    def case_types():
        from knowledge.cases import load_case_types

        return load_case_types(settings.ROOT / "knowledge" / "cases")

    app.extensions["statutes"] = statutes
    app.extensions["case_types"] = case_types

    from . import chat, health, pages, reports
    app.register_blueprint(reports.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)

    @app.errorhandler(404)
    def _not_found(_):
        return jsonify({"error": "not_found", "message": "没有这个地址。"}), 404

    @app.errorhandler(405)
    def _bad_method(_):
        return jsonify({"error": "method_not_allowed", "message": "不支持这种请求方式。"}), 405

    @app.errorhandler(500)
    def _server_error(_):
        return jsonify({"error": "server_error", "message": "服务出错了，请稍后再试或拨打12348。"}), 500

    return app


__all__ = ["create_app"]
