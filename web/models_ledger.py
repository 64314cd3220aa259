"""The dispute ledger (矛盾纠纷台账, schema v5): disputes, their parties, mediation sessions,
follow-ups (回访) and events; the yearly counters that number them; the admins' marks on
knowledge gaps; the log of transcript purges.

A dispute follows 人民调解法 arts. 17–33: it is registered (申请/受理登记), accepted, mediated in
sessions, ends in an agreement (art. 28–29) or none (art. 26: reason and referral), is visited
again (回访) and archived. Times are naive UTC like the rest of the app database; deadlines are
local dates (China Standard Time).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, utcnow

LEDGER_TABLES = ("ledger_counters", "disputes", "dispute_parties", "dispute_sessions",
                 "dispute_followups", "dispute_events", "gap_marks", "purge_runs")


class LedgerCounter(Base):
    """The last number given out in one numbering scope (a year): a dispute's number comes from
    an UPDATE of this row inside the transaction that inserts the dispute, so two processes never
    draw the same one (the row lock on PostgreSQL, the write lock on SQLite)."""
    __tablename__ = "ledger_counters"
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Dispute(Base):
    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    # robot (a consultation) | booking | walk_in | court | police | petition (信访) | other
    source: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    booking_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    domain: Mapped[str] = mapped_column(String(16), default="other")  # marriage|traffic|labor|other
    township: Mapped[str | None] = mapped_column(String(40), nullable=True)
    village: Mapped[str | None] = mapped_column(String(40), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[dict | None] = mapped_column(JSON, nullable=True)      # the interview's facts
    analysis: Mapped[dict | None] = mapped_column(JSON, nullable=True)   # the robot's analysis
    # registered | accepted | mediating | agreement | no_agreement | followed_up | archived
    status: Mapped[str] = mapped_column(String(16), default="registered")
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True,
                                                    index=True)
    co_mediators: Mapped[list | None] = mapped_column(JSON, nullable=True)  # more names
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # the dates of each step (settable for a case entered after the fact)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    mediating_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    concluded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    followed_up_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # 30 days from acceptance (a local date, moved past days off), unless extended with a reason
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the agreement (art. 29): {"terms", "performance", "performance_due"}; or, without one,
    # the reason and where the parties were referred (art. 26)
    agreement: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    no_agreement_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    referral: Mapped[str | None] = mapped_column(Text, nullable=True)
    # judicial confirmation (art. 33): applied within 30 days of the agreement
    confirmation_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    confirmation: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # {"applied_on", "court", "result"}
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    parties: Mapped[list["DisputeParty"]] = relationship(
        back_populates="dispute", order_by="DisputeParty.position", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_disputes_status_deadline", "status", "deadline"),
        Index("ix_disputes_registered_at", "registered_at"),
        Index("ix_disputes_township", "township"),
        Index("ix_disputes_domain", "domain"),
    )


class DisputeParty(Base):
    __tablename__ = "dispute_parties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(12))  # applicant | respondent
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    id_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    gender: Mapped[str | None] = mapped_column(String(4), nullable=True)
    dispute: Mapped[Dispute] = relationship(back_populates="parties")


class DisputeSession(Base):
    """One mediation session (调解记录): when, where, who attended, what was said."""
    __tablename__ = "dispute_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    held_at: Mapped[dt.datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[list] = mapped_column(JSON, default=list)
    record: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DisputeFollowUp(Base):
    """A follow-up (回访) task, created when an agreement is reached; done with a method and
    whether the agreement was performed."""
    __tablename__ = "dispute_followups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    method: Mapped[str | None] = mapped_column(String(16), nullable=True)  # phone|visit|video|other
    performed: Mapped[str | None] = mapped_column(String(12), nullable=True)  # yes|partly|no
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DisputeEvent(Base):
    """Who did what to a dispute, and when (every status move, date change, extension, ...)."""
    __tablename__ = "dispute_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GapMark(Base):
    """An admin's decision on a group of questions the robot was not sure about: covered by an
    FAQ (``faq_id``) or out of scope on purpose."""
    __tablename__ = "gap_marks"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))  # covered | out_of_scope
    faq_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PurgeRun(Base):
    """One run of ``legalbot purge`` (or the app's daily run): what was removed."""
    __tablename__ = "purge_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(8))  # cli | daily
    cutoff: Mapped[dt.datetime] = mapped_column(DateTime)
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    ran_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("day", "trigger", name="uq_purge_runs_day_trigger"),)
