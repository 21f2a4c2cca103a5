"""Physical low-dose CT simulation: HU -> attenuation -> parallel-beam sinogram -> Poisson counts -> FBP.

Pure functions on numpy arrays (torch is used internally for speed). The same ``seed`` gives
the same noise realisation.

Model (Beer-Lambert, parallel beam over 180 degrees, detector bin = pixel size):

- ``mu = mu_water * (1 + HU / 1000)`` (clipped at 0), in 1/mm;
- line integrals ``p = R mu`` (``R`` = Radon transform, pixel size in mm);
- transmitted counts ``N ~ Poisson(I0 * exp(-p)) + Normal(0, sigma_e^2)``, clipped at 1 count;
- ``p_noisy = -log(N / I0)``; filtered back-projection with a ramp (Ram-Lak) filter;
- back to HU.

:func:`simulate_low_dose` returns ``x + FBP(p_noisy) - FBP(p_clean)``: the exact original
image plus the reconstructed noise (projection-domain noise insertion). Because FBP is linear
this equals FBP(p_noisy) with the small discretisation bias of FBP(R x) - x removed, so a
network trained on (low dose, original) pairs learns the noise, not a reconstruction bias.
:func:`fbp` on :func:`forward_project` reproduces an image closely on its own (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

#: Linear attenuation coefficient of water at ~70 keV effective energy, 1/mm.
MU_WATER_PER_MM = 0.0192
#: Default incident photons per view per 1 mm of detector width at full dose (a bin of width
#: ``pixel_mm`` receives ``FULL_DOSE_I0 * pixel_mm``).
FULL_DOSE_I0 = 1.0e6
#: Default dose levels (fractions of the full dose) of the data set and the benchmark.
DOSE_LEVELS: tuple[float, ...] = (0.25, 0.10)


@dataclass(frozen=True)
class ScannerModel:
    """Acquisition parameters of the simulated scanner."""

    # Incident photons per view per mm of detector width at 100 % dose.
    i0_full: float = FULL_DOSE_I0
    # SD of the Gaussian electronic noise, in counts.
    electronic_sd: float = 10.0
    # Projection angles over [0, pi); None -> 1.5 x image width (at least 180).
    n_views: int | None = None
    # Attenuation of water, 1/mm.
    mu_water: float = MU_WATER_PER_MM

    def __post_init__(self) -> None:
        if self.i0_full <= 0:
            raise ValueError(f"i0_full must be > 0, got {self.i0_full}")
        if self.electronic_sd < 0:
            raise ValueError(f"electronic_sd must be >= 0, got {self.electronic_sd}")
        if self.n_views is not None and self.n_views < 8:
            raise ValueError(f"n_views must be >= 8, got {self.n_views}")

    def views_for(self, width: int) -> int:
        return self.n_views if self.n_views is not None else max(180, int(round(1.5 * width)))


def _check_image(hu: np.ndarray) -> np.ndarray:
    arr = np.asarray(hu, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"expected a square 2-D slice, got shape {arr.shape}")
    if arr.shape[0] < 8:
        raise ValueError(f"slice too small for simulation: {arr.shape}")
    return arr


def hu_to_mu(hu: np.ndarray, mu_water: float = MU_WATER_PER_MM) -> np.ndarray:
    """Hounsfield units -> linear attenuation (1/mm), air and below clipped to 0."""
    return np.clip(mu_water * (1.0 + np.asarray(hu, dtype=np.float32) / 1000.0), 0.0, None)


def mu_to_hu(mu: np.ndarray, mu_water: float = MU_WATER_PER_MM) -> np.ndarray:
    """Linear attenuation (1/mm) -> Hounsfield units."""
    return (np.asarray(mu, dtype=np.float32) / mu_water - 1.0) * 1000.0


def _angles(n_views: int) -> torch.Tensor:
    return torch.arange(n_views, dtype=torch.float32) * (math.pi / n_views)


def _n_det(n: int) -> int:
    return int(math.ceil(n * math.sqrt(2.0))) | 1  # odd, covers the diagonal


def forward_project(mu: np.ndarray, pixel_mm: float, n_views: int, chunk: int = 32) -> np.ndarray:
    """Parallel-beam line integrals of ``mu`` (1/mm) -> sinogram ``(n_views, n_det)`` (unitless).

    Rays are sampled once per pixel length along the ray with bilinear interpolation.
    """
    img = torch.from_numpy(_check_image(mu)).contiguous()
    n = img.shape[0]
    nd = _n_det(n)
    half = (n - 1) / 2.0
    c = torch.arange(nd, dtype=torch.float32) - (nd - 1) / 2.0
    u = c.view(1, 1, nd)  # detector coordinate (columns of the output)
    v = c.view(1, nd, 1)  # along-ray coordinate (rows)
    theta = _angles(n_views)
    out = torch.empty(n_views, nd)
    src = img.view(1, 1, n, n)
    for s in range(0, n_views, chunk):
        th = theta[s : s + chunk].view(-1, 1, 1)
        cos, sin = torch.cos(th), torch.sin(th)
        x = u * cos - v * sin
        y = u * sin + v * cos
        grid = torch.stack((x / half, y / half), dim=-1)  # (b, nd, nd, 2)
        b = grid.shape[0]
        samp = F.grid_sample(
            src.expand(b, 1, n, n), grid, mode="bilinear", padding_mode="zeros", align_corners=True
        )
        out[s : s + b] = samp[:, 0].sum(dim=1) * pixel_mm
    return out.numpy()


def _ramp_filter(n_det: int, pixel_mm: float) -> torch.Tensor:
    """Frequency response of the discrete Ram-Lak filter (Kak & Slaney eq. 61), zero-padded."""
    size = max(64, 2 ** int(math.ceil(math.log2(2 * n_det))))
    k = torch.arange(size)
    k = torch.minimum(k, size - k).to(torch.float64)
    h = torch.zeros(size, dtype=torch.float64)
    h[0] = 0.25
    odd = (k % 2) == 1
    h[odd] = -1.0 / (math.pi**2 * k[odd] ** 2)
    return (2.0 * torch.fft.rfft(h).real / pixel_mm).to(torch.float32), size  # type: ignore[return-value]


def fbp(sinogram: np.ndarray, n: int, pixel_mm: float, chunk: int = 16) -> np.ndarray:
    """Filtered back-projection of a parallel-beam sinogram to an ``n x n`` image of mu (1/mm)."""
    sino = torch.from_numpy(np.asarray(sinogram, dtype=np.float32))
    n_views, nd = sino.shape
    filt, size = _ramp_filter(nd, pixel_mm)
    q = torch.fft.irfft(torch.fft.rfft(sino, n=size, dim=1) * filt, n=size, dim=1)[:, :nd]
    c = torch.arange(n, dtype=torch.float32) - (n - 1) / 2.0
    xs = c.view(1, 1, n)
    ys = c.view(1, n, 1)
    theta = _angles(n_views)
    acc = torch.zeros(n * n)
    centre = (nd - 1) / 2.0
    for s in range(0, n_views, chunk):
        th = theta[s : s + chunk].view(-1, 1, 1)
        t = (xs * torch.cos(th) + ys * torch.sin(th) + centre).reshape(th.shape[0], -1)
        i0 = t.floor().clamp(0, nd - 2)
        w = (t - i0).clamp(0.0, 1.0)
        i0l = i0.long()
        qs = q[s : s + th.shape[0]]
        acc += (torch.gather(qs, 1, i0l) * (1 - w) + torch.gather(qs, 1, i0l + 1) * w).sum(dim=0)
    return (acc * (math.pi / (2 * n_views))).view(n, n).numpy()


def add_poisson_noise(
    sinogram: np.ndarray, i0: float, electronic_sd: float, rng: np.random.Generator
) -> np.ndarray:
    """Noisy line integrals: Poisson counts at flux ``i0`` plus Gaussian electronic noise, then log."""
    if i0 <= 0:
        raise ValueError(f"i0 must be > 0, got {i0}")
    expected = i0 * np.exp(-np.asarray(sinogram, dtype=np.float64))
    counts = rng.poisson(expected).astype(np.float64)
    if electronic_sd > 0:
        counts += rng.normal(0.0, electronic_sd, size=counts.shape)
    counts = np.clip(counts, 1.0, None)
    return (-np.log(counts / i0)).astype(np.float32)


def simulate_low_dose(
    hu: np.ndarray,
    pixel_mm: float,
    dose: float,
    seed: int,
    scanner: ScannerModel | None = None,
) -> np.ndarray:
    """Simulated low-dose reconstruction (HU) of a full-dose slice at ``dose`` x full flux.

    Parameters
    ----------
    hu : (n, n) float array in Hounsfield units (the full-dose image).
    pixel_mm : pixel size in mm (PixelSpacing); sets path lengths, hence photon starvation.
    dose : fraction of the full-dose flux, in (0, 1], e.g. 0.25 or 0.10.
    seed : random seed; the same seed gives the same noise.
    scanner : acquisition model (flux, electronic noise, views).

    Returns
    -------
    (n, n) float32 HU: ``hu + FBP(p_noisy) - FBP(p_clean)``.
    """
    if pixel_mm <= 0:
        raise ValueError(f"pixel_mm must be > 0, got {pixel_mm}")
    return simulate_doses(hu, pixel_mm, (dose,), seed, scanner)[dose]


def simulate_doses(
    hu: np.ndarray,
    pixel_mm: float,
    doses: tuple[float, ...],
    seed: int,
    scanner: ScannerModel | None = None,
) -> dict[float, np.ndarray]:
    """:func:`simulate_low_dose` at several dose levels sharing one forward projection.

    Level ``i`` draws from ``np.random.default_rng([seed, i])``: levels are independent and
    reproducible.
    """
    sc = scanner or ScannerModel()
    img = _check_image(hu)
    n = img.shape[0]
    p_clean = forward_project(hu_to_mu(img, sc.mu_water), pixel_mm, sc.views_for(n))
    out: dict[float, np.ndarray] = {}
    for i, dose in enumerate(doses):
        if not 0 < dose <= 1:
            raise ValueError(f"dose must be in (0, 1], got {dose}")
        rng = np.random.default_rng([seed, i])
        p_noisy = add_poisson_noise(p_clean, sc.i0_full * pixel_mm * dose, sc.electronic_sd, rng)
        noise_mu = fbp(p_noisy - p_clean, n, pixel_mm)
        out[dose] = (img + noise_mu / sc.mu_water * 1000.0).astype(np.float32)
    return out


def pad_to_square(hu: np.ndarray, fill: float = -1000.0) -> tuple[np.ndarray, tuple[int, int]]:
    """Pad a 2-D slice with air to a square; returns the padded image and (row, col) offsets."""
    arr = np.asarray(hu, dtype=np.float32)
    h, w = arr.shape
    n = max(h, w)
    out = np.full((n, n), fill, dtype=np.float32)
    r0, c0 = (n - h) // 2, (n - w) // 2
    out[r0 : r0 + h, c0 : c0 + w] = arr
    return out, (r0, c0)
