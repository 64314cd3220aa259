"""The scope classifier: multinomial logistic regression on the sentence embeddings.

Trained when the index is built, on every FAQ phrasing (labelled with its domain) and every
out-of-scope anchor question (labelled ``other``), with balanced class weights and L2
regularisation, by full-batch gradient descent (deterministic: same data, same weights).
Stored as two plain ``.npy`` arrays beside the index.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

CLASSES = ("marriage", "traffic", "labor", "other")


def train(x: np.ndarray, labels: list[str], *, l2: float = 1e-4, epochs: int = 600,
          lr: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    y = np.array([CLASSES.index(label) for label in labels])
    n, dim = x.shape
    k = len(CLASSES)
    counts = np.bincount(y, minlength=k).astype(np.float64)
    weights = (len(y) / (k * np.maximum(counts, 1)))[y]
    onehot = np.eye(k)[y]
    w = np.zeros((dim, k))
    b = np.zeros(k)
    x64 = x.astype(np.float64)
    for _ in range(epochs):
        p = softmax(x64 @ w + b)
        g = (p - onehot) * weights[:, None] / weights.sum()
        w -= lr * (x64.T @ g + l2 * w)
        b -= lr * g.sum(axis=0)
    return w.astype(np.float32), b.astype(np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def save(index_dir: Path, w: np.ndarray, b: np.ndarray) -> None:
    np.save(index_dir / "scope_w.npy", w, allow_pickle=False)
    np.save(index_dir / "scope_b.npy", b, allow_pickle=False)


def load(index_dir: Path) -> tuple[np.ndarray, np.ndarray] | None:
    wp, bp = index_dir / "scope_w.npy", index_dir / "scope_b.npy"
    if not wp.exists():
        return None
    return np.load(wp, allow_pickle=False), np.load(bp, allow_pickle=False)


def predict(model: tuple[np.ndarray, np.ndarray], qv: np.ndarray) -> dict[str, float]:
    w, b = model
    p = softmax(qv.astype(np.float32) @ w + b)[0]
    return {c: float(v) for c, v in zip(CLASSES, p)}
