"""Open a PACS series through the upload path; send a derived series back re-identified."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from medgen.imaging import load_scans
from medgen.imaging.deid import deidentify
from medgen.pacs import PacsClient
from medgen.pacs.reident import SourceHeader, reidentify, upload_files
from tests.pacs import seed

SALT = b"medgen-test-salt-0123456789abcdef"


def _hu(ds: Dataset) -> np.ndarray:
    return ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)


def _derive_from_deidentified(originals: list[Dataset]) -> list[Dataset]:
    """What the app does: its copy is de-identified; the derived series is built from that copy
    (new Series/SOP UIDs, replacement study UID, changed pixels), in its own slice order."""
    series_uid = generate_uid()
    out = []
    for ds in originals:
        d = deidentify(ds, salt=SALT)
        d.SeriesInstanceUID = series_uid
        d.SOPInstanceUID = generate_uid()
        d.file_meta.MediaStorageSOPInstanceUID = d.SOPInstanceUID
        d.SeriesDescription = "AI-enhanced (test re-identification)"
        d.SeriesNumber = 902
        d.PixelData = (d.pixel_array // 2).astype(d.pixel_array.dtype).tobytes()
        out.append(d)
    random.Random(1).shuffle(out)
    return out


def test_retrieved_series_opens_through_the_upload_path(pacs: PacsClient) -> None:
    datasets = pacs.retrieve_series(seed.SERIES_STUDY_UID, seed.SERIES_UID)
    files = upload_files(datasets)
    assert [name for name, _ in files][:2] == ["pacs-0001.dcm", "pacs-0002.dcm"]
    scan = load_scans(files)
    assert scan.pixels.shape == (seed.SERIES_SLICES, 512, 512)
    by_z = sorted(datasets, key=lambda ds: float(ds.ImagePositionPatient[2]))
    for i, ds in enumerate(by_z):  # sorted along the slice normal, in HU
        np.testing.assert_allclose(scan.pixels[i], _hu(ds))


def test_header_repr_shows_no_identifier(pacs: PacsClient) -> None:
    datasets = pacs.retrieve_series(seed.SERIES_STUDY_UID, seed.SERIES_UID)
    header = SourceHeader.from_datasets(datasets)
    assert header.n_instances == seed.SERIES_SLICES
    text = repr(header)
    for secret in (
        "CQ500-CT-310",
        seed.SERIES_STUDY_UID,
        seed.SERIES_UID,
        str(datasets[0].SOPInstanceUID),
    ):
        assert secret not in text


def test_derived_series_goes_back_reidentified(pacs: PacsClient) -> None:
    originals = pacs.retrieve_series(seed.SERIES_STUDY_UID, seed.SERIES_UID)
    header = SourceHeader.from_datasets(originals)  # kept in memory before de-identification
    derived = _derive_from_deidentified(originals)
    assert derived[0].StudyInstanceUID != seed.SERIES_STUDY_UID  # the app's copy is replaced
    assert derived[0].PatientID != "CQ500-CT-310"

    ready = reidentify(derived, header)
    series_uid = ready[0].SeriesInstanceUID
    assert pacs.store_instances(ready).study_uid == seed.SERIES_STUDY_UID

    listed = {s.series_uid: s for s in pacs.list_series(seed.SERIES_STUDY_UID)}
    assert listed[series_uid].n_instances == seed.SERIES_SLICES
    original_by_sop = {str(ds.SOPInstanceUID): ds for ds in originals}
    sent_by_sop = {str(ds.SOPInstanceUID): ds for ds in ready}
    for got in pacs.retrieve_series(seed.SERIES_STUDY_UID, series_uid):
        src = original_by_sop[got.SourceImageSequence[0].ReferencedSOPInstanceUID]
        assert got.SourceImageSequence[0].ReferencedSOPClassUID == src.SOPClassUID
        assert got.SourceImageSequence[0].PurposeOfReferenceCodeSequence[0].CodeValue == "121322"
        assert list(got.ImagePositionPatient) == list(src.ImagePositionPatient)  # same slice
        assert list(got.ImageType)[:2] == ["DERIVED", "SECONDARY"]
        for kw in (
            "PatientID",
            "PatientName",
            "AccessionNumber",
            "StudyDate",
            "FrameOfReferenceUID",
        ):
            assert got.get(kw) == src.get(kw), kw
        assert "PatientIdentityRemoved" not in got
        np.testing.assert_array_equal(got.pixel_array, sent_by_sop[got.SOPInstanceUID].pixel_array)


def test_reidentify_refuses_what_it_cannot_match() -> None:
    ct = seed.single("CT_small.dcm")
    header = SourceHeader.from_datasets([ct])
    same_uids = copy.deepcopy(ct)
    with pytest.raises(ValueError, match="new Series and SOP"):
        reidentify([same_uids], header)

    series = [f.dataset() for f in seed.build_series(3)]
    header3 = SourceHeader.from_datasets(series)
    stray = deidentify(series[0], salt=SALT)
    stray.SeriesInstanceUID, stray.SOPInstanceUID = generate_uid(), generate_uid()
    stray.ImagePositionPatient = [0.0, 0.0, 999.0]
    stray.InstanceNumber = 99
    with pytest.raises(ValueError, match="matches no source slice"):
        reidentify([stray], header3)

    with pytest.raises(ValueError, match="exactly one series"):
        SourceHeader.from_datasets([ct, series[0]])


def test_reidentify_drops_replacement_values_the_source_lacks() -> None:
    ct = seed.single("CT_small.dcm")
    assert "AccessionNumber" in ct and "IssuerOfPatientID" not in ct
    header = SourceHeader.from_datasets([ct])
    d = deidentify(ct, salt=SALT)
    d.SeriesInstanceUID, d.SOPInstanceUID = generate_uid(), generate_uid()
    d.IssuerOfPatientID = "REPLACEMENT"
    (back,) = reidentify([d], header)
    assert "IssuerOfPatientID" not in back
    assert back.PatientID == ct.PatientID and back.StudyInstanceUID == ct.StudyInstanceUID
    assert back.SourceImageSequence[0].ReferencedSOPInstanceUID == ct.SOPInstanceUID
