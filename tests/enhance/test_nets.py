from __future__ import annotations

import pytest
import torch

from medgen.enhance.nets import Generator, PatchDiscriminator


@pytest.mark.parametrize(
    ("base", "depth", "blocks", "hw"),
    [(4, 0, 0, (8, 8)), (4, 1, 1, (16, 24)), (8, 2, 2, (32, 64)), (4, 3, 1, (64, 40))],
)
def test_generator_keeps_shape(base, depth, blocks, hw):
    g = Generator(base, depth, blocks)
    x = torch.randn(2, 1, *hw) * 100
    assert g(x).shape == x.shape


def test_generator_starts_as_identity_in_hu():
    g = Generator(4, 1, 1)
    x = torch.randn(1, 1, 16, 16) * 300
    torch.testing.assert_close(g(x), x, atol=1e-3, rtol=0)


def test_generator_rejects_bad_shapes():
    g = Generator(4, 2, 1)
    with pytest.raises(ValueError, match="multiples of 4"):
        g(torch.zeros(1, 1, 18, 16))
    with pytest.raises(ValueError, match="batch, 1, H, W"):
        g(torch.zeros(1, 16, 16))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"base_channels": 0}, "base_channels"), ({"depth": 9}, "depth"), ({"blocks": -1}, "blocks")],
)
def test_generator_argument_checks(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Generator(**kwargs)


@pytest.mark.parametrize(("base", "layers", "hw"), [(4, 1, (16, 16)), (8, 3, (64, 32))])
def test_patch_discriminator_shape(base, layers, hw):
    d = PatchDiscriminator(base, layers)
    a, b = torch.randn(3, 1, *hw), torch.randn(3, 1, *hw)
    s = d(a, b)
    assert s.shape == (3, 1, hw[0] // 2**layers, hw[1] // 2**layers)


def test_patch_discriminator_checks():
    with pytest.raises(ValueError, match="layers"):
        PatchDiscriminator(layers=0)
    with pytest.raises(ValueError, match="differ"):
        PatchDiscriminator(4, 1)(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 16, 16))


def test_model_args_round_trip():
    g = Generator(6, 2, 3)
    assert Generator(**g.model_args).model_args == {"base_channels": 6, "depth": 2, "blocks": 3}
