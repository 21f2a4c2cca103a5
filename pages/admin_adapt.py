"""Site adaptation (admin): adapt the CT enhancer to this site's scanner from unpaired scans."""

from __future__ import annotations

import streamlit as st

from medgen.types import JobKind, Role
from medgen.ui import adapt as ui
from medgen.ui.jobs import job_list
from medgen.ui.state import require_user

admin = require_user(Role.ADMIN)
st.title("Site adaptation")
st.caption(
    "Upload two zips of CT DICOM series from this site: routine (noisy) scans and low-noise scans "
    "of other patients. They are de-identified on upload. The job trains a CycleGAN from the base "
    "model, validates it and refuses a model worse than its base. A finished model is hidden from "
    "clinicians until an administrator approves it below. The training data is deleted after the "
    "job unless you keep it."
)
ui.start_form(admin)
st.subheader("Adaptation jobs")
job_list(admin, kind=JobKind.SITE_ADAPT, everyone=True, render=ui.render)
