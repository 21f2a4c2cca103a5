"""Widgets of the admin page "Site adaptation" (issue 12): upload, start, follow, approve.

The two zips are read in memory through the normal loader (de-identified) by
:func:`medgen.enhance.site.ingest_zip`; the run is a background job (:mod:`medgen.jobs`), so its
progress is there after leaving the page and coming back. A finished model waits, hidden from
clinicians, until an admin approves it here; a rejected one is deleted. Every step is audited.
"""

from __future__ import annotations

import logging
import shutil
from functools import partial

import pandas as pd
import streamlit as st

from medgen import jobs
from medgen.enhance import cards, site
from medgen.errors import MedgenError
from medgen.store import jobs as store
from medgen.types import JobInfo, JobKind, JobStatus, UserInfo
from medgen.ui.jobs import job_card
from medgen.ui.resources import db, transact

log = logging.getLogger(__name__)
K = "adapt."


def start_form(admin: UserInfo) -> None:
    """Uploads and settings; on submit: ingest (de-identified) and start the job."""
    with st.form(K + "form"):
        noisy = st.file_uploader("Noisy set: the site's routine CT (zip of DICOM series)",
                                 type=["zip"], key=K + "noisy")
        clean = st.file_uploader("Clean set: low-noise CT of other patients (zip of DICOM series)",
                                 type=["zip"], key=K + "clean")
        base = st.selectbox("Base model", cards.list_models(), key=K + "base")
        out_id = st.text_input("Name of the new model", key=K + "out",
                               placeholder="e.g. ldct-gan-v2-site-a")
        minutes = st.number_input("Maximum minutes", 0.5, 240.0, 10.0, 0.5, key=K + "minutes")
        dp = st.checkbox("Differentially private training (DP-SGD)", key=K + "dp")
        epsilon = st.number_input("Privacy budget epsilon (with DP)", 0.5, 50.0, 8.0, 0.5,
                                  key=K + "epsilon")
        keep = st.checkbox("Keep the (de-identified) training data after the job", key=K + "keep")
        submitted = st.form_submit_button("Start adaptation", type="primary")
    if not submitted:
        return
    if noisy is None or clean is None or not base:
        st.error("Upload both zips (noisy set and clean set) and choose a base model.")
        return
    training = None
    try:
        name = site.check_model_id(out_id)
        training = site.new_training_dir()
        sets = [site.ingest_zip(f.getvalue(), f.name, s, training)
                for f, s in ((noisy, "noisy"), (clean, "clean"))]
        fn = site.adapt_job(training, str(base), name, max_minutes=float(minutes),
                            dp_epsilon=float(epsilon) if dp else 0.0, keep_data=keep)
        detail = {"base_model": base, "model_id": name, "max_minutes": minutes,
                  "dp_epsilon": epsilon if dp else None, "keep_training_data": keep,
                  **{f"{t.name}_series": t.series for t in sets},
                  **{f"{t.name}_slices": t.slices for t in sets}}
        job_id = jobs.start(db(), JobKind.SITE_ADAPT, admin, fn, label=f"{base} -> {name}",
                            detail=detail)
    except MedgenError as exc:
        if training is not None:
            shutil.rmtree(training, ignore_errors=True)
        st.error(str(exc))
        return
    counts = "; ".join(f"{t.name}: {t.series} series, {t.slices} slices" for t in sets)
    st.success(f"Adaptation job #{job_id} started ({counts}). You can leave this page.")


def _decide(admin: UserInfo, job: JobInfo, approve: bool) -> None:
    apply = cards.set_approved if approve else cards.remove_model
    try:
        transact(store.decide_model, job.id, admin, approve, apply)
    except MedgenError as exc:
        st.error(str(exc))
    else:
        st.rerun()


def details(admin: UserInfo, job: JobInfo) -> None:
    """Epoch, losses, validation figures, time left; the result and the approval buttons."""
    p, r = job.progress, job.result
    if not job.status.finished and p.get("epoch"):
        c1, c2, c3 = st.columns(3)
        c1.metric("Epoch", f"{p['epoch']} of {p['epochs']}")
        c2.metric("Time left", f"{p.get('time_left_s', 0) / 60:.1f} min")
        c3.metric("Best epoch so far", p.get("best_epoch") or "none yet")
        st.dataframe(pd.DataFrame([{"figure": k, "value": v} for k, v in
                                   {**p.get("losses", {}), **p.get("validation", {})}.items()]),
                     hide_index=True)
    if job.status is not JobStatus.DONE:
        return
    if r.get("training_data"):
        st.caption(f"Training data kept (de-identified) in `{r['training_data']}` under the data folder.")
    if r.get("status") != "accepted":
        st.warning(f"The adapted model was {r.get('status')} and not published: "
                   + " ".join(r.get("reasons", [])))
        return
    st.write(f"Model **{r['model_id']}** ({r.get('epochs')} epochs): {r.get('approval')}.")
    st.dataframe(pd.DataFrame(r.get("validation", {})), width="content")
    if r.get("approval") == "pending":
        left, right = st.columns(2)
        if left.button("Approve for clinicians", key=f"{K}approve.{job.id}", type="primary"):
            _decide(admin, job, True)
        if right.button("Reject and delete", key=f"{K}reject.{job.id}"):
            _decide(admin, job, False)


def render(job: JobInfo, admin: UserInfo) -> None:
    job_card(job, admin, prefix="adapt", details=partial(details, admin))
