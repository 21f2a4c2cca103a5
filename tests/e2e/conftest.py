"""A real app server and a real Chromium (Debian's /usr/bin/chromium) for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Start ``streamlit run serve.py`` (app.py inside st.App, with the sign-in cookie endpoint) on a
    free loopback port with its own migrated database.

    Yields ``{"url": ..., "database_url": ..., "log": path}``.
    """
    with serve_app(tmp_path_factory.mktemp("e2e-data")) as server:
        yield server


@contextmanager
def serve_app(
    data_dir: Path, extra_env: dict[str, str] | None = None, db_url: str | None = None
) -> Iterator[dict[str, str]]:
    """Run ``streamlit run serve.py`` (environment plus ``extra_env``) with a migrated database in
    ``data_dir``; yields ``{"url": ..., "database_url": ..., "log": path}``, stops it after."""
    db_url = db_url or os.environ.get(
        "MEDGEN_E2E_DATABASE_URL", f"sqlite:///{data_dir / 'e2e.db'}"
    )
    # The server encrypts with the key this test process uses, so rows seeded here read there.
    from medgen.store import crypto

    key = crypto.encode_key(crypto.active_keyring().current)
    env = dict(
        os.environ, MEDGEN_DATA_DIR=str(data_dir), MEDGEN_DATABASE_URL=db_url, MEDGEN_ENCRYPTION_KEY=key
    )
    env.update(extra_env or {})
    env.setdefault("MEDGEN_LM", "smollm2-135m")
    subprocess.run(
        [sys.executable, "-m", "medgen.store.migrate", "upgrade"], env=env, cwd=ROOT, check=True
    )
    with streamlit_server("serve.py", ROOT, env, data_dir / "streamlit.log") as url:
        yield {"url": url, "database_url": db_url, "log": str(data_dir / "streamlit.log")}


@contextmanager
def streamlit_server(
    script: str, cwd: Path, env: dict[str, str] | None, log_path: Path
) -> Iterator[str]:
    """``streamlit run script`` (in ``cwd``) on a free loopback port, headless; yields its URL once
    ``/_stcore/health`` answers, stops it after. The server's output goes to ``log_path``."""
    port = _free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            proc.terminate()
            raise RuntimeError(f"streamlit did not start ({script}); log: {log_path.read_text()}")
        try:
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian chromium is not installed; `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()
