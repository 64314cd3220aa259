"""Knowledge gaps: the residents' questions the robot was not sure about (its answer carried no
``faq_id``: the "not sure" tier) or sent out of scope (domain ``other``), read from the bot
answers' ``messages.meta`` and the resident message each answers (``reply_to``).

Questions are grouped by kind, domain and topic (of each question's TF-IDF keywords, the one
most questions of its kind and domain share); each group has its count, the count since an admin marked it, the last time seen and up
to three examples with personal numbers masked. An admin marks a group as covered by an FAQ or as
out of scope on purpose (``gap_marks``); ``months`` shows the unmarked questions per month, so
the gap can be seen closing.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from functools import lru_cache

from sqlalchemy import select

from knowledge.privacy import mask_personal

from ..db import session_scope
from ..models import Message, utcnow
from ..models_ledger import GapMark
from .ledger import LedgerError
from .workdays import iso

KINDS = ("not_sure", "out_of_scope")
_PUNCT = re.compile(r"[\s，。！？、；：,.!?;:（）()\"“”'‘’]+")


@lru_cache(maxsize=4096)
def keywords(question: str) -> tuple[str, ...]:
    """The question's three leading keywords (TF-IDF), or its first characters."""
    import jieba.analyse

    tags = jieba.analyse.extract_tags(question, topK=3)
    return tuple(tags) or (_PUNCT.sub("", question)[:6],)


def topics(questions: list[tuple[str, str]]) -> list[str]:
    """Each question's topic: of its keywords, the one most questions of the same kind and domain
    share (``questions`` are ``(scope, text)`` pairs), so that 电动车被偷了怎么办 and
    电动车被偷了保险赔不赔 fall under 电动车."""
    shared: dict = defaultdict(int)
    for scope, text in questions:
        for k in set(keywords(text)):
            shared[scope, k] += 1
    return [max(keywords(text), key=lambda k: shared[scope, k]) for scope, text in questions]


def classify(meta: dict | None) -> str | None:
    """``not_sure`` / ``out_of_scope`` for a bot answer's metadata; None for a sure answer."""
    if not isinstance(meta, dict) or "faq_id" not in meta:
        return None
    if meta.get("domain") == "other":
        return "out_of_scope"
    return "not_sure" if not meta.get("faq_id") else None


class Gaps:
    def __init__(self, sessions, *, faq_ids: set[str]):
        self.sessions = sessions
        self.faq_ids = faq_ids

    def groups(self, *, since: dt.datetime | None = None, limit: int = 5000) -> dict:
        with self.sessions() as s:
            q = select(Message.id, Message.reply_to, Message.meta, Message.created_at).where(
                Message.sender == "bot", Message.meta.is_not(None))
            if since is not None:
                q = q.where(Message.created_at >= since)
            rows = s.execute(q.order_by(Message.id.desc()).limit(limit * 4)).all()
            answers = [(r, m, at, kind) for _, r, m, at in rows
                       if (kind := classify(m)) and r is not None][:limit]
            ids = [r for r, *_ in answers]
            questions = {}
            for i in range(0, len(ids), 500):
                questions.update({mid: text for mid, text in s.execute(
                    select(Message.id, Message.text).where(
                        Message.id.in_(ids[i:i + 500]), Message.sender == "resident"))})
            marks = {m.key: m for m in s.scalars(select(GapMark))}
        groups: dict = {}
        months: dict = defaultdict(int)
        asked = [(reply_to, meta, at, kind, (questions.get(reply_to) or "").strip()[:500])
                 for reply_to, meta, at, kind in answers]
        asked = [a for a in asked if a[4]]
        names = topics([(f"{a[3]}:{a[1].get('domain') or 'other'}", a[4]) for a in asked])
        for (reply_to, meta, at, kind, text), name in zip(asked, names):
            domain = meta.get("domain") or "other"
            key = f"{kind}:{domain}:{name}"[:80]
            g = groups.setdefault(key, {"key": key, "kind": kind, "domain": domain,
                                        "topic": key.split(":", 2)[2], "count": 0,
                                        "since_marked": 0, "last_seen": None, "examples": [],
                                        "mark": None})
            g["count"] += 1
            mark = marks.get(key)
            if mark is not None and at >= mark.marked_at:
                g["since_marked"] += 1
            if mark is None:
                months[iso(at)[:7]] += 1
            if g["last_seen"] is None or iso(at) > g["last_seen"]:
                g["last_seen"] = iso(at)
            example = mask_personal(" ".join(text.split()))[:120]
            if len(g["examples"]) < 3 and example not in g["examples"]:
                g["examples"].append(example)
        for key, g in groups.items():
            mark = marks.get(key)
            if mark is not None:
                g["mark"] = {"decision": mark.decision, "faq_id": mark.faq_id,
                             "at": iso(mark.marked_at)}
        items = sorted(groups.values(), key=lambda g: (g["mark"] is not None, -g["count"],
                                                        g["key"]))
        return {"groups": items,
                "totals": {"questions": sum(g["count"] for g in items),
                           "open_groups": sum(1 for g in items if g["mark"] is None),
                           "open_questions": sum(g["count"] for g in items if g["mark"] is None)},
                "months": dict(sorted(months.items()))}

    def mark(self, user, body: dict) -> dict:
        """An admin's decision on a group: ``{"key", "decision": "covered", "faq_id"}`` or
        ``{"key", "decision": "out_of_scope"}``; ``{"key", "decision": null}`` takes it back."""
        key, decision, faq_id = body.get("key"), body.get("decision"), body.get("faq_id")
        if not isinstance(key, str) or not 0 < len(key) <= 80 or \
                key.split(":", 1)[0] not in KINDS:
            raise LedgerError(400, "bad_gap")
        if decision not in ("covered", "out_of_scope", None):
            raise LedgerError(400, "bad_gap")
        if decision == "covered" and (not isinstance(faq_id, str) or faq_id not in self.faq_ids):
            raise LedgerError(400, "unknown_faq", faq_id=str(faq_id)[:60])
        with session_scope(self.sessions) as s:
            row = s.get(GapMark, key)
            if decision is None:
                if row is not None:
                    s.delete(row)
                return {"key": key, "mark": None}
            row = row or GapMark(key=key, decision=decision)
            row.decision, row.faq_id = decision, faq_id if decision == "covered" else None
            row.marked_by, row.marked_at = user.id, utcnow()
            s.add(row)
            return {"key": key, "mark": {"decision": row.decision, "faq_id": row.faq_id,
                                         "at": iso(row.marked_at)}}
