"""``GET /healthz``: the state of each part; 200 only when the database, the index, every Rasa
process (with its model loaded) and the action server all answer."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from knowledge import settings
from retrieval.index import index_status

from ..clients.actions import READY, actions_base, actions_state

bp = Blueprint("health", __name__)


def _database_ok() -> bool:
    try:
        with current_app.extensions["db_engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return False


@bp.get("/healthz")
def healthz():
    rasa = current_app.extensions["rasa"].states()  # each Rasa process by its URL
    index = index_status(current_app.extensions["index_dir"])
    actions = actions_state(actions_base(settings.actions_url(current_app.config["SETTINGS"])))
    checks = {"database": _database_ok(), "index": index == "ok",
              "rasa": all(v == READY for v in rasa.values()), "actions": actions == READY}
    ok = all(checks.values())
    return jsonify({"status": "ok" if ok else "unavailable", "checks": checks,
                    "index": index, "actions": actions, "rasa_processes": rasa}), \
        200 if ok else 503
