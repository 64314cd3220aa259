"""The CJK font every PDF embeds (reports, mediation documents).

A PDF that only names a Chinese font shows empty boxes on a phone or printer without it, so PDFs
embed a TrueType font: ``LEGALBOT_PDF_FONT`` when set, otherwise the first of the known Debian fonts
found. reportlab embeds TrueType outlines only (the Noto CJK fonts are CFF and cannot be used).
Without any, the built-in ``STSong-Light`` is used and a warning is logged once.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from knowledge import settings

log = logging.getLogger(__name__)

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
EMBEDDED = "LegalbotCJK"
FALLBACK = "STSong-Light"


def font_file(overrides: dict | None = None) -> Path | None:
    """The TrueType file to embed, or None when there is none on this machine."""
    chosen = settings.get("PDF_FONT", overrides).strip()
    for candidate in ([chosen] if chosen else CANDIDATES):
        path = Path(candidate)
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=4)
def _register(path: str | None) -> str:
    from reportlab.pdfbase import pdfmetrics

    if path:
        from reportlab.pdfbase.ttfonts import TTFont

        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED, path, subfontIndex=0))
            return EMBEDDED
        except Exception as exc:  # a file that is not TrueType: say so, fall back
            log.warning("PDF font %s cannot be embedded (%s); using %s", path, exc, FALLBACK)
    else:
        log.warning("no TrueType CJK font found (install fonts-wqy-microhei or set "
                    "LEGALBOT_PDF_FONT); PDFs use %s, which is not embedded", FALLBACK)
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK


def cjk_font(overrides: dict | None = None) -> str:
    """Register the CJK font with reportlab once and return its name for paragraph styles."""
    found = font_file(overrides)
    return _register(str(found) if found else None)
