"""Building and opening the retriever from settings-like arguments (used by CLI and actions)."""
from __future__ import annotations

from pathlib import Path

from knowledge.statutes import StatuteStore

from .encoders import make_encoder
from .hybrid import KNOWLEDGE_DIR, HybridRetriever
from .index import build, collect, is_current
from .tokenize import Tokenizer


def open_retriever(index_dir: Path, *, encoder: str = "use", statutes_dirs=(),
                   mode: str = "hybrid", encoder_obj=None) -> HybridRetriever:
    store = StatuteStore(markdown_dirs=list(statutes_dirs))
    return HybridRetriever(index_dir, encoder=encoder_obj or make_encoder(encoder), store=store,
                           mode=mode)


def build_index(index_dir: Path, *, encoder: str = "use", statutes_dirs=(), force: bool = False,
                hnsw: bool = False, progress=None, knowledge_dir: Path = KNOWLEDGE_DIR) -> dict | None:
    """Build when the content (or encoder, or tokenizer) changed; None when already current."""
    store = StatuteStore(markdown_dirs=list(statutes_dirs))
    tokenizer = Tokenizer.from_knowledge(knowledge_dir)
    content = collect(knowledge_dir, store)
    enc = make_encoder(encoder)
    if not force and is_current(index_dir, content, enc.id, tokenizer.id):
        return None
    return build(index_dir, content, enc, tokenizer, hnsw=hnsw, progress=progress)
