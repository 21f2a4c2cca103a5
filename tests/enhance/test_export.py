"""Derived DICOM and PNG export, on real CT files read through the real loader.

Every exported object is validated with ``dciodvfy`` (Debian package dicom3tools; ``make
system-deps`` installs it): the test is skipped without it on a workstation, and fails under CI.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image

from medgen.imaging import load_scan, load_scans
from medgen.imaging.export import export_dicom, png_bytes, png_zip
from medgen.imaging.window import apply_window
from tests.enhance.conftest import CT_SERIES, scan_from_pydicom

DCIODVFY = shutil.which("dciodvfy")


def _validate(data: bytes, tmp_path: Path) -> None:
    """Run dciodvfy on one object; fail on any line it reports as an error."""
    if DCIODVFY is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("dciodvfy (dicom3tools) is missing on CI: run `make system-deps`")
        pytest.skip("dciodvfy (dicom3tools) is not installed: run `make system-deps`")
    path = tmp_path / "derived.dcm"
    path.write_bytes(data)
    proc = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, timeout=60)
    report = proc.stdout + proc.stderr
    errors = [line for line in report.splitlines() if line.startswith("Error")]
    assert not errors, report


def _objects(data: bytes, name: str) -> list[bytes]:
    if name.endswith(".dcm"):
        return [data]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [zf.read(n) for n in sorted(zf.namelist())]


def _check_derived(scan, data: bytes, name: str, enhanced: np.ndarray, tmp_path: Path) -> list:  # type: ignore[no-untyped-def]
    objects = _objects(data, name)
    assert len(objects) == scan.n_slices
    dss = [pydicom.dcmread(io.BytesIO(b)) for b in objects]
    h = scan.header
    assert h.study_uid and h.frame_of_reference_uid and h.series_uid
    for k, (raw, ds) in enumerate(zip(objects, dss, strict=True)):
        _validate(raw, tmp_path)
        geo = scan.geometry[k]
        assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage
        assert list(ds.ImageType)[:2] == ["DERIVED", "SECONDARY"]
        assert "ldct-gan-v1" in ds.DerivationDescription
        # same (replacement) study and frame of reference, a new series and instance
        assert ds.StudyInstanceUID == h.study_uid
        assert ds.FrameOfReferenceUID == h.frame_of_reference_uid
        assert ds.SeriesInstanceUID != h.series_uid
        assert ds.SOPInstanceUID not in {g.sop_instance_uid for g in scan.geometry}
        # the source instance of this very slice is referenced, with its purpose
        (ref,) = ds.SourceImageSequence
        assert ref.ReferencedSOPClassUID == geo.sop_class_uid
        assert ref.ReferencedSOPInstanceUID == geo.sop_instance_uid
        assert ref.PurposeOfReferenceCodeSequence[0].CodeValue == "121322"
        # type 2 patient / study attributes present and empty (de-identified)
        for kw in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate",
                   "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber"):
            assert kw in ds and not str(ds[kw].value or "")
        assert ds.PatientIdentityRemoved == "YES"
        # geometry of the source slice
        assert [float(v) for v in ds.PixelSpacing] == pytest.approx(list(scan.pixel_spacing))
        assert tuple(float(v) for v in ds.ImagePositionPatient) == pytest.approx(geo.position)
        assert tuple(float(v) for v in ds.ImageOrientationPatient) == pytest.approx(geo.orientation)
        hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        np.testing.assert_allclose(hu, np.rint(enhanced[k] if enhanced.ndim == 3 else enhanced), atol=0.5)
    assert len({d.SOPInstanceUID for d in dss}) == len(dss)
    assert len({d.SeriesInstanceUID for d in dss}) == 1
    return dss


def test_single_slice_keeps_study_frame_of_reference_and_validates(tmp_path: Path) -> None:
    scan = scan_from_pydicom(["CT_small.dcm"])
    enhanced = scan.pixels + 3.0
    data, name = export_dicom(scan, enhanced, "ldct-gan-v1", "ab" * 32)
    assert name.endswith(".dcm")
    (ds,) = _check_derived(scan, data, name, enhanced, tmp_path)
    # only de-identified values: the original file's patient name and institution do not return
    orig = pydicom.dcmread(pydicom.data.get_testdata_file("CT_small.dcm", download=False))
    assert str(ds.PatientName) == "" != str(orig.PatientName)
    assert "InstitutionName" not in ds and "InstitutionName" in orig
    # reloading the derived object through the real loader gives the enhanced image back
    again = load_scan(data, name)
    assert again.is_hu and again.header.frame_of_reference_uid is not None
    np.testing.assert_allclose(again.pixels, np.rint(enhanced), atol=0.5)


def test_real_series_exports_one_valid_object_per_slice(tmp_path: Path) -> None:
    scan = scan_from_pydicom(list(CT_SERIES))
    assert scan.shape == (5, 16, 16) and scan.slice_spacing == pytest.approx(2.5)
    enhanced = scan.pixels - 7.0
    data, name = export_dicom(scan, enhanced, "ldct-gan-v1", "0" * 64)
    assert name.endswith(".zip")
    dss = _check_derived(scan, data, name, enhanced, tmp_path)
    assert float(dss[0].SpacingBetweenSlices) == pytest.approx(2.5)
    # the zip loads back as one series in the same slice order and frame of reference
    again = load_scans([(name, data)])
    assert again.shape == scan.shape
    np.testing.assert_allclose(again.pixels, np.rint(enhanced), atol=0.5)
    np.testing.assert_allclose([g.position for g in again.geometry], [g.position for g in scan.geometry])
    assert again.header.series_uid != scan.header.series_uid


def test_png_export():
    hu = np.linspace(-1000, 1000, 64 * 64, dtype=np.float32).reshape(64, 64)
    img = Image.open(io.BytesIO(png_bytes(hu, 0, 2000)))
    arr = np.asarray(img)
    assert img.mode == "L" and arr.shape == (64, 64) and arr.min() == 0 and arr.max() == 255
    np.testing.assert_array_equal(arr, apply_window(hu, 0, 2000))  # the one windowing function
    small = Image.open(io.BytesIO(png_bytes(np.zeros((512, 300)), 40, 400, max_size=256)))
    assert max(small.size) == 256
    with zipfile.ZipFile(io.BytesIO(png_zip(np.stack([hu, hu]), 40, 400))) as zf:
        assert len(zf.namelist()) == 2


def test_non_ct_input_becomes_valid_secondary_capture(tmp_path: Path) -> None:
    """An MR run with the override is exported as Secondary Capture, still in its study."""
    scan = scan_from_pydicom(["MR_small.dcm"])
    data, name = export_dicom(scan, scan.pixels, "ldct-gan-v1", "0" * 64)
    _validate(data, tmp_path)
    ds = pydicom.dcmread(io.BytesIO(data))
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7" and ds.Modality == "MR"
    assert ds.StudyInstanceUID == scan.header.study_uid
    assert ds.SourceImageSequence[0].ReferencedSOPInstanceUID == scan.geometry[0].sop_instance_uid
