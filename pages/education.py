"""Patient education: plain-language text from a signed report, at a target reading grade."""

from __future__ import annotations

import streamlit as st

from medgen.errors import MedgenError
from medgen.text import sign
from medgen.text.education import (
    LANGUAGES,
    PatientTextRun,
    impression_of,
    recommendations_from_params,
)
from medgen.types import OutputKind, Role
from medgen.ui import text as ui
from medgen.ui.rating import rating_panel
from medgen.ui.state import require_user

user = require_user(Role.CLINICIAN)
st.title("Patient education")
ss = st.session_state
try:
    reports = ui.in_transaction(sign.list_reports, status=sign.FINAL)
except MedgenError as exc:
    st.error(str(exc))
    st.stop()
if not reports:
    st.info("No signed report yet. Draft and sign a report on the Report page first.")
    st.stop()

ui.start_loading()  # in the background (once per process); usually loaded on the Report page
by_id = {r.id: r for r in reports}
preferred = ss.get("report.output_id")
ids = list(by_id)
rid = st.selectbox("Signed report", ids, index=ids.index(preferred) if preferred in by_id else 0,
                   key="education.report",
                   format_func=lambda i: f"#{i} signed {by_id[i].signed_at:%Y-%m-%d %H:%M} by "
                                         f"{by_id[i].signed_by}")
report = by_id[rid]
with st.expander("Impression of the signed report"):
    ui.show_text(impression_of(report.text))
c1, c2 = st.columns(2)
lang = c1.radio("Language", list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True,
                key="education.language")
grade = int(c2.number_input("Target reading grade", 1, 12, 6, key="education.grade"))
params = ui.generation_params("education", 256)

if st.button("Write patient text", type="primary", key="education.go"):
    recs = recommendations_from_params(report.params)
    try:
        lm = ui.language_model()
        stop_slot = st.empty()  # Stop exists only while the model writes
        stop_slot.button("Stop", key="education.stop")
        run = PatientTextRun(report.text, recs, lang, lm, grade, params,
                             ui.new_stop_event("education.stop_event"))
        try:
            with ui.model_turn(lm):  # a waiting user sees their place; Stop ends the wait
                for stream in run.attempts():
                    if run.result is not None:  # the first attempt missed the target grade
                        st.info(f"{run.result.readability.summary}: above the target, so it is "
                                "written once more with a stricter prompt.")
                    with st.container(border=True):
                        st.write_stream(ui.inert_stream(stream, []))
        finally:
            stop_slot.empty()
        result = run.result
        ss["education.output_id"] = ui.in_transaction(
            sign.record_education, result, user=user, parent_id=report.id, device=lm.device)
        ss["education.result"] = result
    except MedgenError as exc:
        st.error(str(exc))

if ss.get("education.stop"):
    st.info("Generation stopped: nothing was recorded. Choose the settings and write again.")
result = ss.get("education.result")
if result is None:
    st.stop()
st.subheader("Patient text")
(st.success if result.readability.meets_target else st.warning)(
    f"Readability: {result.readability.summary}"
    + ("" if result.readability.meets_target else " — target missed after a stricter retry."))
if result.flags:
    st.warning(f"The guard flagged {len(result.flags)} statement(s) not in the signed report "
               "(highlighted). Edit before giving this text to the patient.")
    ui.show_flag_list(result.flags)
ui.show_text(result.body, result.flags)
st.markdown(f"**{'接下来会怎样' if result.language == 'zh' else 'What happens next'}**")
ui.show_text(result.next_steps)
ui.show_text(result.closing)
rating_panel(ss["education.output_id"], OutputKind.EDUCATION)
