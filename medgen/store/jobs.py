"""Repository functions for background jobs (the ``jobs`` table; runner in :mod:`medgen.jobs`).

Each takes ``session`` first and runs in the caller's unit of work. Values leave as
:class:`~medgen.types.JobInfo`. Starting, cancelling and finishing a job are audited here, in the
same transaction as the change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medgen.errors import MedgenError, PermissionDeniedError
from medgen.store.audit import add_audit
from medgen.store.models import Job, utcnow
from medgen.types import (
    AuditAction,
    AuditOutcome,
    JobInfo,
    JobKind,
    JobStatus,
    ObjectType,
    Role,
    UserInfo,
)

log = logging.getLogger(__name__)

#: The message a job left "running" by a server that stopped ends with.
INTERRUPTED = "Interrupted by a server restart; start it again."


class JobNotFoundError(MedgenError):
    default_message = "This job does not exist (it may have been removed)."


def _info(row: Job) -> JobInfo:
    return JobInfo(
        id=row.id,
        kind=JobKind(row.kind),
        status=JobStatus(row.status),
        label=row.label,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
        progress=dict(row.progress or {}),
        result=dict(row.result or {}),
        error=row.error or "",
        cancel_requested=bool(row.cancel_requested),
    )


def _row(session: Session, job_id: int) -> Job:
    row = session.get(Job, job_id)
    if row is None:
        raise JobNotFoundError()
    return row


def create_job(
    session: Session,
    kind: JobKind | str,
    user: UserInfo | None,
    label: str = "",
    *,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """A queued job; audited as ``job_start`` with ``detail`` (ids, counts, model names only)."""
    row = Job(
        kind=JobKind(kind).value,
        status=JobStatus.QUEUED.value,
        label=label[:200],
        created_by=user.id if user else None,
        progress={},
        result={},
        error="",
        cancel_requested=False,
        runner="",
    )
    session.add(row)
    session.flush()
    add_audit(
        session, AuditAction.JOB_START, user=user, object_type=ObjectType.JOB, object_id=row.id,
        detail={"kind": row.kind, **dict(detail or {})},
    )
    return row.id


def get_job(session: Session, job_id: int) -> JobInfo:
    return _info(_row(session, job_id))


def mark_running(session: Session, job_id: int, runner: str) -> None:
    """The runner ``host:pid:token`` took the job."""
    row = _row(session, job_id)
    row.status = JobStatus.RUNNING.value
    row.runner = runner[:128]
    row.updated_at = utcnow()


def update_progress(session: Session, job_id: int, progress: Mapping[str, Any]) -> bool:
    """Replace the job's progress (a JSON-able mapping); return whether a cancel was requested."""
    row = _row(session, job_id)
    row.progress = dict(progress)
    row.updated_at = utcnow()
    return bool(row.cancel_requested)


def cancel_requested(session: Session, job_id: int) -> bool:
    return bool(_row(session, job_id).cancel_requested)


def request_cancel(session: Session, job_id: int, user: UserInfo) -> JobInfo:
    """Ask a job to stop (its owner or an admin); a queued job is cancelled at once. Audited."""
    row = _row(session, job_id)
    if row.created_by != user.id and not user.has_role(Role.ADMIN):
        raise PermissionDeniedError("Only the person who started this job or an admin can cancel it.")
    if not JobStatus(row.status).finished:
        row.cancel_requested = True
        row.updated_at = utcnow()
        if row.status == JobStatus.QUEUED.value:
            row.status = JobStatus.CANCELLED.value
            row.finished_at = row.updated_at
        add_audit(
            session, AuditAction.JOB_CANCEL, user=user, object_type=ObjectType.JOB,
            object_id=row.id, detail={"kind": row.kind},
        )
    return _info(row)


def finish_job(
    session: Session,
    job_id: int,
    status: JobStatus | str,
    *,
    result: Mapping[str, Any] | None = None,
    error: str = "",
) -> None:
    """End a job (done, failed or cancelled) with its result or error; audited as ``job_finish``."""
    status = JobStatus(status)
    if not status.finished:
        raise ValueError(f"{status} is not a final status")
    row = _row(session, job_id)
    row.status = status.value
    if result is not None:
        row.result = dict(result)
    row.error = error
    row.updated_at = row.finished_at = utcnow()
    add_audit(
        session, AuditAction.JOB_FINISH, object_type=ObjectType.JOB, object_id=row.id,
        outcome=AuditOutcome.ERROR if status is JobStatus.FAILED else AuditOutcome.OK,
        detail={"kind": row.kind, "status": status.value},
    )


def set_result(session: Session, job_id: int, result: Mapping[str, Any]) -> None:
    """Replace the result of a job (e.g. an admin's approval noted on a finished adaptation)."""
    row = _row(session, job_id)
    row.result = dict(result)
    row.updated_at = utcnow()


def list_jobs(
    session: Session,
    user: UserInfo | None = None,
    *,
    kind: JobKind | str | None = None,
    limit: int = 50,
) -> list[JobInfo]:
    """Newest first: ``user``'s own jobs, or every job when ``user`` is None."""
    stmt = select(Job).order_by(Job.id.desc()).limit(limit)
    if user is not None:
        stmt = stmt.where(Job.created_by == user.id)
    if kind is not None:
        stmt = stmt.where(Job.kind == JobKind(kind).value)
    return [_info(r) for r in session.scalars(stmt)]


def fail_orphans(session: Session, is_dead: Callable[[str], bool]) -> list[int]:
    """Mark queued/running jobs whose runner ``is_dead`` as failed (:data:`INTERRUPTED`)."""
    stmt = select(Job).where(Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
    failed = []
    for row in session.scalars(stmt):
        if is_dead(row.runner):
            finish_job(session, row.id, JobStatus.FAILED, error=INTERRUPTED)
            failed.append(row.id)
    if failed:
        log.warning("marked %d job(s) left running by a stopped server as failed", len(failed))
    return failed


def decide_model(
    session: Session,
    job_id: int,
    user: UserInfo,
    approve: bool,
    apply: Callable[[str], Any],
) -> JobInfo:
    """An admin approves or rejects the pending model a site-adaptation job produced.

    ``apply(model_id)`` makes the change on disk (mark the card approved, or delete the model);
    it runs inside this transaction, so a failure leaves neither the audit event nor the
    decision recorded. Audited as ``model_approve`` / ``model_reject``.
    """
    if not user.has_role(Role.ADMIN):
        raise PermissionDeniedError("Only an administrator can approve or reject a model.")
    row = _row(session, job_id)
    result = dict(row.result or {})
    model_id = result.get("model_id")
    if not model_id or result.get("approval") != "pending":
        raise MedgenError("This job has no model waiting for approval.")
    result["approval"] = "approved" if approve else "rejected"
    result["decided_by"] = user.username
    row.result = result
    row.updated_at = utcnow()
    add_audit(
        session, AuditAction.MODEL_APPROVE if approve else AuditAction.MODEL_REJECT, user=user,
        object_type=ObjectType.MODEL, object_id=str(model_id), detail={"job_id": job_id},
    )
    session.flush()
    apply(str(model_id))
    return _info(row)
