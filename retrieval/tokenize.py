"""One tokenizer for building and querying: jieba plus the legal lexicon of the knowledge base."""
from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

import yaml

STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 嘛 是 在 和 与 及 或 就 都 也 还 又 再 很 我 你 他 她 它 我们 你们 他们 "
    "这 那 这个 那个 这样 那样 怎么 怎么办 怎样 如何 什么 哪 哪里 哪些 请问 问 一下 想 要 会 能 可以 "
    "有 没 没有 对 把 被 给 让 从 到 去 来 上 下 里 个 之 其 以 而 但 但是 如果 因为 所以 现在 已经 "
    "一个 一些 自己 他的 我的 你好 您好 谢谢 律师".split())
_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)

logging.getLogger("jieba").setLevel(logging.WARNING)


def _quiet_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)


def load_lexicon(knowledge_dir: Path) -> tuple[list[str], dict[str, str]]:
    """Terms (lexicon file + FAQ topics + case-type titles) and everyday-word synonyms."""
    data = yaml.safe_load((knowledge_dir / "lexicon.yml").read_text(encoding="utf-8")) or {}
    terms = list(data.get("terms", []))
    synonyms = dict(data.get("synonyms", {}))
    for path in sorted((knowledge_dir / "faqs").glob("*/*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(entry, dict) and isinstance(entry.get("topic"), str):
                terms.append(entry["topic"])
    for path in sorted((knowledge_dir / "cases").glob("*.yml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(case, dict):
            terms.extend(t for t in case.get("keywords", []) if isinstance(t, str))
    terms = sorted({t.strip() for t in terms if isinstance(t, str) and 2 <= len(t.strip()) <= 12})
    return terms, synonyms


class Tokenizer:
    """jieba with the lexicon; ``id`` names the tokenizer and its lexicon for index params."""

    def __init__(self, terms: list[str], synonyms: dict[str, str] | None = None):
        import jieba

        _quiet_jieba()
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for t in terms:
            self._jieba.add_word(t, freq=2000)
        for t in (synonyms or {}):
            self._jieba.add_word(t, freq=2000)
        self.synonyms = dict(synonyms or {})
        digest = hashlib.sha256(json.dumps([sorted(terms), sorted(self.synonyms.items())],
                                           ensure_ascii=False).encode()).hexdigest()[:12]
        self.id = f"jieba-0.42.1+lexicon:{digest}"

    @classmethod
    def from_knowledge(cls, knowledge_dir: Path) -> "Tokenizer":
        terms, synonyms = load_lexicon(knowledge_dir)
        return cls(terms, synonyms)

    def words(self, text: str) -> list[str]:
        return [w for w in self._jieba.lcut(text) if w.strip() and not _PUNCT.match(w)]

    def tokens(self, text: str) -> list[str]:
        """Words for keyword search: no stopwords; everyday words also add their legal term."""
        out = []
        for w in self.words(text.lower()):
            if w in STOPWORDS:
                continue
            out.append(w)
            if w in self.synonyms:
                out.extend(self.words(self.synonyms[w]))
        return out

    def expand(self, text: str) -> str:
        """The text with legal terms appended for everyday words (used before encoding)."""
        extra = [v for k, v in self.synonyms.items() if k in text and v not in text]
        return text if not extra else f"{text}（{'，'.join(extra)}）"


def write_jieba_dictionary(knowledge_dir: Path, out_dir: Path) -> Path:
    """The lexicon as a jieba user dictionary file (for Rasa's JiebaTokenizer)."""
    terms, synonyms = load_lexicon(knowledge_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "legal.txt"
    words = sorted(set(terms) | set(synonyms))
    content = "".join(f"{w} 2000 n\n" for w in words if " " not in w)
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.write_text(content, encoding="utf-8")
    return path
