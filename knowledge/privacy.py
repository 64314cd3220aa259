"""Personal data kept close: phone, ID and bank-card numbers masked wherever they would leave the
person who handles the case — in what is forwarded to Rasa (so its tracker store never holds
them), in every log line, and in lists."""
from __future__ import annotations

import logging
import re

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<!\d)(\d{12,15})(\d{4})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_personal(text: str) -> str:
    """"13812345678" -> "138****5678"; an 18-character ID number keeps its first 4 and last 4;
    a 16–19 digit bank-card number keeps its last 4. Amounts, dates and article numbers are
    shorter and stay as they are."""
    if not text or not any(c.isdigit() for c in text):
        return text
    text = _ID.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3)[-4:], text)
    text = _CARD.sub(lambda m: "*" * len(m.group(1)) + m.group(2), text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal numbers in every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        masked = mask_personal(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install_log_masking() -> None:
    """Mask personal numbers in everything this process logs (root handlers and their children)."""
    root = logging.getLogger()
    if not any(isinstance(f, MaskingFilter) for f in root.filters):
        root.addFilter(MaskingFilter())
    for handler in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
