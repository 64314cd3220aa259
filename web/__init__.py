"""Flask app factory: ``create_app(config=None)``.

``config`` may hold Flask keys (``TESTING``) and setting names from :mod:`knowledge.settings`
(``DATABASE_URL``, ``RASA_URL``, ...); anything not given comes from the environment.
"""
from __future__ import annotations

from flask import Flask, jsonify

from knowledge import settings
from knowledge.content.library import get_knowledge
from knowledge.privacy import install_log_masking

from .clients.rasa import RasaClient
from .db import make_engine, make_sessionmaker, migrate, startup_lock
from .security import init_security
from .services.booking_console import BookingConsole
from .services.booking_setup import build_bookings
from .services.console import build_console
from .services.conversations import ChatService
from .services.wechat_setup import build_binding, build_wechat
from .services.ledger_setup import build_ledger
from .views import (chat, console, console_bookings, health, ledger, mediators, pages, reports,
                    wechat)


def _secret_key(overrides: dict) -> str:
    return settings.get("SECRET_KEY", overrides) or settings.secret("secret_key", overrides)


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
    # one process at a time migrates and loads first-start data (web processes start together)
    with startup_lock(engine):
        migrate(engine)
        sessions = make_sessionmaker(engine)
        rasa = RasaClient(settings.rasa_url(overrides),
                          timeout=float(settings.get("RASA_TIMEOUT", overrides)),
                          token=settings.secret("rasa_token", overrides))
        app.extensions["db_engine"] = engine
        app.extensions["db"] = sessions
        app.extensions["rasa"] = rasa
        knowledge = get_knowledge(settings.statutes_dirs(overrides))
        app.extensions["knowledge"] = knowledge
        errors = knowledge.texts["chat"]["errors"]
        desk, app.extensions["console"], app.extensions["accounts"] = build_console(
            sessions, rasa, knowledge, overrides)
        app.extensions["desk"] = desk
        app.extensions["chat"] = ChatService(
            sessions, rasa, texts=knowledge.texts["chat"],
            max_chars=int(settings.get("MAX_MESSAGE_CHARS", overrides)),
            rate_per_minute=int(settings.get("RATE_LIMIT", overrides)), desk=desk)
        app.extensions["calendar"] = desk.calendar  # the one working-day calendar
        app.extensions["roster"], app.extensions["bookings"] = build_bookings(
            sessions, desk.calendar, knowledge, overrides)
        app.extensions["chat"].offers = app.extensions["bookings"].offer
        app.extensions["booking_console"] = BookingConsole(app.extensions["bookings"])
        app.extensions["index_dir"] = settings.index_dir(overrides)
        # the 公众号 (README, "WeChat"); None until its settings are given: /wechat answers 404
        wechat_service = build_wechat(sessions, app.extensions["chat"], knowledge, overrides,
                                      binding=build_binding(sessions, knowledge, overrides,
                                                            app.config["SECRET_KEY"]))
        app.extensions["wechat"] = wechat_service
        # "在微信继续": a web conversation's short code, only while the 公众号 is connected
        app.extensions["binding"] = wechat_service.binding if wechat_service else None

        # the dispute ledger, its documents, statistics and knowledge gaps (README, "Dispute
        # ledger")
        app.extensions.update(build_ledger(sessions, knowledge, overrides, desk.calendar))

    install_log_masking()
    init_security(app, overrides, errors)
    console.init_app(app, overrides)  # console sessions (Flask-Login), CSRF (Flask-WTF)
    ledger.init_app(app)
    for view in (reports, chat, health, pages, console, ledger, wechat, mediators,
                 console_bookings):
        app.register_blueprint(view.bp)

    def _error(code: str, status: int):
        return jsonify({"error": code, "message": errors[code if code != "not_found"
                                                         else "page_not_found"]}), status

    app.register_error_handler(404, lambda _: _error("not_found", 404))
    app.register_error_handler(405, lambda _: _error("method_not_allowed", 405))
    app.register_error_handler(500, lambda _: _error("server_error", 500))
    return app


__all__ = ["create_app"]
