"""st.App launcher for the cookie test app: Streamlit plus the session-cookie endpoint."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import streamlit as st  # noqa: E402

from medgen.ui.session_cookie import routes  # noqa: E402

app = st.App("page.py", routes=routes())
