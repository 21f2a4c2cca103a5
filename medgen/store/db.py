"""Engines, session factories and the unit of work: the one place a transaction is opened.

Every read and write of the database runs in :func:`unit_of_work` (a context manager) or
:func:`run` (a function taking the repository function to call): one transaction, committed when
the work returns, rolled back when it raises, and database errors turned into
:class:`~medgen.errors.StorageError`, so nothing is half-stored and no SQLAlchemy traceback
reaches a page. Two causes a clinician or an administrator can act on get their own subclass and
message (:func:`storage_error`): :class:`~medgen.errors.DatabaseUnavailableError` (the server is
stopped or unreachable, the file cannot be opened) and :class:`~medgen.errors.DiskFullError`.

A stopped-and-restarted PostgreSQL needs no app restart: PostgreSQL engines ping each pooled
connection before use (``pool_pre_ping``), so connections that died with the old server are
dropped and replaced on the next unit of work. Pages and ``medgen.ui`` pass :data:`Factory` objects around
and call ``run(factory, repo_function, *args)``; they never hold a session.

Engines and factories made here carry the append-only audit guard (:mod:`medgen.store.audit`);
other engines in the process are not touched.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from medgen.config import get_settings
from medgen.errors import DatabaseUnavailableError, DiskFullError, StorageError
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


#: SQLite primary result codes (https://sqlite.org/rescode.html).
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
#: PostgreSQL SQLSTATE classes/codes (Appendix A): 08 connection exception, 57P operator
#: intervention (admin/crash shutdown, cannot connect now), 53100 disk full.
_PG_UNAVAILABLE = ("08", "57P")
_PG_DISK_FULL = "53100"
#: Words of a driver's connection-level error without a SQLSTATE (refused, closed, timed out).
_CONNECTION_WORDS = ("connect", "server closed", "terminat", "timeout expired", "could not translate host")


def error_cause(exc: SQLAlchemyError) -> type[StorageError]:
    """The :class:`StorageError` subclass that names the cause of a database error.

    :class:`DiskFullError` for SQLite's ``SQLITE_FULL``, PostgreSQL's ``disk_full`` (53100) or
    an ``ENOSPC`` message; :class:`DatabaseUnavailableError` for a lost or refused connection
    (SQLAlchemy's ``connection_invalidated``, SQLSTATE class 08 or 57P, a driver connection error
    without a SQLSTATE) and for a SQLite file that cannot be opened; else :class:`StorageError`.
    """
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(orig if orig is not None else exc).lower()
    if (
        sqlstate == _PG_DISK_FULL
        or primary == _SQLITE_FULL
        or "no space left on device" in text
        or "database or disk is full" in text
    ):
        return DiskFullError
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return DatabaseUnavailableError
    if isinstance(sqlstate, str) and sqlstate.startswith(_PG_UNAVAILABLE):
        return DatabaseUnavailableError
    if primary == _SQLITE_CANTOPEN:
        return DatabaseUnavailableError
    if (
        isinstance(exc, OperationalError)
        and orig is not None
        and not isinstance(orig, sqlite3.Error)
        and sqlstate is None
        and any(word in text for word in _CONNECTION_WORDS)
    ):
        return DatabaseUnavailableError  # e.g. psycopg: connection refused / server closed it
    return StorageError


def storage_error(exc: SQLAlchemyError, message: str | None = None) -> StorageError:
    """The user-facing error for a database error (logged here, without values or traceback).

    A recognised cause (:func:`error_cause`) gets its own class and message, which names it;
    any other error gets ``message`` (default :data:`STORAGE_MESSAGE`).
    """
    cls = error_cause(exc)
    log.error("database error (%s): %s: %s", cls.__name__, type(exc).__name__,
              str(exc).splitlines()[0][:200])
    if cls is StorageError:
        return StorageError(message or STORAGE_MESSAGE)
    return cls()


@contextmanager
def unit_of_work(factory: Factory | None = None, *, message: str | None = None) -> Iterator[Session]:
    """A session in one transaction: committed on exit, rolled back on any exception.

    SQLAlchemy errors become :class:`StorageError` (:func:`storage_error`): a lost or refused
    connection :class:`~medgen.errors.DatabaseUnavailableError`, a full disk
    :class:`~medgen.errors.DiskFullError`, anything else a StorageError with ``message``
    (default :data:`STORAGE_MESSAGE`); medgen errors raised by the work pass through unchanged,
    after the rollback.
    """
    try:
        with (factory or session_factory()).begin() as session:
            yield session
    except SQLAlchemyError as exc:
        raise storage_error(exc, message) from exc


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
