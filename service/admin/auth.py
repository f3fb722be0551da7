"""Staff accounts: argon2 password hashes, roles, login backoff (see throttle), server-side sessions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.admin.db import session_factory
from service.admin.models import SessionRow, UserRow, aware, utcnow
from service.admin.throttle import LoginThrottle

ROLES = ("editor", "admin")
MIN_PASSWORD = 10
USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{2,64}$"


class LoginFailedError(Exception):
    """Wrong username or password (the message never says which)."""


class LoginThrottledError(Exception):
    """Too many recent failures from this IP or for this name; carries the seconds to wait."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        super().__init__(f"retry in {wait_s:.0f} s")


class UserExistsError(Exception):
    """A user with this name already exists."""


class UserNotFoundError(Exception):
    """No user with this id or name."""


class WeakPasswordError(Exception):
    """The password is too short."""


@dataclass(frozen=True)
class StaffUser:
    """The logged-in staff member, as routes see them."""

    id: int
    username: str
    role: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class LoginResult:
    token: str
    user: StaffUser


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise WeakPasswordError(f"密码至少需要{MIN_PASSWORD}个字符")


class Accounts:
    """Users and sessions over the knowledge store's engine."""

    def __init__(
        self,
        engine: Engine,
        secret: str,
        *,
        session_minutes: int = 480,
        throttle: LoginThrottle | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self._secret = secret.encode()
        self._hasher = hasher or PasswordHasher()
        # Unknown names are checked against this hash, made now so that no login pays for making it.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self.session_ttl = timedelta(minutes=session_minutes)
        self.throttle = throttle or LoginThrottle()

    def _token_hash(self, token: str) -> str:
        return hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()

    # ---- users -----------------------------------------------------------------------------
    def create_user(self, username: str, password: str, role: str) -> UserRow:
        if role not in ROLES:
            raise ValueError(f"unknown role {role}")
        check_password(password)
        try:
            with self.sessions.begin() as session:
                user = UserRow(
                    username=username,
                    password_hash=self._hasher.hash(password),
                    role=role,
                    active=True,
                    failed_logins=0,
                )
                session.add(user)
                session.flush()
                return user
        except IntegrityError as exc:
            raise UserExistsError(username) from exc

    def users(self) -> list[UserRow]:
        with self.sessions() as session:
            return list(session.scalars(select(UserRow).order_by(UserRow.id)))

    def user(self, user_id: int) -> UserRow:
        with self.sessions() as session:
            user = session.get(UserRow, user_id)
            if user is None:
                raise UserNotFoundError(str(user_id))
            return user

    def update_user(
        self,
        user_id: int,
        *,
        role: str | None = None,
        active: bool | None = None,
        password: str | None = None,
        unlock: bool = False,
    ) -> UserRow:
        """Change role, activity or password; deactivating or a new password ends their sessions."""
        if role is not None and role not in ROLES:
            raise ValueError(f"unknown role {role}")
        if password is not None:
            check_password(password)
        with self.sessions.begin() as session:
            user = session.get(UserRow, user_id)
            if user is None:
                raise UserNotFoundError(str(user_id))
            if role is not None:
                user.role = role
            if active is not None:
                user.active = active
            if password is not None:
                user.password_hash = self._hasher.hash(password)
            if unlock:
                user.failed_logins, user.locked_until = 0, None
                self.throttle.clear(user.username)
            if active is False or password is not None or role is not None:
                session.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
            return user

    def reset_password(self, user_id: int) -> tuple[UserRow, str]:
        """A new random password for someone who forgot theirs (shown once to the admin): their sessions
        end and any login wait is cleared."""
        temporary = "-".join(secrets.token_urlsafe(4) for _ in range(3))  # e.g. aZ3k-Pq9x-0bTe
        return self.update_user(user_id, password=temporary, unlock=True), temporary

    def change_own_password(self, user_id: int, current: str, new: str, token: str) -> None:
        """A user's own change: the current password must be right; their other sessions end."""
        check_password(new)
        with self.sessions.begin() as session:
            user = session.get(UserRow, user_id)
            if user is None or not self._verify(user.password_hash, current):
                raise LoginFailedError(str(user_id))
            user.password_hash = self._hasher.hash(new)
            session.execute(
                delete(SessionRow).where(
                    SessionRow.user_id == user_id, SessionRow.token_hash != self._token_hash(token)
                )
            )

    def admin_count(self) -> int:
        return sum(1 for u in self.users() if u.role == "admin" and u.active)

    # ---- login and sessions ----------------------------------------------------------------
    def login(self, username: str, password: str, ip: str = "unknown") -> LoginResult:
        """Check the password; raises LoginFailedError or LoginThrottledError.

        Unknown and inactive names take the same path as known ones: one lookup, one argon2 check,
        the same backoff and the same answer, so neither the reply nor its timing says a name exists.
        """
        wait = self.throttle.wait_s(ip, username)
        if wait > 0:
            raise LoginThrottledError(wait)
        now = utcnow()
        with self.sessions.begin() as session:
            user = session.scalar(select(UserRow).where(UserRow.username == username))
            known = user is not None and user.active
            password_hash = user.password_hash if user is not None and known else self._dummy_hash
            if self._verify(password_hash, password) and user is not None and known:
                result = self._open_session(session, user, password, now)
                self.throttle.succeeded(username)
                return result
        self.throttle.failed(ip, username)
        raise LoginFailedError(username)

    def _open_session(self, session: Session, user: UserRow, password: str, now: datetime) -> LoginResult:
        if self._hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self._hasher.hash(password)
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(
            SessionRow(
                token_hash=self._token_hash(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + self.session_ttl,
            )
        )
        session.execute(delete(SessionRow).where(SessionRow.expires_at < now))
        return LoginResult(token, StaffUser(user.id, user.username, user.role, csrf))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def session_user(self, token: str) -> StaffUser | None:
        """The user of a live session token, or None."""
        if not token:
            return None
        with self.sessions() as session:
            row = session.scalar(select(SessionRow).where(SessionRow.token_hash == self._token_hash(token)))
            if row is None or aware(row.expires_at) <= utcnow():
                return None
            user = session.get(UserRow, row.user_id)
            if user is None or not user.active:
                return None
            return StaffUser(user.id, user.username, user.role, row.csrf_token)

    def logout(self, token: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(SessionRow).where(SessionRow.token_hash == self._token_hash(token)))
