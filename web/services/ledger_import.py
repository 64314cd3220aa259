"""Import of an existing Excel ledger (``legalbot ledger import FILE.xlsx [--commit]``, or the admins' upload page
``/console/ledger/import``: :func:`upload`).

The first sheet's first row names the columns; the names a bureau's ledger uses are mapped to
fields by ``knowledge/texts/ledger.yml`` (``import.columns``: each field with the headers that
mean it). Every row is checked first; errors name the row and the column (``D7``). Without
``--commit`` nothing is written (a dry run); with it, all rows are written in one transaction
or none (any error: nothing written). Imported disputes keep their number when the file has one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from ..db import session_scope
from ..models_ledger import Dispute
from . import ledger
from .ledger import LedgerError
from .workdays import CST

REQUIRED = ("applicant", "domain", "township", "summary", "registered_at")
MAX_ROWS = 5000
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive


def _header_map(row, columns: dict) -> dict:
    names = {alias: field for field, aliases in columns.items() for alias in [field, *aliases]}
    out = {}
    for i, cell in enumerate(row):
        name = str(cell).strip() if cell is not None else ""
        if name in names:
            out[names[name]] = i
    return out


def _when(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, dt.date):
        day = dt.datetime.combine(value, dt.time(9))
    else:
        day = dt.datetime.combine(dt.date.fromisoformat(str(value).strip()[:10]), dt.time(9))
    aware = day.replace(tzinfo=CST) if day.tzinfo is None else day
    return aware.astimezone(dt.timezone.utc).replace(tzinfo=None)


def read(path, texts: dict) -> tuple[list[dict], list[dict]]:
    """The rows as dispute fields, and the errors ``[{"row", "column", "cell", "message"}]``."""
    spec = texts["import"]
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file is one clear error
        return [], [{"row": 0, "column": "", "cell": "", "message": spec["unreadable"]}]
    rows = []
    for row in wb.worksheets[0].iter_rows(values_only=True):
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            return [], [{"row": 0, "column": "", "cell": "",
                         "message": spec["too_many"].format(limit=MAX_ROWS)}]
    if not rows:
        return [], [{"row": 1, "column": "", "cell": "A1", "message": spec["empty"]}]
    cols = _header_map(rows[0], spec["columns"])
    missing = [f for f in REQUIRED if f not in cols]
    if missing:
        return [], [{"row": 1, "column": ",".join(missing), "cell": "", "message": spec["missing_column"].format(
            column="、".join(spec["columns"][f][0] for f in missing))}]
    domains = {v: k for k, v in texts["labels"]["domains"].items()} | {
        k: k for k in ledger.DOMAINS}
    outcomes = spec["outcomes"]
    out, errors = [], []
    for n, row in enumerate(rows[1:], start=2):
        if all(v in (None, "") for v in row):
            continue
        get = lambda f: row[cols[f]] if f in cols and cols[f] < len(row) else None  # noqa: E731

        def fail(field, message):
            errors.append({"row": n, "column": field,
                           "cell": f"{get_column_letter(cols[field] + 1)}{n}",
                           "message": message})

        item = {"row": n, "number": str(get("number")).strip() if get("number") else None,
                "parties": [{"name": str(get("applicant")).strip() if get("applicant") else "",
                             "role": "applicant", "phone": _str(get("applicant_phone"))}],
                "village": _str(get("village")), "summary": _str(get("summary"))}
        if get("respondent"):
            item["parties"].append({"name": str(get("respondent")).strip(), "role": "respondent"})
        for field in REQUIRED:
            if get(field) in (None, ""):
                fail(field, spec["required"])
        domain = _str(get("domain"))
        if domain and domain not in domains:
            fail("domain", spec["bad_domain"])
        item["domain"] = domains.get(domain, "other")
        township = _str(get("township"))
        if township and township not in ledger.townships():
            fail("township", spec["bad_township"])
        item["township"] = township
        for field in ("registered_at", "concluded_at"):
            if get(field) not in (None, ""):
                try:
                    item[field] = _when(get(field))
                except ValueError:
                    fail(field, spec["bad_date"])
        outcome = _str(get("outcome"))
        if outcome and outcome not in outcomes:
            fail("outcome", spec["bad_outcome"])
        item["outcome"] = outcomes.get(outcome) if outcome else None
        if item["outcome"] and "concluded_at" not in item:
            fail("outcome", spec["needs_date"])
        out.append(item)
    numbers = [i["number"] for i in out if i["number"]]
    if len(numbers) != len(set(numbers)):
        errors.append({"row": 0, "column": "number", "cell": "", "message": spec["duplicate"]})
    return out, errors


def _str(value) -> str | None:
    return str(value).strip() if value not in (None, "") else None


def run(sessions, path, texts: dict, *, commit: bool = False, actor=None) -> dict:
    rows, errors = read(path, texts)
    report = {"rows": len(rows), "errors": errors, "written": 0, "dry_run": not commit}
    if errors or not commit:
        return report
    try:
        with session_scope(sessions) as s:
            taken = set(s.scalars(select(Dispute.number).where(
                Dispute.number.in_([r["number"] for r in rows if r["number"]]))))
            if taken:
                report["errors"] = [{"row": 0, "column": "number", "cell": "",
                                     "message": texts["import"]["taken"].format(
                                         numbers="、".join(sorted(taken)[:5]))}]
                return report
            for r in rows:
                d = ledger.open_dispute(s, source="other", parties=r["parties"],
                                        domain=r["domain"], township=r["township"],
                                        village=r["village"], summary=r["summary"],
                                        registered_at=r["registered_at"], actor=actor)
                d.imported = True
                if r["number"]:
                    d.number = r["number"]
                if r["outcome"]:
                    d.status, d.outcome, d.concluded_at = r["outcome"], r["outcome"], \
                        r["concluded_at"]
                    ledger.add_event(s, d, "imported", actor, status=d.status)
            report["written"] = len(rows)
    except LedgerError as e:
        report["errors"] = [{"row": 0, "column": "", "cell": "", "message": e.message(texts)}]
        report["written"] = 0
    return report


def preview(rows: list[dict]) -> list[dict]:
    """What a commit would create, one line per row of the file (for the dry run's table)."""
    out = []
    for r in rows:
        names = {p["role"]: p["name"] for p in r["parties"]}
        out.append({"row": r["row"], "number": r["number"], "applicant": names.get("applicant"),
                    "respondent": names.get("respondent"), "domain": r["domain"],
                    "township": r["township"], "registered_at": r["registered_at"] and
                    (r["registered_at"] + dt.timedelta(hours=8)).date().isoformat(),
                    "outcome": r["outcome"]})
    return out


def upload(sessions, data: bytes, filename: str, texts: dict, *, limit_kb: int,
           commit: bool = False, checked: str | None = None, actor=None) -> dict:
    """An uploaded file: checked for its type (an .xlsx name and a zip's first bytes) and size,
    then read as :func:`run` reads a path. A dry run's report carries ``checked`` (the file's
    SHA-256) and ``preview``; a commit must send the same ``checked`` back, so what is written is
    the file the admin saw checked. Refusals of the file itself raise :class:`LedgerError`."""
    if not data:
        raise LedgerError(400, "import_no_file")
    if len(data) > limit_kb * 1024:
        raise LedgerError(413, "import_too_large", limit=limit_kb)
    if not (filename or "").lower().endswith(".xlsx") or not data.startswith(XLSX_MAGIC):
        raise LedgerError(400, "import_not_xlsx")
    digest = hashlib.sha256(data).hexdigest()
    if commit and checked != digest:
        raise LedgerError(409, "import_not_checked")
    if commit:
        report = run(sessions, io.BytesIO(data), texts, commit=True, actor=actor)
    else:
        rows, errors = read(io.BytesIO(data), texts)
        report = {"rows": len(rows), "errors": errors, "written": 0, "dry_run": True,
                  "preview": [] if errors else preview(rows)[:200]}
    return {**report, "checked": digest}
