"""Site adaptation of the CT enhancer from unpaired scans (CycleGAN), optionally with DP-SGD.

CLI::

    python -m medgen.enhance.adapt --noisy DIR --clean DIR --base ldct-gan-v2 --out site-a-v1 \\
        [--max-minutes 10] [--dp-epsilon 8 --dp-delta 1e-5] [--seed 0]

Method (Zhu et al. 2017, CycleGAN; Kang et al. 2019 for low-dose CT): generator ``G`` noisy ->
clean initialised from the base model's weights, generator ``F`` clean -> noisy (same residual
architecture, starts as the identity), two PatchGAN discriminators judging whether an image (and
its high-pass residual) looks like the clean / the noisy site; least-squares adversarial +
cycle-consistency + identity losses, on random patches in HU.

Guard against the known failure (a naive CycleGAN ending worse than its input): identity loss,
validation after every epoch on held-out noisy series (split by series, never by slice), early
stopping, and refusal to publish: the adapted ``G`` is written only if on the held-out slices its
uniform-ROI noise SD falls below the input's, its HU bias stays within 5 HU, its edges are not more
than 10 % softer than the base model's (10-90 % edge rise) and it is not noisier than the base by
more than 10 % (plus, when paired slices are given, e.g. by bench/adapt.py, a PSNR not below the
base's). The measures are those of :mod:`medgen.enhance.realnoise` (uniform ROIs and edges found
on the noisy input, measured at the same places on every output).
Otherwise :func:`run_adaptation` returns status ``"refused"`` and the CLI exits with code 2.

Differential privacy (``dp_epsilon > 0``): ``G`` is trained with DP-SGD (Opacus: per-sample
gradient clipping and Gaussian noise, RDP accountant). The privacy unit is one training slice.
``F`` and the discriminators are trained without DP on the same slices; see
:data:`DP_BOUNDARY` (written into the card).

For the admin page: :func:`run_adaptation` takes a ``progress`` callback (one
:class:`EpochReport` per epoch) and a ``should_stop`` callable (checked every step) and returns an
:class:`AdaptResult`; :func:`publish` writes the weights and card.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as TF
from torch import nn

from medgen.enhance import cards
from medgen.enhance import realnoise as rn
from medgen.enhance.metrics import psnr, ssim
from medgen.enhance.nets import RESIDUAL_SCALE_HU, Generator, PatchDiscriminator, hu_to_net
from medgen.errors import InvalidInputError, MedgenError, ModelError

log = logging.getLogger(__name__)

#: Default configuration (JSON, keys = :class:`AdaptConfig` fields).
DEFAULT_CONFIG = Path(__file__).parent / "configs" / "adapt.json"
#: Lowest HU kept (padding / outside the reconstruction circle is air).
HU_MIN = -1024.0
#: A slice is used only if at least this fraction of its pixels is tissue (> -500 HU).
MIN_BODY_FRACTION = 0.12
#: De-identified DICOM attributes summarised in the card (never identifiers).
SCANNER_KEYS: tuple[str, ...] = (
    "Manufacturer",
    "ManufacturerModelName",
    "ConvolutionKernel",
    "KVP",
)
NRRD_SUFFIXES = (".nrrd", ".nhdr")

DP_BOUNDARY = (
    "DP-SGD covers the noisy->clean generator G only: each training slice's (noisy or clean) "
    "contribution to every update of G is clipped to max_grad_norm and Gaussian noise is added; "
    "epsilon is the RDP accountant's value at delta for the steps actually taken, with one slice as "
    "the privacy unit (a patient contributing k slices is protected at roughly k times epsilon). "
    "NOT covered: the clean->noisy generator F and the two discriminators are trained without DP "
    "on the same slices and shape G's loss, so the guarantee is not end-to-end for the published "
    "G; F and the discriminators are discarded, never written. Treat epsilon as a bound on what G's "
    "own gradient updates reveal, not as a formal guarantee for the whole pipeline."
)


class AdaptError(MedgenError):
    """The adaptation cannot run (unusable input folders, unknown base model)."""


@dataclass(frozen=True)
class AdaptConfig:
    """One adaptation run (JSON keys = field names; unknown keys are an error)."""

    patch: int = 64
    batch: int = 4
    lr: float = 2e-5  # Adam, generators
    lr_d: float = 1e-4  # Adam, discriminators
    loss_scale_hu: float = 100.0  # L1 losses are on HU / loss_scale_hu
    adv_weight: float = 0.05  # G's adversarial weight (small: a strong one pushes G to keep noise)
    adv_weight_f: float = 1.0  # F's adversarial weight (F must learn the site's noise texture)
    cycle_weight: float = 10.0
    identity_weight: float = 1.0
    # The noisy->clean->noisy cycle is compared after a cycle_lowpass x cycle_lowpass mean filter:
    # F cannot re-create the exact noise realisation G removed, so a full-resolution cycle would
    # push G to keep the noise (the known CycleGAN failure on low-dose CT). 1 = full resolution.
    cycle_lowpass: int = 4
    # L1 between G(noisy) and the frozen base model's output: keeps G near the base while F (and
    # the discriminators) are still learning; without it the identity and cycle terms pull G
    # towards the identity on noisy input within a few dozen steps (measured).
    base_weight: float = 10.0
    # Steps at the start during which only F and the discriminators learn (G frozen), so that the
    # backward cycle G(F(clean)) = clean trains G on site-like noise once it starts.
    g_warmup_steps: int = 40
    # Supervised term on synthetic pairs: L1(G(F(clean)), clean) with F(clean) detached, so that G
    # learns to remove the site's noise as F has learned it (F is not pulled towards noise that is
    # easy for G to remove). 0 = off (plain CycleGAN backward cycle only).
    synth_weight: float = 0.0
    # SD (HU) of white Gaussian noise, coloured by a learned 7 x 7 kernel, added to F's input:
    # a deterministic F cannot draw random noise, a noise input can (0 = off; < 0 = the noise SD
    # measured in uniform ROIs of the noisy validation slices). F's identity term and the
    # noisy->clean->noisy cycle use F without it (noise is not content).
    f_noise_hu: float = 0.0
    lr_g: float = 0.0  # Adam learning rate of G (0 = lr): lower for the base-initialised G
    # Rehearsal of the base's own task, so that G keeps what the base does on its training noise:
    # L1(G(sim(clean)), clean) where sim = medgen.enhance.simulate's default scanner (the low-dose
    # model the base was trained with, see its card) at rehearsal_doses, on up to
    # rehearsal_max_slices clean training slices (simulated once at the start). 0 = off.
    rehearsal_weight: float = 0.0
    rehearsal_doses: tuple[float, ...] = (0.25, 0.1, 0.05)
    rehearsal_max_slices: int = 8
    epochs: int = 40
    steps_per_epoch: int = 40
    patience: int = 4  # validations without a better passing model before stopping
    max_minutes: float = 10.0  # wall-time bound (checked every step); 0 = none
    val_fraction: float = 0.2
    val_max_slices: int = 8
    max_slices_per_series: int = 200
    discriminator: dict[str, int] = field(
        default_factory=lambda: {"base_channels": 32, "layers": 3}
    )
    seed: int = 0
    device: str = "auto"
    threads: int = 1
    dp_epsilon: float = 0.0  # > 0: DP-SGD for G with this target epsilon
    dp_delta: float = 1e-5
    dp_max_grad_norm: float = 1.0
    dp_epochs: int = 20  # planned passes over the slices (the accountant's horizon) in DP mode
    max_hu_bias: float = 5.0
    min_edge_ratio: float = 0.9  # adapted / base edge sharpness (= base / adapted 10-90 % rise)
    max_noise_ratio_vs_base: float = 1.1  # adapted / base noise SD

    def __post_init__(self) -> None:
        if self.patch < 32 or self.patch % 8:
            raise ValueError(f"patch must be a multiple of 8 and >= 32, got {self.patch}")
        for name in (
            "batch",
            "epochs",
            "steps_per_epoch",
            "threads",
            "val_max_slices",
            "dp_epochs",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must be in (0, 1), got {self.val_fraction}")
        object.__setattr__(self, "rehearsal_doses", tuple(float(d) for d in self.rehearsal_doses))
        if any(not 0 < d <= 1 for d in self.rehearsal_doses):
            raise ValueError(f"rehearsal_doses must be in (0, 1], got {self.rehearsal_doses}")
        if self.dp_epsilon < 0 or not 0 < self.dp_delta < 1:
            raise ValueError("dp_epsilon must be >= 0 and dp_delta in (0, 1)")

    @property
    def g_warmup(self) -> int:
        """G's warm-up steps as run (without DP): never more than a quarter of the planned steps,
        so a short job (few epochs or steps) still trains G after F has had its head start."""
        return min(self.g_warmup_steps, (self.epochs * self.steps_per_epoch) // 4)

    @classmethod
    def load(cls, path: Path = DEFAULT_CONFIG, **overrides: Any) -> AdaptConfig:
        raw = json.loads(Path(path).read_text())
        known = {f.name for f in fields(cls)}
        unknown = (set(raw) | set(overrides)) - known
        if unknown:
            raise ValueError(f"unknown adaptation config keys: {sorted(unknown)}")
        raw.update(overrides)
        return cls(**raw)


@dataclass(frozen=True)
class SeriesData:
    """One series / volume in HU: usable slices (k, rows, cols) and de-identified scanner facts."""

    slices: np.ndarray
    pixel_mm: float
    fmt: str  # "dicom" | "nrrd"
    scanner: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EpochReport:
    """Progress of one epoch (sent to the ``progress`` callback and logged)."""

    epoch: int
    epochs: int
    elapsed_s: float
    time_left_s: float
    losses: dict[str, float]
    validation: dict[str, float]
    passed: bool
    failures: tuple[str, ...]
    best_epoch: int | None
    epsilon: float | None = None


@dataclass
class AdaptResult:
    """Outcome of :func:`run_adaptation`; ``state`` is the chosen G (None when refused/cancelled)."""

    status: str  # "accepted" | "refused" | "cancelled"
    reasons: tuple[str, ...]
    state: dict[str, torch.Tensor] | None
    model_args: dict[str, int]
    card_fields: dict[str, Any]
    history: list[EpochReport]
    # G at the end of training whatever the decision (diagnostics and benchmarks; never published).
    last_state: dict[str, torch.Tensor] | None = None


# ----------------------------------------------------------------------------- data


def _usable(vol: np.ndarray, max_slices: int) -> np.ndarray:
    vol = np.maximum(np.asarray(vol, dtype=np.float32), HU_MIN)
    keep = [s for s in vol if float((s > -500).mean()) >= MIN_BODY_FRACTION]
    if len(keep) > max_slices:
        idx = np.linspace(0, len(keep) - 1, max_slices).round().astype(int)
        keep = [keep[i] for i in idx]
    return np.stack(keep) if keep else np.zeros((0, *vol.shape[1:]), np.float32)


def _read_nrrd(path: Path) -> tuple[np.ndarray, float]:
    import nrrd

    data, header = nrrd.read(str(path), index_order="C")
    if data.ndim == 2:
        data = data[None]
    if data.ndim != 3:
        raise InvalidInputError(f"{path.name} is not a 2-D or 3-D volume.")
    px = 1.0
    dirs = header.get("space directions")
    if dirs is not None:
        try:
            px = float(np.linalg.norm(np.asarray(dirs[0], dtype=float)))
        except (TypeError, ValueError):
            px = 1.0
    elif "spacings" in header:
        px = float(header["spacings"][-1])
    return data.astype(np.float32), px


def _group_dicom(files: list[Path]) -> list[list[Path]]:
    """Group DICOM files by series (the UID is read only for grouping and never kept)."""
    import pydicom

    groups: dict[str, list[Path]] = {}
    for f in files:
        try:
            ds = pydicom.dcmread(f, stop_before_pixels=True, specific_tags=["SeriesInstanceUID"])
            key = str(ds.get("SeriesInstanceUID", "")) or f"file:{f}"
        except Exception:  # noqa: BLE001 - not DICOM: skipped with a warning
            log.warning("skipping a file that is not DICOM")
            continue
        groups.setdefault(key, []).append(f)
    return list(groups.values())


def _scanner_summary(meta: Any) -> dict[str, str]:
    return {k: str(meta.get(k, ""))[:64] for k in SCANNER_KEYS if str(meta.get(k, "")).strip()}


def series_from_scans(scans: Sequence[Any], max_slices: int = 200) -> list[SeriesData]:
    """De-identified :class:`medgen.imaging.Scan` objects (e.g. uploaded zips) -> training series.

    Scans that are not CT in Hounsfield units are skipped with a warning.
    """
    out = []
    for scan in scans:
        if not scan.is_hu or str(getattr(scan.modality, "value", scan.modality)) != "CT":
            log.warning("skipping a series that is not CT in Hounsfield units")
            continue
        vol = scan.pixels if scan.pixels.ndim == 3 else scan.pixels[None]
        px = float(scan.pixel_spacing[0]) if scan.pixel_spacing else 1.0
        # Scan.header (typed, main) or Scan.meta (older Scan): {DICOM keyword: value}
        header = getattr(scan, "header", None)
        meta = header.summary() if header is not None else getattr(scan, "meta", {})
        out.append(SeriesData(_usable(vol, max_slices), px, "dicom", _scanner_summary(meta)))
    return [s for s in out if len(s.slices)]


def load_dir(path: Path, max_slices: int = 200) -> list[SeriesData]:
    """Every CT series (DICOM, read and de-identified by ``load_scans``) and NRRD volume in ``path``."""
    from medgen.imaging import load_scans

    root = Path(path)
    if not root.is_dir():
        raise AdaptError(f"The folder {root} does not exist.")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    out: list[SeriesData] = []
    nrrds = [p for p in files if p.suffix.lower() in NRRD_SUFFIXES]
    zips = [p for p in files if p.suffix.lower() == ".zip"]
    others = [p for p in files if p not in nrrds and p not in zips]
    for p in nrrds:
        try:
            vol, px = _read_nrrd(p)
        except Exception as exc:  # noqa: BLE001 - pynrrd raises several types; skip the file
            log.warning("skipping an unreadable NRRD volume: %s", type(exc).__name__)
            continue
        if float(vol.min()) > -500:  # no air below -500: not CT in Hounsfield units (MR, masks)
            log.warning("skipping an NRRD volume that is not CT in Hounsfield units")
            continue
        out.append(SeriesData(_usable(vol, max_slices), px, "nrrd", {}))
    groups = [[z] for z in zips] + _group_dicom(others)
    for group in groups:
        try:
            scan = load_scans([(p.name, p.read_bytes()) for p in group])
        except MedgenError as exc:
            log.warning("skipping a series of %d file(s): %s", len(group), exc)
            continue
        out.extend(series_from_scans([scan], max_slices))
    out = [s for s in out if len(s.slices)]
    if not out:
        raise AdaptError(
            f"No usable CT slices in {root.name}: it needs DICOM CT series or NRRD volumes in HU "
            "with body in the image."
        )
    return out


def source_summary(series: Sequence[SeriesData], train: int, val: int, note: str) -> dict[str, Any]:
    """Counts and scanner/kernel summary for the card (no identifiers, no file names)."""
    scanners: dict[tuple[tuple[str, str], ...], int] = {}
    for s in series:
        key = tuple(sorted(s.scanner.items()))
        scanners[key] = scanners.get(key, 0) + 1
    return {
        "series": len(series),
        "slices": int(sum(len(s.slices) for s in series)),
        "formats": {f: sum(s.fmt == f for s in series) for f in sorted({s.fmt for s in series})},
        "train_slices": train,
        "val_slices": val,
        "split": note,
        "scanners": [{**dict(k), "series": n} for k, n in sorted(scanners.items())],
    }


def split_series(
    series: Sequence[SeriesData], val_fraction: float, seed: int
) -> tuple[list[tuple[np.ndarray, float]], list[tuple[np.ndarray, float]], str]:
    """Train / validation slices, split by series (by slice block when there is one series)."""
    if len(series) >= 2:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(series))
        n_val = max(1, int(round(val_fraction * len(series))))
        val_idx = set(order[:n_val].tolist())
        train = [
            (sl, s.pixel_mm) for i, s in enumerate(series) if i not in val_idx for sl in s.slices
        ]
        val = [(sl, s.pixel_mm) for i, s in enumerate(series) if i in val_idx for sl in s.slices]
        return train, val, f"by series: {len(series) - n_val} train, {n_val} validation"
    s = series[0]
    k = len(s.slices)
    if k < 2:
        raise AdaptError("One slice is not enough: give at least two slices or series per folder.")
    n_val = max(1, int(round(val_fraction * k)))
    gap = 1 if k - n_val > 2 else 0  # skip one slice next to the block boundary
    train = [(sl, s.pixel_mm) for sl in s.slices[: k - n_val - gap]]
    val = [(sl, s.pixel_mm) for sl in s.slices[k - n_val :]]
    return train, val, "one series only: split by contiguous slice block (last slices held out)"


class PatchSampler:
    """Random tissue patches (HU) with flips and 90-degree rotations; seeded."""

    def __init__(self, slices: Sequence[tuple[np.ndarray, float]], patch: int, seed: int) -> None:
        if not slices:
            raise AdaptError("No training slices left after the validation split.")
        self.slices = [self._pad(s, patch) for s, _ in slices]
        self.patch = patch
        self.rng = np.random.default_rng(seed)

    @staticmethod
    def _pad(s: np.ndarray, p: int) -> np.ndarray:
        h, w = s.shape
        if h >= p and w >= p:
            return s
        return np.pad(s, ((0, max(0, p - h)), (0, max(0, p - w))), constant_values=HU_MIN)

    def one(self, i: int) -> np.ndarray:
        p = self.patch
        img = self.slices[i]
        h, w = img.shape
        for _ in range(20):
            r, c = int(self.rng.integers(h - p + 1)), int(self.rng.integers(w - p + 1))
            x = img[r : r + p, c : c + p]
            if (x > -500).mean() >= 0.3:
                break
        x = np.rot90(x, int(self.rng.integers(4)))
        if self.rng.integers(2):
            x = x[:, ::-1]
        return np.ascontiguousarray(x)

    def batch(self, n: int) -> torch.Tensor:
        idx = self.rng.integers(len(self.slices), size=n)
        return torch.from_numpy(np.stack([self.one(int(i)) for i in idx])[:, None])

    def by_index(self, idx: Sequence[int]) -> torch.Tensor:
        return torch.from_numpy(np.stack([self.one(int(i)) for i in idx])[:, None])


class PairSampler:
    """Random (low-dose, clean) patch pairs at the same place, with the same flips/rotations."""

    def __init__(self, pairs: Sequence[tuple[np.ndarray, np.ndarray]], patch: int, seed: int):
        self.stacks = [
            np.stack([PatchSampler._pad(lo, patch), PatchSampler._pad(hi, patch)])
            for lo, hi in pairs
        ]
        self.patch = patch
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        p, out = self.patch, []
        for i in self.rng.integers(len(self.stacks), size=n):
            st = self.stacks[int(i)]
            h, w = st.shape[1:]
            for _ in range(20):
                r, c = int(self.rng.integers(h - p + 1)), int(self.rng.integers(w - p + 1))
                x = st[:, r : r + p, c : c + p]
                if (x[1] > -500).mean() >= 0.3:
                    break
            x = np.rot90(x, int(self.rng.integers(4)), axes=(1, 2))
            if self.rng.integers(2):
                x = x[:, :, ::-1]
            out.append(np.ascontiguousarray(x))
        arr = torch.from_numpy(np.stack(out))
        return arr[:, :1], arr[:, 1:]


def rehearsal_pairs(
    clean: Sequence[tuple[np.ndarray, float]], doses: Sequence[float], max_slices: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The base's own task on clean slices: (default-scanner low dose, clean) pairs."""
    from medgen.enhance.simulate import pad_to_square, simulate_doses

    out = []
    for i, (sl, px) in enumerate(_spread(list(clean), max_slices)):
        sq, (r0, c0) = pad_to_square(sl, fill=HU_MIN)
        h, w = sl.shape
        for lo in simulate_doses(sq, px, tuple(doses), seed=seed + i).values():
            out.append((lo[r0 : r0 + h, c0 : c0 + w].astype(np.float32), sl.astype(np.float32)))
    return out


