"""The audit trail: appending events, filtered queries and CSV export. The trail is append-only.

This module has no update or delete function on purpose, and it provides guards that
:mod:`medgen.store.db` attaches to the app's own engines and session factories (not to
SQLAlchemy's classes, so other engines in the process are unaffected): a guarded session that
tries to flush a changed or deleted :class:`AuditEvent`, or runs an ORM ``update()`` / ``delete()``
statement on the table, and a guarded engine asked to send ``UPDATE``/``DELETE`` on
``audit_events`` (even as raw SQL text), raise :class:`AuditImmutableError`; nothing is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from medgen.errors import StorageError
from medgen.store import csvsafe
from medgen.store.models import AuditEvent
from medgen.types import AuditAction, AuditOutcome, ObjectType, UserInfo

log = logging.getLogger(__name__)

#: Column order of the CSV export (and of :class:`AuditRecord`).
CSV_COLUMNS = ("id", "at", "user_id", "username", "action", "object_type", "object_id", "outcome", "detail")
#: Most rows one query returns (the admin page pages through filters, not through the whole trail).
DEFAULT_LIMIT = 5000


class AuditImmutableError(StorageError):
    """Something tried to change or delete an audit event."""

    default_message = "Audit events cannot be changed or deleted."


@dataclass(frozen=True)
class AuditFilter:
    """Which events to return; every field is optional. ``start``/``end`` are inclusive, UTC."""

    start: datetime | None = None
    end: datetime | None = None
    username: str | None = None
    action: AuditAction | str | None = None
    outcome: AuditOutcome | str | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    user_id: int | None
    username: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    detail: dict[str, Any]

    def as_row(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in CSV_COLUMNS}


def add_audit(
    session: Session,
    action: AuditAction | str,
    *,
    user: UserInfo | None = None,
    object_type: ObjectType | str = ObjectType.NONE,
    object_id: str | int = "",
    outcome: AuditOutcome | str = AuditOutcome.OK,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append an audit event. ``detail`` must hold no PHI (ids, counts, model names only)."""
    session.add(
        AuditEvent(
            user_id=user.id if user else None,
            username=user.username if user else "",
            action=AuditAction(action).value,
            object_type=ObjectType(object_type).value,
            object_id=str(object_id),
            outcome=AuditOutcome(outcome).value,
            detail=dict(detail or {}),
        )
    )


def _record(e: AuditEvent) -> AuditRecord:
    return AuditRecord(
        id=e.id, at=e.at, user_id=e.user_id, username=e.username, action=e.action,
        object_type=e.object_type, object_id=e.object_id, outcome=e.outcome, detail=dict(e.detail or {}),
    )


def query_events(session: Session, flt: AuditFilter | None = None) -> list[AuditRecord]:
    """Events matching ``flt``, newest first (bound parameters only)."""
    flt = flt or AuditFilter()
    stmt = select(AuditEvent)
    if flt.start is not None:
        stmt = stmt.where(AuditEvent.at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(AuditEvent.at <= flt.end)
    if flt.username:
        stmt = stmt.where(AuditEvent.username == flt.username)
    if flt.action:
        stmt = stmt.where(AuditEvent.action == AuditAction(flt.action).value)
    if flt.outcome:
        stmt = stmt.where(AuditEvent.outcome == str(flt.outcome))
    stmt = stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(max(1, int(flt.limit)))
    return [_record(e) for e in session.scalars(stmt)]


def distinct_values(session: Session, column: str) -> list[str]:
    """Distinct non-empty values of ``username`` or ``outcome`` (for filter drop-downs)."""
    col = {"username": AuditEvent.username, "outcome": AuditEvent.outcome}[column]
    return [v for v in session.scalars(select(col).distinct().order_by(col)) if v]


def to_csv(records: Iterable[AuditRecord]) -> bytes:
    """UTF-8 CSV (with header) of ``records``, safe to open in a spreadsheet."""
    return csvsafe.to_csv(CSV_COLUMNS, ([getattr(r, c) for c in CSV_COLUMNS] for r in records))


# ---------------------------------------------------------------------------- append-only guard


def _refuse_changes(session: Session, _ctx: Any, _instances: Sequence[Any] | None) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditImmutableError()


def _refuse_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ is AuditEvent:
        raise AuditImmutableError()
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) == AuditEvent.__tablename__:
        raise AuditImmutableError()


_WRITE_TO_AUDIT = re.compile(
    r"^\s*(update\s+(only\s+)?|delete\s+from\s+(only\s+)?)[\"`\[]?audit_events\b", re.IGNORECASE
)


def _refuse_sql(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    """Last line: any UPDATE/DELETE on audit_events sent through SQLAlchemy, even as raw text."""
    if _WRITE_TO_AUDIT.match(statement):
        raise AuditImmutableError()


def guard_engine(engine: Engine) -> None:
    """Refuse UPDATE/DELETE of ``audit_events`` on ``engine``, even as raw SQL text."""
    if not event.contains(engine, "before_cursor_execute", _refuse_sql):
        event.listen(engine, "before_cursor_execute", _refuse_sql)


def guard_sessions(factory: sessionmaker[Session]) -> None:
    """Refuse changed or deleted audit events, and bulk ORM updates/deletes, in ``factory``'s sessions."""
    if not event.contains(factory, "before_flush", _refuse_changes):
        event.listen(factory, "before_flush", _refuse_changes)
        event.listen(factory, "do_orm_execute", _refuse_bulk)
