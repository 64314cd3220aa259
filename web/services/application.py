"""The mediation application (人民调解申请书) of a booking: applicant, respondent, facts and request
taken from the conversation's consultation (nothing asked twice), the consent and the booked
slot; printable as a PDF with an embedded CJK font (knowledge.content.fonts)."""
from __future__ import annotations

import datetime as dt

from knowledge.content.loader import tidy

from .workdays import CST, iso


def _fact_rows(consultation: dict | None, knowledge) -> tuple[str, list[dict]]:
    if not consultation:
        return "", []
    case = knowledge.case_types.get(consultation["case_type"])
    if case is None:
        return "", []
    from knowledge.analysis.report import context

    ctx = context(consultation["analysis"], case, knowledge.statutes)
    return case.title, [{"question": f["question"], "value": str(f["value"])}
                        for f in ctx["facts"]]


def build_application(v: dict, knowledge, texts: dict) -> dict:
    """The application as data (stored with the booking, rendered as PDF and in the console)."""
    w = texts["application"]
    consultation = v.get("consultation")
    title, facts = _fact_rows(consultation, knowledge)
    analysis = (consultation or {}).get("analysis") or {}
    requests = [w["request_amount"].format(label=a["label"], amount=f"{a['amount']:.2f}")
                for a in analysis.get("amounts") or [] if isinstance(a.get("amount"), (int, float))]
    case = title or texts["application"]["none"]
    findings = [tidy(f["text"]) + "（" + "、".join(c.get("label", "") for c in f.get("citations")
                                                   or []) + "）"
                for f in analysis.get("findings") or []][:6]
    m = v["mediator"]
    return {
        "applicant": {"name": v["name"], "phone": v["phone"]},
        "respondent": {"name": v.get("respondent") or ""},
        "case_type": (consultation or {}).get("case_type"),
        "case_title": title,
        "facts": facts,
        "note": v.get("note") or "",
        "requests": requests or [w["request_default"].format(case=case)],
        "findings": findings,
        "report_token": (consultation or {}).get("report_token"),
        "mediator": {"name": m["name"], "organization": m["organization"],
                     "township": m["township"]},
        "start": iso(v["start"]), "mode": v["mode"],
        "consent": {"version": str(texts["consent"]["version"]),
                    "text": tidy(texts["consent"]["text"]), "at": iso(dt.datetime.now(CST))},
    }


def render_pdf(app: dict, texts: dict, *, status: str = "") -> bytes:
    from io import BytesIO
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from knowledge.content.fonts import cjk_font

    font = cjk_font()
    w = texts["application"]
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=13,
                           textColor=colors.HexColor("#52606d"))
    h1 = ParagraphStyle("h1", parent=base, fontSize=18, leading=26, alignment=1)
    h2 = ParagraphStyle("h2", parent=base, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4)

    def p(text, style=base):
        return Paragraph(escape(str(text)), style)

    def table(rows):
        t = Table([[p(k), p(v)] for k, v in rows], colWidths=[45 * mm, 125 * mm])
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    f = w["fields"]
    start = dt.datetime.fromisoformat(app["start"]).astimezone(CST)
    story = [p(w["title"], h1), p(w["note_generated"], small), Spacer(1, 6),
             p(w["applicant"], h2),
             table([(f["name"], app["applicant"]["name"]),
                    (f["phone"], app["applicant"]["phone"])]),
             p(w["respondent"], h2),
             table([(f["name"], app["respondent"]["name"] or w["respondent_missing"])]),
             p(w["facts"], h2)]
    if app.get("case_title"):
        story.append(p(app["case_title"]))
    if app["facts"]:
        story.append(table([(x["question"], x["value"]) for x in app["facts"]]))
    if app.get("note"):
        story.append(p(app["note"]))
    story.append(p(w["request"], h2))
    story += [p(f"{i}. {r}") for i, r in enumerate(app["requests"], 1)]
    if app.get("findings"):
        story.append(p(w["analysis"], h2))
        story += [p(x, small) for x in app["findings"]]
    mode = texts["modes"].get(app["mode"], app["mode"])
    story += [p(w["booking"], h2),
              p(f"{start:%Y-%m-%d %H:%M}，{mode}" + (f"（{status}）" if status else "")),
              p(w["mediator"], h2),
              p(f"{app['mediator']['name']}，{app['mediator']['organization']}"),
              p(w["consent"].format(version=app["consent"]["version"]), h2),
              p(app["consent"]["text"], small), Spacer(1, 14),
              p(w["organization_line"].format(organization=app["mediator"]["organization"])),
              Spacer(1, 18), p(w["signature"])]
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                      topMargin=18 * mm, bottomMargin=18 * mm,
                      title=w["title"]).build(story)
    return out.getvalue()
