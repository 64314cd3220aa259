"""The action server: rasa_sdk's app for ``bot.actions``, listening on the configured interface
only, and refusing every call that does not carry the shared secret Rasa sends (the ``token``
query parameter of ``action_endpoint`` in bot/endpoints.yml). ``/health`` stays open: it tells
nothing. Started by the supervisor as ``python -m bot.actions.server``."""
from __future__ import annotations

import argparse
import hmac
import logging
import os
import warnings
from functools import partial
from pathlib import Path

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic
from sanic.response import json as json_response
from sanic.worker.loader import AppLoader

from knowledge.privacy import install_log_masking

OPEN_PATHS = ("/health",)
ENDPOINTS = Path(__file__).resolve().parent.parent / "endpoints.yml"


def build_app(token: str):
    """The rasa_sdk app for bot.actions with the secret checked before every request."""
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    # bot/endpoints.yml has no tracing section: rasa_sdk finds none, instead of complaining that
    # ./endpoints.yml does not exist
    app = create_app_for_serve(executor, cors_origins=None, endpoints=str(ENDPOINTS))

    @app.on_request
    async def _require_secret(request):
        if request.path in OPEN_PATHS:
            return None
        given = request.args.get("token") or request.headers.get("X-Actions-Token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return json_response({"error": "forbidden"}, status=403)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="the Rasa action server of legalbot")
    parser.add_argument("--host", default=os.environ.get("LEGALBOT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # rasa_sdk 3.21 (the app's Python 3.11) talks to Rasa 3.6 (Python 3.10): the action protocol,
    # JSON over HTTP, is the same, and the integration tests run every action through it; the
    # version check's warning says nothing more, so it is not shown
    warnings.filterwarnings("ignore", message=".*versions of rasa and rasa_sdk.*")
    install_log_masking()  # no phone, ID or bank-card number in the actions' log
    token = os.environ.get("LEGALBOT_ACTIONS_TOKEN", "")
    if not token:
        raise SystemExit("legalbot: LEGALBOT_ACTIONS_TOKEN is not set; the action server "
                         "refuses to start without a shared secret")
    loader = AppLoader(factory=partial(build_app, token))
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=1, motd=False, access_log=False)
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
