"""Export an enhanced series as DICOM (a zip for a series) and PNG.

The DICOM objects are derived images (PS3.3 C.7.6.1.1.2: ImageType DERIVED\\SECONDARY, with a
DerivationDescription naming the model) in a *new* series of the *same* study and frame of
reference: new Series and SOP Instance UIDs, the source's (replacement) StudyInstanceUID and
FrameOfReferenceUID, the same geometry, and a SourceImageSequence that references every source
instance (PS3.3 C.7.6.1.1.4). They are built from the de-identified :class:`ScanHeader` only, so
nothing the de-identification removed can reappear; the type 2 patient and study attributes are
present and empty. CT input with full geometry becomes CT Image Storage (Patient, General Study,
General Series, Frame of Reference, General Equipment, General Image, Image Plane, Image Pixel,
CT Image, VOI LUT and SOP Common modules); anything else Secondary Capture. The output validates
with ``dciodvfy`` (dicom3tools) without errors (tests/enhance/test_export.py).
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import numpy as np
from PIL import Image as PILImage
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from medgen.imaging.header import Code, ScanHeader, SliceGeometry
from medgen.imaging.scan import Scan
from medgen.imaging.window import apply_window
from medgen.types import Modality

#: CT Image Storage (PS3.4 B.5).
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
#: Secondary Capture Image Storage, for non-CT inputs run with an override.
SC_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.7"
#: Purpose of reference of a source image (CID 7202): DCM 121322.
SOURCE_PURPOSE = Code("121322", "DCM", "Source image for image processing operation")
#: Type 2 attributes of the Patient and General Study modules, present and empty (de-identified).
EMPTY_TYPE2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate",
               "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber")


def png_bytes(hu: np.ndarray, center: float, width: float, max_size: int | None = None) -> bytes:
    """One 2-D slice windowed at (center, width) as an 8-bit greyscale PNG (optionally downscaled)."""
    if np.asarray(hu).ndim != 2:
        raise ValueError(f"png_bytes needs a 2-D slice, got shape {np.asarray(hu).shape}")
    img = PILImage.fromarray(apply_window(hu, center, width), mode="L")
    if max_size is not None and max(img.size) > max_size:
        img.thumbnail((max_size, max_size), PILImage.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def png_zip(pixels: np.ndarray, center: float, width: float, stem: str = "enhanced") -> bytes:
    """Every slice of a series as PNG in a zip (``stem_0001.png`` ...)."""
    vol = pixels[None] if pixels.ndim == 2 else pixels
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, sl in enumerate(vol):
            zf.writestr(f"{stem}_{i + 1:04d}.png", png_bytes(sl, center, width))
    return buf.getvalue()


def _code_item(code: Code) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = (
        code.value, code.scheme, code.meaning)
    return item


def _source_reference(geo: SliceGeometry) -> Dataset | None:
    """A SourceImageSequence item for one source slice (None if its instance is unknown)."""
    if not (geo.sop_class_uid and geo.sop_instance_uid):
        return None
    item = Dataset()
    item.ReferencedSOPClassUID = geo.sop_class_uid
    item.ReferencedSOPInstanceUID = geo.sop_instance_uid
    if geo.frame_number is not None:
        item.ReferencedFrameNumber = geo.frame_number
    item.PurposeOfReferenceCodeSequence = Sequence([_code_item(SOURCE_PURPOSE)])
    return item


def _has_plane(scan: Scan) -> bool:
    geo = scan.geometry
    return (scan.pixel_spacing is not None and len(geo) == scan.n_slices
            and all(g.position is not None and g.orientation is not None for g in geo))


def _common(header: ScanHeader, study_uid: str, series_uid: str, frame_uid: str | None) -> Dataset:
    """Patient, General Study, General Series, Frame of Reference, General Equipment (shared)."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    for kw in EMPTY_TYPE2:
        setattr(ds, kw, "")
    deid = header.deidentification
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = (deid.method if deid and deid.method else "MedGen Studio")[:64]
    if deid and deid.codes:
        ds.DeidentificationMethodCodeSequence = Sequence([_code_item(c) for c in deid.codes])
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = 9001
    ds.Laterality = header.laterality if header.laterality in ("R", "L") else ""
    if header.body_part:
        ds.BodyPartExamined = header.body_part[:16]
    if frame_uid is not None:
        ds.FrameOfReferenceUID = frame_uid
        ds.PositionReferenceIndicator = ""
    ds.Manufacturer = "MedGen Studio"
    ds.ManufacturerModelName = "MedGen Studio enhancer"
    return ds


