"""`legalbot up` reports start-up problems in one clear line and exits non-zero."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from web.supervisor import Stack, StartupError, free_port


def test_port_in_use_is_one_clear_line(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        stack = Stack(host="127.0.0.1", web_port=port, rasa_port=free_port(),
                      actions_port=free_port(), data_dir=tmp_path, echo=False)
        with pytest.raises(StartupError) as err:
            stack.start(timeout=5)
        msg = str(err.value)
        assert f"port {port}" in msg and "LEGALBOT_WEB_PORT" in msg and "\n" not in msg
    finally:
        busy.close()


def test_cli_up_exits_non_zero_with_one_line_when_a_port_is_taken(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        p = subprocess.run([sys.executable, "-m", "web.cli", "up"], capture_output=True, text=True,
                           timeout=60, env={"PATH": "/usr/bin:/bin", "LEGALBOT_RASA_PORT": str(port),
                                            "LEGALBOT_WEB_PORT": str(free_port()),
                                            "LEGALBOT_ACTIONS_PORT": str(free_port()),
                                            "LEGALBOT_DATA_DIR": str(tmp_path)})
    finally:
        busy.close()
    assert p.returncode == 1
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("legalbot:")]
    assert len(lines) == 1 and f"port {port}" in lines[0]
