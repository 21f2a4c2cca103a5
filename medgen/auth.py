"""Local accounts: argon2 password hashing, sign-in with lock-out, and admin-only user changes.

No streamlit here (the UI is ``medgen.ui.auth``). Every function takes ``session`` first; the caller
owns the transaction, except :func:`sign_in`, which commits the failed-login bookkeeping even when
sign-in fails (a rolled-back failure would defeat the lock-out).

Every sign-in, failed sign-in, lock-out, sign-out and user change is written to the audit trail in
the same transaction as the change it records.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from medgen.config import Settings, get_settings
from medgen.errors import AuthError, MedgenError, PermissionDeniedError
from medgen.store.models import User
from medgen.store.repo import add_audit
from medgen.types import AuditAction, Role, UserInfo

log = logging.getLogger(__name__)

#: argon2id with the library's current recommended parameters (RFC 9106 low-memory profile).
#: When these change, stored hashes are upgraded at the next successful sign-in.
HASHER = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
#: Lower-case letters, digits and . _ - @ + (so an e-mail address works for single sign-on).
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")

# A hash of a random password, verified against when the username is unknown so that an unknown
# user and a wrong password take the same time and give the same answer.
_DUMMY_HASH = HASHER.hash("medgen-dummy-password-not-used-for-anything")


class InvalidCredentialsError(AuthError):
    """Unknown username or wrong password (deliberately the same message for both)."""

    default_message = "The username or password is not correct."


class AccountLockedError(AuthError):
    """Too many failed sign-ins in a row; the account is locked for a while."""

    def __init__(self, until: datetime, minutes_left: int, message: str | None = None) -> None:
        self.until = until
        self.minutes_left = minutes_left
        super().__init__(
            message
            or (
                f"This account is locked after too many failed sign-ins. Try again in "
                f"{minutes_left} minute{'s' if minutes_left != 1 else ''} "
                f"(at {until:%H:%M} UTC), or ask an administrator to unlock it."
            )
        )


class AccountDisabledError(AuthError):
    """The account exists but an administrator deactivated it (or never gave it access)."""

    default_message = "This account is deactivated. Ask an administrator to re-activate it."


class AccountValidationError(MedgenError):
    """A username, display name, role or password does not meet the rules."""

    default_message = "The account details are not valid."


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


# ---------------------------------------------------------------------------- helpers


def _utc(dt: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone-aware columns; treat them as UTC."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _now(now: datetime | None) -> datetime:
    return _utc(now) or datetime.now(UTC)  # type: ignore[return-value]


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id, username=user.username, display_name=user.display_name or user.username,
        role=Role(user.role),
    )


def _record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        is_active=bool(user.is_active),
        locked_until=_utc(user.locked_until),
        last_login_at=_utc(user.last_login_at),
        created_at=_utc(user.created_at),
        has_password=user.password_hash is not None,
    )


def normalize_username(username: str) -> str:
    """Lower-case, stripped username, or :class:`AccountValidationError` naming the rule."""
    name = (username or "").strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise AccountValidationError(
            "A username has 3 to 64 characters: lower-case letters, digits and . _ - @ + "
            "(it must start with a letter or digit)."
        )
    return name


def check_password_policy(password: str, username: str = "") -> None:
    """Raise :class:`AccountValidationError` if ``password`` is too weak to be accepted."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountValidationError(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters "
            "(a short sentence is easy to remember)."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountValidationError(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
    if password.strip() != password:
        raise AccountValidationError("The password must not start or end with a space.")
    if len(set(password)) < 5:
        raise AccountValidationError("The password repeats too few different characters; choose another.")
    if username and username.lower() in password.lower():
        raise AccountValidationError("The password must not contain the username.")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError):
        log.warning("a stored password hash could not be verified (corrupt or unknown format)")
        return False


def _require_admin(actor: UserInfo) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDeniedError("Only an administrator can manage user accounts.")


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AccountValidationError(f"There is no user with id {user_id}.")
    return user


def _active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.is_active.is_(True))
        )
        or 0
    )


# ---------------------------------------------------------------------------- accounts


def needs_first_admin(session: Session) -> bool:
    """True while the database holds no user at all (first start: create the administrator)."""
    return session.scalar(select(func.count(User.id))) == 0


def get_user(session: Session, user_id: int) -> UserRecord | None:
    user = session.get(User, user_id)
    return _record(user) if user is not None else None


def list_users(session: Session) -> list[UserRecord]:
    return [_record(u) for u in session.scalars(select(User).order_by(User.username))]


