"""Single sign-on: map a verified e-mail address (OIDC via ``st.login``) to a local account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from medgen.auth.errors import AccountDisabledError
from medgen.auth.signin import audit_user, commit_failures, now_utc
from medgen.errors import AuthError
from medgen.store import Factory, users
from medgen.types import AuditAction, AuditOutcome, UserInfo


def authenticate_sso(session: Session, email: str, now: datetime | None = None) -> UserInfo:
    """Map a single-sign-on identity (verified e-mail) to a local account.

    The local account's username must equal the e-mail address (lower case); its role is the one an
    administrator gave it. An unknown e-mail gets no access (no account is created automatically).
    """
    name = (email or "").strip().lower()
    cred = users.credentials(session, name) if name else None
    if cred is None:
        audit_user(session, AuditAction.LOGIN_FAILED, None, AuditOutcome.DENIED,
                   reason="sso_unknown", method="sso")
        raise AuthError(
            f"You are signed in with single sign-on as {name or 'an unknown address'}, but MedGen "
            "Studio has no account for this address. Ask an administrator to create one "
            "(username = your e-mail address) and give it a role."
        )
    info = cred.user.info
    if not cred.user.is_active:
        audit_user(session, AuditAction.LOGIN_FAILED, info, AuditOutcome.DENIED,
                   reason="inactive", method="sso")
        raise AccountDisabledError()
    users.update_user(session, info.id, last_login_at=now_utc(now))
    audit_user(session, AuditAction.LOGIN, info, method="sso")
    return info


def sign_in_sso(factory: Factory | None, email: str, now: datetime | None = None) -> UserInfo:
    """:func:`authenticate_sso` in its own unit of work, committed on success and on failure."""
    return commit_failures(factory, lambda s: authenticate_sso(s, email, now=now))
