"""Windowing: DICOM linear VOI function, presets, percentile default."""

from __future__ import annotations

import numpy as np
import pytest

from medgen.imaging import CT_PRESETS, apply_window, default_window, percentile_window, preset
from medgen.imaging.window import presets_for
from medgen.types import Modality


def reference(x: float, c: float, w: float) -> float:
    # PS3.3 C.11.2.1.2.1, written out literally
    if x <= c - 0.5 - (w - 1) / 2:
        return 0.0
    if x > c - 0.5 + (w - 1) / 2:
        return 255.0
    return ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.0


@pytest.mark.parametrize(("c", "w"), [(40, 400), (-600, 1500), (500, 2000), (40, 80), (0.5, 2)])
def test_matches_standard_formula(c: float, w: float) -> None:
    xs = np.linspace(c - w, c + w, 1001, dtype=np.float32)
    got = apply_window(xs, c, w)
    want = np.array([reference(float(x), c, w) for x in xs])
    assert got.dtype == np.uint8
    assert np.abs(got.astype(float) - np.floor(want)).max() <= 1


def test_extremes_and_purity() -> None:
    px = np.array([[-3000.0, 40.0, 3000.0]], dtype=np.float32)
    copy = px.copy()
    out = apply_window(px, 40, 400)
    assert out[0, 0] == 0 and out[0, 2] == 255 and 120 <= out[0, 1] <= 135
    np.testing.assert_array_equal(px, copy)


def test_width_must_be_at_least_one() -> None:
    with pytest.raises(ValueError, match="width"):
        apply_window(np.zeros((2, 2)), 0, 0.5)
    with pytest.raises(ValueError, match="center"):
        apply_window(np.zeros((2, 2)), float("nan"), 10)


def test_presets() -> None:
    table = {p.name: (p.width, p.center) for p in CT_PRESETS}
    assert table["Lung"] == (1500, -600)
    assert table["Mediastinum"] == (350, 50)
    assert table["Soft tissue"] == (400, 40)
    assert table["Bone"] == (2000, 500)
    assert table["Brain"] == (80, 40)
    assert table["Liver"] == (150, 90)
    assert preset("lung").center == -600
    with pytest.raises(ValueError, match="name"):
        preset("kidney")
    assert presets_for(Modality.MR, False) == ()
    assert presets_for(Modality.CT, True) == CT_PRESETS


def test_percentile_window_for_mr() -> None:
    rng = np.random.default_rng(0)
    px = rng.normal(500, 100, (256, 256)).astype(np.float32)
    px[0, 0] = 1e6  # a hot pixel must not stretch the window
    c, w = percentile_window(px)
    lo, hi = c - w / 2, c + w / 2
    assert 230 < lo < 300 and 700 < hi < 770
    assert default_window(px, Modality.MR, False) == (c, w)
    assert default_window(px, Modality.CT, True) == (40.0, 400.0)
    assert default_window(px, Modality.MR, False, (10.0, 20.0)) == (c, w)  # percentile for MR
    assert default_window(px, Modality.CT, True, (-600.0, 1500.0)) == (-600.0, 1500.0)
    flat = np.full((4, 4), 7.0)
    assert percentile_window(flat)[1] >= 1
