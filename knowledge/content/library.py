"""The knowledge object: statute store, FAQ, case types, standards and texts, each loaded once
per process on first use and reached through :func:`get_knowledge` (web app, action server,
command line alike)."""
from __future__ import annotations

import functools
import threading
from pathlib import Path

from .cases import CaseType, load_case_types
from .faq import FAQ, load_faqs
from .standards import load_standards
from .statutes import StatuteStore
from .texts import Texts

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent


class Knowledge:
    """Everything the robot knows. Parts are built lazily and then shared between threads."""

    def __init__(self, root: Path | str = KNOWLEDGE_DIR, *, statutes_dirs=()):
        self.root = Path(root)
        self.statutes_dirs = tuple(Path(d) for d in statutes_dirs)
        self._lock = threading.RLock()
        self._parts: dict[str, object] = {}

    def _part(self, name: str, build):
        with self._lock:
            if name not in self._parts:
                self._parts[name] = build()
            return self._parts[name]

    @property
    def statutes(self) -> StatuteStore:
        return self._part("statutes", lambda: StatuteStore(
            markdown_dirs=list(self.statutes_dirs), laws_file=self.root / "laws.yml"))

    @property
    def faqs(self) -> list[FAQ]:
        return self._part("faqs", lambda: load_faqs(self.root / "faqs"))

    @property
    def case_types(self) -> dict[str, CaseType]:
        return self._part("case_types", lambda: load_case_types(self.root / "cases"))

    @property
    def standards(self) -> dict:
        return self._part("standards", lambda: load_standards(self.root / "standards"))

    @property
    def texts(self) -> Texts:
        return self._part("texts", lambda: Texts(self.root / "texts"))


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _cached(root: str, statutes_dirs: tuple[str, ...]) -> Knowledge:
    return Knowledge(root, statutes_dirs=statutes_dirs)


def get_knowledge(statutes_dirs=None, root: Path | str = KNOWLEDGE_DIR) -> Knowledge:
    """The process's knowledge object for this configuration (statute folders from the
    settings unless given)."""
    if statutes_dirs is None:
        from .. import settings

        statutes_dirs = settings.statutes_dirs()
    with _LOCK:
        return _cached(str(root), tuple(str(d) for d in statutes_dirs))
