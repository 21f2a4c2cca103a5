"""Fixtures for AppTest page tests (shared: use ``app_db`` in any test that runs app.py or a page)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from streamlit.runtime.scriptrunner import script_runner

from medgen.config import get_settings


def _run_main_script(main_script_path: str) -> None:
    path = Path(main_script_path)
    exec(compile(path.read_text(), str(path), "exec"), {"__name__": "__main__", "__file__": str(path)})  # noqa: S102


@pytest.fixture
def app_db(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """A fresh migrated database that the app under AppTest uses; yields its session factory.

    Sets MEDGEN_DATABASE_URL and clears the cached settings and the st.cache_resource session
    factory (before and after), so no test sees another test's rows.

    It also makes AppTest run app.py on every run, as a real server does: AppTest resets
    Streamlit's legacy "pages/ folder" flag before each run, so from the second run on it would
    execute pages/*.py directly and skip app.py's sign-in gate and navigation. (A real server
    clears that flag for good when app.py first calls st.navigation.)
    """
    from medgen.store.db import session_factory
    from medgen.ui import resources

    monkeypatch.setenv("MEDGEN_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    resources.db.clear()
    monkeypatch.setattr(script_runner, "_mpa_v1", _run_main_script)
    yield session_factory(migrated_url)
    get_settings.cache_clear()
    resources.db.clear()
