"""Bytes -> de-identified Scan: DICOM / image / series / zip reading, HU, windowing, de-identification."""

from __future__ import annotations

from medgen.imaging.deid import deidentify
from medgen.imaging.header import ScanHeader
from medgen.imaging.load import load_scan, load_scans
from medgen.imaging.scan import Scan, SliceGeometry
from medgen.imaging.window import (
    CT_PRESETS,
    WindowPreset,
    apply_window,
    default_window,
    percentile_window,
    preset,
    presets_for,
    render_png,
)

__all__ = [
    "CT_PRESETS",
    "Scan",
    "ScanHeader",
    "SliceGeometry",
    "WindowPreset",
    "apply_window",
    "default_window",
    "deidentify",
    "load_scan",
    "load_scans",
    "percentile_window",
    "preset",
    "presets_for",
    "render_png",
]
