"""`legalbot up` reports start-up problems in one clear line and exits non-zero."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from web.supervisor import Stack, StartupError, free_port


@pytest.fixture
def busy_port():
    """A loopback port some other program is listening on."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    yield busy.getsockname()[1]
    busy.close()


def test_port_in_use_is_one_clear_line(tmp_path, busy_port):
    stack = Stack(host="127.0.0.1", web_port=busy_port, rasa_port=free_port(),
                  actions_port=free_port(), data_dir=tmp_path, echo=False)
    with pytest.raises(StartupError) as err:
        stack.start(timeout=5)
    msg = str(err.value)
    assert f"port {busy_port}" in msg and "LEGALBOT_WEB_PORT" in msg and "\n" not in msg


def test_cli_up_exits_non_zero_with_one_line_when_a_port_is_taken(tmp_path, busy_port):
    port = busy_port
    p = subprocess.run([sys.executable, "-m", "web.cli", "up"], capture_output=True, text=True,
                       timeout=60, env={"PATH": "/usr/bin:/bin", "LEGALBOT_RASA_PORT": str(port),
                                        "LEGALBOT_WEB_PORT": str(free_port()),
                                        "LEGALBOT_ACTIONS_PORT": str(free_port()),
                                        "LEGALBOT_DATA_DIR": str(tmp_path)})
    assert p.returncode == 1
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("legalbot:")]
    assert len(lines) == 1 and f"port {port}" in lines[0]


def test_start_up_output_is_quiet_but_errors_and_personal_data_are_handled(tmp_path, capsys):
    """A library's deprecation warning (and the lines under it) and jieba's cache lines are not
    echoed; errors are; a phone number is masked everywhere; every line is kept for the
    one-line failure message."""
    from web.supervisor import Proc

    script = "\n".join([
        "import sys",
        "print('/x/rasa/tracker_store.py:1044: MovedIn20Warning: Deprecated API features')",
        "print('  Base: DeclarativeMeta = declarative_base()')",
        "print('Implementing implicit namespace packages is preferred')",
        "print('Building prefix dict from the default dictionary ...')",
        "print('2026-12-05 19:18:44 ERROR rasa.core - could not reach 13812345678')",
    ])
    stack = Stack(host="127.0.0.1", web_port=free_port(), rasa_port=free_port(),
                  actions_port=free_port(), data_dir=tmp_path, echo=True)
    proc = Proc("rasa", [sys.executable, "-c", script], "http://127.0.0.1:1/")
    proc.popen = subprocess.Popen(proc.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    stack._pump(proc)
    shown = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert shown == ["rasa    | 2026-12-05 19:18:44 ERROR rasa.core - could not reach 138****5678"]
    assert len(proc.lines) == 5 and "13812345678" not in "\n".join(proc.lines)


@pytest.mark.integration
@pytest.mark.slow
def test_cli_up_starts_quietly_on_a_site_without_statute_texts(tmp_path):
    """A fresh site (LEGALBOT_STATUTES_DIRS an empty folder, as without ../shared): `legalbot up`
    starts, prints only its own lines, is healthy, and stops cleanly on Ctrl-C."""
    import os
    import signal
    import time

    import requests

    from knowledge import settings
    from web.supervisor import ROOT, model_dir

    if not (model_dir() / "legalbot.tar.gz").exists():
        pytest.fail("no trained Rasa model: run `make test`")
    (tmp_path / "statutes").mkdir()
    web = free_port()
    env = {**os.environ, "LEGALBOT_STATUTES_DIRS": str(tmp_path / "statutes"),
           "LEGALBOT_DATA_DIR": str(tmp_path / "data"), "LEGALBOT_WEB_PORT": str(web),
           "LEGALBOT_RASA_PORT": str(free_port()), "LEGALBOT_ACTIONS_PORT": str(free_port()),
           "LEGALBOT_INDEX_DIR": str(settings.index_dir()), "LEGALBOT_STARTUP_TIMEOUT": "300"}
    (tmp_path / "data" / "models").mkdir(parents=True)
    (tmp_path / "data" / "models" / "legalbot.tar.gz").symlink_to(model_dir() / "legalbot.tar.gz")
    p = subprocess.Popen([sys.executable, "-m", "web.cli", "up"], env=env, text=True, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    try:
        deadline = time.monotonic() + 360
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if "ready: open" in line:
                break
        assert any("ready: open" in ln for ln in lines), "\n".join(lines[-20:])
        assert requests.get(f"http://127.0.0.1:{web}/healthz", timeout=30).status_code == 200
    finally:
        p.send_signal(signal.SIGINT)
        rest, _ = p.communicate(timeout=120)
    lines += [ln for ln in rest.splitlines() if ln.strip()]
    assert p.returncode == 0
    assert all(ln.startswith("legalbot:") for ln in lines), "\n".join(lines)
