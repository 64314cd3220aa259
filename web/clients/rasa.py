"""The web app's only way to talk to Rasa: its REST channel, its HTTP API (with the token) for
health (``/status``: is a model loaded?) and to append events such as ``resume`` when a person
hands a conversation back to the robot."""
from __future__ import annotations

import zlib

import requests


class RasaUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer."""


# what rasa_state() says of one Rasa process
READY, NO_MODEL, UNREACHABLE = "ready", "no_model", "unreachable"
PROBE_TEXT = "你好"


def rasa_state(url: str, token: str | None, *, timeout: float = 3.0, parse: bool = False,
               http=requests) -> str:
    """READY only when the process answers ``/status`` with a loaded model (a Rasa whose model
    failed to load still answers ``/`` and every turn fails); with ``parse``, a probe text must
    also go through its NLU graph and come back with an intent. NO_MODEL when it answers without
    a usable model; UNREACHABLE when it does not answer within ``timeout``."""
    params = {"token": token} if token else None
    try:
        resp = http.get(f"{url}/status", params=params, timeout=timeout)
        if resp.status_code != 200 or not (resp.json() or {}).get("model_file"):
            return NO_MODEL
        if parse:
            resp = http.post(f"{url}/model/parse", params=params, json={"text": PROBE_TEXT},
                             timeout=timeout)
            if resp.status_code != 200 or not ((resp.json() or {}).get("intent") or {}).get("name"):
                return NO_MODEL
    except requests.RequestException:
        return UNREACHABLE
    except (ValueError, AttributeError):  # an answer that is not Rasa's JSON
        return NO_MODEL
    return READY


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
        """Every Rasa process answers with its model loaded."""
        return all(v == READY for v in self.states().values())

    def states(self) -> dict[str, str]:
        """Each Rasa process by its URL: READY, NO_MODEL or UNREACHABLE (:func:`rasa_state`)."""
        return {url: rasa_state(url, self.token, http=self._http) for url in self.base_urls}

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
