"""Citations checked against the statute store: the law is known and current, the article exists,
and its text contains the words the entry claims it says (``keywords``)."""
from __future__ import annotations

import re

from ..content.statutes import StatuteStore, citation_label, short_name
from .problems import Problem


def check_citation(store: StatuteStore, ref, path, line) -> list[Problem]:
    problems = []
    cit = store.check(ref.law, ref.article, ref.sub)
    label = citation_label(ref.law, ref.article, ref.sub)
    if not cit.known_law:
        problems.append(Problem(path, line, f"unknown law in citation: {label}"))
    elif cit.replaced_by:
        problems.append(Problem(path, line, f"{label}: repealed law, cite {cit.replaced_by} instead"))
    elif cit.law != ref.law:
        problems.append(Problem(path, line, f"{label}: write the full official name {cit.law}"))
    elif not cit.exists:
        if cit.law in store.md_laws or cit.law in store.db_laws:
            problems.append(Problem(path, line, f"{label}: no such current article"))
        else:
            problems.append(Problem(path, line, f"{label}: text not available to verify",
                                    "warning"))
    else:
        text = store.get(cit.law, ref.article, ref.sub).text
        for kw in ref.keywords:
            if kw not in text:
                problems.append(Problem(path, line, f"{label} does not say {kw!r}"))
    return problems


def repealed_law_named(text: str, store: StatuteStore) -> str | None:
    """The short name of a repealed national law that ``text`` names as if it were in force
    (依照婚姻法…, 《继承法》), or None. A name inside a current law's name (劳动合同法 holds
    合同法) or followed by 律/实施/规 is not a citation of the repealed law, and an answer that says
    the law was repealed or replaced (``repeal_markers`` in laws.yml) is fine."""
    if any(m in text for m in store.repeal_markers):
        return None
    current = [short_name(n) for n in store.db_laws if store.law_status(n) == "现行有效"]
    for full in store.repealed:
        name = short_name(full)
        if name == full:
            continue  # interpretations are never written without their full name
        for m in re.finditer(re.escape(name) + r"(?!律|实施|规)", text):
            inside = any(c != name and c.endswith(name)
                         and text[max(0, m.end() - len(c)):m.end()] == c for c in current)
            if not inside:
                return name
    return None
