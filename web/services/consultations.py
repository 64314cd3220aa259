"""Consultations: a finished case-type analysis, stored by the web app when the bot's reply
carries it (``custom.consultation``), and found again by its report token."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..models import Consultation


def report_url(token: str) -> str:
    return f"/reports/{token}"


def parse_payload(custom: dict) -> tuple[str, dict, dict] | None:
    """(case type, facts, analysis) from a reply's custom payload, or None if it carries none
    or one of the wrong shape."""
    c = custom.get("consultation")
    if not isinstance(c, dict):
        return None
    case_type, facts, analysis = c.get("case_type"), c.get("facts"), c.get("analysis")
    if not (isinstance(case_type, str) and 0 < len(case_type) <= 40
            and isinstance(facts, dict) and isinstance(analysis, dict)):
        return None
    return case_type, facts, analysis


def add_consultation(s: Session, conversation_id: str | None, case_type: str, facts: dict,
                     analysis: dict) -> str:
    """Store a finished consultation in the caller's transaction; returns the unguessable token
    of its report page."""
    token = secrets.token_urlsafe(24)
    s.add(Consultation(conversation_id=conversation_id, case_type=case_type, facts=facts,
                       analysis=analysis, report_token=token))
    return token


def find_consultation(sessions: sessionmaker[Session], token: str) -> Consultation | None:
    with sessions() as s:
        return s.scalars(select(Consultation).where(Consultation.report_token == token)).first()
