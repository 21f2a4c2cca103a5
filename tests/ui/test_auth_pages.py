"""AppTest: first-admin flow, sign-in, lock-out, time-out, SSO mapping and role enforcement per page.

Each test gets its own migrated SQLite database (MEDGEN_DATABASE_URL) and clears the cached
settings and the st.cache_resource session factory, so no test sees another's users.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from medgen import auth
from medgen.config import get_settings
from medgen.store.models import AuditEvent, User
from medgen.types import AuditAction, Role, UserInfo

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PW = {Role.CLINICIAN: "clinic pass phrase 1", Role.REVIEWER: "review pass phrase 2",
      Role.ADMIN: "admin pass phrase 3", Role.RESEARCHER: "research pass phrase 4"}


@pytest.fixture
def factory(app_db: sessionmaker[Session]) -> sessionmaker[Session]:
    return app_db


def make_user(factory: sessionmaker[Session], role: Role, name: str | None = None) -> UserInfo:
    with factory.begin() as s:
        return auth.provision_user(s, name or f"{role.value}1", f"Dr {role.value}", role, PW[role])


def events(factory: sessionmaker[Session], action: AuditAction) -> list[AuditEvent]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action.value).order_by(AuditEvent.id)))


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def text_input(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(t for t in at.text_input if t.label == label)


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    text_input(at, "Username").input(username)
    text_input(at, "Password").input(password)
    return click(at, "Sign in")


def texts(elements) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(str(e.value) for e in elements)


def signed_in_app(user: UserInfo) -> AppTest:
    at = app()
    at.session_state["auth.user"] = user
    return at.run()


# ---------------------------------------------------------------------------- first start


def test_first_start_shows_only_the_first_admin_form(factory) -> None:  # type: ignore[no-untyped-def]
    at = app().run()
    assert not at.exception
    assert "Create the first administrator" in texts(at.subheader)
    assert [b.label for b in at.button] == ["Create administrator"]  # no sign-in form, no pages
    text_input(at, "Administrator username").input("chief")
    text_input(at, "Password").input("a long enough secret 1")
    text_input(at, "Repeat the password").input("a long enough secret 2")
    at = click(at, "Create administrator")
    assert "passwords differ" in texts(at.error)
    text_input(at, "Repeat the password").input("a long enough secret 1")
    at = click(at, "Create administrator")
    assert not at.exception and not at.error
    assert at.session_state["auth.user"].role is Role.ADMIN
    assert "Users" in texts(at.title)  # the admin's start page
    with factory() as s:
        (row,) = s.scalars(select(User)).all()
    assert row.username == "chief" and row.role == "admin" and row.password_hash.startswith("$argon2id$")
    # a second visitor now gets the sign-in form, not the first-admin form
    at2 = app().run()
    assert "Sign in" in texts(at2.subheader) and "Create the first administrator" not in texts(at2.subheader)


def test_first_admin_form_enforces_the_password_policy(factory) -> None:  # type: ignore[no-untyped-def]
    at = app().run()
    text_input(at, "Administrator username").input("chief")
    text_input(at, "Password").input("short")
    text_input(at, "Repeat the password").input("short")
    at = click(at, "Create administrator")
    assert "at least 12 characters" in texts(at.error)
    with factory() as s:
        assert auth.needs_first_admin(s)


# ---------------------------------------------------------------------------- sign-in


def test_sign_in_and_sign_out(factory) -> None:  # type: ignore[no-untyped-def]
    make_user(factory, Role.ADMIN)
    carol = make_user(factory, Role.CLINICIAN, "carol")
    at = app().run()
    at = sign_in(at, "carol", "wrong password here")
    assert "username or password is not correct" in texts(at.error)
    assert "auth.user" not in at.session_state
    at = sign_in(at, "carol", PW[Role.CLINICIAN])
    assert not at.exception
    assert at.session_state["auth.user"] == carol
    assert "Viewer" in texts(at.title)
    assert "carol" not in [t.value for t in at.text_input]  # the form is gone
    at = click(at, "Sign out")
    assert "auth.user" not in at.session_state
    assert "You are signed out." in texts(at.warning)
    assert [e.detail for e in events(factory, AuditAction.LOGOUT)] == [{"reason": "user"}]
    assert len(events(factory, AuditAction.LOGIN)) == 1


def test_lock_out_message(factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MEDGEN_MAX_FAILED_LOGINS", "3")
    monkeypatch.setenv("MEDGEN_LOCKOUT_MIN", "20")
    get_settings.cache_clear()
    make_user(factory, Role.CLINICIAN, "carol")
    at = app().run()
    for _ in range(2):
        at = sign_in(at, "carol", "wrong password here")
        assert "not correct" in texts(at.error)
    at = sign_in(at, "carol", "wrong password here")
    assert re.search(r"locked after too many failed sign-ins\. Try again in 20 minutes", texts(at.error))
    at = sign_in(at, "carol", PW[Role.CLINICIAN])  # right password, still locked
    assert "locked" in texts(at.error) and "auth.user" not in at.session_state
    assert len(events(factory, AuditAction.LOCKED_OUT)) == 2


def test_inactivity_time_out_signs_out_with_a_message(factory) -> None:  # type: ignore[no-untyped-def]
    carol = make_user(factory, Role.CLINICIAN, "carol")
    at = signed_in_app(carol)
    assert "Viewer" in texts(at.title)
    at.session_state["auth.last_activity"] = time.time() - 14 * 60  # 14 min: still fine
    at.run()
    assert at.session_state["auth.user"] == carol
    at.session_state["scan.label"] = "something the next user must not see"
    at.session_state["auth.last_activity"] = time.time() - 16 * 60
    at.run()
    assert "auth.user" not in at.session_state and "scan.label" not in at.session_state
    assert "signed out after 15 minutes of inactivity" in texts(at.warning)
    assert "Sign in" in texts(at.subheader)
    assert [e.detail for e in events(factory, AuditAction.LOGOUT)] == [{"reason": "timeout"}]


def test_deactivated_user_is_signed_out_and_role_change_applies(factory) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(factory, Role.ADMIN)
    carol = make_user(factory, Role.CLINICIAN, "carol")
    at = signed_in_app(carol)
    with factory.begin() as s:
        auth.set_role(s, admin, carol.id, Role.REVIEWER)
    at.run()
    assert at.session_state["auth.user"].role is Role.REVIEWER
    assert "Viewer" not in texts(at.title)
    with factory.begin() as s:
        auth.set_active(s, admin, carol.id, False)
    at.run()
    assert "auth.user" not in at.session_state
    assert "no longer active" in texts(at.warning)


def test_sso_maps_email_to_local_account_and_refuses_unknown(factory) -> None:  # type: ignore[no-untyped-def]
    make_user(factory, Role.ADMIN)
    with factory.begin() as s:
        auth.provision_user(s, "dr.who@hospital.org", "Dr Who", Role.CLINICIAN, None)
    secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}}
    at = app()
    at.secrets = secrets
    at.user = {"is_logged_in": True, "email": "Dr.Who@hospital.org"}
    at.run()
    assert not at.exception
    assert at.session_state["auth.user"].username == "dr.who@hospital.org"
    assert "Viewer" in texts(at.title)
    # inactivity time-out also ends the SSO identity, or the cookie would sign the user back in
    at.session_state["auth.last_activity"] = time.time() - 16 * 60
    at.run()
    assert "auth.user" not in at.session_state and not at.user.get("is_logged_in")
    assert "signed out after 15 minutes" in texts(at.warning)
    stranger = app()
    stranger.secrets = secrets
    stranger.user = {"is_logged_in": True, "email": "stranger@example.org"}
    stranger.run()
    assert "auth.user" not in stranger.session_state
    assert "no account for this address" in texts(stranger.warning)
    assert "Sign out of single sign-on" in [b.label for b in stranger.button]
    stranger.run()  # no second failed-login event for the same refused identity
    refused = [e for e in events(factory, AuditAction.LOGIN_FAILED) if e.detail.get("reason") == "sso_unknown"]
    assert len(refused) == 1


# ---------------------------------------------------------------------------- role enforcement


def _app_module():  # type: ignore[no-untyped-def]
    """ROLE_PAGES and PAGES from app.py without running it (it calls streamlit at import)."""
    tree = ast.parse((ROOT / "app.py").read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.target.id in ("ROLE_PAGES", "PAGES"):
                found[node.target.id] = node.value
    role_pages = {Role(k.attr.lower()): [ast.literal_eval(e) for e in v.elts]
                  for k, v in zip(found["ROLE_PAGES"].keys, found["ROLE_PAGES"].values, strict=True)}
    return role_pages, ast.literal_eval(found["PAGES"])


ROLE_PAGES, PAGES = _app_module()
EXISTING = sorted(p for p in PAGES if (ROOT / "pages" / p).exists())


def test_every_page_has_a_navigation_entry_and_every_role_a_start_page() -> None:
    on_disk = {p.name for p in (ROOT / "pages").glob("*.py")}
    assert on_disk <= set(PAGES), f"pages without an entry in app.PAGES: {on_disk - set(PAGES)}"
    for role in Role:
        assert any((ROOT / "pages" / p).exists() for p in ROLE_PAGES[role]), role


@pytest.mark.parametrize("role", list(Role))
def test_navigation_offers_exactly_the_role_pages(factory, role) -> None:  # type: ignore[no-untyped-def]
    user = make_user(factory, role)
    at = signed_in_app(user)
    assert not at.exception
    registered = {Path(str(i["script_path"])).name for i in at._registered_pages.values() if i.get("script_path")}
    assert registered == {p for p in ROLE_PAGES[role] if p in EXISTING}
    for page in EXISTING:
        if page not in ROLE_PAGES[role]:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"pages/{page}")


def test_every_page_calls_require_user_first() -> None:
    """A page must check the user itself: Streamlit can run a page file without app.py first."""
    for page in sorted((ROOT / "pages").glob("*.py")):
        tree = ast.parse(page.read_text())
        calls = [n for n in tree.body if isinstance(n, ast.Expr | ast.Assign) and "require_user(" in ast.unparse(n)]
        assert calls, f"{page.name} does not call require_user(...) at module level"
        first_st = next((n for n in tree.body if "st." in ast.unparse(n)), None)
        assert first_st is None or tree.body.index(calls[0]) < tree.body.index(first_st), (
            f"{page.name} renders something before require_user(...)"
        )


@pytest.mark.parametrize(("role", "page"), [(role, page) for role in Role for page in EXISTING])
def test_each_page_enforces_its_roles_on_the_server(factory, role, page) -> None:  # type: ignore[no-untyped-def]
    """Run the page file on its own (as a crafted request would): refused unless the role is listed."""
    user = make_user(factory, role)
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60)
    at.session_state["auth.user"] = user
    at.run()
    assert not at.exception
    refused = f"Your role ({role.value}) cannot open this page" in texts(at.error)
    allowed = page in ROLE_PAGES[role]
    assert refused == (not allowed)
    denials = events(factory, AuditAction.ACCESS_DENIED)
    assert len(denials) == (0 if allowed else 1)
    if denials:
        assert denials[0].object_id == page and denials[0].user_id == user.id


def test_page_refuses_a_signed_out_visitor(factory) -> None:  # type: ignore[no-untyped-def]
    at = AppTest.from_file(str(ROOT / "pages" / "admin_audit.py"), default_timeout=60).run()
    assert "Please sign in" in texts(at.warning)
    assert not at.dataframe


# ---------------------------------------------------------------------------- admin pages


def test_admin_creates_and_changes_a_user_through_the_page(factory) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(factory, Role.ADMIN)
    at = signed_in_app(admin)
    assert "Users" in texts(at.title)
    text_input(at, "Username (for single sign-on: the person's e-mail address)").input("Rita")
    text_input(at, "Full name").input("Dr Rita")
    at.selectbox(key="admin_users.new_role").select("reviewer")
    text_input(at, "Initial password").input("her own passphrase 9")
    at = click(at, "Create account")
    assert not at.exception and "Account rita created." in texts(at.success)
    at.selectbox(key="admin_users.target").select("rita")
    at.run()
    at.selectbox(key="admin_users.role").select("clinician")
    at = click(at, "Change role")
    assert "rita is now clinician." in texts(at.success)
    at = click(at, "Deactivate account")
    with factory() as s:
        rita = s.scalars(select(User).where(User.username == "rita")).one()
        assert rita.role == "clinician" and not rita.is_active and rita.display_name == "Dr Rita"
    changes = [e.detail["change"] for e in events(factory, AuditAction.USER_CHANGE)]
    assert changes == ["provision", "create", "role", "deactivate"]
    # a refused change shows the reason and changes nothing
    at.selectbox(key="admin_users.target").select("admin1")
    at.run()
    at = click(at, "Deactivate account")
    assert "last active administrator" in texts(at.error)


def test_audit_page_filters_and_export_is_audited(factory) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(factory, Role.ADMIN)
    make_user(factory, Role.CLINICIAN, "carol")
    auth.sign_in(factory, "carol", PW[Role.CLINICIAN])
    with pytest.raises(auth.InvalidCredentialsError):
        auth.sign_in(factory, "carol", "wrong password here")
    at = signed_in_app(admin)
    at.switch_page(str(ROOT / "pages" / "admin_audit.py")).run()
    assert not at.exception and "Audit trail" in texts(at.title)
    all_rows = at.dataframe[0].value
    assert set(all_rows["action"]) >= {"login", "login_failed", "user_change"}
    at.selectbox(key="admin_audit.action").select("login_failed")
    at.run()
    failed = at.dataframe[0].value
    assert list(failed["action"]) == ["login_failed"] and list(failed["username"]) == ["carol"]
    assert not [b for b in at.button if b.label == "Export these events as CSV" and b.disabled]
    at = click(at, "Export these events as CSV")
    csv_bytes = at.session_state["admin_audit.csv"]
    assert csv_bytes.decode().splitlines()[0].startswith("id,at,user_id,username,action")
    assert len(csv_bytes.decode().splitlines()) == 2  # header + the one filtered event
    (export,) = events(factory, AuditAction.EXPORT)
    assert export.user_id == admin.id and export.detail["rows"] == 1 and export.detail["action"] == "login_failed"
    assert not [b for b in at.button if "Delete" in b.label or "Edit" in b.label]


def test_my_account_changes_the_own_password(factory) -> None:  # type: ignore[no-untyped-def]
    rita = make_user(factory, Role.REVIEWER, "rita")
    at = signed_in_app(rita)  # a reviewer's start page while review.py is not there yet
    at.switch_page(str(ROOT / "pages" / "account.py")).run()
    assert "My account" in texts(at.title)
    text_input(at, "Current password").input("not my password")
    text_input(at, "New password").input("a fresh passphrase 8")
    text_input(at, "Repeat the new password").input("a fresh passphrase 8")
    at = click(at, "Change password")
    assert "current password is not correct" in texts(at.error)
    text_input(at, "Current password").input(PW[Role.REVIEWER])
    text_input(at, "New password").input("a fresh passphrase 8")
    text_input(at, "Repeat the new password").input("a fresh passphrase 8")
    at = click(at, "Change password")
    assert "Your password was changed." in texts(at.success)
    assert auth.sign_in(factory, "rita", "a fresh passphrase 8").id == rita.id


def test_unmigrated_database_gives_a_clear_message(sqlite_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from medgen.ui import resources

    monkeypatch.setenv("MEDGEN_DATABASE_URL", sqlite_url)  # a database without tables
    get_settings.cache_clear()
    resources.db.clear()
    try:
        at = app().run()
        assert not at.exception
        assert "make migrate" in texts(at.error)
    finally:
        get_settings.cache_clear()
        resources.db.clear()
