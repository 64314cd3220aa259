"""How results look in a chat bubble (presentation only; content comes from knowledge/)."""
from __future__ import annotations

import json

from knowledge.content.statutes import citation_label


def cite_label(c: dict) -> str:
    return citation_label(c["law"], c["article"], c.get("sub", 0))


def answer_text(result: dict, max_citations: int = 4) -> str:
    text = result["answer"]
    cits = result.get("citations") or []
    if cits:
        text += "\n\n法律依据：" + "、".join(cite_label(c) for c in cits[:max_citations])
    return text


def alternative_buttons(result: dict, max_title: int = 40) -> list[dict]:
    """Up to three "您问的是不是" choices of a "not sure" reply as buttons; the payload names the
    entry, so a tap brings back exactly that answer (action_answer_question)."""
    out = []
    for alt in (result.get("alternatives") or [])[:3]:
        title = alt["question"] if len(alt["question"]) <= max_title \
            else alt["question"][:max_title - 1] + "…"
        out.append({"title": title,
                    "payload": "/ask_legal" + json.dumps({"faq_id": alt["faq_id"]},
                                                         ensure_ascii=False)})
    return out


def menu_buttons(menus: dict, domain: str, case_types: dict) -> list[dict]:
    buttons = []
    for cid in menus[domain]["case_types"]:
        case = case_types.get(cid)
        if case is None:
            continue
        buttons.append({"title": case.title,
                        "payload": "/start_case" + json.dumps({"case_type": cid}, ensure_ascii=False)})
    buttons.append({"title": menus["ask_directly"], "payload": "/ask_directly"})
    return buttons


def summary_text(analysis: dict, words: dict, max_findings: int = 2,
                 assumed: list[str] | None = None) -> str:
    """The short chat summary: key amounts, deadlines, main findings, what was assumed after
    "不知道", the report link note."""
    lines = [words["summary_intro"]]
    if analysis.get("amounts"):
        lines.append(words["summary_amounts"])
        for a in analysis["amounts"][:6]:
            if "low" in a:
                lines.append(f"· {a['label']}：{a['low']:,.2f}–{a['high']:,.2f} 元")
            else:
                lines.append(f"· {a['label']}：{a['amount']:,.2f} 元")
        if analysis.get("total") is not None:
            lines.append(words["summary_total"].format(total=f"{analysis['total']:,.2f}"))
    if analysis.get("deadlines"):
        lines.append(words["summary_deadlines"])
        for d in analysis["deadlines"]:
            lines.append(f"· {d['label']}：{d['date']}" + (words["summary_passed"] if d["passed"] else ""))
    if analysis.get("findings"):
        lines.append(words["summary_findings"])
        for f in analysis["findings"][:max_findings]:
            cites = "、".join(c["label"] for c in f["citations"][:2])
            lines.append(f"· {f['text']}（{cites}）")
    if assumed:
        lines.append(words["summary_assumed"])
        lines += [f"· {a}" for a in assumed]
    if analysis.get("escalate"):
        lines.append(words["summary_escalate"])
    lines.append(words["summary_report"])
    return "\n".join(lines)
