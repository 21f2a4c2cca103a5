"""AppTest of the PACS workflow (Viewer "PACS" source, Compare "Send to PACS") against the real
throwaway Orthanc of ``.ci/with_orthanc.sh``: the full session, its traces in the database and the
logs, and the bad-input cases (not configured, unreachable, wrong credentials, non-CT series,
partial retrieval, failed send and its retry)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydicom.uid import generate_uid
from sqlalchemy import MetaData, func, select
from streamlit.testing.v1 import AppTest

from medgen.config import DicomwebSettings, get_settings
from medgen.pacs import PacsClient
from medgen.store.db import get_engine
from medgen.store.models import AuditEvent, GeneratedOutput, Image, Study, User
from medgen.types import AuditAction, AuditOutcome, Role, UserInfo
from tests.pacs import seed

ROOT = Path(__file__).resolve().parents[2]
VIEWER = str(ROOT / "pages" / "viewer.py")
COMPARE = str(ROOT / "pages" / "compare.py")
#: Session keys a real session carries from the Viewer to Compare.
CARRIED = ("auth.user", "scan", "scan.image_id", "scan.label", "pacs.origin")


@pytest.fixture
def env(migrated_url: str, session_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    """A migrated app database with one clinician; the PACS link not configured."""
    from medgen.ui import resources

    monkeypatch.setenv("MEDGEN_DATABASE_URL", migrated_url)
    for var in ("URL", "USER", "PASSWORD", "TOKEN"):
        monkeypatch.delenv(f"MEDGEN_DICOMWEB_{var}", raising=False)
    get_settings.cache_clear()
    resources.db.clear()
    with session_factory.begin() as s:
        row = User(username="dr_pacs", display_name="Dr Pacs", role=Role.CLINICIAN.value)
        s.add(row)
        s.flush()
        user = UserInfo(row.id, row.username, row.display_name, Role.CLINICIAN)
    yield {"url": migrated_url, "factory": session_factory, "user": user, "mp": monkeypatch}
    resources.db.clear()
    get_settings.cache_clear()


def configure(env: dict, url: str, user: str = "", password: str = "") -> None:
    """Point the app's PACS link at ``url`` (as MEDGEN_DICOMWEB_* would)."""
    mp: pytest.MonkeyPatch = env["mp"]
    mp.setenv("MEDGEN_DICOMWEB_URL", url)
    mp.setenv("MEDGEN_DICOMWEB_USER", user)
    mp.setenv("MEDGEN_DICOMWEB_PASSWORD", password)
    mp.setenv("MEDGEN_DICOMWEB_TIMEOUT_S", "60")
    get_settings.cache_clear()


def viewer(user: UserInfo) -> AppTest:
    at = AppTest.from_file(VIEWER, default_timeout=120)
    at.session_state["auth.user"] = user
    return at.run()


def compare_after(at_viewer: AppTest) -> AppTest:
    at = AppTest.from_file(COMPARE, default_timeout=600)
    for key in CARRIED:
        if key in at_viewer.session_state:
            at.session_state[key] = at_viewer.session_state[key]
    return at.run()


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def texts(elements: Any) -> str:
    return "\n".join(str(e.value) for e in elements)


def search(at: AppTest, *, accession: str = "", patient_id: str = "") -> AppTest:
    at.text_input(key="pacs.accession").input(accession)
    at.text_input(key="pacs.patient_id").input(patient_id)
    return button(at, "Search PACS").click().run()


def counts(factory) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with factory() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Study, Image, GeneratedOutput, AuditEvent)
        }


def events(factory, action: AuditAction) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with factory() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == action.value)).all()
        s.expunge_all()
        return list(rows)


def open_seeded_series(env: dict, pacs_settings: DicomwebSettings) -> AppTest:
    configure(env, pacs_settings.url, pacs_settings.user, pacs_settings.password)
    at = search(viewer(env["user"]), accession=seed.SERIES_ACCESSION)
    assert not at.exception and not at.error, texts(at.error)
    assert at.dataframe[0].value["accession"].tolist() == [seed.SERIES_ACCESSION]
    return button(at, "Open series").click().run()


# ------------------------------------------------------------------------- full session ---
def seeded_identifiers() -> list[str]:
    series = [f.dataset() for f in seed.build_series()]
    first = series[0]
    return [
        str(first.PatientName),
        str(first.PatientID),
        seed.SERIES_ACCESSION,
        seed.SERIES_STUDY_UID,
        seed.SERIES_UID,
        *(str(ds.SOPInstanceUID) for ds in series),
    ]


def dump(url: str) -> str:
    """Every row of every table, every column (JSON and binary columns included), as text."""
    engine = get_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    out = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    out.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return "\n".join(out)


