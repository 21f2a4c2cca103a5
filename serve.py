"""Server entry point with the sign-in cookie endpoint: ``streamlit run serve.py``.

``app.py`` stays the Streamlit script (router); this file wraps it in ``st.App`` (Streamlit's ASGI
entry point) so the HttpOnly session cookie can be set by an HTTP response
(see medgen/ui/session_cookie.py). ``streamlit run app.py`` still works, without that cookie.
"""

from __future__ import annotations

import streamlit as st

from medgen.ui.session_cookie import routes

app = st.App("app.py", routes=routes())
