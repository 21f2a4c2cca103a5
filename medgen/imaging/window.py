"""Window/level (VOI) presets and the linear windowing function used for display.

The linear function is the one of DICOM PS3.3 C.11.2.1.2.1 (VOI LUT function LINEAR), mapped
to 8-bit output. Presets are in Hounsfield units for CT; other modalities default to a
percentile window computed from the pixels themselves.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from medgen.types import Modality


@dataclass(frozen=True)
class WindowPreset:
    """A named window: ``center`` (level) and ``width`` in the image's value units."""

    name: str
    center: float
    width: float


#: CT presets in HU (width/level). Bone: 2000/500 here; OHIF ships 2500/480.
CT_PRESETS: tuple[WindowPreset, ...] = (
    WindowPreset("Soft tissue", 40.0, 400.0),
    WindowPreset("Lung", -600.0, 1500.0),
    WindowPreset("Mediastinum", 50.0, 350.0),
    WindowPreset("Bone", 500.0, 2000.0),
    WindowPreset("Brain", 40.0, 80.0),
    WindowPreset("Liver", 90.0, 150.0),
)

#: Percentiles used for the default window of MR, X-ray and plain images.
DEFAULT_PERCENTILES: tuple[float, float] = (1.0, 99.0)


def presets_for(modality: Modality | str, is_hu: bool) -> tuple[WindowPreset, ...]:
    """Presets offered for a scan: the CT list for HU images, none otherwise."""
    return CT_PRESETS if is_hu or Modality.parse(str(modality)) is Modality.CT else ()


def preset(name: str) -> WindowPreset:
    """Look up a CT preset by name (case-insensitive)."""
    for p in CT_PRESETS:
        if p.name.lower() == name.strip().lower():
            return p
    names = ", ".join(p.name for p in CT_PRESETS)
    raise ValueError(f"name must be one of {names}; got {name!r}")


def percentile_window(
    pixels: np.ndarray, percentiles: tuple[float, float] = DEFAULT_PERCENTILES
) -> tuple[float, float]:
    """(center, width) spanning the given percentiles of ``pixels`` (subsampled for speed).

    Used as the default for MR, X-ray and plain images, whose value scale is arbitrary.
    """
    flat = np.asarray(pixels).ravel()
    if flat.size == 0:
        raise ValueError("pixels must not be empty")
    step = max(1, flat.size // 1_000_000)
    sample = flat[::step]
    lo, hi = np.percentile(sample, percentiles)
    lo, hi = float(lo), float(hi)
    if hi - lo < 1.0:  # flat image: show it mid-grey rather than dividing by ~0
        lo, hi = lo - 0.5, hi + 0.5
    return (lo + hi) / 2.0, hi - lo


def default_window(
    pixels: np.ndarray, modality: Modality | str, is_hu: bool,
    file_window: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """The window a scan opens with.

    CT (HU): the file's suggested window if any, else soft tissue (400/40). MR, X-ray and plain
    images: the 1st-99th percentile window of the pixels (their scale is arbitrary, and stored
    windows are often missing or stale); the file's window stays available as an option.
    """
    if is_hu:
        if file_window is not None and file_window[1] >= 1:
            return float(file_window[0]), float(file_window[1])
        p = CT_PRESETS[0]
        return p.center, p.width
    return percentile_window(pixels)


def apply_window(pixels: np.ndarray, center: float, width: float) -> np.ndarray:
    """Map ``pixels`` to uint8 display values with the DICOM linear VOI function.

    Values at or below ``center - 0.5 - (width - 1) / 2`` become 0, values above
    ``center - 0.5 + (width - 1) / 2`` become 255, linear in between (PS3.3 C.11.2.1.2.1).
    Pure: the input is not modified.

    Parameters
    ----------
    pixels : numpy.ndarray
        Any real-valued array (2-D slice or 3-D volume).
    center, width : float
        Window centre (level) and width, in the units of ``pixels``; ``width`` must be >= 1.
    """
    if not np.isfinite(center):
        raise ValueError(f"center must be finite, got {center!r}")
    if not np.isfinite(width) or width < 1:
        raise ValueError(f"width must be >= 1, got {width!r}")
    arr = np.asarray(pixels, dtype=np.float32)
    scale = np.float32(255.0 / (width - 1)) if width > 1 else np.float32(1e9)
    offset = np.float32(center - 0.5 - (width - 1) / 2.0)
    out = np.subtract(arr, offset, dtype=np.float32)
    out *= scale
    np.clip(out, 0.0, 255.0, out=out)
    return out.astype(np.uint8)


def render_png(pixels: np.ndarray, center: float, width: float) -> bytes:
    """A windowed 2-D slice encoded as an 8-bit greyscale PNG (fast compression level)."""
    from PIL import Image

    if np.asarray(pixels).ndim != 2:
        raise ValueError(f"pixels must be 2-D, got shape {np.asarray(pixels).shape}")
    buf = io.BytesIO()
    Image.fromarray(apply_window(pixels, center, width)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
