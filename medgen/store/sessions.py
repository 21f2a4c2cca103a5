"""Server-side sign-in sessions: create, resume, revoke (repository functions, ``session`` first).

A session is a random 256-bit token that only the browser holds (in a cookie); the database keeps
its SHA-256 hash, its user, and three times: ``last_seen_at`` (inactivity limit), ``expires_at``
(absolute end) and ``revoked_at`` (signed out, timed out, rotated, or ended by an administrator).

* :func:`create_session` at sign-in returns the raw token once; it also revokes the token the
  browser presented before signing in (rotation: a token planted before sign-in is useless after).
* :func:`resume_session` on a reload or a second tab: valid only if not revoked, not past
  ``expires_at`` and used within the inactivity limit; it refreshes ``last_seen_at``.
* :func:`revoke_session` at sign-out; :func:`revoke_all_for_user` on "sign out everywhere",
  deactivation, a role change and a password reset.

The caller owns the transaction (``with factory.begin() as s:``). Times are UTC.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from medgen.config import Settings, get_settings
from medgen.store.models import AuthSession, User
from medgen.types import Role, UserInfo

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits
#: ``last_seen_at`` is written at most this often (a rerun per click need not write each time).
TOUCH_INTERVAL = timedelta(seconds=15)


class RevokeReason(StrEnum):
    """Why a session ended (stored in ``auth_sessions.revoke_reason``)."""

    SIGN_OUT = "sign_out"
    SIGN_OUT_EVERYWHERE = "sign_out_everywhere"
    TIMEOUT = "timeout"
    EXPIRED = "expired"
    ROTATED = "rotated"
    DEACTIVATED = "deactivated"
    ROLE_CHANGE = "role_change"
    PASSWORD_RESET = "password_reset"


class ResumeFailure(StrEnum):
    """Why :func:`resume_session` refused a token (for the audit trail and the notice shown)."""

    UNKNOWN = "unknown"  # no such token (never issued, or purged)
    REVOKED = "revoked"
    IDLE = "idle"  # inactivity limit passed
    EXPIRED = "expired"  # absolute lifetime passed
    USER_INACTIVE = "user_inactive"
    USER_AGENT = "user_agent"  # presented by another browser than the one it was issued to


@dataclass(frozen=True)
class NewSession:
    """What :func:`create_session` returns; ``token`` exists only here and in the cookie."""

    token: str = ""
    session_id: int = 0
    expires_at: datetime | None = None

    def __repr__(self) -> str:  # never show the token in logs or tracebacks
        return f"NewSession(session_id={self.session_id}, expires_at={self.expires_at})"


@dataclass(frozen=True)
class Resumed:
    """Outcome of :func:`resume_session`: ``user`` when the token is valid, else ``failure``."""

    user: UserInfo | None
    session_id: int | None = None
    failure: ResumeFailure | None = None
    revoke_reason: str | None = None  # for REVOKED: why it was revoked

    @property
    def ok(self) -> bool:
        return self.user is not None


def hash_token(token: str) -> str:
    """SHA-256 hex of a session token (what the database stores)."""
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def _hash_ua(user_agent: str | None) -> str | None:
    return hashlib.sha256(user_agent.encode("utf-8")).hexdigest() if user_agent else None


def _utc(dt: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone-aware columns; they are UTC."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _now(now: datetime | None) -> datetime:
    return _utc(now) or datetime.now(UTC)


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name or user.username,
        role=Role(user.role),
    )


def create_session(
    session: Session,
    user_id: int,
    *,
    previous_token: str | None = None,
    user_agent: str | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> NewSession:
    """Start a session for ``user_id`` (just authenticated) and return its raw token once.

    Parameters
    ----------
    previous_token
        The token the browser presented before this sign-in, if any: it is revoked ("rotated"),
        whoever it belonged to, so a token fixed in a browser before sign-in never gains rights.
    user_agent
        The browser's User-Agent; only its hash is kept, and a resume from another one fails.
    """
    settings = settings or get_settings()
    now = _now(now)
    if previous_token:
        _revoke_where(
            session,
            AuthSession.token_hash == hash_token(previous_token),
            RevokeReason.ROTATED,
            now,
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = AuthSession(
        token_hash=hash_token(token),
        user_id=user_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_max_hours),
        user_agent_hash=_hash_ua(user_agent),
    )
    session.add(row)
    session.flush()
    log.info("session %d started for user %d", row.id, user_id)
    return NewSession(token=token, session_id=row.id, expires_at=row.expires_at)


def resume_session(
    session: Session,
    token: str | None,
    *,
    user_agent: str | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> Resumed:
    """The user a token signs in, if the session is still valid; refreshes ``last_seen_at``.

    A session used after the inactivity limit (``session_timeout_min``) or its absolute lifetime
    is revoked on the spot, so the token never works again even if the clock or settings change.
    """
    if not token:
        return Resumed(user=None, failure=ResumeFailure.UNKNOWN)
    settings = settings or get_settings()
    now = _now(now)
    row = session.scalars(
        select(AuthSession).where(AuthSession.token_hash == hash_token(token))
    ).one_or_none()
    if row is None:
        return Resumed(user=None, failure=ResumeFailure.UNKNOWN)
    if row.revoked_at is not None:
        return Resumed(
            user=None,
            session_id=row.id,
            failure=ResumeFailure.REVOKED,
            revoke_reason=row.revoke_reason,
        )
    expires_at = _utc(row.expires_at)
    last_seen = _utc(row.last_seen_at)
    assert expires_at is not None and last_seen is not None
    if now >= expires_at:
        _revoke_row(row, RevokeReason.EXPIRED, now)
        return Resumed(user=None, session_id=row.id, failure=ResumeFailure.EXPIRED)
    if now - last_seen > timedelta(minutes=settings.session_timeout_min):
        _revoke_row(row, RevokeReason.TIMEOUT, now)
        return Resumed(user=None, session_id=row.id, failure=ResumeFailure.IDLE)
    if row.user_agent_hash is not None and user_agent is not None:
        if _hash_ua(user_agent) != row.user_agent_hash:
            log.warning("session %d presented by another browser; refused", row.id)
            return Resumed(user=None, session_id=row.id, failure=ResumeFailure.USER_AGENT)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        _revoke_row(row, RevokeReason.DEACTIVATED, now)
        return Resumed(user=None, session_id=row.id, failure=ResumeFailure.USER_INACTIVE)
    if now - last_seen >= TOUCH_INTERVAL:
        row.last_seen_at = now
    return Resumed(user=_info(user), session_id=row.id)


def touch_session(session: Session, token: str, *, now: datetime | None = None) -> bool:
    """Record activity on a valid session (call on each run); False if it is no longer valid.

    Cheaper than :func:`resume_session` (no user lookup): one conditional UPDATE, and only when
    ``last_seen_at`` is older than :data:`TOUCH_INTERVAL`.
    """
    now = _now(now)
    h = hash_token(token)
    session.execute(
        update(AuthSession)
        .where(
            AuthSession.token_hash == h,
            AuthSession.revoked_at.is_(None),
            AuthSession.last_seen_at <= now - TOUCH_INTERVAL,
        )
        .values(last_seen_at=now)
    )
    alive = session.scalar(
        select(AuthSession.id).where(AuthSession.token_hash == h, AuthSession.revoked_at.is_(None))
    )
    return alive is not None


def last_activity(session: Session, token: str) -> datetime | None:
    """When the live session of ``token`` was last used (any tab); None if unknown or revoked."""
    seen = session.scalar(
        select(AuthSession.last_seen_at).where(
            AuthSession.token_hash == hash_token(token), AuthSession.revoked_at.is_(None)
        )
    )
    return _utc(seen)


def _revoke_row(row: AuthSession, reason: RevokeReason | str, now: datetime) -> None:
    row.revoked_at = now
    row.revoke_reason = RevokeReason(reason).value


def _revoke_where(
    session: Session, condition: object, reason: RevokeReason | str, now: datetime
) -> int:
    result = session.execute(
        update(AuthSession)
        .where(condition, AuthSession.revoked_at.is_(None))  # type: ignore[arg-type]
        .values(revoked_at=now, revoke_reason=RevokeReason(reason).value)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def revoke_session(
    session: Session,
    token: str | None,
    reason: RevokeReason | str = RevokeReason.SIGN_OUT,
    *,
    now: datetime | None = None,
) -> bool:
    """End the session of ``token`` (sign-out). True if a live session was revoked."""
    if not token:
        return False
    n = _revoke_where(session, AuthSession.token_hash == hash_token(token), reason, _now(now))
    return n > 0


def revoke_all_for_user(
    session: Session,
    user_id: int,
    reason: RevokeReason | str,
    *,
    except_session_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """End every live session of ``user_id``; returns how many.

    Call it on "sign out everywhere", deactivation, a role change and a password reset (for a
    password the user changed themselves, pass ``except_session_id`` to keep the current tab).
    """
    cond = AuthSession.user_id == user_id
    if except_session_id is not None:
        cond = cond & (AuthSession.id != except_session_id)  # type: ignore[assignment]
    n = _revoke_where(session, cond, reason, _now(now))
    if n:
        log.info("revoked %d sessions of user %d (%s)", n, user_id, RevokeReason(reason).value)
    return n


def purge_sessions(session: Session, *, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete sessions that ended (revoked or expired) more than ``older_than`` ago."""
    cutoff = _now(now) - older_than
    result = session.execute(
        delete(AuthSession).where(
            or_(AuthSession.revoked_at < cutoff, AuthSession.expires_at < cutoff)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live_sessions(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """How many sessions of ``user_id`` are not revoked and not past their absolute expiry."""
    now = _now(now)
    rows = session.scalars(
        select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    ).all()
    return sum(1 for r in rows if (_utc(r.expires_at) or now) > now)
