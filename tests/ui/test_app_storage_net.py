"""app.py's safety net: a page's database failure that the page does not catch shows its cause."""

from __future__ import annotations

import pytest

from medgen.errors import DatabaseUnavailableError, DiskFullError, StorageError
from medgen.store import jobs as store
from medgen.types import Role, UserInfo
from tests.store.seed import user
from tests.ui.text_helpers import ROOT, app, make_env


def _clinician(url: str) -> UserInfo:
    from medgen.store import migrate
    from medgen.store.db import session_factory

    migrate.upgrade(url)
    with session_factory(url).begin() as s:
        return user(s, "dr_net", Role.CLINICIAN)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (DatabaseUnavailableError, "database is unavailable"),
        (DiskFullError, "disk is full"),
    ],
)
def test_uncaught_storage_error_on_a_page_shows_the_cause(
    monkeypatch: pytest.MonkeyPatch, tmp_path, error: type[StorageError], words: str  # type: ignore[no-untyped-def]
) -> None:
    from streamlit.runtime.scriptrunner import script_runner

    from tests.ui.conftest import _run_main_script

    url = f"sqlite:///{tmp_path / 'net.db'}"
    make_env(monkeypatch, url)
    clin = _clinician(url)
    monkeypatch.setattr(script_runner, "_mpa_v1", _run_main_script)  # app.py on every run
    at = app("app.py")
    at.session_state["auth.user"] = clin
    at.run()
    assert not at.exception, at.exception

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise error()

    monkeypatch.setattr(store, "list_jobs", down)  # the Jobs page does not catch it itself
    at.switch_page(str(ROOT / "pages" / "jobs.py")).run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error)
    assert words in shown and "nothing on this page was saved" in shown
    monkeypatch.undo()
