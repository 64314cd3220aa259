"""The web app's only way to talk to Rasa: its REST channel, its root URL for health, and its
HTTP API (with the token) to append events such as ``resume`` when a person hands a
conversation back to the robot."""
from __future__ import annotations

import requests


class RasaUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer."""


class RasaClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token  # Rasa's HTTP API token (`rasa run --auth-token`)
        self._http = requests.Session()

    def send(self, sender: str, message: str) -> list[dict]:
        """Send one resident message (text or /payload); return Rasa's replies."""
        try:
            resp = self._http.post(f"{self.base_url}/webhooks/rest/webhook",
                                   json={"sender": sender, "message": message},
                                   timeout=self.timeout)
        except requests.RequestException as exc:
            raise RasaUnavailable(f"Rasa unreachable: {exc.__class__.__name__}") from exc
        if resp.status_code != 200:
            raise RasaUnavailable(f"Rasa answered HTTP {resp.status_code}")
        try:
            replies = resp.json()
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered with something that is not JSON") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("Rasa answered with an unexpected shape")
        if not replies:
            # every turn of this bot says something; silence means an action failed
            raise RasaUnavailable("Rasa answered nothing (the action server may be down)")
        if any(isinstance(r, dict) and (r.get("custom") or {}).get("error") == "action_server"
               for r in replies):
            raise RasaUnavailable("the action server did not answer")
        return replies

    def ping(self) -> bool:
        try:
            return self._http.get(f"{self.base_url}/", timeout=3).status_code == 200
        except requests.RequestException:
            return False

    def append_events(self, sender: str, events: list[dict]) -> None:
        """Append events to a conversation's tracker, e.g. ``[{"event": "resume"}]`` after a
        mediator hands it back (the counterpart of the actions' ``ConversationPaused``)."""
        try:
            resp = self._http.post(f"{self.base_url}/conversations/{sender}/tracker/events",
                                   params={"token": self.token} if self.token else None,
                                   json=events, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RasaUnavailable(f"Rasa unreachable: {exc.__class__.__name__}") from exc
        if resp.status_code != 200:
            raise RasaUnavailable(f"Rasa's API answered HTTP {resp.status_code}")
