"""Background jobs (medgen.jobs + medgen.store.jobs) on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from medgen import jobs
from medgen.errors import GenerationError, PermissionDeniedError
from medgen.store import jobs as store
from medgen.store import run
from medgen.store.models import AuditEvent
from medgen.types import JobKind, JobStatus, Role, UserInfo
from tests.store.conftest import make_user


def _audit(factory: sessionmaker[Session], job_id: int) -> list[tuple[str, str, str]]:
    with factory() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.object_id == str(job_id)))
        return [(r.action, r.outcome, r.detail.get("status", "")) for r in rows]


def test_lifecycle_progress_result_and_audit(factory: sessionmaker[Session], alice: UserInfo) -> None:
    seen: list[dict[str, Any]] = []

    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        seen.append(run(factory, store.get_job, ctx.job_id).progress)
        for i in range(3):
            ctx.progress({"done": i + 1, "total": 3, "loss": 0.5 / (i + 1)})
        seen.append(run(factory, store.get_job, ctx.job_id).progress)
        return {"outputs": [7, 8]}

    job_id = jobs.start(factory, JobKind.BATCH_ENHANCE, alice, work, label="3 slices")
    assert jobs.wait(job_id, 30)
    info = run(factory, store.get_job, job_id)
    assert info.status is JobStatus.DONE and info.result == {"outputs": [7, 8]}
    assert info.progress == {"done": 3, "total": 3, "loss": 0.5 / 3} and info.fraction == 1.0
    assert seen[0] == {} and seen[1]["done"] == 3
    assert info.finished_at is not None and info.finished_at >= info.created_at
    assert info.error == "" and info.label == "3 slices"
    assert _audit(factory, job_id) == [("job_start", "ok", ""), ("job_finish", "ok", "done")]
    assert [j.id for j in run(factory, store.list_jobs, alice)] == [job_id]


def test_cancel_stops_a_running_job(factory: sessionmaker[Session], alice: UserInfo) -> None:
    started = threading.Event()
    steps: list[int] = []

    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        started.set()
        for i in range(500):
            if ctx.should_stop():
                raise jobs.JobCancelled
            steps.append(i)
            ctx.progress({"done": i, "total": 500})
            threading.Event().wait(0.01)
        return {}

    job_id = jobs.start(factory, JobKind.SITE_ADAPT, alice, work)
    assert started.wait(10)
    bob = make_user(factory, "mallory")
    with pytest.raises(PermissionDeniedError):
        run(factory, store.request_cancel, job_id, bob)  # not the owner, not an admin
    info = run(factory, store.request_cancel, job_id, alice)
    assert info.cancel_requested
    assert jobs.wait(job_id, 30)
    info = run(factory, store.get_job, job_id)
    assert info.status is JobStatus.CANCELLED and len(steps) < 500
    actions = [a for a, _, _ in _audit(factory, job_id)]
    assert actions == ["job_start", "job_cancel", "job_finish"]


def test_failures_become_clean_messages(factory: sessionmaker[Session], alice: UserInfo) -> None:
    def medgen_fail(ctx: jobs.JobContext) -> None:
        raise GenerationError("The model could not enhance slice 3.")

    def bug(ctx: jobs.JobContext) -> None:
        raise KeyError("secret internals")

    a = jobs.start(factory, JobKind.BATCH_ENHANCE, alice, medgen_fail)
    b = jobs.start(factory, JobKind.BATCH_ENHANCE, alice, bug)
    assert jobs.wait(a, 30) and jobs.wait(b, 30)
    ia, ib = run(factory, store.get_job, a), run(factory, store.get_job, b)
    assert ia.status is ib.status is JobStatus.FAILED
    assert ia.error == "The model could not enhance slice 3."
    assert "KeyError" in ib.error and "secret internals" not in ib.error
    assert ("job_finish", "error", "failed") in _audit(factory, b)


def test_restart_marks_jobs_of_a_dead_process_failed(
    factory: sessionmaker[Session], alice: UserInfo
) -> None:
    host = jobs.RUNNER.split(":")[0]
    dead_pid = 2**22 + 12345  # above any pid_max default: no such process
    ids = [run(factory, store.create_job, JobKind.SITE_ADAPT, alice, f"j{i}") for i in range(4)]
    run(factory, store.mark_running, ids[0], f"{host}:{dead_pid}:abc")  # died with its server
    run(factory, store.mark_running, ids[1], jobs.RUNNER)  # this process: alive
    run(factory, store.mark_running, ids[2], "other-host:1:abc")  # cannot tell: left alone
    # ids[3] queued and never taken: its thread is gone after a restart
    assert sorted(jobs.recover(factory)) == [ids[0], ids[3]]
    status = {i: run(factory, store.get_job, i) for i in ids}
    assert status[ids[0]].status is JobStatus.FAILED
    assert status[ids[0]].error == store.INTERRUPTED
    assert status[ids[1]].status is status[ids[2]].status is JobStatus.RUNNING
    assert jobs.recover(factory) == []  # idempotent


def test_admin_lists_all_and_may_cancel(factory: sessionmaker[Session], alice: UserInfo) -> None:
    admin = make_user(factory, "root", Role.ADMIN)
    mine = run(factory, store.create_job, JobKind.SITE_ADAPT, admin, "adapt")
    hers = run(factory, store.create_job, JobKind.BATCH_ENHANCE, alice, "study")
    assert [j.id for j in run(factory, store.list_jobs)] == [hers, mine]
    assert [j.id for j in run(factory, store.list_jobs, kind=JobKind.SITE_ADAPT)] == [mine]
    assert [j.id for j in run(factory, store.list_jobs, alice)] == [hers]
    info = run(factory, store.request_cancel, hers, admin)  # queued: cancelled at once
    assert info.status is JobStatus.CANCELLED and info.finished_at is not None
