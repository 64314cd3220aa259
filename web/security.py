"""What stands between the outside and the app: per-client limits (Flask-Limiter), the client's
address (``X-Forwarded-For`` only from trusted proxies), security headers, CORS for the widget on
configured origins, and a request size limit. Wired in by :func:`init_security` from the app
factory; every refusal is the JSON error of the contracts (``{"error", "message"}``).
"""
from __future__ import annotations

import ipaddress

from flask import Flask, Request, Response, jsonify, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest

from knowledge import settings


def _trusted(overrides: dict) -> list:
    out = []
    for item in settings.get("TRUSTED_PROXIES", overrides).split(","):
        item = item.strip()
        if item:
            out.append(ipaddress.ip_network(item, strict=False))
    return out


def client_address() -> str:
    """The peer address, or the last untrusted address of ``X-Forwarded-For`` when the peer is a
    trusted proxy (contract preamble of DESIGN.md)."""
    from flask import current_app

    peer = request.remote_addr or "unknown"
    trusted = current_app.extensions.get("trusted_proxies") or []

    def is_trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in trusted)

    if not is_trusted(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            return hop
    return peer


limiter = Limiter(key_func=client_address, headers_enabled=True)


class SafeRequest(Request):
    """JSON that is nested too deeply or not UTF-8 is bad input like any other (400, or None
    with ``silent=True``), never a RecursionError that would end as a 500."""

    def get_json(self, force=False, silent=False, cache=True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except (RecursionError, UnicodeDecodeError):
            if silent:
                return None
            raise BadRequest("malformed JSON") from None


def init_security(app: Flask, overrides: dict, errors: dict) -> None:
    """Limits, headers, CORS and the body size limit for ``app``; ``errors`` are the texts of
    ``knowledge/texts/chat.yml``."""
    app.request_class = SafeRequest
    app.extensions["trusted_proxies"] = _trusted(overrides)
    app.config["MAX_CONTENT_LENGTH"] = int(settings.get("MAX_REQUEST_BYTES", overrides))
    app.config["RATELIMIT_STORAGE_URI"] = settings.get("LIMITS_STORAGE", overrides)
    app.config["RATELIMIT_ENABLED"] = settings.get("LIMITS_ENABLED", overrides) != "0"
    limiter.init_app(app)
    origins = {o.strip().rstrip("/") for o in settings.get("CORS_ORIGINS", overrides).split(",")
               if o.strip()}
    frame_ancestors = settings.get("FRAME_ANCESTORS", overrides) or "'self'"

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc):
        resp = jsonify({"error": "rate_limited", "message": " ".join(errors["rate_limited"].split())})
        resp.status_code = 429
        retry = getattr(exc, "retry_after", None)
        if not resp.headers.get("Retry-After"):
            resp.headers["Retry-After"] = str(int(retry) if retry else 60)
        return resp

    @app.errorhandler(OperationalError)
    def _database_busy(_):
        # SQLite waited its busy timeout (30 s) for another writer and gave up: try again later
        resp = jsonify({"error": "busy", "message": errors["busy"]})
        resp.status_code, resp.headers["Retry-After"] = 503, "5"
        return resp

    @app.errorhandler(413)
    def _too_large(_):
        return jsonify({"error": "too_large", "message": errors["too_large"]}), 413

    @app.after_request
    def _headers(resp: Response) -> Response:
        h = resp.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Content-Security-Policy",
                     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                     "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                     f"base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}")
        origin = request.headers.get("Origin", "").rstrip("/")
        if origin and origin in origins and (request.path.startswith("/api/conversations")
                                             or request.path == "/widget.js"):
            h["Access-Control-Allow-Origin"] = origin
            h["Vary"] = "Origin"
            h["Access-Control-Allow-Headers"] = "Content-Type, X-Conversation-Token"
            h["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            h["Access-Control-Max-Age"] = "600"
        return resp
