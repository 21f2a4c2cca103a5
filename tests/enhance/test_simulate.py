from __future__ import annotations

import numpy as np
import pytest

from medgen.enhance import simulate as S


def _disk(n: int = 96) -> np.ndarray:
    """Water cylinder with a bone insert and a soft-tissue lesion, in air (a smooth phantom)."""
    yy, xx = np.mgrid[:n, :n] - (n - 1) / 2
    r = np.hypot(yy, xx)
    img = np.full((n, n), -1000.0, dtype=np.float32)
    img[r < n * 0.4] = 0.0
    img[np.hypot(yy - 10, xx + 12) < 8] = 800.0
    img[np.hypot(yy + 12, xx - 8) < 6] = 60.0
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(img, 1.0).astype(np.float32)


def test_noiseless_projection_and_fbp_reproduce_the_image():
    img = _disk()
    px = 0.8
    mu = S.hu_to_mu(img)
    sino = S.forward_project(mu, px, 144)
    rec = S.mu_to_hu(S.fbp(sino, img.shape[0], px))
    inside = img > -900
    err = rec[inside] - img[inside]
    assert abs(err.mean()) < 5.0  # no bias in HU
    assert np.sqrt((err**2).mean()) < 25.0  # discretisation only (edges of the bone insert)


def test_noiseless_fbp_on_real_ct(ct_small):
    hu, px = ct_small
    rec = S.mu_to_hu(S.fbp(S.forward_project(S.hu_to_mu(hu), px, 192), hu.shape[0], px))
    body = hu > -500
    err = rec[body] - hu[body]
    assert abs(np.median(err)) < 5.0
    assert np.median(np.abs(err)) < 15.0


def test_noise_grows_as_dose_drops_and_seed_repeats():
    img = _disk()
    sd = {}
    for dose in (1.0, 0.25, 0.1):
        low = S.simulate_low_dose(img, 0.8, dose, seed=3)
        sd[dose] = float((low - img)[30:66, 30:66].std())
    assert sd[1.0] < sd[0.25] < sd[0.1]
    # Poisson: variance ~ 1/dose, so SD at 25 % ~ 2x full dose (electronic noise adds a little).
    assert 1.6 < sd[0.25] / sd[1.0] < 2.6
    a = S.simulate_low_dose(img, 0.8, 0.25, seed=11)
    b = S.simulate_low_dose(img, 0.8, 0.25, seed=11)
    c = S.simulate_low_dose(img, 0.8, 0.25, seed=12)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_noise_is_zero_mean_and_keeps_the_image():
    img = _disk()
    low = S.simulate_low_dose(img, 0.8, 0.25, seed=0)
    noise = (low - img)[img > -900]
    assert abs(noise.mean()) < 0.2 * noise.std()


def test_simulate_doses_matches_single_level():
    img = _disk(64)
    many = S.simulate_doses(img, 0.8, (0.5, 0.1), seed=5)
    assert set(many) == {0.5, 0.1}
    assert many[0.1].shape == img.shape


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"dose": 0.0}, "dose"), ({"dose": 1.5}, "dose"), ({"pixel_mm": 0.0}, "pixel_mm")],
)
def test_bad_arguments_are_named(kwargs, match):
    args = {"hu": _disk(32), "pixel_mm": 0.8, "dose": 0.25, "seed": 0} | kwargs
    with pytest.raises(ValueError, match=match):
        S.simulate_low_dose(**args)


def test_non_square_input_is_refused():
    with pytest.raises(ValueError, match="square"):
        S.simulate_low_dose(np.zeros((32, 40)), 0.8, 0.25, 0)


def test_pad_to_square():
    out, (r0, c0) = S.pad_to_square(np.zeros((10, 20)))
    assert out.shape == (20, 20) and (r0, c0) == (5, 0)
    assert out[0, 0] == -1000.0 and out[10, 10] == 0.0
