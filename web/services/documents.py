"""The ledger's documents as A4 PDFs with the CJK font embedded: 调解申请书 (application),
调解记录 (record), 调解协议书 (agreement, 人民调解法 art. 29) and 回访记录 (followup).

The words are Jinja2 templates in ``knowledge/templates/ledger/<kind>.txt`` written in a small
line markup (``# `` title, ``> `` right-aligned, ``## `` heading, ``| a | b |`` table row,
``~sign a; b`` signature lines, anything else a paragraph); this module only lays them out.
"""
from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import jinja2
from sqlalchemy import select

from knowledge.content.fonts import cjk_font
from knowledge.content.loader import load_yaml

from ..models import User
from ..models_ledger import Dispute, DisputeFollowUp, DisputeSession
from .ledger import LedgerError
from .workdays import CST, to_local

KINDS = {"application": "调解申请书", "record": "调解记录", "agreement": "调解协议书",
         "followup": "回访记录"}
TEMPLATES = Path(__file__).resolve().parents[2] / "knowledge" / "templates" / "ledger"
DISTRICT = Path(__file__).resolve().parents[2] / "knowledge" / "district.yml"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                              undefined=jinja2.ChainableUndefined, keep_trailing_newline=True)


def _day(value: dt.datetime | None) -> str:
    if value is None:
        return "        年    月    日"
    local = to_local(value)
    return f"{local.year}年{local.month}月{local.day}日"


def _date(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "        年    月    日"


class Documents:
    def __init__(self, sessions, *, knowledge, desk, config: dict | None = None):
        self.sessions, self.knowledge, self.desk = sessions, knowledge, desk
        self.config = config or {}

    def context(self, s, d: Dispute, user) -> dict:
        labels = self.knowledge.texts["ledger"]["labels"]
        district = load_yaml(DISTRICT)
        full = self.desk.full_view(user, d)
        parties = [{**self.desk._party(p, full), "gender": p.gender,
                    "role_label": labels["roles"][p.role]} for p in d.parties]
        mediator = s.get(User, d.mediator_id) if d.mediator_id else None
        questions = {}
        for case in self.knowledge.case_types.values():
            questions.update({f.key: f.question for f in case.facts})
        facts = [f"{questions.get(k, k)}：{v}" for k, v in (d.facts or {}).items()
                 if v not in (None, "", [], {})]
        place = d.township or district["name"]
        sessions = [{"when": to_local(x.held_at).strftime("%Y-%m-%d %H:%M"), "place": x.place,
                     "attendees": "、".join(x.attendees or []), "record": x.record}
                    for x in s.scalars(select(DisputeSession).where(
                        DisputeSession.dispute_id == d.id).order_by(DisputeSession.held_at))]
        followups = [{"due_on": _date(f.due_on), "done": _day(f.done_at) if f.done_at else "",
                      "method": labels["methods"].get(f.method, "") if f.method else "",
                      "performed": labels["performed"].get(f.performed, "") if f.performed
                      else "", "note": f.note}
                     for f in s.scalars(select(DisputeFollowUp).where(
                         DisputeFollowUp.dispute_id == d.id).order_by(DisputeFollowUp.id))]
        outcome = labels["statuses"].get(d.outcome or d.status, d.status)
        if d.no_agreement_reason or d.referral:
            outcome += "：" + "；".join(x for x in (d.no_agreement_reason, d.referral) if x)
        return {"d": d, "parties": parties, "facts": facts,
                "applicants": [p for p in parties if p["role"] == "applicant"],
                "respondents": [p for p in parties if p["role"] == "respondent"],
                "committee": f"{place}{district['committee_suffix']}",
                "domain": labels["domains"].get(d.domain, d.domain),
                "source": labels["sources"].get(d.source, d.source),
                "mediator": mediator.name if mediator else "",
                "agreement": d.agreement or {}, "copies": len(parties) + 1,
                "confirmation_due": _date(d.confirmation_due), "sessions": sessions,
                "followups": followups, "outcome": outcome,
                "registered": _day(d.registered_at), "concluded": _day(d.concluded_at),
                "today": _date(dt.datetime.now(CST).date())}

    def text(self, dispute_id: int, kind: str, user) -> str:
        if kind not in KINDS:
            raise LedgerError(404, "not_found")
        with self.sessions() as s:
            d = s.get(Dispute, dispute_id)
            if d is None:
                raise LedgerError(404, "not_found")
            if kind == "agreement" and d.outcome != "agreement":
                raise LedgerError(409, "no_agreement_yet")
            return _env().get_template(f"{kind}.txt").render(**self.context(s, d, user)), d.number

    def render(self, dispute_id: int, kind: str, user) -> tuple[bytes, str]:
        markup, number = self.text(dispute_id, kind, user)
        return layout(markup, title=KINDS[kind], font=cjk_font(self.config)), f"{kind}-{dispute_id}"


def layout(markup: str, *, title: str, font: str) -> bytes:
    """The line markup as an A4 PDF."""
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    base = ParagraphStyle("b", fontName=font, fontSize=11, leading=18, wordWrap="CJK",
                          firstLineIndent=22)
    cell = ParagraphStyle("c", parent=base, firstLineIndent=0)
    styles = {"#": ParagraphStyle("t", parent=cell, fontSize=20, leading=30, alignment=TA_CENTER,
                                  spaceAfter=6),
              ">": ParagraphStyle("r", parent=cell, alignment=TA_RIGHT),
              "##": ParagraphStyle("h", parent=cell, fontSize=12.5, leading=20, spaceBefore=8)}
    story, rows = [], []

    def flush_rows():
        if rows:
            t = Table([[Paragraph(escape(a), cell), Paragraph(escape(b), cell)] for a, b in rows],
                      colWidths=[32 * mm, 138 * mm])
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#555555"),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(t)
            rows.clear()

    for raw in markup.splitlines():
        line = raw.strip()
        if line.startswith("|") and line.endswith("|") and line.count("|") >= 3:
            a, b = [c.strip() for c in line[1:-1].split("|", 1)]
            rows.append((a, b))
            continue
        flush_rows()
        if not line:
            continue
        if line.startswith("~sign"):
            labels = [x.strip() for x in line[5:].split(";") if x.strip()]
            story.append(Spacer(1, 10 * mm))
            for label in labels:
                story.append(Paragraph(escape(label), cell))
                story.append(Spacer(1, 12 * mm))
            continue
        mark, _, rest = line.partition(" ")
        if mark in styles:
            story.append(Paragraph(escape(rest), styles[mark]))
        else:
            story.append(Paragraph(escape(line), base))
    flush_rows()
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                      topMargin=20 * mm, bottomMargin=20 * mm, title=title).build(story)
    return buf.getvalue()
