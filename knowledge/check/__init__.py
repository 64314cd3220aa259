"""``legalbot check``: the knowledge base is validated like code.

Each problem is a :class:`Problem` with the file and line it comes from: FAQ entries
(:mod:`.faqs`), case types (:mod:`.cases`), standards, and the legal statements in the texts
residents read (:mod:`.texts`) — every citation resolved the same way (:mod:`.citations`).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..content.loader import KnowledgeError
from ..content.standards import load_standards
from ..content.statutes import StatuteStore
from .cases import check_cases
from .faqs import check_faqs
from .problems import Problem
from .texts import check_texts


def check_standards(root: Path) -> list[Problem]:
    try:
        load_standards(root)
    except KnowledgeError as exc:
        return [Problem(exc.path, exc.line, exc.message)]
    return []


def check_supplement(store: StatuteStore) -> list[Problem]:
    """The statute supplement loads, and no document of it is shadowed by a newer folder text."""
    out = [Problem(e.path, e.line, e.message) for e in store.supplement_errors]
    for name, source in store.supplement_shadowed:
        out.append(Problem(store.supplement.path, None, f"{name}: the statute folder now holds a "
                           f"text of it ({source}); review the supplement entry against that text "
                           "and remove it if the text is current", "warning"))
    return out


def run_check(knowledge_dir: Path, store: StatuteStore) -> tuple[dict, list[Problem]]:
    """Validate the whole knowledge base. Returns (summary counts, problems)."""
    problems: list[Problem] = check_supplement(store)
    case_types, case_problems = check_cases(knowledge_dir / "cases", store)
    problems += case_problems
    entries, faq_problems = check_faqs(knowledge_dir / "faqs", store, set(case_types))
    problems += faq_problems
    problems += check_standards(knowledge_dir / "standards")
    statements, text_problems = check_texts(knowledge_dir / "texts", store)
    problems += text_problems
    per_domain = Counter(e.domain for e in entries)
    summary = {"faqs": len(entries), "per_domain": dict(per_domain), "case_types": len(case_types),
               "phrasings": sum(len(e.questions) for e in entries), "statements": statements}
    return summary, problems


__all__ = ["Problem", "run_check", "check_faqs", "check_cases", "check_texts", "check_standards",
           "check_supplement"]
