"""Handoffs: a conversation waiting for a people's mediator or the duty lawyer."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Conversation, Handoff


def record_handoff(s: Session, conv_id: str, *, priority: bool, reason: str) -> None:
    """The conversation waits for a person (Rasa has paused it with ConversationPaused); one
    waiting handoff per conversation, raised to priority when danger is heard later."""
    conv = s.get(Conversation, conv_id)
    conv.status = "waiting_mediator"
    conv.priority = conv.priority or priority
    waiting = s.scalars(select(Handoff).where(Handoff.conversation_id == conv_id,
                                              Handoff.status == "waiting")).first()
    if waiting is None:
        s.add(Handoff(conversation_id=conv_id, reason=reason[:40], priority=priority))
    elif priority and not waiting.priority:
        waiting.priority = True
