"""Encryption at rest through the real report flow (AppTest, smollm2-135m), on SQLite and PostgreSQL.

A clinician drafts a report whose indication and signed text carry known sentences. Then:

* the raw SQLite file bytes (main file + WAL) / the raw PostgreSQL row values hold no 8-character
  piece of either sentence (positive control: plain columns such as the model id are found);
* a copy of the database opened without the key, or with another key, shows a clear error and
  no record (and creates no new key);
* ``python -m medgen.store.keys rotate`` re-encrypts everything under a new key, every record
  reads back the same, and the old key alone no longer reads the database.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from medgen.config import get_settings
from medgen.errors import EncryptionKeyError
from medgen.store import crypto, keys, migrate, reports, run
from medgen.store.db import get_engine, session_factory
from medgen.types import Role
from tests.store.conftest import PG_ENV, _fresh_postgres_db, postgres_required
from tests.ui.test_report_page import exam_fields
from tests.ui.text_helpers import app, make_env, make_user

pytestmark = pytest.mark.slow

INDICATION = "Quokka bite while snorkelling off Zanzibar"
SENTENCE = "Marmalade sentinel phrase verifies ciphertext storage"


def pieces(*texts: str, n: int = 8) -> set[bytes]:
    return {t[i : i + n].encode() for t in texts for i in range(len(t) - n + 1)}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        u = f"sqlite:///{tmp_path / 'enc.db'}"
        migrate.upgrade(u)
        yield u
        get_engine(u).dispose()
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if postgres_required():
            pytest.fail(f"{PG_ENV} is not set but MEDGEN_REQUIRE_POSTGRES=1 / CI=true require it")
        pytest.skip(f"{PG_ENV} is not set (run under .ci/with_postgres.sh)")
    for u in _fresh_postgres_db(base):
        migrate.upgrade(u)
        yield u


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data directory of this test's own (its key file), and a clean process keyring after."""
    d = tmp_path / "data"
    monkeypatch.setenv("MEDGEN_DATA_DIR", str(d))
    monkeypatch.delenv("MEDGEN_ENCRYPTION_KEY", raising=False)
    get_settings.cache_clear()
    crypto.set_active_keyring(None)
    yield d
    monkeypatch.undo()
    get_settings.cache_clear()
    crypto.set_active_keyring(None)
    from medgen.ui.resources import db

    db.clear()


def _reset(monkeypatch: pytest.MonkeyPatch, **env: str | None) -> None:
    for k, v in env.items():
        if v is None:
            monkeypatch.delenv(k, raising=False)
        else:
            monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    crypto.set_active_keyring(None)
    from medgen.ui.resources import db

    db.clear()