def derived_datasets(
    scan: Scan,
    pixels_hu: np.ndarray,
    model_id: str,
    model_version: str,
    series_description: str | None = None,
) -> list[Dataset]:
    """The enhanced pixels as a new DICOM series (one Dataset per slice), geometry from ``scan``."""
    vol = pixels_hu[None] if pixels_hu.ndim == 2 else pixels_hu
    if vol.shape[-2:] != scan.pixels.shape[-2:] or vol.shape[0] != scan.n_slices:
        raise ValueError(f"enhanced pixels {pixels_hu.shape} do not match the scan {scan.shape}")
    header = scan.header
    ct = scan.modality is Modality.CT and scan.is_hu and _has_plane(scan)
    study_uid = header.study_uid or generate_uid()
    frame_uid = header.frame_of_reference_uid or (generate_uid() if ct else None)
    common = _common(header, study_uid, generate_uid(), frame_uid)
    now = datetime.now(UTC)
    desc = series_description or f"Enhanced {model_id}"
    derivation = (
        f"Low-dose CT denoising by MedGen Studio model {model_id} (weights sha256 {model_version[:16]}). "
        "For review alongside the original images, never instead of them."
    )[:1024]
    eq = header.equipment
    out = []
    for i, sl in enumerate(vol):
        ds = Dataset()
        ds.update(common)
        ds.SOPClassUID = CT_IMAGE_STORAGE if ct else SC_IMAGE_STORAGE
        ds.SOPInstanceUID = generate_uid()
        ds.Modality = scan.modality.value
        ds.SeriesDescription = desc[:64]
        ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"] if ct else ["DERIVED", "SECONDARY"]
        ds.DerivationDescription = derivation
        ds.ContentDate = now.strftime("%Y%m%d")
        ds.ContentTime = now.strftime("%H%M%S")
        geo = scan.geometry[i] if i < len(scan.geometry) else SliceGeometry()
        ds.InstanceNumber = geo.instance_number if geo.instance_number is not None else i + 1
        ref = _source_reference(geo)
        if ref is not None:
            ds.SourceImageSequence = Sequence([ref])
        if ct:
            ds.PatientPosition = header.patient_position or ""
            ds.ImagePositionPatient = [float(v) for v in geo.position]  # type: ignore[union-attr]
            ds.ImageOrientationPatient = [float(v) for v in geo.orientation]  # type: ignore[union-attr]
            ds.PixelSpacing = [float(v) for v in scan.pixel_spacing]  # type: ignore[union-attr]
            ds.SliceThickness = header.slice_thickness if header.slice_thickness is not None else ""
            if scan.slice_spacing is not None:
                ds.SpacingBetweenSlices = float(scan.slice_spacing)
            ds.KVP = eq.kvp if eq.kvp is not None else ""
            ds.AcquisitionNumber = ""
            if eq.kernel:
                ds.ConvolutionKernel = eq.kernel.split("\\")
        else:
            ds.ConversionType = "WSD"
            ds.PatientOrientation = ""
            if scan.pixel_spacing is not None:
                ds.NominalScannedPixelSpacing = [float(v) for v in scan.pixel_spacing]
        if scan.default_window is not None:
            ds.WindowCenter, ds.WindowWidth = (
                float(scan.default_window[0]),
                float(scan.default_window[1]),
            )
        arr = np.clip(np.rint(sl), -32768, 32767).astype(np.int16)
        ds.Rows, ds.Columns = int(arr.shape[0]), int(arr.shape[1])
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 1
        ds.RescaleIntercept = 0
        ds.RescaleSlope = 1
        if not ct:
            ds.RescaleType = "HU" if scan.is_hu else "US"
        ds.PixelData = arr.tobytes()
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
        out.append(ds)
    return out


def dicom_bytes(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def export_dicom(
    scan: Scan, pixels_hu: np.ndarray, model_id: str, model_version: str
) -> tuple[bytes, str]:
    """(bytes, file name): one .dcm for a single image, a .zip of .dcm files for a series."""
    datasets = derived_datasets(scan, pixels_hu, model_id, model_version)
    if len(datasets) == 1:
        return dicom_bytes(datasets[0]), f"enhanced_{model_id}.dcm"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, ds in enumerate(datasets):
            zf.writestr(f"enhanced_{model_id}/IM{i + 1:04d}.dcm", dicom_bytes(ds))
    return buf.getvalue(), f"enhanced_{model_id}.zip"