def _new_user(
    session: Session, username: str, display_name: str, role: Role | str, password: str | None
) -> User:
    name = normalize_username(username)
    try:
        role = Role(role)
    except ValueError as exc:
        raise AccountValidationError(f"Unknown role {role!r}; choose clinician, reviewer or admin.") from exc
    display = (display_name or "").strip()[:128] or name
    if password is not None:
        check_password_policy(password, name)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise AccountValidationError(f"The username {name!r} is already taken.")
    user = User(
        username=name,
        display_name=display,
        role=role.value,
        password_hash=hash_password(password) if password is not None else None,
        is_active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    return user


def create_first_admin(session: Session, username: str, display_name: str, password: str) -> UserInfo:
    """Create the first administrator; refused once any user exists."""
    if not needs_first_admin(session):
        raise PermissionDeniedError("An administrator already exists; sign in instead.")
    user = _new_user(session, username, display_name, Role.ADMIN, password)
    info = _info(user)
    add_audit(
        session, AuditAction.USER_CHANGE, user=info, object_type="user", object_id=user.id,
        detail={"change": "create_first_admin", "role": Role.ADMIN.value},
    )
    return info


def create_user(
    session: Session,
    actor: UserInfo,
    username: str,
    display_name: str,
    role: Role | str,
    password: str | None,
) -> UserRecord:
    """Create an account (admin only). ``password=None`` makes a single-sign-on-only account."""
    _require_admin(actor)
    user = _new_user(session, username, display_name, role, password)
    add_audit(
        session, AuditAction.USER_CHANGE, user=actor, object_type="user", object_id=user.id,
        detail={"change": "create", "username": user.username, "role": user.role,
                "sso_only": password is None},
    )
    return _record(user)


def provision_user(
    session: Session, username: str, display_name: str, role: Role | str, password: str | None
) -> UserInfo:
    """Create an account without an acting administrator: for the command line and tests only.

    The app never calls this (its admin page uses :func:`create_user`). Someone who can run
    ``python -m medgen.auth`` on the server already controls the database.
    """
    user = _new_user(session, username, display_name, role, password)
    info = _info(user)
    add_audit(
        session, AuditAction.USER_CHANGE, object_type="user", object_id=user.id,
        detail={"change": "provision", "username": user.username, "role": user.role},
    )
    return info


def set_role(session: Session, actor: UserInfo, user_id: int, role: Role | str) -> UserRecord:
    """Change a user's role (admin only); the last active administrator cannot be demoted."""
    _require_admin(actor)
    user = _get_user(session, user_id)
    try:
        new = Role(role)
    except ValueError as exc:
        raise AccountValidationError(f"Unknown role {role!r}; choose clinician, reviewer or admin.") from exc
    old = Role(user.role)
    if old == Role.ADMIN and new != Role.ADMIN and user.is_active and _active_admins(session) <= 1:
        raise AccountValidationError("This is the last active administrator; appoint another first.")
    user.role = new.value
    add_audit(
        session, AuditAction.USER_CHANGE, user=actor, object_type="user", object_id=user.id,
        detail={"change": "role", "username": user.username, "from": old.value, "to": new.value},
    )
    return _record(user)


def set_active(session: Session, actor: UserInfo, user_id: int, active: bool) -> UserRecord:
    """Activate or deactivate an account (admin only); users are never deleted (audit keeps ids)."""
    _require_admin(actor)
    user = _get_user(session, user_id)
    if not active and user.role == Role.ADMIN.value and user.is_active and _active_admins(session) <= 1:
        raise AccountValidationError("This is the last active administrator; it cannot be deactivated.")
    user.is_active = bool(active)
    add_audit(
        session, AuditAction.USER_CHANGE, user=actor, object_type="user", object_id=user.id,
        detail={"change": "activate" if active else "deactivate", "username": user.username},
    )
    return _record(user)


def reset_password(session: Session, actor: UserInfo, user_id: int, new_password: str) -> UserRecord:
    """Set a new password for a user (admin only); also clears a lock-out."""
    _require_admin(actor)
    user = _get_user(session, user_id)
    check_password_policy(new_password, user.username)
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    add_audit(
        session, AuditAction.USER_CHANGE, user=actor, object_type="user", object_id=user.id,
        detail={"change": "reset_password", "username": user.username},
    )
    return _record(user)


def unlock(session: Session, actor: UserInfo, user_id: int) -> UserRecord:
    """Clear a lock-out (admin only)."""
    _require_admin(actor)
    user = _get_user(session, user_id)
    user.failed_logins = 0
    user.locked_until = None
    add_audit(
        session, AuditAction.USER_CHANGE, user=actor, object_type="user", object_id=user.id,
        detail={"change": "unlock", "username": user.username},
    )
    return _record(user)


def change_own_password(session: Session, user: UserInfo, old_password: str, new_password: str) -> None:
    """Let a signed-in user change their own password (the current one is required)."""
    row = _get_user(session, user.id)
    if not _verify(row.password_hash, old_password):
        raise InvalidCredentialsError("The current password is not correct.")
    check_password_policy(new_password, row.username)
    row.password_hash = hash_password(new_password)
    add_audit(
        session, AuditAction.USER_CHANGE, user=user, object_type="user", object_id=row.id,
        detail={"change": "own_password"},
    )


# ---------------------------------------------------------------------------- sign-in


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
    at = _now(now)
    name = (username or "").strip().lower()
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None:
        _verify(None, password)  # same time as a real check
        add_audit(
            session, AuditAction.LOGIN_FAILED, object_type="user", outcome="denied",
            detail={"reason": "unknown_user"},
        )
        raise InvalidCredentialsError()

    info = _info(user)
    locked_until = _utc(user.locked_until)
    if locked_until is not None and locked_until > at:
        add_audit(
            session, AuditAction.LOCKED_OUT, user=info, object_type="user", object_id=user.id,
            outcome="denied", detail={"reason": "locked", "until": locked_until.isoformat()},
        )
        raise AccountLockedError(locked_until, _minutes_left(locked_until, at))
    if locked_until is not None:  # lock expired: a fresh series of attempts
        user.locked_until = None
        user.failed_logins = 0

    if not _verify(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        add_audit(
            session, AuditAction.LOGIN_FAILED, user=info, object_type="user", object_id=user.id,
            outcome="denied", detail={"reason": "wrong_password", "failures": user.failed_logins},
        )
        if user.failed_logins >= cfg.max_failed_logins:
            until = at + timedelta(minutes=cfg.lockout_min)
            user.locked_until = until
            add_audit(
                session, AuditAction.LOCKED_OUT, user=info, object_type="user", object_id=user.id,
                outcome="locked",
                detail={"failures": user.failed_logins, "until": until.isoformat()},
            )
            log.warning("account %s locked until %s", user.id, until.isoformat())
            raise AccountLockedError(until, cfg.lockout_min)
        raise InvalidCredentialsError()

    if not user.is_active:  # only revealed to someone who knows the password
        add_audit(
            session, AuditAction.LOGIN_FAILED, user=info, object_type="user", object_id=user.id,
            outcome="denied", detail={"reason": "inactive"},
        )
        raise AccountDisabledError()

    if HASHER.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
        log.info("upgraded the password hash of user %s", user.id)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = at
    add_audit(
        session, AuditAction.LOGIN, user=info, object_type="user", object_id=user.id,
        detail={"method": "password"},
    )
    return info


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def authenticate_sso(session: Session, email: str, now: datetime | None = None) -> UserInfo:
    """Map a single-sign-on identity (verified e-mail) to a local account.

    The local account's username must equal the e-mail address (lower case); its role is the one an
    administrator gave it. An unknown e-mail gets no access (no account is created automatically).
    """
    at = _now(now)
    name = (email or "").strip().lower()
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None:
        add_audit(
            session, AuditAction.LOGIN_FAILED, object_type="user", outcome="denied",
            detail={"reason": "sso_unknown", "method": "sso"},
        )
        raise AuthError(
            f"You are signed in with single sign-on as {name or 'an unknown address'}, but MedGen "
            "Studio has no account for this address. Ask an administrator to create one "
            "(username = your e-mail address) and give it a role."
        )
    info = _info(user)
    if not user.is_active:
        add_audit(
            session, AuditAction.LOGIN_FAILED, user=info, object_type="user", object_id=user.id,
            outcome="denied", detail={"reason": "inactive", "method": "sso"},
        )
        raise AccountDisabledError()
    user.last_login_at = at
    add_audit(
        session, AuditAction.LOGIN, user=info, object_type="user", object_id=user.id,
        detail={"method": "sso"},
    )
    return info


def sign_in(
    factory: sessionmaker[Session],
    username: str,
    password: str,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> UserInfo:
    """:func:`authenticate` in its own transaction, committed on success *and* on failure."""
    with factory() as session:
        try:
            info = authenticate(session, username, password, now=now, settings=settings)
        except AuthError:
            session.commit()  # keep the failure count, the lock and the audit event
            raise
        session.commit()
        return info


def sign_in_sso(factory: sessionmaker[Session], email: str, now: datetime | None = None) -> UserInfo:
    """:func:`authenticate_sso` in its own transaction, committed on success and on failure."""
    with factory() as session:
        try:
            info = authenticate_sso(session, email, now=now)
        except AuthError:
            session.commit()
            raise
        session.commit()
        return info


def record_logout(session: Session, user: UserInfo, reason: str = "user") -> None:
    """Audit a sign-out; ``reason`` is "user" (button) or "timeout" (inactivity)."""
    add_audit(
        session, AuditAction.LOGOUT, user=user, object_type="user", object_id=user.id,
        detail={"reason": reason},
    )


def current_info(session: Session, user_id: int) -> UserInfo | None:
    """The user's current role and name, or None if the account is gone or deactivated."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return _info(user)


def main(argv: list[str] | None = None) -> None:
    """``python -m medgen.auth create-user NAME --role admin``: recovery when no admin can sign in."""
    import argparse
    import getpass

    from medgen.store.db import session_factory

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description="Manage MedGen Studio accounts from the server.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create an account (asks for the password)")
    create.add_argument("username")
    create.add_argument("--role", default=Role.ADMIN.value, choices=[r.value for r in Role])
    create.add_argument("--name", default="", help="full name")
    create.add_argument("--sso-only", action="store_true", help="no password: single sign-on only")
    args = parser.parse_args(argv)
    password = None
    if not args.sso_only:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat the password: "):
            parser.exit(1, "The two passwords differ.\n")
    try:
        with session_factory().begin() as s:
            info = provision_user(s, args.username, args.name, args.role, password)
    except MedgenError as exc:
        parser.exit(1, f"{exc}\n")
    log.info("created %s (%s)", info.username, info.role.value)


if __name__ == "__main__":
    main()
