"""MedGen Studio entrypoint: a router only (page config, navigation, run)."""

from __future__ import annotations

import logging

import streamlit as st

from medgen.config import get_settings

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
get_settings()  # read the environment once (also sets HF_HUB_OFFLINE=1)

st.set_page_config(page_title="MedGen Studio", page_icon=":material/radiology:", layout="wide")

pages = {
    "Scans": [
        st.Page("pages/viewer.py", title="Viewer", icon=":material/image_search:", default=True),
    ],
    "Reports": [
        st.Page("pages/report.py", title="Report", icon=":material/description:"),
        st.Page("pages/education.py", title="Patient text", icon=":material/translate:"),
    ],
}

pg = st.navigation(pages)
pg.run()
