"""Ratings of generated outputs: criteria per kind, revisions with history, draft->final edits.

Repository functions take ``session`` first and leave the transaction to the caller;
:func:`submit_rating` is the one-call unit of work the rating panel uses (rating + RATE audit in
one transaction, database errors turned into :class:`~medgen.errors.StorageError`).
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from medgen.errors import InvalidInputError, StorageError
from medgen.store import repo
from medgen.store.models import GeneratedOutput, Rating, RatingScore, TextEditStat, User
from medgen.types import AuditAction, OutputKind, UserInfo

log = logging.getLogger(__name__)
T = TypeVar("T")

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT_CHARS = 2000


@dataclass(frozen=True)
class Criterion:
    """A rating criterion: stable ``key`` stored in the database, ``label`` and ``help`` shown."""

    key: str
    label: str
    help: str


#: The criteria rated for each output kind (every score: 1 = poor .. 5 = excellent).
CRITERIA: dict[OutputKind, tuple[Criterion, ...]] = {
    OutputKind.ENHANCEMENT: (
        Criterion("noise_reduction", "Noise reduction", "5 = noise clearly reduced"),
        Criterion("detail_preserved", "Detail preserved", "5 = all fine structures kept"),
        Criterion(
            "artefacts_introduced",
            "Artefacts introduced",
            "5 = no artefacts introduced, 1 = severe artefacts",
        ),
    ),
    OutputKind.REPORT: (
        Criterion("accuracy", "Accuracy", "5 = every statement matches the findings"),
        Criterion("completeness", "Completeness", "5 = nothing relevant missing"),
        Criterion("wording", "Wording", "5 = clear, standard radiology wording"),
    ),
    OutputKind.EDUCATION: (
        Criterion("accuracy", "Accuracy", "5 = faithful to the signed report"),
        Criterion("clarity", "Clarity", "5 = easy for the patient to understand"),
        Criterion("tone", "Tone", "5 = kind, calm and respectful"),
    ),
}


def criteria_for(kind: OutputKind | str) -> tuple[Criterion, ...]:
    """The criteria rated for outputs of ``kind``."""
    return CRITERIA[OutputKind(kind)]


def criterion_label(key: str) -> str:
    """Display label of a criterion key (the key itself when unknown)."""
    for crits in CRITERIA.values():
        for c in crits:
            if c.key == key:
                return c.label
    return key


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


# --------------------------------------------------------------------------- edit distance


_WORD = re.compile(r"\S+")


def words(text: str | None) -> list[str]:
    """Whitespace-separated tokens of ``text`` (punctuation stays attached, case kept)."""
    return _WORD.findall(text or "")


def levenshtein(a: Sequence[object], b: Sequence[object]) -> int:
    """Levenshtein distance (insert, delete, substitute; each costs 1) between two sequences.

    Bit-parallel algorithm of Myers (1999) in the formulation of Hyyrö (2001): one column of the
    dynamic-programming matrix is a pair of bit vectors (Python ints of ``len(a)`` bits), so the
    cost is ``O(len(b))`` big-integer operations instead of ``O(len(a) * len(b))`` cell updates.
    The common prefix and suffix are stripped first (typical edits of a draft are local).
    Items must be hashable.
    """
    start = 0
    end_a, end_b = len(a), len(b)
    while start < end_a and start < end_b and a[start] == b[start]:
        start += 1
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    m = len(a)
    if m == 0:
        return len(b)
    if not b:
        return m
    peq: dict[object, int] = {}
    for i, item in enumerate(a):
        peq[item] = peq.get(item, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for item in b:
        eq = peq.get(item, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & full) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
    return score


def word_edit_distance(draft: str | None, final: str | None) -> int:
    """Number of word insertions, deletions and substitutions turning ``draft`` into ``final``."""
    return levenshtein(words(draft), words(final))


def _text_hash(draft: str | None, final: str | None) -> str:
    h = hashlib.sha256()
    h.update((draft or "").encode())
    h.update(b"\x00")
    h.update((final or "").encode())
    return h.hexdigest()


def refresh_edit_stats(session: Session, output_ids: Iterable[int] | None = None) -> int:
    """(Re)compute draft->final word edit distances for text outputs that have a final text.

    Only outputs whose draft or final text changed since the last computation are recomputed.
    Restrict to ``output_ids`` when given. Returns the number of rows written.
    """
    stmt = (
        select(
            GeneratedOutput.id, GeneratedOutput.draft_text, GeneratedOutput.final_text, TextEditStat
        )
        .outerjoin(TextEditStat, TextEditStat.output_id == GeneratedOutput.id)
        .where(GeneratedOutput.final_text.is_not(None), GeneratedOutput.draft_text.is_not(None))
    )
    if output_ids is not None:
        stmt = stmt.where(GeneratedOutput.id.in_(list(output_ids)))
    written = 0
    for out_id, draft, final, stat in session.execute(stmt):
        digest = _text_hash(draft, final)
        if stat is not None and stat.text_hash == digest:
            continue
        dw, fw = words(draft), words(final)
        dist = levenshtein(dw, fw)
        if stat is None:
            session.add(
                TextEditStat(
                    output_id=out_id,
                    draft_words=len(dw),
                    final_words=len(fw),
                    edit_distance=dist,
                    text_hash=digest,
                )
            )
        else:
            stat.draft_words, stat.final_words = len(dw), len(fw)
            stat.edit_distance, stat.text_hash = dist, digest
        written += 1
    session.flush()
    return written


def edit_stat(session: Session, output_id: int) -> tuple[int, int, int] | None:
    """``(edit_distance, draft_words, final_words)`` of one output, computing it if needed."""
    refresh_edit_stats(session, [output_id])
    stat = session.get(TextEditStat, output_id)
    return None if stat is None else (stat.edit_distance, stat.draft_words, stat.final_words)


# --------------------------------------------------------------------------- ratings


def _check_score(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
        raise InvalidInputError(f"{name} must be a whole number from {MIN_SCORE} to {MAX_SCORE}.")
    return value


def validate_rating(
    kind: OutputKind | str, overall: int, scores: Mapping[str, int | None] | None
) -> dict[str, int]:
    """Check a rating against the criteria of ``kind``; return the scores that were given."""
    crits = {c.key: c for c in criteria_for(kind)}
    _check_score("The overall rating", overall)
    clean: dict[str, int] = {}
    for key, value in (scores or {}).items():
        if key not in crits:
            raise InvalidInputError(
                f"'{key}' is not a criterion for {OutputKind(kind).value} outputs; "
                f"use one of: {', '.join(crits)}."
            )
        if value is None:  # criterion left unrated
            continue
        clean[key] = _check_score(crits[key].label, value)
    return clean


# Things a rating comment must not contain (only de-identified data is stored): long digit runs
# (record numbers, phone numbers), full calendar dates, e-mail addresses.
_IDENTIFIER_PATTERNS = (
    (re.compile(r"(?:\d[ -]?){5,}\d"), "a long number (record or phone number?)"),
    (
        re.compile(r"\b(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b"),
        "a date",
    ),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"), "an e-mail address"),
)


def check_comment_deidentified(comment: str) -> None:
    """Refuse comments that look like they carry patient identifiers (clear, actionable message)."""
    for pattern, what in _IDENTIFIER_PATTERNS:
        if pattern.search(comment):
            raise InvalidInputError(
                f"The comment seems to contain {what}. Comments are stored for quality review and "
                "must not identify a patient; please remove it and save again."
            )


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
    """Store ``user``'s rating of an output; a repeated rating is a new revision (history kept).

    Raises :class:`InvalidInputError` for an unknown output, a score outside 1-5 or a criterion
    that does not belong to the output's kind.
    """
    kind = session.scalar(select(GeneratedOutput.kind).where(GeneratedOutput.id == output_id))
    if kind is None:
        raise InvalidInputError(f"Output {output_id} does not exist; it cannot be rated.")
    clean = validate_rating(kind, overall, scores)
    comment = (comment or "").strip()
    check_comment_deidentified(comment)
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInputError(
            f"The comment is too long (at most {MAX_COMMENT_CHARS} characters)."
        )
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
    return _to_feedback(row, user.username)


def latest_rating_ids() -> Select[tuple[int]]:
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


def rating_history(session: Session, user_id: int, output_id: int) -> list[Feedback]:
    """Every revision of one user's rating of one output, oldest first."""
    username = session.scalar(select(User.username).where(User.id == user_id)) or ""
    rows = session.scalars(
        select(Rating)
        .where(Rating.output_id == output_id, Rating.user_id == user_id)
        .order_by(Rating.revision)
        .options(selectinload(Rating.scores))
    )
    return [_to_feedback(r, username) for r in rows]


