"""Draft report: structured findings -> template -> streamed LM rewrite -> guard -> edit, sign, export."""

from __future__ import annotations

import streamlit as st

from medgen.errors import MedgenError
from medgen.text import sign
from medgen.text.findings import findings_from_header
from medgen.text.llm import StreamStats
from medgen.text.report import finish_report, rewrite_stream, template_report
from medgen.types import OutputKind, Role
from medgen.ui import text as ui
from medgen.ui.findings_form import findings_form, show_problems
from medgen.ui.rating import rating_panel
from medgen.ui.state import SCAN_IMAGE_ID, require_user

user = require_user(Role.CLINICIAN)
ui.start_loading()  # the model loads in the background while the form is filled in
st.title("Draft report")
st.caption("Facts come only from this form; follow-up comes only from rules (Fleischner 2017 for "
           "incidental pulmonary nodules); the language model only rewords, and a guard flags "
           "anything it adds.")
ss = st.session_state

form = findings_form("report", findings_from_header(ui.scan_header()))
show_problems(form, ss.get("report.attempted", False))
findings = form.findings
params = ui.generation_params("report", 512)
use_model = st.toggle("Reword with the language model", value=True, key="report.use_model")
if use_model and findings is not None:
    ui.prefill_report(template_report(findings))  # the idle model reads the request ahead of the click

if st.button("Draft report", type="primary", key="report.go",
             on_click=ss.__setitem__, args=("report.attempted", True)) and findings is not None:
    template = template_report(findings)
    text, stats, lm = None, StreamStats(), None
    if use_model:
        try:
            lm = ui.language_model()
        except MedgenError as exc:
            st.error(f"{exc} The template draft is shown instead.")
        if lm is not None:
            stop_slot = st.empty()  # Stop exists only while the model writes
            stop_slot.button("Stop", key="report.stop")  # a click reruns the page: generation stops
            stop, sink = ui.new_stop_event("report.stop_event"), []
            with st.container(border=True):
                try:
                    with ui.model_turn(lm):  # a waiting user sees their place; Stop ends the wait
                        st.write_stream(ui.inert_stream(
                            rewrite_stream(template, lm, params, stop, stats), sink))
                    text = "".join(sink)
                except MedgenError as exc:
                    st.error(str(exc))
                finally:
                    stop_slot.empty()
    draft = finish_report(findings, template, text, lm, stats, params)
    try:
        out_id = ui.in_transaction(sign.record_report, draft, user=user, image_id=ss.get(SCAN_IMAGE_ID),
                                   input_hash=findings.digest(), device=lm.device if lm else "")
    except MedgenError as exc:
        st.error(str(exc))
        st.stop()
    ss["report.draft"], ss["report.output_id"] = draft, out_id
    ss["report.edit"], ss["report.signed"] = draft.text, None

if ss.get("report.stop"):
    st.info("Generation stopped: nothing was recorded. Your findings are kept; draft again when ready.")
draft = ss.get("report.draft")
if draft is None:
    st.stop()
out_id = ss["report.output_id"]
st.subheader(f"Draft #{out_id}: DRAFT (preliminary, not signed)")
st.caption(f"Model: {draft.model_version}; {draft.latency_ms / 1000:.1f} s")
ui.guard_summary(draft.flags, draft.from_model)
if draft.flags:  # a callback sets the editor's value before the next run (widget-state safe)
    st.button("Use the template draft", key="report.use_template",
              on_click=lambda: ss.__setitem__("report.edit", draft.template_text))
ui.show_text(draft.text, draft.flags)
rating_panel(out_id, OutputKind.REPORT)

signed = ss.get("report.signed")
st.text_area("Edit the report before signing", key="report.edit", height=260,
             disabled=signed is not None)
if signed is None and st.button("Check my edits with the guard", key="report.check"):
    edit_flags = ui.check_report(draft.template_text, ss["report.edit"])
    ui.guard_summary(edit_flags, True, source="the template draft (your findings)")
    ui.show_text(ss["report.edit"], edit_flags)
sign_error = ""
if signed is None and st.button("Sign report", type="primary", key="report.sign"):
    try:
        signed = ui.in_transaction(sign.sign_report, out_id, ss["report.edit"],
                                   require_user(Role.CLINICIAN))
        ss["report.signed"] = signed
    except MedgenError as exc:
        sign_error = str(exc)
        st.error(sign_error)
if signed is None:
    try:
        current = ui.in_transaction(sign.get_report, out_id)
    except MedgenError as exc:  # e.g. the database is unavailable: the edit stays in its box
        if str(exc) != sign_error:
            st.error(str(exc))
        st.stop()
else:
    current = signed
    st.success(f"Signed by {signed.signed_by} at {signed.signed_at:%Y-%m-%d %H:%M} UTC (final).")
ui.export_buttons(current, user)
