"""The 法律分析和意见指南 report: an HTML page (Jinja2, print stylesheet) and a PDF (reportlab,
embedding the CJK font of ``content.fonts``, so it reads the same on any phone or printer). Both
are made from the analysis JSON (``Analysis.as_json()``), so a stored consultation can be rendered again later.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path

import jinja2

from ..content.cases import CaseType
from ..content.fonts import cjk_font
from ..content.statutes import citation_label
from .wording import figure_label, texts

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=jinja2.select_autoescape(["html"]),
                              undefined=jinja2.ChainableUndefined)


def _show(fact, value) -> str:
    if value is None:
        return "—"
    if fact is None:
        return str(value)
    if fact.type == "boolean":
        return "是" if value else "否"
    if fact.type == "choice":
        return next((c.get("label", str(value)) for c in fact.choices if c["value"] == value),
                    str(value))
    if fact.type == "money":
        return f"{float(value):,.2f} 元"
    if fact.type == "grade":
        return f"{int(value)} 级"
    if fact.type == "age":
        return f"{int(value)} 岁"
    return str(value)


def context(analysis: dict, case: CaseType, store) -> dict:
    facts = []
    for key, value in analysis["facts"].items():
        fact = case.fact(key)
        if fact is not None and str(fact.ask_if).strip() == "False":
            continue  # computed by the system, not told by the resident
        facts.append({"question": (fact.question if fact else key).rstrip("？?"),
                      "value": _show(fact, value)})
    articles = []
    for c in analysis["citations"]:
        art = store.get(c["law"], c["article"], c.get("sub", 0))
        articles.append({"label": c.get("label") or citation_label(c["law"], c["article"],
                                                                    c.get("sub", 0)),
                         "status": art.status if art else "未核验",
                         "text": art.text if art else ""})
    standards = [{**s, "label": figure_label(s["name"], unit=True)}
                 for s in analysis.get("standards_used", [])]
    return {"a": {**analysis, "standards_used": standards}, "facts": facts, "articles": articles,
            "w": texts()["report"], "generated": dt.date.today().isoformat()}


def render_html(analysis: dict, case: CaseType, store, *, pdf_url: str | None = None) -> str:
    return _env().get_template("report.html").render(**context(analysis, case, store),
                                                     pdf_url=pdf_url)


def render_pdf(analysis: dict, case: CaseType, store) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    font = cjk_font()
    ctx = context(analysis, case, store)
    w, a = ctx["w"], ctx["a"]
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, alignment=TA_LEFT,
                          wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=13,
                           textColor=colors.HexColor("#52606d"))
    h1 = ParagraphStyle("h1", parent=base, fontSize=18, leading=24,
                        textColor=colors.HexColor("#9b1c1c"))
    h2 = ParagraphStyle("h2", parent=base, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4,
                        textColor=colors.HexColor("#9b1c1c"))

    def p(text, style=base):
        return Paragraph(escape(str(text)), style)

    def table(rows):
        t = Table([[p(k), v if not isinstance(v, str) else p(v)] for k, v in rows],
                  colWidths=[60 * mm, 110 * mm])
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d9dee3")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f8f9fa"))]))
        return t

    story = [p(w["title"], h1), p(f"{a['title']}，{w['issuer'].replace('·', ' ')}，生成日期 {ctx['generated']}", small),
             Spacer(1, 6), p(w["sections"]["facts"], h2),
             table([(f["question"], f["value"]) for f in ctx["facts"]]),
             p(w["sections"]["findings"], h2)]
    for i, f in enumerate(a["findings"], 1):
        cites = "、".join(c["label"] for c in f["citations"])
        story.append(p(f"{i}. {f['text']}（{cites}）"))
    story.append(p(w["sections"]["amounts"], h2))
    if a["amounts"]:
        rows = []
        for m in a["amounts"]:
            value = (f"{m['low']:.2f}–{m['high']:.2f}" if "low" in m else f"{m['amount']:.2f}") + " 元"
            label = m["label"] + ("（实务）" if m.get("basis") == "practice" else "")
            rows.append((label, [p(value), p(m["formula"], small)]))
        if a.get("total") is not None:
            rows.append((w["total_label"], f"{a['total']:.2f} 元"))
        story.append(table(rows))
        for step in (a.get("split") or {}).get("steps", []):
            story.append(p(f"- {step}", small))
        story.append(p(w["practice_note"], small))
    else:
        story.append(p(w["no_amounts"]))
    if a["deadlines"]:
        story.append(p(w["sections"]["deadlines"], h2))
        story.append(table([(d["label"], [p(d["date"] + (f"（{w['passed']}）" if d["passed"] else "")),
                                          p(d["rule"], small)]) for d in a["deadlines"]]))
    story.append(p(w["sections"]["next_steps"], h2))
    story += [p(f"{i}. {s}") for i, s in enumerate(a["next_steps"], 1)]
    if a["documents"]:
        story += [p(w["sections"]["documents"], h2)] + [p(f"- {d}") for d in a["documents"]]
    if a["uncertainties"]:
        story += [p(w["sections"]["uncertainties"], h2)] + [p(f"- {u}") for u in a["uncertainties"]]
    if a["standards_used"]:
        story.append(p(w["sections"]["standards"], h2))
        story += [p(f"- {s['region']} {s['year']}年 {s['label']}：{s['value']}（来源：{s['source']}）", small)
                  for s in a["standards_used"]]
    story.append(p(w["sections"]["citations"], h2))
    for c in ctx["articles"]:
        story.append(p(f"{c['label']}（{c['status']}）"))
        story.append(p(c["text"] or w["unverified_text"], small))
    story += [Spacer(1, 10), p(" ".join(w["disclaimer"].split()), small)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=w["title"],
                            author=w["issuer"])
    doc.build(story)
    return buf.getvalue()
