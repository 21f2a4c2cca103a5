"""Background jobs that outlive a page: a daemon thread per job in the server process.

:func:`start` records a queued job (:mod:`medgen.store.jobs`), then runs ``fn(ctx)`` in a daemon
thread. ``ctx.progress(dict)`` stores the job's progress (counts, losses, time left) and
``ctx.should_stop()`` says whether someone asked it to stop; both read and write the ``jobs``
table, so any page, in any browser session, sees the same state after leaving and coming back.
``fn`` returns the result mapping (status ``done``), or raises :class:`JobCancelled` (status
``cancelled``); any other exception fails the job with a clean message (never a traceback).

A server that stops takes its threads with it: :func:`recover` (called once per server process)
marks jobs this host left queued or running from a process that is gone as failed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from medgen.errors import MedgenError
from medgen.store import Factory, run
from medgen.store import jobs as store
from medgen.types import JobKind, JobStatus, UserInfo

log = logging.getLogger(__name__)

#: This process, as recorded in ``jobs.runner``: ``host:pid:token``.
RUNNER = f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"

_threads: dict[int, threading.Thread] = {}


class JobCancelled(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a job function that stopped because a cancel was requested."""


@dataclass(frozen=True)
class JobContext:
    """What a job function gets: its id and callables that read and write its row."""

    job_id: int
    progress: Callable[[Mapping[str, Any]], None]
    should_stop: Callable[[], bool]


JobFn = Callable[[JobContext], Mapping[str, Any] | None]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def runner_is_dead(runner: str, *, me: str = RUNNER) -> bool:
    """Whether the process named ``runner`` (``host:pid:token``) is known to be gone.

    A job not yet taken (empty runner) is dead once its starter is: a queued job has no thread
    left after a restart. Another host's runner cannot be checked, so it is taken as alive.
    """
    if runner == me:
        return False
    if not runner:
        return True
    host, _, rest = runner.partition(":")
    pid_text, _, _token = rest.partition(":")
    if host != me.split(":", 1)[0]:
        return False
    if not pid_text.isdigit():
        return True
    pid = int(pid_text)
    return pid == os.getpid() or not _process_alive(pid)  # our pid but another token: reused


def recover(factory: Factory | None) -> list[int]:
    """Mark jobs left queued/running by a stopped server process on this host as failed."""
    return run(factory, store.fail_orphans, runner_is_dead)


def _execute(factory: Factory | None, job_id: int, fn: JobFn) -> None:
    state = {"stop": False}

    def progress(values: Mapping[str, Any]) -> None:
        state["stop"] = run(factory, store.update_progress, job_id, dict(values)) or state["stop"]

    def should_stop() -> bool:
        state["stop"] = state["stop"] or run(factory, store.cancel_requested, job_id)
        return state["stop"]

    try:
        run(factory, store.mark_running, job_id, RUNNER)
        if should_stop():
            raise JobCancelled
        result = fn(JobContext(job_id, progress, should_stop))
    except JobCancelled:
        run(factory, store.finish_job, job_id, JobStatus.CANCELLED, error="Cancelled on request.")
    except MedgenError as exc:
        log.warning("job %d failed: %s", job_id, type(exc).__name__)
        _finish_failed(factory, job_id, str(exc))
    except Exception as exc:  # a bug: logged with its traceback, a clean message on screen
        log.exception("job %d failed unexpectedly", job_id)
        _finish_failed(
            factory, job_id,
            f"The job stopped on an unexpected error ({type(exc).__name__}); "
            "an administrator can find the details in the server log.",
        )
    else:
        status = JobStatus.CANCELLED if should_stop() and result is None else JobStatus.DONE
        run(factory, store.finish_job, job_id, status, result=dict(result or {}))
    finally:
        _threads.pop(job_id, None)


def _finish_failed(factory: Factory | None, job_id: int, message: str) -> None:
    try:
        run(factory, store.finish_job, job_id, JobStatus.FAILED, error=message)
    except MedgenError:
        log.error("job %d: could not record its failure", job_id)


def start(
    factory: Factory | None,
    kind: JobKind | str,
    user: UserInfo | None,
    fn: JobFn,
    *,
    label: str = "",
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Record a job and run ``fn`` in a daemon thread of this process; return the job id."""
    job_id = run(factory, store.create_job, kind, user, label, detail=detail)
    thread = threading.Thread(
        target=_execute, args=(factory, job_id, fn), name=f"medgen-job-{job_id}", daemon=True
    )
    _threads[job_id] = thread
    thread.start()
    log.info("job %d (%s) started", job_id, JobKind(kind).value)
    return job_id


def wait(job_id: int, timeout: float | None = None) -> bool:
    """Block until the job's thread in this process ends (tests, CLI); whether it ended."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True