# ----------------------------------------------------------------------------- nets


class DomainDiscriminator(PatchDiscriminator):
    """Unconditional PatchGAN for CycleGAN: "does this look like the clean (or noisy) site?".

    Reuses :class:`PatchDiscriminator`'s layers; its two input channels are the normalised image
    and its high-pass residual (image - 3x3 mean) / ``RESIDUAL_SCALE_HU``, so that noise texture
    of a few HU is visible next to the 1000 HU image range.
    """

    def forward(self, hu: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        blur = TF.avg_pool2d(TF.pad(hu, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
        x = torch.cat([hu_to_net(hu), (hu - blur) / RESIDUAL_SCALE_HU], dim=1)
        return self.net(x)


class NoisyF(nn.Module):
    """F (clean -> noisy) with a noise input: ``F(c) = gen(c + k * z)``.

    ``z`` is white Gaussian noise drawn at every call, ``k`` a learned 7 x 7 colouring kernel
    (starts as a delta of ``noise_hu`` HU), ``gen`` the residual generator (starts as the
    identity). With ``noise_hu == 0`` there is no noise input and ``F(c) = gen(c)``.
    ``plain(x)`` runs ``gen`` without the noise (identity and cycle terms). The kernel is stored
    divided by :attr:`GAIN` so that Adam's steps (about the learning rate in parameter units)
    can reshape it within a few hundred steps.
    """

    GAIN = 50.0

    def __init__(self, gen: Generator, noise_hu: float, size: int = 7) -> None:
        super().__init__()
        self.gen = gen
        self.noise_hu = float(noise_hu)
        k = torch.zeros(1, 1, size, size)
        k[0, 0, size // 2, size // 2] = 1.0 / self.GAIN
        self.kernel = nn.Parameter(k)

    def noise(self, x: torch.Tensor) -> torch.Tensor:
        z = torch.randn_like(x)
        k = self.kernel * self.GAIN
        return TF.conv2d(z, k, padding=k.shape[-1] // 2) * self.noise_hu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.noise_hu <= 0:
            return self.gen(x)
        return self.gen(x + self.noise(x))

    def plain(self, x: torch.Tensor) -> torch.Tensor:
        return self.gen(x)


def _no_inplace(module: nn.Module) -> nn.Module:
    """Opacus' backward hooks forbid in-place activations; switch them off (weights unchanged)."""
    for m in module.modules():
        if hasattr(m, "inplace"):
            setattr(m, "inplace", False)  # noqa: B010 - any activation module with the flag
    return module


def load_base(base_id: str, root: Path | None = None) -> tuple[dict[str, Any], Generator]:
    card, state = cards.load_state(base_id, root)
    if card.get("task") != "ldct-denoising":
        raise ModelError(f"'{base_id}' is not a CT enhancement model.")
    gen = Generator(**card["architecture"]["args"])
    gen.load_state_dict(state)
    return card, gen


def pick_device(requested: str) -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def _pad_to(x: torch.Tensor, m: int) -> tuple[torch.Tensor, int, int]:
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    if ph or pw:
        x = TF.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, h, w


@torch.inference_mode()
def apply(gen: Generator, hu: np.ndarray, device: torch.device) -> np.ndarray:
    """Run a generator on one whole slice (HU in, HU out)."""
    was = gen.training
    gen.eval()
    x, h, w = _pad_to(
        torch.from_numpy(np.ascontiguousarray(hu, np.float32))[None, None].to(device),
        gen.args.multiple,
    )
    y = gen(x)[0, 0, :h, :w].float().cpu().numpy()
    gen.train(was)
    return y


# ----------------------------------------------------------------------------- validation


#: ROI side (pixels) of the validation's uniform-ROI noise measures (smaller than the benchmark's
#: 32 px so that small validation slices still hold several ROIs).
VAL_ROI_PX = 16


class Validator:
    """Validation figures of a candidate G on held-out slices, against the input and the base.

    Uniform soft-tissue ROIs and high-contrast edges are found once on each noisy validation
    slice (:func:`medgen.enhance.realnoise.find_regions`) and every candidate is measured there
    (:func:`medgen.enhance.realnoise.compare`): noise SD, HU bias, NPS mean frequency and the
    10-90 % edge rise relative to the input. Slices without a uniform ROI are not used.
    """

    def __init__(
        self,
        base: Generator,
        noisy_val: Sequence[tuple[np.ndarray, float]],
        clean_val: Sequence[tuple[np.ndarray, float]],
        device: torch.device,
        max_slices: int,
        paired: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    ) -> None:
        self.device = device
        self.noisy = _spread(noisy_val, max_slices)
        self.clean = _spread(clean_val, max_slices)
        self.paired = list(paired)
        self.regions = [rn.find_regions(s, px, roi_size=VAL_ROI_PX) for s, px in self.noisy]
        self.base_fig = self._figures(lambda s: apply(base, s, device), reference=True)

    def _figures(
        self, run: Callable[[np.ndarray], np.ndarray], reference: bool = False
    ) -> dict[str, float]:
        sd, sd_in, bias, edge, nps, nps_in = [], [], [], [], [], []
        for (s, px), reg in zip(self.noisy, self.regions, strict=True):
            if not reg.rois:
                continue
            cmp = rn.compare(s, run(s), px, reg)
            sd.append(cmp.noise_out.sd_hu)
            sd_in.append(cmp.noise_in.sd_hu)
            bias.append(cmp.hu_bias)
            edge.append(cmp.edge_ratio())
            nps.append(cmp.noise_out.nps_mean_freq)
            nps_in.append(cmp.noise_in.nps_mean_freq)
        drift = [float(np.mean(np.abs(run(c) - c))) for c, _ in self.clean]
        fig = {
            "noise_sd_input": _nanmean(sd_in),
            "noise_sd": _nanmean(sd),
            "hu_bias": _nanmean(bias),
            # output / input 10-90 % rise distance (geometric mean over edge kinds; > 1 = softer)
            "edge_rise_ratio": _nanmean(edge),
            "nps_mean_freq_ratio": _nanmean(nps) / _nanmean(nps_in),
            "clean_identity_drift_hu": _nanmean(drift),
        }
        if self.paired:
            outs = [run(lo) for lo, _ in self.paired]
            fig["paired_psnr"] = float(
                np.mean([psnr(f, y) for (_, f), y in zip(self.paired, outs, strict=True)])
            )
            fig["paired_ssim"] = float(
                np.mean([ssim(f, y) for (_, f), y in zip(self.paired, outs, strict=True)])
            )
        return {k: round(v, 4) for k, v in fig.items()}

    def evaluate(self, gen: Generator) -> dict[str, float]:
        return self._figures(lambda s: apply(gen, s, self.device))


def _spread(items: Sequence[Any], n: int) -> list[Any]:
    if len(items) <= n:
        return list(items)
    idx = np.linspace(0, len(items) - 1, n).round().astype(int)
    return [items[i] for i in idx]


def _nanmean(v: Sequence[float]) -> float:
    a = np.asarray(v, dtype=float)
    return float(np.nanmean(a)) if np.isfinite(a).any() else float("nan")


def check(fig: dict[str, float], base: dict[str, float], cfg: AdaptConfig) -> list[str]:
    """Reasons why a candidate must not be published (empty list = passes)."""
    out: list[str] = []
    need = ("noise_sd_input", "noise_sd", "hu_bias", "edge_rise_ratio")
    if any(not math.isfinite(fig[k]) or not math.isfinite(base[k]) for k in need):
        return [
            "the validation slices have no uniform soft-tissue regions or edges to measure noise "
            "and sharpness on; add series with soft tissue to the noisy folder"
        ]
    if fig["noise_sd"] >= fig["noise_sd_input"]:
        out.append(
            f"noise does not fall: SD {fig['noise_sd']:.1f} HU out vs {fig['noise_sd_input']:.1f} HU in"
        )
    if fig["noise_sd"] > cfg.max_noise_ratio_vs_base * base["noise_sd"]:
        out.append(
            f"noisier than the base model: SD {fig['noise_sd']:.1f} HU vs {base['noise_sd']:.1f} HU"
        )
    if abs(fig["hu_bias"]) > cfg.max_hu_bias:
        out.append(
            f"shifts tissue values by {fig['hu_bias']:+.1f} HU (limit {cfg.max_hu_bias:g} HU)"
        )
    # sharpness relative to the base: the base's 10-90 % rise over the candidate's
    ratio = base["edge_rise_ratio"] / max(fig["edge_rise_ratio"], 1e-9)
    if ratio < cfg.min_edge_ratio:
        out.append(
            f"edges {100 * (1 - ratio):.0f} % softer than the base model's (limit {100 * (1 - cfg.min_edge_ratio):.0f} %)"
        )
    if "paired_psnr" in fig and fig["paired_psnr"] < base["paired_psnr"]:
        out.append(
            f"paired PSNR {fig['paired_psnr']:.2f} dB below the base's {base['paired_psnr']:.2f} dB"
        )
    return out


def _score(fig: dict[str, float]) -> float:
    return fig["paired_psnr"] if "paired_psnr" in fig else -fig["noise_sd"]


# ----------------------------------------------------------------------------- training


def _lsq(pred: torch.Tensor, target: float) -> torch.Tensor:
    return ((pred - target) ** 2).mean()


def _row_mean(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(1).mean(dim=1)


def _low(x: torch.Tensor, k: int) -> torch.Tensor:
    return TF.avg_pool2d(x, k) if k > 1 else x


@dataclass
class CycleNets:
    """The four CycleGAN networks (``g``: noisy -> clean, ``f``: clean -> noisy)."""

    g: nn.Module
    f: nn.Module
    d_clean: nn.Module
    d_noisy: nn.Module


def discriminator_step(
    nets: CycleNets,
    opt_d: torch.optim.Optimizer,
    real_c: torch.Tensor,
    fake_c: torch.Tensor,
    real_n: torch.Tensor,
    fake_n: torch.Tensor,
) -> float:
    """One least-squares update of both discriminators; returns the loss."""
    d_loss = 0.5 * (
        _lsq(nets.d_clean(real_c), 1.0)
        + _lsq(nets.d_clean(fake_c.detach()), 0.0)
        + _lsq(nets.d_noisy(real_n), 1.0)
        + _lsq(nets.d_noisy(fake_n.detach()), 0.0)
    )
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()
    return float(d_loss.detach())


def cycle_losses(
    nets: CycleNets,
    n_b: torch.Tensor,
    c_b: torch.Tensor,
    cfg: AdaptConfig,
    base_out: torch.Tensor | None = None,
    rehearsal: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """Generator objective: (total, parts, G(noisy), F(clean)) on a noisy and a clean batch.

    ``base_out`` (the frozen base model on ``n_b``) adds the anchor term ``base_weight``;
    ``rehearsal`` (low, clean) pairs of the base's own task add ``rehearsal_weight``.
    """
    g, f, scale, lp = nets.g, nets.f, cfg.loss_scale_hu, cfg.cycle_lowpass
    f_plain = f.plain if isinstance(f, NoisyF) else f
    fake_c = g(n_b)
    fake_n = f(c_b)
    adv_g = _lsq(nets.d_clean(fake_c), 1.0)
    adv_f = _lsq(nets.d_noisy(fake_n), 1.0)
    cyc = (_low(f_plain(fake_c), lp) - _low(n_b, lp)).abs().mean() / scale
    if cfg.synth_weight <= 0:  # plain CycleGAN: backward cycle, its gradient reaches F too
        cyc = cyc + (g(fake_n) - c_b).abs().mean() / scale
    idt = ((g(c_b) - c_b).abs().mean() + (f_plain(n_b) - n_b).abs().mean()) / scale
    total = (
        cfg.adv_weight * adv_g
        + cfg.adv_weight_f * adv_f
        + cfg.cycle_weight * cyc
        + cfg.identity_weight * idt
    )
    parts = {"adv": adv_g, "adv_f": adv_f, "cycle": cyc, "identity": idt}
    if cfg.synth_weight > 0:
        # the backward cycle as a supervised term on synthetic pairs (F(clean) detached: F is
        # not pulled towards noise that G removes easily; it learns the site's noise from D_noisy)
        synth = (g(fake_n.detach()) - c_b).abs().mean() / scale
        total = total + cfg.synth_weight * synth
        parts["synth"] = synth
    if rehearsal is not None:
        reh = (g(rehearsal[0]) - rehearsal[1]).abs().mean() / scale
        total = total + cfg.rehearsal_weight * reh
        parts["rehearsal"] = reh
    if base_out is not None:
        anchor = (fake_c - base_out).abs().mean() / scale
        total = total + cfg.base_weight * anchor
        parts["anchor"] = anchor
    return total, parts, fake_c, fake_n


def cyclegan_step(
    nets: CycleNets,
    opt_gf: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    n_b: torch.Tensor,
    c_b: torch.Tensor,
    cfg: AdaptConfig,
    base_out: torch.Tensor | None = None,
    update_g: bool = True,
    rehearsal: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> dict[str, float]:
    """One CycleGAN update (both generators, then both discriminators); returns the losses.

    ``update_g=False`` (warm-up) updates F and the discriminators only.
    """
    total, parts, fake_c, fake_n = cycle_losses(nets, n_b, c_b, cfg, base_out, rehearsal)
    opt_gf.zero_grad(set_to_none=True)
    total.backward()
    if not update_g:
        for p in nets.g.parameters():
            p.grad = None  # Adam skips parameters without a gradient
    opt_gf.step()
    out = {k: float(v.detach()) for k, v in parts.items()}
    out["d"] = discriminator_step(nets, opt_d, c_b, fake_c, n_b, fake_n)
    return out


def run_adaptation(
    cfg: AdaptConfig,
    noisy: Sequence[SeriesData],
    clean: Sequence[SeriesData],
    base_id: str,
    *,
    weights_root: Path | None = None,
    progress: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    paired_val: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    generator_override: Generator | None = None,
) -> AdaptResult:
    """Adapt ``base_id`` to the site of ``noisy`` / ``clean``; validate; accept or refuse.

    ``paired_val`` (noisy, clean) pairs add a paired PSNR check (simulated sites only).
    ``generator_override`` replaces the trained G for the final decision (tests of the refusal).
    """
    t0 = time.perf_counter()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    base_card, base = load_base(base_id, weights_root)
    base = base.to(device).requires_grad_(False)
    n_train, n_val, n_note = split_series(noisy, cfg.val_fraction, cfg.seed)
    c_train, c_val, c_note = split_series(clean, cfg.val_fraction, cfg.seed + 1)
    log.info(
        "noisy: %d train / %d validation slices; clean: %d / %d; device %s",
        len(n_train),
        len(n_val),
        len(c_train),
        len(c_val),
        device,
    )
    validator = Validator(base, n_val, c_val, device, cfg.val_max_slices, paired_val)
    base_fig = validator.base_fig
    log.info("base on validation: %s", base_fig)

    g_raw = Generator(**base.model_args).to(device)
    g_raw.load_state_dict(base.state_dict())
    noise_hu = cfg.f_noise_hu
    if noise_hu < 0:
        noise_hu = base_fig["noise_sd_input"] if math.isfinite(base_fig["noise_sd_input"]) else 0.0
        log.info("F's noise input: %.1f HU (measured on the noisy validation slices)", noise_hu)
    f_gen = NoisyF(Generator(**base.model_args), noise_hu).to(device)
    d_clean = DomainDiscriminator(**cfg.discriminator).to(device)
    d_noisy = DomainDiscriminator(**cfg.discriminator).to(device)
    s_noisy = PatchSampler(n_train, cfg.patch, cfg.seed + 11)
    s_clean = PatchSampler(c_train, cfg.patch, cfg.seed + 23)
    s_reh = None
    if cfg.rehearsal_weight > 0 and cfg.dp_epsilon <= 0:
        tr = time.perf_counter()
        s_reh = PairSampler(
            rehearsal_pairs(c_train, cfg.rehearsal_doses, cfg.rehearsal_max_slices, cfg.seed + 31),
            cfg.patch,
            cfg.seed + 37,
        )
        log.info(
            "rehearsal: %d simulated pairs in %.0f s", len(s_reh.stacks), time.perf_counter() - tr
        )
    opt_d = torch.optim.Adam(
        [*d_clean.parameters(), *d_noisy.parameters()], lr=cfg.lr_d, betas=(0.5, 0.999)
    )
    scale = cfg.loss_scale_hu
    dp = cfg.dp_epsilon > 0
    engine = None
    dp_info: dict[str, Any] = {}
    if dp:
        from opacus import PrivacyEngine
        from opacus.validators import ModuleValidator
        from torch.utils.data import DataLoader, TensorDataset

        _no_inplace(g_raw)
        errors = ModuleValidator.validate(g_raw, strict=False)
        if errors:  # BatchNorm etc. -> GroupNorm; the Generator has no norm layers today
            g_raw = ModuleValidator.fix(g_raw)
        n_n, n_c = len(s_noisy.slices), len(s_clean.slices)
        # One example = one training slice (noisy ones first, then clean ones).
        examples = TensorDataset(torch.arange(n_n + n_c))
        loader = DataLoader(examples, batch_size=2 * cfg.batch, shuffle=True)
        opt_g = torch.optim.Adam(g_raw.parameters(), lr=cfg.lr_g or cfg.lr, betas=(0.5, 0.999))
        engine = PrivacyEngine(accountant="rdp")
        g_train, opt_g, loader = engine.make_private_with_epsilon(
            module=g_raw,
            optimizer=opt_g,
            data_loader=loader,
            target_epsilon=cfg.dp_epsilon,
            target_delta=cfg.dp_delta,
            epochs=cfg.dp_epochs,
            max_grad_norm=cfg.dp_max_grad_norm,
        )
        opt_f = torch.optim.Adam(f_gen.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
        epochs = cfg.dp_epochs
        dp_info = {
            "per_sample_clipping": type(g_train).__name__,
            "noise_multiplier": round(float(opt_g.noise_multiplier), 4),
            "sample_rate": round(2 * cfg.batch / (n_n + n_c), 5),
            "examples": n_n + n_c,
        }
        log.info(
            "DP-SGD: target epsilon %g at delta %g, noise multiplier %.3f, %d epochs over %d slices",
            cfg.dp_epsilon,
            cfg.dp_delta,
            opt_g.noise_multiplier,
            epochs,
            n_n + n_c,
        )
    else:
        g_train = g_raw
        opt_gf = torch.optim.Adam(
            [
                {"params": list(g_raw.parameters()), "lr": cfg.lr_g or cfg.lr},
                {"params": list(f_gen.parameters()), "lr": cfg.lr},
            ],
            lr=cfg.lr,
            betas=(0.5, 0.999),
        )
        epochs = cfg.epochs

    budget = cfg.max_minutes * 60 if cfg.max_minutes > 0 else math.inf
    history: list[EpochReport] = []
    best: tuple[float, int, dict[str, torch.Tensor], dict[str, float]] | None = None
    since_best = 0
    cancelled = timed_out = False
    epoch_times: list[float] = []
    last_fig: dict[str, float] = base_fig
    last_fail: list[str] = []

    def stop_now() -> bool:
        nonlocal cancelled, timed_out
        if should_stop is not None and should_stop():
            cancelled = True
        elif time.perf_counter() - t0 > budget:
            timed_out = True
        return cancelled or timed_out

    nets = CycleNets(g_train, f_gen, d_clean, d_noisy)

    def d_step(
        real_c: torch.Tensor, fake_c: torch.Tensor, real_n: torch.Tensor, fake_n: torch.Tensor
    ) -> float:
        return discriminator_step(nets, opt_d, real_c, fake_c, real_n, fake_n)

    lp = cfg.cycle_lowpass

    def f_d_step(fake_c: torch.Tensor | None, x_n: torch.Tensor) -> float:
        """DP mode: one update of F and both discriminators (not DP), on their own batches."""
        n_b = s_noisy.batch(cfg.batch).to(device)
        c_b = s_clean.batch(cfg.batch).to(device)
        fake_n = f_gen(c_b)
        f_loss = cfg.adv_weight_f * _lsq(d_noisy(fake_n), 1.0) + cfg.identity_weight * (
            (f_gen.plain(n_b) - n_b).abs().mean() / scale
        )
        if fake_c is not None:
            f_loss = f_loss + cfg.cycle_weight * (
                (_low(f_gen.plain(fake_c), lp) - _low(x_n, lp)).abs().mean() / scale
            )
        opt_f.zero_grad(set_to_none=True)
        f_loss.backward()
        opt_f.step()
        return d_step(c_b, fake_c if fake_c is not None else apply_batch(g_raw, n_b), n_b, fake_n)

    if dp and cfg.synth_weight > 0:
        # F learns the site's noise before G's DP-SGD starts (F is outside the DP guarantee).
        for _ in range(cfg.g_warmup_steps):
            if stop_now():
                break
            f_d_step(None, torch.empty(0))
    warmup = cfg.g_warmup  # used without DP only (epochs == cfg.epochs there)
    total_steps = 0
    for epoch in range(epochs):
        te = time.perf_counter()
        sums = {
            "adv": 0.0,
            "adv_f": 0.0,
            "cycle": 0.0,
            "identity": 0.0,
            "anchor": 0.0,
            "synth": 0.0,
            "rehearsal": 0.0,
            "d": 0.0,
        }
        steps = 0
        if dp:
            batches: Any = loader
        else:
            batches = range(cfg.steps_per_epoch)
        for item in batches:
            if stop_now():
                break
            if dp:
                idx = item[0].tolist()
                if not idx:
                    continue  # empty Poisson batch (rare)
                rows_n = [i for i in idx if i < n_n]
                rows_c = [i - n_n for i in idx if i >= n_n]
                parts = []
                if rows_n:
                    parts.append(s_noisy.by_index(rows_n))
                if rows_c:
                    parts.append(s_clean.by_index(rows_c))
                x = torch.cat(parts).to(device)
                k = len(rows_n)
                target_c = x[k:]
                if cfg.synth_weight > 0 and len(rows_c):
                    # clean rows become synthetic pairs: G(F(clean)) -> clean
                    with torch.no_grad():
                        x = torch.cat([x[:k], f_gen(target_c)])
                opt_g.zero_grad(set_to_none=True)
                out = g_train(x)
                per_row = []
                if k:
                    fake_c = out[:k]
                    x_n = x[:k]
                    adv = _row_mean((d_clean(fake_c) - 1.0) ** 2)
                    cyc = _row_mean((_low(f_gen.plain(fake_c), lp) - _low(x_n, lp)).abs()) / scale
                    with torch.no_grad():
                        b_out = base(x_n)
                    anchor = _row_mean((fake_c - b_out).abs()) / scale
                    per_row.append(
                        cfg.adv_weight * adv + cfg.cycle_weight * cyc + cfg.base_weight * anchor
                    )
                    sums["anchor"] += float(anchor.detach().mean())
                    sums["adv"] += float(adv.detach().mean())
                    sums["cycle"] += float(cyc.detach().mean())
                if len(rows_c):
                    idt = _row_mean((out[k:] - target_c).abs()) / scale
                    if cfg.synth_weight > 0:
                        per_row.append(cfg.synth_weight * idt)
                        sums["synth"] += float(idt.detach().mean())
                    else:
                        per_row.append(cfg.identity_weight * idt)
                        sums["identity"] += float(idt.detach().mean())
                torch.cat(per_row).mean().backward()
                opt_g.step()
                # F and the discriminators (not DP), on their own batches.
                sums["d"] += f_d_step(out[:k].detach() if k else None, x[:k])
            else:
                n_b = s_noisy.batch(cfg.batch).to(device)
                c_b = s_clean.batch(cfg.batch).to(device)
                with torch.no_grad():
                    base_out = base(n_b) if cfg.base_weight > 0 else None
                update_g = total_steps >= warmup
                reh = None
                if s_reh is not None and update_g:
                    reh = tuple(t.to(device) for t in s_reh.batch(cfg.batch))
                losses = cyclegan_step(
                    nets,
                    opt_gf,
                    opt_d,
                    n_b,
                    c_b,
                    cfg,
                    base_out,
                    update_g,
                    reh,  # type: ignore[arg-type]
                )
                total_steps += 1
                for key, v in losses.items():
                    sums[key] += v
            steps += 1
        if steps == 0:
            break
        fig = validator.evaluate(g_raw)
        fails = check(fig, base_fig, cfg)
        last_fig, last_fail = fig, fails
        # Epochs that ended inside G's warm-up hold the base model unchanged: not candidates.
        g_trained = dp or total_steps > warmup
        if g_trained and not fails and (best is None or _score(fig) > best[0]):
            best = (
                _score(fig),
                epoch,
                {k: v.detach().cpu().clone() for k, v in g_raw.state_dict().items()},
                fig,
            )
            since_best = 0
        elif g_trained:  # warm-up epochs do not use up the patience
            since_best += 1
        epoch_times.append(time.perf_counter() - te)
        elapsed = time.perf_counter() - t0
        left = min(budget - elapsed, (epochs - epoch - 1) * float(np.mean(epoch_times)))
        eps = float(engine.get_epsilon(cfg.dp_delta)) if engine is not None else None
        rep = EpochReport(
            epoch=epoch + 1,
            epochs=epochs,
            elapsed_s=round(elapsed, 1),
            time_left_s=round(max(0.0, left), 1),
            losses={k: round(v / steps, 5) for k, v in sums.items()},
            validation=fig,
            passed=not fails,
            failures=tuple(fails),
            best_epoch=best[1] + 1 if best else None,
            epsilon=eps,
        )
        history.append(rep)
        log.info(
            "epoch %d/%d  %.0fs (left ~%.0fs)  adv %.4f cyc %.4f idt %.4f d %.4f | val SD %.1f HU "
            "(in %.1f, base %.1f) bias %+.1f HU edge rise x%.3f (base x%.3f)%s%s  %s",
            rep.epoch,
            epochs,
            rep.elapsed_s,
            rep.time_left_s,
            rep.losses["adv"],
            rep.losses["cycle"],
            rep.losses["identity"],
            rep.losses["d"],
            fig["noise_sd"],
            fig["noise_sd_input"],
            base_fig["noise_sd"],
            fig["hu_bias"],
            fig["edge_rise_ratio"],
            base_fig["edge_rise_ratio"],
            f" PSNR {fig['paired_psnr']:.2f} (base {base_fig['paired_psnr']:.2f})"
            if "paired_psnr" in fig
            else "",
            f" eps {eps:.2f}" if eps is not None else "",
            "ok" if not fails else "; ".join(fails),
        )
        if progress is not None:
            progress(rep)
        if cancelled or timed_out or since_best >= cfg.patience:
            if since_best >= cfg.patience:
                log.info("early stop: no better passing model for %d epochs", cfg.patience)
            break
    elapsed = time.perf_counter() - t0
    epsilon = float(engine.get_epsilon(cfg.dp_delta)) if engine is not None else None
    last_state = {k: v.detach().cpu().clone() for k, v in g_raw.state_dict().items()}

    if generator_override is not None:
        gen = generator_override.to(device)
        fig = validator.evaluate(gen)
        fails = check(fig, base_fig, cfg)
        best = (_score(fig), len(history) - 1, gen.state_dict(), fig) if not fails else None
        last_fig, last_fail = fig, fails

    card_fields = _card_fields(
        cfg,
        base_id,
        base_card,
        noisy,
        clean,
        (len(n_train), len(n_val), n_note),
        (len(c_train), len(c_val), c_note),
        history,
        best,
        base_fig,
        elapsed,
        device,
        epsilon,
        dp_info,
    )
    if cancelled:
        return AdaptResult(
            "cancelled",
            ("the job was cancelled",),
            None,
            base.model_args,
            card_fields,
            history,
            last_state,
        )
    if best is None:
        reasons = tuple(last_fail) or ("no epoch finished within the time limit",)
        card_fields["adaptation"]["validation"]["last"] = last_fig
        return AdaptResult(
            "refused", reasons, None, base.model_args, card_fields, history, last_state
        )
    return AdaptResult("accepted", (), best[2], base.model_args, card_fields, history, last_state)


@torch.no_grad()
def apply_batch(gen: Generator, x: torch.Tensor) -> torch.Tensor:
    return gen(x)


def _card_fields(
    cfg: AdaptConfig,
    base_id: str,
    base_card: dict[str, Any],
    noisy: Sequence[SeriesData],
    clean: Sequence[SeriesData],
    n_split: tuple[int, int, str],
    c_split: tuple[int, int, str],
    history: list[EpochReport],
    best: tuple[float, int, dict[str, torch.Tensor], dict[str, float]] | None,
    base_fig: dict[str, float],
    elapsed: float,
    device: torch.device,
    epsilon: float | None,
    dp_info: dict[str, Any],
) -> dict[str, Any]:
    keep = ("modality", "body_regions", "input", "output", "data_sources")
    fields_: dict[str, Any] = {k: base_card[k] for k in keep if k in base_card}
    privacy: dict[str, Any]
    if cfg.dp_epsilon > 0:
        privacy = {
            "mode": "DP-SGD (Opacus 1.6.0, RDP accountant) on G",
            "target_epsilon": cfg.dp_epsilon,
            "epsilon": round(epsilon, 4) if epsilon is not None else None,
            "delta": cfg.dp_delta,
            "max_grad_norm": cfg.dp_max_grad_norm,
            "privacy_unit": "one training slice",
            **dp_info,
            "boundary": DP_BOUNDARY,
        }
    else:
        privacy = {"mode": "none (no differential privacy)"}
    fields_.update(
        {
            "title": f"{base_id} adapted to a site (CycleGAN)",
            "base_model": base_id,
            "base_sha256": base_card.get("sha256"),
            "adaptation": {
                "method": (
                    "CycleGAN (Zhu et al. 2017; Kang et al. 2019 for low-dose CT): G noisy->clean "
                    "initialised from the base, F clean->noisy, two PatchGAN discriminators, "
                    "least-squares adversarial + cycle + identity losses on HU patches"
                    + (
                        "; the backward cycle as a supervised term on synthetic pairs "
                        "L1(G(F(clean)), clean) with F(clean) detached (weight "
                        f"{cfg.synth_weight:g}), F with a coloured Gaussian noise input, "
                        f"{cfg.g_warmup_steps if cfg.dp_epsilon > 0 else cfg.g_warmup} warm-up steps in which only F and the "
                        "discriminators learn"
                        if cfg.synth_weight > 0
                        else ""
                    )
                    + (
                        "; rehearsal of the base's own task: L1(G(sim(clean)), clean) with the "
                        f"base's low-dose simulator at doses {list(cfg.rehearsal_doses)} (weight "
                        f"{cfg.rehearsal_weight:g}; not in DP mode)"
                        if cfg.rehearsal_weight > 0
                        else ""
                    )
                ),
                "config": asdict(cfg),
                "sources": {
                    "noisy": source_summary(noisy, *n_split),
                    "clean": source_summary(clean, *c_split),
                },
                "epochs_completed": len(history),
                "best_epoch": best[1] + 1 if best else None,
                "training_time_s": round(elapsed, 1),
                "device": str(device),
                "losses": [{"epoch": r.epoch, **r.losses} for r in history],
                "validation": {
                    "checks": (
                        "on held-out noisy slices: uniform-ROI noise SD must fall; |HU bias| <= "
                        f"{cfg.max_hu_bias:g} HU; 10-90 % edge rise <= base / {cfg.min_edge_ratio:g}; "
                        f"noise SD <= {cfg.max_noise_ratio_vs_base:g} x base; paired PSNR >= base "
                        "when paired slices are given"
                    ),
                    "base": base_fig,
                    "adapted": best[3] if best else None,
                    "per_epoch": [
                        {"epoch": r.epoch, **r.validation, "passed": r.passed} for r in history
                    ],
                },
                "privacy": privacy,
            },
        }
    )
    return fields_


def publish(result: AdaptResult, out_id: str, weights_root: Path | None = None) -> dict[str, Any]:
    """Write ``<out_id>.safetensors`` + card through :func:`medgen.enhance.cards.export`."""
    if result.status != "accepted" or result.state is None:
        raise AdaptError(f"Not published: the adaptation was {result.status}.")
    if not out_id or "/" in out_id or "\\" in out_id or out_id.startswith("."):
        raise AdaptError(f"'{out_id}' is not a valid model name.")
    ad = result.card_fields["adaptation"]
    with tempfile.TemporaryDirectory() as tmp:
        ck = Path(tmp) / "adapted.pt"
        torch.save(
            {
                "model": result.state,
                "model_args": result.model_args,
                "config": ad["config"],
                "epoch": (ad["best_epoch"] or 1) - 1,
                "elapsed_s": ad["training_time_s"],
                "val": ad["validation"]["adapted"],
            },
            ck,
        )
        return cards.export(ck, out_id, result.card_fields, weights_root)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Adapt the CT enhancer to a site from unpaired scans.")
    ap.add_argument(
        "--noisy", type=Path, required=True, help="folder of the site's routine (noisy) CT"
    )
    ap.add_argument(
        "--clean", type=Path, required=True, help="folder of low-noise CT (other patients)"
    )
    ap.add_argument("--base", required=True, help="model id to start from, e.g. ldct-gan-v2")
    ap.add_argument("--out", required=True, help="model id to write")
    ap.add_argument("--max-minutes", type=float)
    ap.add_argument("--dp-epsilon", type=float, help="train G with DP-SGD at this target epsilon")
    ap.add_argument("--dp-delta", type=float)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--weights-dir", type=Path, help="default: the configured weights folder")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cfg = AdaptConfig.load(args.config)
    over = {
        k: v
        for k, v in {
            "max_minutes": args.max_minutes,
            "dp_epsilon": args.dp_epsilon,
            "dp_delta": args.dp_delta,
            "seed": args.seed,
        }.items()
        if v is not None
    }
    cfg = replace(cfg, **over)
    try:
        noisy = load_dir(args.noisy, cfg.max_slices_per_series)
        clean = load_dir(args.clean, cfg.max_slices_per_series)
        result = run_adaptation(cfg, noisy, clean, args.base, weights_root=args.weights_dir)
        if result.status != "accepted":
            log.error(
                "REFUSED: the adapted model is not published (%s): %s",
                result.status,
                "; ".join(result.reasons),
            )
            return 2
        card = publish(result, args.out, args.weights_dir)
    except MedgenError as exc:
        log.error("%s", exc)
        return 1
    log.info("wrote %s (sha256 %s...)", card["weights_file"], card["sha256"][:12])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
