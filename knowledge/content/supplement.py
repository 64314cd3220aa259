"""The statute supplement (``knowledge/statutes_supplement.yml``): national regulations and judicial
interpretations in force that neither ``laws.db`` nor the statute folder holds, described by hand
from their official publication.

Their texts are not available here, so a citation of one is checked by name and article only: the
document must be current and in force, the article must be one the supplement lists, and the claim
that cites it must state the article's ``terms``. A supplement document may supersede an earlier
version (whose text the statute folder may still hold) and may repeal a paragraph of another
document; citing either is an error.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .loader import LINE_KEY, KnowledgeError, load_yaml, tidy

CURRENT = "现行有效"
# fields that may be left null when the fact could not be verified, each then with notes.<field>
NULLABLE = ("document_number", "adopted", "published", "source")
DOC_KEYS = {"name", "short", "kind", "issuer", "document_number", "adopted", "published",
            "effective", "status", "source", "supersedes", "repeals", "articles", "notes", LINE_KEY}
VERSION_KEYS = {"name", "version", "issuer", "document_number", "effective", "articles",
                "markdown_title", "note", LINE_KEY}
ARTICLE_KEYS = {"gist", "terms", "note", LINE_KEY}
REPEAL_KEYS = {"law", "article", "paragraph", "by_article", "terms", "note", LINE_KEY}


@dataclass(frozen=True)
class SupplementArticle:
    number: int
    gist: str  # what the article provides, in the project's words (reviewers read it; not shown)
    terms: tuple[str, ...]  # words the claim citing the article must contain
    line: int | None = None


@dataclass(frozen=True)
class SupersededVersion:
    """An earlier version the document replaced (its text may still be in the statute folder)."""
    name: str  # how a citation of the old version is written, e.g. 婚姻登记条例（2003年）
    version: str
    document_number: str | None
    effective: dt.date | None
    articles: int | None  # how many articles the old text had, when known
    markdown_title: str | None  # title of the old text in the statute folder (never current)
    note: str = ""


@dataclass(frozen=True)
class PartialRepeal:
    """A paragraph of another document that this document repealed."""
    law: str
    article: int
    paragraph: int
    by_article: int
    terms: tuple[str, ...]  # words of the repealed paragraph: a citation claiming them is an error
    note: str = ""


@dataclass(frozen=True)
class SupplementDocument:
    name: str
    short: str | None
    kind: str
    issuer: str
    document_number: str | None
    adopted: dt.date | None
    published: dt.date | None
    effective: dt.date
    status: str
    source: str | None
    articles: dict[int, SupplementArticle]
    supersedes: tuple[SupersededVersion, ...] = ()
    repeals: tuple[PartialRepeal, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    def in_force(self, on: dt.date) -> bool:
        return self.status == CURRENT and self.effective <= on

    @property
    def label(self) -> str:
        """How check messages name it: 劳动争议解释（二） (法释〔2025〕12号, in force 2025-09-01)."""
        number = self.document_number or "document number not recorded"
        return f"{self.short or self.name} ({number}, in force {self.effective.isoformat()})"


@dataclass
class Supplement:
    documents: dict[str, SupplementDocument] = field(default_factory=dict)
    reviewed: dt.date | None = None
    path: str = ""

    @property
    def superseded(self) -> dict[str, tuple[SupersededVersion, SupplementDocument]]:
        """Names of earlier versions -> (that version, the document that replaced it)."""
        return {v.name: (v, d) for d in self.documents.values() for v in d.supersedes}

    def by_markdown_title(self, title: str) -> SupplementDocument | None:
        return next((d for d in self.documents.values() if d.name == title
                     or any(v.markdown_title == title for v in d.supersedes)), None)

    def repeals_of(self, law: str, article: int) -> list[tuple[PartialRepeal, SupplementDocument]]:
        return [(r, d) for d in self.documents.values() for r in d.repeals
                if r.law == law and r.article == article]


def _date(raw, path, line, what, nullable=False) -> dt.date | None:
    if raw is None and nullable:
        return None
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    raise KnowledgeError(path, line, f"{what} must be a date (YYYY-MM-DD)"
                         + (" or null" if nullable else "") + f", got {raw!r}")


def _text(raw, path, line, what, nullable=False) -> str | None:
    """Chinese text, whitespace left by YAML folding removed."""
    if raw is None and nullable:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise KnowledgeError(path, line, f"{what} must be text, got {raw!r}")
    return tidy(raw)


def _note(raw, path, line) -> str:
    """A reviewer's note (often English): whitespace collapsed, nothing else."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise KnowledgeError(path, line, f"a note must be text, got {raw!r}")
    return " ".join(raw.split())


def _terms(raw, path, line, what) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) and t for t in raw):
        raise KnowledgeError(path, line, f"{what}: terms must be a non-empty list of words")
    return tuple(raw)


def _positive(raw, path, line, what) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
        raise KnowledgeError(path, line, f"{what} must be a positive integer, got {raw!r}")
    return raw


