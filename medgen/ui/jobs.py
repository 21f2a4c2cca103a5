"""Widgets for background jobs (:mod:`medgen.jobs`): start a whole-study run, list and cancel jobs.

A job's state lives in the database, so a page that is left and opened again (or opened in
another browser) shows the same status and progress; a running job refreshes itself every few
seconds while the page is open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import streamlit as st

from medgen import jobs
from medgen.config import get_settings
from medgen.enhance.background import study_job
from medgen.enhance.strength import Strength
from medgen.errors import MedgenError
from medgen.imaging.scan import Scan
from medgen.store import jobs as store
from medgen.types import JobInfo, JobKind, JobStatus, UserInfo
from medgen.ui.resources import db, transact

log = logging.getLogger(__name__)

STATUS_ICON = {
    JobStatus.QUEUED: ":material/schedule:",
    JobStatus.RUNNING: ":material/autorenew:",
    JobStatus.DONE: ":material/check_circle:",
    JobStatus.FAILED: ":material/error:",
    JobStatus.CANCELLED: ":material/cancel:",
}
REFRESH_S = 3.0


def background_panel(scan: Scan, model_id: str, strength: Strength, user: UserInfo) -> None:
    """Compare page: start the whole loaded series as a background job (multi-slice scans only)."""
    if not scan.is_volume:
        return
    if st.button(
        "Enhance the whole study in the background",
        key="compare.background",
        help="Runs every slice with this model and strength as a job; the derived series is "
        "written as DICOM and can be downloaded from the Jobs page, even after leaving this page.",
    ):
        try:
            job_id = start_study(scan, model_id, strength, user)
        except MedgenError as exc:
            st.error(str(exc))
        else:
            st.session_state["compare.job"] = job_id
    if (started := st.session_state.get("compare.job")) is not None:
        st.success(
            f"Background job #{started} started. Follow it on the **Jobs** page (sidebar); "
            "you can leave this page."
        )


def start_study(scan: Scan, model_id: str, strength: Strength, user: UserInfo) -> int:
    """Start the whole-study job for ``scan``; return its id."""
    value = strength.as_params()["strength"]
    fn = study_job(scan, model_id, value, user=user)
    label = f"{scan.n_slices} slices, {model_id}, strength {strength.label}"
    return jobs.start(
        db(), JobKind.BATCH_ENHANCE, user, fn, label=label,
        detail={"model_id": model_id, "n_slices": scan.n_slices, "strength": str(value)},
    )


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else ""


def _data_file(relative: str) -> Path | None:
    """A file a job wrote under the data directory (None if gone or outside it)."""
    root = get_settings().data_dir.resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def job_card(
    job: JobInfo,
    user: UserInfo,
    prefix: str = "jobs",
    details: Callable[[JobInfo], None] | None = None,
) -> None:
    """One job: status, progress bar, times, result links, cancel button (+ ``details(job)``)."""
    with st.container(border=True):
        st.markdown(f"{STATUS_ICON[job.status]} **Job #{job.id}** ({job.status.value}): {job.label}")
        st.caption(
            f"Started {_when(job.created_at)}"
            + (f"; finished {_when(job.finished_at)}" if job.finished_at else "")
        )
        if not job.status.finished:
            stage = job.progress.get("stage", "waiting")
            st.progress(job.fraction, text=f"{stage}: {job.progress.get('done', 0)} of "
                        f"{job.progress.get('total', '?')}")
            if job.cancel_requested:
                st.caption("Cancel requested; the job stops at its next step.")
            elif st.button("Cancel", key=f"{prefix}.cancel.{job.id}"):
                transact(store.request_cancel, job.id, user)
                st.rerun()
        if job.status is JobStatus.FAILED:
            st.error(job.error)
        if job.status is JobStatus.DONE and job.kind is JobKind.BATCH_ENHANCE:
            res = job.result
            st.write(
                f"Recorded as output #{res.get('output_id')}: {res.get('n_slices')} slices in "
                f"{res.get('seconds')} s on {res.get('device')}. Derived series in "
                f"`{res.get('folder')}` (under the data folder)."
            )
            if (archive := _data_file(str(res.get("zip", "")))) is not None:
                st.download_button(
                    "Download the derived series (DICOM zip)", archive.read_bytes,
                    file_name=f"job-{job.id}-derived.zip", mime="application/zip",
                    key=f"{prefix}.zip.{job.id}",
                )
        if details is not None:
            details(job)


def job_list(
    user: UserInfo,
    *,
    kind: JobKind | None = None,
    everyone: bool = False,
    render: Callable[[JobInfo, UserInfo], None] | None = None,
) -> None:
    """The user's jobs (``everyone``: all users'), newest first; refreshes while one runs.

    ``render(job, user)`` draws each job (default :func:`job_card`).
    """

    owner = None if everyone else user
    # One query per full run: its result decides the refresh timer and draws the first pass;
    # the fragment's timed reruns query afresh.
    first = [transact(store.list_jobs, owner, kind=kind)]
    refreshing = any(not j.status.finished for j in first[0])

    @st.fragment(run_every=REFRESH_S if refreshing else None)
    def body() -> None:
        found = first.pop() if first else transact(store.list_jobs, owner, kind=kind)
        if refreshing and all(j.status.finished for j in found):
            # The last job ended: one full rerun draws the page without the timer, so that its
            # buttons (downloads, approve) are not re-drawn under the user's pointer every few s.
            st.rerun(scope="app")
        if not found:
            st.info("No background jobs yet.")
        for job in found:
            (render or job_card)(job, user)

    body()

