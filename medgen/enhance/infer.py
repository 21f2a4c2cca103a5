"""Inference: ``Enhancer(model_id).run(pixels_hu, progress=cb) -> EnhanceResult``.

The model is loaded once from ``weights/`` (sha256 checked), put on the best device (CUDA, then
MPS, then CPU; ``Settings.device`` / MEDGEN_DEVICE overrides), run under ``eval()`` and
``torch.inference_mode()`` (fp16 autocast on CUDA). Images larger than ``tile`` are processed
in overlapping tiles blended with linear ramps, so there are no seams; a 3-D array is a series,
processed in batches of slices with a progress callback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from medgen.device import select_device
from medgen.enhance.cards import load_state
from medgen.enhance.nets import Generator
from medgen.errors import ModalityMismatchError, ModelError
from medgen.types import Modality

log = logging.getLogger(__name__)

#: progress(done_slices, total_slices)
ProgressFn = Callable[[int, int], None]

#: Plausible HU range of a CT image; values far outside mean the pixels are not HU.
#: Values at or below this are the scanner's padding outside the reconstruction field of view
#: (-3024 and -2048 are common; air is -1000 HU and noisy air stays far above -2000): the network
#: sees them as air and they are returned unchanged.
PADDING_HU = -2000.0
AIR_HU = -1000.0
#: Largest value accepted as HU (extended-scale CT with metal reaches a few 10 000 HU).
MAX_HU = 40000.0


@dataclass(frozen=True, eq=False)
class EnhanceResult:
    """Enhanced pixels (HU, same shape as the input) with provenance and timing."""

    pixels: np.ndarray
    model_id: str
    model_version: str  # sha256 of the weights file
    device: str
    ms: float  # wall time of the whole run
    per_slice_ms: tuple[float, ...]
    warnings: tuple[str, ...] = ()

    @property
    def median_slice_ms(self) -> float:
        return float(np.median(self.per_slice_ms)) if self.per_slice_ms else 0.0


def _ramp(n: int, overlap: int) -> np.ndarray:
    i = np.arange(n, dtype=np.float32)
    if overlap <= 0:
        return np.ones(n, dtype=np.float32)
    return np.minimum(1.0, np.minimum(i + 0.5, n - i - 0.5) / overlap).astype(np.float32)


def _starts(size: int, tile: int, step: int) -> list[int]:
    if size <= tile:
        return [0]
    starts = list(range(0, size - tile, step)) + [size - tile]
    return sorted(set(starts))


class Enhancer:
    """A loaded denoising model. Build once per process (the UI caches it with st.cache_resource)."""

    def __init__(
        self,
        model_id: str,
        weights_dir: Path | None = None,
        device: str | None = None,
        tile: int = 512,
        overlap: int = 32,
        batch_size: int = 4,
    ) -> None:
        card, state = load_state(model_id, weights_dir)
        gen = Generator(**card["architecture"]["args"])
        try:
            gen.load_state_dict(state)
        except RuntimeError as exc:
            raise ModelError(
                f"The weights of '{model_id}' do not fit the architecture in its card."
            ) from exc
        self._setup(gen, card, device, tile, overlap, batch_size)

    @classmethod
    def from_generator(
        cls,
        gen: Generator,
        card: dict[str, Any],
        device: str | None = None,
        tile: int = 512,
        overlap: int = 32,
        batch_size: int = 4,
    ) -> Enhancer:
        """An Enhancer around an in-memory generator (tests, benchmarks of training checkpoints)."""
        self = cls.__new__(cls)
        self._setup(gen, card, device, tile, overlap, batch_size)
        return self

    def _setup(
        self,
        gen: Generator,
        card: dict[str, Any],
        device: str | None,
        tile: int,
        overlap: int,
        batch_size: int,
    ) -> None:
        m = gen.args.multiple
        if tile < 2 * overlap + m or tile % m:
            raise ValueError(
                f"tile must be a multiple of {m} and > 2 * overlap, got tile={tile}, overlap={overlap}"
            )
        if overlap < 0:
            raise ValueError(f"overlap must be >= 0, got {overlap}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.card = card
        self.model_id = str(card["model_id"])
        self.model_version = str(card.get("sha256", ""))
        self.modalities = tuple(
            Modality.parse(x) for x in np.atleast_1d(card.get("modality", "CT"))
        )
        self.device = select_device(device)
        self.tile, self.overlap, self.batch_size = tile, overlap, batch_size
        # channels-last memory layout: about 30 % faster convolutions on CPU (oneDNN), same result.
        self.memory_format = torch.channels_last if self.device.type == "cpu" else torch.contiguous_format
        self.net = gen.to(self.device, memory_format=self.memory_format).eval()  # type: ignore[call-overload]
        log.info("loaded %s on %s", self.model_id, self.device)

    # ------------------------------------------------------------------ checks
    def check_input(self, modality: Modality | str, is_hu: bool, pixels: np.ndarray) -> None:
        """Raise :class:`ModalityMismatchError` if the image is not what the model was trained on."""
        mod = Modality.parse(str(modality))
        trained = "/".join(m.value for m in self.modalities)
        if mod not in self.modalities:
            raise ModalityMismatchError(
                f"This model was trained on {trained} images; this image is {mod.value}. "
                f"Enhancing it would produce misleading results."
            )
        if not is_hu:
            raise ModalityMismatchError(
                f"This model needs {trained} pixels in Hounsfield units; this image has no HU calibration "
                "(no rescale slope/intercept, or a screenshot/PNG export)."
            )
        lo, hi = float(np.nanmin(pixels)), float(np.nanmax(pixels))
        inside = pixels[pixels > PADDING_HU]
        if (
            hi > MAX_HU
            or inside.size < 0.05 * pixels.size
            or float(np.median(inside)) > 3071.0
        ):
            raise ModalityMismatchError(
                f"The pixel values ({lo:.0f} to {hi:.0f}) are not plausible Hounsfield units for CT."
            )

    # ------------------------------------------------------------------ running
    def run(
        self,
        pixels_hu: np.ndarray,
        progress: ProgressFn | None = None,
        *,
        modality: Modality | str = Modality.CT,
        is_hu: bool = True,
        allow_mismatch: bool = False,
    ) -> EnhanceResult:
        """Enhance a 2-D slice or a 3-D series (slices first) given in HU.

        With ``allow_mismatch`` a modality / calibration mismatch does not raise; the result
        then carries a warning naming it.
        """
        arr = np.asarray(pixels_hu, dtype=np.float32)
        if arr.ndim not in (2, 3) or min(arr.shape[-2:]) < 8:
            raise ModelError(
                f"Expected a 2-D image or a 3-D series of images, got shape {arr.shape}."
            )
        warnings: list[str] = []
        try:
            self.check_input(modality, is_hu, arr)
        except ModalityMismatchError as exc:
            if not allow_mismatch:
                raise
            warnings.append(f"Run with override despite a mismatch: {exc}")
        vol = arr[None] if arr.ndim == 2 else arr
        out = np.empty_like(vol)
        per: list[float] = []
        t0 = time.perf_counter()
        total = vol.shape[0]
        if progress:
            progress(0, total)
        for s in range(0, total, self.batch_size):
            tb = time.perf_counter()
            chunk = vol[s : s + self.batch_size]
            padding = chunk <= PADDING_HU  # outside the field of view: kept as it is
            enhanced = self._run_batch(np.where(padding, AIR_HU, chunk))
            out[s : s + len(chunk)] = np.where(padding, chunk, enhanced)
            per += [(time.perf_counter() - tb) * 1000.0 / len(chunk)] * len(chunk)
            if progress:
                progress(s + len(chunk), total)
        ms = (time.perf_counter() - t0) * 1000.0
        pixels = out[0] if arr.ndim == 2 else out
        return EnhanceResult(
            pixels,
            self.model_id,
            self.model_version,
            str(self.device),
            ms,
            tuple(per),
            tuple(warnings),
        )

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.net.args.multiple
        h, w = x.shape[-2:]
        ph, pw = (-h) % m, (-w) % m
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        x = x.contiguous(memory_format=self.memory_format)
        with torch.inference_mode():
            if self.device.type == "cuda":
                with torch.autocast("cuda", dtype=torch.float16):
                    y = self.net(x)
            else:
                y = self.net(x)
        return y[..., :h, :w].float()

    def _run_batch(self, slices: np.ndarray) -> np.ndarray:
        b, h, w = slices.shape
        x = torch.from_numpy(np.ascontiguousarray(slices))[:, None].to(self.device)
        if h <= self.tile and w <= self.tile:
            return self._forward(x)[:, 0].cpu().numpy()
        step = self.tile - 2 * self.overlap
        acc = np.zeros((b, h, w), dtype=np.float32)
        wsum = np.zeros((h, w), dtype=np.float32)
        for r in _starts(h, self.tile, step):
            for c in _starts(w, self.tile, step):
                th, tw = min(self.tile, h - r), min(self.tile, w - c)
                y = self._forward(x[:, :, r : r + th, c : c + tw])[:, 0].cpu().numpy()
                wt = np.outer(_ramp(th, self.overlap), _ramp(tw, self.overlap))
                acc[:, r : r + th, c : c + tw] += y * wt
                wsum[r : r + th, c : c + tw] += wt
        return acc / wsum
