"""Errors of sign-in and account management (each message tells the user what to do)."""

from __future__ import annotations

from datetime import datetime

from medgen.errors import AuthError, MedgenError


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
