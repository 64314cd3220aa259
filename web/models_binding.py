"""One case across channels: the short codes that carry a web conversation over to the 公众号,
and the tries to redeem them (counted to stop guessing). Migration 7 of web/db.py."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


class BindCode(Base):
    """A code shown in the web chat. Only its keyed digest is kept; it is used once."""
    __tablename__ = "bind_codes"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    used_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the openid


class BindAttempt(Base):
    """One try of a code on WeChat (a retried push counts once): failures lock the openid, and
    too many failures from everyone pause binding, so the codes cannot be found by guessing."""
    __tablename__ = "bind_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
