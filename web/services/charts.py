"""Bar charts as plain SVG geometry, drawn on the server (no script, no CDN): the template
``console/chart.svg.html`` turns the bars into ``<rect>`` elements."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    series: str
    value: float
    x: float
    y: float
    width: float
    height: float


def bars(rows: list[dict], series: tuple[str, ...], *, width: int = 640, height: int = 240,
         pad: int = 32, scale: float | None = None) -> dict:
    """Grouped bars of ``series`` for each row (``row["label"]``); the y axis from 0 to the
    largest value (or ``scale``)."""
    top = scale or max([row[s] or 0 for row in rows for s in series] + [1])
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    group_w = inner_w / max(len(rows), 1)
    bar_w = group_w * 0.8 / len(series)
    out = []
    for i, row in enumerate(rows):
        for j, s in enumerate(series):
            value = row[s] or 0
            h = inner_h * value / top
            out.append(Bar(row["label"], s, value, pad + i * group_w + group_w * 0.1 + j * bar_w,
                           pad + inner_h - h, bar_w, h))
    ticks = [{"value": round(top * k / 4, 2), "y": pad + inner_h - inner_h * k / 4}
             for k in range(5)]
    labels = [{"text": row["label"], "x": pad + (i + 0.5) * group_w} for i, row in
              enumerate(rows)]
    return {"width": width, "height": height, "pad": pad, "bars": out, "ticks": ticks,
            "labels": labels, "series": series, "base": pad + inner_h}
