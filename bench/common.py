"""What every benchmark shares: the machine it ran on and where its JSON report goes."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import psutil

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{round(psutil.virtual_memory().total / 2**30)} GiB, Python {platform.python_version()}")


def write_report(name: str, report: dict) -> None:
    """bench/results/<name>.json (not committed), and the same on stdout."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    (RESULTS / f"{name}.json").write_text(text)
    print(text)
