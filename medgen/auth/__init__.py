"""Local accounts: passwords, accounts, sign-in with lock-out, single sign-on, and a CLI.

No streamlit here (the UI is ``medgen.ui.auth``) and no database code (rows are read and written
by :mod:`medgen.store.users`). Functions that take ``session`` first run in the caller's unit of
work (``medgen.store.run``); :func:`sign_in` and :func:`sign_in_sso` are their own unit of work,
committed even when sign-in fails (a rolled-back failure would defeat the lock-out).

- :mod:`~medgen.auth.passwords`: argon2id hashing (``HASHER``) and the password policy
- :mod:`~medgen.auth.accounts`: first administrator, admin-only user changes, own password
- :mod:`~medgen.auth.signin`: password sign-in, lock-out, sign-out, current role, browser sessions
  (start at sign-in, resume from the cookie on a reload, touch, revoke)
- :mod:`~medgen.auth.sso`: single sign-on (verified e-mail -> local account)
- :mod:`~medgen.auth.cli`: ``python -m medgen.auth create-user NAME --role admin``
"""

from medgen.auth.accounts import (
    USERNAME_RE,
    UserRecord,
    change_own_password,
    create_first_admin,
    create_user,
    get_user,
    list_users,
    needs_first_admin,
    normalize_username,
    provision_user,
    reset_password,
    set_active,
    set_role,
    unlock,
)
from medgen.auth.cli import main
from medgen.auth.errors import (
    AccountDisabledError,
    AccountLockedError,
    AccountValidationError,
    InvalidCredentialsError,
)
from medgen.auth.passwords import (
    HASHER,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password_policy,
    hash_password,
    verify_password,
)
from medgen.auth.signin import (
    authenticate,
    current_info,
    record_logout,
    resume,
    session_alive,
    session_idle,
    sign_in,
    start_browser_session,
)
from medgen.auth.sso import authenticate_sso, sign_in_sso

__all__ = [
    "HASHER", "MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "USERNAME_RE", "AccountDisabledError",
    "AccountLockedError", "AccountValidationError", "InvalidCredentialsError", "UserRecord",
    "authenticate", "authenticate_sso", "change_own_password", "check_password_policy",
    "create_first_admin", "create_user", "current_info", "get_user", "hash_password",
    "list_users", "main", "needs_first_admin", "normalize_username", "provision_user",
    "record_logout", "reset_password", "resume", "session_alive", "session_idle", "set_active", "set_role",
    "sign_in", "sign_in_sso", "start_browser_session", "unlock", "verify_password",
]
