"""Real Chromium against serve.py: sign-in survives a reload and a second tab; sign-out, inactivity,
a role change and a copied token of an ended session get the sign-in form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from medgen import auth
from medgen.store import run
from medgen.store.db import session_factory
from medgen.store.models import AuditEvent, AuthSession, User
from medgen.types import Role
from tests.e2e.helpers import E2E_PASSWORD, create_user, open_page, session_cookie, signed_in

pytestmark = pytest.mark.e2e


def _sign_in(page, app_server, username: str, role: str = "clinician") -> dict:  # type: ignore[no-untyped-def]
    create_user(app_server["database_url"], username, E2E_PASSWORD, role)
    page.goto(app_server["url"])
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(E2E_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    signed_in(page).wait_for()
    return session_cookie(page.context)


def _state(page) -> str:  # type: ignore[no-untyped-def]
    """'signed-in' or 'sign-in form', once the app has settled after a load."""
    signed_in(page).or_(page.get_by_label("Username")).first.wait_for(timeout=60_000)
    return "signed-in" if signed_in(page).count() else "sign-in form"


def _user_id(app_server, username: str) -> int:  # type: ignore[no-untyped-def]
    with session_factory(app_server["database_url"]).begin() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return int(uid)


def _sidebar(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("[data-testid='stSidebar']").inner_text()


def test_reload_and_second_tab_keep_the_user_signed_in_on_the_same_page(page, app_server) -> None:  # type: ignore[no-untyped-def]
    cookie = _sign_in(page, app_server, "e2e-resume")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # http
    assert "medgen_session" not in page.evaluate("document.cookie")  # out of reach of page JS
    open_page(page, "Compare")
    page.wait_for_url(re.compile(r"/compare$"))
    page.get_by_role("heading", name="Compare").first.wait_for()

    page.reload()
    assert _state(page) == "signed-in"
    page.get_by_role("heading", name="Compare").first.wait_for()
    assert page.url.endswith("/compare")
    assert "(clinician)" in _sidebar(page)

    second = page.context.new_page()
    second.goto(app_server["url"])
    assert _state(second) == "signed-in"
    assert "(clinician)" in _sidebar(second)

    uid = _user_id(app_server, "e2e-resume")
    with session_factory(app_server["database_url"]).begin() as s:
        methods = [
            e.detail.get("method")
            for e in s.scalars(select(AuditEvent).where(AuditEvent.user_id == uid, AuditEvent.action == "login"))
        ]
    assert methods.count("password") == 1 and methods.count("session_resume") == 2  # reload + tab


def test_sign_out_then_reload_and_a_copied_token_get_the_sign_in_form(browser, page, app_server) -> None:  # type: ignore[no-untyped-def]
    cookie = _sign_in(page, app_server, "e2e-signout")
    other = browser.new_context()
    try:
        # Positive control: while the session lives, its token does sign in elsewhere ...
        other.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": app_server["url"]}])
        thief = other.new_page()
        thief.goto(app_server["url"])
        assert _state(thief) == "signed-in"

        signed_in(page).click()  # sign out
        page.get_by_label("Username").wait_for()
        page.reload()
        assert _state(page) == "sign-in form"

        # ... and after sign-out the same token (copied before) gets the sign-in form.
        thief.reload()
        assert _state(thief) == "sign-in form"
        fresh = other.new_page()
        other.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": app_server["url"]}])
        fresh.goto(app_server["url"])
        assert _state(fresh) == "sign-in form"
    finally:
        other.close()


def test_inactivity_past_the_limit_signs_out_on_reload(browser, app_server) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        _sign_in(page, app_server, "e2e-idle")
        page.close()  # the user walks away (no tab left running the idle watch)
        # 16 minutes without a request (limit: MEDGEN_SESSION_TIMEOUT_MIN, 15 by default): the
        # session's last activity is moved back rather than waiting a quarter of an hour.
        past = datetime.now(UTC) - timedelta(minutes=16)
        uid = _user_id(app_server, "e2e-idle")
        with session_factory(app_server["database_url"]).begin() as s:
            s.execute(update(AuthSession).where(AuthSession.user_id == uid).values(last_seen_at=past))
        page = ctx.new_page()
        page.goto(app_server["url"])
        assert _state(page) == "sign-in form"
        page.get_by_text("inactivity").first.wait_for()
    finally:
        ctx.close()


def test_role_change_ends_the_session_everywhere(page, app_server) -> None:  # type: ignore[no-untyped-def]
    admin = create_user(app_server["database_url"], "e2e-role-admin", E2E_PASSWORD, "admin")
    _sign_in(page, app_server, "e2e-role")
    second = page.context.new_page()
    second.goto(app_server["url"])
    assert _state(second) == "signed-in"

    uid = _user_id(app_server, "e2e-role")
    run(session_factory(app_server["database_url"]), auth.set_role, admin, uid, Role.REVIEWER)

    # The open tab: its next run finds the session ended and signs out (no silent role switch).
    open_page(page, "My account")
    page.get_by_label("Username").wait_for()
    page.get_by_text("signed out").first.wait_for()
    # The other tab, reloaded: the cookie's session is revoked.
    second.reload()
    assert _state(second) == "sign-in form"