def _version(raw, path, line, doc) -> SupersededVersion:
    if not isinstance(raw, dict) or "name" not in raw or "version" not in raw:
        raise KnowledgeError(path, line, f"{doc}: each superseded version needs name and version")
    line = raw.get(LINE_KEY, line)
    if set(raw) - VERSION_KEYS:
        raise KnowledgeError(path, line, f"{doc}: unknown keys {sorted(set(raw) - VERSION_KEYS)}")
    number = _text(raw.get("document_number"), path, line, "document_number", nullable=True)
    effective = _date(raw.get("effective"), path, line, "effective", nullable=True)
    note = _note(raw.get("note"), path, line)
    if (number is None or effective is None) and not note:
        raise KnowledgeError(path, line, f"{doc}: a superseded version with a null field needs a "
                                         "note saying why")
    count = raw.get("articles")
    return SupersededVersion(
        name=_text(raw["name"], path, line, "name"), version=str(raw["version"]),
        document_number=number, effective=effective,
        articles=None if count is None else _positive(count, path, line, "articles"),
        markdown_title=_text(raw.get("markdown_title"), path, line, "markdown_title", nullable=True),
        note=note)


def _repeal(raw, path, line, doc) -> PartialRepeal:
    if not isinstance(raw, dict) or not {"law", "article", "paragraph", "by_article", "terms"} <= set(raw):
        raise KnowledgeError(path, line, f"{doc}: a repeal needs law, article, paragraph, "
                                         "by_article and terms")
    line = raw.get(LINE_KEY, line)
    if set(raw) - REPEAL_KEYS:
        raise KnowledgeError(path, line, f"{doc}: unknown keys {sorted(set(raw) - REPEAL_KEYS)}")
    return PartialRepeal(
        law=_text(raw["law"], path, line, "law"),
        article=_positive(raw["article"], path, line, "article"),
        paragraph=_positive(raw["paragraph"], path, line, "paragraph"),
        by_article=_positive(raw["by_article"], path, line, "by_article"),
        terms=_terms(raw["terms"], path, line, "repeal"),
        note=_note(raw.get("note"), path, line))


def parse_document(raw, path: Path) -> SupplementDocument:
    if not isinstance(raw, dict) or "name" not in raw:
        raise KnowledgeError(path, None, "each document must be a mapping with a name")
    line = raw.get(LINE_KEY)
    name = _text(raw["name"], path, line, "name")
    missing = [k for k in ("issuer", "effective", "status", "articles") if k not in raw]
    missing += [k for k in NULLABLE if k not in raw]  # a null is allowed, a missing field is not
    if missing:
        raise KnowledgeError(path, line, f"{name}: missing {', '.join(missing)}")
    if set(raw) - DOC_KEYS:
        raise KnowledgeError(path, line, f"{name}: unknown keys {sorted(set(raw) - DOC_KEYS)}")
    raw_notes = raw.get("notes") or {}
    if not isinstance(raw_notes, dict):
        raise KnowledgeError(path, line, f"{name}: notes must map field names to text")
    notes = {k: _note(v, path, line) for k, v in raw_notes.items() if k != LINE_KEY}
    for key in NULLABLE:
        if raw.get(key) is None and not notes.get(key):
            raise KnowledgeError(path, line, f"{name}: {key} is null; say why in notes.{key}")
    status = _text(raw["status"], path, line, "status")
    source = _text(raw.get("source"), path, line, "source", nullable=True)
    if source is not None and not source.startswith("https://"):
        raise KnowledgeError(path, line, f"{name}: source must be an https:// address")
    articles: dict[int, SupplementArticle] = {}
    raw_articles = raw["articles"]
    if not isinstance(raw_articles, dict):
        raise KnowledgeError(path, line, f"{name}: articles must map article numbers to terms")
    for num, art in raw_articles.items():
        if num == LINE_KEY:
            continue
        num = _positive(num, path, line, f"{name}: article number")
        if not isinstance(art, dict) or "terms" not in art or "gist" not in art:
            raise KnowledgeError(path, line, f"{name} article {num}: needs gist and terms")
        aline = art.get(LINE_KEY, line)
        if set(art) - ARTICLE_KEYS:
            raise KnowledgeError(path, aline, f"{name} article {num}: unknown keys "
                                              f"{sorted(set(art) - ARTICLE_KEYS)}")
        articles[num] = SupplementArticle(num, _text(art["gist"], path, aline, "gist"),
                                          _terms(art["terms"], path, aline, f"{name} article {num}"),
                                          aline)
    return SupplementDocument(
        name=name, short=_text(raw.get("short"), path, line, "short", nullable=True),
        kind=_text(raw.get("kind", "司法解释"), path, line, "kind"),
        issuer=_text(raw["issuer"], path, line, "issuer"),
        document_number=_text(raw["document_number"], path, line, "document_number", nullable=True),
        adopted=_date(raw["adopted"], path, line, "adopted", nullable=True),
        published=_date(raw["published"], path, line, "published", nullable=True),
        effective=_date(raw["effective"], path, line, "effective"),
        status=status, source=source, articles=articles,
        supersedes=tuple(_version(v, path, line, name) for v in raw.get("supersedes") or ()),
        repeals=tuple(_repeal(r, path, line, name) for r in raw.get("repeals") or ()),
        notes=notes, line=line)


def load_supplement(path: Path | str) -> Supplement:
    """The supplement at ``path`` (an empty one when the file does not exist);
    KnowledgeError when it is malformed."""
    path = Path(path)
    if not path.exists():
        return Supplement(path=str(path))
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise KnowledgeError(path, 1, "the statute supplement must be a mapping with a list of "
                                      "documents")
    out = Supplement(path=str(path),
                     reviewed=_date(data.get("reviewed"), path, data.get(LINE_KEY), "reviewed",
                                    nullable=True))
    for raw in data["documents"]:
        doc = parse_document(raw, path)
        if doc.name in out.documents:
            raise KnowledgeError(path, doc.line, f"{doc.name}: listed twice")
        out.documents[doc.name] = doc
    return out
