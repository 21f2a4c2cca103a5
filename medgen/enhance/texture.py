"""Noise-texture terms for training (v2 prototype): keep the full-dose noise power spectrum.

A pixel loss (L1/L2) regresses to the conditional mean and removes the target's own noise too, so
the output looks waxy ("plastic"): its noise power spectrum (NPS) collapses at mid and high
frequencies. :func:`spectrum_loss` compares the radially averaged log power spectrum of a batch
of generated patches with that of the full-dose target patches (Hann-windowed, mean removed,
ensemble over the batch, frequencies from ``f_min`` cycles/pixel to Nyquist), so the generator is
pushed to keep full-dose-like texture without having to predict the target's noise pixel by pixel.
:func:`highpass` gives the residual texture image a discriminator can be shown instead of the
image itself.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _gauss_kernel(sigma: float, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    r = max(1, int(math.ceil(3 * sigma)))
    x = torch.arange(-r, r + 1, device=device, dtype=dtype)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def highpass(x: torch.Tensor, sigma: float = 1.5) -> torch.Tensor:
    """``x - gaussian_blur(x, sigma)`` for (B, 1, H, W): fine texture and noise, no mean."""
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    k = _gauss_kernel(sigma, x.device, x.dtype)
    r = k.numel() // 2
    y = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    y = F.conv2d(F.pad(y, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))
    return x - y


def _radial_bins(n: int, device: torch.device) -> tuple[torch.Tensor, int]:
    f = torch.fft.fftfreq(n, device=device)
    fr = torch.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    idx = torch.clamp(torch.round(fr * n).long(), max=n // 2)  # bin width 1/n cycles/px
    return idx.view(-1), n // 2 + 1


def radial_power(x: torch.Tensor) -> torch.Tensor:
    """Ensemble radial power spectrum of square patches (B, 1, P, P) -> (P // 2 + 1,) bins of 1/P
    cycles/pixel. Each patch has its mean removed and a 2-D Hann window applied."""
    b, c, h, w = x.shape
    if h != w or c != 1:
        raise ValueError(f"expected (B, 1, P, P) patches, got {tuple(x.shape)}")
    win = torch.hann_window(h, periodic=False, device=x.device, dtype=x.dtype)
    win2 = win[:, None] * win[None, :]
    xc = (x - x.mean(dim=(-2, -1), keepdim=True)) * win2
    power = (torch.fft.fft2(xc).abs() ** 2).mean(dim=(0, 1)) / float((win2**2).sum())
    idx, nb = _radial_bins(h, x.device)
    sums = torch.zeros(nb, device=x.device, dtype=x.dtype).index_add_(0, idx, power.reshape(-1))
    counts = torch.bincount(idx, minlength=nb).to(x.dtype)
    return sums / counts.clamp(min=1)


def spectrum_loss(
    fake: torch.Tensor, target: torch.Tensor, f_min: float = 0.08, eps: float = 1e-6
) -> torch.Tensor:
    """Mean |log P_fake(f) - log P_target(f)| over radial bins with f >= ``f_min`` cycles/pixel.

    Inputs are HU / 1000 scaled patches (B, 1, P, P); the target's spectrum is not differentiated.
    """
    pf = radial_power(fake)
    with torch.no_grad():
        pt = radial_power(target)
    n = fake.shape[-1]
    f = torch.arange(pf.numel(), device=fake.device, dtype=fake.dtype) / n
    sel = f >= f_min
    return (torch.log(pf[sel] + eps) - torch.log(pt[sel] + eps)).abs().mean()
