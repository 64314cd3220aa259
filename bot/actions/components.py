"""Shared, expensive objects for the actions, built once on first use (never at import)."""
from __future__ import annotations

import functools

from knowledge import settings
from knowledge.content.library import Knowledge, get_knowledge


def knowledge() -> Knowledge:
    return get_knowledge()


@functools.lru_cache(maxsize=1)
def get_retriever():
    from retrieval.service import open_retriever

    return open_retriever(settings.index_dir(), encoder=settings.get("ENCODER"),
                          knowledge=knowledge())


def get_menus() -> dict:
    return knowledge().texts["menus"]


def get_case_types() -> dict:
    return knowledge().case_types
