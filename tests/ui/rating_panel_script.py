"""Tiny app for the rating-panel AppTest: one panel for the output named in session state."""

from __future__ import annotations

import streamlit as st

from medgen.ui.rating import rating_panel

rating_panel(st.session_state["test.output_id"], st.session_state["test.kind"])
