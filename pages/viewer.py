"""Viewer: upload a scan, load a sample study or open a PACS series, window it, scroll it, see de-identified metadata."""

from __future__ import annotations

import streamlit as st

from medgen.types import Role
from medgen.ui import pacs, state, viewer

user = state.require_user(Role.CLINICIAN)

st.title("Viewer")
st.caption("Every upload is de-identified (DICOM PS3.15 Annex E) before it is shown or stored.")

files_tab, pacs_tab = st.tabs(["Upload or sample", "PACS"])
with files_tab:
    request = viewer.source_panel()
    if request is not None:
        files, label, origin = request
        viewer.open_scan(files, label, origin, user)
with pacs_tab:
    pacs.pacs_panel(user)

scan = state.current_scan()
if scan is None:
    st.info("Upload a scan, load a sample study or open a series from the PACS to start.")
    st.stop()

st.subheader(st.session_state.get(state.SCAN_LABEL, "Loaded scan"))
viewer.scan_view(scan)
