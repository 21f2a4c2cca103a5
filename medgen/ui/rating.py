"""The rating panel shown under every generated output.

Pages call ``rating_panel(output_id, kind)`` after an output has been recorded with
``medgen.store.repo.record_output``. The panel is a fragment: saving a rating reruns only the
panel, not the (possibly expensive) page around it.

Session-state keys are prefixed ``rating.<output_id>.`` so several panels can share a page.
"""

from __future__ import annotations

import logging

import streamlit as st

from medgen.errors import MedgenError, StorageError
from medgen.store import feedback
from medgen.types import OutputKind, UserInfo
from medgen.ui.resources import transact
from medgen.ui.state import current_user

log = logging.getLogger(__name__)

SCORES = [1, 2, 3, 4, 5]


def _prefix(output_id: int) -> str:
    return f"rating.{output_id}"


def _prefill(output_id: int, kind: OutputKind, user: UserInfo) -> feedback.Feedback | None:
    """Load the user's latest rating once per session and put it into the widgets' state."""
    p = _prefix(output_id)
    loaded_key = f"{p}.loaded_for"
    if st.session_state.get(loaded_key) == user.id:
        return st.session_state.get(f"{p}.latest")
    try:
        latest = transact(feedback.get_latest_rating, user.id, output_id)
    except StorageError:
        log.exception("could not load the rating of output %s", output_id)
        st.caption(":warning: Your earlier rating could not be loaded; you can still rate.")
        return None
    st.session_state[loaded_key] = user.id
    st.session_state[f"{p}.latest"] = latest
    if latest is not None:
        st.session_state[f"{p}.overall"] = latest.overall - 1  # st.feedback stars are 0-based
        for c in feedback.criteria_for(kind):
            st.session_state[f"{p}.{c.key}"] = latest.scores.get(c.key)
        st.session_state[f"{p}.comment"] = latest.comment
    return latest


def _edit_distance_caption(output_id: int) -> None:
    try:
        stat = transact(feedback.edit_stat, output_id)
    except MedgenError as exc:
        st.caption(f":warning: {exc}")
        return
    if stat is not None:
        dist, n_draft, n_final = stat
        st.caption(f"Draft → signed text: {dist} word edits ({n_draft} → {n_final} words).")


@st.fragment
def _panel(output_id: int, kind: OutputKind) -> None:
    p = _prefix(output_id)
    user = current_user()
    with st.container(border=True):
        st.markdown("**Rate this output**")
        if user is None:
            st.caption("Sign in to rate this output.")
            return
        latest = _prefill(output_id, kind, user)
        if kind in (OutputKind.REPORT, OutputKind.EDUCATION):
            _edit_distance_caption(output_id)
        with st.form(f"{p}.form", border=False, enter_to_submit=False):
            st.caption("Overall (1 = poor, 5 = excellent)")
            st.feedback("stars", key=f"{p}.overall")
            crits = feedback.criteria_for(kind)
            for col, c in zip(st.columns(len(crits)), crits, strict=True):
                col.segmented_control(c.label, SCORES, key=f"{p}.{c.key}", help=c.help)
            st.text_input(
                "Comment (optional)",
                key=f"{p}.comment",
                max_chars=feedback.MAX_COMMENT_CHARS,
                placeholder="What was good or wrong? (no patient identifiers)",
            )
            label = "Revise rating" if latest else "Save rating"
            # a stable key: the label changes after the first save, and a button identified by
            # its label would drop the next click (the clicked "Save" no longer exists)
            submitted = st.form_submit_button(label, key=f"{p}.save", icon=":material/star_rate:")
        if submitted:
            _save(output_id, kind, user)
        elif latest is not None:
            st.caption(f"Your rating: {latest.overall}/5 (revision {latest.revision}).")


def _save(output_id: int, kind: OutputKind, user: UserInfo) -> None:
    p = _prefix(output_id)
    stars = st.session_state.get(f"{p}.overall")
    if stars is None:
        st.warning("Choose an overall rating (1 to 5 stars) before saving.")
        return
    scores = {c.key: st.session_state.get(f"{p}.{c.key}") for c in feedback.criteria_for(kind)}
    comment = st.session_state.get(f"{p}.comment") or ""
    try:
        fb = transact(feedback.add_rating, user, output_id, int(stars) + 1, scores, comment)
    except StorageError as exc:  # the message names the cause (unavailable, disk full, ...)
        st.error(f"Your rating could not be saved. {exc} Your rating is still on screen, "
                 "ready to save again.")
        return
    except MedgenError as exc:  # InvalidInputError: the inputs stay on screen for a correction
        st.error(str(exc))
        return
    st.session_state[f"{p}.latest"] = fb
    what = "saved" if fb.revision == 1 else f"revised (revision {fb.revision}; history kept)"
    st.success(f"Rating {what}: {fb.overall}/5.")


def rating_panel(output_id: int, kind: OutputKind | str) -> None:
    """Render the compact rating panel for one recorded output.

    Overall 1-5 stars, the criteria of ``kind`` (1-5 each, optional), an optional comment;
    tied to the signed-in user; saving again adds a revision (the latest counts). If the
    database write fails the user sees why and the inputs stay for a retry.
    """
    _panel(int(output_id), OutputKind(kind))
