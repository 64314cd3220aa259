"""Rasa custom actions (run by rasa-sdk in the app virtualenv)."""
from .actions import ActionAnswerQuestion, ActionDomainMenu, ActionHandoff

__all__ = ["ActionAnswerQuestion", "ActionDomainMenu", "ActionHandoff"]
