"""Sentences residents read, kept as content: ``knowledge/texts/<section>.yml``.

Each file is one section (``dialogue``, ``menus``, ``chat``, ``parse``, ``analysis``, ...), a
mapping of keys to text, lists or nested mappings. A mapping with ``text`` and a list of ``citations`` is a
legal statement: ``legalbot check`` resolves its citations like an FAQ answer's, and
:meth:`Texts.cited` shows it with the citation labels appended.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .faq import CitationRef, parse_citation
from .loader import LINE_KEY, KnowledgeError, load_yaml, strip_lines, tidy
from .statutes import citation_label


@dataclass(frozen=True)
class Statement:
    """A sentence that states the law, with the citations that say it."""
    text: str
    citations: tuple[CitationRef, ...]

    @property
    def labels(self) -> str:
        return "、".join(citation_label(c.law, c.article, c.sub) for c in self.citations)


class Texts:
    """All text sections, loaded once; ``texts["dialogue"]["start"]`` or ``texts.say(...)``."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self._raw: dict[str, dict] = {}
        for path in sorted(self.root.glob("*.yml")):
            data = load_yaml(path)
            if not isinstance(data, dict):
                raise KnowledgeError(path, 1, "a text file must be a mapping of keys to texts")
            self._raw[path.stem] = data
        self._plain = {k: strip_lines(v) for k, v in self._raw.items()}

    def __getitem__(self, section: str) -> dict:
        return self._plain[section]

    def sections(self) -> list[str]:
        return sorted(self._plain)

    def _node(self, path: str):
        section, _, rest = path.partition(".")
        node = self._plain[section]
        for part in rest.split(".") if rest else []:
            node = node[part]
        return node

    def say(self, path: str, *, as_written: bool = False, **values) -> str:
        """The text at ``section.key[.key]`` (for a legal statement, its ``text``) with
        ``{name}`` filled from ``values``; tidied (YAML folding undone) unless ``as_written``,
        which keeps the spaces formulas set around their figures."""
        node = self._node(path)
        text = str(node["text"] if isinstance(node, dict) else node)
        text = text if as_written else tidy(text)
        return text.format(**values) if values else text

    def statement(self, path: str, **values) -> Statement:
        node = self._node(path)
        cits = tuple(parse_citation(c, self.root / f"{path.split('.')[0]}.yml", None)
                     for c in node.get("citations") or [])
        text = tidy(str(node["text"]))
        return Statement(text.format(**values) if values else text, cits)

    def cited(self, path: str, **values) -> str:
        """A legal statement followed by its citation labels: "……（《民法典》第188条）"."""
        s = self.statement(path, **values)
        return f"{s.text}（{s.labels}）" if s.citations else s.text

    def statements(self):
        """(file, line, key path, citation refs, text) of every legal statement, for the
        validator."""
        for section, data in self._raw.items():
            path = self.root / f"{section}.yml"
            yield from _walk(data, section, path)


def _walk(node, prefix: str, path: Path):
    if isinstance(node, dict):
        if isinstance(node.get("citations"), list):
            line = node.get(LINE_KEY)
            if "text" not in node or not node["citations"]:
                raise KnowledgeError(path, line, f"{prefix}: a statement needs text and at least "
                                                 "one citation")
            yield str(path), line, prefix, [parse_citation(c, path, line)
                                            for c in node["citations"]], str(node["text"])
        for k, v in node.items():
            if k not in (LINE_KEY, "citations"):
                yield from _walk(v, f"{prefix}.{k}", path)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{prefix}[{i}]", path)
