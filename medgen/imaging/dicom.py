"""DICOM bytes -> de-identified :class:`~medgen.imaging.scan.Scan` (single, multi-frame, series).

Order of work for every object: parse -> check it holds a decodable image -> de-identify
(:func:`medgen.imaging.deid.deidentify`) -> decode pixels from the de-identified copy ->
modality LUT (HU for CT, PS3.3 C.11.1) -> MONOCHROME1 inversion / colour to luminance.
Nothing from the original header is kept outside this module.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence

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
    NoPixelDataError,
    UnsupportedFileError,
    UnsupportedTransferSyntaxError,
)
from medgen.imaging.deid import deidentify
from medgen.imaging.scan import Scan, SliceGeometry
from medgen.types import Modality

log = logging.getLogger(__name__)

# Never echo header values (which may be PHI) into logs through pydicom's validation warnings.
pydicom_config.settings.reading_validation_mode = pydicom_config.IGNORE

#: Largest decoded image we accept (voxels over all frames/slices; float32 -> 1 GiB).
MAX_VOXELS = 256 * 1024 * 1024

PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")

#: De-identified attributes shown and stored as Scan.meta (everything else is dropped).
META_KEYWORDS: tuple[str, ...] = (
    "Modality", "SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID", "BodyPartExamined",
    "Manufacturer", "ManufacturerModelName", "ImageType", "PhotometricInterpretation",
    "Rows", "Columns", "NumberOfFrames", "BitsStored", "PixelSpacing", "ImagerPixelSpacing",
    "SliceThickness", "SpacingBetweenSlices", "RescaleSlope", "RescaleIntercept", "RescaleType",
    "WindowCenter", "WindowWidth", "KVP", "XRayTubeCurrent", "ExposureTime", "ConvolutionKernel",
    "MagneticFieldStrength", "RepetitionTime", "EchoTime", "FlipAngle", "ScanningSequence",
    "ViewPosition", "ImageLaterality", "Laterality", "PatientPosition", "LossyImageCompression",
    "BurnedInAnnotation", "PatientIdentityRemoved", "DeidentificationMethod",
)

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


def _first(value: object) -> object:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        seq = list(value)  # type: ignore[call-overload]
        return seq[0] if seq else None
    return value


def _num(value: object) -> float | None:
    try:
        v = float(_first(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _functional(ds: Dataset, seq_kw: str, frame: int | None = None) -> Dataset | None:
    """First item of a functional-group macro (per-frame if given, else shared)."""
    groups = []
    if frame is not None and "PerFrameFunctionalGroupsSequence" in ds:
        pf = ds.PerFrameFunctionalGroupsSequence
        if frame < len(pf):
            groups.append(pf[frame])
    if "SharedFunctionalGroupsSequence" in ds and len(ds.SharedFunctionalGroupsSequence):
        groups.append(ds.SharedFunctionalGroupsSequence[0])
    for g in groups:
        if seq_kw in g and len(g[seq_kw].value):
            return g[seq_kw].value[0]
    return None


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
            item = _functional(ds, "PixelValueTransformationSequence", i if frame_axis else 0)
            if item is None:
                continue
            slope = _num(item.get("RescaleSlope", 1)) or 1.0
            intercept = _num(item.get("RescaleIntercept", 0)) or 0.0
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
    MONOCHROME1 inversion is applied later (over the whole series) by :func:`_monochrome1`.
    """
    notes: list[str] = []
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    try:
        arr = ds.pixel_array
        if photometric == "PALETTE COLOR":
            arr = apply_color_lut(arr, ds)
    except BaseException as exc:  # decoder errors come in many types: all mean "damaged pixel data"
        # Rust decoders (pylibjpeg-rle) raise pyo3 PanicException, a BaseException subclass.
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        log.info("pixel decoding failed: %s", type(exc).__name__)
        raise InvalidInputError(
            f"The image data in {filename} could not be decoded: the file is damaged or "
            "truncated. Export it again from your PACS."
        ) from exc
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


def _monochrome1(ds: Dataset, pixels: np.ndarray, window: tuple[float, float] | None
                 ) -> tuple[np.ndarray, tuple[float, float] | None, list[str]]:
    """Invert MONOCHROME1 so that higher values display brighter (window centre mirrored)."""
    if str(ds.get("PhotometricInterpretation", "")).strip().upper() != "MONOCHROME1":
        return pixels, window, []
    lo, hi = float(pixels.min()), float(pixels.max())
    inverted = np.float32(lo + hi) - pixels
    if window is not None:
        window = (lo + hi - window[0], window[1])
    return inverted, window, ["MONOCHROME1 image inverted for display (bright = dense)."]


