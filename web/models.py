"""App database: conversations, messages, consultations, handoffs (SQLAlchemy 2)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    # active | waiting_mediator | with_mediator | closed
    status: Mapped[str] = mapped_column(String(20), default="active")
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # while set and in the future, one request is forwarding this conversation's pending
    # messages to Rasa; others wait instead of sending the same message a second time
    drain_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Message(Base):
    """One message. ``id`` doubles as the ``seq`` of the chat API: increasing across processes."""
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # resident | bot | mediator | system
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    buttons: Mapped[list | None] = mapped_column(JSON, nullable=True)
    report_url: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # resident messages: pending (stored, not yet answered) | answered | paused (routed to a
    # person) | failed (Rasa could not answer it after several tries; kept for the mediators)
    status: Mapped[str] = mapped_column(String(10), default="answered")
    # bot and system messages: the resident message they answer (replies to messages sent at the
    # same instant are stored after all of them, so the order of ids alone does not pair them)
    reply_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Consultation(Base):
    """A completed case-type consultation: facts and the analysis, reachable by report token."""
    __tablename__ = "consultations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), nullable=True,
                                                         index=True)
    case_type: Mapped[str] = mapped_column(String(40))
    facts: Mapped[dict] = mapped_column(JSON)
    analysis: Mapped[dict] = mapped_column(JSON)
    report_token: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Handoff(Base):
    """A request for a person: waiting until a mediator or duty lawyer takes it."""
    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40), default="resident_request")
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | taken | closed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SchemaVersion(Base):
    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
