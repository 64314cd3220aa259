"""``GET /healthz``: 200 only when the database, the index and Rasa all answer."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from retrieval.index import index_status

bp = Blueprint("health", __name__)


def _database_ok() -> bool:
    try:
        with current_app.extensions["db_engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return False


def _index_ok() -> bool:
    return index_status(current_app.extensions["index_dir"]) == "ok"


@bp.get("/healthz")
def healthz():
    rasa = current_app.extensions["rasa"].states()  # each Rasa process by its URL
    checks = {"database": _database_ok(), "index": _index_ok(), "rasa": all(rasa.values())}
    ok = all(checks.values())
    return jsonify({"status": "ok" if ok else "unavailable", "checks": checks,
                    "rasa_processes": rasa}), 200 if ok else 503
