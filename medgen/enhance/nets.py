"""Networks: a residual encoder-decoder generator (HU in, HU out) and a PatchGAN discriminator.

Both are fully convolutional; constructor arguments are typed and checked (ValueError naming the
argument). ``model_args`` dictionaries in checkpoints and model cards are the constructor kwargs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

#: Scale (HU) of the residual (candidate - low dose) the discriminator sees: noise-level
#: differences of a few HU must be visible to it, not lost next to a 1000 HU image range.
RESIDUAL_SCALE_HU = 50.0
#: Internal intensity scaling: x = (HU - HU_OFFSET) / HU_SCALE (air -> 0, water -> 1).
HU_OFFSET = -1000.0
HU_SCALE = 1000.0


def hu_to_net(hu: torch.Tensor) -> torch.Tensor:
    return (hu - HU_OFFSET) / HU_SCALE


def net_to_hu(x: torch.Tensor) -> torch.Tensor:
    return x * HU_SCALE + HU_OFFSET


@dataclass(frozen=True)
class GeneratorArgs:
    """Constructor arguments of :class:`Generator` (stored in checkpoints and model cards)."""

    base_channels: int = 16  # feature channels at full resolution (doubled per level)
    depth: int = 2  # number of stride-2 downsamplings
    blocks: int = 2  # residual blocks at the bottleneck

    def __post_init__(self) -> None:
        if self.base_channels < 1:
            raise ValueError(f"base_channels must be >= 1, got {self.base_channels}")
        if not 0 <= self.depth <= 5:
            raise ValueError(f"depth must be in 0..5, got {self.depth}")
        if self.blocks < 0:
            raise ValueError(f"blocks must be >= 0, got {self.blocks}")

    @property
    def multiple(self) -> int:
        """Input height and width must be multiples of this (padding is done by the caller)."""
        return 2**self.depth


class _ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(ch, ch, 3, padding=1),
            nn.LeakyReLU(0.1, inplace=True),
            nn.Conv2d(ch, ch, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Generator(nn.Module):
    """Residual encoder-decoder (U-Net with additive skips, RED-CNN-like) predicting the noise.

    ``forward`` takes and returns HU tensors of shape (batch, 1, H, W), H and W multiples of
    ``2 ** depth``; internally the low-dose image is normalised and the network predicts a
    residual that is added back (output = input + correction).
    """

    def __init__(self, base_channels: int = 16, depth: int = 2, blocks: int = 2) -> None:
        super().__init__()
        self.args = GeneratorArgs(base_channels, depth, blocks)
        ch = [base_channels * 2**i for i in range(depth + 1)]
        act = nn.LeakyReLU(0.1, inplace=True)
        self.head = nn.Sequential(
            nn.Conv2d(1, ch[0], 3, padding=1), act, nn.Conv2d(ch[0], ch[0], 3, padding=1), act
        )
        self.down = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(ch[i], ch[i + 1], 3, stride=2, padding=1), nn.LeakyReLU(0.1, inplace=True)
            )
            for i in range(depth)
        )
        self.enc = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(ch[i + 1], ch[i + 1], 3, padding=1), nn.LeakyReLU(0.1, inplace=True)
            )
            for i in range(depth)
        )
        self.mid = nn.Sequential(*[_ResBlock(ch[-1]) for _ in range(blocks)])
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(ch[i + 1], ch[i], 4, stride=2, padding=1) for i in range(depth)
        )
        self.dec = nn.ModuleList(
            nn.Sequential(
                nn.LeakyReLU(0.1, inplace=True),
                nn.Conv2d(ch[i], ch[i], 3, padding=1),
                nn.LeakyReLU(0.1, inplace=True),
            )
            for i in range(depth)
        )
        self.tail = nn.Conv2d(ch[0], 1, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        assert self.tail.bias is not None
        nn.init.zeros_(self.tail.bias)

    @property
    def model_args(self) -> dict[str, int]:
        return asdict(self.args)

    def forward(self, hu: torch.Tensor) -> torch.Tensor:
        if hu.ndim != 4 or hu.shape[1] != 1:
            raise ValueError(f"expected (batch, 1, H, W), got {tuple(hu.shape)}")
        m = self.args.multiple
        if hu.shape[-1] % m or hu.shape[-2] % m:
            raise ValueError(f"H and W must be multiples of {m}, got {tuple(hu.shape[-2:])}")
        x = hu_to_net(hu)
        h = self.head(x)
        skips = [h]
        for down, enc in zip(self.down, self.enc, strict=True):
            h = enc(down(h))
            skips.append(h)
        h = self.mid(h)
        for i in reversed(range(self.args.depth)):
            h = self.dec[i](self.up[i](h) + skips[i])
        return net_to_hu(x + self.tail(h))


@dataclass(frozen=True)
class DiscriminatorArgs:
    """Constructor arguments of :class:`PatchDiscriminator`."""

    base_channels: int = 32  # channels of the first layer (doubled per layer)
    layers: int = 3  # stride-2 layers; the receptive field grows with it

    def __post_init__(self) -> None:
        if self.base_channels < 1:
            raise ValueError(f"base_channels must be >= 1, got {self.base_channels}")
        if not 1 <= self.layers <= 5:
            raise ValueError(f"layers must be in 1..5, got {self.layers}")


class PatchDiscriminator(nn.Module):
    """Conditional PatchGAN (pix2pix): scores overlapping patches of (low dose, candidate) pairs.

    Input: two HU tensors (batch, 1, H, W); the network sees the normalised low-dose image and the
    residual ``(candidate - low) / RESIDUAL_SCALE_HU`` (the removed noise, on a scale where its
    texture matters). Output: (batch, 1, H / 2**layers, W / 2**layers) real/fake scores (no
    sigmoid: used with the least-squares GAN loss).
    """

    def __init__(self, base_channels: int = 32, layers: int = 3) -> None:
        super().__init__()
        self.args = DiscriminatorArgs(base_channels, layers)
        mods: list[nn.Module] = []
        cin = 2
        for i in range(layers):
            cout = base_channels * 2**i
            mods += [nn.Conv2d(cin, cout, 4, stride=2, padding=1)]
            if i > 0:
                mods += [nn.InstanceNorm2d(cout, affine=True)]
            mods += [nn.LeakyReLU(0.2, inplace=True)]
            cin = cout
        mods += [
            nn.Conv2d(cin, cin, 3, padding=1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(cin, 1, 3, padding=1),
        ]
        self.net = nn.Sequential(*mods)

    @property
    def model_args(self) -> dict[str, int]:
        return asdict(self.args)

    def forward(self, low_hu: torch.Tensor, candidate_hu: torch.Tensor) -> torch.Tensor:
        if low_hu.shape != candidate_hu.shape:
            raise ValueError(
                f"low and candidate shapes differ: {tuple(low_hu.shape)} vs {tuple(candidate_hu.shape)}"
            )
        x = torch.cat([hu_to_net(low_hu), (candidate_hu - low_hu) / RESIDUAL_SCALE_HU], dim=1)
        return self.net(x)
