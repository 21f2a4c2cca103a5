"""medgen.pacs against the real throwaway Orthanc of .ci/with_orthanc.sh (seeded: tests/pacs/seed.py)."""

from __future__ import annotations

import datetime as dt
import logging
import time

import numpy as np
import pytest

from medgen.config import DicomwebSettings
from medgen.pacs import (
    PacsAuthError,
    PacsClient,
    PacsError,
    PacsNotConfiguredError,
    PacsNotFoundError,
    PacsQueryError,
    PacsTimeoutError,
    PacsUnreachableError,
    PartialRetrievalError,
)
from tests.pacs import seed
from tests.pacs.conftest import proxy

CT_SMALL = seed.single("CT_small.dcm")
MR_SMALL = seed.single("MR_small.dcm")
PANCREAS = seed.single("explicit_VR-UN.dcm")


def _uids(studies: list) -> set[str]:
    return {s.study_uid for s in studies}


# -- search (QIDO-RS) ---------------------------------------------------------------------------


def test_search_by_patient_id(pacs: PacsClient) -> None:
    found = pacs.search_studies(patient_id=str(CT_SMALL.PatientID))
    assert len(found) == 1
    study = found[0]
    assert study.study_uid == CT_SMALL.StudyInstanceUID
    assert study.study_date == dt.date(2004, 1, 19)
    assert study.modalities == ("CT",)
    assert (study.n_series, study.n_instances) == (1, 1)
    # identifiers are there for the clinician to pick the patient ...
    assert study.patient_id == "1CT1"
    assert study.patient_name == str(CT_SMALL.PatientName)
    # ... but never in the repr (logs, tracebacks)
    assert "1CT1" not in repr(study) and "CompressedSamples" not in repr(study)


def test_search_by_accession(pacs: PacsClient) -> None:
    found = pacs.search_studies(accession=seed.SERIES_ACCESSION)
    assert _uids(found) == {seed.SERIES_STUDY_UID}
    study = found[0]
    assert study.accession == seed.SERIES_ACCESSION
    assert study.description == seed.SERIES_STUDY_DESCRIPTION
    assert study.study_date == dt.date(2023, 3, 14)
    # the store tests may add a derived series to this study
    assert study.n_instances is not None and study.n_instances >= seed.SERIES_SLICES
    assert pacs.search_studies(accession="NO-SUCH-ACCESSION") == []


def test_search_by_date_range_and_modality(pacs: PacsClient) -> None:
    in_2004 = pacs.search_studies(date_from=dt.date(2004, 1, 1), date_to=dt.date(2004, 12, 31))
    assert _uids(in_2004) == {CT_SMALL.StudyInstanceUID, MR_SMALL.StudyInstanceUID}
    assert [s.study_date for s in in_2004] == [dt.date(2004, 8, 26), dt.date(2004, 1, 19)]

    ct_2004 = pacs.search_studies(date_from="2004-01-01", date_to="20041231", modality="ct")
    assert _uids(ct_2004) == {CT_SMALL.StudyInstanceUID}

    since_2015 = pacs.search_studies(date_from="2015-01-01")  # open-ended range
    assert _uids(since_2015) == {PANCREAS.StudyInstanceUID, seed.SERIES_STUDY_UID}
    one_day = pacs.search_studies(date_from="2015-11-24", date_to="2015-11-24")
    assert _uids(one_day) == {PANCREAS.StudyInstanceUID}


def test_search_by_modality(pacs: PacsClient) -> None:
    assert _uids(pacs.search_studies(modality="MR")) == {MR_SMALL.StudyInstanceUID}
    assert _uids(pacs.search_studies(modality="CT")) == {
        CT_SMALL.StudyInstanceUID,
        PANCREAS.StudyInstanceUID,
        seed.SERIES_STUDY_UID,
    }


