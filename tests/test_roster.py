"""The roster: `legalbot mediators import FILE` (YAML or CSV, validated, line numbers in errors,
all or nothing), the sample roster, photo uploads (type and size checked, re-encoded)."""
from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from web.services.mediators import RosterError, read_roster, valid_phone

ROOT = Path(__file__).resolve().parent.parent
CSV = """id,name,organization,village,township,phone,specialties,intro,schedule,modes
c01,冯玉兰,城关镇人民调解委员会,南街社区,城关镇,13912345678,marriage;labor,擅长家事,mon 09:00-12:00; thu 14:00-17:00,in_person
c02,褚卫东,石桥镇人民调解委员会,石桥村,石桥镇,0371-63651234,traffic,,tue 09:00-11:00,in_person;video
"""


def run(*args, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LEGALBOT_DATA_DIR": str(data_dir)}
    return subprocess.run([str(ROOT / ".venv" / "bin" / "legalbot"), "mediators", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_the_sample_roster_is_valid_and_marked():
    entries, sample = read_roster(ROOT / "data" / "seeds" / "mediators.yml")
    assert sample and len(entries) >= 12 and len({e["township"] for e in entries}) >= 5
    assert "SAMPLE DATA" in (ROOT / "data" / "seeds" / "mediators.yml").read_text()
    tracked = subprocess.run(["git", "check-ignore", "data/seeds/mediators.yml"], cwd=ROOT)
    assert tracked.returncode == 1  # not ignored: the seeds are committed


@pytest.mark.parametrize("value, expected", [
    ("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
    ("0371-63651234", "0371-63651234"), ("12345", None), ("1381234567", None),
    ("138123456789", None), ("abc", None), (None, None), ("23812345678", None)])
def test_phone_numbers_are_checked_with_phonenumbers(value, expected):
    assert valid_phone(value) == expected


def test_a_csv_import_then_a_bad_yaml_changes_nothing(tmp_path):
    f = tmp_path / "roster.csv"
    f.write_text(CSV, encoding="utf-8")
    r = run("import", str(f), data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    listed = run("list", data_dir=tmp_path).stdout
    assert "c01\t冯玉兰" in listed and "c02\t褚卫东" in listed
    bad = tmp_path / "bad.yml"
    bad.write_text("mediators:\n"
                   "  - {id: y1, name: 甲, organization: 某调委会, township: 城关镇,\n"
                   "     phone: '13912345678', specialties: [labor], schedule: {mon: 09:00-12:00}}\n"
                   "  - id: y2\n"
                   "    name: 乙\n"
                   "    organization: 某调委会\n"
                   "    township: 城关镇\n"
                   "    phone: '12345'\n"
                   "    specialties: [labor]\n"
                   "    schedule: {mon: 09:00-12:00}\n", encoding="utf-8")
    r = run("import", str(bad), data_dir=tmp_path)
    assert r.returncode == 1 and "line 4" in r.stderr and "phone" in r.stderr
    assert "y1" not in run("list", data_dir=tmp_path).stdout  # all or nothing


@pytest.mark.parametrize("body, line, words", [
    ("id,name\nx1,甲\n", 2, "organization"),
    (CSV.replace("marriage;labor", "tax"), 2, "specialties"),
    (CSV.replace("tue 09:00-11:00", "tue 11:00-09:00"), 3, "schedule"),
    (CSV.replace("tue 09:00-11:00", "someday 09:00-11:00"), 3, "weekday"),
    (CSV.replace("c02,", "c01,"), 3, "twice"),
    ("name,phone\n甲,13912345678\n", 1, "header"),
])
def test_malformed_csv_names_the_line(tmp_path, body, line, words):
    f = tmp_path / "r.csv"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(RosterError) as exc:
        read_roster(f)
    assert exc.value.line == line and words in str(exc.value)


def test_malformed_yaml_names_the_line(tmp_path):
    f = tmp_path / "r.yml"
    f.write_text("mediators:\n  - id: a\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(RosterError) as exc:
        read_roster(f)
    assert exc.value.line and "YAML" in str(exc.value)
    f.write_text("just text\n", encoding="utf-8")
    with pytest.raises(RosterError):
        read_roster(f)


def test_photos_are_checked_and_re_encoded(tmp_path):
    from PIL import Image

    from web.db import make_engine, make_sessionmaker, migrate
    from web.services.mediators import Roster

    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    migrate(engine)
    roster = Roster(make_sessionmaker(engine), photo_dir=tmp_path / "photos", video=False)
    roster.import_file(ROOT / "data" / "seeds" / "mediators.yml")
    png = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 30, 30)).save(png, "PNG")
    name = roster.save_photo("m01", png.getvalue(), max_bytes=2_000_000)
    stored = roster.photo_path(name)
    with Image.open(stored) as img:
        assert img.format == "JPEG" and max(img.size) <= 480
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert roster.get("m01")["photo_url"] == f"/mediators/photos/{name}"
    for data, code in ((b"GIF89a" + b"\0" * 100, "bad_photo"), (b"<svg></svg>", "bad_photo"),
                       (png.getvalue(), "photo_too_large")):
        with pytest.raises(RosterError) as exc:
            roster.save_photo("m02", data, max_bytes=len(png.getvalue()) - 1
                              if code == "photo_too_large" else 2_000_000)
        assert exc.value.detail == code
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(RosterError):
        roster.save_photo("m02", gif.getvalue(), max_bytes=2_000_000)
    assert roster.photo_path("../etc/passwd") is None
