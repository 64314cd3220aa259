"""The mediator board and bookings (schema v6): mediators with their weekly schedule and leave,
the published holiday schedule entered by admins, bookings and their history.

One slot is booked at most once: the partial unique index ``uq_bookings_slot`` on
``(mediator_id, start)`` over the bookings that hold their slot; an insert or a reschedule into a
held slot fails in the database, whatever the concurrency (no check-then-insert).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        text)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow

# the statuses of a booking that keep its slot taken
HOLDING = ("confirmed", "attended", "no_show")
_HOLDING_SQL = text("status IN ('confirmed', 'attended', 'no_show')")


class Mediator(Base):
    """A people's mediator on the board (调解点将台)."""
    __tablename__ = "mediators"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    organization: Mapped[str] = mapped_column(String(80), default="")
    village: Mapped[str] = mapped_column(String(40), default="")
    township: Mapped[str] = mapped_column(String(40), default="", index=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    specialties: Mapped[list] = mapped_column(JSON, default=list)
    intro: Mapped[str] = mapped_column(Text, default="")
    # ISO weekday (1 = Monday) -> ["09:00-12:00", "14:00-17:00"]
    schedule: Mapped[dict] = mapped_column(JSON, default=dict)
    modes: Mapped[list] = mapped_column(JSON, default=list)  # in_person, video
    featured: Mapped[bool] = mapped_column(Boolean, default=False)  # the bureau's own pick
    photo: Mapped[str | None] = mapped_column(String(80), nullable=True)  # file in DATA_DIR/photos
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)  # from data/seeds (invented)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class MediatorLeave(Base):
    """Days a mediator is away (both ends included)."""
    __tablename__ = "mediator_leave"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mediator_id: Mapped[str] = mapped_column(ForeignKey("mediators.id"), index=True)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarDay(Base):
    """One day of the State Council's published schedule, entered by an admin: a holiday
    (``workday`` false) or a 调休 working day (true). Wins over chinesecalendar and the fallback."""
    __tablename__ = "calendar_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(80), default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Booking(Base):
    """A booked mediation slot; ``application`` is the 调解申请书 made from it."""
    __tablename__ = "bookings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mediator_id: Mapped[str] = mapped_column(ForeignKey("mediators.id"))
    start: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC
    end: Mapped[dt.datetime] = mapped_column(DateTime)
    mode: Mapped[str] = mapped_column(String(10))  # in_person | video
    # confirmed | cancelled | attended | no_show
    status: Mapped[str] = mapped_column(String(10), default="confirmed")
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    consent_version: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # the manage token is an HMAC of the id and this salt with the app's secret key (so a retry
    # with the same Idempotency-Key gets the same token back, and the table alone reveals none)
    token_salt: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"),
                                                         nullable=True, index=True)
    dispute_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    application: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reschedules: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("uq_bookings_slot", "mediator_id", "start", unique=True,
              sqlite_where=_HOLDING_SQL, postgresql_where=_HOLDING_SQL),
        Index("ix_bookings_start", "start"),
    )


class BookingEvent(Base):
    """What happened to a booking, who did it and when (made, moved, cancelled, marked)."""
    __tablename__ = "booking_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(40))  # resident | a user's name | system
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


BOOKING_TABLES = ("mediators", "mediator_leave", "calendar_days", "bookings", "booking_events")
