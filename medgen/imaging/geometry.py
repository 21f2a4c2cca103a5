"""Slice geometry: per-slice position and orientation, slice order and spacing (PS3.3 C.7.6.2)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset

from medgen.imaging.header import SliceGeometry, functional_item, integer, text, values


def _floats(value: object, n: int) -> tuple[float, ...] | None:
    items = values(value)
    if len(items) != n:
        return None
    try:
        out = tuple(float(v) for v in items)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if all(np.isfinite(out)) else None


def slice_geometry(ds: Dataset, frame: int | None = None) -> SliceGeometry:
    """Geometry and instance reference of one object, or of frame ``frame`` (0-based) of a
    multi-frame object (Plane Position / Orientation functional groups)."""
    pos = ds.get("ImagePositionPatient")
    ori = ds.get("ImageOrientationPatient")
    if pos is None:
        item = functional_item(ds, "PlanePositionSequence", frame)
        pos = item.get("ImagePositionPatient") if item is not None else None
    if ori is None:
        item = functional_item(ds, "PlaneOrientationSequence", frame)
        ori = item.get("ImageOrientationPatient") if item is not None else None
    return SliceGeometry(
        position=_floats(pos, 3),  # type: ignore[arg-type]
        orientation=_floats(ori, 6),
        instance_number=integer(ds.get("InstanceNumber")),
        sop_class_uid=text(ds.get("SOPClassUID")),
        sop_instance_uid=text(ds.get("SOPInstanceUID")),
        frame_number=frame + 1 if frame is not None else None,
    )


def slice_normal(orientation: tuple[float, ...] | None) -> np.ndarray | None:
    """Unit normal of the image plane (row x column direction cosines); None if unknown."""
    if orientation is None:
        return None
    n = np.cross(np.array(orientation[:3]), np.array(orientation[3:]))
    norm = float(np.linalg.norm(n))
    return n / norm if norm > 1e-6 else None


def slice_spacing(geometry: Sequence[SliceGeometry]) -> float | None:
    """Median distance between consecutive slice positions along the normal (mm), if known."""
    if len(geometry) < 2 or any(g.position is None for g in geometry):
        return None
    normal = slice_normal(geometry[0].orientation)
    pos = np.array([g.position for g in geometry], dtype=np.float64)
    dist = pos @ normal if normal is not None else np.linalg.norm(pos - pos[0], axis=1)
    diffs = np.abs(np.diff(dist))
    diffs = diffs[diffs > 1e-4]
    return float(np.median(diffs)) if diffs.size else None


def slice_order(geometry: Sequence[SliceGeometry]) -> list[int]:
    """Indices sorted by position along the slice normal, then InstanceNumber, then input order."""
    normal = slice_normal(geometry[0].orientation) if geometry else None

    def key(i: int) -> tuple[float, int]:
        g = geometry[i]
        dist = float(np.dot(g.position, normal)) if (g.position and normal is not None) else 0.0
        return (dist, g.instance_number if g.instance_number is not None else i)

    return sorted(range(len(geometry)), key=key)


def orientations(geometry: Sequence[SliceGeometry]) -> set[tuple[float, ...]]:
    """The distinct orientations (rounded to 1e-3) among the slices that have one."""
    return {tuple(round(v, 3) for v in g.orientation) for g in geometry if g.orientation}