def ratings_for_output(session: Session, output_id: int) -> list[Feedback]:
    """The latest rating of every user who rated ``output_id``, newest first."""
    rows = session.execute(
        select(Rating, User.username)
        .join(User, User.id == Rating.user_id)
        .where(Rating.output_id == output_id, Rating.id.in_(latest_rating_ids()))
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .options(selectinload(Rating.scores))
    )
    return [_to_feedback(r, name) for r, name in rows]


@dataclass(frozen=True)
class OutputSummary:
    """A generated output as listed for review (no previews, no text)."""

    id: int
    kind: OutputKind
    model_id: str
    model_version: str
    device: str
    latency_ms: float | None
    n_flags: int
    status: str
    created_at: datetime
    n_ratings: int
    mean_overall: float | None


def list_outputs(
    session: Session,
    kind: OutputKind | str | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[OutputSummary]:
    """Generated outputs, newest first, with the count and mean of their latest ratings."""
    agg = (
        select(
            Rating.output_id,
            func.count(Rating.id).label("n"),
            func.avg(Rating.overall).label("mean"),
        )
        .where(Rating.id.in_(latest_rating_ids()))
        .group_by(Rating.output_id)
        .subquery()
    )
    stmt = (
        select(
            GeneratedOutput.id,
            GeneratedOutput.kind,
            GeneratedOutput.model_id,
            GeneratedOutput.model_version,
            GeneratedOutput.device,
            GeneratedOutput.latency_ms,
            GeneratedOutput.flags,
            GeneratedOutput.status,
            GeneratedOutput.created_at,
            agg.c.n,
            agg.c.mean,
        )
        .outerjoin(agg, agg.c.output_id == GeneratedOutput.id)
        .order_by(GeneratedOutput.created_at.desc(), GeneratedOutput.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if kind is not None:
        stmt = stmt.where(GeneratedOutput.kind == OutputKind(kind).value)
    return [
        OutputSummary(
            id=r.id,
            kind=OutputKind(r.kind),
            model_id=r.model_id,
            model_version=r.model_version,
            device=r.device,
            latency_ms=r.latency_ms,
            n_flags=len(r.flags or []),
            status=r.status,
            created_at=r.created_at,
            n_ratings=int(r.n or 0),
            mean_overall=None if r.mean is None else float(r.mean),
        )
        for r in session.execute(stmt)
    ]


# --------------------------------------------------------------------------- unit of work


def run_in_transaction(
    factory: sessionmaker[Session], work: Callable[[Session], T], *, attempts: int = 8
) -> T:
    """Run ``work(session)`` in one transaction, retrying when a concurrent writer won a race.

    A unique-key conflict (two windows revising the same rating at once, two dashboards caching
    the same edit distance) rolls back and runs ``work`` again on fresh data. Other database
    errors, and the last conflict, propagate as SQLAlchemyError; medgen errors propagate as is.
    """
    for attempt in range(1, attempts + 1):
        try:
            with factory.begin() as session:
                return work(session)
        except IntegrityError:
            if attempt == attempts:
                raise
            log.info("write conflict (attempt %d of %d); retrying", attempt, attempts)
            time.sleep(random.uniform(0, 0.02 * attempt))  # noqa: S311 - jitter, not crypto
    raise AssertionError("unreachable")  # pragma: no cover


def edit_stat_for(factory: sessionmaker[Session], output_id: int) -> tuple[int, int, int] | None:
    """:func:`edit_stat` in its own transaction; database errors -> StorageError."""
    try:
        return run_in_transaction(factory, lambda s: edit_stat(s, output_id))
    except SQLAlchemyError as exc:
        log.exception("edit distance of output %s could not be computed", output_id)
        raise StorageError("The edit distance could not be computed; please try again.") from exc


def submit_rating(
    factory: sessionmaker[Session],
    user: UserInfo,
    output_id: int,
    overall: int,
    scores: Mapping[str, int | None] | None = None,
    comment: str = "",
) -> Feedback:
    """Store a rating and its RATE audit event in one transaction.

    Raises :class:`InvalidInputError` for a bad rating and :class:`StorageError` (nothing saved)
    when the database cannot be written; the caller keeps the user's inputs for a retry.
    A concurrent revision of the same rating is retried (it becomes the next revision).
    """

    def work(session: Session) -> Feedback:
        fb = add_rating(session, user, output_id, overall, scores, comment)
        repo.add_audit(
            session,
            AuditAction.RATE,
            user=user,
            object_type="generated_output",
            object_id=output_id,
            detail={"rating_id": fb.id, "revision": fb.revision, "overall": fb.overall},
        )
        return fb

    try:
        return run_in_transaction(factory, work)
    except SQLAlchemyError as exc:
        log.exception("rating of output %s by user %s could not be stored", output_id, user.id)
        raise StorageError(
            "Your rating could not be saved because the database is unavailable. "
            "Nothing was stored; your rating is still on screen, please try again."
        ) from exc
