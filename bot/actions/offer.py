"""The offer to analyse after a free answer: which case type, with the facts already said."""
from __future__ import annotations

import datetime as dt
import json

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from knowledge.interview import flow as interview
from knowledge.interview import intake, readback

from .components import get_case_types

PREFILL = "_prefill"


def known_text(case, facts: dict) -> str:
    return "、".join(f"{readback.label(f)}{readback.show(f, facts[f.key])}"
                     for f in case.facts if f.key in facts)


def case_offer(tracker: Tracker, text: str,
               result: dict) -> tuple[str | None, bool, list[dict], list]:
    """(a line to say after the answer; whether it replaces an answer found about another field;
    the buttons; the slot events). The line is None when no case type fits."""
    cases = get_case_types()
    case_id = intake.suggest(text, cases, fallback=result.get("case_type"))
    if case_id is None:
        return None, False, [], [SlotSet("offered_case", None)]
    case = cases[case_id]
    w = interview.words()
    facts = intake.prefill(case, text, dt.date.today())
    known = w["offer_known"].format(facts=known_text(case, facts)) if facts else ""
    line = w["offer_case"].format(title=case.title, known=known)
    instead = result.get("domain") != case.domain
    if instead:
        # the answer found is about something else ("老板把我开了" answered about traffic)
        line = w["offer_instead"].format(title=case.title,
                                         description=" ".join(case.description.split())) \
            + "\n" + line
    old = tracker.get_slot("case_facts")
    kept = dict(old) if isinstance(old, dict) else {}
    kept[PREFILL] = {"case": case.id, "facts": facts}
    buttons = [{"title": w["offer_button"],
                "payload": "/start_case" + json.dumps({"case_type": case.id}, ensure_ascii=False)}]
    also = intake.second_offer(text, cases) if case_id == intake.suggest(text, cases) else None
    if also is not None:
        # two problems in one story: the second is offered as well, to take after the first
        line += "\n" + w["offer_also"].format(title=cases[also].title)
        buttons.append({"title": w["offer_also_button"].format(title=cases[also].title),
                        "payload": "/start_case" + json.dumps({"case_type": also},
                                                              ensure_ascii=False)})
    return line, instead, buttons, [SlotSet("offered_case", case.id),
                                    SlotSet("case_facts", kept)]


def prefilled(tracker: Tracker, case) -> dict:
    """The facts the offer for ``case`` carried, if the resident accepted that offer."""
    old = tracker.get_slot("case_facts")
    pre = old.get(PREFILL) if isinstance(old, dict) else None
    if isinstance(pre, dict) and pre.get("case") == case.id and isinstance(pre.get("facts"), dict):
        return dict(pre["facts"])
    return {}
