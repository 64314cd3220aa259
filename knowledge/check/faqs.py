"""FAQ entries checked against the content rules of the design: schema, unique ids, citations
that resolve to a current article (and contain the keywords the entry claims), no repealed law
named as if in force, answer length and ending, enough phrasings, and no phrasing shared
(nearly) by two entries.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from ..content import faq as faq_mod
from ..content.loader import KnowledgeError
from ..content.statutes import StatuteStore
from .citations import check_citation, repealed_law_named
from .problems import Problem

NEXT_STEP_MARKERS = (
    "12348", "12333", "12338", "110", "122", "仲裁", "法院", "派出所", "交警", "民政", "司法所",
    "调解", "监察", "人社", "社保", "法律援助", "律师", "公证", "妇联", "居委会", "村委会",
    "拨打", "前往", "到", "申请", "起诉", "带上", "携带", "保留", "咨询", "报警", "投诉", "登记",
)
_PUNCT = re.compile(r"[\s，。！？、；：,.!?;:~～…“”\"'（）()【】\[\]《》]+")


def normalize(text: str) -> str:
    return _PUNCT.sub("", text).lower()


def _bigrams(text: str) -> set[str]:
    t = normalize(text)
    return {t[i:i + 2] for i in range(len(t) - 1)} or {t}


def check_faqs(root: Path, store: StatuteStore, case_ids: set[str] | None = None
               ) -> tuple[list[faq_mod.FAQ], list[Problem]]:
    problems: list[Problem] = []
    entries: list[faq_mod.FAQ] = []
    for path in faq_mod.faq_files(root):
        try:
            loaded = faq_mod.load_file(path)
        except KnowledgeError as exc:
            problems.append(Problem(exc.path, exc.line, exc.message))
            continue
        if path.parent.name not in faq_mod.DOMAINS:
            problems.append(Problem(str(path), 1, f"folder {path.parent.name} is not a domain"))
        for e in loaded:
            problems.extend(check_entry(e, path.parent.name, store, case_ids))
        entries.extend(loaded)
    seen: dict[str, faq_mod.FAQ] = {}
    for e in entries:
        if e.id in seen:
            problems.append(Problem(e.path, e.line, f"duplicate id {e.id} "
                                    f"(also {seen[e.id].path}:{seen[e.id].line})"))
        seen.setdefault(e.id, e)
    problems.extend(near_duplicates(entries))
    return entries, problems


def check_entry(e: faq_mod.FAQ, folder: str, store: StatuteStore, case_ids) -> list[Problem]:
    out: list[Problem] = []
    p, ln = e.path, e.line
    if not faq_mod.ID_RE.match(e.id):
        out.append(Problem(p, ln, f"id {e.id!r}: use lowercase words joined by dots, e.g. labor.wages.unpaid"))
    if e.domain != folder:
        out.append(Problem(p, ln, f"{e.id}: domain {e.domain!r} but file is under {folder}/"))
    n = len(e.answer)
    if not faq_mod.ANSWER_MIN <= n <= faq_mod.ANSWER_MAX:
        out.append(Problem(p, ln, f"{e.id}: answer is {n} characters, must be "
                                  f"{faq_mod.ANSWER_MIN}-{faq_mod.ANSWER_MAX}"))
    tail = re.split(r"(?<=[。！？])", e.answer.rstrip("。！？ "))[-1]
    if not any(m in tail for m in NEXT_STEP_MARKERS):
        out.append(Problem(p, ln, f"{e.id}: the answer must end with what to do next and where"))
    repealed = repealed_law_named(e.answer, store)
    if repealed:
        out.append(Problem(p, ln, f"{e.id}: answer names repealed law {repealed} as if in force"))
    qs = {normalize(q) for q in e.questions}
    if len(qs) < faq_mod.MIN_QUESTIONS:
        out.append(Problem(p, ln, f"{e.id}: {len(qs)} distinct phrasings, need at least "
                                  f"{faq_mod.MIN_QUESTIONS}"))
    for ref in e.citations:
        out.extend(check_citation(store, ref, p, ln, claim=e.answer))
    if e.case_type and case_ids is not None and e.case_type not in case_ids:
        out.append(Problem(p, ln, f"{e.id}: unknown case_type {e.case_type}"))
    return out


def near_duplicates(entries: list[faq_mod.FAQ], threshold: float = 0.85) -> list[Problem]:
    """Phrasings of two different entries that are (nearly) the same question."""
    grams: list[tuple[int, set[str]]] = []
    index: dict[str, list[int]] = defaultdict(list)
    owners: list[faq_mod.FAQ] = []
    texts: list[str] = []
    for e in entries:
        for q in e.questions:
            i = len(owners)
            owners.append(e)
            texts.append(q)
            g = _bigrams(q)
            grams.append((i, g))
            for b in g:
                index[b].append(i)
    problems: list[Problem] = []
    reported = set()
    for i, g in grams:
        shared = Counter(j for b in g for j in index[b] if j > i)
        for j, inter in shared.items():
            a, b = owners[i], owners[j]
            if a.id == b.id:
                continue
            union = len(g) + len(grams[j][1]) - inter
            if union and inter / union >= threshold and (a.id, b.id) not in reported:
                reported.add((a.id, b.id))
                problems.append(Problem(a.path, a.line, f"{a.id}: phrasing {texts[i]!r} nearly "
                                        f"duplicates {b.id}'s {texts[j]!r}"))
    return problems
