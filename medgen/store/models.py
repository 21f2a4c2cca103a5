"""ORM tables. Schema changes go through Alembic migrations in ``migrations/versions``.

Only de-identified data lives here: no names, IDs, birth dates or original UIDs.

Clinical free text and images (report and patient text, the parameters, flags and metrics stored
with outputs, previews, rating comments, image metadata, study descriptions) are encrypted at rest
with the ``Encrypted*`` column types of :mod:`medgen.store.crypto` (AES-256-GCM). Ids, kinds,
dates, model ids, numbers, modality, body part and hashes stay plain: the review dashboard filters
and groups on them in SQL. ``audit_events`` is never encrypted (it holds no clinical text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from medgen.store.crypto import EncryptedBytes, EncryptedJSON, EncryptedText
from medgen.types import ReportStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, stored in UTC and always returned timezone-aware in UTC.

    The column is ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL; SQLite keeps no offset, so values
    are converted to UTC before they are written (a naive value is taken to be UTC already) and
    read back as aware UTC. Query parameters compared with such a column are converted too.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @staticmethod
    def to_utc(value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else self.to_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else self.to_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    """A local account. Passwords are argon2 hashes; roles are medgen.types.Role values."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(256))  # None for SSO-only accounts
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Study(Base):
    """A de-identified study: replacement UID, coded fields, no patient identity."""

    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_uid: Mapped[str] = mapped_column(String(64), unique=True)  # replacement UID
    modality: Mapped[str] = mapped_column(String(8))
    body_part: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(EncryptedText(), default="")  # encrypted at rest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    images: Mapped[list[Image]] = relationship(back_populates="study", cascade="all, delete-orphan")


class Image(Base):
    """One de-identified image object (a single image, a multi-frame object or a series)."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    series_uid: Mapped[str] = mapped_column(String(64), default="")  # replacement UID
    content_hash: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of pixel data
    rows: Mapped[int] = mapped_column(Integer)
    cols: Mapped[int] = mapped_column(Integer)
    n_slices: Mapped[int] = mapped_column(Integer, default=1)
    pixel_spacing_mm: Mapped[float | None] = mapped_column(Float)
    # de-identified display metadata, encrypted at rest
    meta: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    study: Mapped[Study] = relationship(back_populates="images")


class AuditEvent(Base):
    """Append-only record of who did what, when, to which object, with what outcome. Never PHI."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class GeneratedOutput(Base):
    """Every generated output (enhancement run, report draft, education text), de-identified.

    ``model_version`` is the weights sha256 for image models and the LM name + file hash for text.
    For text, ``draft_text`` is what the model produced and ``final_text`` the signed version.
    """

    __tablename__ = "generated_outputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # medgen.types.OutputKind
    model_id: Mapped[str] = mapped_column(String(128), index=True)
    model_version: Mapped[str] = mapped_column(String(128), default="")
    params: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    input_hash: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(16), default="")
    latency_ms: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list[Any]] = mapped_column(EncryptedJSON(), default=list)
    draft_text: Mapped[str | None] = mapped_column(EncryptedText())
    final_text: Mapped[str | None] = mapped_column(EncryptedText())
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.DRAFT.value)  # ReportStatus
    metrics: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    # Small de-identified PNG previews (before/after) for drill-down in quality review.
    preview_before: Mapped[bytes | None] = mapped_column(EncryptedBytes())
    preview_after: Mapped[bytes | None] = mapped_column(EncryptedBytes())
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("generated_outputs.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthSession(Base):
    """One signed-in browser session (issue 14): a token (stored hashed), its user, its lifetime.

    Only a SHA-256 hash of each token is stored: a copy of the database holds no token that could
    be replayed as a cookie. Repository functions are in :mod:`medgen.store.sessions`.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 hex of the random 256-bit token held in the browser's cookie
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # last request seen (for the inactivity limit), updated at most every few seconds
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # absolute end, however active the session is
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # why it ended: sign_out, timeout, rotated, deactivated, role_change, password_reset, ...
    revoke_reason: Mapped[str | None] = mapped_column(String(32))
    # sha256 hex of the browser's User-Agent at sign-in (None when not known)
    user_agent_hash: Mapped[str | None] = mapped_column(String(64))


# --- Feedback (issue 5): ratings with per-criterion scores and full revision history. ---------


class Rating(Base):
    """One revision of one user's rating of one generated output (append-only history).

    A user revising their rating adds a row with ``revision + 1``; the highest revision of each
    ``(output_id, user_id)`` pair is the one that counts. Rows are never updated or deleted.
    """

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("output_id", "user_id", "revision", name="uq_ratings_output_user_revision"),
        CheckConstraint("overall BETWEEN 1 AND 5", name="overall_range"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        Index("ix_ratings_user_id_output_id", "user_id", "output_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = mapped_column(
        ForeignKey("generated_outputs.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    overall: Mapped[int] = mapped_column(Integer)  # 1 (poor) .. 5 (excellent)
    comment: Mapped[str] = mapped_column(EncryptedText(), default="")  # encrypted at rest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    scores: Mapped[list[RatingScore]] = relationship(
        back_populates="rating", cascade="all, delete-orphan", order_by="RatingScore.criterion"
    )


class RatingScore(Base):
    """The score (1-5, 5 best) one rating revision gives one criterion of its output kind."""

    __tablename__ = "rating_scores"
    __table_args__ = (
        UniqueConstraint("rating_id", "criterion", name="uq_rating_scores_rating_criterion"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"))
    criterion: Mapped[str] = mapped_column(String(32), index=True)
    score: Mapped[int] = mapped_column(Integer)

    rating: Mapped[Rating] = relationship(back_populates="scores")


class TextEditStat(Base):
    """Word-level edit distance between an output's draft and its final (signed) text.

    Derived data, recomputed when ``text_hash`` (sha256 of draft + final) no longer matches.
    """

    __tablename__ = "text_edit_stats"

    output_id: Mapped[int] = mapped_column(
        ForeignKey("generated_outputs.id", ondelete="CASCADE"), primary_key=True
    )
    draft_words: Mapped[int] = mapped_column(Integer)
    final_words: Mapped[int] = mapped_column(Integer)
    edit_distance: Mapped[int] = mapped_column(Integer)
    text_hash: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The quality-review dashboard filters outputs by model version and by kind within a date range.
Index("ix_generated_outputs_model_version", GeneratedOutput.model_version)
Index("ix_generated_outputs_kind_created_at", GeneratedOutput.kind, GeneratedOutput.created_at)


class Job(Base):
    """A background job (:mod:`medgen.jobs`): whole-study enhancement, site adaptation.

    ``progress`` and ``result`` hold counts, losses, validation figures, output ids and paths
    under the data directory (no clinical text), so they stay plain; ``error`` is encrypted (an
    exception message could quote what it failed on). ``runner`` names the process running it
    (``host:pid:token``) so a restarted server can tell which "running" jobs died with it.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # medgen.types.JobKind
    status: Mapped[str] = mapped_column(String(16), index=True)  # medgen.types.JobStatus
    label: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(EncryptedText(), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    runner: Mapped[str] = mapped_column(String(128), default="")
