"""Indexes persisted as plain files: ``params.json`` + jsonl + faiss + bm25s (no pickle).

Layout of ``index_dir``::

    params.json      encoder id, dimension, tokenizer id, content hash, counts, built_at
    entries.jsonl    one row per FAQ entry or out-of-scope referral group
    docs.jsonl       one row per phrasing: {"entry": i, "text": ...}
    dense.faiss      inner-product index over the phrasings (flat, or HNSW when asked)
    bm25/            bm25s index over phrasings + FAQ topic/answer
    statutes.jsonl   the articles of the laws in scope
    statutes.faiss   inner-product index over those articles
    statutes_bm25/   bm25s index over the same articles
    entries_w.npy    the entry classifier (see entries.py): weights and bias over the embeddings
    entries_b.npy

Building writes a sibling temp folder and renames it into place, so a reader never sees half
an index; loading refuses an index whose encoder, tokenizer or format does not match.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from knowledge.content.library import Knowledge

from . import entries as entry_classifier
from .tokenize import Tokenizer

FORMAT = 3


class IndexMismatch(RuntimeError):
    """The index on disk was built with other parameters than the ones asked for."""


@dataclass
class Content:
    entries: list[dict]
    docs: list[dict]
    statutes: list[dict]

    def digest(self) -> str:
        h = hashlib.sha256()
        for part in (self.entries, self.docs, self.statutes):
            h.update(json.dumps(part, ensure_ascii=False, sort_keys=True).encode())
        return h.hexdigest()


def _in_ranges(n: int, ranges) -> bool:
    return not ranges or any(a <= n <= b for a, b in ranges)


def load_phrasings(folder: Path) -> dict[str, list[str]]:
    """FAQ id -> extra resident-style phrasings (``scope/phrasings/*.yml``). They live apart from
    the FAQ files so that the legal content and the ways of asking can be edited separately;
    phrasings of an id that is not (or no longer) an FAQ entry are ignored."""
    out: dict[str, list[str]] = {}
    for path in sorted(Path(folder).glob("*.yml")):
        for fid, questions in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            out.setdefault(str(fid), []).extend(str(q).strip() for q in questions or [] if str(q).strip())
    return out


def collect(knowledge: Knowledge) -> Content:
    """Everything the index is built from, as plain rows."""
    knowledge_dir, store = knowledge.root, knowledge.statutes
    entries, docs = [], []
    extra = load_phrasings(knowledge_dir / "scope" / "phrasings")
    for faq in knowledge.faqs:
        i = len(entries)
        entries.append({"kind": "faq", "id": faq.id, "domain": faq.domain, "topic": faq.topic,
                        "question": faq.questions[0] if faq.questions else faq.topic,
                        "answer": faq.answer, "case_type": faq.case_type, "escalate": faq.escalate,
                        "citations": [c.as_dict() for c in faq.citations]})
        phrasings = list(faq.questions)
        phrasings += [q for q in extra.get(faq.id, []) if q not in phrasings]
        docs.extend({"entry": i, "text": q} for q in phrasings)
    groups: dict[str, dict] = {}
    for path in sorted((knowledge_dir / "scope").glob("other*.yml")):
        for group in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("referrals", []):
            merged = groups.setdefault(group["id"], {**group, "questions": []})
            merged["questions"] += [q for q in group.get("questions", [])
                                    if q not in merged["questions"]]
    for gid, group in sorted(groups.items()):
        i = len(entries)
        entries.append({"kind": "other", "id": f"other.{gid}", "domain": "other",
                        "topic": group.get("topic", ""), "office": group.get("office", ""),
                        "advice": group.get("advice", "")})
        docs.extend({"entry": i, "text": q} for q in group["questions"])
    statutes = []
    spec = yaml.safe_load((knowledge_dir / "scope" / "statutes.yml").read_text(encoding="utf-8"))
    seen = set()
    for domain, laws in spec.items():
        for spec in laws:
            for art in store.articles_of(spec["law"]):
                key = (art.law, art.article, art.sub)
                if key in seen or not _in_ranges(art.article, spec.get("articles")):
                    continue
                seen.add(key)
                statutes.append({"law": art.law, "article": art.article, "sub": art.sub,
                                 "domain": domain, "text": art.text})
    return Content(entries, docs, statutes)


def _faiss_index(vectors: np.ndarray, hnsw: bool):
    import faiss

    dim = vectors.shape[1]
    if hnsw:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bm25_text(content: Content, doc: dict) -> str:
    """A phrasing plus its entry's topic: what keyword search sees."""
    return f"{doc['text']} {content.entries[doc['entry']].get('topic', '')}"


def build(index_dir: Path, content: Content, encoder, tokenizer: Tokenizer, *, hnsw: bool = False,
          progress=None, batch: int = 256) -> dict:
    """Build the index into ``index_dir`` (replacing it atomically). Returns params."""
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=index_dir.parent))
    try:
        texts = [tokenizer.expand(d["text"]) for d in content.docs]
        extra, owners, weights = entry_classifier.extra_rows(content.entries)
        art_texts = [s["text"][:400] for s in content.statutes]
        total = len(texts) + len(extra) + len(art_texts)

        def encode(items: list[str]) -> np.ndarray:
            out = []
            for start in range(0, len(items), batch):
                out.append(encoder.encode_docs(items[start:start + batch]))
                if progress:
                    progress(min(batch, len(items) - start), total)
            return np.vstack(out) if out else np.zeros((0, encoder.dim), np.float32)

        dense = encode(texts)
        faiss.write_index(_faiss_index(dense, hnsw), str(tmp / "dense.faiss"))
        extra_vecs = encode([tokenizer.expand(t) for t in extra])
        if content.docs:
            x = np.vstack([dense, extra_vecs])
            y = np.array([d["entry"] for d in content.docs] + owners, dtype=np.int64)
            w = np.r_[np.ones(len(content.docs)), np.asarray(weights, dtype=np.float64)]
            entry_classifier.save(tmp, *entry_classifier.train(x, y, w, len(content.entries)))
        art_vecs = encode(art_texts)
        if len(art_vecs):
            faiss.write_index(_faiss_index(art_vecs, False), str(tmp / "statutes.faiss"))
            art_tokens = [tokenizer.tokens(s["text"]) or ["∅"] for s in content.statutes]
            statute_bm25 = bm25s.BM25()
            statute_bm25.index(art_tokens, show_progress=False)
            statute_bm25.save(str(tmp / "statutes_bm25"), allow_pickle=False, show_progress=False)

        corpus_tokens = [tokenizer.tokens(bm25_text(content, d)) or ["∅"] for d in content.docs]
        retriever = bm25s.BM25()
        retriever.index(corpus_tokens, show_progress=False)
        retriever.save(str(tmp / "bm25"), allow_pickle=False, show_progress=False)

        _write_jsonl(tmp / "entries.jsonl", content.entries)
        _write_jsonl(tmp / "docs.jsonl", content.docs)
        _write_jsonl(tmp / "statutes.jsonl", content.statutes)
        params = {
            "format": FORMAT, "encoder": encoder.id, "dim": int(encoder.dim),
            "tokenizer": tokenizer.id, "content_hash": content.digest(),
            "faiss": "hnsw32" if hnsw else "flat-ip", "entries": len(content.entries),
            "docs": len(content.docs), "statutes": len(content.statutes),
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        (tmp / "params.json").write_text(json.dumps(params, ensure_ascii=False, indent=2))
        old = index_dir.with_name(index_dir.name + ".old")
        if index_dir.exists():
            shutil.rmtree(old, ignore_errors=True)
            index_dir.rename(old)
        tmp.rename(index_dir)
        shutil.rmtree(old, ignore_errors=True)
        return params
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_params(index_dir: Path) -> dict | None:
    try:
        return json.loads((Path(index_dir) / "params.json").read_text())
    except (OSError, ValueError):
        return None


def is_current(index_dir: Path, content: Content, encoder_id: str, tokenizer_id: str) -> bool:
    p = read_params(index_dir)
    return bool(p) and p.get("format") == FORMAT and p.get("encoder") == encoder_id \
        and p.get("tokenizer") == tokenizer_id and p.get("content_hash") == content.digest()


def index_status(index_dir: Path) -> str:
    """'ok' when an index with all its files is in place; otherwise what is wrong."""
    p = read_params(index_dir)
    if p is None:
        return "missing"
    if p.get("format") != FORMAT:
        return "old format"
    needed = ["dense.faiss", "entries.jsonl", "docs.jsonl", "bm25", "entries_w.npy"]
    missing = [n for n in needed if not (Path(index_dir) / n).exists()]
    return f"incomplete: {', '.join(missing)}" if missing else "ok"


@dataclass
class LoadedIndex:
    params: dict
    entries: list[dict]
    docs: list[dict]
    statutes: list[dict]
    dense: object
    statute_dense: object | None
    bm25: object
    classifier: tuple | None = None
    statute_bm25: object | None = None


def load(index_dir: Path, *, encoder_id: str, tokenizer_id: str) -> LoadedIndex:
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    params = read_params(index_dir)
    status = index_status(index_dir)
    if status != "ok":
        raise FileNotFoundError(f"retrieval index at {index_dir} is {status}: run `legalbot index build`")
    for key, want in (("encoder", encoder_id), ("tokenizer", tokenizer_id)):
        if params.get(key) != want:
            raise IndexMismatch(f"index was built with {key} {params.get(key)!r}, not {want!r}: "
                                "run `legalbot index build`")
    statute_path = index_dir / "statutes.faiss"
    statute_bm25 = index_dir / "statutes_bm25"
    return LoadedIndex(
        params=params, entries=read_jsonl(index_dir / "entries.jsonl"),
        docs=read_jsonl(index_dir / "docs.jsonl"), statutes=read_jsonl(index_dir / "statutes.jsonl"),
        dense=faiss.read_index(str(index_dir / "dense.faiss")),
        statute_dense=faiss.read_index(str(statute_path)) if statute_path.exists() else None,
        bm25=bm25s.BM25.load(str(index_dir / "bm25"), allow_pickle=False, show_progress=False),
        classifier=entry_classifier.load(index_dir),
        statute_bm25=bm25s.BM25.load(str(statute_bm25), allow_pickle=False, show_progress=False)
        if statute_bm25.exists() else None,
    )
