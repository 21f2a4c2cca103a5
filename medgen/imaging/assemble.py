"""Scan assembly: parsed DICOM object(s) -> one de-identified :class:`~medgen.imaging.scan.Scan`.

One path for every case: a single object (one frame or multi-frame) is a series of one. Order of
work: check every object holds a decodable image -> check they form one series -> de-identify
(:func:`medgen.imaging.deid.deidentify`) -> decode pixels from the de-identified copies -> sort
slices along the normal -> MONOCHROME1 inversion -> :class:`~medgen.imaging.header.ScanHeader`
from the de-identified datasets. Nothing from the original headers is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset

from medgen.errors import InvalidInputError
from medgen.imaging.deid import deidentify
from medgen.imaging.dicom import check_image, decode_pixels
from medgen.imaging.geometry import orientations, slice_geometry, slice_order, slice_spacing
from medgen.imaging.header import (
    Photometric,
    ScanHeader,
    SliceGeometry,
    file_window,
    integer,
    number,
)
from medgen.imaging.scan import Scan, content_hash
from medgen.types import Modality


def _check_one_series(items: Sequence[tuple[str, Dataset]]) -> None:
    """Refuse files that cannot be stacked into one volume (run on the original headers)."""
    for name, ds in items:
        if (integer(ds.get("NumberOfFrames")) or 1) > 1:
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
    if len(orientations([slice_geometry(ds) for _, ds in items])) > 1:
        raise InvalidInputError(
            "These slices have different orientations (for example axial and sagittal). "
            "Upload the files of one series at a time."
        )


def _monochrome1(photometric: Photometric | None, pixels: np.ndarray,
                 window: tuple[float, float] | None
                 ) -> tuple[np.ndarray, tuple[float, float] | None, list[str]]:
    """Invert MONOCHROME1 so that higher values display brighter (window centre mirrored)."""
    if photometric is not Photometric.MONOCHROME1:
        return pixels, window, []
    lo, hi = float(pixels.min()), float(pixels.max())
    inverted = np.float32(lo + hi) - pixels
    if window is not None:
        window = (lo + hi - window[0], window[1])
    return inverted, window, ["MONOCHROME1 image inverted for display (bright = dense)."]


def scan_from_datasets(items: Sequence[tuple[str, Dataset]]) -> Scan:
    """DICOM object(s) of one series -> a de-identified Scan (2-D for one frame, else 3-D).

    Several objects must be single-frame slices of one series; they are sorted by
    ImagePositionPatient projected on the slice normal, then InstanceNumber. Mixed series,
    sizes or orientations are refused with a clear message.
    """
    if not items:
        raise ValueError("items must not be empty")
    for name, ds in items:
        check_image(ds, name)
    if len(items) > 1:
        _check_one_series(items)
    cleaned = [deidentify(ds) for _, ds in items]
    order = slice_order([slice_geometry(c) for c in cleaned]) if len(cleaned) > 1 else [0]
    volumes: list[np.ndarray] = []
    geometry: list[SliceGeometry] = []
    is_hu = True
    notes: list[str] = []
    for i in order:  # every object contributes its frames (a single-frame object: one)
        px, hu, object_notes = decode_pixels(cleaned[i], items[i][0])
        multi = px.ndim == 3 and px.shape[0] > 1
        volumes.append(px if px.ndim == 3 else px[None])
        geometry += [slice_geometry(cleaned[i], f if multi else None) for f in range(len(volumes[-1]))]
        is_hu &= hu
        notes = notes or object_notes
    pixels = np.concatenate(volumes) if len(volumes) > 1 else volumes[0]
    if pixels.shape[0] == 1:
        pixels = pixels[0]
    cleaned = [cleaned[i] for i in order]
    first = cleaned[0]
    photometric = Photometric.parse(first.get("PhotometricInterpretation"))
    pixels, window, inv_notes = _monochrome1(photometric, pixels, file_window(first))
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)
    header = ScanHeader.from_dataset(first, slices=geometry, notes=[*notes, *inv_notes])
    spacing = None
    if pixels.ndim == 3:
        spacing = slice_spacing(geometry) or number(first.get("SpacingBetweenSlices")) \
            or number(first.get("SliceThickness"))
    return Scan(
        pixels=pixels,
        modality=Modality.parse(str(first.get("Modality", ""))),
        pixel_spacing=header.pixel_spacing,
        slice_spacing=spacing,
        is_hu=is_hu,
        header=header,
        content_hash=content_hash(pixels),
        default_window=window,
    )
