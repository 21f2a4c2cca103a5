"""User rows: the account repository behind :mod:`medgen.auth` (which holds the rules).

Functions take ``session`` first and return frozen dataclasses, never the ORM row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medgen.store.models import User
from medgen.types import Role, UserInfo

#: Columns :func:`update_user` may change (username and id never change; users are never deleted).
CHANGEABLE = frozenset(
    {"role", "is_active", "password_hash", "failed_logins", "locked_until", "last_login_at"}
)


@dataclass(frozen=True)
class UserRecord:
    """A user as the admin page sees it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    is_active: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime | None
    has_password: bool  # False for single-sign-on-only accounts

    @property
    def info(self) -> UserInfo:
        return UserInfo(self.id, self.username, self.display_name or self.username, self.role)


@dataclass(frozen=True)
class Credentials:
    """What sign-in checks: the account, its password hash and its lock-out state."""

    user: UserRecord
    password_hash: str | None
    failed_logins: int


def _record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role),
        is_active=bool(user.is_active), locked_until=user.locked_until,
        last_login_at=user.last_login_at, created_at=user.created_at,
        has_password=user.password_hash is not None,
    )


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count(User.id))) or 0)


def count_active_admins(session: Session) -> int:
    stmt = select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.is_active.is_(True))
    return int(session.scalar(stmt) or 0)


def username_taken(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username)) is not None


def add_user(
    session: Session, username: str, display_name: str, role: Role, password_hash: str | None
) -> UserRecord:
    """Insert an active account (checked by the caller) and return it."""
    user = User(username=username, display_name=display_name, role=Role(role).value,
                password_hash=password_hash, is_active=True, failed_logins=0)
    session.add(user)
    session.flush()
    return _record(user)


def get_user(session: Session, user_id: int) -> UserRecord | None:
    user = session.get(User, user_id)
    return _record(user) if user is not None else None


def list_users(session: Session) -> list[UserRecord]:
    return [_record(u) for u in session.scalars(select(User).order_by(User.username))]


def credentials(session: Session, username: str) -> Credentials | None:
    """The account named ``username`` (exact, already normalised) with its hash, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return None
    return Credentials(_record(user), user.password_hash, int(user.failed_logins or 0))


def password_hash(session: Session, user_id: int) -> str | None:
    return session.scalar(select(User.password_hash).where(User.id == user_id))


def update_user(session: Session, user_id: int, **changes: Any) -> UserRecord | None:
    """Set the given columns (of :data:`CHANGEABLE`) of one user; the updated record, or None."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValueError(f"update_user cannot change {sorted(unknown)}")
    user = session.get(User, user_id)
    if user is None:
        return None
    for name, value in changes.items():
        setattr(user, name, Role(value).value if name == "role" else value)
    session.flush()
    return _record(user)
