"""Ratings of generated outputs: the rating repository (revisions with history, latest counts).

A user rating an output again adds a revision; the highest revision of each (output, user) pair
is the one that counts. :func:`add_rating` writes the rating and its RATE audit event; run it as
one unit of work (``medgen.store.run(factory, feedback.add_rating, user, output_id, 4)``). The
criteria and the checks of a rating are in :mod:`medgen.store.criteria` (re-exported here);
draft -> final edit distances in :mod:`medgen.store.editstats`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from medgen.errors import InvalidInputError
from medgen.store import repo
from medgen.store.criteria import (
    CRITERIA,
    MAX_COMMENT_CHARS,
    Criterion,
    clean_comment,
    criteria_for,
    criterion_label,
    validate_rating,
)
from medgen.store.editstats import edit_stat, refresh_edit_stats
from medgen.store.models import GeneratedOutput, Rating, RatingScore, User
from medgen.types import AuditAction, ObjectType, UserInfo

__all__ = [
    "CRITERIA", "MAX_COMMENT_CHARS", "Criterion", "Feedback", "add_rating", "criteria_for",
    "criterion_label", "edit_stat", "get_latest_rating", "latest_rating_ids", "refresh_edit_stats",
]


@dataclass(frozen=True)
class Feedback:
    """One stored rating revision, as pages and the review layer see it."""

    id: int
    output_id: int
    user_id: int
    username: str
    revision: int
    overall: int
    scores: Mapping[str, int] = field(default_factory=dict)
    comment: str = ""
    created_at: datetime | None = None


def _to_feedback(row: Rating, username: str) -> Feedback:
    return Feedback(
        id=row.id,
        output_id=row.output_id,
        user_id=row.user_id,
        username=username,
        revision=row.revision,
        overall=row.overall,
        scores={s.criterion: s.score for s in row.scores},
        comment=row.comment,
        created_at=row.created_at,
    )


def add_rating(
    session: Session,
    user: UserInfo,
    output_id: int,
    overall: int,
    scores: Mapping[str, int | None] | None = None,
    comment: str = "",
) -> Feedback:
    """Store ``user``'s rating of an output and audit it (RATE); a repeated rating is a new revision.

    The history is kept. Run in :func:`medgen.store.run`, a revision racing another revision of the
    same rating is retried and becomes the next revision.

    Raises :class:`InvalidInputError` for an unknown output, a score outside 1-5 or a criterion
    that does not belong to the output's kind.
    """
    kind = session.scalar(select(GeneratedOutput.kind).where(GeneratedOutput.id == output_id))
    if kind is None:
        raise InvalidInputError(f"Output {output_id} does not exist; it cannot be rated.")
    clean = validate_rating(kind, overall, scores)
    comment = clean_comment(comment)
    last = session.scalar(
        select(func.max(Rating.revision)).where(
            Rating.output_id == output_id, Rating.user_id == user.id
        )
    )
    row = Rating(
        output_id=output_id,
        user_id=user.id,
        revision=(last or 0) + 1,
        overall=overall,
        comment=comment,
        scores=[RatingScore(criterion=k, score=v) for k, v in sorted(clean.items())],
    )
    session.add(row)
    session.flush()
    repo.add_audit(
        session, AuditAction.RATE, user=user, object_type=ObjectType.GENERATED_OUTPUT,
        object_id=output_id, detail={"rating_id": row.id, "revision": row.revision, "overall": overall},
    )
    return _to_feedback(row, user.username)


def latest_rating_ids() -> Select[int]:
    """Select the id of the highest revision of every (output, user) pair."""
    newest = (
        select(Rating.output_id, Rating.user_id, func.max(Rating.revision).label("rev"))
        .group_by(Rating.output_id, Rating.user_id)
        .subquery()
    )
    return select(Rating.id).join(
        newest,
        (Rating.output_id == newest.c.output_id)
        & (Rating.user_id == newest.c.user_id)
        & (Rating.revision == newest.c.rev),
    )


def get_latest_rating(session: Session, user_id: int, output_id: int) -> Feedback | None:
    """The revision of ``user_id``'s rating of ``output_id`` that counts (None if never rated)."""
    row = session.scalar(
        select(Rating)
        .where(Rating.output_id == output_id, Rating.user_id == user_id)
        .order_by(Rating.revision.desc())
        .limit(1)
        .options(selectinload(Rating.scores))
    )
    if row is None:
        return None
    username = session.scalar(select(User.username).where(User.id == user_id)) or ""
    return _to_feedback(row, username)
