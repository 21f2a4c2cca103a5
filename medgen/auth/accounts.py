"""Accounts: the first administrator, admin-only user changes, and a user's own password.

Every function takes ``session`` first and runs in the caller's unit of work
(``medgen.store.run(factory, accounts.set_role, admin, user_id, role)``); every change is written
to the audit trail in the same transaction. Rows are read and written by :mod:`medgen.store.users`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from medgen.auth.errors import AccountValidationError, InvalidCredentialsError
from medgen.auth.passwords import check_password_policy, hash_password, verify_password
from medgen.errors import PermissionDeniedError
from medgen.store import users
from medgen.store.audit import add_audit
from medgen.store.sessions import RevokeReason, revoke_all_for_user
from medgen.store.users import UserRecord, get_user, list_users
from medgen.types import AuditAction, ObjectType, Role, UserInfo

__all__ = [
    "USERNAME_RE", "UserRecord", "change_own_password", "create_first_admin", "create_user",
    "get_user", "list_users", "needs_first_admin", "normalize_username", "provision_user",
    "reset_password", "set_active", "set_role", "unlock",
]

#: Lower-case letters, digits and . _ - @ + (so an e-mail address works for single sign-on).
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")
_UNLOCKED = {"failed_logins": 0, "locked_until": None}


def normalize_username(username: str) -> str:
    """Lower-case, stripped username, or :class:`AccountValidationError` naming the rule."""
    name = (username or "").strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise AccountValidationError(
            "A username has 3 to 64 characters: lower-case letters, digits and . _ - @ + "
            "(it must start with a letter or digit)."
        )
    return name


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError as exc:
        choices = ", ".join(r.value for r in Role)
        raise AccountValidationError(f"Unknown role {role!r}; choose one of: {choices}.") from exc


def _audit(session: Session, actor: UserInfo | None, user_id: int, change: str, **detail: Any) -> None:
    add_audit(session, AuditAction.USER_CHANGE, user=actor, object_type=ObjectType.USER,
              object_id=user_id, detail={"change": change, **detail})


def needs_first_admin(session: Session) -> bool:
    """True while the database holds no user at all (first start: create the administrator)."""
    return users.count_users(session) == 0


def _new_user(
    session: Session, username: str, display_name: str, role: Role | str, password: str | None
) -> UserRecord:
    name = normalize_username(username)
    checked = _role(role)
    if password is not None:
        check_password_policy(password, name)
    if users.username_taken(session, name):
        raise AccountValidationError(f"The username {name!r} is already taken.")
    display = (display_name or "").strip()[:128] or name
    return users.add_user(session, name, display, checked,
                          hash_password(password) if password is not None else None)


def create_first_admin(session: Session, username: str, display_name: str, password: str) -> UserInfo:
    """Create the first administrator; refused once any user exists."""
    if not needs_first_admin(session):
        raise PermissionDeniedError("An administrator already exists; sign in instead.")
    info = _new_user(session, username, display_name, Role.ADMIN, password).info
    _audit(session, info, info.id, "create_first_admin", role=Role.ADMIN.value)
    return info


def _require_admin(actor: UserInfo) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDeniedError("Only an administrator can manage user accounts.")


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
    rec = _new_user(session, username, display_name, role, password)
    _audit(session, actor, rec.id, "create", username=rec.username, role=rec.role.value,
           sso_only=password is None)
    return rec


def provision_user(
    session: Session, username: str, display_name: str, role: Role | str, password: str | None
) -> UserInfo:
    """Create an account without an acting administrator: for the command line (and tests).

    The app never calls this (its admin page uses :func:`create_user`). Someone who can run
    ``python -m medgen.auth`` on the server already controls the database.
    """
    rec = _new_user(session, username, display_name, role, password)
    _audit(session, None, rec.id, "provision", username=rec.username, role=rec.role.value)
    return rec.info


def _target(session: Session, actor: UserInfo, user_id: int) -> UserRecord:
    _require_admin(actor)
    rec = get_user(session, user_id)
    if rec is None:
        raise AccountValidationError(f"There is no user with id {user_id}.")
    return rec


def _last_admin(session: Session, rec: UserRecord) -> bool:
    return rec.role == Role.ADMIN and rec.is_active and users.count_active_admins(session) <= 1


def _change(session: Session, actor: UserInfo, rec: UserRecord, change: str,
            detail: dict[str, Any], **columns: Any) -> UserRecord:
    new = users.update_user(session, rec.id, **columns)
    assert new is not None  # checked by _target in the same transaction
    _audit(session, actor, rec.id, change, username=rec.username, **detail)
    return new


def set_role(session: Session, actor: UserInfo, user_id: int, role: Role | str) -> UserRecord:
    """Change a user's role (admin only); the last active administrator cannot be demoted."""
    rec = _target(session, actor, user_id)
    new = _role(role)
    if new != Role.ADMIN and _last_admin(session, rec):
        raise AccountValidationError("This is the last active administrator; appoint another first.")
    if new != rec.role:  # signed out everywhere: the next page load asks for the password again
        revoke_all_for_user(session, rec.id, RevokeReason.ROLE_CHANGE)
    return _change(session, actor, rec, "role", {"from": rec.role.value, "to": new.value}, role=new)


def set_active(session: Session, actor: UserInfo, user_id: int, active: bool) -> UserRecord:
    """Activate or deactivate an account (admin only); users are never deleted (audit keeps ids)."""
    rec = _target(session, actor, user_id)
    if not active and _last_admin(session, rec):
        raise AccountValidationError("This is the last active administrator; it cannot be deactivated.")
    if not active:
        revoke_all_for_user(session, rec.id, RevokeReason.DEACTIVATED)
    return _change(session, actor, rec, "activate" if active else "deactivate", {}, is_active=bool(active))


def reset_password(session: Session, actor: UserInfo, user_id: int, new_password: str) -> UserRecord:
    """Set a new password for a user (admin only); also clears a lock-out."""
    rec = _target(session, actor, user_id)
    check_password_policy(new_password, rec.username)
    revoke_all_for_user(session, rec.id, RevokeReason.PASSWORD_RESET)
    return _change(session, actor, rec, "reset_password", {},
                   password_hash=hash_password(new_password), **_UNLOCKED)


def unlock(session: Session, actor: UserInfo, user_id: int) -> UserRecord:
    """Clear a lock-out (admin only)."""
    return _change(session, actor, _target(session, actor, user_id), "unlock", {}, **_UNLOCKED)


def change_own_password(session: Session, user: UserInfo, old_password: str, new_password: str) -> None:
    """Let a signed-in user change their own password (the current one is required)."""
    if not verify_password(users.password_hash(session, user.id), old_password):
        raise InvalidCredentialsError("The current password is not correct.")
    check_password_policy(new_password, user.username)
    users.update_user(session, user.id, password_hash=hash_password(new_password))
    _audit(session, user, user.id, "own_password")
