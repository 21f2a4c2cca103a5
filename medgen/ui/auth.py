"""Sign-in UI: login and first-administrator forms, sign-out, inactivity time-out, optional SSO.

``app.py`` calls :func:`gate` on every run; pages call ``medgen.ui.state.require_user`` which also
applies the time-out. All account logic lives in :mod:`medgen.auth` (no streamlit there).

Sign-in survives a reload: :func:`start_session` starts a server-side session and hands its token
to the browser as an HttpOnly cookie (:mod:`medgen.ui.session_cookie`, served by ``serve.py``);
on a new connection (reload, second tab) :func:`gate` resumes from that cookie once, audited;
every run records activity on the server-side session, and a session ended elsewhere (sign-out in
another tab, time-out, role change, deactivation, password reset) signs this tab out.
"""

from __future__ import annotations

import inspect
import logging
import time
from pathlib import Path

import streamlit as st

from medgen import auth
from medgen.config import get_settings
from medgen.errors import (
    AuthError,
    DatabaseUnavailableError,
    DiskFullError,
    MedgenError,
    StorageError,
)
from medgen.store.audit import add_audit
from medgen.types import AuditAction, AuditOutcome, ObjectType, Role, UserInfo
from medgen.ui import session_cookie
from medgen.ui.resources import db, transact
from medgen.ui.state import USER, current_user

log = logging.getLogger(__name__)

ACTIVITY = "auth.last_activity"  # time.time() of the last run by the signed-in user
NOTICE = "auth.notice"  # message shown on the sign-in page (signed out, timed out, ...)
SSO_REFUSED = "auth.sso_refused"  # SSO e-mail already refused in this session (no repeat audits)
TOKEN = "auth.session_token"  # raw server-side session token of this tab (server memory only)
COOKIE_TRIED = "auth.cookie_tried"  # the connect-time cookie was already tried in this session
REVOKED_NOTICE = "You were signed out (signed out elsewhere, or your account was changed)."


def _clock() -> float:
    return time.time()


def sso_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (OIDC via st.login)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def _sso_email() -> str | None:
    if not sso_configured() or not st.user.get("is_logged_in"):
        return None
    email = st.user.get("email")
    return str(email) if email else None


def touch() -> None:
    st.session_state[ACTIVITY] = _clock()


def _user_agent() -> str | None:
    try:
        value = st.context.headers.get("User-Agent")
    except Exception:  # noqa: BLE001 - bare mode (AppTest): no request headers
        return None
    return str(value) if value else None


def _timeout_notice() -> str:
    minutes = get_settings().session_timeout_min
    return f"You were signed out after {minutes} minutes of inactivity. Please sign in again."


def start_session(user: UserInfo) -> None:
    """Forget everything from before (another user's scan, forms) and sign ``user`` in.

    Also starts the server-side session (a new token; any token the browser had is revoked) and
    hands its token to the browser as the HttpOnly cookie, so a reload keeps the user signed in.
    """
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[USER] = user
    st.session_state[COOKIE_TRIED] = True
    touch()
    try:
        new = transact(auth.start_browser_session, user, session_cookie.read_token(), _user_agent())
    except StorageError:
        log.exception("could not start a server-side session for user %s", user.id)
        return  # signed in for this tab only; a reload will ask again
    st.session_state[TOKEN] = new.token
    session_cookie.issue(new.token, max_age_s=get_settings().session_max_hours * 3600)


def _resume_from_cookie() -> None:
    """Reload / second tab: sign in from the cookie's token if its session is still valid."""
    if current_user() is not None or st.session_state.get(COOKIE_TRIED):
        return
    st.session_state[COOKIE_TRIED] = True
    token = session_cookie.read_token()
    if not token:
        return
    try:
        result = transact(auth.resume, token, _user_agent())
    except StorageError:
        log.exception("could not resume a session from the cookie")
        return
    if result.user is None:
        session_cookie.clear()
        if result.failure == "idle" or result.revoke_reason == "timeout":
            st.session_state[NOTICE] = _timeout_notice()
        return
    st.session_state[USER] = result.user
    st.session_state[TOKEN] = token
    touch()


