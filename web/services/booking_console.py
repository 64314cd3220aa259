"""The mediator's side of bookings in the console: "我的预约" for today and the week with the
application attached, and marking a booking attended, no-show or rescheduled. A mediator sees
the bookings of their own board entry (``User.mediator_id``); an admin sees all. Phone numbers
are shown in full only to that mediator and to admins (they handle the case)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from ..models import ConsoleEvent, utcnow
from ..models_booking import Booking, BookingEvent, Mediator
from .bookings import Bookings
from .workdays import CST, to_local, to_utc_naive

MARKS = ("attended", "no_show", "rescheduled")


class BookingConsole:
    def __init__(self, bookings: Bookings):
        self.bookings = bookings
        self.sessions = bookings.sessions

    def _may(self, user, b: Booking) -> bool:
        return user.role == "admin" or (user.role == "mediator"
                                        and user.mediator_id == b.mediator_id)

    def _row(self, s, b: Booking) -> dict:
        out = self.bookings.view(s, b)
        out["application"] = b.application
        out["application_url"] = f"/api/console/bookings/{b.id}/application.pdf"
        return out

    def list(self, user, span: str = "week", now: dt.datetime | None = None) -> list[dict]:
        """Bookings of today (``today``), of the next seven days (``week``) or all upcoming and
        past (``all``), earliest first."""
        now = (now or dt.datetime.now(CST)).astimezone(CST)
        start = dt.datetime.combine(now.date(), dt.time(), CST)
        end = start + dt.timedelta(days={"today": 1, "week": 7}.get(span, 3650))
        if span == "all":
            start -= dt.timedelta(days=3650)
        q = select(Booking).where(Booking.start >= to_utc_naive(start),
                                  Booking.start < to_utc_naive(end)).order_by(Booking.start)
        if user.role != "admin":
            q = q.where(Booking.mediator_id == (user.mediator_id or ""))
        with self.sessions() as s:
            return [self._row(s, b) for b in s.scalars(q)]

    def get(self, user, booking_id) -> Booking:
        with self.sessions() as s:
            b = s.get(Booking, booking_id) if isinstance(booking_id, int) else None
            if b is None:
                raise self.bookings.error(404, "not_found")
            if not self._may(user, b):
                raise self.bookings.error(403, "forbidden")
            return b

    def mark(self, user, booking_id: int, body) -> dict:
        """``{"status": "attended" | "no_show"}``, or ``{"status": "rescheduled", "start"}``
        (moved on the resident's request: the same checks and the same index as the resident's
        own reschedule)."""
        b = self.get(user, booking_id)
        status = body.get("status") if isinstance(body, dict) else None
        if status not in MARKS:
            raise self.bookings.error(400, "bad_status")
        if status == "rescheduled":
            out = self.bookings.reschedule(b.id, self.bookings._token(b), body, actor=user.name)
            self._event(b, user, "booking_rescheduled", {"start": out["start"]})
            return out
        if b.status == "cancelled":
            raise self.bookings.error(409, "cancelled")
        if to_local(b.start).date() > dt.datetime.now(CST).date():
            raise self.bookings.error(409, "not_changeable")  # its day has not come
        with self.sessions() as s:
            s.execute(update(Booking).where(Booking.id == b.id)
                      .values(status=status, updated_at=utcnow()))
            s.add(BookingEvent(booking_id=b.id, kind=status, actor=user.name))
            s.commit()
        self._event(b, user, f"booking_{status}", {})
        with self.sessions() as s:
            return self._row(s, s.get(Booking, b.id))

    def _event(self, b: Booking, user, kind: str, detail: dict) -> None:
        if not b.conversation_id:
            return
        with self.sessions() as s:
            s.add(ConsoleEvent(conversation_id=b.conversation_id, kind=kind, actor_id=user.id,
                               actor=user.name, detail={"booking_id": b.id, **detail}))
            s.commit()

    def mediator_name(self, mediator_id: str | None) -> str | None:
        with self.sessions() as s:
            m = s.get(Mediator, mediator_id) if mediator_id else None
            return m.name if m else None