def _geometry(ds: Dataset, frame: int | None) -> SliceGeometry:
    pos = ds.get("ImagePositionPatient")
    ori = ds.get("ImageOrientationPatient")
    if pos is None:
        item = _functional(ds, "PlanePositionSequence", frame)
        pos = item.get("ImagePositionPatient") if item is not None else None
    if ori is None:
        item = _functional(ds, "PlaneOrientationSequence", frame)
        ori = item.get("ImageOrientationPatient") if item is not None else None
    position = orientation = None
    try:
        if pos is not None and len(pos) == 3:
            position = tuple(float(v) for v in pos)
        if ori is not None and len(ori) == 6:
            orientation = tuple(float(v) for v in ori)
    except (TypeError, ValueError):
        position = orientation = None
    number = ds.get("InstanceNumber")
    try:
        inst = int(number) if number not in (None, "") else None
    except (TypeError, ValueError):
        inst = None
    return SliceGeometry(position=position, orientation=orientation, instance_number=inst)  # type: ignore[arg-type]


def _pixel_spacing(ds: Dataset) -> tuple[float, float] | None:
    for kw in ("PixelSpacing", "ImagerPixelSpacing"):
        value = ds.get(kw)
        if value is not None:
            try:
                r, c = float(value[0]), float(value[1])
            except (TypeError, ValueError, IndexError):
                continue
            if r > 0 and c > 0:
                return (r, c)
    item = _functional(ds, "PixelMeasuresSequence", 0)
    if item is not None and item.get("PixelSpacing") is not None:
        try:
            r, c = float(item.PixelSpacing[0]), float(item.PixelSpacing[1])
            if r > 0 and c > 0:
                return (r, c)
        except (TypeError, ValueError, IndexError):
            return None
    return None


def _file_window(ds: Dataset) -> tuple[float, float] | None:
    c, w = _num(ds.get("WindowCenter")), _num(ds.get("WindowWidth"))
    if c is None or w is None:
        item = _functional(ds, "FrameVOILUTSequence", 0)
        if item is not None:
            c, w = _num(item.get("WindowCenter")), _num(item.get("WindowWidth"))
    if c is None or w is None or w < 1:
        return None
    return (c, w)


def _normal(orientation: tuple[float, ...] | None) -> np.ndarray | None:
    if orientation is None:
        return None
    row, col = np.array(orientation[:3]), np.array(orientation[3:])
    n = np.cross(row, col)
    norm = float(np.linalg.norm(n))
    return n / norm if norm > 1e-6 else None


def _spacing_from_geometry(geometry: Sequence[SliceGeometry]) -> float | None:
    if len(geometry) < 2 or any(g.position is None for g in geometry):
        return None
    normal = _normal(geometry[0].orientation)
    pos = np.array([g.position for g in geometry], dtype=np.float64)
    dist = pos @ normal if normal is not None else np.linalg.norm(pos - pos[0], axis=1)
    diffs = np.abs(np.diff(dist))
    diffs = diffs[diffs > 1e-4]
    return float(np.median(diffs)) if diffs.size else None


def _meta(ds: Dataset) -> dict[str, str]:
    out: dict[str, str] = {}
    for kw in META_KEYWORDS:
        if kw not in ds:
            continue
        value = ds[kw].value
        if value is None or value == "":
            continue
        if kw == "SOPClassUID":
            text = UID(str(value)).name
        elif type(value).__name__ == "MultiValue" or isinstance(value, list):
            text = "\\".join(str(v) for v in value)
        else:
            text = str(value)
        out[kw] = text[:128]
    tsuid = getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID")
    if tsuid:
        out["TransferSyntax"] = UID(str(tsuid)).name
    return out


