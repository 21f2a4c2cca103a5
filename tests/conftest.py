"""Shared fixtures. Tests never touch data/medgen.db: each gets its own migrated database."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before medgen.config is imported anywhere: keep test state out of the repo's data/.
_TEST_DATA = Path(tempfile.mkdtemp(prefix="medgen-test-"))
os.environ.setdefault("MEDGEN_DATA_DIR", str(_TEST_DATA))
os.environ.setdefault("MEDGEN_CACHE_DIR", str(Path.cwd() / "data" / "cache"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def migrated_url(sqlite_url: str) -> Iterator[str]:
    """A fresh SQLite database at the head migration."""
    from medgen.store import migrate
    from medgen.store.db import get_engine

    migrate.upgrade(sqlite_url)
    yield sqlite_url
    get_engine(sqlite_url).dispose()


@pytest.fixture
def session_factory(migrated_url: str):  # type: ignore[no-untyped-def]
    from medgen.store.db import session_factory as factory

    return factory(migrated_url)
