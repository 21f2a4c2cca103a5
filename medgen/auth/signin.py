"""Sign-in with a password, lock-out after repeated failures, sign-out, and the current role.

:func:`authenticate` takes ``session`` first and runs in the caller's unit of work;
:func:`sign_in` is its own unit of work, committed on failure too (a rolled-back failure would
defeat the lock-out). Every sign-in, failure, lock-out and sign-out is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from medgen.auth.errors import AccountDisabledError, AccountLockedError, InvalidCredentialsError
from medgen.auth.passwords import hash_password, needs_rehash, verify_password
from medgen.config import Settings, get_settings
from medgen.errors import AuthError
from medgen.store import Factory, run, sessions, users
from medgen.store.audit import add_audit
from medgen.types import AuditAction, AuditOutcome, ObjectType, UserInfo

log = logging.getLogger(__name__)


def now_utc(now: datetime | None = None) -> datetime:
    """``now`` in UTC (a naive value is taken as UTC), or the current time."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def audit_user(
    session: Session, action: AuditAction, info: UserInfo | None,
    outcome: AuditOutcome = AuditOutcome.OK, **detail: Any,
) -> None:
    """Audit a sign-in event about ``info``'s account (None: an unknown account)."""
    add_audit(session, action, user=info, object_type=ObjectType.USER,
              object_id=info.id if info else "", outcome=outcome, detail=detail)


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def authenticate(
    session: Session,
    username: str,
    password: str,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> UserInfo:
    """Check a username and password; return the user or raise an :class:`AuthError` subclass.

    On failure the failed-login count, lock-out and audit event are added to ``session`` *before*
    the error is raised: the caller must commit them (use :func:`sign_in`, which does).
    After ``max_failed_logins`` failures in a row the account is locked for ``lockout_min``
    minutes; a success resets the count and upgrades the hash if the argon2 parameters changed.
    """
    cfg = settings or get_settings()
    at = now_utc(now)
    name = (username or "").strip().lower()
    cred = users.credentials(session, name) if name else None
    if cred is None:
        verify_password(None, password)  # same time as a real check
        audit_user(session, AuditAction.LOGIN_FAILED, None, AuditOutcome.DENIED, reason="unknown_user")
        raise InvalidCredentialsError()

    info, failures, locked_until = cred.user.info, cred.failed_logins, cred.user.locked_until
    if locked_until is not None and locked_until > at:
        audit_user(session, AuditAction.LOCKED_OUT, info, AuditOutcome.DENIED, reason="locked",
                   until=locked_until.isoformat())
        raise AccountLockedError(locked_until, _minutes_left(locked_until, at))
    if locked_until is not None:  # lock expired: a fresh series of attempts
        failures = 0
        users.update_user(session, info.id, failed_logins=0, locked_until=None)

    if not verify_password(cred.password_hash, password):
        failures += 1
        audit_user(session, AuditAction.LOGIN_FAILED, info, AuditOutcome.DENIED,
                   reason="wrong_password", failures=failures)
        if failures < cfg.max_failed_logins:
            users.update_user(session, info.id, failed_logins=failures)
            raise InvalidCredentialsError()
        until = at + timedelta(minutes=cfg.lockout_min)
        users.update_user(session, info.id, failed_logins=failures, locked_until=until)
        audit_user(session, AuditAction.LOCKED_OUT, info, AuditOutcome.LOCKED, failures=failures,
                   until=until.isoformat())
        log.warning("account %s locked until %s", info.id, until.isoformat())
        raise AccountLockedError(until, cfg.lockout_min)

    if not cred.user.is_active:  # only revealed to someone who knows the password
        audit_user(session, AuditAction.LOGIN_FAILED, info, AuditOutcome.DENIED, reason="inactive")
        raise AccountDisabledError()

    changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": at}
    if needs_rehash(cred.password_hash):
        changes["password_hash"] = hash_password(password)
        log.info("upgraded the password hash of user %s", info.id)
    users.update_user(session, info.id, **changes)
    audit_user(session, AuditAction.LOGIN, info, method="password")
    return info


def commit_failures(factory: Factory | None, check: Callable[[Session], UserInfo]) -> UserInfo:
    """Run ``check`` as one unit of work that is committed even when it raises AuthError."""

    def work(session: Session) -> UserInfo | AuthError:
        try:
            return check(session)
        except AuthError as exc:  # returned, so the bookkeeping and its audit event are committed
            return exc

    result = run(factory, work)
    if isinstance(result, AuthError):
        raise result
    return result


def sign_in(
    factory: Factory | None,
    username: str,
    password: str,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> UserInfo:
    """:func:`authenticate` in its own unit of work, committed on success *and* on failure."""
    return commit_failures(
        factory, lambda s: authenticate(s, username, password, now=now, settings=settings)
    )


def record_logout(
    session: Session, user: UserInfo, reason: str = "user", token: str | None = None
) -> None:
    """Audit a sign-out and end its server-side session (``token``, the tab's cookie token).

    ``reason`` is "user" (button), "timeout" (inactivity), "revoked" (ended elsewhere) or
    "deactivated".
    """
    audit_user(session, AuditAction.LOGOUT, user, reason=reason)
    sessions.revoke_session(
        session,
        token,
        sessions.RevokeReason.TIMEOUT if reason == "timeout" else sessions.RevokeReason.SIGN_OUT,
    )


def start_browser_session(
    session: Session, user: UserInfo, previous_token: str | None, user_agent: str | None
) -> sessions.NewSession:
    """The server-side session of a sign-in just made (its raw token goes into the cookie).

    ``previous_token`` (the cookie the browser had before) is revoked: a token planted in a
    browser before sign-in never gains rights.
    """
    return sessions.create_session(
        session, user.id, previous_token=previous_token, user_agent=user_agent
    )


def resume(session: Session, token: str, user_agent: str | None = None) -> sessions.Resumed:
    """Sign in again from a cookie's session token (reload, second tab); audited when it works."""
    result = sessions.resume_session(session, token, user_agent=user_agent)
    if result.user is not None:
        audit_user(session, AuditAction.LOGIN, result.user, method="session_resume",
                   session_id=result.session_id)
    else:
        log.info("session resume refused: %s", result.failure)
    return result


def session_idle(
    session: Session, token: str, now: datetime | None = None, settings: Settings | None = None
) -> bool:
    """True if the session of ``token`` is ended or unused (in every tab) past the inactivity limit."""
    settings = settings or get_settings()
    seen = sessions.last_activity(session, token)
    return seen is None or now_utc(now) - seen > timedelta(minutes=settings.session_timeout_min)


def session_alive(session: Session, token: str) -> bool:
    """Record activity on a tab's server-side session; False once it was ended anywhere."""
    return sessions.touch_session(session, token)


def current_info(session: Session, user_id: int) -> UserInfo | None:
    """The user's current role and name, or None if the account is gone or deactivated."""
    rec = users.get_user(session, user_id)
    return rec.info if rec is not None and rec.is_active else None
