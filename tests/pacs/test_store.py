"""STOW-RS: a derived series stored back into its source study on the real Orthanc."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from medgen.config import DicomwebSettings
from medgen.pacs import PacsAuthError, PacsClient, PartialStoreError
from tests.pacs import seed


def derive(source: list[Dataset], description: str = "AI-enhanced (test)") -> list[Dataset]:
    """Simple derived instances: new Series/SOP UIDs, DERIVED\\SECONDARY, references to the
    originals, pixel values changed (inverted within the stored range)."""
    series_uid = generate_uid()
    out = []
    for src in source:
        ds = copy.deepcopy(src)
        ds.SeriesInstanceUID = series_uid
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.ImageType = ["DERIVED", "SECONDARY"]
        ds.SeriesDescription = description
        ds.SeriesNumber = 901
        ds.DerivationDescription = "test derivation: pixel values inverted"
        ref = Dataset()
        ref.ReferencedSOPClassUID = src.SOPClassUID
        ref.ReferencedSOPInstanceUID = src.SOPInstanceUID
        ds.SourceImageSequence = Sequence([ref])
        arr = src.pixel_array
        ds.PixelData = (arr.max() - arr).astype(arr.dtype).tobytes()
        out.append(ds)
    return out


@pytest.fixture
def source(pacs: PacsClient) -> list[Dataset]:
    return pacs.retrieve_series(seed.SERIES_STUDY_UID, seed.SERIES_UID)


def test_store_derived_series_and_find_it_back(pacs: PacsClient, source: list[Dataset]) -> None:
    derived = derive(source)
    series_uid = derived[0].SeriesInstanceUID
    result = pacs.store_instances(derived)
    assert result.study_uid == seed.SERIES_STUDY_UID
    assert result.series_uids == (series_uid,)
    assert result.n_stored == seed.SERIES_SLICES

    # found back by QIDO in the same study, next to the original
    listed = {s.series_uid: s for s in pacs.list_series(seed.SERIES_STUDY_UID)}
    assert seed.SERIES_UID in listed
    assert listed[series_uid].n_instances == seed.SERIES_SLICES
    assert listed[series_uid].description == "AI-enhanced (test)"
    assert listed[series_uid].modality == "CT"

    # and what comes back is what was sent: ImageType, references, pixels
    back = {ds.SOPInstanceUID: ds for ds in pacs.retrieve_series(seed.SERIES_STUDY_UID, series_uid)}
    originals = {ds.SOPInstanceUID for ds in source}
    assert set(back) == {ds.SOPInstanceUID for ds in derived}
    for sent in derived:
        got = back[sent.SOPInstanceUID]
        assert list(got.ImageType) == ["DERIVED", "SECONDARY"]
        assert got.SourceImageSequence[0].ReferencedSOPInstanceUID in originals
        np.testing.assert_array_equal(got.pixel_array, sent.pixel_array)


def test_store_with_an_instance_of_another_study_is_a_partial_failure(
    pacs: PacsClient, source: list[Dataset]
) -> None:
    derived = derive(source[:3], description="partial store (test)")
    derived[2].StudyInstanceUID = generate_uid()  # does not belong to the target study
    with pytest.raises(PartialStoreError) as info:
        pacs.store_instances(derived, study_uid=seed.SERIES_STUDY_UID)
    err = info.value
    assert (err.sent, err.failed) == (3, 1)
    assert "stored 2 of the 3 images" in str(err) and "1 failed" in str(err)
    assert err.reasons == ("processing failure",)  # Orthanc's FailureReason 0x0110
    # the PACS kept the two that fit: a retry re-sends the same SOP Instance UIDs
    partial = [
        s
        for s in pacs.list_series(seed.SERIES_STUDY_UID)
        if s.description == "partial store (test)"
    ]
    assert [s.n_instances for s in partial] == [2]
    # retry path: the corrected series sent again completes it (no duplicates)
    derived[2].StudyInstanceUID = seed.SERIES_STUDY_UID
    assert pacs.store_instances(derived).n_stored == 3
    partial = [
        s
        for s in pacs.list_series(seed.SERIES_STUDY_UID)
        if s.description == "partial store (test)"
    ]
    assert [s.n_instances for s in partial] == [3]


def test_store_refused_entirely(pacs: PacsClient, source: list[Dataset]) -> None:
    derived = derive(source[:2], description="refused store (test)")
    other_study = generate_uid()
    for ds in derived:  # none belongs to the target study: the PACS refuses them all
        ds.StudyInstanceUID = other_study
    with pytest.raises(PartialStoreError, match="refused all 2 images") as info:
        pacs.store_instances(derived, study_uid=seed.SERIES_STUDY_UID)
    assert info.value.failed == 2
    assert not any(
        s.description == "refused store (test)" for s in pacs.list_series(seed.SERIES_STUDY_UID)
    )
    assert pacs.list_series(other_study) == []


def test_store_with_wrong_credentials(
    pacs_settings: DicomwebSettings, source: list[Dataset]
) -> None:
    bad = PacsClient(
        DicomwebSettings(url=pacs_settings.url, user=pacs_settings.user, password="wrong")
    )
    with pytest.raises(PacsAuthError, match="HTTP 401"):
        bad.store_instances(derive(source[:1]))


def test_store_checks_its_input(pacs: PacsClient, source: list[Dataset]) -> None:
    with pytest.raises(ValueError, match="at least one"):
        pacs.store_instances([])
    mixed = derive(source[:2])
    mixed[1].StudyInstanceUID = generate_uid()
    with pytest.raises(ValueError, match="same study"):
        pacs.store_instances(mixed)
