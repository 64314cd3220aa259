"""The case-type form: questions come from knowledge/cases/*.yml through knowledge.interview."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge import settings
from knowledge.analysis.engine import AnalysisError
from knowledge.interview import flow as interview
from knowledge.interview import intake, readback
from knowledge.interview.vocabulary import compact

from .components import get_case_types, get_retriever, knowledge
from .offer import PREFILL, known_text, prefilled
from .render import answer_text, summary_text

DONE = "__done__"


def _case(tracker: Tracker):
    return get_case_types().get(tracker.get_slot("case_type") or "")


def _facts(tracker: Tracker) -> dict:
    facts = tracker.get_slot("case_facts")
    return dict(facts) if isinstance(facts, dict) else {}


class ActionStartCase(Action):
    def name(self) -> str:
        return "action_start_case"

    def run(self, dispatcher, tracker, domain):
        named = next(tracker.get_latest_entity_values("case_type"), None)
        if named not in get_case_types() and named not in ("marriage", "traffic", "labor"):
            named = None  # "帮我算算赔偿": 赔偿 names no case type
        text = tracker.latest_message.get("text") or ""
        current = _case(tracker)
        if current is not None and tracker.get_slot("current_fact") and named in (None, current.id) \
                and not tracker.get_slot("offered_case") and not text.startswith("/"):
            # in the middle of a case the model heard "start a case" without another case type
            # named (责任划得不公平, 帮我算算赔偿): that is a reply to the question, not a new start
            slots = {"case_type": current.id,
                     **take_answer(dispatcher, tracker, domain, current, text)}
            return [SlotSet(k, v) for k, v in slots.items()]
        if named is None and not text.startswith("/"):
            # "帮我申请人身安全保护令": the model heard "start a case", but the words name no case
            # type; the case type they fit is started, and anything more than "帮我算算" that
            # fits none is a question and is answered (not the case offered or done before)
            named = intake.suggest(text, get_case_types())
            if named is None and not intake.only_asks_to_start(text):
                from .actions import ActionAnswerQuestion

                return ActionAnswerQuestion().run(dispatcher, tracker, domain) \
                    + [ActiveLoop(None), SlotSet("case_type", None)]
        case_id = named or tracker.get_slot("offered_case") or tracker.get_slot("case_type")
        case = get_case_types().get(case_id or "")
        if case is None and case_id in ("marriage", "traffic", "labor"):
            # "帮我分析一下离婚": the word names a domain; offer its case types
            from .actions import domain_menu

            domain_menu(dispatcher, case_id)
            return [ActiveLoop(None), SlotSet("case_type", None), SlotSet("domain", case_id)]
        if case is None:
            dispatcher.utter_message(response="utter_ask_directly")
            return [ActiveLoop(None), SlotSet("case_type", None)]
        return start_events(dispatcher, case, prefilled(tracker, case))


def start_events(dispatcher: CollectingDispatcher, case, facts: dict | None = None) -> list:
    """A case starts, with the facts the resident already gave in free text (``facts``)."""
    facts = facts or {}
    count = len([f for f in interview.applicable(case, facts) if f.key not in facts])
    dispatcher.utter_message(text=" ".join(interview.words()["start"].format(
        title=case.title, count=count).split()))
    if facts:
        dispatcher.utter_message(text=interview.words()["prefilled"].format(
            facts=known_text(case, facts)))
    return [SlotSet("case_type", case.id), SlotSet("case_facts", facts),
            SlotSet("offered_case", None), SlotSet("current_fact", None),
            SlotSet("fact_answer", None)]


class ActionYesNo(Action):
    """好的 / 不用 outside a case: the answer to the offer to analyse the matching case type (then
    the case form starts), or, with nothing offered, a prompt to say what happened."""

    def name(self) -> str:
        return "action_yes_no"

    def run(self, dispatcher, tracker, domain):
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = tracker.latest_message.get("text") or ""
        case = get_case_types().get(tracker.get_slot("offered_case") or "")
        if case is not None and intent == "affirm":
            return start_events(dispatcher, case, prefilled(tracker, case)) \
                + [FollowupAction("case_form")]
        if case is not None and intent == "deny":
            dispatcher.utter_message(text=interview.words()["offer_declined"])
            return [SlotSet("offered_case", None)]
        analysed = _case(tracker)
        if analysed is not None and _facts(tracker).get(readback.CONFIRMED):
            # "不对，工资是6500" after the analysis: the analysis again with the change
            changed = interview.change_after(analysed, _facts(tracker), text, today=dt.date.today())
            if changed is not None:
                facts, fact, value = changed
                said = {"name": readback.label(fact), "value": readback.show(fact, value)}
                if interview.next_fact(analysed, facts) is not None:
                    # the change opens a question (孩子有两个: the older child's age): it is
                    # asked, the facts read back, and the analysis made again
                    dispatcher.utter_message(text=interview.words()["changed_asks_more"].format(**said))
                    facts.pop(readback.CONFIRMED, None)
                    return [SlotSet("case_facts", facts), SlotSet("fact_answer", None),
                            FollowupAction("case_form")]
                dispatcher.utter_message(text=interview.words()["reanalysed"].format(**said))
                return [SlotSet("case_facts", facts)] + finish(dispatcher, analysed, facts)
        if len(compact(text)) > 4 and not text.startswith("/"):
            # a question the model took for a yes, no or correction: it is answered, not looped
            from .actions import ActionAnswerQuestion

            return ActionAnswerQuestion().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_ask_directly")
        return []


class ActionAskFactAnswer(Action):
    """Asks the next question of the case (the form's ``fact_answer`` slot, asked many times)."""

    def name(self) -> str:
        return "action_ask_fact_answer"

    def run(self, dispatcher, tracker, domain):
        case = _case(tracker)
        facts = _facts(tracker)
        asked = interview.prompt(case, facts, today=dt.date.today(),
                                 region=settings.get("REGION")) if case else None
        if asked is None:
            return []
        key, text, buttons = asked
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("current_fact", key)]


