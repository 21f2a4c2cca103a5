"""Compare: enhance the loaded CT with a denoising model and review it next to the original."""

from __future__ import annotations

import streamlit as st

from medgen.errors import MedgenError
from medgen.types import OutputKind, Role
from medgen.ui import enhance as ui
from medgen.ui import jobs as ui_jobs
from medgen.ui import pacs
from medgen.ui.rating import rating_panel
from medgen.ui.state import current_scan, require_user

user = require_user(Role.CLINICIAN)
st.title("Compare")
st.warning(ui.REVIEW_WARNING, icon=":material/warning:")

scan = current_scan()
if scan is None:
    st.info(
        "No scan is loaded. Open the Viewer (in the sidebar) and upload a study or load a "
        "sample study first; it will then be available here."
    )
    st.stop()
pacs.refuse_non_ct(scan)  # a non-CT series from the PACS: viewing only

try:
    model_id = ui.model_picker()
except MedgenError as exc:
    st.error(str(exc))
    st.stop()

slices = [0]
if scan.is_volume:
    scope = st.radio(
        "Run on", ["Current slice", "Whole series"], horizontal=True, key="compare.scope"
    )
    if scope == "Current slice":
        idx = st.slider("Slice", 1, scan.n_slices, scan.n_slices // 2 + 1, key="compare.slice") - 1
        slices = [idx]
    else:
        slices = list(range(scan.n_slices))
strength = ui.strength_picker(model_id)
try:
    guard = ui.guard_panel(scan, model_id, slices)
except MedgenError as exc:
    st.error(str(exc))
    st.stop()
override = st.checkbox(
    "Run even if the image is not what the model was trained for (result is marked)",
    key="compare.override",
)

if st.button("Enhance", type="primary", key="compare.run"):
    try:
        st.session_state[ui.RESULT_KEY] = ui.run_and_record(
            scan, model_id, slices, user, override, strength, guard
        )
    except MedgenError as exc:
        st.error(str(exc))
        st.stop()
ui_jobs.background_panel(scan, model_id, strength, user)

run = st.session_state.get(ui.RESULT_KEY)
if isinstance(run, ui.CompareRun) and run.scan_hash == scan.content_hash:
    center, width = ui.window_controls(scan)
    ui.render_compare(run, center, width)
    ui.downloads(scan, run, center, width, user)
    pacs.send_panel(scan, run, user)  # only for a scan opened from the PACS
    rating_panel(run.output_id, OutputKind.ENHANCEMENT)
