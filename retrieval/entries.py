"""The entry classifier: multinomial logistic regression from the sentence embedding of a
question to every entry of the index (each FAQ entry and each out-of-scope referral group).

Trained when the index is built, on every phrasing of an entry and its topic, with L2
regularisation, by L-BFGS from zeros (deterministic: the same content gives the same weights).
Adding the first sentences of each answer as training text (at a lower weight) was measured on
the dev half of the judged set: no better ranking, a fifth more encoding at build time. Stored
as two plain ``.npy`` arrays beside the index. Its probabilities rank the entries together with dense and keyword
similarity (hybrid.py); the probability mass of the referral groups is the classifier's vote
for "out of scope" (scope.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

L2 = 3e-5
ITERATIONS = 80


def extra_rows(entries: list[dict]) -> tuple[list[str], list[int], list[float]]:
    """Texts besides the phrasings that teach the classifier what each entry is about: its
    topic (texts, owning entry, weight)."""
    rows = [(e["topic"], i) for i, e in enumerate(entries) if e.get("topic")]
    return [t for t, _ in rows], [i for _, i in rows], [1.0] * len(rows)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def train(x: np.ndarray, y: np.ndarray, weights: np.ndarray, n_classes: int, *, l2: float = L2,
          iterations: int = ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    from scipy.optimize import minimize

    n, dim = x.shape
    x1 = np.hstack([x.astype(np.float32), np.ones((n, 1), np.float32)])  # float32: twice as fast
    w = np.asarray(weights, dtype=np.float64)
    w = (w / w.sum()).astype(np.float32)
    onehot = np.zeros((n, n_classes), np.float32)
    onehot[np.arange(n), y] = 1.0

    def loss_and_grad(theta):
        coef = theta.reshape(dim + 1, n_classes)
        p = softmax(x1 @ coef.astype(np.float32))
        loss = -float((w * np.log(p[np.arange(n), y] + 1e-12)).sum()) \
            + 0.5 * l2 * float((coef[:-1] ** 2).sum())
        grad = (x1.T @ ((p - onehot) * w[:, None])).astype(np.float64)
        grad[:-1] += l2 * coef[:-1]
        return loss, grad.ravel()

    result = minimize(loss_and_grad, np.zeros((dim + 1) * n_classes), jac=True,
                      method="L-BFGS-B", options={"maxiter": iterations})
    coef = result.x.reshape(dim + 1, n_classes)
    return coef[:-1].astype(np.float32), coef[-1].astype(np.float32)


def save(index_dir: Path, w: np.ndarray, b: np.ndarray) -> None:
    np.save(Path(index_dir) / "entries_w.npy", w, allow_pickle=False)
    np.save(Path(index_dir) / "entries_b.npy", b, allow_pickle=False)


def load(index_dir: Path) -> tuple[np.ndarray, np.ndarray] | None:
    wp, bp = Path(index_dir) / "entries_w.npy", Path(index_dir) / "entries_b.npy"
    if not wp.exists():
        return None
    return np.load(wp, allow_pickle=False), np.load(bp, allow_pickle=False)


def predict(model: tuple[np.ndarray, np.ndarray], qv: np.ndarray) -> np.ndarray:
    """Probabilities over the entries for one query vector (shape (1, dim) or (dim,))."""
    w, b = model
    return softmax(np.asarray(qv, dtype=np.float32).reshape(1, -1) @ w + b)[0]