def _session_alive() -> bool:
    """Record activity on this tab's server-side session; False if it was ended elsewhere."""
    token = st.session_state.get(TOKEN)
    if current_user() is None or not token:
        return True
    try:
        return transact(auth.session_alive, token)
    except StorageError:
        log.exception("could not check the server-side session")
        return True  # a database blip is not a reason to sign a clinician out


def sign_out(reason: str = "user", notice: str | None = None, *, end_session: bool = True) -> None:
    """Audit the sign-out and revoke the session, then clear the whole tab state and the cookie.

    ``end_session=False`` (an idle tab while another tab of the same sign-in is in use) clears
    this tab only: the server-side session and the cookie stay for the other tabs.
    """
    user = current_user()
    token = st.session_state.get(TOKEN) if end_session else None
    if user is not None:
        try:
            transact(auth.record_logout, user, reason=reason, token=token)
        except StorageError:
            log.exception("could not record the sign-out of user %s", user.id)
    sso = _sso_email() is not None
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[COOKIE_TRIED] = True  # the connect-time cookie is spent
    if end_session:
        session_cookie.clear()
    if notice:
        st.session_state[NOTICE] = notice
    if sso:  # else the identity cookie would sign the user straight back in on the next run
        st.logout()


def _shared_session_idle() -> bool:
    """This tab timed out: is its server-side session idle too (no other tab in use)?"""
    token = st.session_state.get(TOKEN)
    if not token:
        return True
    try:
        return bool(transact(auth.session_idle, token))
    except StorageError:
        log.exception("could not read the server-side session")
        return True


def check_timeout() -> bool:
    """Sign out after ``session_timeout_min`` minutes without a run; else record activity.

    Returns True if the user was just signed out.
    """
    if current_user() is None:
        return False
    minutes = get_settings().session_timeout_min
    last = st.session_state.get(ACTIVITY)
    if isinstance(last, int | float) and _clock() - last > minutes * 60:
        sign_out("timeout", notice=_timeout_notice(), end_session=_shared_session_idle())
        return True
    touch()
    return False


def audit_denied(user: UserInfo, roles: tuple[Role | str, ...]) -> None:
    """Record that ``user`` was refused a page (its file name) that needs one of ``roles``."""
    frame = inspect.currentframe()
    page = ""
    if frame is not None and frame.f_back is not None and frame.f_back.f_back is not None:
        page = Path(frame.f_back.f_back.f_code.co_filename).name
    try:
        transact(
            add_audit, AuditAction.ACCESS_DENIED, user=user, object_type=ObjectType.PAGE, object_id=page,
            outcome=AuditOutcome.DENIED, detail={"role": user.role.value, "needs": [Role(r).value for r in roles]},
        )
    except StorageError:
        log.exception("could not record an access denial for user %s", user.id)


def refresh_user() -> UserInfo | None:
    """Re-read the signed-in user's role and status: a deactivated account is signed out at once.

    While the database is unavailable (or its disk full) the user of this tab stays signed in
    with the role read last: the page is drawn, so what the clinician typed stays on screen, and
    its own reads and writes fail with a message naming the cause. (A deactivation or a role
    change is itself a database write: it takes effect on the first run after the database is
    back.) Any other storage error (e.g. a failed integrity check) still stops the app.
    """
    user = current_user()
    if user is None:
        return None
    try:
        fresh = transact(auth.current_info, user.id)
    except (DatabaseUnavailableError, DiskFullError) as exc:
        log.warning("could not re-read user %s (%s); keeping the role read last",
                    user.id, type(exc).__name__)
        return user
    if fresh is None or fresh.username != user.username:
        sign_out("deactivated", notice="Your account is no longer active. Ask an administrator.")
        return None
    if fresh != user:
        st.session_state[USER] = fresh  # role changed by an administrator: applies now
    return fresh


