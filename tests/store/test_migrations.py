from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from medgen.store import migrate
from medgen.store.db import make_engine
from medgen.store.models import Base


def test_upgrade_matches_orm_and_downgrade_empties(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"migrations and ORM models disagree: {diff}"
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    migrate.downgrade(sqlite_url, "base")
    tables = set(inspect(make_engine(sqlite_url)).get_table_names())
    assert tables <= {"alembic_version"}
