"""YAML loading that remembers line numbers, so the validator can point at the line at fault."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

LINE_KEY = "__line__"


class KnowledgeError(ValueError):
    """A content problem, located at file:line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{path}:{line or '?'}: {message}")


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def load_yaml(path: Path | str):
    """Parse a YAML file; every mapping gets ``__line__``. Malformed YAML -> KnowledgeError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(path, None, f"not UTF-8 text: {exc}") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise KnowledgeError(path, line, f"malformed YAML: {problem}") from exc


def strip_lines(obj):
    """A copy without the ``__line__`` bookkeeping keys."""
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k != LINE_KEY}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj


_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"


def tidy(text: str) -> str:
    """Collapse whitespace; drop the spaces YAML folding leaves between Chinese characters."""
    text = " ".join(str(text).split())
    return re.sub(rf"(?<=[{_CJK}]) (?=[{_CJK}])|(?<=[{_CJK}]) (?=\w)|(?<=\w) (?=[{_CJK}])", "", text)
