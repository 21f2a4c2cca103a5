"""Database errors are mapped to the StorageError subclass that names their cause.

The real injections (a stopped PostgreSQL, a full tmpfs, SIGKILL) are in the other tests of
this folder; this table covers the driver errors that cannot be produced cheaply here
(PostgreSQL's own disk_full, an administrator shutdown) and guards against over-matching.
"""

from __future__ import annotations

import sqlite3

import psycopg.errors as pg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from medgen.errors import DatabaseUnavailableError, DiskFullError, StorageError
from medgen.store.db import error_cause, storage_error


def _sqlite_full() -> sqlite3.Error:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA max_page_count=2")  # a real SQLITE_FULL from the engine itself
    try:
        conn.execute("CREATE TABLE t(x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(b"x" * 4000,)] * 10)
    except sqlite3.Error as exc:
        return exc
    raise AssertionError("SQLite did not fill up")


@pytest.mark.parametrize(
    ("orig", "expected"),
    [
        (_sqlite_full(), DiskFullError),
        (pg.DiskFull("could not extend file \"base/1/2\": No space left on device"), DiskFullError),
        (pg.AdminShutdown("terminating connection due to administrator command"), DatabaseUnavailableError),
        (pg.CannotConnectNow("the database system is starting up"), DatabaseUnavailableError),
        (pg.OperationalError("connection failed: Connection refused"), DatabaseUnavailableError),
        (sqlite3.OperationalError("unable to open database file"), StorageError),  # no code: generic
        (sqlite3.OperationalError("no such table: ratings"), StorageError),
        (pg.OperationalError("some other failure"), StorageError),
        (pg.UndefinedTable("relation \"ratings\" does not exist"), StorageError),
    ],
    ids=["sqlite-full", "pg-disk-full", "pg-admin-shutdown", "pg-starting", "pg-refused",
         "sqlite-cantopen-no-code", "sqlite-no-table", "pg-other", "pg-undefined-table"],
)
def test_error_cause(orig: Exception, expected: type[StorageError]) -> None:
    exc = OperationalError("SELECT 1", {}, orig)
    assert error_cause(exc) is expected
    err = storage_error(exc, "The list could not be read.")
    assert type(err) is expected
    if expected is StorageError:
        assert str(err) == "The list could not be read."  # the caller's message for other errors
    else:
        assert "nothing was saved" in str(err) and "Traceback" not in str(err)


def test_a_unique_key_race_is_not_mislabelled() -> None:
    exc = IntegrityError("INSERT", {}, pg.UniqueViolation("duplicate key value"))
    assert error_cause(exc) is StorageError
