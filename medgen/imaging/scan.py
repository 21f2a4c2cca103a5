"""The Scan value passed from ingestion to every other layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from medgen.types import Modality


@dataclass(frozen=True)
class SliceGeometry:
    """Per-slice geometry kept from the DICOM header (all in mm, patient coordinates)."""

    position: tuple[float, float, float] | None = None  # ImagePositionPatient (0020,0032)
    orientation: tuple[float, ...] | None = None  # ImageOrientationPatient (0020,0037), 6 values
    instance_number: int | None = None


@dataclass(frozen=True, eq=False)
class Scan:
    """A loaded, de-identified image or series.

    ``pixels`` is float32, 2-D ``(rows, cols)`` for one image or 3-D ``(slices, rows, cols)``
    for a series or multi-frame object, in Hounsfield units when ``is_hu`` (CT after the
    modality LUT), otherwise in stored intensity units after the modality LUT.
    MONOCHROME1 images are already inverted so that higher values display brighter.
    """

    pixels: np.ndarray
    modality: Modality
    # (row spacing, column spacing) in mm, from PixelSpacing / ImagerPixelSpacing; None if unknown.
    pixel_spacing: tuple[float, float] | None
    # Distance between slice centres in mm (series / multi-frame), None for a single image.
    slice_spacing: float | None
    # True when pixels are Hounsfield units (CT with a modality LUT / rescale).
    is_hu: bool
    # De-identified metadata for display and storage: keyword -> printable value.
    meta: Mapping[str, str]
    # sha256 (hex) of the pixel array bytes: identifies the content without identifying anyone.
    content_hash: str
    # "dicom" or "image" (PNG/JPEG/TIFF).
    source: str = "dicom"
    # Per-slice geometry (len == number of slices), empty for non-DICOM images.
    geometry: tuple[SliceGeometry, ...] = field(default_factory=tuple)
    # Window centre/width suggested by the file (first value), if any.
    default_window: tuple[float, float] | None = None

    @property
    def is_volume(self) -> bool:
        return self.pixels.ndim == 3

    @property
    def n_slices(self) -> int:
        return int(self.pixels.shape[0]) if self.pixels.ndim == 3 else 1

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.pixels.shape)

    def slice(self, index: int) -> np.ndarray:
        """One 2-D slice (the image itself for a 2-D scan)."""
        if self.pixels.ndim == 2:
            return self.pixels
        return self.pixels[index]
