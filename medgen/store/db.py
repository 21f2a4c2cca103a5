"""Engines, session factories and the unit of work: the one place a transaction is opened.

Every read and write of the database runs in :func:`unit_of_work` (a context manager) or
:func:`run` (a function taking the repository function to call): one transaction, committed when
the work returns, rolled back when it raises, and database errors (including a server that cannot
be reached) turned into :class:`~medgen.errors.StorageError`, so nothing is half-stored and no
SQLAlchemy traceback reaches a page. Pages and ``medgen.ui`` pass :data:`Factory` objects around
and call ``run(factory, repo_function, *args)``; they never hold a session.

Engines and factories made here carry the append-only audit guard (:mod:`medgen.store.audit`);
other engines in the process are not touched.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from medgen.config import get_settings
from medgen.errors import StorageError
from medgen.store import audit

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: What pages and ``medgen.ui`` hold: a session factory (they never open it themselves).
Factory = sessionmaker[Session]

#: What the user reads when the database fails (a page shows ``str(StorageError)``).
STORAGE_MESSAGE = (
    "The database could not be read or written (it may be unreachable); nothing was saved. "
    "Please try again, or ask an administrator if it keeps happening."
)

#: How often :func:`run` re-runs a unit of work that lost a unique-key race to a concurrent writer.
CONFLICT_ATTEMPTS = 8


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the audit guard; SQLite files get WAL, foreign keys, busy timeout."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    audit.guard_engine(engine)
    return engine


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured database)."""
    return make_engine(url or get_settings().database_url)


def session_factory(url: str | None = None) -> Factory:
    """A guarded sessionmaker bound to the engine for ``url``; objects stay usable after commit."""
    factory = sessionmaker(bind=get_engine(url), expire_on_commit=False)
    audit.guard_sessions(factory)
    return factory


def _storage_error(exc: SQLAlchemyError, message: str | None) -> StorageError:
    log.error("database error: %s: %s", type(exc).__name__, str(exc).splitlines()[0][:200])
    return StorageError(message or STORAGE_MESSAGE)


@contextmanager
def unit_of_work(factory: Factory | None = None, *, message: str | None = None) -> Iterator[Session]:
    """A session in one transaction: committed on exit, rolled back on any exception.

    SQLAlchemy errors (a failed statement, a lost or refused connection) become
    :class:`StorageError` with ``message`` (default :data:`STORAGE_MESSAGE`);
    medgen errors raised by the work pass through unchanged, after the rollback.
    """
    try:
        with (factory or session_factory()).begin() as session:
            yield session
    except SQLAlchemyError as exc:
        raise _storage_error(exc, message) from exc


def run(
    factory: Factory | None,
    work: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``work(session, *args, **kwargs)`` as one unit of work; its result, or StorageError.

    A unit of work that lost a unique-key race to a concurrent writer (two windows revising the
    same rating, two dashboards caching the same edit distance) is rolled back and run again on
    fresh data, up to :data:`CONFLICT_ATTEMPTS` times.
    """
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            with unit_of_work(factory) as session:
                return work(session, *args, **kwargs)
        except StorageError as exc:
            if not isinstance(exc.__cause__, IntegrityError) or attempt == CONFLICT_ATTEMPTS:
                raise
            log.info("write conflict (attempt %d of %d); retrying", attempt, CONFLICT_ATTEMPTS)
            time.sleep(random.uniform(0, 0.02 * attempt))  # noqa: S311 - jitter, not crypto
    raise AssertionError("unreachable")  # pragma: no cover