def test_search_needs_a_criterion_and_a_valid_range(pacs: PacsClient) -> None:
    with pytest.raises(PacsQueryError, match="patient ID"):
        pacs.search_studies()
    with pytest.raises(PacsQueryError, match="start date is after"):
        pacs.search_studies(date_from="2020-01-02", date_to="2020-01-01")
    with pytest.raises(PacsQueryError, match="date such as"):
        pacs.search_studies(date_from="14/03/2024")


# -- series -------------------------------------------------------------------------------------


def test_list_series(pacs: PacsClient) -> None:
    series = pacs.list_series(str(CT_SMALL.StudyInstanceUID))
    assert len(series) == 1
    s = series[0]
    assert s.series_uid == CT_SMALL.SeriesInstanceUID
    assert (s.modality, s.n_instances) == ("CT", 1)

    built = {s.series_uid: s for s in pacs.list_series(seed.SERIES_STUDY_UID)}
    assert built[seed.SERIES_UID].n_instances == seed.SERIES_SLICES
    assert built[seed.SERIES_UID].description == "5/5mm Plain"
    assert pacs.list_series("1.2.3.4.5.6.7.8.9") == []


# -- retrieve (WADO-RS) -------------------------------------------------------------------------


def test_retrieve_series_pixels_equal_the_seeded_files(pacs: PacsClient) -> None:
    got = pacs.retrieve_series(seed.SERIES_STUDY_UID, seed.SERIES_UID)
    expected = {ds.SOPInstanceUID: ds for ds in (f.dataset() for f in seed.build_series())}
    assert len(got) == seed.SERIES_SLICES
    assert {ds.SOPInstanceUID for ds in got} == set(expected)
    for ds in got:
        ref = expected[ds.SOPInstanceUID]
        np.testing.assert_array_equal(ds.pixel_array, ref.pixel_array)
        assert [float(v) for v in ds.ImagePositionPatient] == [
            float(v) for v in ref.ImagePositionPatient
        ]
    # the slices differ (distinct offsets): equality above is not trivially true
    assert len({int(ds.pixel_array.sum()) for ds in got}) == seed.SERIES_SLICES


def test_retrieve_compressed_series_keeps_lossless_pixels(pacs: PacsClient) -> None:
    got = pacs.retrieve_series(str(PANCREAS.StudyInstanceUID), str(PANCREAS.SeriesInstanceUID))
    assert len(got) == 1
    np.testing.assert_array_equal(got[0].pixel_array, PANCREAS.pixel_array)


def test_retrieve_unknown_series_is_not_found(pacs: PacsClient) -> None:
    with pytest.raises(PacsNotFoundError, match="no such series"):
        pacs.retrieve_series(seed.SERIES_STUDY_UID, "1.2.3.4.5.6.7.8.9")


def test_partial_retrieval_is_detected(truncating_pacs: DicomwebSettings) -> None:
    client = PacsClient(truncating_pacs)
    with pytest.raises(PartialRetrievalError) as info:
        client.retrieve_series(seed.SERIES_STUDY_UID, seed.SERIES_UID)
    err = info.value
    assert (err.expected, err.received) == (seed.SERIES_SLICES, seed.SERIES_SLICES - 1)
    assert f"Only {seed.SERIES_SLICES - 1} of the {seed.SERIES_SLICES} images" in str(err)


# -- errors -------------------------------------------------------------------------------------


def test_check_connection(pacs: PacsClient) -> None:
    status = pacs.check_connection()
    assert status.auth == "basic"
    assert status.host.startswith("http://127.0.0.1:") and "dicom-web" not in status.host
    assert status.elapsed_ms > 0


def test_wrong_password_is_an_auth_error(pacs_settings: DicomwebSettings) -> None:
    bad = DicomwebSettings(url=pacs_settings.url, user=pacs_settings.user, password="wrong")
    client = PacsClient(bad)
    with pytest.raises(PacsAuthError, match="refused the credentials") as info:
        client.check_connection()
    assert info.value.status == 401
    with pytest.raises(PacsAuthError):
        client.search_studies(patient_id="1CT1")
    anonymous = PacsClient(DicomwebSettings(url=pacs_settings.url))
    with pytest.raises(PacsAuthError):
        anonymous.retrieve_series(seed.SERIES_STUDY_UID, seed.SERIES_UID)


