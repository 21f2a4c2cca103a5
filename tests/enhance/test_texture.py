"""The v2 texture terms: spectrum loss and high-pass residual (torch)."""

from __future__ import annotations

import torch

from medgen.enhance.texture import highpass, radial_power, spectrum_loss


def _noise(seed: int, n: int = 8, p: int = 64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, p, p, generator=g) * 0.02


def test_highpass_removes_constants_and_keeps_fine_noise():
    flat = torch.full((1, 1, 32, 32), 0.04)
    assert highpass(flat).abs().max() < 1e-6
    x = _noise(0)
    assert highpass(x, 1.5).std() > 0.8 * x.std()  # white noise is mostly high frequency


def test_radial_power_of_white_noise_is_flat_and_of_blurred_noise_falls():
    x = _noise(1)
    p = radial_power(x)
    assert p.shape == (33,)
    mid = p[4:28]
    assert (mid.max() / mid.min()) < 1.6  # flat within sampling error
    blurred = x - highpass(x, 2.0)
    pb = radial_power(blurred)
    assert pb[24] < 0.05 * pb[2]  # a low-pass image has little high-frequency power


def test_spectrum_loss_is_zero_for_same_statistics_and_penalises_smoothing():
    target = _noise(2)
    other_realisation = _noise(3)  # same texture, different pixels: the loss must not care
    smooth = target - highpass(target, 1.5)
    same = spectrum_loss(other_realisation, target)
    worse = spectrum_loss(smooth, target)
    assert same < 0.15
    assert worse > 5 * same
    fake = smooth.clone().requires_grad_(True)
    spectrum_loss(fake, target).backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0
