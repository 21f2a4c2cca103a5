"""Store fixtures parameterised over SQLite and a real PostgreSQL server.

PostgreSQL comes from ``MEDGEN_TEST_POSTGRES_URL`` (``make test`` starts a throwaway cluster on
loopback through ``.ci/with_postgres.sh`` and sets it). Each test gets a fresh database. Without
the variable the PostgreSQL parameters are skipped, except under ``make test`` / CI
(``MEDGEN_REQUIRE_POSTGRES=1`` or ``CI=true``), where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from medgen.store import migrate
from medgen.store.db import get_engine
from medgen.store.db import session_factory as make_factory
from medgen.store.models import User
from medgen.types import Role, UserInfo

PG_ENV = "MEDGEN_TEST_POSTGRES_URL"


def postgres_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("MEDGEN_REQUIRE_POSTGRES") == "1"


def _fresh_postgres_db(base_url: str) -> Iterator[str]:
    name = f"medgen_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
        yield url
        get_engine(url).dispose()
        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        yield url
        get_engine(url).dispose()
        return
    base = os.environ.get(PG_ENV)
    if not base:
        msg = (
            f"{PG_ENV} is not set: no PostgreSQL server for this test "
            "(`make test` starts one; or run `.ci/with_postgres.sh .venv/bin/python -m pytest`)"
        )
        if postgres_required():
            pytest.fail(msg + " but MEDGEN_REQUIRE_POSTGRES=1 / CI=true require it")
        pytest.skip(msg)
    yield from _fresh_postgres_db(base)


@pytest.fixture
def db_url(empty_url: str) -> str:
    """A database of each backend migrated to the head revision."""
    migrate.upgrade(empty_url)
    return empty_url


@pytest.fixture
def factory(db_url: str) -> sessionmaker[Session]:
    return make_factory(db_url)


def make_user(
    factory: sessionmaker[Session], username: str, role: Role = Role.CLINICIAN
) -> UserInfo:
    with factory.begin() as s:
        row = User(username=username, display_name=username.title(), role=role.value)
        s.add(row)
        s.flush()
        return UserInfo(id=row.id, username=username, display_name=row.display_name, role=role)


@pytest.fixture
def alice(factory: sessionmaker[Session]) -> UserInfo:
    return make_user(factory, "alice")


@pytest.fixture
def bob(factory: sessionmaker[Session]) -> UserInfo:
    return make_user(factory, "bob", Role.REVIEWER)