def take_answer(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict, case,
                text: str) -> dict:
    """One reply to the case's current question, understood by knowledge.interview: the slots
    to set (``fact_answer`` DONE when the case is complete, cancelled or handed over)."""
    turn = interview.handle(case, _facts(tracker), text, today=dt.date.today(),
                            asked=tracker.get_slot("current_fact"))
    if turn.kind == "danger":
        from .actions import safety_events

        safety_events(dispatcher)
        return {"fact_answer": DONE, "case_facts": turn.facts, "case_type": None}
    if turn.kind == "cancel":
        dispatcher.utter_message(text=turn.message)
        from .actions import ActionGreet

        ActionGreet().run(dispatcher, tracker, domain)
        return {"fact_answer": DONE, "case_type": None, "case_facts": {}}
    if turn.kind == "unknown_stop":
        # nothing honest to assume: the facts are kept for 接着算, a person is offered
        dispatcher.utter_message(text=turn.message, buttons=[
            {"title": interview.words()["resume_button"],
             "payload": "/start_case" + json.dumps({"case_type": case.id}, ensure_ascii=False)},
            {"title": "转人工", "payload": "/handoff"}, {"title": "回到菜单", "payload": "/greet"}])
        kept = {PREFILL: {"case": case.id, "facts": interview.kept_for_later(turn.facts)}}
        return {"fact_answer": DONE, "case_type": None, "case_facts": kept}
    if turn.kind == "handoff":
        from .actions import self_handoff

        self_handoff(dispatcher, priority=False, tracker=tracker)
        return {"fact_answer": DONE, "case_type": None}
    if turn.kind in ("question", "explained"):
        # a question of the resident's own: a plain explanation or an answer, then the same
        # question again
        if turn.kind == "question":
            dispatcher.utter_message(text=answer_text(get_retriever().ask(text)))
        else:
            dispatcher.utter_message(text=turn.message)
        dispatcher.utter_message(text=interview.words()["resume"])
        return {"case_facts": turn.facts, "fact_answer": None}
    if turn.message:
        dispatcher.utter_message(text=turn.message)
    facts = turn.facts
    if interview.complete(case, facts):
        problem = _problem(case, facts)
        if problem is not None:
            # an answer the analysis cannot use is asked again, in the resident's words
            key, message = problem
            dispatcher.utter_message(text=message)
            facts = {k: v for k, v in facts.items() if k not in (key, readback.CONFIRMED)}
    done = interview.complete(case, facts)
    return {"case_facts": facts, "fact_answer": DONE if done else None}


def _problem(case, facts: dict) -> tuple[str, str] | None:
    try:
        interview.analyse(case, facts, region=settings.get("REGION"))
    except AnalysisError as exc:
        if exc.fact in facts:
            return exc.fact, knowledge().texts.say(
                "dialogue.invalid_answer", problem=interview.problem_text(case, str(exc)))
    return None


class ValidateCaseForm(FormValidationAction):
    def name(self) -> str:
        return "validate_case_form"

    def validate_fact_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict) -> dict:
        case = _case(tracker)
        if case is None:
            return {"fact_answer": DONE}
        if value is None:  # the slot was cleared (a new question), not answered
            return {"fact_answer": None}
        return take_answer(dispatcher, tracker, domain, case, str(value))


class ActionFinishCase(Action):
    def name(self) -> str:
        return "action_finish_case"

    def run(self, dispatcher, tracker, domain):
        case = _case(tracker)
        if case is None:  # cancelled, or handed over
            return [SlotSet("fact_answer", None), SlotSet("current_fact", None)]
        return finish(dispatcher, case, _facts(tracker))


def finish(dispatcher: CollectingDispatcher, case, all_facts: dict) -> list:
    """The analysis of the facts, its summary and the report (again after a change)."""
    facts = interview.typed_facts(all_facts)
    try:
        result = interview.analyse(case, all_facts, region=settings.get("REGION"))
    except AnalysisError as exc:
        dispatcher.utter_message(text=knowledge().texts.say(
            "dialogue.invalid_fact", problem=interview.problem_text(case, str(exc))),
            buttons=interview.words()["after_buttons"])
        return [SlotSet("fact_answer", None)]
    analysis = result.as_json()
    # the web app stores the consultation with this reply and links the report to it
    dispatcher.utter_message(text=summary_text(analysis, interview.words(),
                                               assumed=interview.caveats(case, all_facts)),
                             buttons=interview.words()["after_buttons"],
                             custom={"consultation": {"case_type": case.id, "facts": facts,
                                                      "analysis": analysis}})
    return [SlotSet("fact_answer", None), SlotSet("current_fact", None)]


class ActionCancelCase(Action):
    """Leaves the form (the resident asked for something else); keeps what was said."""

    def name(self) -> str:
        return "action_cancel_case"

    def run(self, dispatcher, tracker, domain):
        # current_fact stays: action_start_case may find the resident was answering it
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("fact_answer", None)]


__all__ = ["ActionStartCase", "ActionYesNo", "ActionAskFactAnswer", "ValidateCaseForm",
           "ActionFinishCase", "ActionCancelCase"]
