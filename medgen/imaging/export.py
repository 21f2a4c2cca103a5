"""Export an enhanced series as DICOM (a zip for a series) and PNG.

The DICOM objects are derived images (PS3.3 C.7.6.1.1.2: ImageType DERIVED\\SECONDARY, with a
DerivationDescription naming the model) in a *new* series: new Series and SOP Instance UIDs,
same study and frame of reference, same geometry (PixelSpacing, ImagePositionPatient,
ImageOrientationPatient from the Scan). They are built from the de-identified ``Scan.meta``
only, so nothing the de-identification removed can reappear.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import numpy as np
from PIL import Image as PILImage
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from medgen.imaging.scan import Scan

#: CT Image Storage (PS3.4 B.5).
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
#: Secondary Capture Image Storage, for non-CT inputs run with an override.
SC_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.7"

#: De-identified metadata keywords copied from Scan.meta into the derived objects (if present).
COPIED_KEYWORDS = (
    "PatientName",
    "PatientID",
    "PatientSex",
    "PatientAge",
    "StudyInstanceUID",
    "StudyID",
    "StudyDate",
    "StudyTime",
    "StudyDescription",
    "AccessionNumber",
    "FrameOfReferenceUID",
    "BodyPartExamined",
    "Manufacturer",
    "KVP",
    "ConvolutionKernel",
)


def _window_to_uint8(hu: np.ndarray, center: float, width: float) -> np.ndarray:
    lo = center - width / 2.0
    return (
        np.clip((np.asarray(hu, dtype=np.float32) - lo) / max(width, 1e-6), 0.0, 1.0) * 255.0 + 0.5
    ).astype(np.uint8)


def png_bytes(hu: np.ndarray, center: float, width: float, max_size: int | None = None) -> bytes:
    """One 2-D slice windowed at (center, width) as an 8-bit greyscale PNG (optionally downscaled)."""
    if np.asarray(hu).ndim != 2:
        raise ValueError(f"png_bytes needs a 2-D slice, got shape {np.asarray(hu).shape}")
    img = PILImage.fromarray(_window_to_uint8(hu, center, width), mode="L")
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
    series_uid = generate_uid()
    study_uid = str(scan.meta.get("StudyInstanceUID") or generate_uid())
    frame_uid = str(scan.meta.get("FrameOfReferenceUID") or generate_uid())
    now = datetime.now(UTC)
    sop_class = CT_IMAGE_STORAGE if scan.modality.value == "CT" and scan.is_hu else SC_IMAGE_STORAGE
    desc = series_description or f"Enhanced {model_id}"
    derivation = (
        f"Low-dose CT denoising by MedGen Studio model {model_id} (weights sha256 {model_version[:16]}). "
        "For review alongside the original images, never instead of them."
    )[:1024]
    out = []
    for i, sl in enumerate(vol):
        ds = Dataset()
        for kw in COPIED_KEYWORDS:
            value = scan.meta.get(kw)
            if value not in (None, ""):
                setattr(ds, kw, str(value))
        ds.StudyInstanceUID = study_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.SeriesInstanceUID = series_uid
        ds.SOPInstanceUID = generate_uid()
        ds.SOPClassUID = sop_class
        ds.Modality = scan.modality.value
        ds.ImageType = ["DERIVED", "SECONDARY"]
        ds.DerivationDescription = derivation
        ds.SeriesDescription = desc[:64]
        ds.SeriesNumber = 9001
        ds.InstanceNumber = i + 1
        ds.ContentDate = now.strftime("%Y%m%d")
        ds.ContentTime = now.strftime("%H%M%S")
        ds.Manufacturer = str(scan.meta.get("Manufacturer", "")) or "MedGen Studio"
        geo = scan.geometry[i] if i < len(scan.geometry) else None
        if geo is not None:
            if geo.position is not None:
                ds.ImagePositionPatient = [float(v) for v in geo.position]
            if geo.orientation is not None:
                ds.ImageOrientationPatient = [float(v) for v in geo.orientation]
            if geo.instance_number is not None:
                ds.InstanceNumber = int(geo.instance_number)
        if scan.pixel_spacing is not None:
            ds.PixelSpacing = [float(scan.pixel_spacing[0]), float(scan.pixel_spacing[1])]
        if scan.slice_spacing is not None:
            ds.SpacingBetweenSlices = float(scan.slice_spacing)
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
