"""Fixtures of the fault-injection tests: both database backends, a fixed encryption key.

The backend fixtures are those of the store tests (SQLite, and a real PostgreSQL from
``MEDGEN_TEST_POSTGRES_URL``: run under ``.ci/with_postgres.sh``).
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from medgen.store.crypto import Keyring, encode_key, generate_key, use_keyring
from medgen.types import OutputKind, Role, UserInfo
from tests.store.conftest import db_url, empty_url, factory  # noqa: F401 - fixtures


@pytest.fixture
def keyring() -> Iterator[Keyring]:
    """A fresh key installed for this process (and handed to child processes as base64)."""
    ring = Keyring(current=generate_key())
    with use_keyring(ring):
        yield ring


def key_env(ring: Keyring) -> str:
    return encode_key(ring.current)


# --- the PostgreSQL server of .ci/with_postgres.sh, stopped and started again by the tests ---


@dataclass(frozen=True)
class PgServer:
    """Control of the local PostgreSQL cluster behind ``MEDGEN_TEST_POSTGRES_URL``.

    Found from the server itself (``data_directory``) and its ``postmaster.opts`` (the options it
    was started with: same port, socket directory, settings after a restart). ``pg_ctl`` runs as
    the cluster's owner (``runuser`` when we are root, as in CI).
    """

    pg_ctl: Path
    data_dir: Path
    options: str
    owner: str

    def _ctl(self, *args: str) -> None:
        cmd = [str(self.pg_ctl), "-D", str(self.data_dir), *args]
        if os.geteuid() == 0 and self.owner != "root":
            cmd = ["runuser", "-u", self.owner, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        self._ctl("-w", "-l", str(self.data_dir.parent / "server.log"), "-o", self.options, "start")

    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()


def pg_server(url: str) -> PgServer:
    """The controllable local server of ``url``, or ``pytest.skip`` saying why there is none."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            data_dir = Path(conn.execute(text("SHOW data_directory")).scalar_one())
            major = conn.execute(text("SHOW server_version_num")).scalar_one()[:-4]
    finally:
        engine.dispose()
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/pg_ctl")]
    if which := shutil.which("pg_ctl"):
        candidates.append(Path(which))
    pg_ctl = next((p for p in candidates if p.exists()), None)
    opts_file = data_dir / "postmaster.opts"
    if pg_ctl is None or not os.access(opts_file, os.R_OK):
        pytest.skip(f"the PostgreSQL server of the test URL cannot be stopped from here (pg_ctl "
                    f"{'found' if pg_ctl else 'missing'}, {opts_file} not readable)")
    owner = pwd.getpwuid(data_dir.stat().st_uid).pw_name
    if os.geteuid() not in (0, data_dir.stat().st_uid):
        pytest.skip(f"stopping PostgreSQL needs root or the cluster owner ({owner})")
    argv = shlex.split(opts_file.read_text())[1:]  # drop the postgres binary
    keep: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg == "-D":
            next(it, None)
        else:
            keep.append(arg)
    return PgServer(pg_ctl, data_dir, shlex.join(keep), owner)


RATING_SCRIPT = str(Path(__file__).parents[1] / "ui" / "rating_panel_script.py")


def seed_output(sessions: sessionmaker[Session], username: str) -> tuple[UserInfo, int]:
    """A clinician and one enhancement output of theirs, to be rated."""
    from medgen.store import repo
    from tests.store.seed import user

    with sessions.begin() as s:
        clin = user(s, username, Role.CLINICIAN)
        out = repo.record_output(s, OutputKind.ENHANCEMENT, model_id="ct-denoise", user=clin)
    return clin, out


def open_rating_panel(output_id: int, clin: UserInfo) -> AppTest:
    """The rating panel of ``output_id`` (AppTest), drawn for ``clin`` without an error."""
    at = AppTest.from_file(RATING_SCRIPT, default_timeout=60)
    at.session_state["test.output_id"] = output_id
    at.session_state["test.kind"] = OutputKind.ENHANCEMENT
    at.session_state["auth.user"] = clin
    at.run()
    assert not at.exception
    return at
