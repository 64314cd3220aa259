"""The README documents every setting and the two set-up commands CI uses."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from knowledge.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def test_readme_documents_no_setting_that_does_not_exist():
    import re

    named = set(re.findall(r"`(LEGALBOT_[A-Z_]+)`", README))
    known = {s.env for s in SETTINGS} | {"LEGALBOT_ACTIONS_URL", "LEGALBOT_TRACKER_DB", "LEGALBOT_ACTIONS_TOKEN",
                                         "LEGALBOT_ECHO"}
    assert named <= known, f"README names unknown settings: {sorted(named - known)}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in README and "make test" in ci
    assert "make run" in README


@pytest.mark.parametrize("folder", ["no-such-folder", "empty-folder"])
def test_without_a_statute_folder_check_passes_with_a_counted_warning(tmp_path, folder):
    """A fresh machine without ../shared: `legalbot check` (and so `make run`) goes on, and says
    how many citations it could verify only by name and how to add the folder — also when
    LEGALBOT_STATUTES_DIRS names a folder that is there but holds no statute texts."""
    import subprocess
    import sys

    (tmp_path / "empty-folder").mkdir()
    env = {**os.environ, "LEGALBOT_STATUTES_DIRS": str(tmp_path / folder)}
    p = subprocess.run([sys.executable, "-m", "web.cli", "check"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:]
    summary, warning = p.stdout.splitlines()[-2:]
    assert " 0 errors" in summary
    count = int(re.search(r"warning: (\d+) citations", warning).group(1))
    assert count > 100 and "LEGALBOT_STATUTES_DIRS" in warning
