"""Backup and restore (issue 19, item 5) with real processes: ``legalbot backup`` copies the
database of a running web server while residents keep writing; a second web server started on
the copy (the restore) serves every message that was acknowledged before the backup began, each
conversation as an unbroken prefix of what was sent (a consistent snapshot, nothing torn), and
takes new messages."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time

import requests

from web.supervisor import ROOT, start_web_only

SECRET = "backup-test-secret"  # both servers sign conversation tokens alike


def env_for(extra: dict | None = None) -> dict:
    from knowledge import settings

    return {"LEGALBOT_SECRET_KEY": SECRET, "LEGALBOT_INDEX_DIR": str(settings.index_dir()),
            "LEGALBOT_LIMITS_ENABLED": "0", "LEGALBOT_RATE_LIMIT": "100000", **(extra or {})}


class Writer(threading.Thread):
    """One resident sending numbered messages, one after the other, until stopped."""

    def __init__(self, base: str, stop: threading.Event):
        super().__init__(daemon=True)
        body = requests.post(f"{base}/api/conversations", timeout=30).json()
        self.base, self.stop = base, stop
        self.conv, self.h = body["conversation_id"], {"X-Conversation-Token": body["token"]}
        self.acked: list[tuple[float, int]] = []  # (time acknowledged, number)

    def run(self):
        i = 0
        while not self.stop.is_set():
            r = requests.post(f"{self.base}/api/conversations/{self.conv}/messages",
                              json={"text": f"第{i}条"}, headers=self.h, timeout=60)
            assert r.status_code == 200, r.text
            self.acked.append((time.monotonic(), i))
            i += 1

    def texts(self, base: str) -> list[str]:
        """The resident's messages as the server has them, page after page."""
        out, after = [], 0
        while True:
            r = requests.get(f"{base}/api/conversations/{self.conv}/messages?after={after}",
                             headers=self.h, timeout=30)
            assert r.status_code == 200, r.text
            page = r.json()["messages"]
            if not page:
                return out
            out += [m["text"] for m in page if m["from"] == "resident"]
            after = max(m["seq"] for m in page)


def test_backup_while_residents_write_then_the_app_runs_on_the_copy(tmp_path):
    live, copy = tmp_path / "live", tmp_path / "backups" / "copy.db"
    live.mkdir()
    (tmp_path / "restored").mkdir()
    server, base = start_web_only(live, extra_env=env_for())
    stop = threading.Event()
    try:
        writers = [Writer(base, stop) for _ in range(3)]
        for w in writers:
            w.start()
        time.sleep(2)
        began = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "web.cli", "backup", str(copy)], cwd=ROOT,
                             env={**os.environ, "LEGALBOT_DATA_DIR": str(live)},
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "backed up the app database" in out.stdout
        time.sleep(1)  # residents keep writing after the copy
        stop.set()
        for w in writers:
            w.join(timeout=60)
    finally:
        stop.set()
        server.terminate()
        server.wait(30)
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    assert sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    on_copy = env_for({"LEGALBOT_DATABASE_URL": f"sqlite:///{copy}"})
    restored, base2 = start_web_only(tmp_path / "restored", extra_env=on_copy)
    try:
        for w in writers:
            kept = w.texts(base2)
            before = max((i for t, i in w.acked if t < began), default=-1)
            assert kept == [f"第{i}条" for i in range(len(kept))]  # a prefix: nothing torn
            assert len(kept) > before >= 0  # everything acknowledged before the backup began
            assert len(kept) <= len(w.acked)  # and the copy was taken while they still wrote
        assert sum(len(w.acked) for w in writers) > sum(len(w.texts(base2)) for w in writers)
        r = requests.post(f"{base2}/api/conversations/{writers[0].conv}/messages",
                          json={"text": "恢复以后"}, headers=writers[0].h, timeout=60)
        assert r.status_code == 200 and writers[0].texts(base2)[-1] == "恢复以后"
    finally:
        restored.terminate()
        restored.wait(30)
