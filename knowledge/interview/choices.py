"""Which of a fact's choices an answer names: by value, label or synonym, by number ("1",
"第一个"), by a part of it either way, or by a description in the resident's own words."""
from __future__ import annotations

import functools
import re

from ..content import numerals
from .numbers import parse_number
from .vocabulary import alternation, compact, nfkc, words


@functools.lru_cache(maxsize=1)
def _ordinal_re() -> re.Pattern:
    """"1", "第一个", "选2"."""
    w = words()
    return re.compile(f"(?:{alternation(w['ordinal_prefix'])})?第?"
                      f"([0-9]{{1,2}}|[{numerals.ONE_TO_TEN}]{{1,2}})"
                      f"(?:{alternation(w['ordinal_measure'])})?")


@functools.lru_cache(maxsize=1)
def _label_split_re() -> re.Pattern:
    return re.compile(r"[，,、（）()；;：:。]|" + alternation(words()["label_or"]))


def choice_keys(choice: dict) -> list[str]:
    """The compact forms a choice is known by: value, label, synonyms, parts of the label."""
    keys = [choice.get("value"), choice.get("label")] + list(choice.get("synonyms") or [])
    label = nfkc(choice.get("label") or "")
    keys += [p for p in _label_split_re().split(label) if len(p) >= 2]
    out = []
    for k in keys:
        if k is None or isinstance(k, bool):
            continue
        c = compact(k)
        if c and c not in out:
            out.append(c)
    return out


def match_choice(fact, text) -> tuple[object, str]:
    """(value, status), status in ok | none | ambiguous."""
    choices = list(getattr(fact, "choices", None) or [])
    n = compact(text)
    if not n or not choices:
        return None, "none"
    w = words()
    negation = w["negation"]
    variants = [n]
    for p in w["choice_prefix"]:
        if n.startswith(p) and len(n) > len(p):
            variants.append(n[len(p):])
    variants += [v.rstrip(w["particles"] + w["choice_tail"]) for v in list(variants)]
    variants = [v for v in dict.fromkeys(variants) if v]
    keys = [(ch, choice_keys(ch)) for ch in choices]

    # 1. exact value, label or synonym
    hits = {i for i, (_, ks) in enumerate(keys) for v in variants if v in ks}
    if len(hits) == 1:
        return choices[hits.pop()].get("value"), "ok"
    if len(hits) > 1:
        return None, "ambiguous"
    # 2. by number: "1", "第一个", "选2"
    m = _ordinal_re().fullmatch(n)
    if m:
        idx = parse_number(m.group(1))
        if idx is not None and 1 <= idx <= len(choices) and idx == int(idx):
            return choices[int(idx) - 1].get("value"), "ok"
        return None, "none"
    # 3. substring either way, the longest overlap wins
    scores = {}
    for i, (_, ks) in enumerate(keys):
        best = 0
        for k in ks:
            for v in variants:
                pos = v.find(k)
                while pos >= 0:
                    negated = not k.startswith(negation) and v[:pos].endswith(negation)
                    if not negated:
                        best = max(best, len(k))
                        break
                    pos = v.find(k, pos + 1)
                if len(v) >= 2 and v in k:
                    best = max(best, len(v))
        if best:
            scores[i] = best
    if not scores:
        return _closest_choice(choices, keys, n)
    top = max(scores.values())
    winners = [i for i, s in scores.items() if s == top]
    if len(winners) > 1:
        return None, "ambiguous"
    return choices[winners[0]].get("value"), "ok"


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _closest_choice(choices, keys, n: str) -> tuple[object, str]:
    """Last resort for a description in the resident's own words ("上班的时候在厂里受的伤"):
    the choice sharing the largest share of the answer's character pairs, when it is clearly
    ahead of the next one."""
    grams = _bigrams(n)
    if len(grams) < 2 or n.startswith(words()["negation"]):
        return None, "none"
    scores = sorted(((max(len(grams & _bigrams(k)) for k in ks) / len(grams), i)
                     for i, (_, ks) in enumerate(keys)), reverse=True)
    best, i = scores[0]
    second = scores[1][0] if len(scores) > 1 else 0.0
    if best >= 0.25 and best - second >= 0.1 - 1e-9:
        return choices[i].get("value"), "ok"
    return None, "none"


def parse_choice(fact, text):
    """The ``value`` of the choice the text names: by value, label, synonym, substring either way
    or number ("1", "第一个"); None when nothing or more than one choice matches."""
    value, status = match_choice(fact, text)
    return value if status == "ok" else None


def options(fact) -> str:
    """The choices as the resident reads them in a hint: "1 走路的行人；2 ..."."""
    return "；".join(f"{i} {ch.get('label') or ch.get('value')}"
                    for i, ch in enumerate(fact.choices or [], 1))
