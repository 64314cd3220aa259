"""App database: conversations, messages, consultations, handoffs; the console's users, events,
notes, ratings, canned replies and Rasa outbox; the WeChat channel's followers, pushes, nonces,
deliveries, outbox and access token (SQLAlchemy 2)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    # active | waiting_mediator | with_mediator | closed
    status: Mapped[str] = mapped_column(String(20), default="active")
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # while set and in the future, one request is forwarding this conversation's pending
    # messages to Rasa; others wait instead of sending the same message a second time
    drain_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Message(Base):
    """One message. ``id`` doubles as the ``seq`` of the chat API: increasing across processes."""
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # resident | bot | mediator | system
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    buttons: Mapped[list | None] = mapped_column(JSON, nullable=True)
    report_url: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # resident messages: pending (stored, not yet answered) | answered | paused (routed to a
    # person) | failed (Rasa could not answer it after several tries; kept for the mediators)
    status: Mapped[str] = mapped_column(String(10), default="answered")
    # bot and system messages: the resident message they answer (replies to messages sent at the
    # same instant are stored after all of them, so the order of ids alone does not pair them)
    reply_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # what the console shows beside a message and the resident never sees: a bot answer's
    # {faq_id, confidence, domain}; a mediator's {user_id, name}
    meta: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # links the resident sees under a message ([{"title", "url"}]): the board, a booking (v6)
    links: Mapped[list | None] = mapped_column(JSON, nullable=True)


class Consultation(Base):
    """A completed case-type consultation: facts and the analysis, reachable by report token."""
    __tablename__ = "consultations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), nullable=True,
                                                         index=True)
    case_type: Mapped[str] = mapped_column(String(40))
    facts: Mapped[dict] = mapped_column(JSON)
    analysis: Mapped[dict] = mapped_column(JSON)
    report_token: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Handoff(Base):
    """A request for a person: waiting until a mediator or duty lawyer takes it."""
    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40), default="resident_request")
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    # waiting | taken | closed (by a person, with an outcome) | returned (handed back to the bot)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # the console (schema v3): who holds it; a claim is a conditional UPDATE of this column
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True,
                                                    index=True)
    for_role: Mapped[str | None] = mapped_column(String(16), nullable=True)  # lawyer: duty lawyer
    domain: Mapped[str | None] = mapped_column(String(16), nullable=True)
    case_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reply_expected_by: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    close_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class User(Base):
    """A console account: a people's mediator, a duty lawyer or the bureau's admin."""
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # mediator | lawyer | admin
    name: Mapped[str] = mapped_column(String(40))
    mediator_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the board's id
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class LoginFailure(Base):
    """One failed console login, counted per user name and per client address (shared by all
    web processes through the database)."""
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(8))  # user | ip
    key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class ConsoleEvent(Base):
    """Who did what to a conversation, and when: every console action, the resident's handback
    and rating, the handoff itself."""
    __tablename__ = "console_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(40))  # a user's name, or resident | system
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Note(Base):
    """A private note of the people who handle a conversation; never shown to the resident."""
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Rating(Base):
    """The resident's rating (1–5) of one handoff's help, given after it ended."""
    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CannedReply(Base):
    """An admin's edit of a canned reply: overrides the default of knowledge/texts/console.yml
    with the same key, or adds one; ``hidden`` removes it from the list."""
    __tablename__ = "canned_replies"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class RasaOutbox(Base):
    """Events the web app owes Rasa (``resume`` after a handback or close), kept until Rasa has
    them: written with the status change, sent after it, retried while Rasa is down."""
    __tablename__ = "rasa_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    events: Mapped[list] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, index=True)


class SchemaVersion(Base):
    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# -- the WeChat official account (web/services/wechat*.py; schema v4) ---------------------------
class WeChatUser(Base):
    """One follower of the 公众号 (openid) and the one conversation it has with the robot."""
    __tablename__ = "wechat_users"
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"),
                                                         nullable=True, unique=True)
    # while set and in the future, one request is opening the conversation for this openid
    opening_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    subscribed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # the numbered choices last shown ([{"n", "title", "payload"}]): "1" picks the first
    options: Mapped[list | None] = mapped_column(JSON, nullable=True)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WeChatInbound(Base):
    """A push from WeChat, once: the unique key (MsgId; events FromUserName + CreateTime) makes a
    retried or concurrent copy a duplicate in every web process. Committed before any work."""
    __tablename__ = "wechat_inbound"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    # received (kept, not yet in the conversation) | stored (a resident message) | handled
    status: Mapped[str] = mapped_column(String(10), default="received", index=True)
    message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class WeChatNonce(Base):
    """Signed (timestamp, nonce) pairs seen lately, with a digest of the body they came with: the
    same pair with another body is a replay."""
    __tablename__ = "wechat_nonces"
    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    body_sha: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class WeChatDelivery(Base):
    """Who delivers a stored message to a WeChat resident: one row per message, so a message goes
    out once (passively in the HTTP answer, or through the customer-service outbox)."""
    __tablename__ = "wechat_deliveries"
    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    via: Mapped[str] = mapped_column(String(8))  # passive | outbox
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WeChatOutbox(Base):
    """A customer-service message owed to a resident, kept until WeChat takes it."""
    __tablename__ = "wechat_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(8))  # text | msgmenu
    body: Mapped[dict] = mapped_column(JSON)  # {"content"} | {"msgmenu", "fallback"}
    # queued | sending | sent | failed (gave up after retries) | expired (45015/45047)
    status: Mapped[str] = mapped_column(String(8), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class WeChatToken(Base):
    """The access token, shared by every process; ``fetching_until`` lets one of them fetch."""
    __tablename__ = "wechat_tokens"
    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(String(600), nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    fetching_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    fetches: Mapped[int] = mapped_column(Integer, default=0)
