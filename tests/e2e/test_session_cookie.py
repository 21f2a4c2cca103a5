"""Real Chromium: the sign-in cookie is set HttpOnly/SameSite=Strict and comes back on reload."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import streamlit_server

pytestmark = pytest.mark.e2e

APP = Path(__file__).resolve().parent / "cookie_app"


@pytest.fixture(scope="module")
def cookie_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("cookie-app") / "streamlit.log"
    with streamlit_server(str(APP / "serve.py"), APP, None, log_path) as url:
        yield url


def _shown(page, label: str) -> str:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        f"() => /{label}: [0-9a-f]{{16}}|{label}: none/.test(document.body.innerText)"
    )
    return re.search(rf"{label}: ([0-9a-f]{{16}}|none)", page.inner_text("body")).group(1)  # type: ignore[union-attr]


def _session_cookies(context) -> list[dict]:  # type: ignore[no-untyped-def]
    return [c for c in context.cookies() if c["name"] == "medgen_session"]


def _wait_cookies(context, present: bool) -> list[dict]:  # type: ignore[no-untyped-def]
    for _ in range(100):
        found = _session_cookies(context)
        if bool(found) == present:
            return found
        time.sleep(0.1)
    return _session_cookies(context)


def test_cookie_set_httponly_and_read_back_after_reload(browser, cookie_app: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(cookie_app)
        assert _shown(page, "cookie-hash") == "none"
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_function("() => /issued-hash: [0-9a-f]{16}/.test(document.body.innerText)")
        issued = _shown(page, "issued-hash")
        (cookie,) = _wait_cookies(context, present=True)
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert cookie["path"] == "/"
        assert cookie["secure"] is False  # plain http on loopback; Secure over HTTPS
        assert 3500 < cookie["expires"] - time.time() <= 3600
        assert "medgen_session" not in page.evaluate("document.cookie")  # not visible to scripts
        assert cookie["value"] not in page.content()  # the raw token is never in the page

        page.reload()
        assert _shown(page, "cookie-hash") == issued  # st.context.cookies after a reload
        second = context.new_page()
        second.goto(cookie_app)
        assert _shown(second, "cookie-hash") == issued  # and in a second tab

        page.get_by_role("button", name="Sign out").click()
        assert _wait_cookies(context, present=False) == []
        page.reload()
        assert _shown(page, "cookie-hash") == "none"
    finally:
        context.close()


def test_cross_site_post_is_refused(browser, cookie_app: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    try:
        resp = context.request.post(
            cookie_app + "/api/medgen/session",
            data="anything",
            headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert resp.status == 403
        assert _session_cookies(context) == []
    finally:
        context.close()
