"""Passwords: argon2id hashing, verification in constant-ish time, and the password policy."""

from __future__ import annotations

import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from medgen.auth.errors import AccountValidationError

log = logging.getLogger(__name__)

#: argon2id with the library's current recommended parameters (RFC 9106 low-memory profile).
#: When these change, stored hashes are upgraded at the next successful sign-in.
HASHER = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

# A hash of a random password, verified against when the username is unknown so that an unknown
# user and a wrong password take the same time and give the same answer.
_DUMMY_HASH = HASHER.hash("medgen-dummy-password-not-used-for-anything")


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


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; a missing hash (SSO-only account) costs the same time, False."""
    try:
        return HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError):
        log.warning("a stored password hash could not be verified (corrupt or unknown format)")
        return False


def needs_rehash(password_hash: str | None) -> bool:
    return HASHER.check_needs_rehash(password_hash or "")
