"""Console accounts: people's mediators, duty lawyers and the bureau's admins.

Passwords are kept as werkzeug.security hashes. A login is refused with 429 after repeated
failures of one user name or from one client address; the failures are rows in the database, so
every web process counts the same ones.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import session_scope
from ..models import LoginFailure, User, utcnow

ROLES = ("mediator", "lawyer", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 10
# checked when the user name does not exist, so that a wrong name costs as much as a wrong password
_DUMMY_HASH = generate_password_hash("not-a-password-of-anyone")


class AccountError(Exception):
    """A refused account operation or login: HTTP status, error code, values for the message."""

    def __init__(self, status: int, code: str, retry_after: int | None = None, **values):
        super().__init__(code)
        self.status, self.code, self.retry_after, self.values = status, code, retry_after, values


@dataclass(frozen=True)
class Account:
    """A user as the web app holds it between requests (Flask-Login's user object)."""
    id: int
    username: str
    role: str
    name: str
    mediator_id: str | None
    active: bool
    session_key: str  # changes with the password: a new password ends the other sessions

    # Flask-Login's interface
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_key}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def public(self) -> dict:
        return {"username": self.username, "role": self.role, "name": self.name}


def _account(u: User) -> Account:
    key = hashlib.sha256(u.password_hash.encode()).hexdigest()[:16]
    return Account(u.id, u.username, u.role, u.name, u.mediator_id, bool(u.active), key)


class Accounts:
    def __init__(self, sessions: sessionmaker[Session], *, max_user_failures: int = 5,
                 max_ip_failures: int = 20, window_minutes: int = 15):
        self.sessions = sessions
        self.max_user_failures = max_user_failures
        self.max_ip_failures = max_ip_failures
        self.window = dt.timedelta(minutes=window_minutes)

    # -- managing ----------------------------------------------------------------------------------
    @staticmethod
    def _check(username: str | None = None, role: str | None = None, name: str | None = None,
               password: str | None = None) -> None:
        if username is not None and not USERNAME.match(username):
            raise AccountError(400, "bad_username")
        if role is not None and role not in ROLES:
            raise AccountError(400, "bad_role")
        if name is not None and not (0 < len(name.strip()) <= 40):
            raise AccountError(400, "bad_name")
        if password is not None and len(password) < MIN_PASSWORD:
            raise AccountError(400, "weak_password")

    def add(self, username: str, *, role: str, name: str, password: str,
            mediator_id: str | None = None) -> Account:
        username = (username or "").strip().lower()
        self._check(username, role, name, password)
        with session_scope(self.sessions) as s:
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise AccountError(409, "username_taken")
            u = User(username=username, role=role, name=name.strip(),
                     mediator_id=(mediator_id or "").strip() or None,
                     password_hash=generate_password_hash(password))
            s.add(u)
            s.flush()
            return _account(u)

    def users(self) -> list[Account]:
        with self.sessions() as s:
            return [_account(u) for u in s.scalars(select(User).order_by(User.username))]

    def _update(self, username: str, **values) -> Account:
        with session_scope(self.sessions) as s:
            u = s.scalars(select(User).where(User.username == (username or "").lower())).first()
            if u is None:
                raise AccountError(404, "no_user")
            for k, v in values.items():
                setattr(u, k, v)
            s.flush()
            return _account(u)

    def disable(self, username: str) -> Account:
        return self._update(username, active=False)

    def enable(self, username: str) -> Account:
        return self._update(username, active=True)

    def set_password(self, username: str, password: str) -> Account:
        self._check(password=password)
        return self._update(username, password_hash=generate_password_hash(password))

    def edit(self, username: str, *, role: str, name: str, mediator_id: str | None) -> Account:
        self._check(role=role, name=name)
        return self._update(username, role=role, name=name.strip(),
                            mediator_id=(mediator_id or "").strip() or None)

    # -- sessions ----------------------------------------------------------------------------------
    def load(self, session_id: str) -> Account | None:
        """The active account of a Flask-Login id ("<id>.<session key>"), else None."""
        user_id, _, key = (session_id or "").partition(".")
        if not user_id.isdigit():
            return None
        with self.sessions() as s:
            u = s.get(User, int(user_id))
        if u is None or not u.active:
            return None
        account = _account(u)
        return account if account.session_key == key else None

    def by_username(self, username: str) -> Account | None:
        with self.sessions() as s:
            u = s.scalars(select(User).where(User.username == username)).first()
        return _account(u) if u is not None else None

    # -- logging in --------------------------------------------------------------------------------
    def _retry_after(self, s: Session, scope: str, key: str, limit: int, now) -> int | None:
        since = now - self.window
        rows = s.scalars(select(LoginFailure.created_at).where(
            LoginFailure.scope == scope, LoginFailure.key == key,
            LoginFailure.created_at >= since).order_by(LoginFailure.created_at.desc())
            .limit(limit)).all()
        if len(rows) < limit:
            return None
        # refused until the oldest of the last `limit` failures leaves the window
        return max(1, int((rows[-1] + self.window - now).total_seconds()) + 1)

    def authenticate(self, username: str, password: str, address: str) -> Account:
        """The account, or AccountError 401 (wrong name or password), 403 (disabled) or 429
        (too many failures, with ``retry_after`` seconds)."""
        username = (username or "").strip().lower()[:64]
        address = (address or "unknown")[:64]
        now = utcnow()
        with session_scope(self.sessions) as s:
            s.execute(delete(LoginFailure).where(LoginFailure.created_at < now - self.window))
            waits = [w for w in (
                self._retry_after(s, "user", username, self.max_user_failures, now),
                self._retry_after(s, "ip", address, self.max_ip_failures, now)) if w]
        if waits:
            wait = max(waits)
            raise AccountError(429, "throttled", retry_after=wait, minutes=(wait + 59) // 60)
        with self.sessions() as s:
            u = s.scalars(select(User).where(User.username == username)).first()
        ok = check_password_hash(u.password_hash if u else _DUMMY_HASH, password or "")
        if not (u and ok):
            with session_scope(self.sessions) as s:
                s.add_all([LoginFailure(scope="user", key=username, created_at=now),
                           LoginFailure(scope="ip", key=address, created_at=now)])
            raise AccountError(401, "bad_credentials")
        if not u.active:
            raise AccountError(403, "disabled")
        with session_scope(self.sessions) as s:
            s.execute(delete(LoginFailure).where(LoginFailure.scope == "user",
                                                 LoginFailure.key == username))
            s.get(User, u.id).last_login_at = now
        return _account(u)

    def failures(self, scope: str, key: str) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(LoginFailure).where(
                LoginFailure.scope == scope, LoginFailure.key == key)) or 0
