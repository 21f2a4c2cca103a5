"""Users (admin): list accounts, create one, change role, (de)activate, reset password, unlock."""

from __future__ import annotations

import streamlit as st

from medgen import auth
from medgen.errors import MedgenError
from medgen.types import Role
from medgen.ui.resources import transact
from medgen.ui.state import require_user

admin = require_user(Role.ADMIN)
ROLES = [r.value for r in Role]

st.title("Users")
users = transact(auth.list_users)
st.dataframe(
    [
        {
            "username": u.username, "name": u.display_name, "role": u.role.value,
            "active": u.is_active, "sign-in": "password" if u.has_password else "single sign-on",
            "locked until": u.locked_until, "last sign-in": u.last_login_at,
        }
        for u in users
    ],
    hide_index=True, width="stretch",
)


def run(success: str, change, *args) -> None:  # type: ignore[no-untyped-def]
    """Apply one admin change (a medgen.auth function) in a transaction; show the result or why not."""
    try:
        transact(change, admin, *args)
    except MedgenError as exc:
        st.error(str(exc))
    else:
        st.session_state["admin_users.done"] = success
        st.rerun()


if done := st.session_state.pop("admin_users.done", None):
    st.success(done)

with st.expander("Create an account", expanded=not users[1:]), st.form("admin_users.create"):
    username = st.text_input("Username (for single sign-on: the person's e-mail address)")
    display = st.text_input("Full name")
    role = st.selectbox("Role", ROLES, key="admin_users.new_role")
    sso_only = st.checkbox("Single sign-on only (no password)")
    password = st.text_input("Initial password", type="password", autocomplete="new-password")
    if st.form_submit_button("Create account", type="primary"):
        run(f"Account {username.strip().lower()} created.",
            auth.create_user, username, display, role, None if sso_only else password)

st.subheader("Change an account")
by_name = {u.username: u for u in users}
target = by_name[st.selectbox("Account", list(by_name), key="admin_users.target")]
left, right = st.columns(2)
with left:
    new_role = st.selectbox("Role", ROLES, index=ROLES.index(target.role.value), key="admin_users.role")
    if st.button("Change role"):
        run(f"{target.username} is now {new_role}.", auth.set_role, target.id, new_role)
    if target.is_active and st.button("Deactivate account"):
        run(f"{target.username} deactivated.", auth.set_active, target.id, False)
    if not target.is_active and st.button("Re-activate account"):
        run(f"{target.username} re-activated.", auth.set_active, target.id, True)
    if target.locked_until and st.button("Unlock account"):
        run(f"{target.username} unlocked.", auth.unlock, target.id)
with right, st.form("admin_users.reset"):
    new_pw = st.text_input("New password", type="password", autocomplete="new-password")
    if st.form_submit_button("Reset password"):
        run(f"Password of {target.username} reset.", auth.reset_password, target.id, new_pw)
