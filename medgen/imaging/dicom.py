"""Reading DICOM: parse bytes, check that an object holds a decodable image, decode its pixels.

Decoding applies the modality LUT (HU for CT, PS3.3 C.11.1) and turns colour into luminance.
Assembly into a :class:`~medgen.imaging.scan.Scan` (de-identification first) lives in
:mod:`medgen.imaging.assemble`, slice geometry in :mod:`medgen.imaging.geometry`.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pydicom
from pydicom import config as pydicom_config
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_color_lut, get_decoder
from pydicom.pixels.processing import apply_modality_lut
from pydicom.uid import UID

from medgen.errors import (
    FileTooLargeError,
    InvalidInputError,
    MedgenError,
    NoPixelDataError,
    UnsupportedFileError,
    UnsupportedTransferSyntaxError,
)
from medgen.imaging.header import functional_item, number
from medgen.types import Modality

log = logging.getLogger(__name__)

T = TypeVar("T")

# Never echo header values (which may be PHI) into logs through pydicom's validation warnings.
pydicom_config.settings.reading_validation_mode = pydicom_config.IGNORE

#: Largest decoded image we accept (voxels over all frames/slices; float32 -> 1 GiB).
MAX_VOXELS = 256 * 1024 * 1024

PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")

_SOP_NO_IMAGE_HINTS = {
    "SR": "a structured report",
    "SEG": "a segmentation (a mask drawn on other images)",
    "RTSTRUCT": "a radiotherapy structure set",
    "RTPLAN": "a radiotherapy plan",
    "PR": "a presentation state",
    "KO": "a key-object selection",
    "ECG": "a waveform (ECG)",
    "DOC": "an encapsulated document",
}


def guarded(fn: Callable[[], T], filename: str, damaged: str, *, bug: bool = False) -> T:
    """Run ``fn`` at a reading boundary, so that every failure ends in a clear message.

    A :class:`MedgenError` passes; MemoryError becomes :class:`FileTooLargeError`; anything else
    (decoders raise many types, Rust ones such as pylibjpeg-rle even pyo3 PanicException, a
    BaseException) becomes ``InvalidInputError(damaged)``. Logged by exception type only; with
    ``bug`` as a warning (an unexpected failure), else at info level (a damaged file).
    """
    try:
        return fn()
    except MedgenError:
        raise
    except MemoryError as exc:
        raise FileTooLargeError(
            f"{filename} is too large to open on this server. Upload fewer slices or a smaller image."
        ) from exc
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        log.log(logging.WARNING if bug else logging.INFO, "reading an upload failed: %s",
                type(exc).__name__)
        raise InvalidInputError(damaged) from exc


def has_dicom_preamble(data: bytes) -> bool:
    return len(data) >= 132 and data[128:132] == b"DICM"


def read_dataset(data: bytes, filename: str) -> Dataset:
    """Parse DICOM bytes (with or without the 128-byte preamble); raise a clear error otherwise."""
    force = not has_dicom_preamble(data)
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=force)
    except InvalidDicomError as exc:
        raise UnsupportedFileError(
            f"{filename} is not a DICOM file. Upload the DICOM export from your PACS, or a PNG, "
            "JPEG or TIFF image."
        ) from exc
    except Exception as exc:  # pydicom raises many types on damaged input; all mean "unreadable"
        log.info("DICOM parse failed: %s", type(exc).__name__)
        raise InvalidInputError(
            f"{filename} could not be read as DICOM: the file is damaged or truncated. "
            "Export it again from your PACS and upload the new copy."
        ) from exc
    if not force and len(ds) == 0:  # pydicom gives up silently on a truncated pixel stream
        raise InvalidInputError(
            f"{filename} could not be read as DICOM: the file is damaged or truncated. "
            "Export it again from your PACS and upload the new copy."
        )
    if force and not any(k in ds for k in ("SOPClassUID", "Modality", "Rows", *PIXEL_KEYWORDS)):
        raise UnsupportedFileError(
            f"{filename} is not a DICOM file. Upload the DICOM export from your PACS, or a PNG, "
            "JPEG or TIFF image."
        )
    if force and "TransferSyntaxUID" not in getattr(ds, "file_meta", Dataset()):
        # Raw dataset without file meta: pydicom detected the encoding while reading.
        ds.file_meta = ds.file_meta if hasattr(ds, "file_meta") else pydicom.dataset.FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = (
            pydicom.uid.ImplicitVRLittleEndian if ds.is_implicit_VR else pydicom.uid.ExplicitVRLittleEndian
        )
    return ds


def check_image(ds: Dataset, filename: str) -> None:
    """Raise unless ``ds`` holds an image we can decode within the size limits."""
    modality = str(ds.get("Modality", "") or "").upper()
    sop = UID(str(ds.get("SOPClassUID", "") or ""))
    if modality in ("SEG", "RTSTRUCT", "RTPLAN", "SR", "PR", "KO", "DOC") or "Segmentation" in sop.name:
        what = _SOP_NO_IMAGE_HINTS.get(modality, "not an image")
        raise NoPixelDataError(
            f"{filename} is {what}, not an image. Upload the image series it belongs to."
        )
    if not any(k in ds for k in PIXEL_KEYWORDS) and "Rows" in ds and "Columns" in ds:
        raise InvalidInputError(
            f"{filename} has an image header but its pixel data is missing: the file is "
            "truncated or damaged. Export it again from your PACS and upload the new copy."
        )
    if not any(k in ds for k in PIXEL_KEYWORDS):
        what = _SOP_NO_IMAGE_HINTS.get(modality) or (sop.name if sop.is_valid and sop.name != sop else "")
        detail = f" (it is {what})" if what else ""
        raise NoPixelDataError(
            f"{filename} holds no image{detail}. Upload the image files of the study instead."
        )
    if str(ds.get("BurnedInAnnotation", "")).strip().upper() == "YES":
        raise InvalidInputError(
            f"{filename} declares burned-in annotation: text drawn into the pixels may identify "
            "the patient and cannot be removed automatically. Upload images without burned-in text."
        )
    try:
        rows, cols = int(ds.Rows), int(ds.Columns)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        spp = int(ds.get("SamplesPerPixel", 1) or 1)
        bits = int(ds.BitsAllocated)
    except (AttributeError, TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"{filename} has an incomplete image header (rows, columns or bit depth missing or "
            "invalid). Export it again from your PACS."
        ) from exc
    if rows <= 0 or cols <= 0 or frames <= 0 or spp not in (1, 3) or bits not in (1, 8, 16, 32, 64):
        raise InvalidInputError(
            f"{filename} has an invalid image header ({rows}x{cols}, {frames} frame(s), "
            f"{spp} sample(s) per pixel, {bits} bits). Export it again from your PACS."
        )
    if rows * cols * frames * spp > MAX_VOXELS:
        raise FileTooLargeError(
            f"{filename} decodes to {rows}x{cols}x{frames} pixels, more than this viewer accepts "
            f"({MAX_VOXELS // (1024 * 1024)} million). Upload fewer frames or a smaller series."
        )
    meta = getattr(ds, "file_meta", None)
    tsuid = UID(str(meta.get("TransferSyntaxUID", ""))) if meta is not None else UID("")
    if "PixelData" in ds and tsuid and not tsuid.is_transfer_syntax:
        raise UnsupportedTransferSyntaxError(
            f"{filename} uses an unknown transfer syntax ({tsuid}). Export it again as "
            "uncompressed (Explicit VR Little Endian) DICOM."
        )
    if "PixelData" in ds and tsuid and tsuid.is_compressed:
        try:
            decoder = get_decoder(tsuid)
        except NotImplementedError as exc:
            raise UnsupportedTransferSyntaxError(
                f"{filename} is compressed as {tsuid.name}, which this viewer cannot decode. "
                "Export it again as uncompressed DICOM or as JPEG / JPEG 2000."
            ) from exc
        if not decoder.is_available:
            raise UnsupportedTransferSyntaxError(
                f"{filename} is compressed as {tsuid.name}; the decoder for it is not installed "
                "on this server. Export it uncompressed, or ask your administrator."
            )


def _rescale(ds: Dataset, arr: np.ndarray, frame_axis: bool) -> tuple[np.ndarray, bool]:
    """Apply the modality LUT / rescale (per frame for enhanced objects); return (array, rescaled)."""
    if "ModalityLUTSequence" in ds or "RescaleSlope" in ds or "RescaleIntercept" in ds:
        out = apply_modality_lut(arr, ds)
        return np.asarray(out, dtype=np.float32), True
    if "SharedFunctionalGroupsSequence" in ds or "PerFrameFunctionalGroupsSequence" in ds:
        n = arr.shape[0] if frame_axis else 1
        out = arr.astype(np.float32)
        found = False
        for i in range(n):
            item = functional_item(ds, "PixelValueTransformationSequence", i if frame_axis else 0)
            if item is None:
                continue
            slope = number(item.get("RescaleSlope", 1)) or 1.0
            intercept = number(item.get("RescaleIntercept", 0)) or 0.0
            target = out[i] if frame_axis else out
            target *= np.float32(slope)
            target += np.float32(intercept)
            found = True
        return out, found
    return arr.astype(np.float32), False


def _to_luminance(rgb: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma of an RGB array (last axis = 3)."""
    rgb = rgb.astype(np.float32)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def decode_pixels(ds: Dataset, filename: str) -> tuple[np.ndarray, bool, list[str]]:
    """Decode, apply the modality LUT, convert colour; return (float32 pixels, is_hu, notes).

    The result is 2-D for one frame, 3-D (frames, rows, cols) for a multi-frame object.
    MONOCHROME1 inversion is applied later, over the whole series, by the assembly.
    """
    notes: list[str] = []
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    def decode() -> np.ndarray:
        arr = ds.pixel_array
        return apply_color_lut(arr, ds) if photometric == "PALETTE COLOR" else arr

    arr = guarded(decode, filename, f"The image data in {filename} could not be decoded: the file "
                  "is damaged or truncated. Export it again from your PACS.")
    arr = np.asarray(arr)
    colour = arr.ndim == (4 if frames > 1 else 3) and arr.shape[-1] in (3, 4)
    if colour:
        arr = _to_luminance(arr[..., :3])
        notes.append(
            f"Colour image ({photometric}) shown as single-channel luminance (greyscale); "
            "colour Doppler and colour overlays are not preserved."
        )
        is_hu = False
        out = arr.astype(np.float32)
    else:
        out, rescaled = _rescale(ds, arr, frame_axis=frames > 1)
        is_hu = rescaled and Modality.parse(str(ds.get("Modality", ""))) is Modality.CT
    if not np.all(np.isfinite(out)):
        out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
    return out, is_hu, notes
