"""Thin actions: read the tracker, call knowledge/ or retrieval/, utter the result."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.interview import intake, safety
from knowledge.interview.vocabulary import compact

from .components import get_case_types, get_menus, get_retriever
from .offer import case_offer
from .render import alternative_buttons, answer_text, menu_buttons

# how sure the model must be before its reading of a message wins over the message's own words
# (the alarm of action_safety; 谢谢 / 再见 of action_small_talk)
SURE = 0.8


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict,
            text: str | None = None) -> list[Any]:
        """Answers the latest message (or ``text``, the question part of it)."""
        text = (text or tracker.latest_message.get("text") or "").strip()
        chosen = chosen_faq(tracker)
        if chosen:
            try:
                result = get_retriever().answer_entry(chosen)
            except KeyError:  # an old button of an entry since removed: start over
                return ActionGreet().run(dispatcher, tracker, domain)
            text = ""
        elif not text or text.startswith("/"):
            return ActionGreet().run(dispatcher, tracker, domain)
        else:
            result = get_retriever().ask(text)
        # a case type the words fit is offered for analysis, with the facts already said
        offer, instead, offer_buttons, events = case_offer(tracker, text, result)
        instead = instead and not chosen  # a chosen entry is answered as chosen
        # "not sure": the "您问的是不是" choices as buttons that bring back that entry's answer
        buttons = ([] if instead else alternative_buttons(result)) + offer_buttons
        buttons += [{"title": "转人工", "payload": "/handoff"},
                    {"title": "回到菜单", "payload": "/greet"}]
        body = offer if instead else answer_text(result) + (f"\n\n{offer}" if offer else "")
        # a person in danger reads 110 first, then the answer to what they asked
        danger = bool(result.get("escalate") and text and safety.detect(text))
        alarm = safety_events(dispatcher) if danger else []
        # the console shows which FAQ answered and how sure retrieval was (the widget does not)
        dispatcher.utter_message(text=body, buttons=buttons,
                                 custom={"answer": {"faq_id": result.get("faq_id"),
                                                    "confidence": result.get("confidence"),
                                                    "domain": result.get("domain"),
                                                    "tier": tier_of(result),
                                                    "referral": result.get("referral")}})
        events = list(events) + alarm
        if result["domain"] in ("marriage", "traffic", "labor") and not instead:
            events.append(SlotSet("domain", result["domain"]))
        if result.get("escalate") and not danger:
            events += self_handoff(dispatcher, priority=True, tracker=tracker)
        return events


def chosen_faq(tracker: Tracker) -> str | None:
    """The FAQ id a "您问的是不是" button carried, if this message is such a button."""
    for ent in tracker.latest_message.get("entities") or []:
        if ent.get("entity") == "faq_id" and isinstance(ent.get("value"), str):
            return ent["value"]
    return None


def tier_of(result: dict) -> str:
    if not result.get("in_scope"):
        return "out_of_scope"
    return "answer" if result.get("faq_id") else "not_sure"


def handoff_context(tracker: Tracker | None) -> dict:
    """What the console's queue shows of a handoff: the domain and case type being discussed."""
    if tracker is None:
        return {}
    return {"domain": tracker.get_slot("domain"), "case_type": tracker.get_slot("case_type")}


def self_handoff(dispatcher: CollectingDispatcher, *, priority: bool,
                 tracker: Tracker | None = None) -> list[Any]:
    menus = get_menus()["handoff"]
    text = menus["priority_text"] + menus["text"] if priority else menus["text"]
    dispatcher.utter_message(text=" ".join(text.split()),
                             custom={"handoff": True, "priority": priority,
                                     **handoff_context(tracker)})
    return [ConversationPaused()]


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    def run(self, dispatcher, tracker, domain):
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        story = intake.after_greeting(text) if intent == "greet" and not text.startswith("/") \
            else None
        if story:
            # "你好，我想问一下，我老公…": the greeting is manners, the story is the question
            return ActionAnswerQuestion().run(dispatcher, tracker, domain, text=story)
        greeting = get_menus()["greeting"]
        dispatcher.utter_message(text=" ".join(greeting["text"].split()),
                                 buttons=greeting["buttons"])
        return []


class ActionDomainMenu(Action):
    def name(self) -> str:
        return "action_domain_menu"

    def run(self, dispatcher, tracker, domain):
        key = tracker.get_slot("domain")
        if key not in ("marriage", "traffic", "labor"):
            return ActionGreet().run(dispatcher, tracker, domain)
        domain_menu(dispatcher, key)
        return []


def domain_menu(dispatcher: CollectingDispatcher, key: str) -> None:
    menus = get_menus()
    dispatcher.utter_message(text=menus[key]["prompt"],
                             buttons=menu_buttons(menus, key, get_case_types()))


def safety_events(dispatcher: CollectingDispatcher) -> list[Any]:
    """Emergency guidance at once, and a priority handoff."""
    dispatcher.utter_message(text=safety.guidance(),
                             custom={"handoff": True, "priority": True, "reason": "danger"})
    return [ConversationPaused()]


class ActionSafety(Action):
    """The NLU heard danger. Words that say so (knowledge/texts/safety.yml: precision 1.0 and
    recall 0.98 on the written case set) get the emergency guidance and a priority handoff; the
    model alone, which also hears danger in harmless stories, gets the answer and a note."""

    def name(self) -> str:
        return "action_safety"

    def run(self, dispatcher, tracker, domain):
        text = tracker.latest_message.get("text") or ""
        if safety.detect(text) or text.startswith("/"):
            return safety_events(dispatcher)
        # the model alone heard danger (邻居家的树把俺家院墙拱倒了, 那口子天天不着家): the
        # question is answered, with a line on what to do if someone is in danger after all
        events = ActionAnswerQuestion().run(dispatcher, tracker, domain)
        dispatcher.utter_message(text=safety.just_in_case())
        return events


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher, tracker, domain):
        return self_handoff(dispatcher, priority=False, tracker=tracker)


class ActionAskDirectly(Action):
    """The "直接提问" button asks for the story; a story the model took for that button
    ("包工头跑了，工钱一分没拿到") is answered instead of being asked for again."""

    def name(self) -> str:
        return "action_ask_directly"

    def run(self, dispatcher, tracker, domain):
        text = (tracker.latest_message.get("text") or "").strip()
        if text.startswith("/") or len(compact(text)) <= 6:
            dispatcher.utter_message(response="utter_ask_directly")
            return []
        return ActionAnswerQuestion().run(dispatcher, tracker, domain)


class ActionSmallTalk(Action):
    """谢谢 / 再见 get their short reply; a message the model took for one of them without being
    sure, whose words fit a case type (俺想离婚，俺俩都同意), is a story and is answered."""

    def name(self) -> str:
        return "action_small_talk"

    def run(self, dispatcher, tracker, domain):
        intent = tracker.latest_message.get("intent") or {}
        text = tracker.latest_message.get("text") or ""
        if (intent.get("confidence") or 0.0) < SURE and not text.startswith("/") \
                and intake.suggest(text, get_case_types()):
            return ActionAnswerQuestion().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_goodbye" if intent.get("name") == "goodbye"
                                 else "utter_thanks")
        return []
