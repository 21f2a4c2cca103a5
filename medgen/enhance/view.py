"""Pure display helpers for the compare view (split overlay, difference, profile, ROI).

Kept trivial and free of Streamlit so they are tested directly. Windowing is the imaging
package's :func:`medgen.imaging.window.apply_window` (the same function the Viewer and the PNG
export use), with the Viewer's CT presets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medgen.imaging.window import CT_PRESETS

#: Window presets (center, width) in HU: the Viewer's CT presets plus a full-range window.
PRESETS: dict[str, tuple[float, float]] = {
    **{p.name: (p.center, p.width) for p in CT_PRESETS},
    "Full (-1000..1000)": (0.0, 2000.0),
}


def split_compose(left: np.ndarray, right: np.ndarray, position: float) -> np.ndarray:
    """Columns left of ``position`` (0..1 of the width) from ``left``, the rest from ``right``.

    A one-pixel marker line (mid-grey) shows the split.
    """
    if left.shape != right.shape:
        raise ValueError(f"images differ in shape: {left.shape} vs {right.shape}")
    if not 0.0 <= position <= 1.0:
        raise ValueError(f"position must be within 0..1, got {position}")
    w = left.shape[1]
    cut = int(round(position * w))
    out = right.copy()
    out[:, :cut] = left[:, :cut]
    if 0 < cut < w:
        out[:, cut] = 128
    return out


def difference(original: np.ndarray, enhanced: np.ndarray) -> np.ndarray:
    """Removed noise: original - enhanced (HU)."""
    return np.asarray(original, dtype=np.float32) - np.asarray(enhanced, dtype=np.float32)


def line_profile(img: np.ndarray, row: int) -> np.ndarray:
    """HU values along one image row."""
    if not 0 <= row < img.shape[0]:
        raise ValueError(f"row must be within 0..{img.shape[0] - 1}, got {row}")
    return np.asarray(img[row], dtype=np.float32)


@dataclass(frozen=True)
class RoiStats:
    mean: float
    sd: float
    n_pixels: int


def roi_stats(img: np.ndarray, top: int, left: int, height: int, width: int) -> RoiStats:
    """Mean and SD (HU) inside a rectangle (clipped to the image; at least one pixel)."""
    r0, c0 = max(0, int(top)), max(0, int(left))
    r1, c1 = min(img.shape[0], r0 + max(1, int(height))), min(img.shape[1], c0 + max(1, int(width)))
    if r1 <= r0 or c1 <= c0:
        raise ValueError("the ROI lies outside the image")
    roi = np.asarray(img[r0:r1, c0:c1], dtype=np.float64)
    return RoiStats(float(roi.mean()), float(roi.std()), int(roi.size))
