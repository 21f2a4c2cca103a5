"""Viewer: upload a scan or load a sample study, window it, scroll it, see de-identified metadata."""

from __future__ import annotations

import streamlit as st

from medgen.types import Role
from medgen.ui.state import require_user

require_user(Role.CLINICIAN)

st.title("Viewer")
st.info("Scan ingestion is being built (issue 2).")
