"""ScanHeader built by the real loader from real files: typed values, replacement UIDs, None."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from medgen.imaging import ScanHeader, load_scan, load_scans
from medgen.imaging.header import ImageSource, Photometric
from medgen.types import Modality
from tests.imaging.conftest import data_of, read


def test_ct_header_is_typed_and_de_identified() -> None:
    orig = read("CT_small.dcm")
    h = load_scan(data_of("CT_small.dcm"), "CT_small.dcm").header
    assert isinstance(h, ScanHeader) and h.source is ImageSource.DICOM and h.modality is Modality.CT
    assert h.photometric is Photometric.MONOCHROME2 and (h.rows, h.columns, h.n_slices) == (128, 128, 1)
    # replacement UIDs, never the originals
    for ours, theirs in ((h.study_uid, orig.StudyInstanceUID), (h.series_uid, orig.SeriesInstanceUID),
                         (h.frame_of_reference_uid, orig.FrameOfReferenceUID),
                         (h.slices[0].sop_instance_uid, orig.SOPInstanceUID)):
        assert ours is not None and ours.startswith("2.25.") and ours != theirs
    assert h.slices[0].sop_class_uid == orig.SOPClassUID  # a registered class UID stays
    assert h.slices[0].position == pytest.approx(tuple(float(v) for v in orig.ImagePositionPatient))
    # numbers are numbers, absent values None
    assert h.equipment.kvp == 120.0 and h.equipment.tube_current_ma == float(orig.XRayTubeCurrent)
    assert h.equipment.manufacturer == "GE MEDICAL SYSTEMS" and h.equipment.kernel == "STANDARD"
    assert h.slice_thickness == float(orig.SliceThickness)
    assert h.pixel_spacing == pytest.approx(tuple(float(v) for v in orig.PixelSpacing))
    assert h.rescale == (1.0, -1024.0) and h.window is None and h.body_part is None
    assert h.contrast_agent == "ISOVUE300/100"
    assert h.transfer_syntax_name == "Explicit VR Little Endian"
    d = h.deidentification
    assert d is not None and d.patient_identity_removed and d.codes[0].value == "113100"
    # the printable summary holds no original identifier
    text = " ".join(h.summary().values())
    assert str(orig.PatientName) not in text and orig.StudyInstanceUID not in text


def test_multiframe_header_has_one_entry_per_frame() -> None:
    h = load_scan(data_of("eCT_Supplemental.dcm"), "eCT_Supplemental.dcm").header
    assert h.n_slices == 2 and [s.frame_number for s in h.slices] == [1, 2]
    assert len({s.sop_instance_uid for s in h.slices}) == 1  # one object, two frames
    assert h.slices[0].position != h.slices[1].position


def test_series_header_references_every_slice_in_display_order() -> None:
    from pathlib import Path

    from pydicom.data import get_testdata_file

    names = ["3353", "2062", "3023", "2392", "2693"]  # shuffled on purpose
    files = [(n, Path(str(get_testdata_file(n, download=False))).read_bytes()) for n in names]
    scan = load_scans(files)
    h = scan.header
    assert h.n_slices == 5 and len({s.sop_instance_uid for s in h.slices}) == 5
    z = [s.position[2] for s in h.slices]  # type: ignore[index]
    assert z == sorted(z) and h.frame_of_reference_uid is not None


def test_plain_image_header_has_no_dicom_fields() -> None:
    buf = io.BytesIO()
    Image.fromarray(np.zeros((8, 12), np.uint8)).save(buf, format="PNG")
    h = load_scan(buf.getvalue(), "x.png").header
    assert h.source is ImageSource.IMAGE and h.modality is Modality.OT
    assert (h.rows, h.columns, h.image_format, h.bits_stored) == (8, 12, "PNG", 8)
    assert h.study_uid is None and h.slices == () and h.deidentification is None
    assert h.equipment.kvp is None and h.photometric is None
    assert h.summary()["Format"] == "PNG" and "StudyInstanceUID" not in h.summary()
