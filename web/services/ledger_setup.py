"""The ledger's service objects for the app factory."""
from __future__ import annotations

from . import ledger
from .documents import Documents
from .gaps import Gaps
from .ledger_desk import LedgerDesk
from .monthly import MonthlyReport
from .retention import DailyPurge
from .stats import Stats


def build_ledger(sessions, knowledge, overrides: dict, calendar) -> dict:
    """``calendar``: the app's one working-day calendar (README, "Dispute ledger")."""
    desk = LedgerDesk(sessions, knowledge=knowledge, calendar=calendar, config=overrides)
    return {"ledger": desk,
            "documents": Documents(sessions, knowledge=knowledge, desk=desk, config=overrides),
            "stats": Stats(sessions, case_types=knowledge.case_types),
            "monthly": MonthlyReport(sessions, config=overrides),
            "gaps": Gaps(sessions, faq_ids={f.id for f in knowledge.faqs}),
            "ledger_townships": ledger.townships(overrides),
            "daily_purge": DailyPurge(sessions, overrides)}
