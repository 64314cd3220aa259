"""Compensation standards by region and year (``knowledge/standards/<region>.yml``).

A row is keyed by the statistical year the figures describe; ``published`` is the day they were
made public (the 2022 bulletin came out in March 2023), ``source`` where they were checked, and
``notes`` why a figure is still ``null``. A figure nobody could verify is ``null`` (unknown), never
invented. Courts use the figures of the statistical year before the end of the first-instance
debate (人身损害赔偿解释第22条), so :func:`pick` takes the latest year not after the one asked for
that has the figure and was published by ``today``, and the caller says which year it used.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .loader import LINE_KEY, KnowledgeError, load_yaml, strip_lines

FIGURES = ("urban_per_capita_disposable_income", "rural_per_capita_disposable_income",
           "urban_per_capita_consumption_expenditure", "rural_per_capita_consumption_expenditure",
           "avg_annual_wage",
           "hospital_food_subsidy_per_day", "minimum_monthly_wage")


@dataclass(frozen=True)
class Figure:
    region: str
    year: int
    name: str
    value: float
    source: str
    published: dt.date | None = None


def load_standards(root: Path) -> dict[str, dict[int, dict]]:
    out: dict[str, dict[int, dict]] = {}
    for path in sorted(Path(root).glob("*.yml")):
        data = load_yaml(path)
        _validate(data, path)
        out[data["region"]] = {int(y): strip_lines(v) for y, v in data["years"].items()
                               if y != LINE_KEY}
    return out


def _validate(data, path: Path) -> None:
    if not isinstance(data, dict) or not {"region", "years"} <= set(data):
        raise KnowledgeError(path, 1, "a standards file needs region and years")
    for year, row in data["years"].items():
        if year == LINE_KEY:
            continue
        line = row.get(LINE_KEY) if isinstance(row, dict) else None
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise KnowledgeError(path, line, f"year {year!r} is not a year")
        if not isinstance(row, dict):
            raise KnowledgeError(path, line, f"{year}: expected a mapping of figures")
        unknown = set(row) - set(FIGURES) - {"source", "published", "notes", LINE_KEY}
        if unknown:
            raise KnowledgeError(path, line, f"{year}: unknown figures {sorted(unknown)}")
        given = [k for k in FIGURES if row.get(k) is not None]
        for k in given:
            if not isinstance(row[k], (int, float)) or row[k] <= 0:
                raise KnowledgeError(path, line, f"{year}: {k} must be a positive number or null")
        if given and not str(row.get("source", "")).strip():
            raise KnowledgeError(path, line, f"{year}: figures without a source")
        published = row.get("published")
        if given and not isinstance(published, dt.date):
            raise KnowledgeError(path, line, f"{year}: figures without the date they were published")
        if published is not None and (not isinstance(published, dt.date)
                                      or published.year <= year):
            raise KnowledgeError(path, line, f"{year}: published must be a date after the year")
        notes = row.get("notes") or {}
        if not isinstance(notes, dict) or set(notes) - set(FIGURES) - {LINE_KEY}:
            raise KnowledgeError(path, line, f"{year}: notes must be keyed by figure names")
        for k in FIGURES:
            if k in row and row[k] is None and not str(notes.get(k, "")).strip():
                raise KnowledgeError(path, line, f"{year}: {k} is null without a note saying why")


def pick(standards: dict, region: str, name: str, year: int | None = None, *,
         today: dt.date | None = None) -> Figure | None:
    """The figure for ``region`` from ``year`` or the latest earlier year that has it; with
    ``today``, a year published after it is skipped (not public yet)."""
    years = standards.get(region) or {}
    for y in sorted(years, reverse=True):
        if year is not None and y > year:
            continue
        row = years[y]
        published = row.get("published")
        if today is not None and isinstance(published, dt.date) and published > today:
            continue
        value = row.get(name)
        if value is not None:
            return Figure(region, y, name, float(value), row.get("source", ""),
                          published if isinstance(published, dt.date) else None)
    return None
