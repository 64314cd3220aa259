"""The roster of the mediator board (调解点将台): validation, import (YAML or CSV, line numbers in
errors, all or nothing), the admins' edits, photos (re-encoded) and the generated surname avatar,
and the board's list with the recommended mediators first."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import phonenumbers
import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ..db import session_scope
from ..models_booking import Mediator, MediatorLeave
from .workdays import parse_hours

SPECIALTIES = ("marriage", "traffic", "labor")
MODES = ("in_person", "video")
_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7,
         "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7}
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯")
FIELDS = ("id", "name", "organization", "village", "township", "phone", "specialties", "intro",
          "schedule", "modes", "featured", "leave")


class RosterError(ValueError):
    """A bad roster entry; ``line`` is its line in the imported file when known."""

    def __init__(self, detail: str, line: int | None = None):
        super().__init__(f"line {line}: {detail}" if line else detail)
        self.detail, self.line = detail, line


def valid_phone(value) -> str | None:
    """The number in a plain national form (13812345678, 0371-12345678) when phonenumbers holds it
    valid for China; None otherwise."""
    if not isinstance(value, (str, int)):
        return None
    raw = str(value).strip()
    if not 5 <= len(raw) <= 20 or not re.fullmatch(r"[0-9+\- ()]+", raw):
        return None
    try:
        num = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if num.country_code != 86 or not phonenumbers.is_valid_number(num):
        return None
    national = str(num.national_number)
    if national.startswith("1"):
        return national
    formatted = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    return formatted.replace(" ", "-", 1).replace(" ", "")


def _text(raw: dict, key: str, limit: int, required: bool = False) -> str:
    v = raw.get(key)
    v = "" if v is None else str(v).strip()
    if required and not v:
        raise RosterError(f"{key}: missing")
    if len(v) > limit:
        raise RosterError(f"{key}: longer than {limit} characters")
    return v


def _list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [p for p in re.split(r"[;,，、；\s]+", value) if p]
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    raise RosterError("expected a list")


def parse_schedule(value) -> dict:
    """{"mon": "09:00-12:00,14:00-17:00"} or "mon 09:00-12:00 14:00-17:00; wed ..." ->
    {"1": ["09:00-12:00", "14:00-17:00"]} (ISO weekday keys); RosterError when malformed."""
    if isinstance(value, str):
        pairs = []
        for part in filter(None, (p.strip() for p in re.split(r"[;；]", value))):
            day, _, spans = part.partition(" ")
            pairs.append((day, spans))
    elif isinstance(value, dict):
        pairs = [(k, v) for k, v in value.items() if not str(k).startswith("__")]
    else:
        raise RosterError("schedule: expected weekdays with hours, e.g. mon: 09:00-12:00")
    out: dict[str, list[str]] = {}
    for day, spans in pairs:
        d = _DAYS.get(str(day).strip().lower().removeprefix("周").removeprefix("星期"))
        if d is None:
            raise RosterError(f"schedule: unknown weekday {day!r} (mon..sun)")
        clean = []
        for span in _list(spans):
            try:
                a, b = parse_hours(span)
            except ValueError:
                raise RosterError(f"schedule: bad hours {span!r} (e.g. 09:00-12:00)") from None
            clean.append(f"{a:%H:%M}-{b:%H:%M}")
        out[str(d)] = sorted(set(clean))
    if not any(out.values()):
        raise RosterError("schedule: no hours on any weekday")
    return out


def _leave(value) -> list[tuple[dt.date, dt.date, str]]:
    out = []
    for item in value or []:
        if not isinstance(item, dict):
            raise RosterError("leave: expected {from, to, note}")
        try:
            a = dt.date.fromisoformat(str(item.get("from")))
            b = dt.date.fromisoformat(str(item.get("to", item.get("from"))))
        except ValueError:
            raise RosterError("leave: dates as YYYY-MM-DD") from None
        if b < a:
            raise RosterError("leave: ends before it starts")
        out.append((a, b, str(item.get("note") or "")[:200]))
    return out


def clean_mediator(raw: dict) -> dict:
    """A roster entry checked and normalised; RosterError names the field."""
    if not isinstance(raw, dict):
        raise RosterError("expected a mapping of fields")
    unknown = sorted(k for k in raw if k not in FIELDS and not str(k).startswith("__"))
    if unknown:
        raise RosterError(f"unknown field {unknown[0]!r}")
    mid = _text(raw, "id", 40, required=True)
    if not _ID.match(mid):
        raise RosterError("id: letters, digits, - and _ only")
    name = _text(raw, "name", 20, required=True)
    organization = _text(raw, "organization", 80, required=True)
    township = _text(raw, "township", 40, required=True)
    phone = valid_phone(raw.get("phone"))
    if phone is None:
        raise RosterError(f"phone: not a valid Chinese phone number: {raw.get('phone')!r}")
    specialties = _list(raw.get("specialties"))
    bad = [s for s in specialties if s not in SPECIALTIES]
    if bad or not specialties:
        raise RosterError(f"specialties: one or more of {', '.join(SPECIALTIES)}")
    modes = _list(raw.get("modes")) or ["in_person"]
    if any(m not in MODES for m in modes):
        raise RosterError(f"modes: {', '.join(MODES)}")
    featured = raw.get("featured", False)
    if isinstance(featured, str):
        featured = featured.strip().lower() in ("1", "true", "yes", "是")
    return {"id": mid, "name": name, "organization": organization,
            "village": _text(raw, "village", 40), "township": township,
            "phone": phone, "specialties": sorted(set(specialties), key=SPECIALTIES.index),
            "intro": _text(raw, "intro", 500), "schedule": parse_schedule(raw.get("schedule")),
            "modes": sorted(set(modes), key=MODES.index), "featured": bool(featured),
            "leave": _leave(raw.get("leave"))}


def read_roster(path: Path | str) -> tuple[list[dict], bool]:
    """(checked entries, sample flag) from a YAML or CSV file; RosterError with the line number
    of the first bad entry. Nothing is written."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() == ".csv":
        return _read_csv(text), False
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise RosterError(f"malformed YAML: {getattr(exc, 'problem', exc)}",
                          line + 1 if line is not None else None) from None
    data = yaml.safe_load(text)
    items, sample, nodes = data, False, root
    if isinstance(data, dict):
        items, sample = data.get("mediators"), bool(data.get("sample"))
        nodes = next((v for k, v in root.value if k.value == "mediators"), None)
    if not isinstance(items, list) or not items:
        raise RosterError("expected a list of mediators (or `mediators:` with one)", 1)
    lines = (node.start_mark.line + 1 for node in nodes.value)
    return _cleaned(zip(items, lines)), sample


