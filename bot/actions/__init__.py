"""Rasa custom actions (run by rasa-sdk in the app virtualenv)."""
from .actions import ActionAnswerQuestion, ActionDomainMenu, ActionGreet, ActionHandoff

__all__ = ["ActionAnswerQuestion", "ActionDomainMenu", "ActionGreet", "ActionHandoff"]
