"""The web app's only way to talk to Rasa: its REST channel, its root URL for health, and its
HTTP API (with the token) to append events such as ``resume`` when a person hands a
conversation back to the robot."""
from __future__ import annotations

import zlib

import requests


class RasaUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer."""


class RasaClient:
    """``base_url`` may list several Rasa processes, comma-separated (they share the tracker
    store). A conversation always goes to the same one (by a hash of its id), so each process's
    own lock store keeps its turns in order and no two processes ever work on one tracker."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, token: str | None = None):
        self.base_urls = [u.strip().rstrip("/") for u in base_url.split(",") if u.strip()]
        self.base_url = self.base_urls[0]
        self.timeout = timeout
        self.token = token  # Rasa's HTTP API token (`rasa run --auth-token`)
        self._http = requests.Session()

    def send(self, sender: str, message: str, *, msg_id: int | None = None) -> list[dict]:
        """Send one resident message (text or /payload); return Rasa's replies. ``msg_id`` is
        kept in the tracker with the message (metadata), so :meth:`replies_to` can find it."""
        body = {"sender": sender, "message": message}
        if msg_id is not None:
            body["metadata"] = {"msg_id": msg_id}
        resp = self._request("POST", sender, "/webhooks/rest/webhook", json=body)
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

    def _request(self, method: str, sender: str, path: str, *, api: bool = False, **kwargs):
        """One call to the Rasa process that serves ``sender``; its HTTP API (``api``) gets the token. Unreachable, or any answer
        but 200 -> RasaUnavailable."""
        if api and self.token:
            kwargs["params"] = {"token": self.token}
        try:
            resp = self._http.request(method, f"{self.url_for(sender)}{path}", timeout=self.timeout,
                                      **kwargs)
        except requests.RequestException as exc:
            raise RasaUnavailable(f"Rasa unreachable: {exc.__class__.__name__}") from exc
        if resp.status_code != 200:
            who = "Rasa's API" if api else "Rasa"
            raise RasaUnavailable(f"{who} answered HTTP {resp.status_code}")
        return resp

    def url_for(self, sender: str) -> str:
        return self.base_urls[zlib.crc32(sender.encode()) % len(self.base_urls)]

    def ping(self) -> bool:
        """Every Rasa process answers."""
        return all(v for v in self.states().values())

    def states(self) -> dict[str, bool]:
        out = {}
        for url in self.base_urls:
            try:
                out[url] = self._http.get(f"{url}/", timeout=3).status_code == 200
            except requests.RequestException:
                out[url] = False
        return out

    def replies_to(self, sender: str, msg_id: int) -> list[dict] | None:
        """What Rasa said after it heard message ``msg_id`` (as :meth:`send` returns it), or None
        when it never heard it. Used when a web process died between sending a message and
        storing the replies: the message is not sent a second time."""
        resp = self._request("GET", sender, f"/conversations/{sender}/tracker", api=True)
        try:
            events = resp.json().get("events") or []
        except (ValueError, AttributeError) as exc:
            raise RasaUnavailable("Rasa's tracker is not JSON") from exc
        heard = [i for i, e in enumerate(events) if e.get("event") == "user"
                 and (e.get("metadata") or {}).get("msg_id") == msg_id]
        if not heard:
            return None
        replies = []
        for e in events[heard[-1] + 1:]:
            if e.get("event") == "user":
                break
            if e.get("event") == "bot":
                data = e.get("data") or {}
                reply = {"text": e.get("text")}
                for key in ("buttons", "custom"):
                    if data.get(key):
                        reply[key] = data[key]
                replies.append(reply)
        return replies

    def append_events(self, sender: str, events: list[dict]) -> None:
        """Append events to a conversation's tracker, e.g. ``[{"event": "resume"}]`` after a
        mediator hands it back (the counterpart of the actions' ``ConversationPaused``)."""
        self._request("POST", sender, f"/conversations/{sender}/tracker/events", api=True,
                      json=events)
