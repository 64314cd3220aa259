"""Booking a mediation slot (contract 5): free slots on working days, booking, the manage token
(view, reschedule, cancel), the .ics file, the confirmation in the chat, and the mediator's side.

One slot is booked once by the database: the partial unique index of ``models_booking``. A
booking's write transaction starts with its INSERT (or UPDATE), so on SQLite it never has to
upgrade a read snapshot, and whichever transaction reaches the index first wins; the others get
IntegrityError -> 409 ``slot_taken`` with the next free slots.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.content.loader import tidy

from ..models import Consultation, ConsoleEvent, Conversation, Message, utcnow
from ..models_booking import HOLDING, Booking, BookingEvent, Mediator, MediatorLeave
from .application import build_application
from .mediators import Roster, valid_phone
from .workdays import CST, WorkCalendar, iso, parse_hours, to_local, to_utc_naive


def _fold(line: str, limit: int = 75) -> str:
    """An iCalendar content line folded at 75 octets without splitting a character."""
    out, cur = [], ""
    for ch in line:
        if len((cur + ch).encode()) > limit:
            out.append(cur)
            cur = " "
        cur += ch
    return "\r\n".join(out + [cur])


class BookingError(Exception):
    def __init__(self, status: int, code: str, message: str, extra: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra or {}

    def body(self) -> dict:
        return {"error": self.code, "message": self.message, **self.extra}


def parse_start(value) -> dt.datetime | None:
    """An ISO 8601 time (a time without offset is taken as Beijing time) -> aware, or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.replace(tzinfo=CST) if t.tzinfo is None else t


