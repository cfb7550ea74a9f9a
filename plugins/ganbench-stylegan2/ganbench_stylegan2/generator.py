"""The StyleGAN2 generator: Karras, Laine, Aittala, Hellsten, Lehtinen & Aila (2020), "Analyzing
and Improving the Image Quality of StyleGAN", CVPR 2020, sections 2 and 4 (config F, skip G).

- A mapping network of fully connected layers turns z (normalised to unit second moment) into
  an intermediate latent w, at 1/100 of the learning rate.
- The synthesis network starts from a learned constant 4x4 input. Every 3x3 convolution is
  modulated by a style (an affine map of w) and demodulated: the weights are scaled per input
  channel by the style, then per output channel to unit L2 norm, so that unit-variance input
  gives unit-variance output without normalising the activations (section 2.2).
- After each convolution: per-pixel Gaussian noise with a learned per-layer strength, a bias,
  and LeakyReLU(0.2) * sqrt(2).
- Skip generator (section 4.1): each resolution adds its own RGB (a modulated 1x1 convolution
  without demodulation) to the upsampled RGB of the one before.
- Style mixing (section 3.2 of StyleGAN): in training, with probability ``style_mixing``, the
  layers after a random cutoff take the w of a second z.
- Truncation (section 3.4 of StyleGAN): in evaluation, w is pulled towards the tracked mean w by
  ``psi`` (1: no truncation; 0: every sample is the mean-w image).

Simplification: upsampling is bilinear before the modulated 3x3 convolution; the paper uses a
transposed convolution followed by the [1, 3, 3, 1] low-pass filter, of which bilinear
upsampling is the separable, cheaper form.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.api import Generator
from ganbench_stylegan2.equalized import EqualizedLinear, ScaledLeakyReLU

DEMODULATION_EPSILON = 1e-8
W_AVG_BETA = 0.995  # decay of the tracked mean w, as in the authors' code
MAPPING_LR_MULTIPLIER = 0.01  # section C of StyleGAN: the mapping network learns 100x slower


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, demodulate: bool) -> torch.Tensor:
    """A convolution whose weights are scaled per sample by ``styles`` (B, in_channels), and,
    with ``demodulate``, renormalised per output channel (eq. 1 and 3 of the paper).

    Written as one grouped convolution with the batch as groups, as the paper suggests."""
    batch, in_channels, height, width = x.shape
    out_channels, _, kernel, _ = weight.shape
    weights = weight[None] * styles[:, None, :, None, None]  # (B, O, I, k, k)
    if demodulate:
        weights = weights * torch.rsqrt(weights.square().sum(dim=(2, 3, 4), keepdim=True) + DEMODULATION_EPSILON)
    out = F.conv2d(x.reshape(1, batch * in_channels, height, width),
                   weights.reshape(batch * out_channels, in_channels, kernel, kernel),
                   padding=kernel // 2, groups=batch)
    return out.reshape(batch, out_channels, *out.shape[2:])


def upsample(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class MappingNetwork(nn.Module):
    """z -> normalise -> ``layers`` x (fully connected, LeakyReLU) -> w."""

    def __init__(self, latent_dim: int, w_dim: int, layers: int) -> None:
        super().__init__()
        widths = [latent_dim] + [w_dim] * layers
        self.net = nn.Sequential(*[module for w_in, w_out in zip(widths, widths[1:])
                                   for module in (EqualizedLinear(w_in, w_out, lr_multiplier=MAPPING_LR_MULTIPLIER),
                                                  ScaledLeakyReLU())])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)  # unit second moment
        return self.net(z)


class SynthesisLayer(nn.Module):
    """Modulated, demodulated 3x3 convolution (upsampling first when asked), noise, bias, activation."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, upsample: bool = False) -> None:
        super().__init__()
        self.upsample = upsample
        self.affine = EqualizedLinear(w_dim, in_channels, bias_init=1.0)  # styles start at 1
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 3, 3))
        self.noise_strength = nn.Parameter(torch.zeros(()))  # learned; starts without noise
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.activation = ScaledLeakyReLU()

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.upsample:
            x = upsample(x)
        x = modulated_conv2d(x, self.weight, self.affine(w), demodulate=True)
        noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
        return self.activation(x + self.noise_strength * noise + self.bias[None, :, None, None])


