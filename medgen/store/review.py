"""Quality-review queries: filtered ratings and outputs, aggregates for the dashboard, CSV export.

Only the latest revision of each user's rating counts (see :mod:`medgen.store.feedback`).
Filters: a date range (UTC days, inclusive), output kinds, model versions and users. The user
filter selects the *rater* for rating views and the *creator* for output views (latency, flags,
edit distance), so "what did Dr X rate" and "what did Dr X's runs produce" both work.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from medgen.errors import InvalidInputError
from medgen.store import csvsafe, repo
from medgen.store.criteria import CRITERIA
from medgen.store.editstats import refresh_edit_stats
from medgen.store.feedback import latest_rating_ids
from medgen.store.models import GeneratedOutput, Rating, RatingScore, TextEditStat, User
from medgen.types import AuditAction, ObjectType, OutputKind, ReportStatus, UserInfo

log = logging.getLogger(__name__)


def model_label(model_id: str, model_version: str) -> str:
    """Short display name of a model version: ``model_id @ first 12 chars of the version``."""
    if not model_version or model_version == model_id:
        return model_id
    return f"{model_id} @ {model_version[:12]}"


@dataclass(frozen=True)
class ReviewFilter:
    """What the reviewer selected; empty tuples mean "all"."""

    start: date | None = None  # first UTC day included
    end: date | None = None  # last UTC day included
    kinds: tuple[OutputKind, ...] = ()
    models: tuple[tuple[str, str], ...] = ()  # (model_id, model_version) pairs
    user_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise InvalidInputError("The start date is after the end date; pick a valid range.")
        object.__setattr__(self, "kinds", tuple(OutputKind(k) for k in self.kinds))

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form (for the audit trail)."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "kinds": [k.value for k in self.kinds],
            "models": [list(m) for m in self.models],
            "user_ids": list(self.user_ids),
        }


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def _when(col: Any, flt: ReviewFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if flt.start:
        conds.append(col >= _day_start(flt.start))
    if flt.end:
        conds.append(col < _day_start(flt.end + timedelta(days=1)))
    return conds


def _output_conds(flt: ReviewFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if flt.kinds:
        conds.append(GeneratedOutput.kind.in_([k.value for k in flt.kinds]))
    if flt.models:
        conds.append(
            or_(
                *(
                    and_(GeneratedOutput.model_version == ver, GeneratedOutput.model_id == mid)
                    for mid, ver in flt.models
                )
            )
        )
    return conds


def _rating_conds(flt: ReviewFilter, *, history: bool = False) -> list[ColumnElement[bool]]:
    conds = _output_conds(flt) + _when(Rating.created_at, flt)
    if not history:
        conds.append(Rating.id.in_(latest_rating_ids()))
    if flt.user_ids:
        conds.append(Rating.user_id.in_(list(flt.user_ids)))
    return conds


# --------------------------------------------------------------------------- filter options


@dataclass(frozen=True)
class FilterOptions:
    """Values the filter widgets offer."""

    models: list[tuple[tuple[str, str], str]]  # ((model_id, model_version), label)
    users: list[tuple[int, str]]  # (user id, username) of raters and creators
    first_day: date | None
    last_day: date | None


def filter_options(session: Session) -> FilterOptions:
    models = session.execute(
        select(GeneratedOutput.model_id, GeneratedOutput.model_version)
        .distinct()
        .order_by(GeneratedOutput.model_id, GeneratedOutput.model_version)
    ).all()
    raters = select(Rating.user_id).distinct()
    creators = select(GeneratedOutput.created_by).where(GeneratedOutput.created_by.is_not(None))
    users = session.execute(
        select(User.id, User.username)
        .where(User.id.in_(raters) | User.id.in_(creators))
        .order_by(User.username)
    ).all()
    lo, hi = session.execute(
        select(func.min(GeneratedOutput.created_at), func.max(GeneratedOutput.created_at))
    ).one()
    return FilterOptions(
        models=[((mid, ver), model_label(mid, ver)) for mid, ver in models],
        users=[(int(i), str(n)) for i, n in users],
        first_day=lo.date() if lo else None,
        last_day=hi.date() if hi else None,
    )


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class RatedRow:
    """One rating revision joined with its output (the unit of the CSV export)."""

    rating_id: int
    output_id: int
    kind: OutputKind
    model: str
    model_id: str
    model_version: str
    device: str
    rater: str
    revision: int
    is_latest: bool
    overall: int
    scores: dict[str, int]
    comment: str
    rated_at: datetime
    edit_distance: int | None


def rated_rows(session: Session, flt: ReviewFilter, *, history: bool = False) -> list[RatedRow]:
    """Filtered ratings (latest revisions; every revision with ``history=True``), newest first."""
    latest = set(session.scalars(latest_rating_ids()))
    stmt = (
        select(Rating, GeneratedOutput, User.username, TextEditStat.edit_distance)
        .join(GeneratedOutput, GeneratedOutput.id == Rating.output_id)
        .join(User, User.id == Rating.user_id)
        .outerjoin(TextEditStat, TextEditStat.output_id == Rating.output_id)
        .where(and_(True, *_rating_conds(flt, history=history)))
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .options(selectinload(Rating.scores))
    )
    rows = []
    for rating, out, username, dist in session.execute(stmt):
        rows.append(
            RatedRow(
                rating_id=rating.id,
                output_id=out.id,
                kind=OutputKind(out.kind),
                model=model_label(out.model_id, out.model_version),
                model_id=out.model_id,
                model_version=out.model_version,
                device=out.device,
                rater=username,
                revision=rating.revision,
                is_latest=rating.id in latest,
                overall=rating.overall,
                scores={s.criterion: s.score for s in rating.scores},
                comment=rating.comment,
                rated_at=rating.created_at,
                edit_distance=dist,
            )
        )
    return rows


@dataclass(frozen=True)
class OutputRow:
    """One generated output with the statistics the output-level charts need."""

    output_id: int
    kind: OutputKind
    model: str
    device: str
    latency_ms: float | None
    n_flags: int
    edit_distance: int | None
    created_at: datetime


def output_rows(session: Session, flt: ReviewFilter) -> list[OutputRow]:
    conds = _output_conds(flt) + _when(GeneratedOutput.created_at, flt)
    if flt.user_ids:
        conds.append(GeneratedOutput.created_by.in_(list(flt.user_ids)))
    stmt = (
        select(
            GeneratedOutput.id,
            GeneratedOutput.kind,
            GeneratedOutput.model_id,
            GeneratedOutput.model_version,
            GeneratedOutput.device,
            GeneratedOutput.latency_ms,
            GeneratedOutput.flags,
            GeneratedOutput.created_at,
            TextEditStat.edit_distance,
        )
        .outerjoin(TextEditStat, TextEditStat.output_id == GeneratedOutput.id)
        .where(and_(True, *conds))
        .order_by(GeneratedOutput.created_at)
    )
    return [
        OutputRow(
            output_id=r.id,
            kind=OutputKind(r.kind),
            model=model_label(r.model_id, r.model_version),
            device=r.device or "unknown",
            latency_ms=r.latency_ms,
            n_flags=len(r.flags or []),
            edit_distance=r.edit_distance,
            created_at=r.created_at,
        )
        for r in session.execute(stmt)
    ]


# --------------------------------------------------------------------------- aggregates


def _model_cols() -> tuple[Any, Any]:
    return GeneratedOutput.model_id, GeneratedOutput.model_version


def rating_distribution(session: Session, flt: ReviewFilter) -> dict[str, dict[int, int]]:
    """``{model: {overall score: number of ratings}}`` over the latest ratings."""
    mid, ver = _model_cols()
    stmt = (
        select(mid, ver, Rating.overall, func.count(Rating.id))
        .join(GeneratedOutput, GeneratedOutput.id == Rating.output_id)
        .where(and_(True, *_rating_conds(flt)))
        .group_by(mid, ver, Rating.overall)
    )
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for m, v, overall, n in session.execute(stmt):
        label = model_label(m, v)
        out[label][int(overall)] = out[label].get(int(overall), 0) + int(n)
    return dict(out)


def criteria_means(session: Session, flt: ReviewFilter) -> dict[tuple[str, str], tuple[float, int]]:
    """``{(model, criterion key): (mean score, number of scores)}`` over the latest ratings."""
    mid, ver = _model_cols()
    stmt = (
        select(mid, ver, RatingScore.criterion, func.avg(RatingScore.score), func.count())
        .join(Rating, Rating.id == RatingScore.rating_id)
        .join(GeneratedOutput, GeneratedOutput.id == Rating.output_id)
        .where(and_(True, *_rating_conds(flt)))
        .group_by(mid, ver, RatingScore.criterion)
    )
    sums: dict[tuple[str, str], tuple[float, int]] = {}
    for m, v, crit, mean, n in session.execute(stmt):
        key = (model_label(m, v), crit)
        s0, n0 = sums.get(key, (0.0, 0))
        sums[key] = (s0 + float(mean) * int(n), n0 + int(n))
    return {k: (s / n, n) for k, (s, n) in sums.items()}


def daily_means(rows: Sequence[RatedRow]) -> dict[str, list[tuple[date, float, int]]]:
    """``{model: [(UTC day, mean overall, n), ...]}`` sorted by day (pure, from rated rows)."""
    acc: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        acc[r.model][r.rated_at.date()].append(r.overall)
    return {
        model: [(d, sum(v) / len(v), len(v)) for d, v in sorted(days.items())]
        for model, days in acc.items()
    }


@dataclass(frozen=True)
class LowRated:
    """An output among the lowest rated, with its mean latest overall rating."""

    output_id: int
    kind: OutputKind
    model: str
    mean_overall: float
    n_ratings: int
    n_flags: int
    created_at: datetime


def lowest_rated(session: Session, flt: ReviewFilter, limit: int = 20) -> list[LowRated]:
    """Outputs with the lowest mean (latest) overall rating, worst first."""
    mean = func.avg(Rating.overall)
    agg = (
        select(Rating.output_id, mean.label("mean"), func.count(Rating.id).label("n"))
        .join(GeneratedOutput, GeneratedOutput.id == Rating.output_id)
        .where(and_(True, *_rating_conds(flt)))
        .group_by(Rating.output_id)
        .order_by(mean, Rating.output_id)
        .limit(limit)
        .subquery()
    )
    stmt = (
        select(GeneratedOutput, agg.c.mean, agg.c.n)
        .join(agg, agg.c.output_id == GeneratedOutput.id)
        .order_by(agg.c.mean, GeneratedOutput.id)
    )
    return [
        LowRated(
            output_id=out.id,
            kind=OutputKind(out.kind),
            model=model_label(out.model_id, out.model_version),
            mean_overall=float(m),
            n_ratings=int(n),
            n_flags=len(out.flags or []),
            created_at=out.created_at,
        )
        for out, m, n in session.execute(stmt)
    ]


# --------------------------------------------------------------------------- drill-down


@dataclass(frozen=True)
class Comment:
    rater: str
    overall: int
    revision: int
    text: str
    rated_at: datetime


@dataclass(frozen=True)
class OutputDetail:
    """Everything the drill-down shows for one output (de-identified)."""

    output_id: int
    kind: OutputKind
    model: str
    device: str
    latency_ms: float | None
    status: ReportStatus
    params: dict[str, Any]
    metrics: dict[str, Any]
    flags: list[Any]
    draft_text: str | None
    final_text: str | None
    preview_before: bytes | None
    preview_after: bytes | None
    edit_distance: int | None
    created_at: datetime
    comments: list[Comment] = field(default_factory=list)


def output_detail(session: Session, output_id: int) -> OutputDetail:
    out = session.get(GeneratedOutput, output_id)
    if out is None:
        raise InvalidInputError(f"Output {output_id} does not exist.")
    stat = session.get(TextEditStat, output_id)
    comments = [
        Comment(
            rater=name,
            overall=r.overall,
            revision=r.revision,
            text=r.comment,
            rated_at=r.created_at,
        )
        for r, name in session.execute(
            select(Rating, User.username)
            .join(User, User.id == Rating.user_id)
            .where(Rating.output_id == output_id, Rating.id.in_(latest_rating_ids()))
            .order_by(Rating.created_at.desc())
        )
    ]
    return OutputDetail(
        output_id=out.id,
        kind=OutputKind(out.kind),
        model=model_label(out.model_id, out.model_version),
        device=out.device,
        latency_ms=out.latency_ms,
        status=ReportStatus(out.status),
        params=dict(out.params or {}),
        metrics=dict(out.metrics or {}),
        flags=list(out.flags or []),
        draft_text=out.draft_text,
        final_text=out.final_text,
        preview_before=out.preview_before,
        preview_after=out.preview_after,
        edit_distance=stat.edit_distance if stat else None,
        created_at=out.created_at,
        comments=comments,
    )


# --------------------------------------------------------------------------- export

ALL_CRITERIA: tuple[str, ...] = tuple(
    dict.fromkeys(c.key for crits in CRITERIA.values() for c in crits)
)
CSV_COLUMNS: tuple[str, ...] = (
    "rating_id", "output_id", "kind", "model_id", "model_version", "device", "rater",
    "revision", "is_latest", "overall", *ALL_CRITERIA, "comment", "rated_at", "edit_distance",
)  # fmt: skip


def export_csv(session: Session, flt: ReviewFilter, *, history: bool = False) -> tuple[bytes, int]:
    """The filtered feedback as UTF-8 CSV bytes (formulas neutralised), and the number of data rows."""
    rows = rated_rows(session, flt, history=history)
    data = csvsafe.to_csv(CSV_COLUMNS, (
        (r.rating_id, r.output_id, r.kind.value, r.model_id, r.model_version, r.device, r.rater,
         r.revision, r.is_latest, r.overall, *(r.scores.get(c) for c in ALL_CRITERIA), r.comment,
         r.rated_at, r.edit_distance)
        for r in rows
    ))
    return data, len(rows)


def export_feedback(
    session: Session, user: UserInfo, flt: ReviewFilter, *, history: bool = False
) -> tuple[bytes, int]:
    """:func:`export_csv`, audited (EXPORT: filter and row count) in the same unit of work."""
    data, n = export_csv(session, flt, history=history)
    repo.add_audit(
        session,
        AuditAction.EXPORT,
        user=user,
        object_type=ObjectType.FEEDBACK_CSV,
        detail={"rows": n, "history": history, "filter": flt.as_dict()},
    )
    return data, n


# --------------------------------------------------------------------------- one call per page


@dataclass(frozen=True)
class Dashboard:
    """Everything the Quality Review page renders for one filter."""

    filter: ReviewFilter
    n_outputs: int
    n_ratings: int
    mean_overall: float | None
    distribution: dict[str, dict[int, int]]
    daily: dict[str, list[tuple[date, float, int]]]
    criteria: dict[tuple[str, str], tuple[float, int]]
    outputs: list[OutputRow]
    lowest: list[LowRated]


def load_dashboard(session: Session, flt: ReviewFilter, *, lowest_limit: int = 20) -> Dashboard:
    """Run every dashboard query for ``flt`` (refreshing stale edit distances first)."""
    refresh_edit_stats(session)
    rows = rated_rows(session, flt)
    outputs = output_rows(session, flt)
    return Dashboard(
        filter=flt,
        n_outputs=len(outputs),
        n_ratings=len(rows),
        mean_overall=(sum(r.overall for r in rows) / len(rows)) if rows else None,
        distribution=rating_distribution(session, flt),
        daily=daily_means(rows),
        criteria=criteria_means(session, flt),
        outputs=outputs,
        lowest=lowest_rated(session, flt, lowest_limit),
    )
