"""deidentify: PS3.15 Annex E Basic Profile on real files with PHI added."""

from __future__ import annotations

import copy
import os
import stat
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from medgen.imaging import deidentify
from medgen.imaging.deid import SALT_FILE, load_or_create_salt, replace_uid
from tests.imaging.conftest import read

PHI = {
    "PatientName": "Doe^Jane^Q",
    "PatientID": "MRN-55501234",
    "PatientBirthDate": "19610203",
    "PatientAddress": "12 Harbour Lane, Springfield",
    "OtherPatientIDs": "ALT-7788",
    "InstitutionName": "St Example General Hospital",
    "InstitutionAddress": "1 Hospital Road",
    "ReferringPhysicianName": "House^Gregory",
    "PerformingPhysicianName": "Quinn^Michaela",
    "OperatorsName": "Tech^Tina",
    "AccessionNumber": "ACC99887766",
    "StudyID": "STUDY4242",
    "StudyDescription": "CT head for Jane Doe",
    "SeriesDescription": "Doe axial",
    "StationName": "CTROOM-7",
    "DeviceSerialNumber": "SN-0042-XYZ",
    "ImageComments": "patient Jane Doe, fell at home",
    "PatientTelephoneNumbers": "555-0100",
    "StudyDate": "20240102",
    "SeriesDate": "20240102",
    "AcquisitionDate": "20240102",
    "ContentTime": "101010",
}


def with_phi(name: str = "CT_small.dcm") -> Dataset:
    ds = read(name)
    for kw, value in PHI.items():
        setattr(ds, kw, value)
    ds.add_new(0x00091001, "LO", "private Jane Doe")  # private element, with a creator
    ds.add_new(0x00090010, "LO", "ACME PRIVATE")
    person = Dataset()
    person.PersonName = "Nested^Nora"
    person.PersonAddress = "3 Nested Street"
    ds.ContentSequence = Sequence([person])
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ref.ReferencedSOPInstanceUID = "1.2.3.4.5.6.7.8.9"
    ref.PerformingPhysicianName = "Inner^Ivan"
    ds.ReferencedImageSequence = Sequence([ref])
    return ds


def all_values(ds: Dataset) -> str:
    parts = []
    for elem in ds.iterall():
        parts.append(str(elem.value))
    if hasattr(ds, "file_meta"):
        parts.extend(str(e.value) for e in ds.file_meta)
    return "\n".join(parts)


def test_input_is_not_modified(salt: bytes) -> None:
    ds = with_phi()
    before = copy.deepcopy(ds)
    out = deidentify(ds, salt=salt)
    assert out is not ds
    assert ds == before and ds.PatientName == "Doe^Jane^Q"


def test_phi_removed_everywhere(salt: bytes) -> None:
    ds = with_phi()
    out = deidentify(ds, salt=salt)
    text = all_values(out)
    for value in [*PHI.values(), "Nested^Nora", "3 Nested Street", "Inner^Ivan", "private Jane Doe",
                  "ACME PRIVATE"]:
        assert value not in text, value
    for kw in ("InstitutionName", "OtherPatientIDs", "StudyDescription", "SeriesDate",
               "AcquisitionDate", "ContentTime", "ImageComments", "DeviceSerialNumber"):
        assert kw not in out
    assert not any(e.tag.is_private for e in out.iterall())


def test_type2_attributes_emptied_not_removed(salt: bytes) -> None:
    out = deidentify(with_phi(), salt=salt)
    for kw in ("PatientName", "PatientID", "PatientBirthDate", "StudyDate", "AccessionNumber",
               "ReferringPhysicianName", "StudyID"):
        assert kw in out and not out[kw].value, kw


def test_uids_replaced_consistently_and_standard_uids_kept(salt: bytes) -> None:
    ds = with_phi()
    a, b = deidentify(ds, salt=salt), deidentify(copy.deepcopy(ds), salt=salt)
    for kw in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID"):
        assert str(a[kw].value) != str(ds[kw].value)
        assert str(a[kw].value) == str(b[kw].value)
        assert str(a[kw].value).startswith("2.25.") and len(str(a[kw].value)) <= 64
        assert pydicom.uid.UID(str(a[kw].value)).is_valid
    assert a.SOPClassUID == ds.SOPClassUID  # registered UIDs stay
    assert a.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
    assert a.file_meta.MediaStorageSOPInstanceUID == a.SOPInstanceUID
    ref = a.ReferencedImageSequence[0]
    assert ref.ReferencedSOPInstanceUID == replace_uid("1.2.3.4.5.6.7.8.9", salt)
    assert ref.ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
    other = deidentify(ds, salt=b"\x02" * 32)
    assert other.StudyInstanceUID != a.StudyInstanceUID  # depends on the secret


def test_profile_markers(salt: bytes) -> None:
    out = deidentify(with_phi(), salt=salt)
    assert out.PatientIdentityRemoved == "YES"
    code = out.DeidentificationMethodCodeSequence[0]
    assert (code.CodeValue, code.CodingSchemeDesignator) == ("113100", "DCM")
    assert "PS3.15" in out.DeidentificationMethod


def test_overlays_and_private_tags_of_real_file_removed(salt: bytes) -> None:
    ds = read("MR-SIEMENS-DICOM-WithOverlays.dcm")
    assert any(0x6000 <= e.tag.group <= 0x60FF for e in ds)
    assert any(e.tag.is_private for e in ds)
    out = deidentify(ds, salt=salt)
    assert not any(0x6000 <= e.tag.group <= 0x60FF for e in out)
    assert not any(e.tag.is_private for e in out.iterall())
    assert "PixelData" in out and out.Rows == ds.Rows  # the image survives


def test_pixel_and_geometry_attributes_kept(salt: bytes) -> None:
    ds = read("CT_small.dcm")
    out = deidentify(ds, salt=salt)
    for kw in ("Rows", "Columns", "PixelSpacing", "RescaleSlope", "RescaleIntercept",
               "ImagePositionPatient", "ImageOrientationPatient", "Modality", "BitsStored"):
        assert out[kw].value == ds[kw].value
    assert out.PixelData == ds.PixelData


def test_salt_created_once_private(tmp_path: Path) -> None:
    a = load_or_create_salt(tmp_path)
    b = load_or_create_salt(tmp_path)
    assert a == b and len(a) == 32
    mode = stat.S_IMODE(os.stat(tmp_path / SALT_FILE).st_mode)
    assert mode == 0o600


def test_default_salt_from_settings_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from medgen.config import get_settings

    monkeypatch.setenv("MEDGEN_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        out = deidentify(read("CT_small.dcm"))
        salt = (tmp_path / SALT_FILE).read_text()
        assert out.StudyInstanceUID == replace_uid(read("CT_small.dcm").StudyInstanceUID,
                                                   bytes.fromhex(salt))
    finally:
        get_settings.cache_clear()


def test_contrast_agent_is_kept_only_when_clean(salt: bytes) -> None:
    # the real CT's agent name is plain text: kept (the report prefill needs it)
    assert deidentify(read("CT_small.dcm"), salt=salt).ContrastBolusAgent == "ISOVUE300/100"
    # an agent field that carries part of a person's name is replaced by the dummy (action D)
    ds = with_phi()
    ds.ContrastBolusAgent = "Omnipaque given by Quinn"
    assert deidentify(ds, salt=salt).ContrastBolusAgent == "CONTRAST"
    ds.ContrastBolusAgent = "see note: <b>x</b>" * 5  # not short plain text
    assert deidentify(ds, salt=salt).ContrastBolusAgent == "CONTRAST"
