"""Strength of an enhancement: Low / Medium / High presets or a 0-100 % control (issue 10).

The blend is ``out = input + s * (model(input) - input)`` with ``s`` in [0, 1]: 0 % returns the
input, 100 % the full model output. A preset maps to the ``s`` calibrated for that model on
validation data and stored in its card's ``strength_presets`` (see
``python -m medgen.enhance.calibrate``); a model card without presets falls back to
:data:`FALLBACK_PRESETS` (logged).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from medgen.errors import ModelError

log = logging.getLogger(__name__)


class StrengthPreset(enum.StrEnum):
    """The named strengths, weakest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


DEFAULT_PRESET = StrengthPreset.MEDIUM
#: Target noise SD reduction in uniform regions per preset (issue 10).
PRESET_TARGET_SD_REDUCTION: dict[StrengthPreset, float] = {
    StrengthPreset.LOW: 0.30,
    StrengthPreset.MEDIUM: 0.50,
    StrengthPreset.HIGH: 0.70,
}
#: Used only for a model whose card has no calibrated ``strength_presets``.
FALLBACK_PRESETS: dict[StrengthPreset, float] = dict(PRESET_TARGET_SD_REDUCTION)


@dataclass(frozen=True)
class Strength:
    """A resolved strength: what was asked for (preset or percent) and the blend fraction."""

    fraction: float  # s in [0, 1]
    preset: StrengthPreset | None = None  # None: a percentage was given

    @property
    def percent(self) -> int:
        return int(round(self.fraction * 100))

    @property
    def label(self) -> str:
        """``"medium (52 %)"`` or ``"70 %"``: for captions, DICOM descriptions and params."""
        if self.preset is not None:
            return f"{self.preset.value} ({self.percent} %)"
        return f"{self.percent} %"

    def as_params(self) -> dict[str, Any]:
        return {
            "strength": self.preset.value if self.preset is not None else self.percent,
            "strength_fraction": round(self.fraction, 4),
        }


def card_presets(card: Mapping[str, Any]) -> dict[StrengthPreset, float]:
    """The calibrated blend fraction per preset from a model card (fallback if absent)."""
    raw = card.get("strength_presets")
    if not isinstance(raw, Mapping) or "fractions" not in raw:
        log.warning(
            "model card %s has no calibrated strength_presets; using %s",
            card.get("model_id"),
            {k.value: v for k, v in FALLBACK_PRESETS.items()},
        )
        return dict(FALLBACK_PRESETS)
    fractions = raw["fractions"]
    try:
        out = {p: float(fractions[p.value]) for p in StrengthPreset}
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(
            f"The strength presets in the model card of '{card.get('model_id')}' are incomplete."
        ) from exc
    if not all(0.0 <= v <= 1.0 for v in out.values()):
        raise ModelError(
            f"The strength presets in the model card of '{card.get('model_id')}' are not in 0-1."
        )
    return out


def resolve_strength(
    value: Strength | StrengthPreset | str | float | None, card: Mapping[str, Any]
) -> Strength:
    """A preset name (``low``/``medium``/``high``), a percentage 0-100 (int, float, ``"70"``,
    ``"70 %"``) or None (the default preset) -> :class:`Strength` for this model.

    Raises ValueError for anything else (a percentage outside 0-100 included).
    """
    if isinstance(value, Strength):
        return value
    if value is None:
        value = DEFAULT_PRESET
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "").rstrip("%")
        try:
            preset = StrengthPreset(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise ValueError(
                    f"strength must be low, medium, high or a percentage 0-100, got {value!r}"
                ) from None
            return resolve_strength(number, card)
        return Strength(card_presets(card)[preset], preset)
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"strength must be a preset name or a percentage, got {value!r}")
    pct = float(value)
    if not np.isfinite(pct) or not 0.0 <= pct <= 100.0:
        raise ValueError(f"strength must be between 0 and 100 %, got {value!r}")
    return Strength(pct / 100.0)


def blend(inp: np.ndarray, enhanced: np.ndarray, fraction: float) -> np.ndarray:
    """``inp + fraction * (enhanced - inp)`` as float32: 0 = the input, 1 = the model output."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"strength fraction must be in [0, 1], got {fraction}")
    a = np.asarray(inp, dtype=np.float32)
    return (a + np.float32(fraction) * (np.asarray(enhanced, dtype=np.float32) - a)).astype(
        np.float32
    )