def draft_and_sign(url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    make_env(monkeypatch, url)
    at = app("pages/report.py")
    at.session_state["auth.user"] = make_user(url, Role.CLINICIAN, "dr.crypt")
    at.run()
    exam_fields(at)
    at.selectbox(key="report.f0.kind").select("nodule").run()
    at.selectbox(key="report.f0.desc").select("solid")
    at.text_input(key="report.f0.loc").input("upper lobe").run()
    at.selectbox(key="report.f0.lat").select("right")
    at.number_input(key="report.f0.size").set_value(7.0)
    at.text_input(key="report.indication").input(INDICATION)
    at.number_input(key="report.max_tokens").set_value(32)
    at.button(key="report.go").click().run()
    assert not at.exception, at.exception
    draft = at.session_state["report.draft"]
    assert INDICATION in draft.template_text
    at.text_area(key="report.edit").input(f"{draft.template_text}\n{SENTENCE}.")
    at.button(key="report.sign").click().run()
    assert not at.exception and not at.error, (at.exception, at.error)
    out_id = int(at.session_state["report.output_id"])
    stored = run(session_factory(url), reports.get_report, out_id)
    assert SENTENCE in (stored.final_text or "") and INDICATION in stored.draft_text
    return out_id


def raw_bytes(url: str) -> bytes:
    """Everything the database holds, as stored: file + WAL for SQLite, every row value for PG."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        files = [p for p in (path, Path(f"{path}-wal")) if p.exists()]
        assert path in files
        return b"".join(p.read_bytes() for p in files)
    engine = create_engine(url)
    chunks: list[bytes] = []
    try:
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                for row in conn.exec_driver_sql(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the catalog
                    for v in row:
                        if isinstance(v, bytes | memoryview):
                            chunks.append(bytes(v))
                        elif v is not None:
                            chunks.append(str(v).encode())
    finally:
        engine.dispose()
    return b"\x00".join(chunks)


def app_error(monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    """What app.py shows (sign-in gate first) for the database at ``url``."""
    monkeypatch.setenv("MEDGEN_DATABASE_URL", url)
    _reset(monkeypatch)
    at = app("app.py").run()
    assert not at.exception, at.exception
    assert at.error, "expected an error message"
    assert not at.text_input  # no sign-in form, nothing of the database shown
    return at.error[0].value


def test_report_text_is_encrypted_at_rest_and_needs_the_key(url, data_dir, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out_id = draft_and_sign(url, monkeypatch)
    assert (data_dir / "encryption.key").exists()  # created on first start, mode 0600
    assert (data_dir / "encryption.key").stat().st_mode & 0o777 == 0o600

    raw = raw_bytes(url)
    assert b"smollm2-135m" in raw  # positive control: plain columns are right there
    leaked = sorted(p.decode() for p in pieces(INDICATION, SENTENCE) if p in raw)
    assert leaked == [], f"plaintext pieces found in the raw database: {leaked}"

    # A copy of the database without the key (another data directory), or with another key.
    if make_url(url).get_backend_name() == "sqlite":
        with get_engine(url).connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = tmp_path / "copy" / "medgen.db"
        copy.parent.mkdir()
        shutil.copy(make_url(url).database, copy)  # type: ignore[arg-type]
        copy_url = f"sqlite:///{copy}"
    else:
        copy_url = url
    elsewhere = tmp_path / "other-server"
    _reset(monkeypatch, MEDGEN_DATA_DIR=str(elsewhere))
    msg = app_error(monkeypatch, copy_url)
    assert "holds encrypted records but no encryption key was found" in msg, msg
    assert not (elsewhere / "encryption.key").exists()  # no new key that could not read the data
    _reset(monkeypatch, MEDGEN_ENCRYPTION_KEY=crypto.encode_key(crypto.generate_key()))
    msg = app_error(monkeypatch, copy_url)
    assert "does not match this database" in msg, msg

    # Back on the server with its key file: rotate, and every record still reads the same.
    _reset(monkeypatch, MEDGEN_DATA_DIR=str(data_dir), MEDGEN_ENCRYPTION_KEY=None)
    old = crypto.read_key_file(data_dir / "encryption.key")
    before = run(session_factory(url), reports.get_report, out_id)
    assert keys.main(["--url", url, "rotate"]) == 0
    new = crypto.read_key_file(data_dir / "encryption.key")
    assert new.current_id != old.current_id and new.old == ()  # old key retired
    engine = create_engine(url)
    try:
        assert crypto.key_ids_in_use(engine, keys.default_metadata()).keys() == {new.current_id.hex()}
    finally:
        engine.dispose()
    _reset(monkeypatch)
    after = run(session_factory(url), reports.get_report, out_id)
    assert after == before
    leaked = sorted(p.decode() for p in pieces(INDICATION, SENTENCE) if p in raw_bytes(url))
    assert leaked == []
    _reset(monkeypatch, MEDGEN_ENCRYPTION_KEY=crypto.encode_key(old.current))
    with pytest.raises(EncryptionKeyError):
        keys.check_key(url)  # the old key alone no longer reads anything
    _reset(monkeypatch, MEDGEN_ENCRYPTION_KEY=None)
    keys.check_key(url)  # the rotated key file reads it
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM generated_outputs")).scalar_one() == 1
