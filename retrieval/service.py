"""Building and opening the retriever (used by the command line, the action server, benchmarks)."""
from __future__ import annotations

from pathlib import Path

from knowledge.content.library import Knowledge, get_knowledge

from .encoders import make_encoder
from .hybrid import HybridRetriever
from .index import build, collect, is_current
from .tokenize import Tokenizer


def open_retriever(index_dir: Path, *, encoder: str = "use", knowledge: Knowledge | None = None,
                   mode: str = "hybrid", encoder_obj=None) -> HybridRetriever:
    return HybridRetriever(index_dir, encoder=encoder_obj or make_encoder(encoder),
                           knowledge=knowledge or get_knowledge(), mode=mode)


def build_index(index_dir: Path, *, encoder: str = "use", knowledge: Knowledge | None = None,
                force: bool = False, hnsw: bool = False, progress=None) -> dict | None:
    """Build when the content (or encoder, or tokenizer) changed; None when already current."""
    knowledge = knowledge or get_knowledge()
    tokenizer = Tokenizer.from_knowledge(knowledge.root)
    content = collect(knowledge)
    enc = make_encoder(encoder)
    if not force and is_current(index_dir, content, enc.id, tokenizer.id):
        return None
    return build(index_dir, content, enc, tokenizer, hnsw=hnsw, progress=progress)
