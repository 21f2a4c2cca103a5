"""Session-state keys shared between pages, and small accessors.

Page-local keys are prefixed with the page name ("viewer.preset"); the keys here are shared.
"""

from __future__ import annotations

import streamlit as st

from medgen.imaging.scan import Scan
from medgen.types import Role, UserInfo

SCAN = "scan"  # the loaded, de-identified medgen.imaging.Scan
SCAN_IMAGE_ID = "scan.image_id"  # its images.id row in the database (int) once stored
SCAN_LABEL = "scan.label"  # short human label of what is loaded ("3 files", "sample: CT head")
USER = "auth.user"  # medgen.types.UserInfo of the signed-in user


def current_scan() -> Scan | None:
    scan = st.session_state.get(SCAN)
    return scan if isinstance(scan, Scan) else None


def set_scan(scan: Scan, image_id: int | None, label: str) -> None:
    st.session_state[SCAN] = scan
    st.session_state[SCAN_IMAGE_ID] = image_id
    st.session_state[SCAN_LABEL] = label


def current_user() -> UserInfo | None:
    user = st.session_state.get(USER)
    return user if isinstance(user, UserInfo) else None


def require_user(*roles: Role | str) -> UserInfo:
    """Return the signed-in user, or stop the page with a clear message.

    With ``roles``, the user must hold one of them (server-side enforcement: call this at the top
    of every page and before every privileged action). A refusal is written to the audit trail
    (ACCESS_DENIED); a user idle longer than ``session_timeout_min`` is signed out here too.
    """
    from medgen.ui import auth as ui_auth  # late import: medgen.ui.auth imports this module

    if ui_auth.check_timeout():  # also records activity for the inactivity time-out
        st.warning(st.session_state.get(ui_auth.NOTICE, "You were signed out."))
        st.stop()
    user = current_user()
    if user is None:
        st.warning("Please sign in to use this page.")
        # Streamlit may run a page file without app.py (the very first request after a server
        # start goes through its legacy pages/ routing), so offer the way to the sign-in page.
        st.markdown("[Go to the sign-in page](./)")
        st.stop()
    if roles and not user.has_role(*roles):
        ui_auth.audit_denied(user, roles)
        allowed = ", ".join(Role(r).value for r in roles)
        st.error(f"Your role ({user.role.value}) cannot open this page; it needs: {allowed}.")
        st.stop()
    return user
