"""bot/rasa_server.py: Rasa's command line with its action-response check done by a validator
built once, and a pooled SQLite tracker store in WAL mode. Run in Rasa's own Python."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = r'''
import json, sqlite3, sys, tempfile
from jsonschema import ValidationError, validate
from bot import rasa_server
rasa_server.install()
rasa_server.install()  # twice is harmless
from rasa.core.actions.action import RemoteAction
from rasa.core import tracker_store
spec = RemoteAction.action_response_format_spec()
act = RemoteAction.__new__(RemoteAction)
cases = [{"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]},
         {"events": "bad"}, {"events": [{"event": "no_such_event"}]}, {"responses": [{"text": 3}]},
         {}]
out = []
for c in cases:
    try:
        validate(c, spec); want = None
    except ValidationError as e:
        want = e.message
    try:
        got = act._validate_action_result(c) and None
    except ValidationError as e:
        got = e.message
    out.append([want, got])
db = tempfile.mkdtemp() + "/t.db"
store = tracker_store.SQLTrackerStore(dialect="sqlite", db=db)
with store.engine.connect() as conn:
    mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
print(json.dumps({"cases": out, "pool": type(store.engine.pool).__name__, "mode": mode}))
'''


@pytest.mark.skipif(not RASA_PY.exists(), reason="Rasa's virtualenv is not installed")
def test_action_answers_are_checked_as_rasa_checks_them_and_the_tracker_store_is_pooled():
    import json

    run = subprocess.run([str(RASA_PY), "-c", SCRIPT], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "3",
                                                      "PYTHONWARNINGS": "ignore"})
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["cases"][0] == [None, None]
    assert result["cases"][1][0] is not None  # the hostile ones include a refused answer
    for want, got in result["cases"]:
        # the same verdict as jsonschema.validate, the same error with Rasa's hint appended
        assert (want is None) == (got is None)
        assert want is None or got.startswith(want)
    assert result["pool"] == "QueuePool" and result["mode"] == "wal"


def test_each_conversation_always_goes_to_the_same_rasa_process_and_all_are_used():
    from web.clients.rasa import RasaClient

    client = RasaClient("http://127.0.0.1:5005, http://127.0.0.1:5006/")
    assert client.base_urls == ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]
    senders = [f"conv-{i}" for i in range(200)]
    first = {s: client.url_for(s) for s in senders}
    again = RasaClient("http://127.0.0.1:5005,http://127.0.0.1:5006")  # another web process
    assert all(again.url_for(s) == url for s, url in first.items())
    share = sum(url.endswith("5005") for url in first.values()) / len(senders)
    assert 0.35 < share < 0.65
    assert RasaClient("http://127.0.0.1:5005").url_for("x") == "http://127.0.0.1:5005"
