"""Citations checked against the statute store: the law is known and current, the article exists,
and its text contains the words the entry claims it says (``keywords``).

A document of the statute supplement has no text here: it must be in force, the article must be
one the supplement lists, the keywords must be among what the supplement records for it, and the
claim that cites it (an FAQ answer, a rule's finding) must contain the article's ``terms``; such a
citation is then reported as checked by name only (a warning). An earlier version a supplement
document superseded, and a paragraph it repealed, are errors."""
from __future__ import annotations

import re

from ..content.statutes import StatuteStore, citation_label, short_name
from .problems import Problem


def check_citation(store: StatuteStore, ref, path, line, claim: str | None = None) -> list[Problem]:
    """Problems of one citation ``ref`` (law, article, sub, keywords) made at path:line.
    ``claim`` is the text that cites it; it is needed to check a supplement article's terms."""
    problems = []
    cit = store.check(ref.law, ref.article, ref.sub)
    label = citation_label(ref.law, ref.article, ref.sub)
    if not cit.known_law:
        problems.append(Problem(path, line, f"unknown law in citation: {label}"))
    elif cit.replaced_by:
        problems.append(Problem(path, line, f"{label}: repealed law, cite {cit.replaced_by} instead"))
    elif cit.superseded_by is not None:
        problems.append(Problem(path, line, f"{label}: an earlier version, superseded by "
                                            f"{cit.superseded_by.label}; cite the current one"))
    elif cit.supplement is not None:
        if cit.law != ref.law:
            problems.append(Problem(path, line, f"{label}: write the full official name {cit.law}"))
        problems.extend(_check_supplement(store, cit, ref, path, line, label, claim))
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
    if cit.known_law and not cit.replaced_by:
        problems.extend(_check_partial_repeal(store, cit.law, ref, path, line, label))
    return problems


def _check_supplement(store, cit, ref, path, line, label, claim) -> list[Problem]:
    doc = cit.supplement
    if doc.status != "现行有效":
        return [Problem(path, line, f"{label}: {doc.label} is marked {doc.status} in the statute "
                                    "supplement, not current")]
    if not doc.in_force(store.today):
        return [Problem(path, line, f"{label}: {doc.label} is not in force yet")]
    art = doc.articles.get(ref.article) if not ref.sub else None
    if art is None:
        return [Problem(path, line, _unlisted(store, doc, ref, label))]
    out = []
    recorded = art.gist + "".join(art.terms)
    for kw in ref.keywords:
        if kw not in recorded:
            out.append(Problem(path, line, f"{label}: the statute supplement does not record that "
                                           f"it says {kw!r} (its gist and terms)"))
    if claim is None:
        out.append(Problem(path, line, f"{label}: known only by name; the text citing it must be "
                                       "given to check the article's terms"))
        return out
    missing = [t for t in art.terms if t not in claim]
    if missing:
        out.append(Problem(path, line, f"{label}: the text citing it does not state "
                                       f"{', '.join(missing)} (terms of this article in the "
                                       "statute supplement)"))
    elif not out:
        out.append(Problem(path, line, f"{label}: checked by name only against the statute "
                                       f"supplement, {doc.label}; terms found: "
                                       f"{', '.join(art.terms)}", "warning"))
    return out


def _unlisted(store, doc, ref, label) -> str:
    """Why an article the supplement does not list is refused: it is of a superseded version
    (its number is in the old text, or the old text says what the citation claims), or unknown."""
    listed = ", ".join(str(n) for n in sorted(doc.articles)) or "none"
    for old in doc.supersedes:
        text = (store.superseded_article(old.markdown_title, ref.article, ref.sub)
                if old.markdown_title else None)
        says_it = text is not None and ref.keywords and all(k in text.text for k in ref.keywords)
        if says_it or (old.articles and ref.article <= old.articles) or text is not None:
            what = "says this in" if says_it else "is an article number of"
            return (f"{label}: not an article the statute supplement lists for the current version "
                    f"(listed: {listed}); it {what} the {old.version} text "
                    f"({old.document_number or 'number not recorded'}), which is superseded by "
                    f"{doc.label}")
    return (f"{label}: unknown article of {doc.label}: the statute supplement lists only "
            f"articles {listed}; add it there with its terms after reading the official text")


def _check_partial_repeal(store, law, ref, path, line, label) -> list[Problem]:
    """A citation whose keywords are words of a paragraph repealed by a supplement document."""
    out = []
    for rep, doc in store.supplement.repeals_of(law, ref.article):
        if not doc.in_force(store.today):
            continue
        hit = [kw for kw in ref.keywords if any(kw in t or t in kw for t in rep.terms)]
        if hit:
            out.append(Problem(path, line, f"{label}: paragraph {rep.paragraph} (which says "
                                           f"{hit[0]!r}) was repealed by article {rep.by_article} "
                                           f"of {doc.label}"))
    return out


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