def test_pacs_session_search_open_enhance_send(
    env: dict, pacs_settings: DicomwebSettings, pacs: PacsClient,
    caplog: pytest.LogCaptureFixture, closed_port: int,
) -> None:
    caplog.set_level(logging.DEBUG)
    at = open_seeded_series(env, pacs_settings)
    assert not at.exception and not at.error, texts(at.error)
    scan = at.session_state["scan"]
    assert scan.n_slices == seed.SERIES_SLICES and scan.modality.value == "CT"
    assert scan.header.study_uid and scan.header.study_uid != seed.SERIES_STUDY_UID  # de-identified
    meta = dict(zip(at.table[0].value["attribute"], at.table[0].value["value"], strict=True))
    assert meta["PatientIdentityRemoved"] == "YES"
    assert counts(env["factory"])["images"] == 1
    uploads = events(env["factory"], AuditAction.UPLOAD)
    assert [e.detail["origin"] for e in uploads] == ["pacs"]
    assert uploads[0].detail["files"] == seed.SERIES_SLICES

    # Compare: enhance the current slice; "Send to PACS" is offered
    at = compare_after(at)
    assert not at.exception and not at.error, texts(at.error)
    at = at.button(key="compare.run").click().run()
    assert not at.exception and not at.error, texts(at.error)
    output_id = at.session_state["compare.result"].output_id

    # a send while the PACS is unreachable: a clear message, a retry button, a failed audit only
    configure(env, f"http://127.0.0.1:{closed_port}/dicom-web", "medgen", "x")
    before = counts(env["factory"])
    at = button(at, "Send to PACS").click().run()
    assert not at.exception
    assert "Sending failed" in texts(at.error) and "could not be reached" in texts(at.error)
    assert any(b.label == "Retry sending" for b in at.button)
    failed = events(env["factory"], AuditAction.PACS_SEND)
    assert [e.outcome for e in failed] == [AuditOutcome.ERROR.value]
    assert failed[0].detail["error"] == "PacsUnreachableError" and failed[0].detail["failed"] == 1
    after = counts(env["factory"])
    assert after == {**before, "audit_events": before["audit_events"] + 1}

    # retry against the real PACS: confirmation, audited, found by QIDO in the source study
    configure(env, pacs_settings.url, pacs_settings.user, pacs_settings.password)
    at = button(at, "Retry sending").click().run()
    assert not at.exception and not at.error, texts(at.error)
    confirmation = texts(at.success)
    assert "Sent to the PACS" in confirmation and "1 image," in confirmation
    assert seed.SERIES_STUDY_DESCRIPTION in confirmation
    assert not any(b.label in ("Send to PACS", "Retry sending") for b in at.button)
    sent = events(env["factory"], AuditAction.PACS_SEND)
    assert [e.outcome for e in sent] == [AuditOutcome.ERROR.value, AuditOutcome.OK.value]
    ok = sent[1]
    assert ok.object_id == str(output_id) and ok.detail["instances"] == 1
    assert ok.detail["study_uid"] == scan.header.study_uid  # the replacement UID
    assert ok.detail["series_uid"] == failed[0].detail["series_uid"]  # the retry resent the same
    listed = {s.series_uid: s for s in pacs.list_series(seed.SERIES_STUDY_UID)}
    derived = listed[ok.detail["series_uid"]]
    assert derived.n_instances == 1 and derived.description.startswith("AI-enhanced")
    back = pacs.retrieve_series(seed.SERIES_STUDY_UID, derived.series_uid)
    originals = {str(f.dataset().SOPInstanceUID) for f in seed.build_series()}
    assert list(back[0].ImageType)[:2] == ["DERIVED", "SECONDARY"]
    assert back[0].SourceImageSequence[0].ReferencedSOPInstanceUID in originals
    assert "alongside the original" in back[0].DerivationDescription
    assert str(back[0].PatientID) == "CQ500-CT-310"  # re-identified for the PACS only

    # nothing identifying in the database (all tables, all columns) nor in the logs
    text = dump(env["url"])
    assert scan.header.study_uid in text and ok.detail["series_uid"] in text  # the dump is complete
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "PACS store: 1 instances" in logs and "PACS series opened" in logs
    for secret in seeded_identifiers():
        assert secret not in text, f"{secret} in the database"
        assert secret not in logs, f"{secret} in the logs"


