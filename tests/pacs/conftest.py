"""PACS fixtures: a real Orthanc (DICOMweb) started by ``.ci/with_orthanc.sh``.

The server comes from ``MEDGEN_TEST_DICOMWEB_URL`` / ``_USER`` / ``_PASSWORD``. Without them the
tests that need it are skipped, except under ``make test`` / CI (``MEDGEN_REQUIRE_ORTHANC=1`` or
``CI=true``), where a missing server is a failure. Run them locally with
``.ci/with_orthanc.sh .venv/bin/python -m pytest tests/pacs``.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from medgen.config import DicomwebSettings
from medgen.pacs import PacsClient


def orthanc_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("MEDGEN_REQUIRE_ORTHANC") == "1"


def orthanc_settings() -> DicomwebSettings:
    """The test Orthanc that ``.ci/with_orthanc.sh`` started (``make test`` does); skips the test
    when there is none, fails it where Orthanc is required (CI)."""
    url = os.environ.get("MEDGEN_TEST_DICOMWEB_URL")
    if not url:
        msg = (
            "no test Orthanc: run under .ci/with_orthanc.sh (sets MEDGEN_TEST_DICOMWEB_URL); "
            "make test does"
        )
        if orthanc_required():
            pytest.fail(msg)
        pytest.skip(msg)
    return DicomwebSettings(
        url=url,
        user=os.environ.get("MEDGEN_TEST_DICOMWEB_USER", ""),
        password=os.environ.get("MEDGEN_TEST_DICOMWEB_PASSWORD", ""),
        timeout_s=60.0,
    )


@pytest.fixture(scope="session")
def pacs_settings() -> DicomwebSettings:
    return orthanc_settings()


@pytest.fixture
def pacs(pacs_settings: DicomwebSettings) -> PacsClient:
    return PacsClient(pacs_settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    return free_port()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts TCP connections (kernel backlog) but never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


class _Proxy(BaseHTTPRequestHandler):
    """A loopback HTTP front of the real Orthanc, standing in for the gateways and faults of a
    hospital network. ``token``: clients must send ``Authorization: Bearer <token>`` (an auth
    gateway; upstream it uses Orthanc's basic credentials). ``truncate``: drop the last instance
    of multipart (WADO-RS) answers (a PACS that loses an instance on the way; the QIDO count
    stays right). ``busy``: answer every request with 503 (an overloaded PACS). ``misdirect``:
    send STOW-RS requests (POST) to another study, so that Orthanc itself refuses the instances
    as not belonging to it (a store that fails on the PACS side)."""

    upstream = ""
    upstream_auth: tuple[str, str] = ("", "")
    token = ""
    truncate = False
    busy = False
    misdirect = False

    def _forward(self, method: str) -> None:
        if self.busy:
            self._reply(503, "text/plain", b"busy")
            return
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization")
        }
        auth = self.headers.get("Authorization", "")
        if self.token:
            if auth != f"Bearer {self.token}":
                self._reply(401, "text/plain", b"bad token")
                return
            upstream_auth: tuple[str, str] | None = self.upstream_auth
        else:
            headers["Authorization"] = auth
            upstream_auth = None
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path
        if self.misdirect and method == "POST":
            path = re.sub(r"/studies/[0-9.]+", "/studies/1.2.3.999", path)
        r = requests.request(
            method,
            self.upstream + path,
            headers=headers,
            data=body or None,
            auth=upstream_auth,
            timeout=60,
        )
        content = r.content
        ctype = r.headers.get("Content-Type", "application/octet-stream")
        if self.truncate and "multipart/related" in ctype and "boundary=" in ctype:
            boundary = ctype.split("boundary=", 1)[1].split(";")[0].strip('"').encode()
            delim = b"--" + boundary
            pieces = content.split(delim)  # ["", part1, part2, ..., "--\r\n"]
            if len(pieces) > 3:
                content = delim.join(pieces[:-2] + pieces[-1:])
        self._reply(r.status_code, ctype, content)

    def _reply(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        self._forward("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._forward("POST")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def proxy(
    settings: DicomwebSettings,
    *,
    token: str = "",
    truncate: bool = False,
    busy: bool = False,
    misdirect: bool = False,
) -> Iterator[str]:
    """Run a :class:`_Proxy` in front of the test Orthanc; yields its DICOMweb URL."""
    root = settings.url.split("/dicom-web")[0]
    attrs = {
        "upstream": root,
        "upstream_auth": (settings.user, settings.password),
        "token": token,
        "truncate": truncate,
        "busy": busy,
        "misdirect": misdirect,
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Proxy,), attrs))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dicom-web"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def truncating_pacs(pacs_settings: DicomwebSettings) -> Iterator[DicomwebSettings]:
    """Settings pointing at a proxy in front of the test Orthanc that drops one instance of
    every series retrieval."""
    with proxy(pacs_settings, truncate=True) as url:
        yield DicomwebSettings(url=url, user=pacs_settings.user, password=pacs_settings.password)


@pytest.fixture
def bearer_gateway(pacs_settings: DicomwebSettings) -> Iterator[tuple[str, str]]:
    """(DICOMweb URL, token) of a bearer-token gateway in front of the test Orthanc."""
    token = secrets.token_hex(16)
    with proxy(pacs_settings, token=token) as url:
        yield url, token


@pytest.fixture
def misdirecting_pacs(pacs_settings: DicomwebSettings) -> Iterator[DicomwebSettings]:
    """Settings pointing at a proxy in front of the test Orthanc whose stores go to another
    study (Orthanc refuses every instance)."""
    with proxy(pacs_settings, misdirect=True) as url:
        yield DicomwebSettings(url=url, user=pacs_settings.user, password=pacs_settings.password)
