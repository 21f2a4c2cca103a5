"""PACS widgets: the Viewer's "PACS" source (search, series, open) and Compare's "Send to PACS".

Identifiers shown in the search results (patient name and ID, accession number) and the
:class:`~medgen.pacs.SourceHeader` of the opened series live in ``st.session_state`` only, for
that session: they are never stored, logged or audited. A series opens through the Viewer's
upload path (:func:`medgen.ui.viewer.open_scan`), which de-identifies it before it is shown or
stored. The audit trail gets the upload event of that path (counts) and a PACS_SEND event per
send (replacement study UID, the new series UID, counts).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import streamlit as st
from pydicom.dataset import Dataset

from medgen.config import get_settings
from medgen.errors import MedgenError
from medgen.imaging.scan import Scan
from medgen.pacs import (
    PacsError,
    PartialStoreError,
    SeriesSummary,
    SourceHeader,
    StoreResult,
    StudySummary,
    connect,
    upload_files,
)
from medgen.pacs.derive import derived_for_pacs, series_description
from medgen.store.pacs import record_pacs_send
from medgen.types import AuditOutcome, Modality, UserInfo
from medgen.ui import state, viewer
from medgen.ui.resources import transact

if TYPE_CHECKING:  # medgen.ui.enhance loads torch: not needed by the Viewer
    from medgen.ui.enhance import CompareRun

log = logging.getLogger(__name__)

K_STUDIES = "pacs.studies"  # list[StudySummary] of the last search (identifiers: session only)
K_SERIES = "pacs.series"  # {study_uid: list[SeriesSummary]} already listed
K_ORIGIN = "pacs.origin"  # PacsOrigin of the loaded scan when it came from the PACS
K_SEND = "pacs.sent"  # SendState of the last "Send to PACS" of the current run
MODALITIES = ("Any", "CT", "MR", "CR", "DX", "PT", "NM", "US", "MG", "XA")
NOT_CONFIGURED = (
    "PACS not configured (set MEDGEN_DICOMWEB_URL, with MEDGEN_DICOMWEB_USER / "
    "MEDGEN_DICOMWEB_PASSWORD or MEDGEN_DICOMWEB_TOKEN, or the [dicomweb] table of "
    ".streamlit/secrets.toml). Ask an administrator; upload and sample studies still work."
)


def not_ct_message(modality: str) -> str:
    return (
        f"This {modality} series was opened from the PACS for viewing. Enhancement (and sending an "
        "enhanced series back) is for CT series only: open a CT series of the study in the Viewer."
    )


@dataclass(frozen=True)
class PacsOrigin:
    """Where the loaded scan came from; session memory only (``repr`` hides the header)."""

    scan_hash: str
    header: SourceHeader = field(repr=False)
    modality: str
    study_label: str = field(repr=False)  # date, description, accession: shown, never stored


@dataclass(frozen=True)
class SendState:
    """The last send of one enhancement run: its re-identified instances (kept for a retry with
    the same UIDs) and the result or the error message."""

    output_id: int
    datasets: tuple[Dataset, ...] = field(repr=False)
    series_uid: str = field(repr=False)
    result: StoreResult | None = None
    error: str = ""


# ------------------------------------------------------------------------ Viewer: source ---
def _study_label(s: StudySummary) -> str:
    date = s.study_date.isoformat() if s.study_date else "no date"
    mods = "/".join(s.modalities) or "?"
    return f"{date} · {mods} · {s.description or 'no description'} · accession " \
           f"{s.accession or '-'} · {s.patient_name or '-'} ({s.patient_id or '-'})"


def _series_label(s: SeriesSummary) -> str:
    num = f"#{s.series_number} " if s.series_number is not None else ""
    n = "?" if s.n_instances is None else s.n_instances
    return f"{num}{s.modality} · {s.description or 'no description'} · {n} images"


def _search_form() -> None:
    with st.form("pacs.search_form"):
        c1, c2, c3, c4, c5 = st.columns([3, 3, 2, 2, 2])
        patient_id = c1.text_input("Patient ID", key="pacs.patient_id")
        accession = c2.text_input("Accession number", key="pacs.accession")
        date_from = c3.date_input("Study date from", value=None, key="pacs.date_from",
                                  min_value=dt.date(1900, 1, 1))
        date_to = c4.date_input("Study date to", value=None, key="pacs.date_to",
                                min_value=dt.date(1900, 1, 1))
        modality = c5.selectbox("Modality", MODALITIES, key="pacs.modality")
        submitted = st.form_submit_button("Search PACS", icon=":material/search:")
    if not submitted:
        return
    try:
        with st.spinner("Searching the PACS ..."):
            studies = connect().search_studies(
                patient_id=patient_id, accession=accession, date_from=date_from,
                date_to=date_to, modality="" if modality == "Any" else modality,
            )
    except PacsError as exc:
        st.error(f"Search failed: {exc}", icon=":material/error:")
        return
    st.session_state[K_STUDIES] = studies
    st.session_state[K_SERIES] = {}


def _series_of(study: StudySummary) -> list[SeriesSummary] | None:
    listed: dict[str, list[SeriesSummary]] = st.session_state.setdefault(K_SERIES, {})
    if study.study_uid not in listed:
        try:
            with st.spinner("Listing the series of the study ..."):
                listed[study.study_uid] = connect().list_series(study.study_uid)
        except PacsError as exc:
            st.error(f"Could not list the series: {exc}", icon=":material/error:")
            return None
    return listed[study.study_uid]


def pacs_panel(user: UserInfo) -> None:
    """The "PACS" source: search, pick a study and a series, open it (as the loaded scan)."""
    cfg = get_settings().dicomweb
    if not cfg.configured:
        st.warning(NOT_CONFIGURED, icon=":material/link_off:")
        return
    _search_form()
    studies: list[StudySummary] | None = st.session_state.get(K_STUDIES)
    if studies is None:
        st.caption("Search by patient ID, accession number, study date range and/or modality.")
    elif not studies:
        st.info("No study matches this search.")
    else:
        st.dataframe(
            [{"date": s.study_date, "patient": s.patient_name, "patient ID": s.patient_id,
              "accession": s.accession, "description": s.description,
              "modalities": "/".join(s.modalities), "series": s.n_series,
              "images": s.n_instances} for s in studies],
            hide_index=True, key="pacs.study_table",
        )
        pick = st.selectbox("Study", range(len(studies)), key="pacs.study_pick",
                            format_func=lambda i: _study_label(studies[i]))
        study = studies[pick if pick is not None and pick < len(studies) else 0]
        series = _series_of(study)
        if series is not None:
            _series_picker(study, series, user)
    _non_ct_note()


def _series_picker(study: StudySummary, series: list[SeriesSummary], user: UserInfo) -> None:
    if not series:
        st.info("This study has no series on the PACS.")
        return
    st.dataframe(
        [{"number": s.series_number, "modality": s.modality, "description": s.description,
          "images": s.n_instances} for s in series],
        hide_index=True, key="pacs.series_table",
    )
    pick = st.selectbox("Series", range(len(series)), key="pacs.series_pick",
                        format_func=lambda i: _series_label(series[i]))
    chosen = series[pick if pick is not None and pick < len(series) else 0]
    if st.button("Open series", type="primary", icon=":material/download:", key="pacs.open"):
        open_series(study, chosen, user)


def open_series(study: StudySummary, series: SeriesSummary, user: UserInfo) -> bool:
    """Retrieve (WADO-RS) with progress, keep the source header in session, ingest like an upload."""
    n = "?" if series.n_instances is None else series.n_instances
    with st.status(f"Retrieving {n} images from the PACS ...", expanded=False) as status:
        try:
            datasets = connect().retrieve_series(series.study_uid, series.series_uid)
            header = SourceHeader.from_datasets(datasets)
            files = upload_files(datasets)
        except (PacsError, ValueError) as exc:
            status.update(label="Could not retrieve this series", state="error")
            msg = str(exc) if isinstance(exc, PacsError) else (
                "The PACS sent instances that do not form one series. Nothing was opened.")
            st.error(f"Retrieval failed: {msg}", icon=":material/error:")
            return False
        status.update(label=f"Retrieved {len(files)} images", state="complete")
    del datasets
    label = f"PACS: {series.modality} series" + (
        f" {series.series_number}" if series.series_number is not None else "")
    if not viewer.open_scan(files, label, "pacs", user):
        st.session_state.pop(K_ORIGIN, None)
        return False
    scan = state.current_scan()
    assert scan is not None  # open_scan set it
    date = study.study_date.isoformat() if study.study_date else "no date"
    st.session_state[K_ORIGIN] = PacsOrigin(
        scan_hash=scan.content_hash, header=header, modality=scan.modality.value,
        study_label=f"“{study.description or 'no description'}” of {date}, accession "
                    f"{study.accession or '-'}",
    )
    st.session_state.pop(K_SEND, None)
    log.info("PACS series opened: %d instances, modality %s", header.n_instances,
             scan.modality.value)
    return True


def origin_of(scan: Scan | None) -> PacsOrigin | None:
    """The PACS origin of ``scan`` when it is the series last opened from the PACS."""
    origin = st.session_state.get(K_ORIGIN)
    if scan is None or not isinstance(origin, PacsOrigin) or origin.scan_hash != scan.content_hash:
        return None
    return origin


def _non_ct_note() -> None:
    origin = origin_of(state.current_scan())
    if origin is not None and origin.modality != Modality.CT.value:
        st.info(not_ct_message(origin.modality), icon=":material/info:")


# ------------------------------------------------------------------- Compare: send back ---
def refuse_non_ct(scan: Scan) -> None:
    """On Compare: stop the page with a clear message for a non-CT series opened from the PACS."""
    origin = origin_of(scan)
    if origin is not None and scan.modality is not Modality.CT:
        st.error(not_ct_message(scan.modality.value), icon=":material/block:")
        st.stop()


def _build(scan: Scan, run: CompareRun, origin: PacsOrigin) -> SendState:
    result = run.result
    datasets = derived_for_pacs(
        scan, run.slices, result.pixels, model_id=result.model_id,
        model_version=result.model_version, header=origin.header,
        strength=result.strength.label if result.strength is not None else None,
    )
    return SendState(run.output_id, tuple(datasets), str(datasets[0].SeriesInstanceUID))


def send(scan: Scan, run: CompareRun, origin: PacsOrigin, user: UserInfo) -> SendState:
    """Build (or reuse, for a retry) the derived series, store it (STOW-RS), audit the outcome.

    A successful send is audited in one unit of work after the PACS accepted every image; a
    failed one records a failed-outcome audit event only. Returns the new :class:`SendState`.
    """
    prior = st.session_state.get(K_SEND)
    if isinstance(prior, SendState) and prior.output_id == run.output_id and prior.result is None:
        todo = prior  # retry: the same instances (same UIDs) complete a partly stored series
    else:
        todo = _build(scan, run, origin)
    replacement_study = scan.header.study_uid or ""
    n = len(todo.datasets)
    try:
        with st.spinner(f"Sending {n} images to the PACS ..."):
            stored = connect().store_instances(list(todo.datasets), study_uid=origin.header.study_uid)
    except PacsError as exc:
        failed = exc.failed if isinstance(exc, PartialStoreError) else n
        log.warning("PACS send failed: %s, %d of %d images", type(exc).__name__, failed, n)
        try:
            transact(record_pacs_send, user=user, output_id=run.output_id,
                     study_uid=replacement_study, series_uid=todo.series_uid, n_instances=n,
                     outcome=AuditOutcome.ERROR, n_failed=failed, error=type(exc).__name__)
        except MedgenError as store_exc:
            log.warning("failed PACS send not audited: %s", type(store_exc).__name__)
        return SendState(todo.output_id, todo.datasets, todo.series_uid, None, str(exc))
    done = SendState(todo.output_id, todo.datasets, todo.series_uid, stored, "")
    try:
        transact(record_pacs_send, user=user, output_id=run.output_id, study_uid=replacement_study,
                 series_uid=todo.series_uid, n_instances=stored.n_stored)
    except MedgenError as exc:
        st.warning(f"The series was sent, but the send could not be recorded in the audit trail: "
                   f"{exc}")
    log.info("PACS send: %d images stored", stored.n_stored)
    return done


def send_panel(scan: Scan, run: CompareRun, user: UserInfo) -> None:
    """"Send to PACS" for a run on a scan opened from the PACS: button, errors + retry, confirmation."""
    origin = origin_of(scan)
    if origin is None:
        return
    st.divider()
    st.markdown("**Send to PACS**")
    last = st.session_state.get(K_SEND)
    if not isinstance(last, SendState) or last.output_id != run.output_id:
        last = None
    if last is not None and last.result is not None:
        st.success(
            f"Sent to the PACS: series “{series_description(run.result.model_id)}”, "
            f"{last.result.n_stored} image{'s' if last.result.n_stored != 1 else ''}, as a new "
            "derived series in the study "
            f"{origin.study_label}. It appears next to the original series.",
            icon=":material/cloud_done:",
        )
        return
    n = len(run.slices)
    st.caption(f"Stores the {n} enhanced image{'s' if n > 1 else ''} as a new derived series "
               "(AI-enhanced, for review alongside the original) in the study they came from.")
    if last is not None and last.error:
        st.error(f"Sending failed: {last.error}", icon=":material/error:")
    label = "Retry sending" if last is not None else "Send to PACS"
    if st.button(label, icon=":material/cloud_upload:", key="pacs.send"):
        try:
            st.session_state[K_SEND] = send(scan, run, origin, user)
        except ValueError as exc:
            log.warning("derived series not built: %s", type(exc).__name__)
            st.error("The enhanced images could not be matched to the original images of the "
                     "PACS series, so nothing was sent. Open the series from the PACS again and "
                     "re-run the enhancement.", icon=":material/error:")
            return
        st.rerun()