# --------------------------------------------------------------------------- bad input ---
@pytest.mark.parametrize("fault", ["wrong credentials", "timeout", "refused by the PACS"])
def test_failed_send_names_the_failure_and_stores_nothing(
    env: dict, pacs_settings: DicomwebSettings, pacs: PacsClient, silent_port: int,
    misdirecting_pacs: DicomwebSettings, fault: str,
) -> None:
    at = open_seeded_series(env, pacs_settings)
    at = compare_after(at).button(key="compare.run").click().run()
    assert not at.exception and not at.error, texts(at.error)
    listed_before = {s.series_uid for s in pacs.list_series(seed.SERIES_STUDY_UID)}
    before = counts(env["factory"])
    if fault == "wrong credentials":
        configure(env, pacs_settings.url, pacs_settings.user, "not-the-password")
        expected = "refused the credentials (HTTP 401) while sending images"
    elif fault == "refused by the PACS":  # a real refusal by Orthanc (instances of another study)
        configure(env, misdirecting_pacs.url, pacs_settings.user, pacs_settings.password)
        expected = "The PACS refused all 1 images that were sent"
    else:
        configure(env, f"http://127.0.0.1:{silent_port}/dicom-web", "medgen", "x")
        env["mp"].setenv("MEDGEN_DICOMWEB_TIMEOUT_S", "2")
        get_settings.cache_clear()
        expected = "did not answer within 2 s while sending images"
    at = button(at, "Send to PACS").click().run()
    assert not at.exception
    # no confirmation (the only other success box is the input guard's "within ..." verdict)
    assert expected in texts(at.error) and "Sent to the PACS" not in texts(at.success)
    assert any(b.label == "Retry sending" for b in at.button)
    assert counts(env["factory"]) == {**before, "audit_events": before["audit_events"] + 1}
    (event,) = events(env["factory"], AuditAction.PACS_SEND)
    assert event.outcome == AuditOutcome.ERROR.value and event.detail["instances"] == 1
    assert {s.series_uid for s in pacs.list_series(seed.SERIES_STUDY_UID)} == listed_before


def test_not_configured(env: dict) -> None:
    at = viewer(env["user"])
    assert not at.exception
    assert "PACS not configured (set MEDGEN_DICOMWEB_URL" in texts(at.warning)
    assert not any(b.label == "Search PACS" for b in at.button)


def test_unreachable(env: dict, closed_port: int) -> None:
    configure(env, f"http://127.0.0.1:{closed_port}/dicom-web")
    at = search(viewer(env["user"]), accession="MGT0001")
    assert not at.exception
    assert "Search failed" in texts(at.error) and "could not be reached" in texts(at.error)
    assert at.text_input(key="pacs.accession").value == "MGT0001"  # what was typed is kept
    assert counts(env["factory"]) == dict.fromkeys(("studies", "images", "generated_outputs",
                                                    "audit_events"), 0)


def test_wrong_credentials(env: dict, pacs_settings: DicomwebSettings) -> None:
    configure(env, pacs_settings.url, pacs_settings.user, "not-the-password")
    at = search(viewer(env["user"]), accession=seed.SERIES_ACCESSION)
    assert not at.exception
    assert "refused the credentials (HTTP 401)" in texts(at.error)
    assert counts(env["factory"])["audit_events"] == 0


def test_partial_retrieval_opens_nothing(
    env: dict, truncating_pacs: DicomwebSettings
) -> None:
    at = open_seeded_series(env, truncating_pacs)
    assert not at.exception
    assert f"Only {seed.SERIES_SLICES - 1} of the {seed.SERIES_SLICES} images" in texts(at.error)
    assert "scan" not in at.session_state and "pacs.origin" not in at.session_state
    assert counts(env["factory"]) == dict.fromkeys(("studies", "images", "generated_outputs",
                                                    "audit_events"), 0)


def test_non_ct_series_is_viewed_not_enhanced(env: dict, pacs_settings: DicomwebSettings) -> None:
    configure(env, pacs_settings.url, pacs_settings.user, pacs_settings.password)
    mr = seed.single("MR_small.dcm")
    at = search(viewer(env["user"]), patient_id=str(mr.PatientID))
    assert not at.exception and not at.error
    at = button(at, "Open series").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert at.session_state["scan"].modality.value == "MR" and len(at.image) == 1  # viewed
    assert "Enhancement (and sending an enhanced series back) is for CT" in texts(at.info)
    at = compare_after(at)
    assert not at.exception
    assert "This MR series was opened from the PACS for viewing" in texts(at.error)
    assert not any(b.label == "Enhance" for b in at.button)


def test_send_is_not_offered_for_an_upload(env: dict, pacs_settings: DicomwebSettings) -> None:
    """A scan that did not come from the PACS (a sample) gets no "Send to PACS"."""
    configure(env, pacs_settings.url, pacs_settings.user, pacs_settings.password)
    at = viewer(env["user"])
    at = button(at, "Load a sample study").click().run()
    assert not at.exception and at.session_state["scan"] is not None
    at = compare_after(at).button(key="compare.run").click().run()
    assert not at.exception and not at.error
    assert not any(b.label == "Send to PACS" for b in at.button)


def test_store_function_records_no_original_uid(session_factory) -> None:  # type: ignore[no-untyped-def]
    from medgen.store.pacs import record_pacs_send

    replacement, new_series = generate_uid(), generate_uid()
    with session_factory.begin() as s:
        record_pacs_send(s, user=None, output_id=7, study_uid=replacement, series_uid=new_series,
                         n_instances=3, outcome="error", n_failed=2, error="PartialStoreError")
    (event,) = events(session_factory, AuditAction.PACS_SEND)
    assert event.object_id == "7" and event.outcome == "error"
    assert event.detail == {"destination": "pacs", "study_uid": replacement,
                            "series_uid": new_series, "instances": 3, "failed": 2,
                            "error": "PartialStoreError"}