def content_hash(pixels: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(str(pixels.shape).encode())
    h.update(np.ascontiguousarray(pixels, dtype=np.float32).tobytes())
    return h.hexdigest()


def scan_from_dataset(ds: Dataset, filename: str) -> Scan:
    """One DICOM object (single- or multi-frame) -> de-identified Scan."""
    check_image(ds, filename)
    clean = deidentify(ds)
    pixels, is_hu, notes = decode_pixels(clean, filename)
    frames = pixels.shape[0] if pixels.ndim == 3 else 1
    window = _file_window(clean)
    pixels, window, inv_notes = _monochrome1(clean, pixels, window)
    geometry = tuple(_geometry(clean, i if frames > 1 else None) for i in range(frames))
    if pixels.ndim == 3 and pixels.shape[0] == 1:
        pixels = pixels[0]
    slice_spacing = None
    if pixels.ndim == 3:
        slice_spacing = _spacing_from_geometry(geometry) or _num(clean.get("SpacingBetweenSlices")) \
            or _num(clean.get("SliceThickness"))
    meta = _meta(clean)
    for i, note in enumerate(notes + inv_notes):
        meta[f"Note{i + 1}"] = note
    return Scan(
        pixels=np.ascontiguousarray(pixels, dtype=np.float32),
        modality=Modality.parse(str(clean.get("Modality", ""))),
        pixel_spacing=_pixel_spacing(clean),
        slice_spacing=slice_spacing,
        is_hu=is_hu,
        meta=meta,
        content_hash=content_hash(pixels),
        source="dicom",
        geometry=geometry,
        default_window=window,
    )


def scan_from_series(items: Sequence[tuple[str, Dataset]]) -> Scan:
    """Several single-frame DICOM slices of one series -> a de-identified 3-D Scan.

    Slices are sorted by ImagePositionPatient projected on the slice normal, then by
    InstanceNumber; mixed series, sizes or orientations are refused with a clear message.
    """
    for name, ds in items:
        check_image(ds, name)
        if int(ds.get("NumberOfFrames", 1) or 1) > 1:
            raise InvalidInputError(
                f"{name} is a multi-frame object; it cannot be combined with other files. "
                "Upload it on its own."
            )
    series = {str(ds.get("SeriesInstanceUID", "")) for _, ds in items}
    if len(series) > 1:
        raise InvalidInputError(
            f"These {len(items)} files belong to {len(series)} different series. "
            "Upload the files of one series at a time."
        )
    sizes = {(int(ds.Rows), int(ds.Columns)) for _, ds in items}
    if len(sizes) > 1:
        listed = ", ".join(f"{r}x{c}" for r, c in sorted(sizes))
        raise InvalidInputError(
            f"These files have different image sizes ({listed}), so they are not one series. "
            "Upload the files of one series at a time."
        )
    sop_uids = [str(ds.get("SOPInstanceUID", "")) for _, ds in items]
    if len(set(sop_uids)) < len(sop_uids) and all(sop_uids):
        raise InvalidInputError(
            "The same slice was uploaded more than once. Remove the duplicate file and try again."
        )
    geos = [_geometry(ds, None) for _, ds in items]
    orientations = {tuple(round(v, 3) for v in g.orientation) for g in geos if g.orientation}
    if len(orientations) > 1:
        raise InvalidInputError(
            "These slices have different orientations (for example axial and sagittal). "
            "Upload the files of one series at a time."
        )
    normal = _normal(geos[0].orientation)

    def key(i: int) -> tuple[float, int]:
        g = geos[i]
        dist = float(np.dot(g.position, normal)) if (g.position and normal is not None) else 0.0
        return (dist, g.instance_number if g.instance_number is not None else i)

    order = sorted(range(len(items)), key=key)
    slices: list[np.ndarray] = []
    cleaned: list[Dataset] = []
    all_hu = True
    notes: list[str] = []
    for i in order:
        name, ds = items[i]
        clean = deidentify(ds)
        px, is_hu, n = decode_pixels(clean, name)
        slices.append(px)
        cleaned.append(clean)
        all_hu &= is_hu
        notes = notes or n
    volume = np.stack(slices).astype(np.float32, copy=False)
    first = cleaned[0]
    window = _file_window(first)
    volume, window, inv_notes = _monochrome1(first, volume, window)
    geometry = tuple(geos[i] for i in order)
    meta = _meta(first)
    meta["NumberOfSlices"] = str(len(slices))
    for j, note in enumerate(notes + inv_notes):
        meta[f"Note{j + 1}"] = note
    return Scan(
        pixels=np.ascontiguousarray(volume),
        modality=Modality.parse(str(first.get("Modality", ""))),
        pixel_spacing=_pixel_spacing(first),
        slice_spacing=_spacing_from_geometry(geometry) or _num(first.get("SpacingBetweenSlices"))
        or _num(first.get("SliceThickness")),
        is_hu=all_hu,
        meta=meta,
        content_hash=content_hash(volume),
        source="dicom",
        geometry=geometry,
        default_window=window,
    )
