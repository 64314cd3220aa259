"""Case types checked: schema (by loading them), every citation of their rules, amounts and
deadlines, and the case types the design requires."""
from __future__ import annotations

from pathlib import Path

from ..content.cases import REQUIRED_CASE_IDS, CaseType, parse_case
from ..content.loader import KnowledgeError, load_yaml
from .citations import check_citation
from .problems import Problem


def check_cases(root: Path, store) -> tuple[dict[str, CaseType], list]:
    problems, out = [], {}
    for path in sorted(Path(root).glob("*.yml")):
        try:
            case = parse_case(load_yaml(path), path)
        except KnowledgeError as exc:
            problems.append(Problem(exc.path, exc.line, exc.message))
            continue
        out[case.id] = case
        for rule in case.rules:  # each citation checked against the sentence that makes the claim
            for ref in rule.citations:
                problems.extend(check_citation(store, ref, str(path), rule.line, claim=rule.finding))
        for item in case.amounts + case.deadlines:
            for ref in item.citations:
                problems.extend(check_citation(store, ref, str(path), item.line, claim=item.label))
    for cid in REQUIRED_CASE_IDS:
        if cid not in out and not any(p.path.endswith(f"{cid}.yml") for p in problems):
            problems.append(Problem(str(root), None, f"case type {cid} is missing"))
    return out, problems