def _sso_sign_in() -> None:
    email = _sso_email()
    if email is None or current_user() is not None or st.session_state.get(SSO_REFUSED) == email:
        return
    try:
        user = auth.sign_in_sso(db(), email)  # StorageError goes to app.py's message
    except AuthError as exc:
        st.session_state[SSO_REFUSED] = email
        st.session_state[NOTICE] = str(exc)
        return
    start_session(user)


def gate() -> UserInfo | None:
    """Run at the top of app.py: SSO mapping, cookie resume, time-out, fresh role.

    Returns the signed-in user (None: show the sign-in page). Raises EncryptionKeyError or
    StorageError (shown by app.py) when the database or its encryption key is not usable.
    """
    db()  # the database and its encryption key are checked before anything is shown
    _sso_sign_in()
    _resume_from_cookie()
    if check_timeout():
        return None
    if not _session_alive():
        sign_out("revoked", notice=REVOKED_NOTICE)
        return None
    session_cookie.render_pending()
    return refresh_user()


# ---------------------------------------------------------------------------- widgets


def _first_admin_form() -> None:
    st.subheader("Create the first administrator")
    st.info(
        "No account exists yet. Create the administrator account now; the administrator then "
        "creates the accounts of clinicians and reviewers. There is no default password."
    )
    with st.form("first_admin.form"):
        username = st.text_input("Administrator username", autocomplete="username")
        display = st.text_input("Full name")
        password = st.text_input(
            "Password", type="password", autocomplete="new-password",
            help=f"At least {auth.MIN_PASSWORD_LENGTH} characters; a short sentence works well.",
        )
        confirm = st.text_input("Repeat the password", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Create administrator", type="primary")
    if not submitted:
        return
    if password != confirm:
        st.error("The two passwords differ; type the same password twice.")
        return
    try:
        user = transact(auth.create_first_admin, username, display, password)
    except MedgenError as exc:
        st.error(str(exc))
        return
    start_session(user)
    st.rerun()


def _login_form() -> None:
    st.subheader("Sign in")
    with st.form("login.form"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            user = auth.sign_in(db(), username, password)
        except MedgenError as exc:  # AuthError, or StorageError: nothing was recorded
            st.error(str(exc))
        else:
            start_session(user)
            st.rerun()
    if sso_configured():
        st.divider()
        if st.session_state.get(SSO_REFUSED):
            if st.button("Sign out of single sign-on"):
                st.logout()
        elif st.button("Sign in with single sign-on"):
            st.login()


def login_page() -> None:
    """The only page a signed-out visitor sees: first-administrator form or sign-in form."""
    st.title("MedGen Studio")
    notice = st.session_state.get(NOTICE)
    if notice:
        st.warning(notice)
    try:
        first = transact(auth.needs_first_admin)
    except StorageError:
        log.exception("the user table could not be read")
        st.error(
            "The database could not be reached or is not set up; run `make migrate` "
            "(or check MEDGEN_DATABASE_URL) and reload."
        )
        st.stop()
    if first:
        _first_admin_form()
    else:
        _login_form()


@st.fragment(run_every=60)
def _idle_watch() -> None:
    """Once a minute (no activity recorded): past the time-out, rerun the app, which signs out.

    Without it an idle screen would keep showing its content until the next interaction.
    """
    last = st.session_state.get(ACTIVITY)
    limit = get_settings().session_timeout_min * 60
    if current_user() is not None and isinstance(last, int | float) and _clock() - last > limit:
        st.rerun(scope="app")


def account_sidebar(user: UserInfo) -> None:
    """Who is signed in, the sign-out button, and the idle watch (sidebar)."""
    with st.sidebar:
        _idle_watch()
        st.caption(f"Signed in as **{user.display_name}** ({user.role.value})")
        if st.button("Sign out", key="auth.sign_out", icon=":material/logout:"):
            sign_out("user", notice="You are signed out.")  # also ends an SSO cookie (st.logout)
            st.rerun()
