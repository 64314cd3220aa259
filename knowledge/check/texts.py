"""The texts residents read (``knowledge/texts/*.yml``) checked: each file loads, and every
legal statement in them (a mapping with ``text`` and ``citations``: deadline rules, calculator
notes, referral advice) cites current articles that contain its keywords."""
from __future__ import annotations

from pathlib import Path

from ..content.loader import KnowledgeError
from ..content.statutes import StatuteStore
from ..content.texts import Texts
from .citations import check_citation
from .problems import Problem


def check_texts(root: Path, store: StatuteStore) -> tuple[int, list[Problem]]:
    """(number of legal statements checked, problems)."""
    problems: list[Problem] = []
    try:
        texts = Texts(root)
        statements = list(texts.statements())
    except KnowledgeError as exc:
        return 0, [Problem(exc.path, exc.line, exc.message)]
    for path, line, key, refs, text in statements:
        for ref in refs:
            problems += [Problem(p.path, p.line, f"{key}: {p.message}", p.severity)
                         for p in check_citation(store, ref, path, line, claim=text)]
    return len(statements), problems
