"""Jobs: the signed-in clinician's background jobs (status, progress, results, cancel)."""

from __future__ import annotations

import streamlit as st

from medgen.types import JobKind, Role
from medgen.ui import jobs as ui
from medgen.ui.state import require_user

user = require_user(Role.CLINICIAN)
st.title("Jobs")
st.caption(
    "Whole-study enhancements started from the Compare page run in the background: leave this "
    "page and come back at any time. Enhanced images are for review alongside the original."
)
ui.job_list(user, kind=JobKind.BATCH_ENHANCE)
