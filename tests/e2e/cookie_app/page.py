"""A minimal page for the cookie test: sign in issues a token, the page shows its hash."""

import hashlib
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import streamlit as st  # noqa: E402

from medgen.ui import session_cookie as sc  # noqa: E402


def short(token: str | None) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16] if token else "none"


st.markdown(f"cookie-hash: `{short(sc.read_token())}`")
if st.button("Sign in"):
    token = secrets.token_urlsafe(32)
    st.session_state["issued"] = short(token)
    sc.issue(token, 3600)
    st.rerun()  # as the real sign-in form does: the hand-off must survive it
sc.render_pending()
st.markdown(f"issued-hash: `{st.session_state.get('issued', 'none')}`")
if st.button("Sign out"):
    sc.clear()
