"""HTTP views: each module reads the request, calls a service and renders its answer."""
from __future__ import annotations

from flask import request


def json_object() -> dict | None:
    """The request's JSON body when it is an object; None when it is missing, malformed, nested
    too deep, not UTF-8 or not an object (each caller answers 400 ``bad_request`` its own way)."""
    try:
        body = request.get_json(silent=True)
    except (RecursionError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None