def test_bearer_token(bearer_gateway: tuple[str, str]) -> None:
    url, token = bearer_gateway
    client = PacsClient(DicomwebSettings(url=url, token=token))
    assert client.check_connection().auth == "bearer"
    assert _uids(client.search_studies(patient_id="1CT1")) == {CT_SMALL.StudyInstanceUID}
    wrong = PacsClient(DicomwebSettings(url=url, token="not-the-token"))
    with pytest.raises(PacsAuthError, match="HTTP 401"):
        wrong.search_studies(patient_id="1CT1")


def test_wrong_dicomweb_root(pacs_settings: DicomwebSettings) -> None:
    root = pacs_settings.url.split("/dicom-web")[0]
    client = PacsClient(
        DicomwebSettings(
            url=f"{root}/no-dicom-web", user=pacs_settings.user, password=pacs_settings.password
        )
    )
    with pytest.raises(PacsNotConfiguredError, match="no DICOMweb service") as info:
        client.check_connection()
    assert info.value.status == 404
    with pytest.raises(PacsNotConfiguredError, match="no DICOMweb service"):
        client.search_studies(modality="CT")
    with pytest.raises(PacsNotFoundError, match="no such study or series"):
        client.list_series(str(CT_SMALL.StudyInstanceUID))


def test_busy_pacs_is_retried_then_reported(pacs_settings: DicomwebSettings) -> None:
    with proxy(pacs_settings, busy=True) as url:
        client = PacsClient(DicomwebSettings(url=url), retries=2)
        with pytest.raises(PacsError, match=r"busy \(HTTP 503\).*even after retrying") as info:
            client.search_studies(modality="CT")
    assert info.value.status == 503


def test_unreachable_server(closed_port: int) -> None:
    client = PacsClient(DicomwebSettings(url=f"http://127.0.0.1:{closed_port}/dicom-web"))
    with pytest.raises(PacsUnreachableError, match="could not be reached while searching") as info:
        client.search_studies(patient_id="1CT1")
    assert f"127.0.0.1:{closed_port}" in str(info.value)
    assert "1CT1" not in str(info.value)


def test_timeout(silent_port: int) -> None:
    client = PacsClient(
        DicomwebSettings(url=f"http://127.0.0.1:{silent_port}/dicom-web", timeout_s=0.5)
    )
    t0 = time.monotonic()
    with pytest.raises(PacsTimeoutError, match="within 0.5 s while checking the connection"):
        client.check_connection()
    assert time.monotonic() - t0 < 10


def test_not_configured() -> None:
    with pytest.raises(PacsNotConfiguredError, match="MEDGEN_DICOMWEB_URL"):
        PacsClient(DicomwebSettings())


def test_no_identifiers_in_logs(pacs: PacsClient, caplog: pytest.LogCaptureFixture) -> None:
    """A search by patient ID and a retrieval, with every logger at DEBUG: identifiers and UIDs
    never reach a log record (only counts, status codes, durations)."""
    caplog.set_level(logging.DEBUG)
    studies = pacs.search_studies(patient_id=str(CT_SMALL.PatientID))
    series = pacs.list_series(studies[0].study_uid)
    pacs.retrieve_series(studies[0].study_uid, series[0].series_uid)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "PACS search: 1 criteria, 1 studies" in text  # the records were captured
    assert "urllib3" in {r.name.split(".")[0] for r in caplog.records}
    for secret in (
        str(CT_SMALL.PatientID),
        str(CT_SMALL.PatientName),
        str(CT_SMALL.StudyInstanceUID),
        str(CT_SMALL.SeriesInstanceUID),
        str(CT_SMALL.SOPInstanceUID),
    ):
        assert secret not in text
