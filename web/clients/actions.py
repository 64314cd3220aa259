"""Is the action server there? Rasa calls it (``LEGALBOT_ACTIONS_URL``); the web app and the
supervisor only ask after its health."""
from __future__ import annotations

import requests

READY, WRONG_TOKEN, UNREACHABLE = "ready", "wrong_token", "unreachable"
# an action every consultation needs: its absence means the actions package did not load
PROBE_ACTION = "action_answer_question"


def actions_base(webhook_url: str) -> str:
    """``http://host:5055/webhook`` -> ``http://host:5055``."""
    url = webhook_url.rstrip("/")
    return url[: -len("/webhook")] if url.endswith("/webhook") else url


def actions_state(base_url: str, token: str | None = None, *, timeout: float = 3.0) -> str:
    """READY when ``/health`` answers; with ``token``, the list of actions (behind the shared
    secret) must also answer and hold :data:`PROBE_ACTION`, so a server started with another
    secret, or without the actions, is not called ready (WRONG_TOKEN)."""
    try:
        if requests.get(f"{base_url}/health", timeout=timeout).status_code != 200:
            return UNREACHABLE
        if token is None:
            return READY
        resp = requests.get(f"{base_url}/actions", params={"token": token}, timeout=timeout)
        names = {a.get("name") for a in resp.json() or [] if isinstance(a, dict)} \
            if resp.status_code == 200 else set()
    except requests.RequestException:
        return UNREACHABLE
    except (ValueError, AttributeError, TypeError):
        return WRONG_TOKEN
    return READY if PROBE_ACTION in names else WRONG_TOKEN