def _cleaned(rows) -> list[dict]:
    """Each ``(raw mediator, line)`` checked by :func:`clean_mediator`; an error names its line,
    and an id given twice is refused."""
    out, seen = [], set()
    for raw, line in rows:
        try:
            entry = clean_mediator(raw)
        except RosterError as exc:
            raise RosterError(exc.detail, line) from None
        if entry["id"] in seen:
            raise RosterError(f"id {entry['id']!r} appears twice", line)
        seen.add(entry["id"])
        out.append(entry)
    return out


def _read_csv(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise RosterError("CSV needs a header row with at least id, name, organization, township, "
                          "phone, specialties, schedule", 1)
    # line_num is read as each row is taken: the line the row ended on
    out = _cleaned(({k.strip(): v for k, v in row.items() if k and v not in (None, "")},
                    reader.line_num) for row in reader)
    if not out:
        raise RosterError("no mediators in the file", 1)
    return out


def _apply(s: Session, entry: dict, *, sample: bool) -> None:
    m = s.get(Mediator, entry["id"]) or Mediator(id=entry["id"])
    for key in ("name", "organization", "village", "township", "phone", "specialties", "intro",
                "schedule", "modes", "featured"):
        setattr(m, key, entry[key])
    m.active, m.sample = True, sample
    s.add(m)
    s.flush()
    s.execute(delete(MediatorLeave).where(MediatorLeave.mediator_id == m.id))
    for a, b, note in entry["leave"]:
        s.add(MediatorLeave(mediator_id=m.id, first_day=a, last_day=b, note=note))


class Roster:
    def __init__(self, sessions: sessionmaker[Session], *, photo_dir: Path, video: bool):
        self.sessions = sessions
        self.photo_dir = Path(photo_dir)
        self.video = video  # a video room template is configured

    def import_file(self, path: Path | str, *, replace: bool = False) -> int:
        """Add or update every mediator of the file in one transaction; RosterError (with the
        line) and nothing written when any entry is bad. ``replace``: mediators not in the file
        leave the board (their bookings stay)."""
        entries, sample = read_roster(path)
        with session_scope(self.sessions) as s:
            for e in entries:
                _apply(s, e, sample=sample)
            if not sample:  # a real roster retires the invented people of the sample
                ids = {e["id"] for e in entries}
                for m in s.scalars(select(Mediator).where(Mediator.sample.is_(True))):
                    if m.id not in ids:
                        m.active = False
            if replace:
                ids = {e["id"] for e in entries}
                for m in s.scalars(select(Mediator).where(Mediator.active.is_(True))):
                    if m.id not in ids:
                        m.active = False
        return len(entries)

    def seed(self, path: Path | str) -> int:
        """Load the sample roster when the board is empty (first start); 0 otherwise."""
        with self.sessions() as s:
            if s.scalar(select(Mediator.id).limit(1)) is not None:
                return 0
        return self.import_file(path) if Path(path).is_file() else 0

    def save(self, raw: dict) -> dict:
        """An admin's edit of one mediator (or a new one)."""
        entry = clean_mediator(raw)
        with session_scope(self.sessions) as s:
            _apply(s, entry, sample=False)
        return self.get(entry["id"], full=True)

    def set_active(self, mediator_id: str, active: bool) -> bool:
        with session_scope(self.sessions) as s:
            m = s.get(Mediator, mediator_id)
            if m is None:
                return False
            m.active = active
            return True

    def get(self, mediator_id: str, *, full: bool = False) -> dict | None:
        with self.sessions() as s:
            m = s.get(Mediator, mediator_id) if isinstance(mediator_id, str) else None
            if m is None or (not m.active and not full):
                return None
            leave = s.scalars(select(MediatorLeave).where(
                MediatorLeave.mediator_id == m.id).order_by(MediatorLeave.first_day)).all()
            return self.card(m, full=full, leave=leave)

    def card(self, m: Mediator, *, recommended: bool = False, full: bool = False,
             leave=()) -> dict:
        out = {"id": m.id, "name": m.name, "photo_url": self.photo_url(m),
               "organization": m.organization, "village": m.village, "township": m.township,
               "phone": m.phone, "specialties": list(m.specialties or []), "intro": m.intro,
               "recommended": recommended, "modes": self.modes(m)}
        if full:
            out.update(schedule=m.schedule, featured=m.featured, active=m.active,
                       sample=m.sample, all_modes=list(m.modes or []),
                       leave=[{"from": x.first_day.isoformat(), "to": x.last_day.isoformat(),
                               "note": x.note} for x in leave])
        return out

    def modes(self, m: Mediator) -> list[str]:
        return [x for x in MODES if x in (m.modes or ["in_person"])
                and (x != "video" or self.video)]

    @staticmethod
    def photo_url(m: Mediator) -> str:
        return f"/mediators/photos/{m.photo}" if m.photo else f"/mediators/{m.id}/avatar.svg"

    def board(self, *, specialty: str | None = None, township: str | None = None,
              prefer_specialty: str | None = None, prefer_township: str | None = None) -> list:
        """Active mediators, filtered; recommended first: those with the specialty of the
        resident's case (and in their township when known), else the bureau's picks."""
        with self.sessions() as s:
            q = select(Mediator).where(Mediator.active.is_(True))
            if township:
                q = q.where(Mediator.township == township)
            rows = [m for m in s.scalars(q).all()
                    if not specialty or specialty in (m.specialties or [])]

        def recommended(m: Mediator) -> bool:
            if prefer_specialty or prefer_township:
                return ((not prefer_specialty or prefer_specialty in (m.specialties or []))
                        and (not prefer_township or m.township == prefer_township))
            return bool(m.featured)

        cards = [(recommended(m), m) for m in rows]
        cards.sort(key=lambda rm: (not rm[0], not rm[1].featured,
                                   rm[1].township != (prefer_township or township or ""),
                                   rm[1].township, rm[1].id))
        return [self.card(m, recommended=r) for r, m in cards]

    def everyone(self) -> list[dict]:
        """Every mediator, those off the board too, with schedule and leave (admins)."""
        with self.sessions() as s:
            ids = list(s.scalars(select(Mediator.id).order_by(Mediator.township, Mediator.id)))
        return [self.get(i, full=True) for i in ids]

    def has_sample(self) -> bool:
        with self.sessions() as s:
            return s.scalar(select(Mediator.id).where(Mediator.active.is_(True),
                                                      Mediator.sample.is_(True)).limit(1)) is not None

    def townships(self) -> list[str]:
        with self.sessions() as s:
            return sorted(set(s.scalars(select(Mediator.township).where(
                Mediator.active.is_(True)))))

    # -- photos ----------------------------------------------------------------------------------
    def save_photo(self, mediator_id: str, data: bytes, *, max_bytes: int) -> str:
        """Check (size, JPEG or PNG by content), re-encode as JPEG (drops metadata and anything
        hidden in the file), store 0600 and point the mediator at it. RosterError codes:
        photo_too_large, bad_photo."""
        from PIL import Image, UnidentifiedImageError

        if len(data) > max_bytes:
            raise RosterError("photo_too_large")
        try:
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in ("JPEG", "PNG"):
                    raise RosterError("bad_photo")
                img.load()
                img = img.convert("RGB")
                img.thumbnail((480, 480))
                out = io.BytesIO()
                img.save(out, "JPEG", quality=85)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise RosterError("bad_photo") from None
        blob = out.getvalue()
        name = f"{mediator_id}-{hashlib.sha256(blob).hexdigest()[:12]}.jpg"
        self.photo_dir.mkdir(parents=True, exist_ok=True)
        path = self.photo_dir / name
        path.write_bytes(blob)
        path.chmod(0o600)
        with session_scope(self.sessions) as s:
            m = s.get(Mediator, mediator_id)
            if m is None:
                path.unlink(missing_ok=True)
                raise RosterError("mediator_not_found")
            m.photo = name
        return name

    def photo_path(self, name: str) -> Path | None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}-[0-9a-f]{12}\.jpg", name or ""):
            return None
        p = self.photo_dir / name
        return p if p.is_file() else None


def surname(name: str) -> str:
    name = (name or "").strip()
    for c in _COMPOUND:
        if name.startswith(c):
            return c
    return name[:1] or "调"


def avatar_svg(mediator_id: str, name: str) -> str:
    """A round avatar with the surname, its colour from the id (no photo uploaded yet)."""
    from xml.sax.saxutils import escape

    hue = int(hashlib.sha256(mediator_id.encode()).hexdigest()[:4], 16) % 360
    text = escape(surname(name))
    size = 44 if len(text) == 1 else 32
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" '
            'viewBox="0 0 120 120" role="img">'
            f'<circle cx="60" cy="60" r="60" fill="hsl({hue},45%,40%)"/>'
            f'<text x="60" y="60" dy=".35em" text-anchor="middle" font-size="{size}" '
            'font-family="Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif" '
            f'fill="#fff">{text}</text></svg>')
