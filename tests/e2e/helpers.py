"""Helpers for browser tests: put a user straight into the e2e database, and sign in through the UI.

Usage in any e2e test::

    from tests.e2e.helpers import login

    def test_something(page, app_server):
        login(page, app_server, role="clinician")   # now on the clinician's start page (Viewer)
        open_page(page, "Compare")                   # click the sidebar link, same session

After signing in, a page load (``page.goto``, ``page.reload``, a second tab of the same context)
starts a new Streamlit session that is signed in again from the HttpOnly session cookie
(``medgen_session``, set by serve.py's endpoint; :func:`login` waits for it). A new browser
context has no cookie and gets the sign-in form. Prefer ``open_page`` within one test anyway:
it keeps the page's state (uploaded scan, forms).
"""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import select

from medgen import auth
from medgen.store.db import session_factory
from medgen.store.models import User
from medgen.types import Role, UserInfo

#: Password of every account the helpers create (meets the password policy).
E2E_PASSWORD = "e2e test passphrase 42"
#: Name of the HttpOnly sign-in cookie (medgen.ui.session_cookie.COOKIE_NAME).
SESSION_COOKIE = "medgen_session"
_TIMEOUT_MS = 30_000


def username_for(role: Role | str) -> str:
    return f"e2e-{Role(role).value}"


def create_user(
    database_url: str, username: str, password: str | None, role: Role | str, display_name: str = ""
) -> UserInfo:
    """Write an account into ``database_url`` with medgen.auth (no UI); return it.

    If ``username`` already exists it is returned unchanged (so tests can share accounts).
    ``password=None`` makes a single-sign-on-only account.
    """
    factory = session_factory(database_url)
    name = auth.normalize_username(username)
    with factory.begin() as s:
        row = s.scalar(select(User).where(User.username == name))
        if row is not None:
            return UserInfo(row.id, row.username, row.display_name or row.username, Role(row.role))
        return auth.provision_user(s, name, display_name or f"E2E {Role(role).value}", role, password)


def login(page, app_server: dict[str, str], role: Role | str = "clinician") -> None:  # type: ignore[no-untyped-def]
    """Make sure a user of ``role`` exists, open the app, sign in, and wait until signed in."""
    username = username_for(role)
    create_user(app_server["database_url"], username, E2E_PASSWORD, role)
    page.goto(app_server["url"])
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(E2E_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    signed_in(page).wait_for(timeout=_TIMEOUT_MS)
    session_cookie(page.context)


def session_cookie(context, timeout_s: float = 30.0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The sign-in cookie of a browser context, once the page's hand-off request has set it."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
        if found:
            return dict(found[0])
        if time.monotonic() > deadline:
            raise AssertionError(f"no {SESSION_COOKIE} cookie after {timeout_s:.0f} s")
        time.sleep(0.1)


def signed_in(page):  # type: ignore[no-untyped-def]
    """Locator of the sidebar's sign-out button (visible only while signed in)."""
    return page.get_by_role("button", name=re.compile(r"Sign out$"))


def open_page(page, title: str) -> None:  # type: ignore[no-untyped-def]
    """Click the sidebar navigation link ``title`` (keeps the signed-in session)."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()


def wait_idle(page, timeout_ms: int = 60_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app has finished its current run (no running indicator, no stale elements).

    A user waits for the page to settle before the next click; so do the tests.
    """
    page.wait_for_timeout(300)  # let a just-triggered rerun start
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"],"
        " [data-testid=\"stStatusWidgetRunningManIcon\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=timeout_ms,
    )
