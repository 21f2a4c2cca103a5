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


def test_up_down_on_sqlite_and_postgresql(empty_url: str) -> None:
    """Upgrade head == ORM, one step down removes only the feedback tables, base empties all."""
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == [], (
                f"migrations and ORM models disagree on {engine.dialect.name}: {diff}"
            )
        tables = set(inspect(engine).get_table_names())
        assert {"ratings", "rating_scores", "text_edit_stats", "generated_outputs"} <= tables
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("generated_outputs")}
        assert "ix_generated_outputs_model_version" in indexes
        migrate.downgrade(empty_url, "0001")
        engine.dispose()
        tables = set(inspect(engine).get_table_names())
        assert "generated_outputs" in tables and not tables & {
            "ratings",
            "rating_scores",
            "text_edit_stats",
        }
        migrate.upgrade(empty_url)  # and back up again
        migrate.downgrade(empty_url, "base")
        engine.dispose()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
