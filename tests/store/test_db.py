"""The unit of work (commit, rollback, StorageError), the UTC column type and CSV cell escaping."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from medgen.errors import DatabaseUnavailableError, InvalidInputError, StorageError
from medgen.store import csvsafe, repo, run, session_factory, unit_of_work
from medgen.store.models import AuditEvent, GeneratedOutput, User
from medgen.types import AuditAction, OutputKind

from .conftest import make_user


def _count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_run_commits_and_returns(factory: sessionmaker[Session]) -> None:
    out = run(factory, repo.record_output, OutputKind.REPORT, model_id="m", draft_text="x")
    with factory() as s:
        row = s.get(GeneratedOutput, out)
        assert row is not None and row.status == "draft" and row.created_at.tzinfo == UTC


def test_a_failing_unit_of_work_stores_nothing(factory: sessionmaker[Session]) -> None:
    def half(session: Session) -> None:
        repo.record_output(session, OutputKind.REPORT, model_id="m")
        repo.add_audit(session, AuditAction.GENERATE)
        session.flush()  # both rows reached the database inside the transaction ...
        session.add(User(username=None, role="clinician"))  # ... then a NOT NULL violation
        session.flush()

    with pytest.raises(StorageError, match="nothing was saved"):
        run(factory, half)
    assert _count(factory, GeneratedOutput) == 0 and _count(factory, AuditEvent) == 0

    with pytest.raises(InvalidInputError), unit_of_work(factory) as s:  # medgen errors pass through
        repo.record_output(s, OutputKind.REPORT, model_id="m")
        raise InvalidInputError("refused")
    assert _count(factory, GeneratedOutput) == 0


@pytest.mark.parametrize("kind", ["unmigrated", "unreachable"])
def test_a_broken_database_is_a_storage_error(tmp_path: Path, kind: str) -> None:
    if kind == "unmigrated":  # a file without tables: every statement fails
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:  # no server listens on port 1: the connection itself fails
        url = "postgresql+psycopg://medgen:x@127.0.0.1:1/medgen?connect_timeout=2"
    broken = session_factory(url)
    # an unreachable server is named as the cause (tests/reliability stop a real server)
    expected = "could not be read or written" if kind == "unmigrated" else "database is unavailable"
    with pytest.raises(StorageError, match=expected) as info:
        run(broken, repo.record_output, OutputKind.ENHANCEMENT, model_id="m")
    assert isinstance(info.value, DatabaseUnavailableError) == (kind == "unreachable")
    assert info.value.__cause__ is not None  # the database error is kept for the log
    with pytest.raises(StorageError), unit_of_work(broken, message="The list could not be read.") as s:
        s.scalar(select(func.count(User.id)))


def test_utc_column_stores_and_returns_aware_utc(factory: sessionmaker[Session]) -> None:
    cet = timezone(timedelta(hours=1))
    instant = datetime(2026, 3, 1, 13, 30, tzinfo=cet)  # 12:30 UTC
    alice = make_user(factory, "alice")
    with factory.begin() as s:
        s.get(User, alice.id).locked_until = instant  # type: ignore[union-attr]
        s.add(User(username="naive", role="clinician", locked_until=datetime(2026, 3, 1, 12, 30)))
    with factory() as s:
        for name in ("alice", "naive"):
            got = s.scalar(select(User.locked_until).where(User.username == name))
            assert got == instant and got.tzinfo == UTC and got.hour == 12, name
        # a query parameter in another time zone is converted too
        later = s.scalars(select(User.username).where(User.locked_until >= instant)).all()
        assert sorted(later) == ["alice", "naive"]
        assert s.scalars(select(User.username).where(User.locked_until > instant)).all() == []


def test_csv_cells_neutralise_formulas_only_in_text() -> None:
    rows = [["=1+2", "+x", "-x", "@x", "\tx", "plain", -5, 2.5, True, None, {"b": 1, "a": "=x"},
             datetime(2026, 1, 2, 3, 4, tzinfo=UTC)]]
    data = csvsafe.to_csv([f"c{i}" for i in range(12)], rows)
    (row,) = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    assert row[:6] == ["'=1+2", "'+x", "'-x", "'@x", "'\tx", "plain"]
    assert row[6:] == ["-5", "2.5", "1", "", '{"a": "=x", "b": 1}', "2026-01-02T03:04:00+00:00"]
