"""Real Chromium against a running app: the admin pages are refused to a clinician, also by URL."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import E2E_PASSWORD, create_user, login, open_page, signed_in, username_for

pytestmark = pytest.mark.e2e


def _main_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in page.locator("[data-testid='stMain'] h1").all_inner_texts()]


def test_signed_out_visitor_opening_admin_url_gets_the_sign_in_form(page, app_server) -> None:  # type: ignore[no-untyped-def]
    create_user(app_server["database_url"], username_for("admin"), E2E_PASSWORD, "admin")
    page.goto(app_server["url"] + "/admin_users")
    # Either app.py's gate shows the sign-in form, or (first request after a server start, when
    # Streamlit runs the page file directly) the page's own require_user() refuses.
    page.get_by_text(re.compile(r"^(Sign in|Please sign in to use this page\.)$")).first.wait_for()
    assert "Users" not in _main_titles(page)
    assert page.get_by_text("Create an account").count() == 0
    assert page.get_by_role("button", name="Sign out").count() == 0
    if page.get_by_text("Please sign in to use this page.").count():
        assert page.get_by_role("link", name="Go to the sign-in page").get_attribute("href") == "./"
        page.goto(app_server["url"])  # where that link leads (it opens a new tab)
    page.get_by_label("Username").wait_for()


def test_admin_sees_the_admin_pages(page, app_server) -> None:  # type: ignore[no-untyped-def]
    """Positive control: the same checks do see admin content when the role allows it."""
    login(page, app_server, role="admin")
    page.get_by_role("heading", name="Users").wait_for()
    assert page.get_by_role("link", name="Audit trail").count() == 1
    open_page(page, "Audit trail")
    page.get_by_role("heading", name="Audit trail").wait_for()


def test_clinician_is_refused_the_admin_page(page, app_server) -> None:  # type: ignore[no-untyped-def]
    login(page, app_server, role="clinician")
    page.get_by_role("heading", name="Viewer").wait_for()
    nav = page.locator("[data-testid='stSidebarNav']")
    assert nav.get_by_role("link", name="Viewer").count() == 1
    assert nav.get_by_role("link", name="Users").count() == 0
    assert nav.get_by_role("link", name="Audit trail").count() == 0

    # Inside the signed-in session (no reload): open "My account", then ask the app for the admin
    # page's URL path, as the browser's back/forward navigation does. The app re-routes to the
    # clinician's start page instead (had nothing happened, "My account" would still show).
    nav.get_by_role("link", name="My account").click()
    page.get_by_role("heading", name="My account").wait_for()
    page.evaluate(
        "path => { history.pushState({}, '', path); window.dispatchEvent(new PopStateEvent('popstate')); }",
        "/admin_users",
    )
    page.get_by_role("heading", name="Viewer").wait_for()
    assert "Users" not in _main_titles(page) and not page.url.endswith("/admin_users")
    assert page.get_by_text("Create an account").count() == 0
    assert signed_in(page).count() == 1  # still the same signed-in session

    # Typing the URL: a page load starts a new Streamlit session, signed in again from the
    # session cookie as the same clinician; the admin page does not exist for this role.
    page.goto(app_server["url"] + "/admin_users")
    page.get_by_text("Page not found").wait_for()
    page.keyboard.press("Escape")
    signed_in(page).wait_for()
    page.get_by_role("heading", name="Viewer").wait_for()
    assert "clinician" in page.locator("[data-testid='stSidebar']").inner_text()
    assert "Users" not in _main_titles(page)
    assert page.get_by_text("Create an account").count() == 0
    assert page.get_by_label("Initial password").count() == 0
    assert page.get_by_label("Username").count() == 0  # no second sign-in was needed
