"""Case analysis: the facts of a case type -> an :class:`Analysis` (法律分析和意见指南).

The flow is the same for every case type:

1. the facts are checked and coerced against the case type's fact definitions
   (:func:`coerce_facts`; a bad fact raises :class:`AnalysisError` naming it);
2. the case type's compute function (``knowledge/analysis/<domain>.py``, registered with
   :func:`~.registry.computes`) turns facts into amounts (``Breakdown``), deadlines (``Deadline``) and
   derived facts;
3. the case type's YAML rules whose ``when`` holds become findings with their citations; the
   reported amounts and deadlines get their labels and citations; next steps, documents and
   uncertainties are picked by their conditions.

Nothing here knows law: the wording and the citations are in ``knowledge/cases/*.yml``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..content import expr
from ..content.cases import CaseType
from ..content.library import get_knowledge
from ..content.statutes import citation_label
# the domain modules register their compute functions when imported
from . import labor, marriage, traffic  # noqa: F401
from .money import CalcError
from .registry import Computed, Context, compute_function
from .wording import say, texts


class AnalysisError(ValueError):
    """An invalid fact; ``fact`` names it."""

    def __init__(self, fact: str, message: str):
        super().__init__(message)
        self.fact = fact


def _bad(key: str, problem: str, **values) -> AnalysisError:
    """The fact ``key`` is invalid: "key: <analysis.facts.problem>"."""
    return AnalysisError(key, f"{key}: {say(f'analysis.facts.{problem}', **values)}")


# -- facts ---------------------------------------------------------------------------------------
def _as_date(value, key: str, today: dt.date) -> dt.date:
    if isinstance(value, dt.date):
        d = value
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            d = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _bad(key, "invalid_date", value=repr(value)) from None
    else:
        raise _bad(key, "date_format", value=repr(value))
    if d > today:
        raise _bad(key, "date_in_future", date=d.isoformat())
    if d.year < 1900:
        raise _bad(key, "date_too_early", date=d.isoformat())
    return d


def _as_number(value, key: str, integer: bool) -> float | int:
    if isinstance(value, bool):
        raise _bad(key, "not_a_number", value=repr(value))
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            raise _bad(key, "not_a_number", value=repr(value)) from None
    if not isinstance(value, (int, float)) or value != value:  # NaN
        raise _bad(key, "not_a_number", value=repr(value))
    if integer:
        if float(value) != int(value):
            raise _bad(key, "not_an_integer", value=repr(value))
        return int(value)
    return float(value)


def coerce_fact(fact, value, today: dt.date):
    key = fact.key
    if fact.type == "date":
        return _as_date(value, key, today)
    if fact.type == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "yes", "是", 1):
            return True
        if value in ("false", "no", "否", 0):
            return False
        raise _bad(key, "not_a_boolean", value=repr(value))
    if fact.type == "choice":
        allowed = [c["value"] for c in fact.choices]
        if value not in allowed:
            raise _bad(key, "not_a_choice", allowed=", ".join(map(str, allowed)),
                       value=repr(value))
        return value
    if fact.type == "text":
        if not isinstance(value, str):
            raise _bad(key, "not_text")
        return value.strip()[:2000]
    number = _as_number(value, key, fact.type in ("integer", "grade", "age"))
    if fact.type == "money" and number < 0:
        raise _bad(key, "negative_money")
    if fact.type == "grade" and not 1 <= number <= 10:
        raise _bad(key, "grade_range", value=number)
    if fact.type == "age" and not 0 <= number <= 130:
        raise _bad(key, "age_range", value=number)
    if fact.min is not None and number < fact.min:
        raise _bad(key, "below_min", min=fact.min, value=number)
    if fact.max is not None and number > fact.max:
        raise _bad(key, "above_max", max=fact.max, value=number)
    return number


def coerce_facts(case: CaseType, raw: dict, today: dt.date) -> tuple[dict, list[str]]:
    """Typed facts, and the keys of facts that apply but were not given."""
    facts: dict = {}
    missing: list[str] = []
    known = {f.key for f in case.facts}
    for key in raw:
        if key not in known:
            raise _bad(key, "unknown_fact", case=case.id)
    for f in case.facts:  # in order, so ask_if can look at earlier facts
        value = raw.get(f.key)
        if not expr.evaluate(f.ask_if, facts):
            continue
        if value is None or value == "":
            if f.default is not None:
                facts[f.key] = coerce_fact(f, f.default, today)
            elif f.required:
                missing.append(f.key)
            continue
        facts[f.key] = coerce_fact(f, value, today)
    return facts, missing


# -- analysis ------------------------------------------------------------------------------------
@dataclass
class Analysis:
    case: CaseType
    facts: dict
    findings: list[dict]
    amounts: list[dict]
    total: float | None
    deadlines: list[dict]
    next_steps: list[str]
    documents: list[str]
    uncertainties: list[str]
    citations: list[dict]
    standards_used: list[dict]
    escalate: bool
    missing: list[str]
    split: dict | None = None

    def as_json(self) -> dict:
        out = {
            "case_type": self.case.id, "title": self.case.title,
            "facts": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.facts.items()},
            "findings": self.findings, "amounts": self.amounts,
            "deadlines": self.deadlines, "next_steps": self.next_steps, "documents": self.documents,
            "uncertainties": self.uncertainties, "citations": self.citations,
            "standards_used": self.standards_used, "escalate": self.escalate,
            "missing_facts": self.missing,
        }
        if self.total is not None:
            out["total"] = self.total
        if self.split is not None:
            out["split"] = self.split
        return out

    def as_text(self) -> str:
        lines = [f"{texts()['report']['title']}：{self.case.title}", ""]
        lines += [f"· {f['text']}（{'、'.join(c['label'] for c in f['citations'])}）" for f in self.findings]
        if self.amounts:
            lines.append("")
            lines += [f"{a['label']}：{a['amount']:.2f} 元（{a['formula']}）" for a in self.amounts]
        if self.deadlines:
            lines.append("")
            lines += [f"{d['label']}：{d['date']}" for d in self.deadlines]
        if self.next_steps:
            lines += ["", "下一步："] + [f"{i}. {s}" for i, s in enumerate(self.next_steps, 1)]
        if self.uncertainties:
            lines += ["", "需要注意："] + [f"- {u}" for u in self.uncertainties]
        return "\n".join(lines)


def _citation_json(ref) -> dict:
    return {"law": ref.law, "article": ref.article, **({"sub": ref.sub} if ref.sub else {}),
            "label": citation_label(ref.law, ref.article, ref.sub)}


def analyze(case: CaseType, raw_facts: dict, *, region: str = "河南",
            today: dt.date | None = None, standards: dict | None = None) -> Analysis:
    today = today or dt.date.today()
    if not isinstance(raw_facts, dict):
        raise AnalysisError("facts", "facts must be a mapping")
    facts, missing = coerce_facts(case, raw_facts, today)
    ctx = Context(region=region, today=today,
                  standards=standards if standards is not None else get_knowledge().standards)
    fn = compute_function(case.id)
    try:
        computed = fn(facts, ctx) if fn else Computed()
    except CalcError as exc:
        raise AnalysisError(exc.fact, str(exc)) from exc
    env = {**facts, **computed.derived, "today": today}

    findings = [{"id": r.id, "text": r.finding, "citations": [_citation_json(c) for c in r.citations]}
                for r in case.rules if expr.evaluate(r.when, env)]
    by_item = {b.item: b for b in computed.amounts}
    amounts = []
    for rep in case.amounts:
        b = by_item.get(rep.item)
        if b is None or not expr.evaluate(rep.when, env):
            continue
        row = {"item": b.item, "label": rep.label, "amount": b.amount, "formula": b.formula,
               "figures": b.figures, "basis": b.basis,
               "citations": [_citation_json(c) for c in rep.citations]}
        if b.low is not None:
            row["low"], row["high"] = b.low, b.high
        amounts.append(row)
    total = computed.derived.get("total")
    deadlines = []
    by_deadline = {d.item: d for d in computed.deadlines}
    for rep in case.deadlines:
        d = by_deadline.get(rep.item)
        if d is None or not expr.evaluate(rep.when, env):
            continue
        deadlines.append({"item": d.item, "label": rep.label, "date": d.date.isoformat(),
                          "start": d.start.isoformat(), "rule": d.rule, "passed": d.date < today,
                          "citations": [_citation_json(c) for c in rep.citations]})
    next_steps = [n["text"].strip() for n in case.next_steps if expr.evaluate(n.get("when"), env)]
    uncertainties = computed.uncertainties + [u["text"].strip() for u in case.uncertainties
                                              if expr.evaluate(u.get("when"), env)]
    for key in missing:
        f = case.fact(key)
        uncertainties.append(say("analysis.fact_missing", question=f.question.rstrip("？?")))
    seen, citations = set(), []
    for group in [f["citations"] for f in findings] + [a["citations"] for a in amounts] \
            + [d["citations"] for d in deadlines]:
        for c in group:
            key = (c["law"], c["article"], c.get("sub", 0))
            if key not in seen:
                seen.add(key)
                citations.append(c)
    standards_used = [{"region": s.region, "year": s.year, "name": s.name, "value": s.value,
                       "source": s.source,
                       "published": s.published.isoformat() if s.published else None}
                      for s in ctx.standards_used]
    escalate = bool(case.escalate_when and expr.evaluate(case.escalate_when, env)) or bool(missing)
    return Analysis(case=case, facts=facts, findings=findings, amounts=amounts, total=total,
                    deadlines=deadlines, next_steps=next_steps, documents=list(case.documents),
                    uncertainties=uncertainties, citations=citations,
                    standards_used=standards_used, escalate=escalate, missing=missing,
                    split=computed.split)
