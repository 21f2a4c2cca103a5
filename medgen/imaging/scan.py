"""The Scan value passed from ingestion to every other layer."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from medgen.imaging.header import ImageSource, ScanHeader, SliceGeometry
from medgen.types import Modality

__all__ = ["Scan", "ScanHeader", "SliceGeometry", "content_hash"]


def content_hash(pixels: np.ndarray) -> str:
    """sha256 (hex) of the shape and float32 pixel bytes: identifies content, not a person."""
    h = hashlib.sha256()
    h.update(str(pixels.shape).encode())
    h.update(np.ascontiguousarray(pixels, dtype=np.float32).tobytes())
    return h.hexdigest()


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
    # The typed, de-identified header (UIDs are replacements); built once by the loader.
    header: ScanHeader
    # sha256 (hex) of the pixel array bytes: identifies the content without identifying anyone.
    content_hash: str
    # Window centre/width to open with from the file (first value, mirrored for MONOCHROME1).
    default_window: tuple[float, float] | None = None

    @property
    def source(self) -> ImageSource:
        return self.header.source

    @property
    def geometry(self) -> tuple[SliceGeometry, ...]:
        """Per-slice geometry and source references (len == n_slices; empty for plain images)."""
        return self.header.slices

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

    def select_slices(self, indices: Sequence[int]) -> Scan:
        """The scan restricted to ``indices`` (geometry and references kept; 2-D for one index)."""
        if not self.is_volume:
            return self
        idx = [int(i) for i in indices]
        if not idx:
            raise ValueError("indices must not be empty")
        pixels = self.pixels[idx] if len(idx) > 1 else self.pixels[idx[0]]
        slices = tuple(self.header.slices[i] for i in idx) if self.header.slices else ()
        header = replace(self.header, slices=slices, n_slices=len(idx))
        return replace(self, pixels=pixels, header=header, content_hash=content_hash(pixels),
                       slice_spacing=self.slice_spacing if len(idx) > 1 else None)
