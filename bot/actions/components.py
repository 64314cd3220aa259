"""Shared, expensive objects for the actions, built once on first use (never at import)."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

from web import settings


@functools.lru_cache(maxsize=1)
def get_retriever():
    from retrieval.service import open_retriever

    return open_retriever(settings.index_dir(), encoder=settings.get("ENCODER"),
                          statutes_dirs=settings.statutes_dirs())


@functools.lru_cache(maxsize=1)
def get_menus() -> dict:
    path = Path(settings.ROOT) / "knowledge" / "menus.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def get_case_types() -> dict:
    from knowledge.cases import load_case_types

    return load_case_types(Path(settings.ROOT) / "knowledge" / "cases")


def get_sessions():
    from web.records import default_sessions

    return default_sessions()
