"""Rasa custom actions (run by rasa-sdk in the app virtualenv)."""
from .actions import (ActionAnswerQuestion, ActionAskDirectly, ActionDomainMenu, ActionGreet,
                      ActionHandoff, ActionSafety)
from .case_form import (ActionAskFactAnswer, ActionCancelCase, ActionFinishCase, ActionStartCase,
                        ActionYesNo, ValidateCaseForm)

__all__ = ["ActionAnswerQuestion", "ActionAskDirectly", "ActionDomainMenu", "ActionGreet", "ActionHandoff",
           "ActionSafety", "ActionAskFactAnswer", "ActionCancelCase", "ActionFinishCase",
           "ActionStartCase", "ActionYesNo", "ValidateCaseForm"]
