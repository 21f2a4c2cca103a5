"""The sign-in cookie endpoint: one-time codes, cookie attributes, cross-site refusal."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from typing import Any

import pytest
from starlette.requests import Request

from medgen.ui import session_cookie as sc


def _run(coro):  # type: ignore[no-untyped-def]
    """Run a coroutine on a fresh loop in a worker thread: the e2e tests (Playwright's sync API)
    can leave an event loop set on the main thread, where asyncio.run() refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()

def call(
    method: str, body: bytes = b"", headers: dict[str, str] | None = None, scheme: str = "http"
) -> Any:
    hdrs = {"host": "127.0.0.1:8501", "sec-fetch-site": "same-origin", **(headers or {})}
    scope = {
        "type": "http",
        "method": method,
        "scheme": scheme,
        "path": sc.ENDPOINT,
        "raw_path": sc.ENDPOINT.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in hdrs.items()],
        "server": ("127.0.0.1", 8501),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return _run(sc._endpoint(Request(scope, receive)))


def set_cookie_header(resp: Any) -> str:
    values = [v.decode() for k, v in resp.raw_headers if k == b"set-cookie"]
    assert len(values) == 1
    return values[0]


def test_code_sets_httponly_strict_cookie_once() -> None:
    code = sc.HANDOFFS.put("tok-abc", 900)
    resp = call("POST", code.encode())
    assert resp.status_code == 204
    cookie = set_cookie_header(resp)
    assert cookie.startswith(f"{sc.COOKIE_NAME}=tok-abc;")
    low = cookie.lower()
    assert "httponly" in low and "samesite=strict" in low and "path=/" in low
    assert "max-age=900" in low and "secure" not in low  # plain HTTP: no Secure
    assert resp.headers["cache-control"] == "no-store"
    again = call("POST", code.encode())  # single use
    assert again.status_code == 400 and not [k for k, _ in again.raw_headers if k == b"set-cookie"]


@pytest.mark.parametrize(
    "scheme,headers", [("https", {}), ("http", {"x-forwarded-proto": "https"})]
)
def test_secure_over_https(scheme: str, headers: dict[str, str]) -> None:
    code = sc.HANDOFFS.put("tok-s", 60)
    cookie = set_cookie_header(call("POST", code.encode(), headers=headers, scheme=scheme))
    assert "; secure" in cookie.lower()


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "", "origin": "http://evil.example"},
    ],
)
def test_cross_site_refused(headers: dict[str, str]) -> None:
    hdrs = dict(headers)
    if hdrs.get("sec-fetch-site") == "":
        del hdrs["sec-fetch-site"]
    code = sc.HANDOFFS.put("tok-x", 60)
    scope_headers = {"host": "127.0.0.1:8501", **hdrs}
    resp = _call_raw("POST", code.encode(), scope_headers)
    assert resp.status_code == 403
    assert sc.HANDOFFS.pending(code)  # a refused call does not burn the user's code


def _call_raw(method: str, body: bytes, headers: dict[str, str]) -> Any:
    scope = {
        "type": "http",
        "method": method,
        "scheme": "http",
        "path": sc.ENDPOINT,
        "raw_path": sc.ENDPOINT.encode(),
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "server": ("127.0.0.1", 8501),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return _run(sc._endpoint(Request(scope, receive)))


def test_same_origin_by_origin_header_without_fetch_metadata() -> None:
    code = sc.HANDOFFS.put("tok-o", 60)
    resp = _call_raw(
        "POST", code.encode(), {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"}
    )
    assert resp.status_code == 204


def test_unknown_and_expired_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert call("POST", b"made-up").status_code == 400
    assert call("POST", b"").status_code == 400
    store = sc.HandoffStore(ttl_s=0.05)
    monkeypatch.setattr(sc, "HANDOFFS", store)
    code = store.put("tok-late", 60)
    time.sleep(0.1)
    assert not store.pending(code)
    assert call("POST", code.encode()).status_code == 400


def test_delete_expires_cookie() -> None:
    resp = call("DELETE")
    cookie = set_cookie_header(resp).lower()
    assert cookie.startswith(f"{sc.COOKIE_NAME}=") and "max-age=0" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_codes_are_random_and_not_the_token() -> None:
    codes = {sc.HANDOFFS.put("same-token", 60) for _ in range(50)}
    assert len(codes) == 50 and "same-token" not in codes
    assert all(len(c) >= 43 for c in codes)


def test_routes_for_st_app() -> None:
    (route,) = sc.routes()
    assert route.path == sc.ENDPOINT and {"POST", "DELETE"} <= set(route.methods or ())
    assert not sc.ENDPOINT.startswith(("/_stcore/", "/media/", "/component/", "/static/"))
