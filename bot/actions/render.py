"""How results look in a chat bubble (presentation only; content comes from knowledge/)."""
from __future__ import annotations

import json


def cite_label(c: dict) -> str:
    law = c["law"].removeprefix("中华人民共和国")
    tail = f"之{c['sub']}" if c.get("sub") else ""
    return f"《{law}》第{c['article']}条{tail}"


def answer_text(result: dict, max_citations: int = 4) -> str:
    text = result["answer"]
    cits = result.get("citations") or []
    if cits:
        text += "\n\n法律依据：" + "、".join(cite_label(c) for c in cits[:max_citations])
    return text


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
