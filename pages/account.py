"""My account: who am I, and change my own password."""

from __future__ import annotations

import streamlit as st

from medgen import auth
from medgen.errors import MedgenError
from medgen.ui.resources import transact
from medgen.ui.state import require_user

user = require_user()

st.title("My account")
st.write(f"**{user.display_name}** ({user.username}), role: **{user.role.value}**")

with st.form("account.password"):
    old = st.text_input("Current password", type="password", autocomplete="current-password")
    new = st.text_input("New password", type="password", autocomplete="new-password",
                        help=f"At least {auth.MIN_PASSWORD_LENGTH} characters.")
    again = st.text_input("Repeat the new password", type="password", autocomplete="new-password")
    submitted = st.form_submit_button("Change password")
if submitted:
    if new != again:
        st.error("The two new passwords differ; type the same password twice.")
    else:
        try:
            transact(auth.change_own_password, user, old, new)
        except MedgenError as exc:
            st.error(str(exc))
        else:
            st.success("Your password was changed.")