class ToRGB(nn.Module):
    """A modulated 1x1 convolution to the image channels, without demodulation or activation."""

    def __init__(self, in_channels: int, image_channels: int, w_dim: int) -> None:
        super().__init__()
        self.affine = EqualizedLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(image_channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(image_channels))
        self.weight_gain = 1 / math.sqrt(in_channels)  # equalized learning rate, folded into the styles

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        return modulated_conv2d(x, self.weight, styles, demodulate=False) + self.bias[None, :, None, None]


class SynthesisNetwork(nn.Module):
    """Learned constant 4x4 -> per resolution: (up) conv, conv, toRGB added to the upsampled image."""

    def __init__(self, widths: list[int], image_channels: int, w_dim: int) -> None:
        super().__init__()
        self.const = nn.Parameter(torch.randn(widths[0], 4, 4))
        self.first_conv = SynthesisLayer(widths[0], widths[0], w_dim)
        self.first_rgb = ToRGB(widths[0], image_channels, w_dim)
        self.up_convs = nn.ModuleList(SynthesisLayer(w_in, w_out, w_dim, upsample=True)
                                      for w_in, w_out in zip(widths, widths[1:]))
        self.convs = nn.ModuleList(SynthesisLayer(w, w, w_dim) for w in widths[1:])
        self.rgbs = nn.ModuleList(ToRGB(w, image_channels, w_dim) for w in widths[1:])
        # One w per conv, and the last toRGB's; each toRGB shares its w with the next block's first conv.
        self.num_ws = 2 * len(widths)

    def forward(self, ws: torch.Tensor) -> torch.Tensor:
        """``ws``: (B, num_ws, w_dim), one w per layer."""
        x = self.first_conv(self.const[None].expand(ws.shape[0], -1, -1, -1), ws[:, 0])
        image = self.first_rgb(x, ws[:, 1])
        for block, (up_conv, conv, rgb) in enumerate(zip(self.up_convs, self.convs, self.rgbs), start=1):
            x = up_conv(x, ws[:, 2 * block - 1])
            x = conv(x, ws[:, 2 * block])
            image = upsample(image) + rgb(x, ws[:, 2 * block + 1])
        return image


class StyleGAN2Generator(Generator):
    """z -> mapping -> w per layer (style mixing in training, truncation in evaluation) -> synthesis."""

    def __init__(self, latent_dim: int, widths: list[int], image_channels: int, w_dim: int, mapping_layers: int,
                 style_mixing: float, truncation_psi: float) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.style_mixing = style_mixing
        self.truncation_psi = truncation_psi
        self.mapping = MappingNetwork(latent_dim, w_dim, mapping_layers)
        self.synthesis = SynthesisNetwork(widths, image_channels, w_dim)
        self.register_buffer("w_avg", torch.zeros(w_dim))  # for truncation
        self.register_buffer("pl_mean", torch.zeros(()))  # path length regularization's running target

    @property
    def num_ws(self) -> int:
        return self.synthesis.num_ws

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.synthesis(self.styles(z))

    def styles(self, z: torch.Tensor) -> torch.Tensor:
        """(B, num_ws, w_dim): mixed in training, truncated in evaluation."""
        w = self.mapping(z)
        if self.training:
            self.track_w_avg(w)
        ws = w[:, None].repeat(1, self.num_ws, 1)
        if self.training and self.style_mixing > 0:
            ws = self.mix_styles(ws, z)
        if not self.training and self.truncation_psi != 1:
            ws = self.w_avg.lerp(ws, self.truncation_psi)
        return ws

    @torch.no_grad()
    def track_w_avg(self, w: torch.Tensor) -> None:
        self.w_avg.copy_(w.detach().mean(dim=0).lerp(self.w_avg, W_AVG_BETA))

    def mix_styles(self, ws: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """With probability ``style_mixing``, layers from a random cutoff on take a second z's w.

        The coin and the cutoff are drawn on the device, so no host sync happens."""
        cutoff = torch.randint(1, self.num_ws, (), device=z.device)
        cutoff = torch.where(torch.rand((), device=z.device) < self.style_mixing, cutoff, self.num_ws)
        second = self.mapping(torch.randn_like(z))[:, None]
        later_layers = (torch.arange(self.num_ws, device=z.device) >= cutoff)[None, :, None]
        return torch.where(later_layers, second, ws)