class Bookings:
    def __init__(self, sessions: sessionmaker[Session], roster: Roster, calendar: WorkCalendar, *,
                 texts: dict, knowledge, secret: str, slot_minutes: int = 60,
                 lead_minutes: int = 120, days: int = 14, max_days: int = 60,
                 video_url: str = "", ledger=None):
        self.sessions = sessions
        self.roster = roster
        self.calendar = calendar
        self.texts = texts  # knowledge/texts/booking.yml
        self.knowledge = knowledge
        self.secret = secret.encode()
        self.slot = dt.timedelta(minutes=slot_minutes)
        self.lead = dt.timedelta(minutes=lead_minutes)
        self.days, self.max_days = days, max_days
        self.video_url = video_url
        # opens the dispute record of a booking: (session, booking, application) -> id | None
        self.ledger = ledger

    def error(self, status: int, code: str, extra: dict | None = None, **values) -> BookingError:
        text = tidy(self.texts["errors"][code])
        return BookingError(status, code, text.format(**values) if values else text, extra)

    # -- slots -----------------------------------------------------------------------------------
    def _day_starts(self, m: Mediator, day: dt.date, leave) -> list[dt.datetime]:
        if not self.calendar.is_workday(day) or any(a <= day <= b for a, b in leave):
            return []
        schedule = m.schedule or {}
        spans = schedule.get(str(day.isoweekday()), [])
        if not spans and day.isoweekday() > 5:
            # a weekend worked in exchange for a holiday (调休) is kept like a weekday: the
            # mediator's hours of the first weekday they have hours on
            spans = next((schedule[str(d)] for d in range(1, 6) if schedule.get(str(d))), [])
        out = []
        for span in spans:
            a, b = parse_hours(span)
            t, end = dt.datetime.combine(day, a, CST), dt.datetime.combine(day, b, CST)
            while t + self.slot <= end:
                out.append(t)
                t += self.slot
        return out

    def _mediator(self, s: Session, mediator_id) -> tuple[Mediator, list]:
        m = s.get(Mediator, mediator_id) if isinstance(mediator_id, str) else None
        if m is None or not m.active:
            raise self.error(404, "mediator_not_found")
        leave = [(x.first_day, x.last_day) for x in s.scalars(
            select(MediatorLeave).where(MediatorLeave.mediator_id == m.id))]
        return m, leave

    def _horizon(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The earliest and latest bookable start."""
        today = now.astimezone(CST).date()
        last = dt.datetime.combine(today + dt.timedelta(days=self.max_days), dt.time(23, 59), CST)
        return now + self.lead, last

    def _free(self, s: Session, m: Mediator, leave, first: dt.date, days: int,
              now: dt.datetime, limit: int | None = None) -> list[dict]:
        earliest, latest = self._horizon(now)
        end_day = first + dt.timedelta(days=days)
        taken = set(s.scalars(select(Booking.start).where(
            Booking.mediator_id == m.id, Booking.status.in_(HOLDING),
            Booking.start >= to_utc_naive(dt.datetime.combine(first, dt.time(), CST)),
            Booking.start < to_utc_naive(dt.datetime.combine(end_day, dt.time(), CST)))))
        modes = self.roster.modes(m)
        out = []
        for i in range(days):
            for t in self._day_starts(m, first + dt.timedelta(days=i), leave):
                if earliest <= t <= latest and to_utc_naive(t) not in taken:
                    out.append({"start": iso(t), "end": iso(t + self.slot), "modes": modes})
                    if limit and len(out) >= limit:
                        return out
        return out

    def slots(self, mediator_id, first: str | None, days, now: dt.datetime | None = None) -> list:
        now = now or dt.datetime.now(CST)
        try:
            day = dt.date.fromisoformat(first) if first else now.astimezone(CST).date()
        except (TypeError, ValueError):
            raise self.error(400, "bad_date") from None
        try:
            n = int(days) if days not in (None, "") else self.days
        except (TypeError, ValueError):
            n = -1
        if not 1 <= n <= self.max_days:
            raise self.error(400, "bad_days", limit=self.max_days)
        with self.sessions() as s:
            m, leave = self._mediator(s, mediator_id)
            return self._free(s, m, leave, day, n, now)

    def next_free(self, mediator_id: str, after: dt.datetime, n: int = 3,
                  now: dt.datetime | None = None) -> list[dict]:
        now = now or dt.datetime.now(CST)
        with self.sessions() as s:
            m, leave = self._mediator(s, mediator_id)
            first = max(after, now).astimezone(CST).date()
            return self._free(s, m, leave, first, self.max_days, now, limit=n)

    def _check_slot(self, s: Session, m: Mediator, leave, start: dt.datetime,
                    now: dt.datetime) -> dt.datetime:
        """The slot's end; ``past`` or ``not_a_slot`` otherwise (taken is the index's word)."""
        if start <= now:
            raise self.error(400, "past")
        earliest, latest = self._horizon(now)
        local = start.astimezone(CST)
        if not earliest <= local <= latest or local not in self._day_starts(m, local.date(), leave):
            raise self.error(400, "not_a_slot")
        return local + self.slot

    # -- tokens ----------------------------------------------------------------------------------
    def _token(self, b: Booking) -> str:
        return hmac.new(self.secret, f"booking:{b.id}:{b.token_salt}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    def _authorized(self, s: Session, booking_id, token) -> Booking:
        try:
            bid = int(booking_id)
        except (TypeError, ValueError):
            raise self.error(404, "not_found") from None
        b = s.get(Booking, bid) if 0 < bid < 2**62 else None
        if b is None:
            raise self.error(404, "not_found")
        if not isinstance(token, str) or not hmac.compare_digest(self._token(b), token):
            raise self.error(403, "bad_token")
        return b

    # -- booking ---------------------------------------------------------------------------------
    def _validate(self, body) -> dict:
        if not isinstance(body, dict):
            raise self.error(400, "bad_request")
        with self.sessions() as s:
            m, leave = self._mediator(s, body.get("mediator_id"))
            if body.get("consent") is not True:
                raise self.error(400, "consent_required")
            name = body.get("name")
            if not isinstance(name, str) or not 0 < len(name.strip()) <= 20:
                raise self.error(400, "bad_name")
            phone = valid_phone(body.get("phone"))
            if phone is None:
                raise self.error(400, "bad_phone")
            mode = body.get("mode", "in_person")
            if mode not in self.roster.modes(m):
                raise self.error(400, "bad_mode")
            note = body.get("note") or ""
            if not isinstance(note, str) or len(note) > 500:
                raise self.error(400, "bad_note")
            respondent = body.get("respondent") or ""
            if isinstance(respondent, dict):
                respondent = respondent.get("name") or ""
            if not isinstance(respondent, str) or len(respondent) > 40:
                raise self.error(400, "bad_party")
            start = parse_start(body.get("start"))
            if start is None:
                raise self.error(400, "not_a_slot")
            end = self._check_slot(s, m, leave, start, dt.datetime.now(CST))
            conv_id, consultation = self._conversation(s, body)
            mediator = {"id": m.id, "name": m.name, "organization": m.organization,
                        "township": m.township, "village": m.village, "phone": m.phone}
        return {"mediator": mediator, "name": name.strip(), "phone": phone, "mode": mode,
                "note": note.strip(), "respondent": respondent.strip(), "start": start,
                "end": end, "conversation_id": conv_id, "consultation": consultation}

    def _conversation(self, s: Session, body: dict):
        conv_id, token = body.get("conversation_id"), body.get("conversation_token")
        if conv_id in (None, ""):
            return None, None
        conv = s.get(Conversation, conv_id) if isinstance(conv_id, str) else None
        if conv is None or not isinstance(token, str) or not hmac.compare_digest(
                conv.token_hash, hashlib.sha256(token.encode()).hexdigest()):
            raise self.error(403, "bad_conversation")
        c = s.scalars(select(Consultation).where(Consultation.conversation_id == conv_id)
                      .order_by(Consultation.id.desc()).limit(1)).first()
        return conv_id, ({"case_type": c.case_type, "facts": c.facts, "analysis": c.analysis,
                          "report_token": c.report_token} if c else None)

    @staticmethod
    def _request_hash(body: dict) -> str:
        keep = {k: body.get(k) for k in ("mediator_id", "start", "mode", "name", "phone",
                                         "conversation_id", "note", "respondent")}
        return hashlib.sha256(json.dumps(keep, sort_keys=True, ensure_ascii=False,
                                         default=str).encode()).hexdigest()

    def _replay(self, key: str, body: dict) -> dict | None:
        with self.sessions() as s:
            b = s.scalars(select(Booking).where(Booking.idempotency_key == key)).first()
            if b is None:
                return None
            if b.request_hash != self._request_hash(body):
                raise self.error(422, "idempotency_conflict")
            return self._created(s, b)

    def book(self, body, idempotency_key: str | None = None) -> dict:
        key = (idempotency_key or "").strip()[:100] or None
        if key and isinstance(body, dict):
            done = self._replay(key, body)
            if done is not None:
                return done
        v = self._validate(body)
        mediator = v["mediator"]
        application = build_application(v, self.knowledge, self.texts)
        b = Booking(mediator_id=mediator["id"], start=to_utc_naive(v["start"]),
                    end=to_utc_naive(v["end"]), mode=v["mode"], status="confirmed",
                    name=v["name"], phone=v["phone"], note=v["note"],
                    consent_version=str(self.texts["consent"]["version"]),
                    token_salt=secrets.token_hex(16), idempotency_key=key,
                    request_hash=self._request_hash(body), conversation_id=v["conversation_id"],
                    application=application)

        def write(s: Session) -> dict:
            s.add(b)
            s.flush()  # the first statement of the transaction: the index decides here
            if self.ledger is not None:
                b.dispute_id = self.ledger(s, b, application, v)
            s.add(BookingEvent(booking_id=b.id, kind="booked", actor="resident",
                               detail={"start": iso(v["start"]), "mode": b.mode}))
            out = self._created(s, b)
            if b.conversation_id:
                self._tell_chat(s, b, "confirmed", out)
            return out

        # a retry whose first attempt did go in gets that booking back, not slot_taken
        return self._in_slot(write, mediator["id"], v["start"],
                             replay=(lambda: self._replay(key, body)) if key else None)

    def _in_slot(self, write, mediator_id: str, start: dt.datetime, *, replay=None) -> dict:
        """Run ``write(session)``, whose first statement takes the slot (the partial unique
        index decides), and commit. When another booking holds the slot: roll back and answer
        409 ``slot_taken`` with the next free slots, unless ``replay()`` finds the answer."""
        s = self.sessions()
        try:
            out = write(s)
            s.commit()
            return out
        except IntegrityError:
            s.rollback()
        finally:
            s.close()
        done = replay() if replay is not None else None
        if done is not None:
            return done
        raise self.error(409, "slot_taken", extra={
            "next_slots": self.next_free(mediator_id, start)})

    # -- what a booking looks like ---------------------------------------------------------------
    def _video_link(self, b: Booking, m: Mediator) -> str | None:
        if b.mode != "video" or not self.video_url:
            return None
        return self.video_url.format(booking_id=b.id, mediator_id=m.id, township=m.township)

    def _created(self, s: Session, b: Booking) -> dict:
        token = self._token(b)
        out = self.view(s, b)
        out.update(manage_token=token,
                   ics_url=f"/api/bookings/{b.id}.ics?token={token}",
                   manage_url=f"/bookings/{b.id}#token={token}")
        return out

    def view(self, s: Session, b: Booking) -> dict:
        m = s.get(Mediator, b.mediator_id)
        return {"booking_id": b.id, "status": b.status, "start": iso(b.start), "end": iso(b.end),
                "mode": b.mode, "mediator": {"id": m.id, "name": m.name, "phone": m.phone,
                                             "organization": m.organization,
                                             "township": m.township, "village": m.village},
                "name": b.name, "phone": b.phone, "note": b.note,
                "video_url": self._video_link(b, m), "dispute_id": b.dispute_id,
                "consent_version": b.consent_version, "conversation_id": b.conversation_id,
                "application_url": f"/api/bookings/{b.id}/application.pdf"}

    def get(self, booking_id, token) -> dict:
        with self.sessions() as s:
            return self.view(s, self._authorized(s, booking_id, token))

    def application(self, booking_id, token) -> tuple[Booking, dict]:
        with self.sessions() as s:
            b = self._authorized(s, booking_id, token)
            return b, self.view(s, b)

    def ics(self, booking_id, token, *, base: str) -> str:
        """The booking as an iCalendar event (RFC 5545), cancelled ones with STATUS:CANCELLED."""
        with self.sessions() as s:
            b = self._authorized(s, booking_id, token)
            out = self._created(s, b)
        t, m = self.texts["ics"], out["mediator"]

        def esc(v: str) -> str:
            return (str(v).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                    .replace("\n", "\\n"))

        def stamp(value: dt.datetime) -> str:
            return value.strftime("%Y%m%dT%H%M%SZ")

        where = out["video_url"] or f"{m['organization']}（{m['township']}{m['village']}）"
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//legalbot//mediation//ZH",
                 "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
                 f"UID:booking-{b.id}@legalbot", f"DTSTAMP:{stamp(utcnow())}",
                 f"DTSTART:{stamp(b.start)}", f"DTEND:{stamp(b.end)}",
                 f"SUMMARY:{esc(t['summary'].format(mediator=m['name']))}",
                 f"LOCATION:{esc(where)}",
                 "DESCRIPTION:" + esc(t["description"].format(
                     mediator=m["name"], organization=m["organization"], phone=m["phone"],
                     mode=self.texts["modes"][b.mode], manage_url=base + out["manage_url"])),
                 f"SEQUENCE:{b.reschedules}",
                 "STATUS:" + ("CANCELLED" if b.status == "cancelled" else "CONFIRMED"),
                 "END:VEVENT", "END:VCALENDAR"]
        return "".join(_fold(x) + "\r\n" for x in lines)

    # -- changes by the resident -----------------------------------------------------------------
    def cancel(self, booking_id, token, *, actor: str = "resident") -> dict:
        with self.sessions() as s:
            b = self._authorized(s, booking_id, token)
        with self.sessions() as s:
            done = s.execute(update(Booking).where(Booking.id == b.id,
                                                   Booking.status == "confirmed")
                             .values(status="cancelled", updated_at=utcnow())).rowcount
            if not done:
                s.rollback()
                code = "already_cancelled" if b.status == "cancelled" else "not_changeable"
                raise self.error(409, code)
            s.add(BookingEvent(booking_id=b.id, kind="cancelled", actor=actor))
            b = s.get(Booking, b.id)
            out = self.view(s, b)
            if b.conversation_id:
                self._tell_chat(s, b, "cancelled", out)
            s.commit()
            return out

    def reschedule(self, booking_id, token, body, *, actor: str = "resident") -> dict:
        with self.sessions() as s:
            b = self._authorized(s, booking_id, token)
            if b.status != "confirmed":
                raise self.error(409, "cancelled" if b.status == "cancelled" else "not_changeable")
            m, leave = self._mediator(s, b.mediator_id)
            start = parse_start(body.get("start") if isinstance(body, dict) else None)
            if start is None:
                raise self.error(400, "not_a_slot")
            end = self._check_slot(s, m, leave, start, dt.datetime.now(CST))
            old = iso(b.start)
        booking_id = b.id

        def write(s: Session) -> dict:
            done = s.execute(update(Booking).where(Booking.id == booking_id,
                                                   Booking.status == "confirmed")
                             .values(start=to_utc_naive(start), end=to_utc_naive(end),
                                     reschedules=Booking.reschedules + 1,
                                     updated_at=utcnow())).rowcount
            if not done:  # cancelled meanwhile (the session is closed, nothing kept)
                raise self.error(409, "cancelled")
            s.add(BookingEvent(booking_id=booking_id, kind="rescheduled", actor=actor,
                               detail={"from": old, "to": iso(start)}))
            moved = s.get(Booking, booking_id)
            out = self.view(s, moved)
            if moved.conversation_id:
                self._tell_chat(s, moved, "rescheduled", out)
            return out

        return self._in_slot(write, m.id, start)

    # -- the chat --------------------------------------------------------------------------------
    def _when(self, value: str) -> str:
        t = dt.datetime.fromisoformat(value).astimezone(CST)
        return f"{t.month}月{t.day}日 {t:%H:%M}"

    def _tell_chat(self, s: Session, b: Booking, what: str, out: dict) -> None:
        """The confirmation (or change) as a message in the conversation the booking came from,
        and an event the console shows beside it."""
        t, m = self.texts["chat"], out["mediator"]
        mode = self.texts["modes"][b.mode]
        if what == "confirmed":
            where = (t["where_video"].format(video_url=out["video_url"]) if out["video_url"]
                     else t["where_in_person"].format(organization=m["organization"]))
            text = t["confirmed"].format(start=self._when(out["start"]), mediator=m["name"],
                                         organization=m["organization"], mode=mode, where=where)
            links = [{"title": t["manage_link"], "url": out["manage_url"]}]
        else:
            text = t[what].format(start=self._when(out["start"]))
            links = None
        s.add(Message(conversation_id=b.conversation_id, sender="system", text=tidy(text),
                      links=links))
        s.add(ConsoleEvent(conversation_id=b.conversation_id, kind=f"booking_{what}",
                           actor="resident", detail={"booking_id": b.id, "start": out["start"],
                                                     "mediator": m["name"], "mode": b.mode}))

    def offer(self, conv_id: str | None, *, domain: str | None = None, n: int = 3) -> dict:
        """The chat's answer to 预约调解: recommended mediators (the case's specialty) with their
        next free slots, and the link to the board."""
        t = self.texts["chat"]
        if domain is None and conv_id:
            with self.sessions() as s:
                c = s.scalars(select(Consultation.case_type).where(
                    Consultation.conversation_id == conv_id).order_by(
                    Consultation.id.desc()).limit(1)).first()
            case = self.knowledge.case_types.get(c) if c else None
            domain = case.domain if case else None
        cards = self.roster.board(prefer_specialty=domain)[:n]
        if not cards:
            return {"text": tidy(t["offer_none"]), "links": []}
        lines = [tidy(t["offer_intro"])]
        labels = self.texts["specialties"]
        for c in cards:
            free = self.next_free(c["id"], dt.datetime.now(CST))
            if free:
                lines.append(t["offer_line"].format(
                    name=c["name"], organization=c["organization"],
                    specialties="、".join(labels[x] for x in c["specialties"]),
                    slots=t["slots_sep"].join(self._when(x["start"]) for x in free)))
            else:
                lines.append(t["offer_no_slots"].format(name=c["name"], phone=c["phone"],
                                                        organization=c["organization"]))
        lines.append(tidy(t["offer_more"]))
        url = "/mediators" + (f"?prefer={domain}" if domain else "")
        return {"text": "\n".join(lines), "links": [{"title": t["board_link"], "url": url,
                                                     "kind": "board"}]}
