"""PACS fixtures: a real Orthanc (DICOMweb) started by ``.ci/with_orthanc.sh``.

The server comes from ``MEDGEN_TEST_DICOMWEB_URL`` / ``_USER`` / ``_PASSWORD``. Without them the
tests that need it are skipped, except under ``make test`` / CI (``MEDGEN_REQUIRE_ORTHANC=1`` or
``CI=true``), where a missing server is a failure. Run them locally with
``.ci/with_orthanc.sh .venv/bin/python -m pytest tests/pacs``.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from medgen.config import DicomwebSettings
from medgen.pacs import PacsClient


def orthanc_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("MEDGEN_REQUIRE_ORTHANC") == "1"


@pytest.fixture(scope="session")
def pacs_settings() -> DicomwebSettings:
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


class _TruncatingProxy(BaseHTTPRequestHandler):
    """Forwards GETs to the real Orthanc; drops the last instance of WADO-RS series answers
    (a PACS that loses an instance on the way: the QIDO count stays right)."""

    upstream = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        r = requests.get(self.upstream + self.path, headers=headers, timeout=60)
        body = r.content
        ctype = r.headers.get("Content-Type", "")
        if "multipart/related" in ctype and "boundary=" in ctype:
            boundary = ctype.split("boundary=", 1)[1].split(";")[0].strip('"').encode()
            delim = b"--" + boundary
            pieces = body.split(delim)  # ["", part1, part2, ..., "--\r\n"]
            if len(pieces) > 3:
                body = delim.join(pieces[:-2] + pieces[-1:])
        self.send_response(r.status_code)
        self.send_header("Content-Type", ctype or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def truncating_pacs(pacs_settings: DicomwebSettings) -> Iterator[DicomwebSettings]:
    """Settings pointing at a loopback proxy in front of the test Orthanc that drops one
    instance of every series retrieval."""
    root = pacs_settings.url.split("/dicom-web")[0]
    handler = type("Handler", (_TruncatingProxy,), {"upstream": root})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield DicomwebSettings(
            url=f"http://127.0.0.1:{port}/dicom-web",
            user=pacs_settings.user,
            password=pacs_settings.password,
            timeout_s=60.0,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
