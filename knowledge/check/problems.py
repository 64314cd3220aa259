"""A problem the validator found, located at file:line."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Problem:
    path: str
    line: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line or '?'}: {self.severity}: {self.message}"
