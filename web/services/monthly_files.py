"""The monthly report (:mod:`web.services.monthly`) as the files a bureau sends up: an XLSX
printable on A4 landscape (title, merged two-line header, borders, values that re-open as they
were written) and a PDF with the CJK font embedded. Every word comes from ``texts`` (the
``monthly`` part of ``knowledge/texts/ledger.yml``)."""
from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from .monthly import FIELDS, TYPES

ROBOT = ("consultations", "handoffs", "bookings")
WIDTH = 1 + len(FIELDS)  # the township column, then the figures


def _day(value: str, t: dict) -> str:
    d = dt.date.fromisoformat(value)
    return t["day"].format(year=d.year, month=d.month, day=d.day)


def period(report: dict, t: dict) -> str:
    if report["month"]:
        year, month = report["month"].split("-")
        return t["month"].format(year=int(year), month=int(month))
    return t["range"].format(start=_day(report["from"], t), end=_day(report["to"], t))


def header_cells(t: dict) -> list[tuple[int, int, int, int, str]]:
    """The two header lines as (row, column, rows spanned, columns spanned, text)."""
    cells = [(0, 0, 2, 1, t["township"])]
    for i, field in enumerate(FIELDS, start=1):
        if field in TYPES or field in ROBOT:
            cells.append((1, i, 1, 1, t["columns"][field]))
        else:
            cells.append((0, i, 2, 1, t["columns"][field]))
    first_type, first_robot = 1 + FIELDS.index(TYPES[0]), 1 + FIELDS.index(ROBOT[0])
    cells.append((0, first_type, 1, len(TYPES), t["by_type"]))
    cells.append((0, first_robot, 1, len(ROBOT), t["robot"]))
    return cells


def body_rows(report: dict, t: dict) -> list[list]:
    """The township rows and the total row: a label, then the figures (rate a fraction or
    None)."""
    out = [[r["township"] if r["township"] is not None else t["unknown"],
            *[r[f] for f in FIELDS]] for r in report["rows"]]
    return out + [[t["total"], *[report["totals"][f] for f in FIELDS]]]


def signoff(report: dict, t: dict) -> list[str]:
    return [t["unit"].format(unit=report["bureau"]),
            t["prepared_by"].format(name=report["prepared_by"] or "          "),
            t["reviewed_by"].format(name=report["reviewed_by"] or "          "),
            t["filled_on"].format(day=_day(report["filled_on"], t))]


def _rate(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def to_xlsx(report: dict, t: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = t["sheet"]
    title = t["title"].format(bureau=report["bureau"])
    wb.properties.title = title
    last = get_column_letter(WIDTH)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.append([title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font, ws["A1"].alignment = Font(size=16, bold=True), centre
    ws.row_dimensions[1].height = 30
    half = WIDTH // 2
    ws.append([t["unit"].format(unit=report["bureau"])] + [None] * (half - 1)
              + [t["period"].format(period=period(report, t))])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    ws.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=WIDTH)
    ws.cell(2, half + 1).alignment = Alignment(horizontal="right")
    for row, col, rows, cols, text in header_cells(t):
        ws.cell(3 + row, 1 + col, text)
        if rows > 1 or cols > 1:
            ws.merge_cells(start_row=3 + row, start_column=1 + col,
                           end_row=2 + row + rows, end_column=col + cols)
    for r in (3, 4):
        ws.row_dimensions[r].height = 36
        for c in range(1, WIDTH + 1):
            cell = ws.cell(r, c)
            cell.font, cell.alignment, cell.border = Font(bold=True), centre, box
    rate_col = 2 + FIELDS.index("rate")
    rows = body_rows(report, t)
    for i, values in enumerate(rows, start=5):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(i, c, "—" if value is None else value)
            cell.border, cell.alignment = box, centre
            if c == rate_col and value is not None:
                cell.number_format = "0.0%"
            if i == 4 + len(rows):
                cell.font = Font(bold=True)
    foot = 6 + len(rows)
    ws.cell(foot, 1, "    ".join(signoff(report, t)[1:]))
    ws.merge_cells(start_row=foot, start_column=1, end_row=foot, end_column=WIDTH)
    ws.cell(foot + 1, 1, " ".join(t["note"].split()))
    ws.merge_cells(start_row=foot + 1, start_column=1, end_row=foot + 1, end_column=WIDTH)
    ws.cell(foot + 1, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[foot + 1].height = 45
    ws.column_dimensions["A"].width = 13
    for c in range(2, WIDTH + 1):
        ws.column_dimensions[get_column_letter(c)].width = 8.5
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "3:4"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_area = f"A1:{last}{foot + 1}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_pdf(report: dict, t: dict, *, font: str) -> bytes:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    base = ParagraphStyle("m", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    cell = ParagraphStyle("mc", parent=base, fontSize=8, leading=10, alignment=TA_CENTER)
    title_style = ParagraphStyle("mt", parent=base, fontSize=17, leading=26, alignment=TA_CENTER)
    grid = [["" for _ in range(WIDTH)] for _ in range(2)]
    spans = []
    for row, col, rows, cols, text in header_cells(t):
        grid[row][col] = Paragraph(escape(text), cell)
        if rows > 1 or cols > 1:
            spans.append(("SPAN", (col, row), (col + cols - 1, row + rows - 1)))
    rate_col = 1 + FIELDS.index("rate")
    for values in body_rows(report, t):
        grid.append([Paragraph(escape(_rate(v) if i == rate_col else str(v)), cell)
                     for i, v in enumerate(values)])
    first = 28 * mm
    table = Table(grid, colWidths=[first] + [(277 * mm - first) / len(FIELDS)] * len(FIELDS),
                  repeatRows=2)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#333333"),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BACKGROUND", (0, 0), (-1, 1), "#eeeeee"),
                               ("BACKGROUND", (0, -1), (-1, -1), "#f4f4f4"), *spans]))
    lines = signoff(report, t)
    right = ParagraphStyle("mr", parent=base, alignment=TA_RIGHT)

    def spread(texts: list[str], styles: list) -> Table:  # one borderless line of cells
        return Table([[Paragraph(escape(x), st) for x, st in zip(texts, styles)]],
                     colWidths=[277 * mm / len(texts)] * len(texts))

    story = [Paragraph(escape(t["title"].format(bureau=report["bureau"])), title_style),
             spread([lines[0], t["period"].format(period=period(report, t))], [base, right]),
             Spacer(1, 2 * mm), table, Spacer(1, 6 * mm), spread(lines[1:], [base] * 3),
             Spacer(1, 3 * mm), Paragraph(escape(" ".join(t["note"].split())), cell.clone(
                 "mn", alignment=0, fontSize=8))]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                      topMargin=12 * mm, bottomMargin=12 * mm,
                      title=t["title"].format(bureau=report["bureau"])).build(story)
    return buf.getvalue()
