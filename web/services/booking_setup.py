"""Wiring of the mediator board and bookings from the settings (used by create_app)."""
from __future__ import annotations

import logging

from knowledge import settings
from knowledge.content.loader import tidy

from .bookings import Bookings
from .mediators import Roster, RosterError

log = logging.getLogger(__name__)


def dispute_opener(knowledge, overrides: dict):
    """(session, booking, application, validated request) -> dispute id: the ledger's record of
    the booking in status ``registered``, opened in the booking's own transaction."""
    from .ledger import open_dispute, townships

    towns = set(townships(overrides))

    def opener(s, b, application, v) -> int:
        m, cons = v["mediator"], v["consultation"]
        case = knowledge.case_types.get(cons["case_type"]) if cons else None
        parties = [{"name": b.name, "role": "applicant", "phone": b.phone}]
        if v["respondent"]:
            parties.append({"name": v["respondent"], "role": "respondent"})
        summary = "；".join(x for x in (application.get("case_title"), v["note"],
                                        *application["requests"]) if x)
        d = open_dispute(s, source="booking", conversation_id=b.conversation_id,
                         booking_id=b.id, parties=parties,
                         domain=case.domain if case else "other",
                         township=m["township"] if m["township"] in towns else None,
                         village=m["village"] or None, summary=tidy(summary)[:4000],
                         facts=cons["facts"] if cons else None,
                         analysis=cons["analysis"] if cons else None, config=overrides)
        return d.id
    return opener


def build_bookings(sessions, calendar, knowledge, overrides: dict) -> tuple[Roster, Bookings]:
    def setting(name: str) -> str:
        return settings.get(name, overrides)

    video = setting("VIDEO_ROOM_URL").strip()
    roster = Roster(sessions, photo_dir=settings.data_dir(overrides) / "photos",
                    video=bool(video))
    seeds = setting("MEDIATOR_SEEDS").strip()
    if seeds:
        path = settings.ROOT / seeds if not seeds.startswith("/") else seeds
        try:
            roster.seed(path)
        except RosterError as exc:
            log.warning("sample roster %s not loaded: %s", path, exc)
    bookings = Bookings(
        sessions, roster, calendar, texts=knowledge.texts["booking"], knowledge=knowledge,
        secret=settings.get("SECRET_KEY", overrides) or settings.secret("secret_key", overrides),
        slot_minutes=int(setting("SLOT_MINUTES")), lead_minutes=int(setting("BOOKING_LEAD_MINUTES")),
        days=int(setting("BOOKING_DAYS")), max_days=int(setting("BOOKING_MAX_DAYS")),
        video_url=video, ledger=dispute_opener(knowledge, overrides))
    return roster, bookings
