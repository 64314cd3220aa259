"""The sentences of the analysis, kept as content: ``knowledge/texts/analysis.yml`` (error
messages, notes, figure names), ``formulas.yml`` (the words of formulas and calculation steps) and
``deadlines.yml`` (the rules of the deadlines). They are read on first use, never at import.

:func:`say` fills a text as written, without tidying its spacing: formulas keep the spaces around
their figures ("8000.00 元/月 × 3.5 个月"), so these files hold one line per text.
"""
from __future__ import annotations

from ..content.library import get_knowledge
from ..content.texts import Texts


def texts() -> Texts:
    return get_knowledge().texts


def say(path: str, **values) -> str:
    """The text at ``section.key[.key]`` (for a legal statement, its ``text``) with ``{name}``
    filled from ``values``."""
    return texts().say(path, as_written=True, **values)


def cited(path: str, **values) -> str:
    """A legal statement followed by its citation labels: "……（《民法典》第188条）"."""
    return texts().cited(path, **values)


def figure_label(name: str, *, unit: bool = False) -> str:
    """What a standards figure is called: in a sentence with what it is based on
    ("住院伙食补助标准（参照……）"), or with ``unit`` as a table row ("住院伙食补助标准（元/天）")."""
    figure = texts()["analysis"]["figures"].get(name)
    if figure is None:
        return name
    extra = figure.get("unit" if unit else "basis")
    return f"{figure['name']}（{extra}）" if extra else figure["name"]
