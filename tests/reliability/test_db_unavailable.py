"""PostgreSQL stopped while the app runs: a clear message, input kept, recovery without restart.

The real PostgreSQL server of ``.ci/with_postgres.sh`` is stopped with ``pg_ctl stop -m fast``
while a Streamlit session (AppTest) has the rating panel open with a rating typed in, and started
again with the same options afterwards. The app's engine and session factory (cached by
``st.cache_resource``) are not touched: the same session retries and succeeds. A second restart
while the app is idle checks that stale pooled connections are replaced (``pool_pre_ping``)
rather than failing the next save.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from medgen.errors import DatabaseUnavailableError
from medgen.store import feedback, run
from medgen.store.crypto import Keyring
from medgen.store.db import session_factory
from medgen.store.models import AuditEvent, Rating
from medgen.types import Role
from tests.store.conftest import PG_ENV, postgres_required
from tests.store.seed import point_app_at, reset_app_database, user

from .conftest import PgServer, key_env, open_rating_panel, pg_server, seed_output


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the test server (admin connections are not pooled: they would not
    survive the server's restart)."""
    base = os.environ.get(PG_ENV)
    if not base:
        msg = f"{PG_ENV} is not set: run under `.ci/with_postgres.sh`"
        if postgres_required():
            pytest.fail(msg + " (MEDGEN_REQUIRE_POSTGRES=1 / CI=true require it)")
        pytest.skip(msg)
    name = f"medgen_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def server(pg_url: str) -> Iterator[PgServer]:
    """The cluster's controls; whatever happens in the test, it is running again afterwards."""
    srv = pg_server(pg_url)
    yield srv
    if not srv.running():
        srv.start()


def test_rating_panel_survives_a_postgres_outage(
    pg_url: str, server: PgServer, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medgen.store import migrate

    migrate.upgrade(pg_url)
    factory: sessionmaker[Session] = session_factory(pg_url)
    clin, out = seed_output(factory, "dr_outage")
    monkeypatch.setenv("MEDGEN_ENCRYPTION_KEY", key_env(keyring))
    point_app_at(monkeypatch, pg_url)
    try:
        at = open_rating_panel(out, clin)
        at.feedback[0].set_value(3)  # 4 stars
        at.segmented_control[0].set_value(5)
        at.text_input[0].input("streaks near the spine")

        server.stop()
        at.form_submit_button[0].click().run()
        assert not at.exception  # no traceback on screen
        message = at.error[0].value
        assert "could not be saved" in message and "database is unavailable" in message, message
        assert "Traceback" not in message and "psycopg" not in message
        # what the clinician typed is still there
        assert at.feedback[0].value == 3 and at.segmented_control[0].value == 5
        assert at.text_input[0].value == "streaks near the spine"
        with pytest.raises(DatabaseUnavailableError, match="database is unavailable"):
            run(factory, feedback.get_latest_rating, clin.id, out)  # the typed error, store level

        server.start()
        at.form_submit_button[0].click().run()  # the same app session, no restart
        assert not at.exception and not at.error
        assert "saved" in at.success[0].value
        with factory() as s:  # stored once, with its audit event; nothing from the failed try
            assert s.scalar(select(func.count(Rating.id))) == 1
            assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "rate")) == 1
            fb = feedback.get_latest_rating(s, clin.id, out)
            assert fb is not None and fb.overall == 4 and fb.comment == "streaks near the spine"

        # A restart while the app is idle (no request saw the outage): the pooled connections
        # died with the old server; pool_pre_ping replaces them, the next save just works.
        server.stop()
        server.start()
        at.feedback[0].set_value(1)
        at.form_submit_button[0].click().run()
        assert not at.exception and not at.error, at.error[0].value if at.error else ""
        assert "revision 2" in at.success[0].value
    finally:
        factory.kw["bind"].dispose()
        monkeypatch.undo()
        reset_app_database()


def test_report_signing_survives_a_postgres_outage(
    pg_url: str, server: PgServer, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole app (app.py: sign-in gate, router, report page) on PostgreSQL: a clinician edits
    a drafted report; PostgreSQL stops; Sign -> the cause on screen, the edit kept; PostgreSQL
    starts again; Sign -> signed, in the same session."""
    from streamlit.runtime.scriptrunner import script_runner

    from medgen.store import migrate
    from medgen.store.models import GeneratedOutput
    from tests.ui.conftest import _run_main_script
    from tests.ui.test_report_page import fill_form
    from tests.ui.text_helpers import ROOT, app, make_env

    migrate.upgrade(pg_url)
    factory: sessionmaker[Session] = session_factory(pg_url)
    with factory.begin() as s:
        clin = user(s, "dr_sign", Role.CLINICIAN)
    monkeypatch.setenv("MEDGEN_ENCRYPTION_KEY", key_env(keyring))
    make_env(monkeypatch, pg_url)
    monkeypatch.setattr(script_runner, "_mpa_v1", _run_main_script)  # app.py on every run
    try:
        at = app("app.py")
        at.session_state["auth.user"] = clin
        at.run()
        at.switch_page(str(ROOT / "pages" / "report.py")).run()
        assert not at.exception, at.exception
        fill_form(at)
        at.toggle(key="report.use_model").set_value(False)  # the template draft: no model needed
        at.button(key="report.go").click().run()
        assert not at.exception, at.exception
        out_id = at.session_state["report.output_id"]
        edited = at.session_state["report.draft"].template_text + "\nDiscussed with the team."
        at.text_area(key="report.edit").input(edited)

        server.stop()
        at.button(key="report.sign").click().run()
        assert not at.exception, [e.value for e in at.exception]  # no traceback on screen
        errors = [e.value for e in at.error]
        assert any("database is unavailable" in e for e in errors), errors
        assert at.text_area(key="report.edit").value == edited  # the edit is kept
        assert at.session_state["report.signed"] is None

        server.start()
        at.button(key="report.sign").click().run()  # same session, no restart
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any("Signed by" in m.value for m in at.success)
        with factory() as s:
            row = s.get(GeneratedOutput, out_id)
            assert row is not None and row.status == "final" and row.final_text == edited.strip()
            n_sign = s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "sign"))
            assert n_sign == 1
    finally:
        factory.kw["bind"].dispose()
        monkeypatch.undo()
        reset_app_database()
