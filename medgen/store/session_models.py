"""ORM table of server-side sign-in sessions (issue 14).

Kept in its own module (importing :class:`~medgen.store.models.Base`) while ``models.py`` is being
restructured; it may move into ``models.py`` later. Importing it registers ``auth_sessions`` in
``Base.metadata`` (the migration is ``0003_auth_sessions``).

Only a SHA-256 hash of each session token is stored: a copy of the database does not hold a
token that could be replayed as a cookie.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from medgen.store.models import Base, utcnow


class AuthSession(Base):
    """One signed-in browser session: a token (stored hashed), its user, its lifetime."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 hex of the random 256-bit token held in the browser's cookie
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # last request seen (for the inactivity limit), updated at most every few seconds
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # absolute end, however active the session is
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # why it ended: sign_out, timeout, rotated, deactivated, role_change, password_reset, ...
    revoke_reason: Mapped[str | None] = mapped_column(String(32))
    # sha256 hex of the browser's User-Agent at sign-in (None when not known)
    user_agent_hash: Mapped[str | None] = mapped_column(String(64))
