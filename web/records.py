"""Writing consultations to the app database (used by the action server and the web app)."""
from __future__ import annotations

import functools
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from . import settings
from .db import make_engine, make_sessionmaker, migrate, session_scope
from .models import Consultation, Conversation


@functools.lru_cache(maxsize=4)
def sessions_for(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    migrate(engine)
    return make_sessionmaker(engine)


def default_sessions() -> sessionmaker[Session]:
    return sessions_for(settings.database_url())


def save_consultation(sessions: sessionmaker[Session], conversation_id: str | None,
                      case_type: str, facts: dict, analysis: dict) -> str:
    """Store a finished consultation; returns the unguessable token of its report page."""
    token = secrets.token_urlsafe(24)
    with session_scope(sessions) as s:
        conv = s.get(Conversation, conversation_id) if conversation_id else None
        s.add(Consultation(conversation_id=conv.id if conv else None, case_type=case_type,
                           facts=facts, analysis=analysis, report_token=token))
    return token


def find_consultation(sessions: sessionmaker[Session], token: str) -> Consultation | None:
    with sessions() as s:
        return s.scalars(select(Consultation).where(Consultation.report_token == token)).first()
