"""FAQ entries: ``knowledge/faqs/<domain>/*.yml``, each file a list of entries."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .loader import LINE_KEY, KnowledgeError, load_yaml, tidy

DOMAINS = ("marriage", "traffic", "labor")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
ANSWER_MIN, ANSWER_MAX = 150, 500
MIN_QUESTIONS = 4
REQUIRED = ("id", "domain", "topic", "questions", "answer", "citations")
ALLOWED = set(REQUIRED) | {"case_type", "escalate", LINE_KEY}


@dataclass(frozen=True)
class CitationRef:
    law: str
    article: int
    sub: int = 0
    keywords: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        out = {"law": self.law, "article": self.article}
        if self.sub:
            out["sub"] = self.sub
        return out


@dataclass
class FAQ:
    id: str
    domain: str
    topic: str
    questions: list[str]
    answer: str
    citations: list[CitationRef]
    case_type: str | None = None
    escalate: bool = False
    path: str = ""
    line: int | None = None
    extra: dict = field(default_factory=dict)


def parse_citation(raw, path, line) -> CitationRef:
    if not isinstance(raw, dict) or "law" not in raw or "article" not in raw:
        raise KnowledgeError(path, line, "a citation needs 'law' and 'article'")
    line = raw.get(LINE_KEY, line)
    art = raw["article"]
    if not isinstance(art, int) or isinstance(art, bool) or art <= 0:
        raise KnowledgeError(path, line, f"citation article must be a positive integer, got {art!r}")
    kws = raw.get("keywords") or []
    if not isinstance(kws, list) or not all(isinstance(k, str) and k for k in kws):
        raise KnowledgeError(path, line, "citation keywords must be a list of strings")
    sub = raw.get("sub", 0) or 0
    return CitationRef(str(raw["law"]).strip(), art, int(sub), tuple(kws))


def parse_entry(raw, path: Path) -> FAQ:
    if not isinstance(raw, dict):
        raise KnowledgeError(path, None, f"an entry must be a mapping, got {type(raw).__name__}")
    line = raw.get(LINE_KEY)
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise KnowledgeError(path, line, f"entry {raw.get('id', '?')}: missing {', '.join(missing)}")
    unknown = set(raw) - ALLOWED
    if unknown:
        raise KnowledgeError(path, line, f"entry {raw['id']}: unknown keys {sorted(unknown)}")
    qs = raw["questions"]
    if not isinstance(qs, list) or not all(isinstance(q, str) and q.strip() for q in qs):
        raise KnowledgeError(path, line, f"entry {raw['id']}: questions must be a list of strings")
    if not isinstance(raw["answer"], str):
        raise KnowledgeError(path, line, f"entry {raw['id']}: answer must be text")
    cits = raw["citations"]
    if not isinstance(cits, list) or not cits:
        raise KnowledgeError(path, line, f"entry {raw['id']}: at least one citation is required")
    return FAQ(
        id=str(raw["id"]), domain=str(raw["domain"]), topic=str(raw["topic"]),
        questions=[q.strip() for q in qs], answer=tidy(raw["answer"]),
        citations=[parse_citation(c, path, line) for c in cits],
        case_type=raw.get("case_type"), escalate=bool(raw.get("escalate", False)),
        path=str(path), line=line,
    )


def faq_files(root: Path | str) -> list[Path]:
    return sorted(Path(root).glob("*/*.yml"))


def load_file(path: Path) -> list[FAQ]:
    data = load_yaml(path)
    if data is None:
        return []
    if not isinstance(data, list):
        raise KnowledgeError(path, 1, "an FAQ file must be a YAML list of entries")
    return [parse_entry(raw, path) for raw in data]


def load_faqs(root: Path | str) -> list[FAQ]:
    out: list[FAQ] = []
    for path in faq_files(root):
        out.extend(load_file(path))
    return out
