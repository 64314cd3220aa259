"""Case types: ``knowledge/cases/<id>.yml``. Facts to gather, rules that turn facts into findings
(each with citations), the amounts and deadlines reported, next steps and documents.

Conditions (``ask_if``, ``when``) are small Python-like expressions over the facts, evaluated by
:mod:`knowledge.expr` (comparisons, and/or/not, in, arithmetic; no calls, no attributes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import expr
from .faq import CitationRef, parse_citation
from .loader import LINE_KEY, KnowledgeError, load_yaml, strip_lines, tidy

FACT_TYPES = ("money", "integer", "number", "date", "boolean", "choice", "text", "grade", "age")
REQUIRED_CASE_IDS = ("divorce", "child_support", "bride_price", "inheritance", "traffic_injury",
                     "traffic_liability_dispute", "hit_and_run", "unpaid_wages",
                     "unlawful_dismissal", "no_written_contract", "work_injury")
CASE_KEYS = {"id", "domain", "title", "description", "keywords", "facts", "rules", "amounts",
             "deadlines", "next_steps", "documents", "uncertainties", "escalate_when", LINE_KEY}
FACT_KEYS = {"key", "type", "required", "question", "help", "min", "max", "choices", "ask_if",
             "default", "example", "about_violence", "names", "unknown", LINE_KEY}
# what an honest "不知道" to a required question means (knowledge/interview/flow.py): ``how`` to
# find out (said the first time); ``assume`` a value with a ``caveat`` the analysis shows (the
# second time), or, without ``assume``, the questions stop with 转人工 and 接着算 offered
UNKNOWN_KEYS = {"how", "assume", "caveat"}


@dataclass
class Fact:
    key: str
    type: str
    question: str
    required: bool = True
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: list[dict] = field(default_factory=list)
    ask_if: str | None = None
    default: object = None
    example: str = ""
    # the question asks about violence, so an answer that speaks of past violence (他打过我) is an
    # answer, not an emergency; danger happening now still interrupts (knowledge/safety.yml)
    about_violence: bool = False
    # words a resident names this fact by when correcting it (工资说错了，是七千)
    names: list[str] = field(default_factory=list)
    unknown: dict = field(default_factory=dict)
    line: int | None = None


@dataclass
class Rule:
    id: str
    when: str
    finding: str
    citations: list[CitationRef]
    line: int | None = None


@dataclass
class Reported:
    """An amount or deadline item the case type reports, with its label and citations."""
    item: str
    label: str
    citations: list[CitationRef]
    when: str | None = None
    line: int | None = None


@dataclass
class CaseType:
    id: str
    domain: str
    title: str
    description: str
    keywords: list[str]
    facts: list[Fact]
    rules: list[Rule]
    amounts: list[Reported]
    deadlines: list[Reported]
    next_steps: list[dict]
    documents: list[str]
    uncertainties: list[dict]
    escalate_when: str | None
    path: str = ""

    def fact(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.key == key), None)

    def all_citations(self):
        for r in self.rules:
            yield from ((c, r.line) for c in r.citations)
        for r in self.amounts + self.deadlines:
            yield from ((c, r.line) for c in r.citations)


def _cits(raw, path, line) -> list[CitationRef]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise KnowledgeError(path, line, "citations must be a list")
    return [parse_citation(c, path, line) for c in raw]


def _expr(text, path, line, names) -> str | None:
    if text is None:
        return None
    try:
        expr.compile_expr(str(text), names)
    except expr.ExprError as exc:
        raise KnowledgeError(path, line, f"bad condition {text!r}: {exc}") from exc
    return str(text)


def _unknown_rule(f: dict, choices: list, path, line) -> dict:
    """A fact's ``unknown`` mapping, checked: an assumed value fits the fact and says why."""
    rule = f.get("unknown")
    if rule is None:
        return {}
    if not isinstance(rule, dict) or set(rule) - UNKNOWN_KEYS - {LINE_KEY}:
        raise KnowledgeError(path, line, f"fact {f['key']}: unknown is a mapping of {sorted(UNKNOWN_KEYS)}")
    out = {k: (tidy(v) if isinstance(v, str) else v) for k, v in rule.items() if k != LINE_KEY}
    if "assume" in out:
        value = out["assume"]
        fits = (isinstance(value, bool) if f["type"] == "boolean"
                else value in [c.get("value") for c in choices] if f["type"] == "choice" else False)
        if not fits:
            raise KnowledgeError(path, line, f"fact {f['key']}: unknown.assume {value!r} is not a "
                                             "value of this fact (yes/no or one of its choices)")
        if not out.get("caveat"):
            raise KnowledgeError(path, line, f"fact {f['key']}: an assumed value needs a caveat")
    return out


