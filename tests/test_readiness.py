"""Readiness is more than answering HTTP (issue 19, item 5), with real processes: a Rasa server
whose model did not load answers ``/`` but is not called ready by the supervisor, and the web
app's ``/healthz`` says which part is not ready."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import requests

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def modelless(tmp_path):
    """Rasa started on an empty model folder (as after a failed load) and the web app, from the
    supervisor's own Stack; the action server is not started."""
    from knowledge import settings
    from web.supervisor import Stack, free_port

    empty = tmp_path / "no-model"
    empty.mkdir()
    s = Stack(host="127.0.0.1", web_port=free_port(), rasa_port=free_port(),
              actions_port=free_port(), data_dir=tmp_path / "data",
              echo=bool(os.environ.get("LEGALBOT_ECHO")),
              extra_env={"LEGALBOT_INDEX_DIR": str(settings.index_dir())})
    rasa, web = (next(p for p in s.procs if p.name == n) for n in ("rasa", "web"))
    rasa.cmd[rasa.cmd.index("--model") + 1] = str(empty)
    s.procs = [rasa, web]
    for p in s.procs:
        s._spawn(p)
    yield s, rasa, web
    s.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def test_rasa_without_a_model_is_not_ready_and_healthz_says_so(modelless):
    from web.supervisor import StartupError

    stack, rasa, web = modelless
    stack._wait_ready([web], timeout=120)  # the web app's own parts are fine
    # what the old check looked at: Rasa answers its root URL all the same
    deadline = time.monotonic() + 150
    while not _answers(rasa.url + "/") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _answers(rasa.url + "/")
    with pytest.raises(StartupError) as err:
        stack._wait_ready([rasa], timeout=5)
    assert "rasa not ready" in str(err.value) and "no_model" in str(err.value)
    r = requests.get(f"{stack.url}/healthz", timeout=30)
    assert r.status_code == 503
    body = r.json()
    assert body["checks"]["rasa"] is False and body["checks"]["database"] is True
    assert body["rasa_processes"] == {rasa.url: "no_model"}
    assert body["actions"] == "unreachable" and body["checks"]["actions"] is False
    # the supervisor sees it too, and would restart it after UNREADY_SECONDS
    assert stack.unready(after=0.0) is rasa


def test_a_wrong_actions_secret_is_not_ready(tmp_path):
    """An action server that answers /health but refuses the secret the stack holds."""
    from web.clients.actions import actions_state
    from web.supervisor import APP_PY, ROOT, free_port

    port = free_port()
    proc = subprocess.Popen([str(APP_PY), "-m", "bot.actions.server", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, "LEGALBOT_ACTIONS_TOKEN": "other"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while actions_state(url) != "ready" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert actions_state(url) == "ready"  # /health alone
        assert actions_state(url, "other") == "ready"
        assert actions_state(url, "mine") == "wrong_token"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # Sanic's worker with it
        proc.wait(timeout=15)
    assert actions_state(url, "other") == "unreachable"