def parse_case(raw, path: Path) -> CaseType:
    if not isinstance(raw, dict):
        raise KnowledgeError(path, 1, "a case type file must be a mapping")
    line = raw.get(LINE_KEY)
    for key in ("id", "domain", "title", "facts", "rules"):
        if key not in raw:
            raise KnowledgeError(path, line, f"missing {key}")
    unknown = set(raw) - CASE_KEYS
    if unknown:
        raise KnowledgeError(path, line, f"unknown keys {sorted(unknown)}")
    if raw["id"] != path.stem:
        raise KnowledgeError(path, line, f"id {raw['id']!r} must match the file name {path.stem!r}")
    facts = []
    for f in raw["facts"] or []:
        fl = f.get(LINE_KEY) if isinstance(f, dict) else line
        if not isinstance(f, dict) or not {"key", "type", "question"} <= set(f):
            raise KnowledgeError(path, fl, "a fact needs key, type and question")
        if set(f) - FACT_KEYS:
            raise KnowledgeError(path, fl, f"fact {f['key']}: unknown keys {sorted(set(f) - FACT_KEYS)}")
        if f["type"] not in FACT_TYPES:
            raise KnowledgeError(path, fl, f"fact {f['key']}: type must be one of {FACT_TYPES}")
        choices = strip_lines(f.get("choices") or [])
        if f["type"] == "choice" and not choices:
            raise KnowledgeError(path, fl, f"fact {f['key']}: a choice needs choices")
        facts.append(Fact(key=f["key"], type=f["type"], question=tidy(f["question"]),
                          required=bool(f.get("required", True)), help=str(f.get("help", "")),
                          min=f.get("min"), max=f.get("max"), choices=choices,
                          ask_if=f.get("ask_if"), default=f.get("default"),
                          example=str(f.get("example", "")),
                          about_violence=bool(f.get("about_violence", False)),
                          names=[str(n) for n in f.get("names") or []],
                          unknown=_unknown_rule(f, choices, path, fl), line=fl))
    keys = [f.key for f in facts]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise KnowledgeError(path, line, f"duplicate fact keys {sorted(dupes)}")
    named: dict[str, str] = {}
    for f in facts:
        for n in f.names:
            if named.setdefault(n, f.key) != f.key:
                raise KnowledgeError(path, f.line, f"fact {f.key}: name {n!r} also names "
                                                   f"{named[n]}; a correction could not tell them apart")
    names = set(keys) | {"today"}
    for f in facts:
        _expr(f.ask_if, path, f.line, names)
    rules = []
    for r in raw["rules"] or []:
        rl = r.get(LINE_KEY)
        if not {"id", "finding"} <= set(r):
            raise KnowledgeError(path, rl, "a rule needs id and finding")
        cits = _cits(r.get("citations"), path, rl)
        if not cits:
            raise KnowledgeError(path, rl, f"rule {r['id']}: a finding needs at least one citation")
        rules.append(Rule(r["id"], _expr(r.get("when", "True"), path, rl, names),
                          tidy(r["finding"]), cits, rl))

    def reported(items):
        out = []
        for it in items or []:
            il = it.get(LINE_KEY)
            if not {"item", "label"} <= set(it):
                raise KnowledgeError(path, il, "an amount or deadline needs item and label")
            out.append(Reported(it["item"], it["label"], _cits(it.get("citations"), path, il),
                                _expr(it.get("when"), path, il, names), il))
        return out

    conds = strip_lines(raw.get("next_steps") or [])
    unsure = strip_lines(raw.get("uncertainties") or [])
    for n in conds + unsure:
        if not isinstance(n, dict) or "text" not in n:
            raise KnowledgeError(path, line, "next_steps and uncertainties are {text, when?} mappings")
        _expr(n.get("when"), path, line, names)
        n["text"] = tidy(n["text"])
    return CaseType(
        id=raw["id"], domain=raw["domain"], title=raw["title"],
        description=tidy(raw.get("description", "")),
        keywords=list(raw.get("keywords") or []), facts=facts, rules=rules,
        amounts=reported(raw.get("amounts")), deadlines=reported(raw.get("deadlines")),
        next_steps=conds, documents=list(raw.get("documents") or []),
        uncertainties=unsure,
        escalate_when=_expr(raw.get("escalate_when"), path, line, names), path=str(path))


def load_case_types(root: Path) -> dict[str, CaseType]:
    out = {}
    for path in sorted(Path(root).glob("*.yml")):
        case = parse_case(load_yaml(path), path)
        out[case.id] = case
    return out
